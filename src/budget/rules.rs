//! The versions of the allocation rule: their bands, caps and settings, which version applies
//! to which year, and adding a version. Versions are never edited: a change is a new version
//! (the table is insert-only for requests), so a fixed allocation keeps the rule it used.
//!
//! Routes: `GET /budget/regels` (staff), `GET/POST /budget/regels/nieuw` (admins).

use std::collections::BTreeSet;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::db::{self, RuleVersion};
use super::rule::Boundary;
use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn, StaffOnly};
use crate::error::{Result, ResultExt};
use crate::identity::Role;
use crate::periods;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{Choice, FieldError, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{format, render, render_with_status};

mod input;

use input::{RuleForm, validate};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/budget/regels", get(index))
        .route("/budget/regels/nieuw", get(new).post(create))
}

struct BandRow {
    range: String,
    amount: String,
}

/// One rule version as the page shows it.
struct VersionView {
    rule_id: i64,
    name: String,
    years: String,
    /// The years this version is the one that applies (a later version can take over).
    applies_to: String,
    bands: Vec<BandRow>,
    cap_without: String,
    cap_extra: String,
    minimum: String,
    population_year: i16,
    unemployment_year: i16,
    boundary: &'static str,
    source: String,
    note: String,
    created: String,
}

/// A year and the version that applies to it.
struct YearRule {
    year: i16,
    rule: String,
}

#[derive(Template)]
#[template(path = "budget/rules.html")]
struct RulesPage {
    layout: Layout,
    versions: Vec<VersionView>,
    years: Vec<YearRule>,
    can_add: bool,
}

fn view(version: &RuleVersion, all: &[RuleVersion]) -> VersionView {
    let rule = &version.rule;
    let applies: Vec<String> = (version.first_year..=version.last_year)
        .filter(|y| db::rule_for(all, *y).is_some_and(|r| r.rule_id == version.rule_id))
        .map(|y| y.to_string())
        .collect();
    VersionView {
        rule_id: version.rule_id,
        name: version.name.clone(),
        years: format!("{}-{}", version.first_year, version.last_year),
        applies_to: if applies.is_empty() {
            "geen enkel jaar meer: latere versies nemen al haar jaren over".into()
        } else {
            applies.join(", ")
        },
        bands: rule
            .bands()
            .iter()
            .enumerate()
            .map(|(i, band)| BandRow {
                range: rule.band_label(i),
                amount: format::euro_cents(band.amount_cents),
            })
            .collect(),
        cap_without: format::euro_cents(rule.cap_without_centre_city_cents),
        cap_extra: format::euro_cents(rule.cap_centre_city_extra_cents),
        minimum: format::thousands(rule.min_population_partnership),
        population_year: rule.population_year,
        unemployment_year: rule.unemployment_year,
        boundary: rule.boundary.label(),
        source: version.source.clone(),
        note: version.note.clone(),
        created: format!(
            "{}, {}",
            version
                .created_by
                .as_deref()
                .unwrap_or("bij de installatie"),
            format::datetime(version.created_at)
        ),
    }
}

async fn index(State(state): State<AppState>, StaffOnly(signed_in): StaffOnly) -> Result<Response> {
    let rules = db::rules(&state.db).await?;
    let periods = periods::list(&state.db).await?;
    let years: BTreeSet<i16> = db::years(&periods)
        .into_iter()
        .chain(rules.iter().flat_map(|r| r.first_year..=r.last_year))
        .collect();
    let years = years
        .into_iter()
        .map(|year| YearRule {
            year,
            rule: db::rule_for(&rules, year).map_or_else(
                || "geen: er wordt niets berekend".into(),
                |r| r.name.clone(),
            ),
        })
        .collect();
    // Newest first.
    let versions = rules.iter().rev().map(|v| view(v, &rules)).collect();
    render(&RulesPage {
        layout: signed_in.layout("Verdeelregels").await?,
        versions,
        years,
        can_add: signed_in.user.role == Role::Admin,
    })
}

/// What the named constraints of `allocation_rules` mean on the form (the form checks the same
/// first; these stay as the last word). A version may start in the same year as an earlier one:
/// it then corrects it for the years both cover.
const CONSTRAINT_ERRORS: &[(&str, FieldError)] = &[(
    "allocation_rules_years",
    FieldError {
        field: "laatste_jaar",
        message: "Het laatste jaar valt voor het eerste jaar, of buiten 2000-2100.",
    },
)];

