//! The priority check: every werkingsgebied plans at least one action per Flemish priority per
//! year. A matrix werkingsgebied x year x WSE-LR1..LR4 with counts; empty cells stand out.
//!
//! Route: `GET /prioriteiten?periode=&provincie=` (ministry staff and admins). The matrix of one
//! werkingsgebied is also shown on its page.

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

use crate::auth::StaffOnly;
use crate::error::{AppError, Result};
use crate::municipalities::PROVINCES;
use crate::periods::{self, Period};
use crate::state::AppState;
use crate::web::extract::Query;
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
}

pub struct PartnershipMatrix {
    pub partnership_id: i64,
    pub name: String,
    pub years: Vec<YearRow>,
    /// Cells with no action.
    pub missing: usize,
}

/// Counts of actions (not deleted, not cancelled) per werkingsgebied, year and priority, kept
/// by triggers in `action_priority_counts`. An action that spans several years counts in each.
async fn counts(
    db: &PgPool,
    period: &Period,
    partnership: Option<i64>,
) -> Result<HashMap<(i64, i32, i16), i64>> {
    let rows = sqlx::query!(
        r#"select c.partnership_id, c.year, c.priority, c.actions
           from action_priority_counts c
           join partnerships p on p.partnership_id = c.partnership_id
           where p.policy_period_id = $1 and ($2::bigint is null or c.partnership_id = $2)
             and c.year between $3 and $4 and c.actions > 0"#,
        period.policy_period_id,
        partnership,
        period.starts_on.year() as i16,
        period.ends_on.year() as i16,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                (r.partnership_id, i32::from(r.year), r.priority),
                i64::from(r.actions),
            )
        })
        .collect())
}

fn build(
    partnerships: Vec<(i64, String)>,
    period: &Period,
    counts: &HashMap<(i64, i32, i16), i64>,
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
                })
                .collect();
            let missing = years
                .iter()
                .map(|y| y.counts.iter().filter(|c| **c == 0).count())
                .sum();
            PartnershipMatrix {
                partnership_id: id,
                name,
                years,
                missing,
            }
        })
        .collect()
}

/// The matrix of one werkingsgebied, for its page.
pub async fn for_partnership(
    db: &PgPool,
    period: &Period,
    id: i64,
    name: &str,
) -> Result<PartnershipMatrix> {
    let counts = counts(db, period, Some(id)).await?;
    Ok(build(vec![(id, name.to_string())], period, &counts)
        .pop()
        .context("a matrix of one werkingsgebied came out empty")?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MatrixQuery {
    periode: Option<i64>,
    provincie: String,
}

#[derive(Template)]
#[template(path = "actions/matrix.html")]
struct MatrixPage {
    layout: Layout,
    period: Period,
    periods: Vec<Choice>,
    provinces: Vec<Choice>,
    matrices: Vec<PartnershipMatrix>,
    complete: usize,
}

async fn index(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    Query(query): Query<MatrixQuery>,
) -> Result<Response> {
    let all = periods::list(&state.db).await?;
    let period = periods::choose(&all, query.periode)
        .ok_or(AppError::NotFound)?
        .clone();
    let province = PROVINCES.iter().copied().find(|p| *p == query.provincie);
    let partnerships: Vec<(i64, String)> = sqlx::query!(
        r#"select p.partnership_id, p.name from partnerships p
           where p.policy_period_id = $1
             and ($2::text is null or exists (
                 select 1 from partnership_members pm
                 join municipalities mu on mu.vintage = pm.vintage and mu.nis_code = pm.nis_code
                 where pm.partnership_id = p.partnership_id and mu.province = $2))
           order by lower(p.name)"#,
        period.policy_period_id,
        province
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| (r.partnership_id, r.name))
    .collect();
    let counts = counts(&state.db, &period, None).await?;
    let mut matrices = build(partnerships, &period, &counts);
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
        matrices,
        period,
    })
}
