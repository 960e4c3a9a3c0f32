//! The report page: status and due date, the figures (assembled live while the regisseur holds
//! the report, the latest submission's snapshot once it is handed in), the narrative (a form for
//! the own regisseur while editable), the workflow steps the user may take, the history, the
//! submissions, the checklist, the reviewer and the message thread. Other handlers re-render it
//! with what the user typed through [`render`] when their POST fails, so nothing typed is lost.
//!
//! Route: `GET /jaarrapporten/{partnership}/{year}`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use sqlx::PgConnection;

use super::access::{self, Access};
use super::assemble::{self, Narrative, Snapshot};
use super::db::{self, Area, Report};
use super::model::{ReportStatus, Step};
use super::show_figures::FiguresView;
use super::show_review::{
    self as review, ChecklistLine, HistoryLine, MessageLine, Remark, SentBack, SubmissionLine,
};
use crate::auth::SignedIn;
use crate::database::Timestamp;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::format::today;
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;
use crate::web::{format, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new().route("/jaarrapporten/{partnership}/{year}", get(show))
}

/// The checklist as typed: per item code, its state code and remark.
pub type ChecklistTyped = Vec<(String, String, String)>;

/// What a failed POST hands back to the report page: the values typed and why they were
/// refused. Each form on the page shows its own part; the rest of the page is as stored.
#[derive(Default)]
pub struct Typed {
    /// The narrative form (`context`, `worked`, `not_worked`, `plans`).
    pub narrative: Option<(Narrative, FieldErrors)>,
    /// A workflow step's form: the step, the reason typed, and the message why it was refused.
    pub step: Option<(Step, String, String)>,
    /// The checklist form: per item code its state code and remark, and the refusal.
    pub checklist: Option<(ChecklistTyped, String)>,
    /// The message form: body, answer-by date as typed, errors (`body`, `answer_by`).
    pub message: Option<(String, String, FieldErrors)>,
    /// The remark a message answers (`?antwoord=` or the refused form's `about`).
    pub about: Option<String>,
    /// A page shown again after a save that kept something unsent (the checklist saved, the
    /// decision's text still in its field): what was done.
    pub notice: Option<String>,
}

/// `?antwoord=CODE`: open the message form as an answer to that remark.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    antwoord: String,
}

/// A review step offered as a button of the checklist form.
pub struct StepButton {
    pub slug: &'static str,
    pub label: &'static str,
    pub secondary: bool,
}

/// A step with a form of its own (reopening, with its reason), not a button of the checklist
/// form.
pub struct OwnForm {
    pub slug: &'static str,
    pub label: &'static str,
    pub reason: String,
    pub error: String,
}

/// A frozen submission as read back.
pub struct Submitted {
    pub number: i16,
    pub snapshot: Snapshot,
    pub submitted_at: Timestamp,
    pub who: String,
}

impl Submitted {
    /// "Ingediend op 27/11/2026 14:05 door An Peeters".
    pub fn line(&self) -> String {
        format!(
            "Ingediend op {} door {}",
            format::datetime(self.submitted_at),
            self.who
        )
    }
}

/// Submission `number` of `report_id`, or the latest when `number` is none.
pub async fn submission(
    conn: &mut PgConnection,
    report_id: i64,
    number: Option<i16>,
) -> Result<Option<Submitted>> {
    let row = sqlx::query!(
        r#"select s.number, s.snapshot as "snapshot: sqlx::types::Json<Snapshot>",
                  s.submitted_at as "submitted_at: Timestamp", u.full_name as "who?"
           from report_submissions s left join users u on u.user_id = s.submitted_by
           where s.report_id = $1 and ($2::smallint is null or s.number = $2)
           order by s.number desc limit 1"#,
        report_id,
        number
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| Submitted {
        number: r.number,
        snapshot: r.snapshot.0,
        submitted_at: r.submitted_at,
        who: r.who.unwrap_or_else(|| "-".into()),
    }))
}

