//! The review steps: ministry staff take up, approve, send back (with remarks) and reopen (with a
//! reason). Each step stores who, when and why, is audited and notifies the other side, all in
//! one transaction ([`apply`], which the regisseur's submission in [`super::submit`] shares).
//!
//! Routes (one per step, the form's `version` names the report version it was made from):
//! `POST /jaarrapporten/{partnership}/{year}/in-behandeling`, `.../goedkeuren`,
//! `.../terugsturen` (`reason`: the remarks), `.../heropenen` (`reason`).
//!
//! The reviewer's steps are buttons of the checklist form, so what the reviewer typed in the
//! checklist is sent along and saved in the same transaction as the step: clicking
//! "Terugsturen" without saving the checklist first loses nothing. Approving with something
//! still open asks first ([`super::approve`]).
//!
//! Checks, in order: 404 for an unknown werkingsgebied or a year outside its period; 403
//! (audited) for who may not take the step; 422 for a form without a version or a checklist
//! that does not validate; 409 when there is no report yet, when someone changed it since the
//! form was made, or when the step cannot be taken from the current status; 422 for a missing
//! or too long reason.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use sqlx::PgConnection;

use super::access;
use super::approve;
use super::assemble::{self, Narrative, Snapshot};
use super::db::{self, Area, Report};
use super::model::{ReportStatus, Step};
use super::notify::{self, Event};
use super::review;
use super::show::{self, Typed};
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/jaarrapporten/{partnership}/{year}/in-behandeling",
            post(take_up),
        )
        .route(
            "/jaarrapporten/{partnership}/{year}/goedkeuren",
            post(approve),
        )
        .route(
            "/jaarrapporten/{partnership}/{year}/terugsturen",
            post(send_back),
        )
        .route(
            "/jaarrapporten/{partnership}/{year}/heropenen",
            post(reopen),
        )
}

/// The longest reason, as `report_transitions_reason_length` allows.
pub(super) const MAX_REASON: usize = 5000;

/// A step's form, read from the posted fields: the report version it was made from, the reason
/// (remarks of a send-back, motivation of an approval, reason of a reopening), whether the
/// approval was confirmed, and the checklist as typed when the form carried it.
pub(super) struct StepForm {
    pub version: Option<i32>,
    pub reason: String,
    pub confirmed: bool,
    /// The checklist items as typed, and why they were refused.
    pub checklist: Option<(review::TypedItems, Option<String>)>,
}

impl StepForm {
    fn read(fields: &HashMap<String, String>) -> Self {
        let field = |name: &str| fields.get(name).map_or("", |v| v.trim());
        Self {
            version: field("version").parse().ok(),
            reason: field("reason").to_string(),
            confirmed: field("bevestigd") == "1",
            checklist: review::present(fields).then(|| review::read(fields)),
        }
    }
}

async fn take_up(
    state: State<AppState>,
    signed_in: SignedIn,
    path: Path<(i64, i32)>,
    form: Form<HashMap<String, String>>,
) -> Result<Response> {
    take(state, signed_in, path, form, Step::TakeUp).await
}

async fn approve(
    state: State<AppState>,
    signed_in: SignedIn,
    path: Path<(i64, i32)>,
    form: Form<HashMap<String, String>>,
) -> Result<Response> {
    take(state, signed_in, path, form, Step::Approve).await
}

async fn send_back(
    state: State<AppState>,
    signed_in: SignedIn,
    path: Path<(i64, i32)>,
    form: Form<HashMap<String, String>>,
) -> Result<Response> {
    take(state, signed_in, path, form, Step::SendBack).await
}

async fn reopen(
    state: State<AppState>,
    signed_in: SignedIn,
    path: Path<(i64, i32)>,
    form: Form<HashMap<String, String>>,
) -> Result<Response> {
    take(state, signed_in, path, form, Step::Reopen).await
}

/// Why a step was not taken: the status to answer with and the sentence the page shows.
pub(super) struct Refusal(pub StatusCode, pub String);

impl Refusal {
    pub fn conflict(message: impl Into<String>) -> Self {
        Self(StatusCode::CONFLICT, message.into())
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self(StatusCode::UNPROCESSABLE_ENTITY, message.into())
    }
}

