//! Werkingsgebieden (partnerships): the areas regisseurs work for, one policy period each,
//! with their member municipalities.
//!
//! Routes: `GET /werkingsgebieden?periode=` and `GET /werkingsgebieden/{id}` (signed in);
//! `GET/POST /werkingsgebieden/nieuw`, `GET/POST /werkingsgebieden/{id}/bewerken` (admins);
//! `GET/POST /werkingsgebieden/{id}/contact` (admins and the werkingsgebied's own regisseur);
//! members in [`members`], carrying over to the next period in [`carry_over`].

mod carry_over;
pub mod db;
mod members;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use sqlx::PgPool;

use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn, deny};
use crate::error::{AppError, Result, ResultExt};
use crate::identity::Role;
use crate::periods::{self, Period};
use crate::state::AppState;
use crate::users::is_plausible_email;
use crate::web::extract::{Form, Path, Query};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, FieldError, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{format, render, render_with_status};
use db::LegalForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/werkingsgebieden", get(index))
        .route("/werkingsgebieden/nieuw", get(new).post(create))
        .route("/werkingsgebieden/{id}", get(show))
        .route("/werkingsgebieden/{id}/bewerken", get(edit).post(update))
        .route(
            "/werkingsgebieden/{id}/contact",
            get(edit_contact).post(update_contact),
        )
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

pub struct PeriodChoice {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

pub fn period_choices(periods: &[Period], selected: i64) -> Vec<PeriodChoice> {
    periods
        .iter()
        .rev()
        .map(|p| PeriodChoice {
            id: p.policy_period_id,
            name: p.name.clone(),
            selected: p.policy_period_id == selected,
        })
        .collect()
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
    periods: Vec<PeriodChoice>,
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
    carried_over_from: Option<(i64, String)>,
    is_admin: bool,
    is_staff: bool,
    may_edit_contact: bool,
    matrix: crate::actions::matrix::PartnershipMatrix,
    action_count: i64,
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
        Some(source) => Some((source, find(&state.db, source).await?.name)),
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
    render(&PartnershipPage {
        matrix,
        action_count,
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
                motivation: a.motivation,
            })
            .collect(),
        carried_over_from,
        is_admin: role == Role::Admin,
        is_staff: role != Role::Regisseur,
        may_edit_contact: db::may_edit_contact(&state.db, &signed_in.user, id).await?,
        period,
        p,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PartnershipForm {
    policy_period_id: String,
    name: String,
    legal_form: String,
    lead_organisation: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
}

struct FormChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "partnerships/form.html")]
struct PartnershipFormPage {
    layout: Layout,
    action: String,
    /// On a new werkingsgebied the period is chosen; afterwards it is fixed.
    periods: Option<Vec<PeriodChoice>>,
    legal_forms: Vec<FormChoice>,
    form: PartnershipForm,
    errors: FieldErrors,
    contact_only: bool,
    back: String,
}

fn legal_form_choices(selected: &str) -> Vec<FormChoice> {
    LegalForm::ALL
        .into_iter()
        .map(|f| FormChoice {
            value: f.code(),
            label: f.label(),
            selected: f.code() == selected,
        })
        .collect()
}

struct ContactFields {
    contact_name: String,
    contact_email: String,
    contact_phone: String,
}

fn validate_contact(form: &PartnershipForm, errors: &mut FieldErrors) -> ContactFields {
    let contact_name = form.contact_name.trim().to_string();
    if contact_name.chars().count() > 200 {
        errors.add(
            "contact_name",
            "De naam van de contactpersoon mag hoogstens 200 tekens lang zijn.",
        );
    }
    let contact_email = form.contact_email.trim().to_string();
    if !contact_email.is_empty() && !is_plausible_email(&contact_email) {
        errors.add(
            "contact_email",
            "Vul een geldig e-mailadres in, of laat het veld leeg.",
        );
    }
    let contact_phone = form.contact_phone.trim().to_string();
    if contact_phone.chars().count() > 50
        || contact_phone
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +/.-()".contains(c)))
    {
        errors.add(
            "contact_phone",
            "Vul een telefoonnummer in met cijfers, spaties en + / . - ( ).",
        );
    }
    ContactFields {
        contact_name,
        contact_email,
        contact_phone,
    }
}

struct ValidPartnership {
    name: String,
    legal_form: LegalForm,
    lead_organisation: String,
    contact: ContactFields,
}

