//! Submitting a report, so that no typed text is lost and nothing is frozen unseen. *Indienen…*
//! is a button of the narrative form, so it sends the text as it stands in the form, saved or
//! not. It opens a confirmation page that shows what will be frozen (the text and the figures)
//! and the completeness check ([`super::completeness`]); nothing is saved yet. *Definitief
//! indienen* on that page then saves the text and submits, in one transaction.
//!
//! Routes (the werkingsgebied's regisseur who writes the report):
//! - `POST /jaarrapporten/{partnership}/{year}/indienen/controleren`: the confirmation page.
//! - `POST /jaarrapporten/{partnership}/{year}/indienen`: save and submit. Without the text
//!   fields it submits the text as saved. A required check with a gap refuses it (422, the
//!   confirmation page again); a stale version is 409; a form sent twice submits once.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use sqlx::PgConnection;

use super::access::{self, Access};
use super::assemble::{self, Narrative};
use super::completeness::{self, Gap};
use super::db::{self, Area, Report};
use super::edit;
use super::model::Step;
use super::show::{self, Typed};
use super::show_figures::FiguresView;
use super::workflow::{self, Transition};
use crate::auth::SignedIn;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::FieldErrors;
use crate::web::idempotency::{self, Claim};
use crate::web::layout::Layout;
use crate::web::render_with_status;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/jaarrapporten/{partnership}/{year}/indienen/controleren",
            post(confirm),
        )
        .route("/jaarrapporten/{partnership}/{year}/indienen", post(submit))
}

/// The narrative form, or the confirmation page's form. A text field that is absent means the
/// text as saved.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SubmitForm {
    context: Option<String>,
    worked: Option<String>,
    not_worked: Option<String>,
    plans: Option<String>,
    version: String,
    idempotency_key: String,
}

impl SubmitForm {
    /// The text to submit: as typed, field by field, or as saved in `report`.
    fn narrative(&self, report: Option<&Report>) -> Narrative {
        let saved = report.map(Narrative::from).unwrap_or_default();
        let typed = |field: &Option<String>, saved: String| field.clone().unwrap_or(saved);
        Narrative {
            context: typed(&self.context, saved.context),
            worked: typed(&self.worked, saved.worked),
            not_worked: typed(&self.not_worked, saved.not_worked),
            plans: typed(&self.plans, saved.plans),
        }
    }
}

#[derive(Template)]
#[template(path = "reports/submit.html")]
struct ConfirmPage {
    layout: Layout,
    area: Area,
    year: i32,
    path: String,
    version: i32,
    narrative: Narrative,
    figures: FiguresView,
    gaps: Vec<Gap>,
    blocked: bool,
    idempotency_key: String,
    /// Why a submission was refused, if it was.
    error: String,
}

/// The report as the regisseur may submit it: the werkingsgebied, or a 404 or 403 answer.
async fn writer(
    state: &AppState,
    signed_in: &SignedIn,
    partnership_id: i64,
    year: i32,
) -> Result<Area> {
    let (area, access): (Area, Access) = show::open(state, signed_in, partnership_id, year).await?;
    access::require(
        state,
        signed_in,
        access.write && Step::Submit.taken_by(signed_in.user.role),
    )
    .await?;
    Ok(area)
}

/// What stands between the form and a submission, answered with the report page and the text
/// as typed: a version missing, a text too long, or a report no longer at that version.
fn refusal(
    report: Option<&Report>,
    version: Option<i32>,
    narrative: &Narrative,
) -> Option<(StatusCode, FieldErrors)> {
    let Some(version) = version else {
        let mut errors = FieldErrors::new();
        errors.add(
            "toelichting",
            "Het formulier is onvolledig; laad de pagina opnieuw.",
        );
        return Some((StatusCode::UNPROCESSABLE_ENTITY, errors));
    };
    let errors = edit::validate(narrative);
    if !errors.is_empty() {
        return Some((StatusCode::UNPROCESSABLE_ENTITY, errors));
    }
    edit::stale(report, version).map(|message| {
        let mut errors = FieldErrors::new();
        errors.add("toelichting", message);
        (StatusCode::CONFLICT, errors)
    })
}

async fn confirm(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((partnership_id, year)): Path<(i64, i32)>,
    Form(form): Form<SubmitForm>,
) -> Result<Response> {
    let area = writer(&state, &signed_in, partnership_id, year).await?;
    let report = db::find(&state.db, partnership_id, year).await?;
    let narrative = form.narrative(report.as_ref());
    let version = form.version.trim().parse().ok();
    if let Some((status, errors)) = refusal(report.as_ref(), version, &narrative) {
        return back(&state, &signed_in, &area, year, narrative, errors, status).await;
    }
    let text = (narrative, version.unwrap_or_default());
    let page = ConfirmPage::build(&state, &signed_in, area, year, text, String::new()).await?;
    render_with_status(StatusCode::OK, &page)
}