#[derive(Template)]
#[template(path = "reports/show.html")]
struct ReportPage {
    layout: Layout,
    area: Area,
    year: i32,
    path: String,
    /// `concept`.. or `niet_begonnen`.
    status_code: &'static str,
    status_label: &'static str,
    due_on: String,
    late: bool,
    figures: FiguresView,
    /// "Ingediend op ... door ..." when the figures are a submission's.
    submitted_line: String,
    narrative: Narrative,
    narrative_errors: FieldErrors,
    can_edit: bool,
    /// What the user typed when the report could no longer be edited.
    unsaved: Option<Narrative>,
    version: i32,
    /// Steps with a form of their own (reopening).
    steps: Vec<OwnForm>,
    /// Steps that are buttons of the checklist form, with the reason typed there and why a
    /// step was refused.
    review_steps: Vec<StepButton>,
    review_reason: String,
    review_error: String,
    review_notice: String,
    /// The own regisseur may submit (from the narrative form).
    can_submit: bool,
    /// A sent-back report: the department's remarks, shown first.
    sent_back: Option<SentBack>,
    /// The werkingsgebied's side answers the remarks in the thread.
    answers_remarks: bool,
    history: Vec<HistoryLine>,
    submissions: Vec<SubmissionLine>,
    /// The last two submissions' numbers, to compare them.
    compare: Option<(i16, i16)>,
    checklist: Vec<ChecklistLine>,
    checklist_editable: bool,
    checklist_error: String,
    reviewer: String,
    messages: Vec<MessageLine>,
    can_message: bool,
    message_body: String,
    message_answer_by: String,
    message_errors: FieldErrors,
    /// The remark the message form answers: its code, section and text.
    answering: Option<Remark>,
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((partnership_id, year)): Path<(i64, i32)>,
    Query(query): Query<ShowQuery>,
) -> Result<Response> {
    let typed = Typed {
        about: Some(query.antwoord).filter(|a| !a.is_empty()),
        ..Typed::default()
    };
    render(
        &state,
        &signed_in,
        partnership_id,
        year,
        typed,
        StatusCode::OK,
    )
    .await
}