fn validate(form: &PartnershipForm, errors: &mut FieldErrors) -> Option<ValidPartnership> {
    let name = forms::text(errors, "name", "de naam", &form.name, 200);
    let legal_form = LegalForm::parse(&form.legal_form);
    if legal_form.is_none() {
        errors.add("legal_form", "Kies een rechtsvorm.");
    }
    let lead_organisation = forms::text(
        errors,
        "lead_organisation",
        "de penvoerder",
        &form.lead_organisation,
        200,
    );
    let contact = validate_contact(form, errors);
    match legal_form {
        Some(legal_form) if errors.is_empty() => Some(ValidPartnership {
            name,
            legal_form,
            lead_organisation,
            contact,
        }),
        _ => None,
    }
}

/// The unique constraint on a werkingsgebied's name within its period.
const NAME_KEY: &str = "partnerships_name_key";

const NAME_TAKEN: &[(&str, FieldError)] = &[(
    NAME_KEY,
    FieldError {
        field: "name",
        message: "Er bestaat in deze periode al een werkingsgebied met deze naam.",
    },
)];

async fn new(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let all = periods::list(&state.db).await?;
    let period = periods::choose(&all, query.periode).ok_or(AppError::NotFound)?;
    render(&PartnershipFormPage {
        layout: admin.layout("Nieuw werkingsgebied").await?,
        action: "/werkingsgebieden/nieuw".into(),
        periods: Some(period_choices(&all, period.policy_period_id)),
        legal_forms: legal_form_choices(""),
        form: PartnershipForm::default(),
        errors: FieldErrors::new(),
        contact_only: false,
        back: "/werkingsgebieden".into(),
    })
}

async fn create(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Form(form): Form<PartnershipForm>,
) -> Result<Response> {
    let all = periods::list(&state.db).await?;
    let mut errors = FieldErrors::new();
    let period = form
        .policy_period_id
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| all.iter().find(|p| p.policy_period_id == id));
    if period.is_none() {
        errors.add("policy_period_id", "Kies een beleidsperiode.");
    }
    let valid = validate(&form, &mut errors);
    if let (Some(period), Some(v)) = (period, valid) {
        let mut tx = state.db.begin().await?;
        let inserted = sqlx::query_scalar!(
            r#"insert into partnerships (policy_period_id, name, legal_form, lead_organisation,
                                         contact_name, contact_email, contact_phone)
               values ($1, $2, $3, $4, $5, $6, $7) returning partnership_id"#,
            period.policy_period_id,
            v.name,
            v.legal_form as LegalForm,
            v.lead_organisation,
            v.contact.contact_name,
            v.contact.contact_email,
            v.contact.contact_phone
        )
        .fetch_one(&mut *tx)
        .await
        .on_constraint(NAME_TAKEN)?;
        match inserted {
            Ok(id) => {
                audit::Entry::new(Action::PartnershipCreated)
                    .actor(&admin.user)
                    .object("partnership", id)
                    .details(serde_json::json!({ "name": v.name, "period": period.name }))
                    .record(&mut *tx, &admin.ctx)
                    .await?;
                tx.commit().await?;
                return flash::redirect(
                    &admin.session,
                    FlashKind::Success,
                    "Werkingsgebied aangemaakt. Voeg nu de gemeenten toe.",
                    &format!("/werkingsgebieden/{id}/leden"),
                )
                .await;
            }
            Err(error) => errors.push(error),
        }
    }
    let selected = period.map_or(0, |p| p.policy_period_id);
    render_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &PartnershipFormPage {
            layout: admin.layout("Nieuw werkingsgebied").await?,
            action: "/werkingsgebieden/nieuw".into(),
            periods: Some(period_choices(&all, selected)),
            legal_forms: legal_form_choices(&form.legal_form),
            form,
            errors,
            contact_only: false,
            back: "/werkingsgebieden".into(),
        },
    )
}

fn form_of(p: &Partnership) -> PartnershipForm {
    PartnershipForm {
        policy_period_id: p.policy_period_id.to_string(),
        name: p.name.clone(),
        legal_form: p.legal_form.code().to_string(),
        lead_organisation: p.lead_organisation.clone(),
        contact_name: p.contact_name.clone(),
        contact_email: p.contact_email.clone(),
        contact_phone: p.contact_phone.clone(),
    }
}

async fn edit(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    let p = find(&state.db, id).await?;
    render(&PartnershipFormPage {
        layout: admin.layout(format!("{} bewerken", p.name)).await?,
        action: format!("/werkingsgebieden/{id}/bewerken"),
        periods: None,
        legal_forms: legal_form_choices(p.legal_form.code()),
        form: form_of(&p),
        errors: FieldErrors::new(),
        contact_only: false,
        back: format!("/werkingsgebieden/{id}"),
    })
}

