//! Follow-up meetings (opvolgingsmomenten) of an agreement: date, participants, minutes,
//! decisions, and the status of every commitment as set at that meeting. That snapshot is
//! kept as it was (`meeting_commitment_statuses`, append-only) and never recomputed from the
//! commitments' current status, which the meeting also updates.
//!
//! Routes (writers and the assigned VDAB account managers):
//! `GET/POST /samenwerkingsovereenkomsten/{id}/opvolgingsmomenten/nieuw`.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::types::Json;

use super::access::{self, Access};
use super::db::Agreement;
use super::model::{CommitmentStatus, objective_label};
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Path, RawForm};
use crate::web::format::today;
use crate::web::forms::{Choice, FieldErrors, parse_date};
use crate::web::layout::Layout;
use crate::web::{format, render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/samenwerkingsovereenkomsten/{id}/opvolgingsmomenten/nieuw",
        get(new).post(create),
    )
}

// --- The section on the agreement page -------------------------------------------------------

/// What the agreement page shows of its meetings (`templates/agreements/_meetings.html`).
#[derive(Default)]
pub struct Section {
    /// Newest first.
    pub meetings: Vec<MeetingLine>,
    /// Record a meeting.
    pub may_record: bool,
}

/// One meeting as the page shows it.
pub struct MeetingLine {
    pub meeting_id: i64,
    pub held_on: String,
    pub participants: String,
    pub minutes: String,
    pub decisions: String,
    pub recorded_by: String,
    /// The commitments' statuses as set at this meeting.
    pub statuses: Vec<SnapshotLine>,
}

/// A commitment's status as set at a meeting.
pub struct SnapshotLine {
    pub description: String,
    pub objective: &'static str,
    pub status: &'static str,
}

#[derive(Debug, Deserialize)]
struct SnapshotRow {
    description: String,
    objective: i16,
    status: String,
}

pub async fn section(state: &AppState, agreement: &Agreement, access: Access) -> Result<Section> {
    // The statuses come from the snapshot rows of each meeting, as a JSON array: one query.
    let rows = sqlx::query!(
        r#"select m.meeting_id, m.held_on as "held_on: NaiveDate", m.participants, m.minutes,
                  m.decisions, coalesce(u.full_name, '-') as "recorded_by!",
                  coalesce((select json_agg(json_build_object(
                                'description', c.description, 'objective', c.objective,
                                'status', s.status)
                                order by c.objective, c.deadline, c.commitment_id)
                            from meeting_commitment_statuses s
                            join commitments c on c.commitment_id = s.commitment_id
                            where s.meeting_id = m.meeting_id), '[]')
                      as "statuses!: Json<Vec<SnapshotRow>>"
           from agreement_meetings m
           left join users u on u.user_id = m.created_by
           where m.agreement_id = $1
           order by m.held_on desc, m.meeting_id desc"#,
        agreement.agreement_id
    )
    .fetch_all(&state.db)
    .await?;
    Ok(Section {
        meetings: rows
            .into_iter()
            .map(|r| MeetingLine {
                meeting_id: r.meeting_id,
                held_on: format::date(r.held_on),
                participants: r.participants,
                minutes: r.minutes,
                decisions: r.decisions,
                recorded_by: r.recorded_by,
                statuses: r
                    .statuses
                    .0
                    .into_iter()
                    .map(|s| SnapshotLine {
                        description: s.description,
                        objective: objective_label(s.objective),
                        status: CommitmentStatus::parse(&s.status).map_or("?", |s| s.label()),
                    })
                    .collect(),
            })
            .collect(),
        may_record: access.follow_up,
    })
}

// --- Recording a meeting ---------------------------------------------------------------------

/// What the user typed, kept as text; `statuses` by commitment id (fields `status_{id}`).
#[derive(Default)]
struct MeetingForm {
    held_on: String,
    participants: String,
    minutes: String,
    decisions: String,
    idempotency_key: String,
    statuses: HashMap<i64, String>,
    /// The status each commitment had when the form was shown (fields `shown_{id}`): only a
    /// status the meeting changed is written back, so a change made by someone else while the
    /// form was open is not silently reverted.
    shown: HashMap<i64, String>,
}

