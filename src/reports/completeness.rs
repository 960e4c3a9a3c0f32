//! The completeness check of a yearly report, in plain Dutch: empty sections of the narrative,
//! priorities without an action in the year, actions without participants reached or results,
//! and spending not reported. The regisseur sees it before submitting, the reviewer before
//! approving (then on the submission as frozen).
//!
//! A gap warns. An admin makes a check required for a report year (`/admin/indiendata`, table
//! `report_required_checks`); a report of that year with that gap cannot be submitted.

use sqlx::PgExecutor;

use super::assemble::{Narrative, ReportData};
use crate::error::Result;

/// One check, stored by its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Narrative,
    Priorities,
    Actions,
    Spending,
}

impl Check {
    pub const ALL: [Check; 4] = [
        Self::Narrative,
        Self::Priorities,
        Self::Actions,
        Self::Spending,
    ];

    /// The code in `report_required_checks` (and the form's field name).
    pub fn code(self) -> &'static str {
        match self {
            Self::Narrative => "toelichting",
            Self::Priorities => "prioriteiten",
            Self::Actions => "acties",
            Self::Spending => "uitgaven",
        }
    }

    /// What the check asks.
    pub fn label(self) -> &'static str {
        match self {
            Self::Narrative => "Elke sectie van de toelichting is ingevuld",
            Self::Priorities => "Elke prioriteit heeft een actie in het jaar",
            Self::Actions => "Elke actie vermeldt bereikte deelnemers en resultaten",
            Self::Spending => "De uitgaven van het jaar zijn gerapporteerd",
        }
    }
}

/// Something missing from the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub check: Check,
    pub text: String,
    /// The department made this check required for the year: it blocks a submission.
    pub required: bool,
}

/// The gaps of a report for `year` with `data` and `narrative`; `required` are the checks the
/// department requires for that year.
pub fn gaps(data: &ReportData, narrative: &Narrative, year: i32, required: &[Check]) -> Vec<Gap> {
    let mut found: Vec<(Check, String)> = Vec::new();
    for (label, text) in [
        ("Context", &narrative.context),
        ("Wat werkte", &narrative.worked),
        ("Wat werkte niet", &narrative.not_worked),
        ("Plannen", &narrative.plans),
    ] {
        if text.trim().is_empty() {
            found.push((
                Check::Narrative,
                format!("De sectie „{label}” van de toelichting is leeg."),
            ));
        }
    }
    for p in data.priorities.iter().filter(|p| !p.met()) {
        found.push((
            Check::Priorities,
            format!("{} ({}) heeft geen actie in {year}.", p.code, p.label),
        ));
    }
    for a in &data.incomplete {
        let missing = match (a.no_reach, a.no_results) {
            (true, true) => "geen bereikte deelnemers en geen resultaten",
            (true, false) => "geen bereikte deelnemers",
            _ => "geen resultaten",
        };
        found.push((Check::Actions, format!("Actie „{}”: {missing}.", a.title)));
    }
    if data.budget.spent_cents.is_none() {
        found.push((
            Check::Spending,
            format!("De uitgaven van {year} zijn nog niet gerapporteerd."),
        ));
    }
    found
        .into_iter()
        .map(|(check, text)| Gap {
            check,
            text,
            required: required.contains(&check),
        })
        .collect()
}

/// Whether any gap blocks a submission.
pub fn blocks(gaps: &[Gap]) -> bool {
    gaps.iter().any(|g| g.required)
}

/// The checks the department requires for report year `year`.
pub async fn required(db: impl PgExecutor<'_>, year: i32) -> Result<Vec<Check>> {
    let codes = sqlx::query_scalar!(
        "select check_code from report_required_checks where year = $1",
        year as i16
    )
    .fetch_all(db)
    .await?;
    Ok(Check::ALL
        .into_iter()
        .filter(|c| codes.iter().any(|code| code == c.code()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::assemble::{BudgetFigures, IncompleteAction, PriorityFigures};

    fn priority(code: &str, count: i64) -> PriorityFigures {
        PriorityFigures {
            code: code.into(),
            label: "iets".into(),
            count,
            ..PriorityFigures::default()
        }
    }

    #[test]
    fn a_complete_report_has_no_gaps() {
        let data = ReportData {
            priorities: vec![priority("WSE-LR1", 1), priority("WSE-LR2", 2)],
            budget: BudgetFigures {
                spent_cents: Some(0),
                ..BudgetFigures::default()
            },
            ..ReportData::default()
        };
        let narrative = Narrative {
            context: "a".into(),
            worked: "b".into(),
            not_worked: "c".into(),
            plans: "d".into(),
        };
        assert_eq!(gaps(&data, &narrative, 2026, &Check::ALL), Vec::new());
    }

    #[test]
    fn every_gap_is_named_and_only_required_checks_block() {
        let data = ReportData {
            priorities: vec![priority("WSE-LR1", 1), priority("WSE-LR3", 0)],
            incomplete: vec![IncompleteAction {
                title: "Jobbeurs".into(),
                no_reach: true,
                no_results: false,
            }],
            ..ReportData::default()
        };
        let narrative = Narrative {
            context: "Een jaar".into(),
            worked: "  ".into(),
            ..Narrative::default()
        };
        let found = gaps(&data, &narrative, 2026, &[Check::Spending]);
        let texts: Vec<&str> = found.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "De sectie „Wat werkte” van de toelichting is leeg.",
                "De sectie „Wat werkte niet” van de toelichting is leeg.",
                "De sectie „Plannen” van de toelichting is leeg.",
                "WSE-LR3 (iets) heeft geen actie in 2026.",
                "Actie „Jobbeurs”: geen bereikte deelnemers.",
                "De uitgaven van 2026 zijn nog niet gerapporteerd.",
            ]
        );
        assert!(blocks(&found));
        assert_eq!(found.iter().filter(|g| g.required).count(), 1);
        assert!(!blocks(&gaps(&data, &narrative, 2026, &[])));
    }
}
