//! The health view: one row per werkingsgebied of the period with a signal per dimension, and
//! the rules that give each signal. The rows are read in ONE statement for the whole period
//! (no query per werkingsgebied); the rules are pure functions, tested below.
//!
//! - Regisseur: a current appointment (view `current_appointments`) for the werkingsgebied or
//!   the one carried over from it (who writes its last report) → green, else red.
//! - Agreement: signed or further (ondertekend, in opvolging, geëvalueerd) with at least one
//!   meeting in the year → green; signed without a meeting in the year → orange; none or not
//!   signed → red.
//! - Report: handed in (ingediend, in behandeling, goedgekeurd) → green; no due date set for
//!   the year → grey; not handed in before the due date → orange; after it → red.
//! - Priorities: all four WSE-LR priorities have an action in the year (the counts of
//!   `action_priority_counts`, as in the priority matrix) → green; three → orange; fewer → red.
//! - Spending: paid (net) above the allocation → red, whatever was reported (the same rule as
//!   `budget::signals`); else no spending reported yet → grey; reported ≤ allocated → green;
//!   over → red.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use sqlx::PgExecutor;

use crate::agreements::model::AgreementStatus;
use crate::budget::signals::{Position, SignalKind};
use crate::error::Result;
use crate::reports::model::ReportStatus;
use crate::web::format;

/// A signal. The word is always shown: the colour only helps the eye.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Green,
    Orange,
    Red,
    Grey,
}

impl Signal {
    /// The CSS class suffix and the word a person reads.
    pub fn code(self) -> &'static str {
        match self {
            Self::Green => "groen",
            Self::Orange => "oranje",
            Self::Red => "rood",
            Self::Grey => "grijs",
        }
    }

    /// For sorting: what needs attention most comes first.
    pub fn severity(self) -> u8 {
        match self {
            Self::Red => 0,
            Self::Orange => 1,
            Self::Grey => 2,
            Self::Green => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Green => "Groen",
            Self::Orange => "Oranje",
            Self::Red => "Rood",
            Self::Grey => "Grijs",
        }
    }
}

/// A column of the health view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    Regisseur,
    Agreement,
    Report,
    Priorities,
    Spending,
}

impl Dimension {
    pub const ALL: [Dimension; 5] = [
        Self::Regisseur,
        Self::Agreement,
        Self::Report,
        Self::Priorities,
        Self::Spending,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Regisseur => "regisseur",
            Self::Agreement => "overeenkomst",
            Self::Report => "rapport",
            Self::Priorities => "prioriteiten",
            Self::Spending => "uitgaven",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Regisseur => "Regisseur aangesteld",
            Self::Agreement => "Overeenkomst ondertekend en opgevolgd",
            Self::Report => "Jaarrapport op tijd",
            Self::Priorities => "Elke prioriteit gedekt",
            Self::Spending => "Betaald en uitgegeven binnen toekenning",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == code)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One signal in a row: the colour, the reason in words, and where to look.
pub struct Cell {
    pub signal: Signal,
    pub text: String,
    pub href: String,
}

/// A werkingsgebied's figures for the year, as read.
pub struct HealthRow {
    pub partnership_id: i64,
    pub name: String,
    pub is_demo: bool,
    pub provinces: Vec<String>,
    /// Names of the current regisseurs, if any.
    pub regisseurs: Option<String>,
    /// Its most advanced agreement (signed first, stopped last).
    pub agreement: Option<(i64, AgreementStatus)>,
    pub report: Option<ReportStatus>,
    /// Not handed in and the due date passed.
    pub late: bool,
    pub allocated: Option<i64>,
    pub paid: i64,
    pub reported: Option<i64>,
    /// The five signals, in [`Dimension::ALL`] order.
    pub cells: Vec<Cell>,
}

impl HealthRow {
    pub fn signal(&self, d: Dimension) -> Signal {
        self.cells[d.index()].signal
    }

    pub fn count(&self, s: Signal) -> usize {
        self.cells.iter().filter(|c| c.signal == s).count()
    }