async fn take(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((partnership_id, year)): Path<(i64, i32)>,
    Form(fields): Form<HashMap<String, String>>,
    step: Step,
) -> Result<Response> {
    let area = db::area(&state.db, partnership_id)
        .await?
        .filter(|a| a.covers(year))
        .ok_or(AppError::NotFound)?;
    let access = access::of(&state.db, &signed_in.user, partnership_id, year).await?;
    access::require(
        &state,
        &signed_in,
        step.taken_by(signed_in.user.role) && access.review,
    )
    .await?;

    let form = StepForm::read(&fields);
    let Some(version) = form.version else {
        let refusal = Refusal::invalid("Het formulier is onvolledig; laad de pagina opnieuw.");
        return refuse(&state, &signed_in, &area, year, step, form, refusal).await;
    };
    if let Some((_, Some(message))) = &form.checklist {
        let refusal = Refusal::invalid(message.clone());
        return refuse(&state, &signed_in, &area, year, step, form, refusal).await;
    }

    let mut tx = state.db.begin().await?;
    let (report, to) = match check(&mut tx, &area, year, step, version).await? {
        Ok(checked) => checked,
        Err(refusal) => {
            // The failed transaction gives its connection back before the page renders.
            drop(tx);
            return refuse(&state, &signed_in, &area, year, step, form, refusal).await;
        }
    };
    let typed_items = form.checklist.as_ref().map(|(items, _)| items.as_slice());
    if step == Step::Approve {
        let open = approve::open_items(&mut tx, &report, typed_items).await?;
        // Something open: the confirmation page, until it comes back confirmed and motivated.
        let motivated = form.confirmed && !form.reason.is_empty();
        if !open.is_empty() && !motivated {
            drop(tx);
            return approve::confirm(&signed_in, &area, year, &report, &form, open).await;
        }
    }
    if let Err(refusal) = reason_fits(step, &form.reason) {
        drop(tx);
        return refuse(&state, &signed_in, &area, year, step, form, refusal).await;
    }
    if let Some(items) = typed_items.filter(|_| report.status.under_review()) {
        review::save(&mut tx, &signed_in, &report, items).await?;
    }
    let transition = Transition {
        report: &report,
        step,
        to,
        reason: &form.reason,
    };
    apply(&mut tx, &state, &signed_in, &area, transition).await?;
    tx.commit().await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        done(step),
        &db::path(partnership_id, year),
    )
    .await
}

/// Locks the report and checks that `step` may be taken now, from `version`.
pub(super) async fn check(
    conn: &mut PgConnection,
    area: &Area,
    year: i32,
    step: Step,
    version: i32,
) -> Result<Result<(Report, ReportStatus), Refusal>> {
    // Version 0: a row a message opened before anyone wrote the report (see `messages`).
    let Some(report) = db::lock(conn, area.partnership_id, year)
        .await?
        .filter(|r| r.version > 0)
    else {
        return Ok(Err(Refusal::conflict(format!(
            "Er is nog geen jaarrapport {year}: er is niets om in te dienen of te beoordelen. \
             Schrijf eerst de toelichting."
        ))));
    };
    if report.version != version {
        return Ok(Err(Refusal::conflict(
            "Iemand anders heeft dit rapport intussen gewijzigd. Er is niets bewaard: bekijk het \
             rapport zoals het nu is en probeer het opnieuw.",
        )));
    }
    let Some(to) = step.from(report.status) else {
        return Ok(Err(Refusal::conflict(format!(
            "Het rapport is nu „{}”: „{}” kan in die status niet.",
            report.status.label(),
            step.label()
        ))));
    };
    Ok(Ok((report, to)))
}

/// A send-back needs its remarks and a reopening its reason; no reason may be too long.
fn reason_fits(step: Step, reason: &str) -> std::result::Result<(), Refusal> {
    if step.needs_reason() && reason.is_empty() {
        return Err(Refusal::invalid(match step {
            Step::SendBack => "Schrijf op wat het werkingsgebied moet aanvullen of aanpassen.",
            _ => "Schrijf op waarom u het goedgekeurde rapport heropent.",
        }));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(Refusal::invalid(format!(
            "De toelichting mag hoogstens {MAX_REASON} tekens lang zijn."
        )));
    }
    Ok(())
}

