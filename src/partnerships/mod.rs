//! Werkingsgebieden (partnerships): the areas regisseurs work for, one policy period each,
//! with their member municipalities.
//!
//! Routes: `GET /werkingsgebieden?periode=` and `GET /werkingsgebieden/{id}` (signed in);
//! creating and editing in [`form`] (admins), the contact details in [`contact`] (admins and
//! the werkingsgebied's own regisseur), members in [`members`], carrying over to the next
//! period in [`carry_over`].

mod carry_over;
mod contact;
pub mod db;
mod form;
mod members;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use sqlx::PgPool;

use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::periods::{self, Period};
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::{format, render};
use db::LegalForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/werkingsgebieden", get(index))
        .route("/werkingsgebieden/{id}", get(show))
        .merge(form::router())
        .merge(contact::router())
        .merge(members::router())
        .merge(carry_over::router())
}

/// One werkingsgebied as stored.
pub struct Partnership {
    pub partnership_id: i64,
    pub policy_period_id: i64,
    pub name: String,
    pub legal_form: LegalForm,
    pub lead_organisation: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub is_demo: bool,
    pub carried_over_from: Option<i64>,
}

pub async fn find(db: &PgPool, partnership_id: i64) -> Result<Partnership> {
    sqlx::query_as!(
        Partnership,
        r#"select partnership_id, policy_period_id, name, legal_form as "legal_form: LegalForm",
                  lead_organisation, contact_name, contact_email, contact_phone, is_demo,
                  carried_over_from
           from partnerships where partnership_id = $1"#,
        partnership_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

/// The period a werkingsgebied belongs to.
pub async fn period_of(db: &PgPool, partnership: &Partnership) -> Result<Period> {
    periods::list(db)
        .await?
        .into_iter()
        .find(|p| p.policy_period_id == partnership.policy_period_id)
        .ok_or(AppError::NotFound)
}

/// The unique constraint on a werkingsgebied's name within its period.
const NAME_KEY: &str = "partnerships_name_key";

/// The periods to choose from, newest first, `selected` chosen.
pub fn period_choices(periods: &[Period], selected: i64) -> Vec<Choice> {
    periods
        .iter()
        .rev()
        .map(|p| {
            Choice::new(
                p.policy_period_id,
                p.name.clone(),
                p.policy_period_id == selected,
            )
        })
        .collect()
}

/// Another werkingsgebied a page links to.
struct PartnershipLink {
    id: i64,
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    periode: Option<i64>,
}

struct Row {
    id: i64,
    name: String,
    legal_form: &'static str,
    lead_organisation: String,
    members: String,
    population: String,
    regisseurs: String,
    vacant: bool,
    flags: Vec<&'static str>,
    is_demo: bool,
}

#[derive(Template)]
#[template(path = "partnerships/index.html")]
struct PartnershipsPage {
    layout: Layout,
    period: Period,
    periods: Vec<Choice>,
    rows: Vec<Row>,
    total_members: String,
    total_population: String,
    vacant: usize,
    any_demo: bool,
    is_admin: bool,
}

async fn index(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let all = periods::list(&state.db).await?;
    let period = periods::choose(&all, query.periode)
        .ok_or(AppError::NotFound)?
        .clone();
    let summaries = db::summaries(
        &state.db,
        period.policy_period_id,
        period.population_year,
        None,
    )
    .await?;
    let rows: Vec<Row> = summaries
        .iter()
        .map(|s| Row {
            id: s.partnership_id,
            name: s.name.clone(),
            legal_form: s.legal_form.label(),
            lead_organisation: s.lead_organisation.clone(),
            members: format::thousands(s.members),
            population: format::thousands(s.population),
            regisseurs: s.regisseurs.join(", "),
            vacant: s.is_vacant(),
            flags: s.flags(),
            is_demo: s.is_demo,
        })
        .collect();
    render(&PartnershipsPage {
        layout: signed_in.layout("Werkingsgebieden").await?,
        periods: period_choices(&all, period.policy_period_id),
        total_members: format::thousands(summaries.iter().map(|s| s.members).sum()),
        total_population: format::thousands(summaries.iter().map(|s| s.population).sum()),
        vacant: summaries.iter().filter(|s| s.is_vacant()).count(),
        any_demo: summaries.iter().any(|s| s.is_demo),
        is_admin: signed_in.user.role == Role::Admin,
        period,
        rows,
    })
}

struct MemberRow {
    nis_code: String,
    name: String,
    province: String,
    population: String,
    centre_city: bool,
}

struct AppointmentRow {
    id: i64,
    person_name: String,
    fte: String,
    dates: String,
    status: &'static str,
    requested: String,
    decided: String,
    motivation: String,
}

#[derive(Template)]
#[template(path = "partnerships/show.html")]
struct PartnershipPage {
    layout: Layout,
    p: Partnership,
    period: Period,
    legal_form: &'static str,
    members: Vec<MemberRow>,
    population: String,
    flags: Vec<&'static str>,
    regisseurs: Vec<String>,
    appointments: Vec<AppointmentRow>,
    carried_over_from: Option<PartnershipLink>,
    is_admin: bool,
    is_staff: bool,
    may_edit_contact: bool,
    /// Links to the werkingsgebied's budget page for who may read it.
    may_read_budget: bool,
    matrix: crate::actions::matrix::PartnershipMatrix,
    action_count: i64,
    agreements: crate::agreements::overview::PartnershipSection,
    /// Who reviews its yearly reports; admins assign them.
    reviewer: crate::reports::reviewers::ReviewerSection,
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let p = find(&state.db, id).await?;
    let period = period_of(&state.db, &p).await?;
    let members = sqlx::query!(
        r#"select m.nis_code, mu.name_nl, mu.province, mu.centre_city, pop.population as "population?"
           from partnership_members m
           join municipalities mu on mu.vintage = m.vintage and mu.nis_code = m.nis_code
           left join municipality_populations pop
                  on pop.vintage = m.vintage and pop.nis_code = m.nis_code and pop.year = $2
           where m.partnership_id = $1
           order by mu.name_nl"#,
        id,
        period.population_year
    )
    .fetch_all(&state.db)
    .await?;
    let summary = db::summaries(
        &state.db,
        period.policy_period_id,
        period.population_year,
        Some(id),
    )
    .await?
    .into_iter()
    .find(|s| s.partnership_id == id)
    .ok_or(AppError::NotFound)?;
    let appointments = crate::appointments::history(&state.db, id).await?;
    let carried_over_from = match p.carried_over_from {
        Some(source) => Some(PartnershipLink {
            id: source,
            name: find(&state.db, source).await?.name,
        }),
        None => None,
    };
    let role = signed_in.user.role;
    let matrix = crate::actions::matrix::for_partnership(&state.db, &period, id, &p.name).await?;
    let action_count = sqlx::query_scalar!(
        r#"select count(*) as "n!" from actions where partnership_id = $1 and deleted_at is null"#,
        id
    )
    .fetch_one(&state.db)
    .await?;
    let agreements = crate::agreements::overview::partnership_section(
        &mut *state.db.acquire().await?,
        &signed_in.user,
        id,
    )
    .await?;
    let reviewer = crate::reports::reviewers::section(&state.db, id, role == Role::Admin).await?;
    render(&PartnershipPage {
        reviewer,
        matrix,
        action_count,
        agreements,
        layout: signed_in.layout(p.name.clone()).await?,
        legal_form: p.legal_form.label(),
        members: members
            .into_iter()
            .map(|m| MemberRow {
                nis_code: m.nis_code,
                name: m.name_nl,
                province: m.province,
                population: m
                    .population
                    .map_or_else(|| "-".into(), |n| format::thousands(n.into())),
                centre_city: m.centre_city,
            })
            .collect(),
        population: format::thousands(summary.population),
        flags: summary.flags(),
        regisseurs: summary.regisseurs.clone(),
        appointments: appointments
            .into_iter()
            .map(|a| AppointmentRow {
                id: a.appointment_id,
                person_name: a.person_name,
                fte: a.fte,
                dates: a.dates,
                status: a.status.label(),
                requested: a.requested,
                decided: a.decided,
                // Why a request was rejected or an appointment ended is about a person: for
                // the staff who decide, not for every signed-in user.
                motivation: if role == Role::Regisseur {
                    String::new()
                } else {
                    a.motivation
                },
            })
            .collect(),
        carried_over_from,
        is_admin: role == Role::Admin,
        is_staff: role != Role::Regisseur,
        may_edit_contact: db::may_edit_contact(&state.db, &signed_in.user, id).await?,
        may_read_budget: crate::budget::access::of(&state.db, &signed_in.user, id)
            .await?
            .read,
        period,
        p,
    })
}
