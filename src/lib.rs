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
pub mod trail;
pub mod users;
pub mod web;

use axum::Router;

use sqlx::PgPool;

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
        .merge(trail::router())
        .merge(web::static_files::router())
        .fallback(|| async { AppError::NotFound })
        .with_state(state.clone());
    let sessions = auth::PgSessions::new(state.db.clone());
    let app = web::middleware::stack(routes, &state, sessions);
    // Outermost, so the time measured is the whole answer; only with REGIE_METRICS_BIND.
    if state.config.operations.metrics_bind.is_some() {
        app.layer(axum::middleware::from_fn(metrics::track))
    } else {
        app
    }
}

/// Brings a database up to this version: the migrations ([`database::migrate`]), then the
/// reference data of `seeds/` (loaded only when it changed) and the seeded policy periods.
/// Composed here, on top: the database layer names no feature.
pub async fn prepare(db: &PgPool) -> anyhow::Result<()> {
    database::migrate(db).await?;
    if municipalities::seed::load(db).await? {
        tracing::info!("reference data loaded from seeds/");
    }
    periods::seed(db).await?;
    Ok(())
}