/// The werkingsgebied and the user's access to its reports, or 404 (unknown werkingsgebied, a
/// year outside its period) or 403. Shared by the report's read pages.
pub async fn open(
    state: &AppState,
    signed_in: &SignedIn,
    partnership_id: i64,
    year: i32,
) -> Result<(Area, Access)> {
    let area = db::area(&state.db, partnership_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let access = access::of(&state.db, &signed_in.user, partnership_id, year).await?;
    access::require(state, signed_in, access.read).await?;
    if !area.covers(year) {
        return Err(AppError::NotFound);
    }
    Ok((area, access))
}

/// The review steps `signed_in` may take on a report in `status` (`None`: nobody saved it
/// yet): those of the checklist form as buttons, reopening as a form of its own. Submitting is
/// the narrative form's.
fn steps(
    signed_in: &SignedIn,
    access: Access,
    status: Option<ReportStatus>,
    typed: Option<&(Step, String, String)>,
) -> (Vec<StepButton>, Vec<OwnForm>) {
    let Some(status) = status.filter(|_| access.review) else {
        return (Vec::new(), Vec::new());
    };
    let (buttons, forms): (Vec<Step>, Vec<Step>) = Step::ALL
        .into_iter()
        .filter(|step| step.from(status).is_some() && step.taken_by(signed_in.user.role))
        .filter(|step| *step != Step::Submit)
        .partition(|step| *step != Step::Reopen);
    let buttons = buttons
        .into_iter()
        .map(|step| StepButton {
            slug: step.slug(),
            label: step.label(),
            secondary: step == Step::SendBack,
        })
        .collect();
    let forms = forms
        .into_iter()
        .map(|step| {
            let (reason, error) = typed
                .filter(|(s, _, _)| *s == step)
                .map(|(_, r, e)| (r.clone(), e.clone()))
                .unwrap_or_default();
            OwnForm {
                slug: step.slug(),
                label: step.label(),
                reason,
                error,
            }
        })
        .collect();
    (buttons, forms)
}

/// The report page of werkingsgebied `partnership_id` for `year`, with `typed` values filled in,
/// answered with `status` (422 for a refused form, 409 for a stale one).
pub async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    partnership_id: i64,
    year: i32,
    typed: Typed,
    status: StatusCode,
) -> Result<Response> {
    let (area, access) = open(state, signed_in, partnership_id, year).await?;
    let mut conn = state.db.acquire().await?;
    let report: Option<Report> = db::find(&mut *conn, partnership_id, year).await?;
    let report_status = report.as_ref().map(|r| r.status);
    let today = today();
    let due = review::due_on(&mut *conn, year).await?;

    // While the regisseur holds the report the figures follow the data; once handed in, the
    // reviewers read what was submitted.
    let submitted = match &report {
        Some(r) if !r.status.editable() => submission(&mut conn, r.report_id, None).await?,
        _ => None,
    };
    let (data, stored_narrative, submitted_line) = match submitted {
        Some(s) => {
            let line = s.line();
            (s.snapshot.data, s.snapshot.narrative, line)
        }
        None => (
            assemble::assemble(&mut conn, partnership_id, year).await?,
            report.as_ref().map(Narrative::from).unwrap_or_default(),
            String::new(),
        ),
    };
    let can_edit = access.write && report_status.is_none_or(ReportStatus::editable);
    // Text typed into a report that can no longer be edited is not shown as the report's: it
    // is offered apart so the writer can copy it.
    let (narrative, narrative_errors, unsaved) = match typed.narrative {
        Some((typed, errors)) if can_edit => (typed, errors, None),
        Some((typed, errors)) => (stored_narrative, errors, Some(typed)),
        None => (stored_narrative, FieldErrors::new(), None),
    };

    let report_id = report.as_ref().map(|r| r.report_id);
    let (history, submissions, messages) = match report_id {
        Some(id) => (
            review::history(&mut *conn, id).await?,
            review::submissions(&mut *conn, id).await?,
            review::messages(&mut *conn, id, today).await?,
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let (typed_checklist, checklist_error) = match typed.checklist {
        Some((items, error)) => (Some(items), error),
        None => (None, String::new()),
    };
    let checklist = review::checklist(&mut *conn, report_id, typed_checklist.as_deref()).await?;
    let reviewer = review::reviewer(&mut *conn, partnership_id)
        .await?
        .unwrap_or_else(|| "nog geen beoordelaar".into());
    let (message_body, message_answer_by, message_errors) = typed
        .message
        .unwrap_or_else(|| (String::new(), String::new(), FieldErrors::new()));
    let sent_back = match (&report, report_status) {
        (Some(r), Some(ReportStatus::Teruggestuurd)) => {
            review::sent_back(&mut conn, r.report_id).await?
        }
        _ => None,
    };
    let answering = typed
        .about
        .as_deref()
        .filter(|_| access.message && access.write)
        .and_then(|code| review::remark_about(sent_back.as_ref(), code));

    // A row at version 0 was opened by a message before anyone wrote the report: nothing to
    // submit yet.
    let written_status = report.as_ref().filter(|r| r.version > 0).map(|r| r.status);
    let (review_steps, steps) = steps(signed_in, access, written_status, typed.step.as_ref());
    let (review_reason, review_error) = typed
        .step
        .filter(|(step, _, _)| *step != Step::Reopen)
        .map(|(_, reason, error)| (reason, error))
        .unwrap_or_default();
    let page = ReportPage {
        layout: signed_in
            .layout(format!("Jaarrapport {year} · {}", area.name))
            .await?,
        path: db::path(partnership_id, year),
        status_code: report_status.map_or("niet_begonnen", ReportStatus::code),
        status_label: report_status.map_or("Niet begonnen", ReportStatus::label),
        due_on: due.map_or_else(|| "nog niet vastgelegd".into(), format::date),
        late: review::is_late(due, report_status, today),
        figures: FiguresView::new(&data),
        submitted_line,
        narrative,
        narrative_errors,
        can_edit,
        unsaved,
        version: report.as_ref().map_or(0, |r| r.version),
        steps,
        review_steps,
        review_reason,
        review_error,
        review_notice: typed.notice.unwrap_or_default(),
        can_submit: can_edit && Step::Submit.taken_by(signed_in.user.role),
        sent_back,
        answers_remarks: access.message && access.write,
        history,
        compare: submissions
            .last()
            .filter(|s| s.number > 1)
            .map(|s| (s.number - 1, s.number)),
        submissions,
        checklist,
        checklist_editable: access.review && report_status.is_some_and(ReportStatus::under_review),
        checklist_error,
        reviewer,
        messages,
        can_message: access.message,
        message_body,
        message_answer_by,
        message_errors,
        answering,
        area,
        year,
    };
    render_with_status(status, &page)
}
