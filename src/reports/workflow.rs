//! The workflow's steps: the regisseur submits; ministry staff take up, approve, send back (with
//! remarks) and reopen (with a reason). Each step stores who, when and why, is audited and
//! notifies the other side, all in one transaction; submitting also freezes a snapshot.
//!
//! Routes (one per step, the form's `version` names the report version it was made from):
//! `POST /jaarrapporten/{partnership}/{year}/indienen`, `.../in-behandeling`, `.../goedkeuren`,
//! `.../terugsturen` (`reason`: the remarks), `.../heropenen` (`reason`).
//!
//! Checks, in order: 404 for an unknown werkingsgebied or a year outside its period; 403
//! (audited) for who may not take the step; 422 for a form without a version; 409 when there is
//! no report yet, when someone changed it since the form was made, or when the step cannot be
//! taken from the current status; 422 for a missing or too long reason.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use sqlx::PgConnection;

use super::access;
use super::assemble::{self, Narrative, Snapshot};
use super::db::{self, Area, Report};
use super::model::{ReportStatus, Step};
use super::notify::{self, Event};
use super::show::{self, Typed};
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/jaarrapporten/{partnership}/{year}/indienen", post(submit))
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
const MAX_REASON: usize = 5000;

/// A step's form: the report version it was made from and, for sending back and reopening,
/// the reason.
#[derive(Deserialize, Default)]
#[serde(default)]
struct StepForm {
    version: Option<String>,
    reason: String,
}

async fn submit(
    state: State<AppState>,
    signed_in: SignedIn,
    path: Path<(i64, i32)>,
    form: Form<StepForm>,
) -> Result<Response> {
    take(state, signed_in, path, form, Step::Submit).await
}

async fn take_up(
    state: State<AppState>,
    signed_in: SignedIn,
    path: Path<(i64, i32)>,
    form: Form<StepForm>,
) -> Result<Response> {
    take(state, signed_in, path, form, Step::TakeUp).await
}

async fn approve(
    state: State<AppState>,
    signed_in: SignedIn,
    path: Path<(i64, i32)>,
    form: Form<StepForm>,
) -> Result<Response> {
    take(state, signed_in, path, form, Step::Approve).await
}

async fn send_back(
    state: State<AppState>,
    signed_in: SignedIn,
    path: Path<(i64, i32)>,
    form: Form<StepForm>,
) -> Result<Response> {
    take(state, signed_in, path, form, Step::SendBack).await
}

async fn reopen(
    state: State<AppState>,
    signed_in: SignedIn,
    path: Path<(i64, i32)>,
    form: Form<StepForm>,
) -> Result<Response> {
    take(state, signed_in, path, form, Step::Reopen).await
}

/// Why a step was not taken: the status to answer with and the sentence the page shows.
struct Refusal(StatusCode, String);

impl Refusal {
    fn conflict(message: impl Into<String>) -> Self {
        Self(StatusCode::CONFLICT, message.into())
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self(StatusCode::UNPROCESSABLE_ENTITY, message.into())
    }
}

async fn take(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((partnership_id, year)): Path<(i64, i32)>,
    Form(form): Form<StepForm>,
    step: Step,
) -> Result<Response> {
    let area = db::area(&state.db, partnership_id)
        .await?
        .filter(|a| a.covers(year))
        .ok_or(AppError::NotFound)?;
    let access = access::of(&state.db, &signed_in.user, partnership_id, year).await?;
    let may = match step {
        Step::Submit => access.write,
        _ => access.review,
    };
    access::require(
        &state,
        &signed_in,
        step.taken_by(signed_in.user.role) && may,
    )
    .await?;

    let reason = form.reason.trim().to_string();
    let Some(version) = form.version.and_then(|v| v.trim().parse::<i32>().ok()) else {
        let refusal = Refusal::invalid("Het formulier is onvolledig; laad de pagina opnieuw.");
        return refuse(&state, &signed_in, &area, year, step, reason, refusal).await;
    };

    let mut tx = state.db.begin().await?;
    let (report, to) = match check(&mut tx, &area, year, step, version, &reason).await? {
        Ok(checked) => checked,
        Err(refusal) => {
            // The failed transaction gives its connection back before the page renders.
            drop(tx);
            return refuse(&state, &signed_in, &area, year, step, reason, refusal).await;
        }
    };
    sqlx::query!(
        r#"update reports set status = $2, version = version + 1, updated_by = $3, updated_at = now()
           where report_id = $1"#,
        report.report_id,
        to as _,
        signed_in.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"insert into report_transitions (report_id, from_status, to_status, reason, changed_by)
           values ($1, $2, $3, $4, $5)"#,
        report.report_id,
        report.status as _,
        to as _,
        reason,
        signed_in.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    let submission = match step {
        Step::Submit => Some(freeze(&mut tx, &report, signed_in.user.user_id).await?),
        _ => None,
    };
    audit::Entry::new(Action::ReportStatusChanged)
        .actor(&signed_in.user)
        .object("report", report.report_id)
        .details(serde_json::json!({
            "partnership_id": partnership_id,
            "year": year,
            "from": report.status.code(),
            "to": to.code(),
            "submission": submission,
        }))
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    let event = match step {
        Step::Submit => Event::Submitted,
        Step::TakeUp => Event::TakenUp,
        Step::Approve => Event::Approved,
        Step::SendBack => Event::SentBack(&reason),
        Step::Reopen => Event::Reopened(&reason),
    };
    notify::send(&mut tx, &state, &area, year, &event, signed_in.user.user_id).await?;
    tx.commit().await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        done(step),
        &db::path(partnership_id, year),
    )
    .await
}

/// Locks the report and checks that `step` may be taken now, from `version`, with `reason`.
async fn check(
    conn: &mut PgConnection,
    area: &Area,
    year: i32,
    step: Step,
    version: i32,
    reason: &str,
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
    if step.needs_reason() && reason.is_empty() {
        return Ok(Err(Refusal::invalid(match step {
            Step::SendBack => "Schrijf op wat het werkingsgebied moet aanvullen of aanpassen.",
            _ => "Schrijf op waarom u het goedgekeurde rapport heropent.",
        })));
    }
    if reason.chars().count() > MAX_REASON {
        return Ok(Err(Refusal::invalid(format!(
            "De toelichting mag hoogstens {MAX_REASON} tekens lang zijn."
        ))));
    }
    Ok(Ok((report, to)))
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
fn done(step: Step) -> &'static str {
    match step {
        Step::Submit => "Rapport ingediend.",
        Step::TakeUp => "Rapport in behandeling genomen.",
        Step::Approve => "Rapport goedgekeurd.",
        Step::SendBack => "Rapport teruggestuurd naar het werkingsgebied.",
        Step::Reopen => "Rapport heropend.",
    }
}

/// The report page again, with the reason as typed and why the step was not taken.
async fn refuse(
    state: &AppState,
    signed_in: &SignedIn,
    area: &Area,
    year: i32,
    step: Step,
    reason: String,
    Refusal(status, message): Refusal,
) -> Result<Response> {
    let typed = Typed {
        step: Some((step, reason, message)),
        ..Typed::default()
    };
    show::render(state, signed_in, area.partnership_id, year, typed, status).await
}