async fn submit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((partnership_id, year)): Path<(i64, i32)>,
    Form(form): Form<SubmitForm>,
) -> Result<Response> {
    let area = writer(&state, &signed_in, partnership_id, year).await?;
    let user_id = signed_in.user.user_id;
    // What is submitted: the text sent (absent fields: the text as saved) from that version.
    let submission = idempotency::Submission::new(
        &form.idempotency_key,
        &(
            &form.context,
            &form.worked,
            &form.not_worked,
            &form.plans,
            &form.version,
        ),
    );
    let mut tx = state.db.begin().await?;
    if let Claim::Answered { location } = idempotency::claim(&mut tx, user_id, &submission).await? {
        return Ok(idempotency::replay(&location));
    }
    let report = db::lock(&mut tx, partnership_id, year).await?;
    let narrative = form.narrative(report.as_ref());
    let version = form.version.trim().parse().ok();
    if let Some((status, errors)) = refusal(report.as_ref(), version, &narrative) {
        drop(tx);
        return back(&state, &signed_in, &area, year, narrative, errors, status).await;
    }
    let text = (narrative, version.unwrap_or_default());
    if blocked(&mut tx, partnership_id, year, &text.0).await? {
        drop(tx);
        let error = "Het rapport kan nog niet ingediend worden: het departement vraagt voor \
                     dit jaar wat hieronder als verplicht staat. Vul het aan en dien opnieuw in."
            .to_string();
        let page = ConfirmPage::build(&state, &signed_in, area, year, text, error).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let Some(report) = saved(&mut tx, &signed_in, (partnership_id, year), report, &text).await?
    else {
        // A first save of someone else's came in between (no row to lock before it).
        drop(tx);
        let mut errors = FieldErrors::new();
        errors.add("toelichting", edit::SAVED_MEANWHILE);
        let status = StatusCode::CONFLICT;
        return back(&state, &signed_in, &area, year, text.0, errors, status).await;
    };
    let to = Step::Submit
        .from(report.status)
        .ok_or_else(|| anyhow::anyhow!("an editable report could not be submitted"))?;
    let transition = Transition {
        report: &report,
        step: Step::Submit,
        to,
        reason: "",
    };
    workflow::apply(&mut tx, &state, &signed_in, &area, transition).await?;
    let location = db::path(partnership_id, year);
    idempotency::answer(&mut tx, user_id, &submission, &location).await?;
    tx.commit().await?;
    let message = workflow::done(Step::Submit);
    flash::redirect(&signed_in.session, FlashKind::Success, message, &location).await
}

/// Whether a check the department requires for `year` finds a gap in the report with
/// `narrative`, the figures as the data says now.
async fn blocked(
    conn: &mut PgConnection,
    partnership_id: i64,
    year: i32,
    narrative: &Narrative,
) -> Result<bool> {
    let data = assemble::assemble(conn, partnership_id, year).await?;
    let required = completeness::required(&mut *conn, year).await?;
    Ok(completeness::blocks(&completeness::gaps(
        &data, narrative, year, &required,
    )))
}

/// The report with the text `narrative` as sent from `version`, saved first when it differs from
/// the saved one (or nothing is saved yet), so that the submission freezes exactly what the
/// regisseur saw on the confirmation page. None when someone else's first save came in between.
async fn saved(
    conn: &mut PgConnection,
    signed_in: &SignedIn,
    (partnership_id, year): (i64, i32),
    report: Option<Report>,
    (narrative, version): &(Narrative, i32),
) -> Result<Option<Report>> {
    if let Some(r) = report.filter(|r| r.version > 0 && Narrative::from(r) == *narrative) {
        return Ok(Some(r));
    }
    let stored = edit::store(conn, signed_in, partnership_id, year, narrative, *version).await?;
    match stored {
        Some(_) => Ok(Some(locked(conn, partnership_id, year).await?)),
        None => Ok(None),
    }
}

/// The report just saved in this transaction, still locked.
async fn locked(conn: &mut PgConnection, partnership_id: i64, year: i32) -> Result<Report> {
    db::lock(conn, partnership_id, year)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a report saved in this transaction is gone").into())
}

/// The report page with the text as typed and why it was not submitted.
async fn back(
    state: &AppState,
    signed_in: &SignedIn,
    area: &Area,
    year: i32,
    narrative: Narrative,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response> {
    let typed = Typed {
        narrative: Some((narrative, errors)),
        ..Typed::default()
    };
    show::render(state, signed_in, area.partnership_id, year, typed, status).await
}

impl ConfirmPage {
    /// The page for `narrative` at `version`, with the figures as the data says now.
    async fn build(
        state: &AppState,
        signed_in: &SignedIn,
        area: Area,
        year: i32,
        (narrative, version): (Narrative, i32),
        error: String,
    ) -> Result<Self> {
        let mut conn = state.db.acquire().await?;
        let data = assemble::assemble(&mut conn, area.partnership_id, year).await?;
        let required = completeness::required(&mut *conn, year).await?;
        // Back to the pool before the layout asks for its own.
        drop(conn);
        let gaps = completeness::gaps(&data, &narrative, year, &required);
        Ok(Self {
            layout: signed_in
                .layout(format!("Jaarrapport {year} indienen · {}", area.name))
                .await?,
            path: db::path(area.partnership_id, year),
            figures: FiguresView::new(&data),
            blocked: completeness::blocks(&gaps),
            gaps,
            narrative,
            version,
            idempotency_key: idempotency::new_key(),
            error,
            area,
            year,
        })
    }
}