impl MeetingForm {
    fn from_body(body: &[u8]) -> Self {
        let mut form = Self::default();
        for (name, value) in form_urlencoded::parse(body) {
            let value = value.into_owned();
            match name.as_ref() {
                "held_on" => form.held_on = value,
                "participants" => form.participants = value,
                "minutes" => form.minutes = value,
                "decisions" => form.decisions = value,
                "idempotency_key" => form.idempotency_key = value,
                other => {
                    if let Some(id) = other.strip_prefix("status_").and_then(|id| id.parse().ok()) {
                        form.statuses.insert(id, value);
                    } else if let Some(id) =
                        other.strip_prefix("shown_").and_then(|id| id.parse().ok())
                    {
                        form.shown.insert(id, value);
                    }
                }
            }
        }
        form
    }
}

/// A valid meeting, ready to store. Commitments missing from `statuses` (added after the form
/// was opened) keep their current status.
struct MeetingInput {
    held_on: NaiveDate,
    participants: String,
    minutes: String,
    decisions: String,
    statuses: HashMap<i64, CommitmentStatus>,
    /// The statuses the form showed; see [`MeetingForm::shown`].
    shown: HashMap<i64, CommitmentStatus>,
}

fn validate(form: &MeetingForm) -> (Option<MeetingInput>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let held_on = parse_date(&form.held_on);
    match held_on {
        None => errors.add(
            "held_on",
            "Vul een geldige datum in (dd/mm/jjjj), tussen 2000 en 2100.",
        ),
        Some(d) if d > today() => errors.add(
            "held_on",
            "De datum ligt in de toekomst: leg een opvolgingsmoment vast nadat het plaatsvond.",
        ),
        Some(_) => {}
    }
    let participants = form.participants.trim().to_string();
    if participants.is_empty() {
        errors.add("participants", "Vul de deelnemers in.");
    } else if participants.chars().count() > 2000 {
        errors.add(
            "participants",
            "De deelnemers mogen hoogstens 2.000 tekens lang zijn.",
        );
    }
    let minutes = form.minutes.trim().to_string();
    if minutes.chars().count() > 20_000 {
        errors.add(
            "minutes",
            "Het verslag mag hoogstens 20.000 tekens lang zijn.",
        );
    }
    let decisions = form.decisions.trim().to_string();
    if decisions.chars().count() > 10_000 {
        errors.add(
            "decisions",
            "De beslissingen mogen hoogstens 10.000 tekens lang zijn.",
        );
    }
    let mut statuses = HashMap::new();
    for (id, code) in &form.statuses {
        match CommitmentStatus::parse(code) {
            Some(status) => {
                statuses.insert(*id, status);
            }
            None => errors.add("statuses", "Kies voor elk engagement een status."),
        }
    }
    let input = held_on
        .filter(|_| errors.is_empty())
        .map(|held_on| MeetingInput {
            held_on,
            participants,
            minutes,
            decisions,
            statuses,
            shown: form
                .shown
                .iter()
                .filter_map(|(id, code)| Some((*id, CommitmentStatus::parse(code)?)))
                .collect(),
        });
    (input, errors)
}

/// One commitment on the form, with its status to set.
struct StatusRow {
    commitment_id: i64,
    /// The status the form was first shown with (kept through a re-render).
    shown: String,
    description: String,
    objective: &'static str,
    choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "agreements/meeting_form.html")]
struct MeetingFormPage {
    layout: Layout,
    agreement_id: i64,
    agreement_title: String,
    form: MeetingForm,
    rows: Vec<StatusRow>,
    errors: FieldErrors,
}

impl MeetingFormPage {
    async fn build(
        state: &AppState,
        signed_in: &SignedIn,
        agreement: &Agreement,
        form: MeetingForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let commitments = sqlx::query!(
            r#"select commitment_id, description, objective,
                      status as "status: CommitmentStatus"
               from commitments where agreement_id = $1
               order by objective, deadline, commitment_id"#,
            agreement.agreement_id
        )
        .fetch_all(&state.db)
        .await?;
        let rows = commitments
            .into_iter()
            .map(|c| {
                // What the user chose, else the commitment's current status.
                let chosen = form
                    .statuses
                    .get(&c.commitment_id)
                    .map_or(c.status.code(), |s| s.trim());
                StatusRow {
                    commitment_id: c.commitment_id,
                    shown: form
                        .shown
                        .get(&c.commitment_id)
                        .map_or(c.status.code(), |s| s.trim())
                        .to_string(),
                    description: c.description,
                    objective: objective_label(c.objective),
                    choices: CommitmentStatus::ALL
                        .iter()
                        .map(|s| Choice::new(s.code(), s.label(), s.code() == chosen))
                        .collect(),
                }
            })
            .collect();
        Ok(Self {
            layout: signed_in.layout("Opvolgingsmoment vastleggen").await?,
            agreement_id: agreement.agreement_id,
            agreement_title: agreement.title.clone(),
            form,
            rows,
            errors,
        })
    }
}

