//! The start page, the about page with the data credits, and the health check.
//!
//! Routes: `GET /` (signed in; each role finds its main task there: a regisseur "Nieuwe
//! actie", the gaps in their priority check, their latest actions and the yearly report due
//! now; an admin the appointments to decide, the current period and the users, see [`start`];
//! a VDAB account manager their assigned werkingsgebieden; ministry staff go on to their
//! dashboard `/overzicht`, which lists the reports to review), `GET /over` (public),
//! `GET /healthz` (public).

mod start;

use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};

use crate::actions::db::OwnPartnership;
use crate::auth::{MaybeSignedIn, SignedIn};
use crate::dashboard::health;
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::municipalities::seed::{VINTAGE_2019, VINTAGE_2025};
use crate::reports::model::ReportStatus;
use crate::state::AppState;
use crate::users::vdab::Assignment;
use crate::web::format::today;
use crate::web::layout::Layout;
use crate::web::{format, render};
use start::{AdminTasks, RegisseurStart};

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

/// A regisseur's report of the current cycle: last year's, or the nearest year of the
/// werkingsgebied's period (the first, in a period that started this year); and last year's
/// report of the werkingsgebied carried over into theirs, when that period ended last year.
struct OwnReport {
    name: String,
    year: i16,
    state: String,
    late: bool,
    href: String,
}

async fn own_reports(state: &AppState, user_id: i64) -> Result<Vec<OwnReport>> {
    let today = today();
    let rows = sqlx::query!(
        r#"with mine as (
               select distinct ca.partnership_id from current_appointments ca where ca.user_id = $1
           ),
           -- Their own werkingsgebieden and the ones carried over into them: last year's
           -- report of an ended period is written by its successor's regisseur.
           candidates as (
               select partnership_id from mine
               union
               select p.carried_over_from from partnerships p
               where p.partnership_id in (select partnership_id from mine)
                 and p.carried_over_from is not null
           ),
           own as (
               select distinct p.partnership_id, p.name,
                      greatest(extract(year from pp.starts_on)::int,
                               least($2::int, extract(year from pp.ends_on)::int))::smallint as year
               from candidates c
               join partnerships p on p.partnership_id = c.partnership_id
               join policy_periods pp on pp.policy_period_id = p.policy_period_id
               -- A predecessor only for the last year of its period (`report_writers`).
               where p.partnership_id in (select partnership_id from mine)
                  or $2::int = extract(year from pp.ends_on)
           )
           select o.partnership_id, o.name, o.year as "year!",
                  r.status as "status?: ReportStatus", d.due_on as "due_on?: NaiveDate"
           from own o
           left join reports r on r.partnership_id = o.partnership_id and r.year = o.year
           left join report_deadlines d on d.year = o.year
           order by o.name, o.partnership_id"#,
        user_id,
        today.year() - 1,
    )
    .fetch_all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (_, state, late) = health::report(r.status, r.due_on, today);
            OwnReport {
                name: r.name,
                year: r.year,
                state,
                late,
                href: crate::reports::db::path(r.partnership_id, r.year.into()),
            }
        })
        .collect())
}

async fn home(State(state): State<AppState>, signed_in: SignedIn) -> Result<Response> {
    // Ministry staff start on their dashboard.
    if signed_in.user.role == Role::Ministry {
        return Ok(Redirect::to("/overzicht").into_response());
    }
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
    let (reports, upcoming) = if user.role == Role::Regisseur {
        (
            own_reports(&state, user.user_id).await?,
            crate::appointments::db::upcoming(&state.db, user.user_id, today()).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let regisseur = if user.role == Role::Regisseur && !own.is_empty() {
        Some(RegisseurStart::load(&state.db, &own).await?)
    } else {
        None
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