/// A step about to be taken on a locked report.
pub(super) struct Transition<'a> {
    pub report: &'a Report,
    pub step: Step,
    pub to: ReportStatus,
    pub reason: &'a str,
}

/// Takes `t` in the caller's transaction: the status and version, the history line with its
/// reason, a frozen submission when submitting, the audit entry and the notifications.
pub(super) async fn apply(
    tx: &mut PgConnection,
    state: &AppState,
    signed_in: &SignedIn,
    area: &Area,
    t: Transition<'_>,
) -> Result<()> {
    let report = t.report;
    sqlx::query!(
        r#"update reports set status = $2, version = version + 1, updated_by = $3, updated_at = now()
           where report_id = $1"#,
        report.report_id,
        t.to as _,
        signed_in.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"insert into report_transitions (report_id, from_status, to_status, reason, changed_by)
           values ($1, $2, $3, $4, $5)"#,
        report.report_id,
        report.status as _,
        t.to as _,
        t.reason,
        signed_in.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    let submission = match t.step {
        Step::Submit => Some(freeze(tx, report, signed_in.user.user_id).await?),
        _ => None,
    };
    audit::Entry::new(Action::ReportStatusChanged)
        .actor(&signed_in.user)
        .object("report", report.report_id)
        .details(serde_json::json!({
            "partnership_id": area.partnership_id,
            "year": report.year,
            "from": report.status.code(),
            "to": t.to.code(),
            "submission": submission,
            "motivated": !t.reason.is_empty(),
        }))
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    let event = match t.step {
        Step::Submit => Event::Submitted,
        Step::TakeUp => Event::TakenUp,
        Step::Approve => Event::Approved,
        Step::SendBack => Event::SentBack(t.reason),
        Step::Reopen => Event::Reopened(t.reason),
    };
    notify::send(tx, state, area, report.year, &event, signed_in.user.user_id).await?;
    Ok(())
}

/// Stores the next submission of `report`: the figures as assembled now and the narrative as
/// it stands, so later changes to actions or budgets do not change what was submitted.
/// Returns its number.
async fn freeze(conn: &mut PgConnection, report: &Report, user_id: i64) -> Result<i16> {
    let snapshot = Snapshot {
        assembled_at: chrono::Utc::now(),
        data: assemble::assemble(conn, report.partnership_id, report.year).await?,
        narrative: Narrative::from(report),
    };
    let snapshot = serde_json::to_value(&snapshot).map_err(anyhow::Error::from)?;
    // The report row is locked, so the next number cannot be taken twice.
    Ok(sqlx::query_scalar!(
        r#"insert into report_submissions (report_id, number, snapshot, submitted_by)
           select $1, coalesce(max(number), 0) + 1, $2, $3
           from report_submissions where report_id = $1
           returning number"#,
        report.report_id,
        snapshot,
        user_id
    )
    .fetch_one(&mut *conn)
    .await?)
}

/// The flash message after `step`.
pub(super) fn done(step: Step) -> &'static str {
    match step {
        Step::Submit => "Rapport ingediend.",
        Step::TakeUp => "Rapport in behandeling genomen.",
        Step::Approve => "Rapport goedgekeurd.",
        Step::SendBack => "Rapport teruggestuurd naar het werkingsgebied.",
        Step::Reopen => "Rapport heropend.",
    }
}

/// The report page again, with the reason and checklist as typed and why the step was not
/// taken.
async fn refuse(
    state: &AppState,
    signed_in: &SignedIn,
    area: &Area,
    year: i32,
    step: Step,
    form: StepForm,
    Refusal(status, message): Refusal,
) -> Result<Response> {
    let typed = Typed {
        step: Some((step, form.reason, message)),
        checklist: form.checklist.map(|(items, _)| (items, String::new())),
        ..Typed::default()
    };
    show::render(state, signed_in, area.partnership_id, year, typed, status).await
}
