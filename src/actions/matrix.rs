//! The priority check: every werkingsgebied plans at least one action per Flemish priority per
//! year. A matrix werkingsgebied x year x WSE-LR1..LR4 with counts; empty cells of a year that
//! has begun are gaps and stand out, a year after the current one is "nog niet begonnen" and
//! has no gaps yet.
//!
//! Route: `GET /prioriteiten?periode=&provincie=` (ministry staff and admins): one compact table
//! for all werkingsgebieden of the period (a row each, a cell per year naming the priorities
//! without an action), read in one statement. The matrix of one werkingsgebied is shown on its
//! page and, as a list of gaps, on its regisseur's start page.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;
use serde::Deserialize;
use sqlx::PgPool;

use anyhow::Context;

use super::model::PRIORITIES;
use crate::auth::StaffOnly;
use crate::error::{AppError, Result};
use crate::municipalities::PROVINCES;
use crate::periods::{self, Period};
use crate::reference::Reference;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::format::today;
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::render;

pub fn router() -> Router<AppState> {
    Router::new().route("/prioriteiten", get(index))
}

/// One year of one werkingsgebied: counts for LR1..LR4.
pub struct YearRow {
    pub year: i32,
    pub counts: [i64; 4],
    /// False for a year after the current (Belgian) one: it has not begun, so an empty cell is
    /// no gap yet.
    pub started: bool,
}

/// A priority without an action in a year that has begun.
pub struct Gap {
    /// 1 to 4.
    pub priority: i16,
    /// `WSE-LR3`.
    pub code: &'static str,
}

impl YearRow {
    /// The priorities without an action in this year, if it has begun.
    pub fn gaps(&self) -> Vec<Gap> {
        if !self.started {
            return Vec::new();
        }
        PRIORITIES
            .iter()
            .zip(self.counts)
            .filter(|(_, c)| *c == 0)
            .map(|((priority, code, _), _)| Gap {
                priority: *priority,
                code,
            })
            .collect()
    }

