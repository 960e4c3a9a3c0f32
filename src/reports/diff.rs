//! The differences between two submissions: per figure the value before and after, per
//! narrative field a line-based diff. Pure functions; the page is in [`super::submissions`].

use super::assemble::ReportData;
use super::show_figures::budget_lines;
use crate::web::format;

/// One figure in both submissions.
#[derive(Debug, PartialEq, Eq)]
pub struct FigureChange {
    pub label: String,
    pub old: String,
    pub new: String,
    pub changed: bool,
}

/// The figures as (label, value) lines, in the order the report shows them.
pub fn figure_lines(d: &ReportData) -> Vec<(String, String)> {
    let mut lines = vec![("Acties dit jaar".to_string(), d.actions_total.to_string())];
    for p in &d.priorities {
        let rule = if p.met() { "gehaald" } else { "niet gehaald" };
        lines.push((
            format!("Acties {}", p.code),
            format!("{} ({rule})", p.count),
        ));
    }
    lines.push(("Geannuleerde acties".into(), d.cancelled.len().to_string()));
    for r in &d.reach {
        lines.push((
            format!("Bereik {}", r.label),
            format!(
                "{} gepland, {} bereikt",
                format::thousands(r.planned),
                format::thousands(r.reached)
            ),
        ));
    }
    lines.push((
        "Partners".into(),
        d.partners
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    ));
    for a in &d.agreements {
        let done = a
            .commitments
            .iter()
            .filter(|c| c.status == "gerealiseerd")
            .count();
        lines.push((
            format!("Overeenkomst {}", a.title),
            format!(
                "{}; {} engagementen, {done} gerealiseerd; {} overleg(gen)",
                a.status,
                a.commitments.len(),
                a.meetings.len()
            ),
        ));
    }
    for (label, amount) in budget_lines(d) {
        lines.push((format!("Budget: {}", label.to_lowercase()), amount));
    }
    lines
}

/// Every figure of either side, old and new ("-" where a side lacks it), in the new order
/// with figures only the old one has at the end.
pub fn compare_figures(old: &ReportData, new: &ReportData) -> Vec<FigureChange> {
    let old = figure_lines(old);
    let new = figure_lines(new);
    let find = |lines: &[(String, String)], label: &str| {
        lines
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.clone())
    };
    let mut changes: Vec<FigureChange> = new
        .iter()
        .map(|(label, value)| {
            let before = find(&old, label);
            FigureChange {
                label: label.clone(),
                changed: before.as_deref() != Some(value.as_str()),
                old: before.unwrap_or_else(|| "-".into()),
                new: value.clone(),
            }
        })
        .collect();
    for (label, value) in &old {
        if find(&new, label).is_none() {
            changes.push(FigureChange {
                label: label.clone(),
                old: value.clone(),
                new: "-".into(),
                changed: true,
            });
        }
    }
    changes
}

/// One line of a text diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    Same(String),
    Removed(String),
    Added(String),
}

impl Line {
    /// `same`, `removed` or `added`, for the template.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Same(_) => "same",
            Self::Removed(_) => "removed",
            Self::Added(_) => "added",
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Self::Same(t) | Self::Removed(t) | Self::Added(t) => t,
        }
    }
}

/// Above this many line pairs the diff shows the whole old text removed and the new added
/// rather than spend the memory of a longest-common-subsequence table.
const MAX_CELLS: usize = 1_000_000;

/// A line-based diff of `old` into `new` (longest common subsequence of lines).
pub fn lines(old: &str, new: &str) -> Vec<Line> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len().saturating_mul(b.len()) > MAX_CELLS {
        return a
            .iter()
            .map(|l| Line::Removed((*l).into()))
            .chain(b.iter().map(|l| Line::Added((*l).into())))
            .collect();
    }
    // lcs[i][j]: length of the common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(Line::Same(a[i].into()));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(Line::Removed(a[i].into()));
            i += 1;
        } else {
            out.push(Line::Added(b[j].into()));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| Line::Removed((*l).into())));
    out.extend(b[j..].iter().map(|l| Line::Added((*l).into())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::assemble::{BudgetFigures, PriorityFigures};

    #[test]
    fn an_unchanged_text_is_all_the_same() {
        assert_eq!(
            lines("a\nb", "a\nb"),
            vec![Line::Same("a".into()), Line::Same("b".into())]
        );
        assert!(lines("", "").is_empty());
    }

    #[test]
    fn a_changed_line_is_removed_and_added_in_place() {
        assert_eq!(
            lines("Intro\nOude zin\nSlot", "Intro\nNieuwe zin\nSlot\nExtra"),
            vec![
                Line::Same("Intro".into()),
                Line::Removed("Oude zin".into()),
                Line::Added("Nieuwe zin".into()),
                Line::Same("Slot".into()),
                Line::Added("Extra".into()),
            ]
        );
    }

    #[test]
    fn a_text_from_nothing_is_all_added() {
        assert_eq!(lines("", "Nieuw"), vec![Line::Added("Nieuw".into())]);
    }

    #[test]
    fn a_changed_figure_is_marked_and_an_equal_one_is_not() {
        let old = ReportData {
            actions_total: 1,
            priorities: vec![PriorityFigures {
                priority: 1,
                code: "WSE-LR1".into(),
                count: 1,
                ..PriorityFigures::default()
            }],
            budget: BudgetFigures {
                paid_cents: 100_000,
                ..BudgetFigures::default()
            },
            ..ReportData::default()
        };
        let mut new = old.clone();
        new.actions_total = 2;
        new.priorities[0].count = 2;
        let changes = compare_figures(&old, &new);
        let total = changes
            .iter()
            .find(|c| c.label == "Acties dit jaar")
            .unwrap();
        assert!(total.changed);
        assert_eq!((total.old.as_str(), total.new.as_str()), ("1", "2"));
        let lr1 = changes
            .iter()
            .find(|c| c.label == "Acties WSE-LR1")
            .unwrap();
        assert_eq!(lr1.new, "2 (gehaald)");
        let paid = changes
            .iter()
            .find(|c| c.label == "Budget: uitbetaald (netto)")
            .unwrap();
        assert!(!paid.changed);
        assert!(compare_figures(&old, &old).iter().all(|c| !c.changed));
    }

    #[test]
    fn a_figure_only_the_old_submission_has_shows_as_gone() {
        let mut old = ReportData::default();
        old.reach.push(crate::reports::assemble::Reach {
            target_group: "werkzoekenden".into(),
            label: "werkzoekenden".into(),
            planned: 5,
            reached: 3,
        });
        let changes = compare_figures(&old, &ReportData::default());
        let gone = changes.last().unwrap();
        assert_eq!(gone.label, "Bereik werkzoekenden");
        assert_eq!(gone.new, "-");
        assert!(gone.changed);
    }
}
