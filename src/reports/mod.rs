//! Yearly reports (jaarrapporten): a werkingsgebied accounts for each year of its policy period;
//! the department reads, asks questions, sends it back or approves it. The figures are assembled
//! from the data ([`assemble`]); the regisseur writes the narrative; each submission freezes a
//! snapshot of both. Who may do what is in [`access`], the workflow in [`model`].
//!
//! Routes, by file:
//! - [`list`]: `GET /jaarrapporten` (per year and status; late and missing reports marked).
//! - [`show`]: `GET /jaarrapporten/{partnership}/{year}` (the report, its history, checklist and
//!   messages), [`edit`]: `POST /jaarrapporten/{partnership}/{year}` (the narrative).
//! - [`submissions`]: `GET /jaarrapporten/{partnership}/{year}/indieningen/{number}` (a frozen
//!   submission), `GET /jaarrapporten/{partnership}/{year}/verschillen?van=&naar=`.
//! - [`submit`]: `POST /jaarrapporten/{partnership}/{year}/indienen/controleren` (what will be
//!   frozen, and the completeness check of [`completeness`]), `POST .../indienen`.
//! - [`workflow`]: `POST /jaarrapporten/{partnership}/{year}/{in-behandeling,goedkeuren,
//!   terugsturen,heropenen}`; approving with something open asks first ([`approve`]).
//! - [`review`]: `POST /jaarrapporten/{partnership}/{year}/controlelijst`.
//! - [`messages`]: `POST /jaarrapporten/{partnership}/{year}/berichten`.
//! - [`reviewers`]: `POST /werkingsgebieden/{id}/beoordelaar` (admins assign the reviewer).
//! - [`deadlines`]: `GET/POST /admin/indiendata` (admins set the due date per report year),
//!   [`requirements`]: `POST /admin/indiendata/controles` (the checks required per year).

pub mod access;
mod approve;
pub mod assemble;
pub mod completeness;
pub mod db;
pub mod deadlines;
pub mod diff;
mod edit;
mod list;
mod messages;
pub mod model;
pub mod notify;
mod requirements;
pub mod review;
pub mod reviewers;
pub mod show;
pub mod show_figures;
pub mod show_review;
mod submissions;
mod submit;
mod workflow;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(list::router())
        .merge(show::router())
        .merge(edit::router())
        .merge(submissions::router())
        .merge(submit::router())
        .merge(workflow::router())
        .merge(review::router())
        .merge(messages::router())
        .merge(reviewers::router())
        .merge(deadlines::router())
        .merge(requirements::router())
}
