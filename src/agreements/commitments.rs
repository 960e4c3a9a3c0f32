//! The commitments (engagementen) of an agreement as its page shows them, grouped by VDAB
//! objective, with their progress notes and the actions that carry them out; and the small
//! writes made from that page. Creating and editing a commitment is in
//! [`commitment_form`](super::commitment_form).
//!
//! Route: `POST /engagementen/{id}/voortgang` (a progress note: writers and the assigned VDAB
//! account managers). Linking actions is in [`commitment_links`](super::commitment_links).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};

use super::access::{self, Access};
use super::commitment_input::CommitmentInput;
use super::db::Agreement;
use super::model::{AgreementStatus, CommitmentSide, CommitmentStatus, OBJECTIVES};
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::format::today;
use crate::web::forms::{Choice, FieldErrors, parse_date};
use crate::web::layout::Layout;
use crate::web::{format, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/engagementen/{id}/voortgang", post(add_note))
        .merge(super::commitment_form::router())
        .merge(super::commitment_links::router())
}

/// One stored commitment.
#[derive(Clone, Debug)]
pub struct Commitment {
    pub commitment_id: i64,
    pub agreement_id: i64,
    pub input: CommitmentInput,
    pub version: i32,
}

pub async fn find(conn: &mut PgConnection, commitment_id: i64) -> Result<Commitment> {
    let r = sqlx::query!(
        r#"select commitment_id, agreement_id, objective, description,
                  owner_side as "owner_side: CommitmentSide", owner_name, indicator, target_value,
                  deadline as "deadline: NaiveDate", status as "status: CommitmentStatus", version
           from commitments where commitment_id = $1"#,
        commitment_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Commitment {
        commitment_id: r.commitment_id,
        agreement_id: r.agreement_id,
        input: CommitmentInput {
            objective: r.objective,
            description: r.description,
            owner_side: r.owner_side,
            owner_name: r.owner_name,
            indicator: r.indicator,
            target_value: r.target_value,
            deadline: r.deadline,
            status: r.status,
        },
        version: r.version,
    })
}

/// Loads a commitment and its agreement for a user whose access to the agreement passes
/// `allowed`; refuses (403, audited) otherwise.
pub async fn load(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    allowed: impl Fn(&Access) -> bool,
) -> Result<(Commitment, Agreement)> {
    let mut conn = state.db.acquire().await?;
    let commitment = find(&mut conn, id).await?;
    drop(conn);
    let (agreement, access) =
        super::show::readable(state, signed_in, commitment.agreement_id).await?;
    access::require(state, signed_in, allowed(&access)).await?;
    Ok((commitment, agreement))
}

/// Back to the agreement page, at the commitment.
pub(super) fn back_to(commitment: &Commitment) -> Response {
    Redirect::to(&format!(
        "/samenwerkingsovereenkomsten/{}#engagement-{}",
        commitment.agreement_id, commitment.commitment_id
    ))
    .into_response()
}

// --- The section on the agreement page -------------------------------------------------------

/// What the agreement page shows of its commitments (`templates/agreements/_commitments.html`).
#[derive(Default)]
pub struct Section {
    pub groups: Vec<ObjectiveGroup>,
    /// Edit commitments and link actions.
    pub may_write: bool,
    /// Add commitments: writers, unless the agreement is stopped.
    pub may_create: bool,
    /// Add progress notes.
    pub may_follow_up: bool,
    /// The werkingsgebied's actions to link (writers only), newest first.
    pub actions: Vec<Choice>,
    /// The default date of a progress note (ISO, for the date field).
    pub today: String,
}

/// The commitments of one of VDAB's objectives.
pub struct ObjectiveGroup {
    pub objective: i16,
    pub label: &'static str,
    pub commitments: Vec<CommitmentLine>,
}

/// One commitment as the page shows it.
pub struct CommitmentLine {
    pub commitment_id: i64,
    pub description: String,
    pub side: &'static str,
    pub owner_name: String,
    pub indicator: String,
    pub target_value: String,
    pub deadline: String,
    /// Past its deadline and still open.
    pub overdue: bool,
    pub status: &'static str,
    pub actions: Vec<LinkedAction>,
    pub notes: Vec<NoteLine>,
    /// Makes a double-submitted note one note.
    pub note_key: String,
}

/// An action linked to a commitment.
#[derive(Debug, Deserialize)]
pub struct LinkedAction {
    pub action_id: i64,
    pub title: String,
    pub deleted: bool,
}

#[derive(Debug, Deserialize)]
struct NoteRow {
    noted_on: NaiveDate,
    author: String,
    body: String,
}

/// A progress note as the page shows it.
pub struct NoteLine {
    pub date: String,
    pub author: String,
    pub body: String,
}

