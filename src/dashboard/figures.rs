//! The dashboard's summary blocks above the health view: coverage, reports per status, overdue
//! items, werkingsgebieden without a regisseur, agreements not signed and budget use. All but
//! coverage and the messages come from the health view's rows (one statement for the period).

use super::health::HealthRow;
use crate::coverage::db::Snapshot;
use crate::periods::Period;
use crate::reports::model::ReportStatus;
use crate::web::format;

/// The key coverage figures of the period, from the same functions as the coverage page.
pub struct CoverageFigures {
    pub covered: String,
    pub total: String,
    pub municipality_share: String,
    pub population_share: String,
    pub population_year: i16,
    pub href: String,
}

pub fn coverage(period: &Period, snapshot: &Snapshot) -> CoverageFigures {
    let totals = snapshot.totals;
    CoverageFigures {
        covered: format::thousands(totals.covered_municipalities),
        total: format::thousands(totals.municipalities),
        municipality_share: totals.municipality_share(),
        population_share: totals.population_share(),
        population_year: period.population_year,
        href: format!("/dekking?periode={}", period.policy_period_id),
    }
}

/// One count of the reports-per-status block, linking to the reports list so filtered.
pub struct StatusCount {
    pub label: &'static str,
    pub count: usize,
    pub href: String,
}

/// Reports of `year` per status, then those not begun and those late (which overlap the others).
pub fn status_counts(rows: &[HealthRow], year: i16) -> Vec<StatusCount> {
    let link = |code: &str| format!("/jaarrapporten?jaar={year}&status={code}");
    let mut counts = vec![StatusCount {
        label: "Niet begonnen",
        count: rows.iter().filter(|r| r.report.is_none()).count(),
        href: link("niet_begonnen"),
    }];
    counts.extend(ReportStatus::ALL.iter().map(|s| StatusCount {
        label: s.label(),
        count: rows.iter().filter(|r| r.report == Some(*s)).count(),
        href: link(s.code()),
    }));
    counts.push(StatusCount {
        label: "Te laat",
        count: rows.iter().filter(|r| r.late).count(),
        href: link("te_laat"),
    });
    counts
}

/// A line of a list: what, why, and where to act.
pub struct Item {
    pub name: String,
    pub text: String,
    pub href: String,
}

/// Late reports of the year.
pub fn late_reports(rows: &[HealthRow], year: i16) -> Vec<Item> {
    rows.iter()
        .filter(|r| r.late)
        .map(|r| Item {
            name: r.name.clone(),
            text: format!(
                "jaarrapport {year} te laat ({})",
                r.report
                    .map_or("niet begonnen".into(), |s| s.label().to_lowercase())
            ),
            href: r.report_path(year),
        })
        .collect()
}

/// Werkingsgebieden without a current regisseur.
pub fn without_regisseur(rows: &[HealthRow]) -> Vec<Item> {
    rows.iter()
        .filter(|r| r.regisseurs.is_none())
        .map(|r| Item {
            name: r.name.clone(),
            text: "geen lopende aanstelling".into(),
            href: format!("/werkingsgebieden/{}", r.partnership_id),
        })
        .collect()
}

/// Werkingsgebieden without a signed agreement: none at all, or only one before signing (or
/// stopped).
pub fn not_signed(rows: &[HealthRow]) -> Vec<Item> {
    rows.iter()
        .filter(|r| !r.signed())
        .map(|r| Item {
            name: r.name.clone(),
            text: match r.agreement {
                Some((_, s)) => format!("overeenkomst {}", s.label().to_lowercase()),
                None => "geen overeenkomst".into(),
            },
            href: r.agreement_path(),
        })
        .collect()
}

/// Budget use of the year over the period's werkingsgebieden.
pub struct BudgetUse {
    pub allocated: String,
    pub paid: String,
    pub reported: String,
    pub reporting: usize,
    pub areas: usize,
    pub href: String,
}

pub fn budget_use(rows: &[HealthRow], year: i16) -> BudgetUse {
    BudgetUse {
        allocated: format::euro_cents(rows.iter().filter_map(|r| r.allocated).sum()),
        paid: format::euro_cents(rows.iter().map(|r| r.paid).sum()),
        reported: format::euro_cents(rows.iter().filter_map(|r| r.reported).sum()),
        reporting: rows.iter().filter(|r| r.reported.is_some()).count(),
        areas: rows.len(),
        href: format!("/budget/{year}"),
    }
}
