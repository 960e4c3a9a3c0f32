//! Creating and editing a commitment (engagement) of an agreement: the form page (its fields
//! and validation are in [`commitment_input`](super::commitment_input)), one record per
//! submitted form (idempotency key), and the conflict page when someone else saved the
//! commitment first (optimistic `version`).
//!
//! Routes (writers of the agreement only):
//! `GET/POST /samenwerkingsovereenkomsten/{id}/engagementen/nieuw` (`?doelstelling=2`
//! preselects an objective), `GET/POST /engagementen/{id}/bewerken`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::PgConnection;

use super::access;
use super::commitment_input::{CommitmentForm, CommitmentInput, validate};
use super::commitments::{self, Commitment};
use super::db::Agreement;
use super::model::{AgreementStatus, CommitmentSide, CommitmentStatus, OBJECTIVES};
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Query};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{Choice, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/samenwerkingsovereenkomsten/{id}/engagementen/nieuw",
            get(new).post(create),
        )
        .route("/engagementen/{id}/bewerken", get(edit).post(update))
}

#[derive(Template)]
#[template(path = "agreements/commitment_form.html")]
struct CommitmentFormPage {
    layout: Layout,
    heading: String,
    action_url: String,
    back: String,
    agreement_title: String,
    objectives: Vec<Choice>,
    sides: Vec<Choice>,
    statuses: Vec<Choice>,
    form: CommitmentForm,
    errors: FieldErrors,
}

impl CommitmentFormPage {
    async fn build(
        signed_in: &SignedIn,
        agreement: &Agreement,
        commitment_id: Option<i64>,
        form: CommitmentForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let (heading, action_url) = match commitment_id {
            Some(id) => (
                "Engagement bewerken".to_string(),
                format!("/engagementen/{id}/bewerken"),
            ),
            None => (
                "Nieuw engagement".to_string(),
                format!(
                    "/samenwerkingsovereenkomsten/{}/engagementen/nieuw",
                    agreement.agreement_id
                ),
            ),
        };
        let back = match commitment_id {
            Some(id) => format!(
                "/samenwerkingsovereenkomsten/{}#engagement-{id}",
                agreement.agreement_id
            ),
            None => format!(
                "/samenwerkingsovereenkomsten/{}#engagementen",
                agreement.agreement_id
            ),
        };
        Ok(Self {
            layout: signed_in.layout(heading.clone()).await?,
            heading,
            action_url,
            back,
            agreement_title: agreement.title.clone(),
            objectives: OBJECTIVES
                .iter()
                .map(|(n, label)| Choice::new(n, *label, form.objective.trim() == n.to_string()))
                .collect(),
            sides: CommitmentSide::ALL
                .iter()
                .map(|s| Choice::new(s.code(), s.label(), form.owner_side.trim() == s.code()))
                .collect(),
            statuses: CommitmentStatus::ALL
                .iter()
                .map(|s| Choice::new(s.code(), s.label(), form.status.trim() == s.code()))
                .collect(),
            form,
            errors,
        })
    }
}

