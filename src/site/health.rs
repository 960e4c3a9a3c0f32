//! Liveness and readiness, for a proxy, a load balancer or an orchestrator.
//!
//! - `GET /healthz` (liveness): the process answers HTTP. It reads nothing, so a database
//!   outage does not make an orchestrator restart instances that would recover by themselves
//!   (the pool reconnects on its own, `database::pool`).
//! - `GET /readyz` (readiness): send this instance requests? Yes when the database answers
//!   within two seconds and has every migration this binary was built with (an older
//!   instance stays ready after a newer one migrated: migrations are forward-only and keep the
//!   previous release working), and the instance is not stopping. One statement.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::database::MIGRATOR;
use crate::error::AppError;
use crate::state::AppState;

pub async fn live() -> &'static str {
    "ok"
}

pub async fn ready(State(state): State<AppState>) -> Response {
    let unavailable = |why: &'static str| (StatusCode::SERVICE_UNAVAILABLE, why).into_response();
    if state.stopping.is_set() {
        return unavailable("stopping");
    }
    let version =
        sqlx::query_scalar!(r#"select regie_schema_version() as "version!""#).fetch_one(&state.db);
    match tokio::time::timeout(Duration::from_secs(2), version).await {
        Ok(Ok(version)) if version >= newest_migration() => {
            (StatusCode::OK, "ready").into_response()
        }
        Ok(Ok(version)) => {
            tracing::warn!(
                database = version,
                expected = newest_migration(),
                "readiness: the database lacks migrations"
            );
            unavailable("migrations pending")
        }
        Ok(Err(err)) => {
            tracing::warn!(error = %AppError::from(err), "readiness: database error");
            unavailable("database unavailable")
        }
        Err(_) => unavailable("database timeout"),
    }
}

/// The newest migration this binary carries.
fn newest_migration() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}