pub async fn section(state: &AppState, agreement: &Agreement, access: Access) -> Result<Section> {
    // Linked actions and notes come along as JSON arrays: one query for the whole section.
    let rows = sqlx::query!(
        r#"select c.commitment_id, c.objective, c.description,
                  c.owner_side as "owner_side: CommitmentSide", c.owner_name, c.indicator,
                  c.target_value, c.deadline as "deadline: NaiveDate",
                  c.status as "status: CommitmentStatus",
                  coalesce((select json_agg(json_build_object(
                                'action_id', a.action_id, 'title', a.title,
                                'deleted', a.deleted_at is not null)
                                order by a.starts_on desc, a.action_id desc)
                            from commitment_actions ca join actions a on a.action_id = ca.action_id
                            where ca.commitment_id = c.commitment_id), '[]')
                      as "actions!: Json<Vec<LinkedAction>>",
                  coalesce((select json_agg(json_build_object(
                                'noted_on', n.noted_on, 'author', coalesce(u.full_name, '-'),
                                'body', n.body)
                                order by n.noted_on desc, n.commitment_note_id desc)
                            from commitment_notes n left join users u on u.user_id = n.created_by
                            where n.commitment_id = c.commitment_id), '[]')
                      as "notes!: Json<Vec<NoteRow>>"
           from commitments c
           where c.agreement_id = $1
           order by c.objective, c.deadline, c.commitment_id"#,
        agreement.agreement_id
    )
    .fetch_all(&state.db)
    .await?;
    let today = today();
    let mut groups: Vec<ObjectiveGroup> = OBJECTIVES
        .iter()
        .map(|(n, label)| ObjectiveGroup {
            objective: *n,
            label,
            commitments: Vec::new(),
        })
        .collect();
    for r in rows {
        let line = CommitmentLine {
            commitment_id: r.commitment_id,
            description: r.description,
            side: r.owner_side.label(),
            owner_name: r.owner_name,
            indicator: r.indicator,
            target_value: r.target_value,
            deadline: format::date(r.deadline),
            // The same rule as the overview: only a signed agreement's deadlines are promises.
            overdue: agreement.status.is_signed() && r.deadline < today && r.status.is_open(),
            status: r.status.label(),
            actions: r.actions.0,
            notes: r
                .notes
                .0
                .into_iter()
                .map(|n| NoteLine {
                    date: format::date(n.noted_on),
                    author: n.author,
                    body: n.body,
                })
                .collect(),
            note_key: uuid::Uuid::new_v4().to_string(),
        };
        if let Some(group) = groups.iter_mut().find(|g| g.objective == r.objective) {
            group.commitments.push(line);
        }
    }
    Ok(Section {
        groups,
        may_write: access.write,
        may_create: access.write && agreement.status != AgreementStatus::Stopgezet,
        may_follow_up: access.follow_up,
        actions: if access.write {
            action_choices(&state.db, agreement.partnership_id).await?
        } else {
            Vec::new()
        },
        today: today.to_string(),
    })
}

/// The werkingsgebied's actions a commitment may be linked to, newest first.
pub(super) async fn action_choices(
    db: impl PgExecutor<'_>,
    partnership_id: i64,
) -> Result<Vec<Choice>> {
    Ok(sqlx::query!(
        r#"select action_id, title, starts_on as "starts_on: NaiveDate" from actions
           where partnership_id = $1 and deleted_at is null
           order by starts_on desc, action_id desc
           limit 200"#,
        partnership_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|a| {
        Choice::new(
            a.action_id,
            format!("{} ({})", a.title, format::date(a.starts_on)),
            false,
        )
    })
    .collect())
}

/// A commitment an action carries out, for the action page.
pub struct CommitmentOfAction {
    pub description: String,
    pub objective: &'static str,
    pub agreement_id: i64,
    pub agreement_title: String,
}

// --- Progress notes ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoteForm {
    noted_on: String,
    body: String,
    idempotency_key: String,
}

/// The note form again, with what was wrong (422).
#[derive(Template)]
#[template(path = "agreements/commitment_note.html")]
struct NotePage {
    layout: Layout,
    commitment_id: i64,
    agreement_id: i64,
    description: String,
    form: NoteForm,
    errors: FieldErrors,
}

fn validate_note(form: &NoteForm) -> (Option<(NaiveDate, String)>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let noted_on = parse_date(&form.noted_on);
    match noted_on {
        None => errors.add(
            "noted_on",
            "Vul een geldige datum in (dd/mm/jjjj), tussen 2000 en 2100.",
        ),
        Some(d) if d > today() => errors.add("noted_on", "De datum ligt in de toekomst."),
        Some(_) => {}
    }
    let body = form.body.trim().to_string();
    if body.is_empty() {
        errors.add("body", "Vul de voortgang in.");
    } else if body.chars().count() > 5000 {
        errors.add("body", "De voortgang mag hoogstens 5.000 tekens lang zijn.");
    }
    (
        noted_on.filter(|_| errors.is_empty()).map(|d| (d, body)),
        errors,
    )
}

async fn add_note(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<NoteForm>,
) -> Result<Response> {
    let (commitment, _) = load(&state, &signed_in, id, |a| a.follow_up).await?;
    let (valid, errors) = validate_note(&form);
    let Some((noted_on, body)) = valid else {
        let page = NotePage {
            layout: signed_in.layout("Voortgang toevoegen").await?,
            commitment_id: commitment.commitment_id,
            agreement_id: commitment.agreement_id,
            description: commitment.input.description.clone(),
            form,
            errors,
        };
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let key = uuid::Uuid::parse_str(form.idempotency_key.trim()).ok();
    let mut tx = state.db.begin().await?;
    // A resubmitted form (same key) inserts nothing and audits nothing.
    let note_id = sqlx::query_scalar!(
        r#"insert into commitment_notes (commitment_id, noted_on, body, idempotency_key, created_by)
           values ($1, $2, $3, $4, $5)
           on conflict on constraint commitment_notes_idempotency_key do nothing
           returning commitment_note_id"#,
        id,
        noted_on as NaiveDate,
        body,
        key,
        signed_in.user.user_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(note_id) = note_id {
        audit::Entry::new(Action::CommitmentNoteAdded)
            .actor(&signed_in.user)
            .object("commitment", id)
            .details(serde_json::json!({ "note_id": note_id, "noted_on": noted_on }))
            .record(&mut *tx, &signed_in.ctx)
            .await?;
    }
    tx.commit().await?;
    Ok(back_to(&commitment))
}