    /// `LR1, LR3`: the gaps in a compact table cell.
    pub fn short_gaps(&self) -> String {
        self.gaps()
            .iter()
            .map(|g| g.code.trim_start_matches("WSE-"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub struct PartnershipMatrix {
    pub partnership_id: i64,
    pub name: String,
    pub years: Vec<YearRow>,
    /// Cells with no action, in the years that have begun.
    pub missing: usize,
}

impl PartnershipMatrix {
    /// The years that have begun and miss a priority.
    pub fn years_with_gaps(&self) -> impl Iterator<Item = &YearRow> {
        self.years.iter().filter(|y| !y.gaps().is_empty())
    }

    /// `2027-2031` or `2031`: the years of the period that have not begun, if any.
    pub fn not_started(&self) -> Option<String> {
        let mut later = self.years.iter().filter(|y| !y.started).map(|y| y.year);
        let first = later.next()?;
        Some(match later.next_back() {
            Some(last) => format!("{first}-{last}"),
            None => first.to_string(),
        })
    }
}

/// The matrices of these werkingsgebieden; years after `this_year` have not begun.
fn build(
    partnerships: Vec<(i64, String)>,
    period: &Period,
    counts: &HashMap<(i64, i32, i16), i64>,
    this_year: i32,
) -> Vec<PartnershipMatrix> {
    let years: Vec<i32> = (period.starts_on.year()..=period.ends_on.year()).collect();
    partnerships
        .into_iter()
        .map(|(id, name)| {
            let years: Vec<YearRow> = years
                .iter()
                .map(|&year| YearRow {
                    year,
                    counts: [1, 2, 3, 4].map(|p| counts.get(&(id, year, p)).copied().unwrap_or(0)),
                    started: year <= this_year,
                })
                .collect();
            let missing = years.iter().map(|y| y.gaps().len()).sum();
            PartnershipMatrix {
                partnership_id: id,
                name,
                years,
                missing,
            }
        })
        .collect()
}

/// The matrix of one werkingsgebied from counts (of actions, not deleted, not cancelled, per
/// year and priority, kept by triggers in `action_priority_counts`) that its page reads with
/// the rest of its data: the regisseur's start page, the werkingsgebied's page.
pub fn from_counts(
    period: &Period,
    id: i64,
    name: &str,
    counts: &HashMap<(i64, i32, i16), i64>,
) -> Result<PartnershipMatrix> {
    Ok(
        build(vec![(id, name.to_string())], period, counts, today().year())
            .pop()
            .context("a matrix of one werkingsgebied came out empty")?,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MatrixQuery {
    periode: Option<i64>,
    provincie: String,
}

/// A column of the compact table: a year and whether it has begun.
struct YearHead {
    year: i32,
    started: bool,
}

#[derive(Template)]
#[template(path = "actions/matrix.html")]
struct MatrixPage {
    layout: Layout,
    period: Period,
    periods: Vec<Choice>,
    provinces: Vec<Choice>,
    years: Vec<YearHead>,
    matrices: Vec<PartnershipMatrix>,
    complete: usize,
}

/// The werkingsgebieden of the period (in one province, if chosen) with their counts, in ONE
/// statement: the counts come along as three parallel arrays per werkingsgebied.
async fn all_counts(
    db: &PgPool,
    period: &Period,
    province: Option<&str>,
) -> Result<(Vec<(i64, String)>, HashMap<(i64, i32, i16), i64>)> {
    let rows = sqlx::query!(
        r#"select p.partnership_id, p.name,
                  coalesce(array_agg(c.year order by c.year, c.priority)
                           filter (where c.year is not null), '{}') as "years!: Vec<i16>",
                  coalesce(array_agg(c.priority order by c.year, c.priority)
                           filter (where c.year is not null), '{}') as "priorities!: Vec<i16>",
                  coalesce(array_agg(c.actions order by c.year, c.priority)
                           filter (where c.year is not null), '{}') as "actions!: Vec<i32>"
           from partnerships p
           left join action_priority_counts c
             on c.partnership_id = p.partnership_id and c.actions > 0
            and c.year between $3 and $4
           where p.policy_period_id = $1
             and ($2::text is null or exists (
                 select 1 from partnership_members pm
                 join municipalities mu on mu.vintage = pm.vintage and mu.nis_code = pm.nis_code
                 where pm.partnership_id = p.partnership_id and mu.province = $2))
           group by p.partnership_id
           order by lower(p.name)"#,
        period.policy_period_id,
        province,
        period.starts_on.year() as i16,
        period.ends_on.year() as i16,
    )
    .fetch_all(db)
    .await?;
    let mut counts = HashMap::new();
    let mut partnerships = Vec::with_capacity(rows.len());
    for r in rows {
        for ((year, priority), actions) in r.years.iter().zip(&r.priorities).zip(&r.actions) {
            counts.insert(
                (r.partnership_id, i32::from(*year), *priority),
                i64::from(*actions),
            );
        }
        partnerships.push((r.partnership_id, r.name));
    }
    Ok((partnerships, counts))
}

async fn index(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    reference: Reference,
    Query(query): Query<MatrixQuery>,
) -> Result<Response> {
    let all = reference.periods(&state.db).await?;
    let period = periods::choose(&all, query.periode)
        .ok_or(AppError::NotFound)?
        .clone();
    let province = PROVINCES.iter().copied().find(|p| *p == query.provincie);
    let (partnerships, counts) = all_counts(&state.db, &period, province).await?;
    let this_year = today().year();
    let mut matrices = build(partnerships, &period, &counts, this_year);
    // Those that miss a priority first, most gaps first.
    matrices.sort_by(|a, b| b.missing.cmp(&a.missing).then_with(|| a.name.cmp(&b.name)));
    render(&MatrixPage {
        layout: staff
            .layout(format!("Prioriteiten {}", period.name))
            .await?,
        periods: all
            .iter()
            .rev()
            .map(|p| {
                Choice::new(
                    p.policy_period_id,
                    p.name.clone(),
                    p.policy_period_id == period.policy_period_id,
                )
            })
            .collect(),
        provinces: PROVINCES
            .iter()
            .map(|p| Choice::new(p, *p, Some(*p) == province))
            .collect(),
        complete: matrices.iter().filter(|m| m.missing == 0).count(),
        years: (period.starts_on.year()..=period.ends_on.year())
            .map(|year| YearHead {
                year,
                started: year <= this_year,
            })
            .collect(),
        matrices,
        period,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn period() -> Period {
        Period {
            policy_period_id: 1,
            name: "2026-2031".into(),
            starts_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2031, 12, 31).unwrap(),
            vintage: "2025".into(),
            population_year: 2020,
        }
    }

    #[test]
    fn years_after_the_current_one_have_no_gaps_yet() {
        let counts = HashMap::from([((7, 2026, 1), 2), ((7, 2026, 3), 1), ((7, 2028, 2), 1)]);
        let m = build(vec![(7, "Regio".into())], &period(), &counts, 2027)
            .pop()
            .unwrap();
        assert_eq!(m.missing, 4 + 2, "2026 misses LR2 and LR4, 2027 all four");
        let gaps: Vec<i16> = m.years[0].gaps().iter().map(|g| g.priority).collect();
        assert_eq!(gaps, vec![2, 4]);
        assert_eq!(m.years[0].gaps()[1].code, "WSE-LR4");
        assert_eq!(m.years[0].short_gaps(), "LR2, LR4");
        assert!(!m.years[2].started);
        assert!(m.years[2].gaps().is_empty());
        assert_eq!(m.years[2].counts, [0, 1, 0, 0]);
        assert_eq!(m.not_started().as_deref(), Some("2028-2031"));
        assert_eq!(
            m.years_with_gaps().map(|y| y.year).collect::<Vec<_>>(),
            vec![2026, 2027]
        );
    }

    #[test]
    fn a_period_that_has_ended_has_every_year_begun() {
        let m = build(vec![(7, "Regio".into())], &period(), &HashMap::new(), 2040)
            .pop()
            .unwrap();
        assert_eq!(m.missing, 24);
        assert_eq!(m.not_started(), None);
    }
}