#[derive(Template)]
#[template(path = "budget/rule_form.html")]
struct RuleFormPage {
    layout: Layout,
    form: RuleForm,
    boundaries: Vec<Choice>,
    errors: FieldErrors,
    band_errors: Vec<String>,
    /// The version the form was prefilled from.
    latest: Option<String>,
}

impl RuleFormPage {
    async fn build(
        state: &AppState,
        admin: &SignedIn,
        form: RuleForm,
        errors: FieldErrors,
        band_errors: Vec<String>,
    ) -> Result<Self> {
        let latest = db::rules(&state.db).await?.pop().map(|v| v.name);
        let boundaries = Boundary::ALL
            .into_iter()
            .map(|b| Choice::new(b.code(), b.label(), form.grenswaarde == b.code()))
            .collect();
        Ok(Self {
            layout: admin.layout("Nieuwe versie van de verdeelregel").await?,
            form,
            boundaries,
            errors,
            band_errors,
            latest,
        })
    }
}

async fn new(State(state): State<AppState>, AdminOnly(admin): AdminOnly) -> Result<Response> {
    let rules = db::rules(&state.db).await?;
    let form = RuleForm::from_latest(rules.last());
    let page = RuleFormPage::build(&state, &admin, form, FieldErrors::new(), Vec::new()).await?;
    render(&page)
}

async fn create(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Form(form): Form<RuleForm>,
) -> Result<Response> {
    let population_years =
        sqlx::query_scalar!("select distinct year from municipality_populations order by year")
            .fetch_all(&state.db)
            .await?;
    let (valid, mut errors, band_errors) = validate(&form, &population_years);
    if let Some(rule) = valid {
        let mut tx = state.db.begin().await?;
        let inserted = sqlx::query_scalar!(
            r#"insert into allocation_rules (name, first_year, last_year, population_year,
                   unemployment_year, boundary, min_population_partnership,
                   cap_without_centre_city_cents, cap_centre_city_extra_cents, source, note,
                   created_by)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
               returning rule_id"#,
            rule.name,
            rule.first_year,
            rule.last_year,
            rule.population_year,
            rule.unemployment_year,
            rule.boundary as Boundary,
            rule.minimum,
            rule.cap_without_cents,
            rule.cap_extra_cents,
            rule.source,
            rule.note,
            admin.user.user_id
        )
        .fetch_one(&mut *tx)
        .await
        .on_constraint(CONSTRAINT_ERRORS)?;
        match inserted {
            Ok(rule_id) => {
                let lower: Vec<i32> = rule.bands.iter().map(|b| b.lower_bound).collect();
                let amounts: Vec<i64> = rule.bands.iter().map(|b| b.amount_cents).collect();
                sqlx::query!(
                    r#"insert into allocation_rule_bands (rule_id, lower_bound, amount_cents)
                       select $1, b.lower_bound, b.amount_cents
                       from unnest($2::int[], $3::bigint[]) as b(lower_bound, amount_cents)"#,
                    rule_id,
                    &lower,
                    &amounts
                )
                .execute(&mut *tx)
                .await?;
                let bands: Vec<[i64; 2]> = rule
                    .bands
                    .iter()
                    .map(|b| [i64::from(b.lower_bound), b.amount_cents])
                    .collect();
                audit::Entry::new(Action::AllocationRuleAdded)
                    .actor(&admin.user)
                    .object("allocation_rule", rule_id)
                    .details(serde_json::json!({
                        "name": rule.name,
                        "first_year": rule.first_year,
                        "last_year": rule.last_year,
                        "population_year": rule.population_year,
                        "unemployment_year": rule.unemployment_year,
                        "boundary": rule.boundary.code(),
                        "min_population_partnership": rule.minimum,
                        "cap_without_centre_city_cents": rule.cap_without_cents,
                        "cap_centre_city_extra_cents": rule.cap_extra_cents,
                        "bands": bands,
                    }))
                    .record(&mut *tx, &admin.ctx)
                    .await?;
                tx.commit().await?;
                return flash::redirect(
                    &admin.session,
                    FlashKind::Success,
                    format!(
                        "Nieuwe versie van de verdeelregel bewaard: {} ({}-{}).",
                        rule.name, rule.first_year, rule.last_year
                    ),
                    &format!("/budget/regels#regel-{rule_id}"),
                )
                .await;
            }
            Err(error) => {
                // The failed transaction gives its connection back before the page renders.
                drop(tx);
                errors.push(error);
            }
        }
    }
    let page = RuleFormPage::build(&state, &admin, form, errors, band_errors).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[cfg(test)]
mod tests;