/// Loads an agreement whose follow-up this user may record; refuses (403, audited) otherwise.
async fn followable(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<Agreement> {
    let (agreement, access) = super::show::readable(state, signed_in, id).await?;
    access::require(state, signed_in, access.follow_up).await?;
    Ok(agreement)
}

fn saved(agreement_id: i64) -> Response {
    Redirect::to(&format!(
        "/samenwerkingsovereenkomsten/{agreement_id}?bewaard=1#opvolgingsmomenten"
    ))
    .into_response()
}

async fn new(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let agreement = followable(&state, &signed_in, id).await?;
    let form = MeetingForm {
        held_on: today().to_string(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    let page =
        MeetingFormPage::build(&state, &signed_in, &agreement, form, FieldErrors::new()).await?;
    render(&page)
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response> {
    let agreement = followable(&state, &signed_in, id).await?;
    let form = MeetingForm::from_body(&body);
    let (input, errors) = validate(&form);
    let Some(input) = input else {
        let page = MeetingFormPage::build(&state, &signed_in, &agreement, form, errors).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let key = uuid::Uuid::parse_str(form.idempotency_key.trim()).ok();
    let mut tx = state.db.begin().await?;
    // A resubmitted form (same key) records nothing more.
    let meeting_id = sqlx::query_scalar!(
        r#"insert into agreement_meetings (agreement_id, held_on, participants, minutes, decisions,
                                           idempotency_key, created_by)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict on constraint agreement_meetings_idempotency_key do nothing
           returning meeting_id"#,
        id,
        input.held_on as NaiveDate,
        input.participants,
        input.minutes,
        input.decisions,
        key,
        signed_in.user.user_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(meeting_id) = meeting_id else {
        return Ok(saved(id));
    };
    // Locked, so that the snapshot and the current statuses agree with each other even when
    // someone edits a commitment at the same moment.
    let current = sqlx::query!(
        r#"select commitment_id, status as "status: CommitmentStatus" from commitments
           where agreement_id = $1 order by commitment_id for update"#,
        id
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut ids = Vec::with_capacity(current.len());
    let mut set = Vec::with_capacity(current.len());
    let mut changed = Vec::new();
    let (mut update_ids, mut update_set) = (Vec::new(), Vec::new());
    for c in &current {
        let status = input
            .statuses
            .get(&c.commitment_id)
            .copied()
            .unwrap_or(c.status);
        ids.push(c.commitment_id);
        set.push(status);
        // Written back only when the meeting changed what the form showed.
        let shown = input
            .shown
            .get(&c.commitment_id)
            .copied()
            .unwrap_or(c.status);
        if status != shown && status != c.status {
            update_ids.push(c.commitment_id);
            update_set.push(status);
            changed.push(serde_json::json!({
                "commitment_id": c.commitment_id,
                "from": c.status.code(),
                "to": status.code(),
            }));
        }
    }
    sqlx::query!(
        r#"insert into meeting_commitment_statuses (meeting_id, commitment_id, status)
           select $1, * from unnest($2::bigint[], $3::commitment_status[])"#,
        meeting_id,
        &ids,
        &set as &[CommitmentStatus]
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"update commitments c
           set status = s.status, version = c.version + 1, updated_by = $3, updated_at = now()
           from unnest($1::bigint[], $2::commitment_status[]) as s(commitment_id, status)
           where c.commitment_id = s.commitment_id"#,
        &update_ids,
        &update_set as &[CommitmentStatus],
        signed_in.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    audit::Entry::new(Action::MeetingRecorded)
        .actor(&signed_in.user)
        .object("agreement", id)
        .details(serde_json::json!({
            "meeting_id": meeting_id,
            "held_on": input.held_on,
            "status_changes": changed,
        }))
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    tx.commit().await?;
    Ok(saved(id))
}
