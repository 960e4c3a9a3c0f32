//! Budgets: the programme's envelope per year and its history, the allocation rule as data
//! ([`rule`]), the allocation per werkingsgebied and year computed by it and fixed by an admin,
//! payments and reported spending. Who may do what is in [`access`]. Money is whole cents.
//!
//! Routes, by file:
//! - [`overview`]: `GET /budget` (envelopes, allocations per year, chart),
//!   `GET /budget/export.csv` and `.xlsx`.
//! - [`envelopes`]: `GET/POST /budget/enveloppen/{year}` (an envelope and its history).
//! - [`rules`]: `GET /budget/regels`, `GET/POST /budget/regels/nieuw`.
//! - [`year`]: `GET /budget/{year}` (the computed proposal, the allocations in force and earlier
//!   versions), `POST /budget/{year}/toekenningen` (fixing them).
//! - [`unemployment`]: `GET/POST /budget/werkloosheid` (rates per municipality and year).
//! - [`simulation`]: `GET /budget/simulatie` (what-if; nothing saved).
//! - [`partnership`]: `GET /werkingsgebieden/{id}/budget`,
//!   `POST /werkingsgebieden/{id}/budget/betalingen` ([`payments`]),
//!   `GET/POST /werkingsgebieden/{id}/budget/betalingen/{payment}/corrigeren` ([`corrections`]),
//!   `POST /werkingsgebieden/{id}/budget/uitgaven` ([`spending`]).
//! - [`signals`]: paid or spent above the allocation, for every page that shows money.
//! - [`api`]: `GET /api/v1/allocations?period=` (public open data).

pub mod access;
mod api;
mod corrections;
pub mod db;
mod envelopes;
mod overview;
mod partnership;
mod payments;
pub mod rule;
mod rules;
pub mod signals;
mod simulation;
mod spending;
mod unemployment;
mod year;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(overview::router())
        .merge(envelopes::router())
        .merge(rules::router())
        .merge(year::router())
        .merge(unemployment::router())
        .merge(simulation::router())
        .merge(partnership::router())
        .merge(api::router())
}