    /// The number of red signals, for the page's last column.
    pub fn reds(&self) -> usize {
        self.count(Signal::Red)
    }

    pub fn signed(&self) -> bool {
        self.agreement.is_some_and(|(_, s)| s.is_signed())
    }

    /// The report page of this werkingsgebied for `year`.
    pub fn report_path(&self, year: i16) -> String {
        crate::reports::db::path(self.partnership_id, year.into())
    }

    /// The agreement to look at, or the agreements overview of this werkingsgebied.
    pub fn agreement_path(&self) -> String {
        match self.agreement {
            Some((id, _)) => format!("/samenwerkingsovereenkomsten/{id}"),
            None => format!(
                "/samenwerkingsovereenkomsten?werkingsgebied={}",
                self.partnership_id
            ),
        }
    }
}

pub fn regisseur(names: Option<&str>) -> (Signal, String) {
    match names {
        Some(names) => (Signal::Green, format!("aangesteld: {names}")),
        None => (Signal::Red, "geen regisseur".into()),
    }
}

pub fn agreement(status: Option<AgreementStatus>, meetings: i64, year: i16) -> (Signal, String) {
    match status {
        Some(s) if s.is_signed() && meetings > 0 => (
            Signal::Green,
            format!("{}, opgevolgd in {year}", s.label().to_lowercase()),
        ),
        Some(s) if s.is_signed() => (
            Signal::Orange,
            format!(
                "{}, geen opvolgingsmoment in {year}",
                s.label().to_lowercase()
            ),
        ),
        Some(s) => (
            Signal::Red,
            format!("niet ondertekend ({})", s.label().to_lowercase()),
        ),
        None => (Signal::Red, "geen overeenkomst".into()),
    }
}

/// The report's signal on `today`; also whether it is late.
pub fn report(
    status: Option<ReportStatus>,
    due_on: Option<NaiveDate>,
    today: NaiveDate,
) -> (Signal, String, bool) {
    let state = status.map_or("niet begonnen".to_string(), |s| s.label().to_lowercase());
    if status.is_some_and(ReportStatus::handed_in) {
        return (Signal::Green, state, false);
    }
    match due_on {
        None => (Signal::Grey, format!("{state}, geen indiendatum"), false),
        Some(due) if today <= due => (
            Signal::Orange,
            format!("{state}, in te dienen uiterlijk {}", format::date(due)),
            false,
        ),
        Some(due) => (
            Signal::Red,
            format!("te laat: {state}, was uiterlijk {}", format::date(due)),
            true,
        ),
    }
}

pub fn priorities(covered: i64) -> (Signal, String) {
    let signal = match covered {
        4.. => Signal::Green,
        3 => Signal::Orange,
        _ => Signal::Red,
    };
    (signal, format!("{covered} van 4 prioriteiten"))
}

pub fn spending(allocated: Option<i64>, paid: i64, reported: Option<i64>) -> (Signal, String) {
    // Above the allocation is the rule of `budget::signals`; the words are the dashboard's.
    let position = Position {
        partnership_id: 0,
        name: String::new(),
        year: 0,
        allocated_cents: allocated,
        paid_cents: paid,
        spent_cents: reported,
    };
    let signals = position.signals();
    let above = |kind| signals.iter().find(|s| s.kind == kind);
    let euro = format::euro_cents;
    if let Some(s) = above(SignalKind::Overpaid) {
        let text = match allocated {
            Some(a) => format!(
                "te veel betaald: {} van {}, {} te veel",
                euro(paid),
                euro(a),
                euro(s.excess_cents())
            ),
            None => format!("te veel betaald: {} zonder toekenning", euro(paid)),
        };
        return (Signal::Red, text);
    }
    match (reported, allocated, above(SignalKind::Overspent)) {
        (None, _, _) => (Signal::Grey, "nog geen uitgaven gemeld".into()),
        (Some(r), None, Some(_)) => (Signal::Red, format!("{} zonder toekenning", euro(r))),
        (Some(r), Some(a), Some(s)) => (
            Signal::Red,
            format!(
                "{} van {}: {} te veel",
                euro(r),
                euro(a),
                euro(s.excess_cents())
            ),
        ),
        (Some(r), Some(a), None) => (Signal::Green, format!("{} van {}", euro(r), euro(a))),
        (Some(_), None, None) => (Signal::Green, "€ 0,00, geen toekenning".into()),
    }
}

/// The werkingsgebieden of period `period_id` with their signals for `year` on `today`, by
/// name, and their `provinces` (from the cached coverage figures, [`Snapshot::area_provinces`]).
/// One statement, each part aggregated once for the period rather than looked up per
/// werkingsgebied (lateral subqueries): 39 werkingsgebieden took 5 ms that way.
///
/// [`Snapshot::area_provinces`]: crate::coverage::db::Snapshot::area_provinces
pub async fn rows(
    db: impl PgExecutor<'_>,
    period_id: i64,
    year: i16,
    today: NaiveDate,
    provinces: &HashMap<i64, BTreeSet<String>>,
) -> Result<Vec<HealthRow>> {
    let first = NaiveDate::from_ymd_opt(year.into(), 1, 1).unwrap_or(today);
    let last = NaiveDate::from_ymd_opt(year.into(), 12, 31).unwrap_or(today);
    let rows = sqlx::query!(
        r#"with areas as (
               select partnership_id, name, is_demo from partnerships where policy_period_id = $1
           ),
           rg as (
               -- The successor's regisseur answers for an ended period's last year too.
               select h.area as partnership_id,
                      string_agg(ca.person_name, ', ' order by ca.person_name) as names
               from (select partnership_id as area, partnership_id as holder from areas
                     union all
                     select s.carried_over_from, s.partnership_id from partnerships s
                     join areas on areas.partnership_id = s.carried_over_from) h
               join current_appointments ca on ca.partnership_id = h.holder
               group by h.area
           ),
           ag as (
               select distinct on (g.partnership_id) g.partnership_id, g.agreement_id, g.status
               from agreements g join areas using (partnership_id)
               order by g.partnership_id,
                        g.status in ('ondertekend', 'in_opvolging', 'geevalueerd') desc,
                        g.status <> 'stopgezet' desc, g.status desc, g.agreement_id desc
           ),
           mt as (
               select g.partnership_id, count(*) as meetings
               from agreement_meetings m join agreements g using (agreement_id)
               join areas using (partnership_id)
               where g.status in ('ondertekend', 'in_opvolging', 'geevalueerd')
                 and m.held_on between $3 and $4
               group by g.partnership_id
           ),
           pc as (
               select c.partnership_id, count(*) as covered
               from action_priority_counts c join areas using (partnership_id)
               where c.year = $2 and c.priority between 1 and 4 and c.actions > 0
               group by c.partnership_id
           )
           select a.partnership_id as "partnership_id!", a.name as "name!",
                  a.is_demo as "is_demo!",
                  rg.names as "regisseurs?",
                  ag.agreement_id as "agreement_id?", ag.status as "agreement_status?: AgreementStatus",
                  coalesce(mt.meetings, 0) as "meetings!",
                  r.status as "report_status?: ReportStatus",
                  d.due_on as "due_on?: NaiveDate",
                  coalesce(pc.covered, 0) as "priorities!",
                  bp.allocated_cents as "allocated?",
                  coalesce(bp.paid_cents, 0)::bigint as "paid!",
                  bp.spent_cents as "reported?"
           from areas a
           left join rg on rg.partnership_id = a.partnership_id
           left join ag on ag.partnership_id = a.partnership_id
           left join mt on mt.partnership_id = a.partnership_id
           left join reports r on r.partnership_id = a.partnership_id and r.year = $2
           left join report_deadlines d on d.year = $2
           left join pc on pc.partnership_id = a.partnership_id
           -- Money as every budget page reads it (budget::signals).
           left join budget_positions bp on bp.partnership_id = a.partnership_id and bp.year = $2
           order by a.name, a.partnership_id"#,
        period_id,
        year,
        first as NaiveDate,
        last as NaiveDate,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (s1, t1) = regisseur(r.regisseurs.as_deref());
            let (s2, t2) = agreement(r.agreement_status, r.meetings, year);
            let (s3, t3, late) = report(r.report_status, r.due_on, today);
            let (s4, t4) = priorities(r.priorities);
            let (s5, t5) = spending(r.allocated, r.paid, r.reported);
            let id = r.partnership_id;
            let agreement = r.agreement_id.zip(r.agreement_status);
            let mut row = HealthRow {
                partnership_id: id,
                name: r.name,
                is_demo: r.is_demo,
                provinces: provinces
                    .get(&id)
                    .map(|p| p.iter().cloned().collect())
                    .unwrap_or_default(),
                regisseurs: r.regisseurs,
                agreement,
                report: r.report_status,
                late,
                allocated: r.allocated,
                paid: r.paid,
                reported: r.reported,
                cells: Vec::new(),
            };
            let links = [
                format!("/werkingsgebieden/{id}"),
                row.agreement_path(),
                row.report_path(year),
                format!("/werkingsgebieden/{id}"),
                format!("/werkingsgebieden/{id}/budget"),
            ];
            row.cells = [(s1, t1), (s2, t2), (s3, t3), (s4, t4), (s5, t5)]
                .into_iter()
                .zip(links)
                .map(|((signal, text), href)| Cell { signal, text, href })
                .collect();
            row
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn an_agreement_is_green_only_when_signed_and_followed_up_in_the_year() {
        assert_eq!(
            agreement(Some(AgreementStatus::InOpvolging), 2, 2025).0,
            Signal::Green
        );
        assert_eq!(
            agreement(Some(AgreementStatus::Ondertekend), 0, 2025).0,
            Signal::Orange
        );
        assert_eq!(
            agreement(Some(AgreementStatus::Goedgekeurd), 3, 2025).0,
            Signal::Red
        );
        assert_eq!(
            agreement(None, 0, 2025),
            (Signal::Red, "geen overeenkomst".into())
        );
    }

    #[test]
    fn a_report_is_late_only_after_its_due_date_and_when_not_handed_in() {
        let due = Some(day(2026, 3, 31));
        let (s, _, late) = report(Some(ReportStatus::Concept), due, day(2026, 3, 31));
        assert_eq!((s, late), (Signal::Orange, false));
        let (s, text, late) = report(None, due, day(2026, 4, 1));
        assert_eq!((s, late), (Signal::Red, true));
        assert_eq!(text, "te laat: niet begonnen, was uiterlijk 31/03/2026");
        let (s, _, _) = report(Some(ReportStatus::Teruggestuurd), due, day(2026, 4, 1));
        assert_eq!(s, Signal::Red);
        let (s, _, _) = report(Some(ReportStatus::InBehandeling), due, day(2026, 4, 1));
        assert_eq!(s, Signal::Green);
        let (s, text, _) = report(Some(ReportStatus::Concept), None, day(2026, 4, 1));
        assert_eq!(
            (s, text.as_str()),
            (Signal::Grey, "concept, geen indiendatum")
        );
    }

    #[test]
    fn priorities_need_all_four_for_green_and_three_for_orange() {
        assert_eq!(priorities(4).0, Signal::Green);
        assert_eq!(priorities(3).0, Signal::Orange);
        assert_eq!(priorities(2).0, Signal::Red);
        assert_eq!(priorities(0).1, "0 van 4 prioriteiten");
    }

    #[test]
    fn spending_over_the_allocation_is_red_and_no_report_grey() {
        assert_eq!(spending(Some(100), 0, None).0, Signal::Grey);
        assert_eq!(spending(Some(100), 100, Some(100)).0, Signal::Green);
        assert_eq!(spending(Some(100), 0, Some(101)).0, Signal::Red);
        assert_eq!(spending(None, 0, Some(5)).0, Signal::Red);
        // Paid above the allocation is red before anything is reported.
        assert_eq!(
            spending(Some(5_000_000), 50_000_000, None),
            (
                Signal::Red,
                "te veel betaald: € 500.000,00 van € 50.000,00, € 450.000,00 te veel".into()
            )
        );
    }
}
