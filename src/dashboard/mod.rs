//! The ministry dashboard (`overzicht`), the start page of ministry staff: the reports waiting
//! for review (the user's own first), then, for a chosen report year, the key coverage figures
//! of the period, the reports per status, what is overdue, the werkingsgebieden without a
//! regisseur or a signed agreement, the budget use, and the health view (one row per
//! werkingsgebied, a signal per dimension; rules in [`health`]). The filters live in the URL
//! ([`filters`]); a user saves them under a name ([`saved`]).
//!
//! Routes: `GET /overzicht?jaar=&sorteer=naam|aandacht|<dimensie>&signaal=rood|aandacht&dimensie=&provincie=`
//! (ministry staff and admins), `POST /overzicht/filters`,
//! `POST /overzicht/filters/{id}/verwijderen`.

mod beside;
mod figures;
mod filters;
pub(crate) mod health;
mod saved;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, NaiveDate};

use crate::auth::{SignedIn, StaffOnly};
use crate::coverage::db::cached_snapshot;
use crate::error::Result;
use crate::periods::Period;
use crate::reference::Reference;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::format::today;
use crate::web::forms::{Choice, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{format, render};
use beside::ToReview;
use figures::{BudgetUse, CoverageFigures, Item, StatusCount};
use filters::{FilterChoices, Filters};
use health::{Dimension, HealthRow};
use saved::{SaveForm, SavedFilter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/overzicht", get(show))
        .merge(saved::router())
}

/// The report year the dashboard opens on: last year's reports are the ones due now (the
/// current calendar year's report cycle), if a werkingsgebied reports on it; else the latest
/// offered year before it; else the first offered.
fn default_year(offered: &[i16], today: NaiveDate) -> Option<i16> {
    let cycle = i16::try_from(today.year() - 1).ok()?;
    offered
        .iter()
        .copied()
        .filter(|y| *y <= cycle)
        .max()
        .or_else(|| offered.iter().copied().min())
}

/// A list block of the page: its anchor, heading, lines and what it says when empty.
struct ItemList {
    id: &'static str,
    heading: &'static str,
    items: Vec<Item>,
    empty: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard/show.html")]
struct DashboardPage {
    layout: Layout,
    /// Reports waiting for review, of any year, and how many there are in all.
    to_review: Vec<ToReview>,
    to_review_total: i64,
    year: i16,
    years: Vec<Choice>,
    period: Option<Period>,
    coverage: Option<CoverageFigures>,
    due_on: Option<String>,
    statuses: Vec<StatusCount>,
    /// Overdue items, werkingsgebieden without a regisseur, agreements not signed.
    lists: [ItemList; 3],
    budget: BudgetUse,
    dimensions: [Dimension; 5],
    /// The health view's rows after the filters, in the chosen order.
    rows: Vec<HealthRow>,
    total_rows: usize,
    choices: FilterChoices,
    /// The filters as the URL has them: the filter form keeps the year only when the URL names
    /// one (a saved filter without it follows the report cycle).
    filters: Filters,
    /// The other filters, which the year form keeps.
    kept: Vec<(&'static str, String)>,
    /// The current filters as a query string (without `?`), for saving and sharing.
    query: String,
    saved: Vec<SavedFilter>,
    form: SaveForm,
    errors: FieldErrors,
}

impl DashboardPage {
    async fn build(
        state: &AppState,
        signed_in: &SignedIn,
        reference: &Reference,
        filters: &Filters,
        form: SaveForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let parsed = filters.parse();
        let today = today();
        let all = reference.periods(&state.db).await?;
        let with_areas = reference
            .get_or_load("periods-with-areas", || async {
                Ok(
                    sqlx::query_scalar!("select distinct policy_period_id from partnerships")
                        .fetch_all(&state.db)
                        .await?,
                )
            })
            .await?;
        let mut offered: Vec<i16> = crate::budget::db::years(
            &all.iter()
                .filter(|p| with_areas.contains(&p.policy_period_id))
                .cloned()
                .collect::<Vec<_>>(),
        );
        offered.sort_unstable();
        let year = parsed
            .year
            .filter(|y| offered.contains(y))
            .or_else(|| default_year(&offered, today))
            .unwrap_or_else(|| i16::try_from(today.year() - 1).unwrap_or(2000));
        let period = crate::budget::db::period_of(&all, year).cloned();

        let (mut rows, coverage) = match &period {
            Some(p) => {
                let snapshot = cached_snapshot(reference, &state.db, p, p.population_year).await?;
                let provinces = snapshot.area_provinces();
                let rows = health::rows(&state.db, p.policy_period_id, year, today, &provinces);
                (rows.await?, Some(figures::coverage(p, &snapshot)))
            }
            None => (Vec::new(), None),
        };
        let beside = beside::load(&state.db, signed_in.user.user_id, year, today).await?;
        let mut overdue = figures::late_reports(&rows, year);
        overdue.extend(beside.unanswered);
        let total_rows = rows.len();
        let statuses = figures::status_counts(&rows, year);
        let without_regisseur = figures::without_regisseur(&rows);
        let not_signed = figures::not_signed(&rows);
        let budget = figures::budget_use(&rows, year);
        rows.retain(|r| parsed.keeps(r));
        parsed.sort(&mut rows);

        Ok(Self {
            layout: signed_in.layout(format!("Overzicht {year}")).await?,
            years: offered
                .iter()
                .rev()
                .map(|y| Choice::new(y, y.to_string(), *y == year))
                .collect(),
            saved: beside.saved,
            period,
            coverage,
            due_on: beside.due_on.map(format::date),
            statuses,
            lists: [
                ItemList {
                    id: "achterstallig",
                    heading: "Achterstallig",
                    items: overdue,
                    empty: "Niets achterstallig.",
                },
                ItemList {
                    id: "zonder-regisseur",
                    heading: "Zonder regisseur",
                    items: without_regisseur,
                    empty: "Elk werkingsgebied heeft een regisseur.",
                },
                ItemList {
                    id: "niet-ondertekend",
                    heading: "Niet ondertekend",
                    items: not_signed,
                    empty: "Elk werkingsgebied heeft een ondertekende overeenkomst.",
                },
            ],
            budget,
            to_review: beside.to_review,
            to_review_total: beside.to_review_total,
            dimensions: Dimension::ALL,
            rows,
            total_rows,
            choices: FilterChoices::of(&parsed),
            query: filters.query_string(),
            filters: filters.clone(),
            kept: filters.without_year(),
            form,
            errors,
            year,
        })
    }
}

async fn show(
    State(state): State<AppState>,
    StaffOnly(signed_in): StaffOnly,
    reference: Reference,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let page = DashboardPage::build(
        &state,
        &signed_in,
        &reference,
        &filters,
        SaveForm::default(),
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dashboard_opens_on_the_year_whose_reports_are_due_now() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let offered = [2023, 2024, 2025, 2026, 2027];
        assert_eq!(default_year(&offered, day(2026, 12, 2)), Some(2025));
        assert_eq!(default_year(&offered, day(2026, 1, 1)), Some(2025));
        assert_eq!(default_year(&[2020, 2021], day(2026, 1, 1)), Some(2021));
        assert_eq!(default_year(&[2030], day(2026, 1, 1)), Some(2030));
        assert_eq!(default_year(&[], day(2026, 1, 1)), None);
    }
}
