//! Werkingsgebieden (partnerships): the areas regisseurs work for, one policy period each,
//! with their member municipalities.
//!
//! Routes: `GET /werkingsgebieden?periode=` and `GET /werkingsgebieden/{id}` (in [`show`]),
//! signed in; creating and editing in [`form`] (admins), the contact details in [`contact`]
//! (admins and the werkingsgebied's own regisseur), members in [`members`], carrying over to
//! the next period in [`carry_over`].

mod carry_over;
mod contact;
pub mod db;
mod form;
mod members;
mod show;

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
use crate::reference::Reference;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::{format, render};
use db::LegalForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/werkingsgebieden", get(index))
        .route("/werkingsgebieden/{id}", get(show::show))
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
    reference: Reference,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let all = reference.periods(&state.db).await?;
    let period = periods::choose(&all, query.periode)
        .ok_or(AppError::NotFound)?
        .clone();
    // The coverage snapshot of the period holds these summaries already, cached per reference
    // version and day (the regisseurs are today's).
    let snapshot = crate::coverage::db::cached_snapshot(
        &reference,
        &state.db,
        &period,
        period.population_year,
    )
    .await?;
    let summaries = &snapshot.partnerships;
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