/// Loads an agreement its user may write; refuses (403, audited) otherwise.
async fn writable(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<Agreement> {
    let (agreement, access) = super::show::readable(state, signed_in, id).await?;
    access::require(state, signed_in, access.write).await?;
    Ok(agreement)
}

const STOPPED: &str = "Deze overeenkomst is stopgezet: er kunnen geen engagementen meer bij.";

/// Back to the agreement page after a refusal to add to a stopped agreement.
async fn refuse_stopped(signed_in: &SignedIn, agreement_id: i64) -> Result<Response> {
    flash::redirect(
        &signed_in.session,
        FlashKind::Error,
        STOPPED,
        &format!("/samenwerkingsovereenkomsten/{agreement_id}"),
    )
    .await
}

/// After a save: the agreement page at the commitment, told to confirm it.
fn saved(agreement_id: i64, commitment_id: i64) -> Response {
    Redirect::to(&format!(
        "/samenwerkingsovereenkomsten/{agreement_id}?bewaard=1#engagement-{commitment_id}"
    ))
    .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    doelstelling: Option<String>,
}

async fn new(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<NewQuery>,
) -> Result<Response> {
    let agreement = writable(&state, &signed_in, id).await?;
    if agreement.status == AgreementStatus::Stopgezet {
        return refuse_stopped(&signed_in, id).await;
    }
    let form = CommitmentForm {
        objective: query.doelstelling.unwrap_or_default(),
        status: CommitmentStatus::Gepland.code().into(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    let page =
        CommitmentFormPage::build(&signed_in, &agreement, None, form, FieldErrors::new()).await?;
    render(&page)
}

/// What [`insert`] did.
enum Inserted {
    New(i64),
    /// The same form was submitted before (double click): the commitment it created.
    Duplicate(i64),
    /// The agreement is stopped: nothing stored.
    Stopped,
}

/// Inserts a commitment unless the agreement is stopped (checked in the INSERT itself) or the
/// form was submitted before (the (created_by, idempotency_key) constraint).
async fn insert(
    conn: &mut PgConnection,
    agreement_id: i64,
    input: &CommitmentInput,
    user_id: i64,
    key: Option<uuid::Uuid>,
) -> Result<Inserted> {
    let id = sqlx::query_scalar!(
        r#"insert into commitments (agreement_id, objective, description, owner_side, owner_name,
                                    indicator, target_value, deadline, status, idempotency_key,
                                    created_by, updated_by)
           select agreement_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11
           from agreements where agreement_id = $1 and status <> 'stopgezet'
           on conflict on constraint commitments_idempotency_key do nothing
           returning commitment_id"#,
        agreement_id,
        input.objective,
        input.description,
        input.owner_side as CommitmentSide,
        input.owner_name,
        input.indicator,
        input.target_value,
        input.deadline as NaiveDate,
        input.status as CommitmentStatus,
        key,
        user_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = id {
        return Ok(Inserted::New(id));
    }
    let earlier = sqlx::query_scalar!(
        "select commitment_id from commitments where created_by = $1 and idempotency_key = $2",
        user_id,
        key
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(earlier.map_or(Inserted::Stopped, Inserted::Duplicate))
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CommitmentForm>,
) -> Result<Response> {
    let agreement = writable(&state, &signed_in, id).await?;
    let (input, errors) = validate(&form);
    let Some(input) = input else {
        let page = CommitmentFormPage::build(&signed_in, &agreement, None, form, errors).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let key = uuid::Uuid::parse_str(form.idempotency_key.trim()).ok();
    let mut tx = state.db.begin().await?;
    match insert(&mut tx, id, &input, signed_in.user.user_id, key).await? {
        Inserted::New(commitment_id) => {
            // Field names only: a description or owner may name people.
            audit::Entry::new(Action::CommitmentCreated)
                .actor(&signed_in.user)
                .object("commitment", commitment_id)
                .details(serde_json::json!({ "agreement_id": id, "objective": input.objective }))
                .record(&mut *tx, &signed_in.ctx)
                .await?;
            tx.commit().await?;
            Ok(saved(id, commitment_id))
        }
        Inserted::Duplicate(commitment_id) => Ok(saved(id, commitment_id)),
        Inserted::Stopped => {
            drop(tx);
            refuse_stopped(&signed_in, id).await
        }
    }
}

async fn edit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (commitment, agreement) = commitments::load(&state, &signed_in, id, |a| a.write).await?;
    let form = CommitmentForm::of(&commitment);
    let page =
        CommitmentFormPage::build(&signed_in, &agreement, Some(id), form, FieldErrors::new())
            .await?;
    render(&page)
}

async fn update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CommitmentForm>,
) -> Result<Response> {
    let (before, agreement) = commitments::load(&state, &signed_in, id, |a| a.write).await?;
    let (input, mut errors) = validate(&form);
    let version: Option<i32> = form.version.trim().parse().ok();
    if version.is_none() {
        errors.add(
            "version",
            "Het formulier is onvolledig; open het engagement opnieuw.",
        );
    }
    let (Some(input), Some(version)) = (input.filter(|_| errors.is_empty()), version) else {
        let page =
            CommitmentFormPage::build(&signed_in, &agreement, Some(id), form, errors).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let mut tx = state.db.begin().await?;
    // The version check happens in the UPDATE itself: of two saves of the same version, one wins.
    let updated = sqlx::query!(
        r#"update commitments
           set objective = $3, description = $4, owner_side = $5, owner_name = $6, indicator = $7,
               target_value = $8, deadline = $9, status = $10, version = version + 1,
               updated_by = $11, updated_at = now()
           where commitment_id = $1 and version = $2"#,
        id,
        version,
        input.objective,
        input.description,
        input.owner_side as CommitmentSide,
        input.owner_name,
        input.indicator,
        input.target_value,
        input.deadline as NaiveDate,
        input.status as CommitmentStatus,
        signed_in.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        let current = commitments::find(&mut tx, id).await?;
        drop(tx);
        return conflict(&signed_in, &current, &input, &form).await;
    }
    // The update matched `version`, which the form got from the row `before` was read from.
    // Which fields changed, not their values: a description or owner may name people.
    let changes: Vec<&str> = before
        .input
        .describe()
        .into_iter()
        .zip(input.describe())
        .filter(|((_, _, from), (_, _, to))| from != to)
        .map(|((code, _, _), _)| code)
        .collect();
    audit::Entry::new(Action::CommitmentUpdated)
        .actor(&signed_in.user)
        .object("commitment", id)
        .details(serde_json::json!({ "agreement_id": before.agreement_id, "changes": changes }))
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    tx.commit().await?;
    Ok(saved(before.agreement_id, id))
}

/// One field in both versions.
struct ConflictRow {
    field: &'static str,
    stored: String,
    mine: String,
    differs: bool,
}

/// A form field to submit again.
struct HiddenField {
    name: &'static str,
    value: String,
}

/// Someone saved the commitment since this user opened it: both versions side by side, and
/// the user's input kept so nothing is lost.
#[derive(Template)]
#[template(path = "agreements/commitment_conflict.html")]
struct ConflictPage {
    layout: Layout,
    commitment_id: i64,
    agreement_id: i64,
    rows: Vec<ConflictRow>,
    form_fields: Vec<HiddenField>,
}

async fn conflict(
    signed_in: &SignedIn,
    current: &Commitment,
    mine: &CommitmentInput,
    form: &CommitmentForm,
) -> Result<Response> {
    let rows = current
        .input
        .describe()
        .into_iter()
        .zip(mine.describe())
        .map(|((_, field, stored), (_, _, mine))| ConflictRow {
            field,
            differs: stored != mine,
            stored,
            mine,
        })
        .collect();
    let page = ConflictPage {
        layout: signed_in
            .layout("Iemand anders wijzigde dit engagement")
            .await?,
        commitment_id: current.commitment_id,
        agreement_id: current.agreement_id,
        rows,
        form_fields: form
            .resubmitted(current.version)
            .into_iter()
            .map(|(name, value)| HiddenField { name, value })
            .collect(),
    };
    render_with_status(StatusCode::CONFLICT, &page)
}