async fn update(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
    Form(form): Form<PartnershipForm>,
) -> Result<Response> {
    let p = find(&state.db, id).await?;
    let mut errors = FieldErrors::new();
    if let Some(v) = validate(&form, &mut errors) {
        let mut tx = state.db.begin().await?;
        let updated = sqlx::query!(
            r#"update partnerships
               set name = $2, legal_form = $3, lead_organisation = $4, contact_name = $5,
                   contact_email = $6, contact_phone = $7, updated_at = now()
               where partnership_id = $1"#,
            id,
            v.name,
            v.legal_form as LegalForm,
            v.lead_organisation,
            v.contact.contact_name,
            v.contact.contact_email,
            v.contact.contact_phone
        )
        .execute(&mut *tx)
        .await
        .on_constraint(NAME_TAKEN)?;
        match updated {
            Ok(_) => {
                audit::Entry::new(Action::PartnershipUpdated)
                    .actor(&admin.user)
                    .object("partnership", id)
                    .details(serde_json::json!({
                        "name": { "from": p.name, "to": v.name },
                        "legal_form": { "from": p.legal_form.code(), "to": v.legal_form.code() },
                        "lead_organisation": { "from": p.lead_organisation, "to": v.lead_organisation },
                    }))
                    .record(&mut *tx, &admin.ctx)
                    .await?;
                tx.commit().await?;
                return flash::redirect(
                    &admin.session,
                    FlashKind::Success,
                    "Werkingsgebied bewaard.",
                    &format!("/werkingsgebieden/{id}"),
                )
                .await;
            }
            Err(error) => errors.push(error),
        }
    }
    render_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &PartnershipFormPage {
            layout: admin.layout(format!("{} bewerken", p.name)).await?,
            action: format!("/werkingsgebieden/{id}/bewerken"),
            periods: None,
            legal_forms: legal_form_choices(&form.legal_form),
            form,
            errors,
            contact_only: false,
            back: format!("/werkingsgebieden/{id}"),
        },
    )
}

/// The contact form: for an admin, or the werkingsgebied's own current regisseur.
async fn contact_access(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<Partnership> {
    let p = find(&state.db, id).await?;
    if !db::may_edit_contact(&state.db, &signed_in.user, id).await? {
        return Err(deny(state, signed_in).await);
    }
    Ok(p)
}

async fn edit_contact(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let p = contact_access(&state, &signed_in, id).await?;
    render(&PartnershipFormPage {
        layout: signed_in
            .layout(format!("Contactgegevens {}", p.name))
            .await?,
        action: format!("/werkingsgebieden/{id}/contact"),
        periods: None,
        legal_forms: Vec::new(),
        form: form_of(&p),
        errors: FieldErrors::new(),
        contact_only: true,
        back: format!("/werkingsgebieden/{id}"),
    })
}

async fn update_contact(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<PartnershipForm>,
) -> Result<Response> {
    let p = contact_access(&state, &signed_in, id).await?;
    let mut errors = FieldErrors::new();
    let contact = validate_contact(&form, &mut errors);
    if !errors.is_empty() {
        return render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PartnershipFormPage {
                layout: signed_in
                    .layout(format!("Contactgegevens {}", p.name))
                    .await?,
                action: format!("/werkingsgebieden/{id}/contact"),
                periods: None,
                legal_forms: Vec::new(),
                form,
                errors,
                contact_only: true,
                back: format!("/werkingsgebieden/{id}"),
            },
        );
    }
    let mut tx = state.db.begin().await?;
    sqlx::query!(
        r#"update partnerships
           set contact_name = $2, contact_email = $3, contact_phone = $4, updated_at = now()
           where partnership_id = $1"#,
        id,
        contact.contact_name,
        contact.contact_email,
        contact.contact_phone
    )
    .execute(&mut *tx)
    .await?;
    audit::Entry::new(Action::PartnershipUpdated)
        .actor(&signed_in.user)
        .object("partnership", id)
        .details(serde_json::json!({
            "contact_name": { "from": p.contact_name, "to": contact.contact_name },
            "contact_email": { "from": p.contact_email, "to": contact.contact_email },
            "contact_phone": { "from": p.contact_phone, "to": contact.contact_phone },
        }))
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    tx.commit().await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Contactgegevens bewaard.",
        &format!("/werkingsgebieden/{id}"),
    )
    .await
}
