//! The start page, the about page with the data credits, and the health check.
//!
//! Routes: `GET /` (signed in; each role finds its main task there: a regisseur "Nieuwe
//! actie", the gaps in their priority check, their latest actions and the yearly report due
//! now; an admin the appointments to decide, the current period and the users, see [`start`];
//! a VDAB account manager their assigned werkingsgebieden; ministry staff go on to their
//! dashboard `/overzicht`, which lists the reports to review), `GET /over` (public),
//! `GET /healthz` and `GET /readyz` (public: liveness and readiness, see [`health`]).

mod health;
mod start;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sqlx::PgPool;

use crate::actions::db::OwnPartnership;
use crate::auth::{MaybeSignedIn, SignedIn};
use crate::error::Result;
use crate::identity::Role;
use crate::municipalities::seed::{VINTAGE_2019, VINTAGE_2025};
use crate::reference::Reference;
use crate::state::AppState;
use crate::users::vdab::Assignment;
use crate::web::format::today;
use crate::web::layout::Layout;
use crate::web::{format, render};
use start::{AdminTasks, OwnReport, RegisseurHome, RegisseurStart};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/over", get(about))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
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
    /// Their yearly reports of the current cycle.
    reports: Vec<OwnReport>,
    /// A regisseur's priority check and latest actions.
    regisseur: Option<RegisseurStart>,
    /// An admin's tasks.
    admin: Option<AdminTasks>,
    /// Their approved appointments that start later.
    upcoming: Vec<crate::appointments::db::Upcoming>,
    is_vdab: bool,
    /// The werkingsgebieden assigned to this VDAB account manager.
    assigned: Vec<Assignment>,
    municipalities_2025: String,
    municipalities_2019: String,
    population: String,
    population_year: i32,
}

/// The municipality figures of the start page.
struct MunicipalityCounts {
    m2025: i64,
    m2019: i64,
    year: i32,
    population: i64,
}

/// Reference data (municipalities and their populations): read once per reference version.
async fn municipality_counts(
    reference: &Reference,
    db: &PgPool,
) -> Result<Arc<MunicipalityCounts>> {
    reference
        .get_or_load("site:municipality-counts", || async {
            let r = sqlx::query!(
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
            .fetch_one(db)
            .await?;
            Ok(MunicipalityCounts {
                m2025: r.m2025,
                m2019: r.m2019,
                year: r.year,
                population: r.population,
            })
        })
        .await
}

async fn home(
    State(state): State<AppState>,
    signed_in: SignedIn,
    reference: Reference,
) -> Result<Response> {
    // Ministry staff start on their dashboard.
    if signed_in.user.role == Role::Ministry {
        return Ok(Redirect::to("/overzicht").into_response());
    }
    let counts = municipality_counts(&reference, &state.db).await?;
    let user = &signed_in.user;
    let own = crate::actions::own::partnerships(&reference, &state.db, user).await?;
    let is_vdab = user.role == Role::Vdab;
    let (reports, upcoming, regisseur) = if user.role == Role::Regisseur {
        let periods = reference.periods(&state.db).await?;
        let home = RegisseurHome::load(&state.db, &periods, &own, user.user_id, today()).await?;
        (home.reports, home.upcoming, home.start)
    } else {
        (Vec::new(), Vec::new(), None)
    };
    let admin = if user.role == Role::Admin {
        Some(AdminTasks::load(&state.db, today()).await?)
    } else {
        None
    };
    let assigned = if is_vdab {
        crate::users::vdab::assignments(&state.db, user.user_id).await?
    } else {
        Vec::new()
    };
    render(&HomePage {
        own,
        reports,
        regisseur,
        admin,
        upcoming,
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
