//! The start page, the about page with the data credits, and the health check.
//!
//! Routes: `GET /` (signed in; a VDAB account manager finds their assigned werkingsgebieden
//! there), `GET /over` (public), `GET /healthz` (public).

use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::actions::db::OwnPartnership;
use crate::auth::{MaybeSignedIn, SignedIn};
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::municipalities::seed::{VINTAGE_2019, VINTAGE_2025};
use crate::state::AppState;
use crate::users::vdab::Assignment;
use crate::web::layout::Layout;
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/over", get(about))
        .route("/healthz", get(health))
}

#[derive(Template)]
#[template(path = "site/home.html")]
struct HomePage {
    layout: Layout,
    first_name: String,
    is_admin: bool,
    is_regisseur: bool,
    /// The werkingsgebieden this user is the current regisseur of.
    own: Vec<OwnPartnership>,
    is_vdab: bool,
    /// The werkingsgebieden assigned to this VDAB account manager.
    assigned: Vec<Assignment>,
    municipalities_2025: String,
    municipalities_2019: String,
    population: String,
    population_year: i32,
}

async fn home(State(state): State<AppState>, signed_in: SignedIn) -> Result<Response> {
    let counts = sqlx::query!(
        r#"select
             (select count(*) from municipalities where vintage = $1) as "m2025!",
             (select count(*) from municipalities where vintage = $2) as "m2019!",
             (select coalesce(max(year), 0) from municipality_populations where vintage = $2) as "year!",
             (select coalesce(sum(population), 0) from municipality_populations
               where vintage = $2
                 and year = (select max(year) from municipality_populations where vintage = $2)) as "population!""#,
        VINTAGE_2025,
        VINTAGE_2019,
    )
    .fetch_one(&state.db)
    .await?;
    let user = &signed_in.user;
    let own = crate::actions::db::own_partnerships(&state.db, user).await?;
    let is_vdab = user.role == Role::Vdab;
    let assigned = if is_vdab {
        crate::users::vdab::assignments(&state.db, user.user_id).await?
    } else {
        Vec::new()
    };
    render(&HomePage {
        own,
        is_vdab,
        assigned,
        is_regisseur: user.role == Role::Regisseur,
        layout: signed_in.layout("Start").await?,
        first_name: user
            .full_name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
        is_admin: user.role == Role::Admin,
        municipalities_2025: format::thousands(counts.m2025),
        municipalities_2019: format::thousands(counts.m2019),
        population: format::thousands(counts.population),
        population_year: counts.year,
    })
}

#[derive(Template)]
#[template(path = "site/about.html")]
struct AboutPage {
    layout: Layout,
}

async fn about(visitor: MaybeSignedIn) -> Result<Response> {
    render(&AboutPage {
        layout: visitor.layout("Over regie").await?,
    })
}

/// 200 when the database answers within two seconds, 503 otherwise. Never panics.
async fn health(State(state): State<AppState>) -> Response {
    let ping = sqlx::query_scalar!(r#"select 1 as "one!""#).fetch_one(&state.db);
    match tokio::time::timeout(Duration::from_secs(2), ping).await {
        Ok(Ok(_)) => (StatusCode::OK, "ok").into_response(),
        Ok(Err(err)) => {
            tracing::warn!(error = %AppError::from(err), "health check: database error");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database timeout").into_response(),
    }
}
