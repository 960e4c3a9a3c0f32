//! `regie`: the web application for the Flemish programme *lokale regie sociale economie en
//! werk*. See the README for what it does and how to run it.

pub mod actions;
pub mod agreements;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod budget;
pub mod cli;
pub mod config;
pub mod coverage;
pub mod dashboard;
pub mod database;
pub mod demo;
pub mod error;
pub mod identity;
pub mod metrics;
pub mod municipalities;
pub mod notifications;
pub mod partnerships;
pub mod periods;
pub mod quality;
pub mod reference;
pub mod reports;
pub mod site;
pub mod state;
pub mod users;
pub mod web;

use axum::Router;

use crate::error::AppError;
use crate::state::AppState;

/// The whole application: every feature's routes behind the shared middleware stack.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .merge(site::router())
        .merge(auth::router())
        .merge(municipalities::router())
        .merge(periods::router())
        .merge(partnerships::router())
        .merge(appointments::router())
        .merge(coverage::router())
        .merge(actions::router())
        .merge(agreements::router())
        .merge(budget::router())
        .merge(reports::router())
        .merge(notifications::router())
        .merge(dashboard::router())
        .merge(quality::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(web::static_files::router())
        .fallback(|| async { AppError::NotFound })
        .with_state(state.clone());
    let app = web::middleware::stack(routes, &state);
    // Outermost, so the time measured is the whole answer; only with REGIE_METRICS_BIND.
    if state.config.operations.metrics_bind.is_some() {
        app.layer(axum::middleware::from_fn(metrics::track))
    } else {
        app
    }
}
