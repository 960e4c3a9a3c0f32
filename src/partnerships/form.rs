//! Creating and editing a werkingsgebied (admins): the form, its validation and the name that
//! must be unique within a period. The contact-only variant of the form is in [`super::contact`].
//!
//! Routes (admins): `GET/POST /werkingsgebieden/nieuw?periode=`,
//! `GET/POST /werkingsgebieden/{id}/bewerken`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::db::LegalForm;
use super::{ListQuery, NAME_KEY, Partnership, find, period_choices};
use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn};
use crate::error::{AppError, Result, ResultExt};
use crate::identity::is_plausible_email;
use crate::periods;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Query};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, Choice, FieldError, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/werkingsgebieden/nieuw", get(new).post(create))
        .route("/werkingsgebieden/{id}/bewerken", get(edit).post(update))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PartnershipForm {
    policy_period_id: String,
    name: String,
    legal_form: String,
    lead_organisation: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
}

impl PartnershipForm {
    /// The form filled in with a werkingsgebied as stored.
    pub(super) fn of(p: &Partnership) -> Self {
        Self {
            policy_period_id: p.policy_period_id.to_string(),
            name: p.name.clone(),
            legal_form: p.legal_form.code().to_string(),
            lead_organisation: p.lead_organisation.clone(),
            contact_name: p.contact_name.clone(),
            contact_email: p.contact_email.clone(),
            contact_phone: p.contact_phone.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "partnerships/form.html")]
pub(super) struct PartnershipFormPage {
    layout: Layout,
    action: String,
    /// On a new werkingsgebied the period is chosen; afterwards it is fixed.
    periods: Option<Vec<Choice>>,
    legal_forms: Vec<Choice>,
    form: PartnershipForm,
    errors: FieldErrors,
    contact_only: bool,
    back: String,
}

impl PartnershipFormPage {
    /// A new werkingsgebied, in one of `periods`.
    async fn for_new(
        admin: &SignedIn,
        periods: Vec<Choice>,
        form: PartnershipForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        Ok(Self {
            layout: admin.layout("Nieuw werkingsgebied").await?,
            action: "/werkingsgebieden/nieuw".into(),
            periods: Some(periods),
            legal_forms: legal_form_choices(&form.legal_form),
            form,
            errors,
            contact_only: false,
            back: "/werkingsgebieden".into(),
        })
    }

    /// All the fields of an existing werkingsgebied but its period.
    async fn for_edit(
        admin: &SignedIn,
        p: &Partnership,
        form: PartnershipForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let id = p.partnership_id;
        Ok(Self {
            layout: admin.layout(format!("{} bewerken", p.name)).await?,
            action: format!("/werkingsgebieden/{id}/bewerken"),
            periods: None,
            legal_forms: legal_form_choices(&form.legal_form),
            form,
            errors,
            contact_only: false,
            back: format!("/werkingsgebieden/{id}"),
        })
    }

    /// Only the contact details, for an admin or the werkingsgebied's own regisseur.
    pub(super) async fn for_contact(
        signed_in: &SignedIn,
        p: &Partnership,
        form: PartnershipForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let id = p.partnership_id;
        Ok(Self {
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
        })
    }
}

fn legal_form_choices(selected: &str) -> Vec<Choice> {
    LegalForm::ALL
        .into_iter()
        .map(|f| Choice::new(f.code(), f.label(), f.code() == selected))
        .collect()
}

/// The contact details, trimmed.
pub(super) struct ContactFields {
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
}

/// Checks the contact fields, all optional.
pub(super) fn validate_contact(form: &PartnershipForm, errors: &mut FieldErrors) -> ContactFields {
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
    let periods = period_choices(&all, period.policy_period_id);
    render(
        &PartnershipFormPage::for_new(
            &admin,
            periods,
            PartnershipForm::default(),
            FieldErrors::new(),
        )
        .await?,
    )
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
            Err(error) => {
                // The failed transaction gives its connection back before the page renders.
                drop(tx);
                errors.push(error);
            }
        }
    }
    let periods = period_choices(&all, period.map_or(0, |p| p.policy_period_id));
    let page = PartnershipFormPage::for_new(&admin, periods, form, errors).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn edit(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    let p = find(&state.db, id).await?;
    let form = PartnershipForm::of(&p);
    render(&PartnershipFormPage::for_edit(&admin, &p, form, FieldErrors::new()).await?)
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
            Err(error) => {
                // The failed transaction gives its connection back before the page renders.
                drop(tx);
                errors.push(error);
            }
        }
    }
    let page = PartnershipFormPage::for_edit(&admin, &p, form, errors).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
