//! The dashboard's summary blocks above the health view: coverage, reports per status, overdue
//! items, werkingsgebieden without a regisseur, agreements not signed and budget use. All but
//! coverage and the messages come from the health view's rows (one statement for the period).

use chrono::NaiveDate;
use sqlx::{PgExecutor, PgPool};

use super::health::HealthRow;
use crate::coverage::{compute, db as coverage_db};
use crate::error::Result;
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

pub async fn coverage(db: &PgPool, period: &Period) -> Result<CoverageFigures> {
    let municipalities = coverage_db::load(db, period, period.population_year).await?;
    let (totals, _) = compute::totals(&municipalities, |m| m.partnership_id.is_some());
    Ok(CoverageFigures {
        covered: format::thousands(totals.covered_municipalities),
        total: format::thousands(totals.municipalities),
        municipality_share: totals.municipality_share(),
        population_share: totals.population_share(),
        population_year: period.population_year,
        href: format!("/dekking?periode={}", period.policy_period_id),
    })
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

/// Messages of the year's reports whose answer date passed without a later message from the
/// other side, oldest answer date first. One statement.
pub async fn unanswered(db: impl PgExecutor<'_>, year: i16, today: NaiveDate) -> Result<Vec<Item>> {
    let rows = sqlx::query!(
        r#"select r.partnership_id, p.name, m.side::text as "side!", m.answer_by as "answer_by!: NaiveDate"
           from report_messages m
           join reports r on r.report_id = m.report_id
           join partnerships p on p.partnership_id = r.partnership_id
           where r.year = $1 and m.answer_by < $2
             and not exists (
                 select 1 from report_messages l
                 where l.report_id = m.report_id and l.message_id > m.message_id and l.side <> m.side)
           order by m.answer_by, m.message_id"#,
        year,
        today as NaiveDate,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            // The side that wrote waits for the other.
            let waits_for = if r.side == "departement" {
                "het werkingsgebied"
            } else {
                "het departement"
            };
            Item {
                name: r.name,
                text: format!(
                    "bericht wacht op antwoord van {waits_for} sinds {}",
                    format::date(r.answer_by)
                ),
                href: format!(
                    "{}#berichten",
                    crate::reports::db::path(r.partnership_id, year.into())
                ),
            }
        })
        .collect())
}

/// How many reports to review the dashboard lists; the reports list has the rest.
const TO_REVIEW: i64 = 10;

/// A report waiting for review: handed in (ingediend) or being reviewed (in behandeling).
pub struct ToReview {
    pub name: String,
    pub year: i16,
    pub status: &'static str,
    /// This user is the werkingsgebied's reviewer.
    pub mine: bool,
    pub href: String,
}

/// The reports waiting for review, of any year: the ones this user reviews first, then the
/// oldest year; at most [`TO_REVIEW`], with how many there are in all. One statement.
pub async fn to_review(db: impl PgExecutor<'_>, user_id: i64) -> Result<(Vec<ToReview>, i64)> {
    let rows = sqlx::query!(
        r#"select r.partnership_id, p.name, r.year, r.status as "status: ReportStatus",
                  coalesce(pr.reviewer_id = $1, false) as "mine!",
                  count(*) over () as "total!"
           from reports r
           join partnerships p on p.partnership_id = r.partnership_id
           left join partnership_reviewers pr on pr.partnership_id = r.partnership_id
           where r.status in ('ingediend', 'in_behandeling')
           order by coalesce(pr.reviewer_id = $1, false) desc, r.year, lower(p.name)
           limit $2"#,
        user_id,
        TO_REVIEW,
    )
    .fetch_all(db)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let items = rows
        .into_iter()
        .map(|r| ToReview {
            href: crate::reports::db::path(r.partnership_id, r.year.into()),
            name: r.name,
            year: r.year,
            status: r.status.label(),
            mine: r.mine,
        })
        .collect();
    Ok((items, total))
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
