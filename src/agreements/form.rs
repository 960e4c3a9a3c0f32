//! Creating and editing an agreement, with the municipalities it binds and their council
//! decisions. Only who may write the werkingsgebied's agreements (see [`super::access`]).
//!
//! Routes: `GET/POST /samenwerkingsovereenkomsten/nieuw` (`?werkingsgebied=`; without it, a
//! choice of the user's werkingsgebieden), `GET/POST /samenwerkingsovereenkomsten/{id}/bewerken`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::access;
use super::db::{self, Agreement, Binding};
use super::input::{self, AgreementForm, AgreementInput, BindingInput};
use super::show::readable;
use super::store::{self, Saved};
use crate::actions::db::members;
use crate::audit::{self, Action};
use crate::auth::{SignedIn, deny};
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::state::AppState;
use crate::web::extract::{Path, Query, RawForm};
use crate::web::forms::{Choice, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{format, render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/samenwerkingsovereenkomsten/nieuw", get(new).post(create))
        .route(
            "/samenwerkingsovereenkomsten/{id}/bewerken",
            get(edit).post(update),
        )
}

/// One member municipality on the form.
struct MunicipalityRow {
    nis_code: String,
    name: String,
    bound: bool,
    decision_on: String,
    decision_url: String,
}

#[derive(Template)]
#[template(path = "agreements/form.html")]
struct AgreementFormPage {
    layout: Layout,
    heading: String,
    action_url: String,
    back: String,
    partnership_name: String,
    form: AgreementForm,
    errors: FieldErrors,
    municipalities: Vec<MunicipalityRow>,
    /// After a lost race: the version someone else saved, to compare with the form.
    stored: Option<StoredVersion>,
}

/// The facts of the stored version, shown above the user's form after a conflict.
struct StoredVersion {
    title: String,
    dates: String,
    signed_on: String,
    contacts: String,
    notes: String,
}

impl StoredVersion {
    fn of(a: &Agreement) -> Self {
        Self {
            title: a.title.clone(),
            dates: format!(
                "{} - {}",
                format::date(a.starts_on),
                format::date(a.ends_on)
            ),
            signed_on: a.signed_on.map(format::date).unwrap_or_else(|| "-".into()),
            contacts: [&a.vdab_service, &a.vdab_contact, &a.local_contact]
                .into_iter()
                .filter(|t| !t.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" · "),
            notes: a.notes.clone(),
        }
    }
}

/// What differs between the new and the edit form.
struct Frame {
    heading: String,
    action_url: String,
    back: String,
    partnership_id: i64,
    partnership_name: String,
}

impl AgreementFormPage {
    async fn build(
        state: &AppState,
        signed_in: &SignedIn,
        frame: Frame,
        form: AgreementForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let municipalities = members(&state.db, frame.partnership_id)
            .await?
            .into_iter()
            .map(|m| {
                let typed = form.binding(&m.nis_code);
                MunicipalityRow {
                    nis_code: m.nis_code,
                    name: m.name,
                    bound: typed.bound,
                    decision_on: typed.decision_on,
                    decision_url: typed.decision_url,
                }
            })
            .collect();
        Ok(Self {
            layout: signed_in.layout(frame.heading.clone()).await?,
            heading: frame.heading,
            action_url: frame.action_url,
            back: frame.back,
            partnership_name: frame.partnership_name,
            form,
            errors,
            municipalities,
            stored: None,
        })
    }

    async fn for_new(
        state: &AppState,
        signed_in: &SignedIn,
        partnership: &Partnership,
        form: AgreementForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let frame = Frame {
            heading: "Nieuwe samenwerkingsovereenkomst".into(),
            action_url: "/samenwerkingsovereenkomsten/nieuw".into(),
            back: format!("/werkingsgebieden/{}", partnership.id),
            partnership_id: partnership.id,
            partnership_name: partnership.name.clone(),
        };
        Self::build(state, signed_in, frame, form, errors).await
    }

    async fn for_edit(
        state: &AppState,
        signed_in: &SignedIn,
        a: &Agreement,
        form: AgreementForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let id = a.agreement_id;
        let frame = Frame {
            heading: format!("{} bewerken", a.title),
            action_url: format!("/samenwerkingsovereenkomsten/{id}/bewerken"),
            back: format!("/samenwerkingsovereenkomsten/{id}"),
            partnership_id: a.partnership_id,
            partnership_name: a.partnership_name.clone(),
        };
        Self::build(state, signed_in, frame, form, errors).await
    }
}

fn pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// A werkingsgebied someone may add an agreement to.
struct Partnership {
    id: i64,
    name: String,
}

/// The werkingsgebied `id` if `signed_in` may write its agreements; 404 when it does not
/// exist, 403 (audited) when they may not.
async fn writable_partnership(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
) -> Result<Partnership> {
    let name = sqlx::query_scalar!(
        "select name from partnerships where partnership_id = $1",
        id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let access = access::of(&state.db, &signed_in.user, id).await?;
    access::require(state, signed_in, access.write).await?;
    Ok(Partnership { id, name })
}

#[derive(Template)]
#[template(path = "agreements/choose.html")]
struct ChoosePage {
    layout: Layout,
    partnerships: Vec<Choice>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    werkingsgebied: Option<i64>,
}

async fn new(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<NewQuery>,
) -> Result<Response> {
    let Some(id) = query.werkingsgebied else {
        return choose(&state, &signed_in).await;
    };
    let partnership = writable_partnership(&state, &signed_in, id).await?;
    let form = AgreementForm {
        partnership_id: id.to_string(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    let page =
        AgreementFormPage::for_new(&state, &signed_in, &partnership, form, FieldErrors::new())
            .await?;
    render(&page)
}

/// The werkingsgebieden the user may add an agreement to, newest period first.
async fn choose(state: &AppState, signed_in: &SignedIn) -> Result<Response> {
    let partnerships: Vec<Choice> = match signed_in.user.role {
        Role::Admin => sqlx::query!(
            r#"select p.partnership_id, p.name, pp.name as period from partnerships p
               join policy_periods pp on pp.policy_period_id = p.policy_period_id
               order by pp.starts_on desc, p.name"#
        )
        .fetch_all(&state.db)
        .await?
        .into_iter()
        .map(|r| {
            Choice::new(
                r.partnership_id,
                format!("{} ({})", r.name, r.period),
                false,
            )
        })
        .collect(),
        _ => crate::actions::db::own_partnerships(&state.db, &signed_in.user)
            .await?
            .into_iter()
            .map(|p| Choice::new(p.partnership_id, p.label(), false))
            .collect(),
    };
    if partnerships.is_empty() {
        return Err(deny(state, signed_in).await);
    }
    render(&ChoosePage {
        layout: signed_in.layout("Nieuwe samenwerkingsovereenkomst").await?,
        partnerships,
    })
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response> {
    // Who can write no werkingsgebied's agreements is refused before the form is read.
    if signed_in.user.role != Role::Admin
        && crate::actions::db::own_partnerships(&state.db, &signed_in.user)
            .await?
            .is_empty()
    {
        return Err(deny(&state, &signed_in).await);
    }
    let form = AgreementForm::from_pairs(&pairs(&body));
    let Ok(id) = form.partnership_id.trim().parse::<i64>() else {
        return Err(AppError::InvalidInput);
    };
    let partnership = writable_partnership(&state, &signed_in, id).await?;
    let member_list = members(&state.db, id).await?;
    let (input, mut errors) = input::validate(&form, &member_list, false);
    if let Some(input) = input {
        let key = uuid::Uuid::parse_str(form.idempotency_key.trim()).ok();
        let mut tx = state.db.begin().await?;
        match store::insert(&mut tx, id, &input, signed_in.user.user_id, key).await? {
            Saved::Stored(agreement_id) => {
                audit::Entry::new(Action::AgreementCreated)
                    .actor(&signed_in.user)
                    .object("agreement", agreement_id)
                    .details(serde_json::json!({ "partnership_id": id }))
                    .record(&mut *tx, &signed_in.ctx)
                    .await?;
                tx.commit().await?;
                return Ok(saved(agreement_id));
            }
            Saved::Duplicate(agreement_id) => return Ok(saved(agreement_id)),
            Saved::Refused(refusal) => {
                drop(tx);
                errors.add(
                    "gemeente",
                    store::explain(&state.db, refusal, None, &input).await?,
                );
            }
            Saved::Stale => return Err(anyhow::anyhow!("a new agreement cannot be stale").into()),
        }
    }
    let page = AgreementFormPage::for_new(&state, &signed_in, &partnership, form, errors).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// Loads an agreement for writing; refuses (403, audited) who may only read it.
async fn writable(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<Agreement> {
    let (agreement, access) = readable(state, signed_in, id).await?;
    access::require(state, signed_in, access.write).await?;
    Ok(agreement)
}

async fn edit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let a = writable(&state, &signed_in, id).await?;
    let form = AgreementForm::of(&a, &db::bindings(&state.db, id).await?);
    let page =
        AgreementFormPage::for_edit(&state, &signed_in, &a, form, FieldErrors::new()).await?;
    render(&page)
}

async fn update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response> {
    let before = writable(&state, &signed_in, id).await?;
    let bindings_before = db::bindings(&state.db, id).await?;
    let mut form = AgreementForm::from_pairs(&pairs(&body));
    let member_list = members(&state.db, before.partnership_id).await?;
    let (input, mut errors) = input::validate(&form, &member_list, before.status.is_signed());
    let version: Option<i32> = form.version.trim().parse().ok();
    if version.is_none() {
        errors.add(
            "title",
            "Het formulier is onvolledig; open de overeenkomst opnieuw.",
        );
    }
    if let (Some(input), Some(version)) = (input.filter(|_| errors.is_empty()), version) {
        let mut tx = state.db.begin().await?;
        match store::update(&mut tx, &before, &input, version, signed_in.user.user_id).await? {
            Saved::Stored(_) | Saved::Duplicate(_) => {
                audit::Entry::new(Action::AgreementUpdated)
                    .actor(&signed_in.user)
                    .object("agreement", id)
                    .details(serde_json::json!({
                        "fields": changed_fields(&before, &bindings_before, &input)
                    }))
                    .record(&mut *tx, &signed_in.ctx)
                    .await?;
                tx.commit().await?;
                return Ok(saved(id));
            }
            Saved::Refused(refusal) => {
                drop(tx);
                errors.add(
                    "gemeente",
                    store::explain(&state.db, refusal, Some(id), &input).await?,
                );
            }
            Saved::Stale => {
                drop(tx);
                return stale(&state, &signed_in, id, form).await;
            }
        }
    }
    form.version = before.version.to_string();
    let page = AgreementFormPage::for_edit(&state, &signed_in, &before, form, errors).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// A save that lost the race: the form again with the user's input, the version stored since
/// above it, and the new version number, so that saving again is a deliberate overwrite.
async fn stale(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    mut form: AgreementForm,
) -> Result<Response> {
    let mut conn = state.db.acquire().await?;
    let current = db::find(&mut conn, id).await?;
    drop(conn);
    form.version = current.version.to_string();
    let mut errors = FieldErrors::new();
    errors.add(
        "title",
        "Iemand anders bewaarde deze overeenkomst terwijl u ze bewerkte. Uw wijzigingen zijn nog \
         niet bewaard: vergelijk met de bewaarde versie hieronder en bewaar opnieuw om ze te \
         vervangen.",
    );
    let mut page = AgreementFormPage::for_edit(state, signed_in, &current, form, errors).await?;
    page.stored = Some(StoredVersion::of(&current));
    render_with_status(StatusCode::CONFLICT, &page)
}

/// The names of the fields an edit changes, for the audit trail (not their values: notes may
/// hold names of people).
fn changed_fields(
    before: &Agreement,
    bindings_before: &[Binding],
    after: &AgreementInput,
) -> Vec<&'static str> {
    let mut fields = Vec::new();
    let mut check = |name, changed: bool| {
        if changed {
            fields.push(name);
        }
    };
    check("title", before.title != after.title);
    check("vdab_service", before.vdab_service != after.vdab_service);
    check("vdab_contact", before.vdab_contact != after.vdab_contact);
    check("local_contact", before.local_contact != after.local_contact);
    check("starts_on", before.starts_on != after.starts_on);
    check("ends_on", before.ends_on != after.ends_on);
    check("signed_on", before.signed_on != after.signed_on);
    check("notes", before.notes != after.notes);
    // Both sorted by NIS code: the form's come from a BTreeMap.
    let mut bound_before: Vec<BindingInput> = bindings_before
        .iter()
        .map(|b| BindingInput {
            nis_code: b.nis_code.clone(),
            decision_on: b.council_decision_on,
            decision_url: b.council_decision_url.clone(),
        })
        .collect();
    bound_before.sort_by(|a, b| a.nis_code.cmp(&b.nis_code));
    check("municipalities", bound_before != after.bindings);
    fields
}

fn saved(id: i64) -> Response {
    Redirect::to(&format!("/samenwerkingsovereenkomsten/{id}?bewaard=1")).into_response()
}
