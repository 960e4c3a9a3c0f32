//! VDAB cooperation agreements (samenwerkingsovereenkomsten VDAB - lokaal bestuur): what a
//! werkingsgebied agreed with VDAB, which municipalities it binds, where it stands, its SMART
//! commitments and how they are followed up. Who may do what is in [`access`].
//!
//! Routes, by file:
//! - [`overview`]: `GET /samenwerkingsovereenkomsten` (the ministry's overview with map),
//!   `GET /samenwerkingsovereenkomsten/export.csv` and `.xlsx`.
//! - [`form`]: `GET/POST /samenwerkingsovereenkomsten/nieuw?werkingsgebied=`,
//!   `GET/POST /samenwerkingsovereenkomsten/{id}/bewerken`.
//! - [`show`]: `GET /samenwerkingsovereenkomsten/{id}`, the dossier with its timeline.
//! - [`status`]: `POST /samenwerkingsovereenkomsten/{id}/status`.
//! - [`comments`]: `POST /samenwerkingsovereenkomsten/{id}/opmerkingen`.
//! - [`commitments`]: `GET/POST /samenwerkingsovereenkomsten/{id}/engagementen/nieuw`,
//!   `GET/POST /engagementen/{id}/bewerken`, `POST /engagementen/{id}/voortgang`,
//!   `POST /engagementen/{id}/acties`, `POST /engagementen/{id}/acties/{action_id}/ontkoppelen`.
//! - [`meetings`]: `GET/POST /samenwerkingsovereenkomsten/{id}/opvolgingsmomenten/nieuw`.
//! - [`documents`]: `POST /samenwerkingsovereenkomsten/{id}/documenten` (multipart upload),
//!   `GET /documenten/{id}` (download), `POST /documenten/{id}/verwijderen`.

pub mod access;
mod comments;
mod commitment_form;
mod commitment_input;
mod commitment_links;
pub mod commitments;
pub mod db;
pub mod documents;
mod export;
mod form;
mod input;
pub mod meetings;
pub mod model;
pub mod overview;
mod show;
mod status;
mod store;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(overview::router())
        .merge(export::router())
        .merge(form::router())
        .merge(show::router())
        .merge(status::router())
        .merge(comments::router())
        .merge(commitments::router())
        .merge(meetings::router())
        .merge(documents::router())
}
