//! TODO(skeleton): the report page. Other handlers re-render it with what the user typed
//! through [`render`] when their POST fails, so nothing typed is lost.

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;

use super::assemble::Narrative;
use super::model::Step;
use crate::auth::SignedIn;
use crate::error::Result;
use crate::state::AppState;
use crate::web::forms::FieldErrors;

pub fn router() -> Router<AppState> {
    Router::new()
}

/// What a failed POST hands back to the report page: the values typed and why they were
/// refused. Each form on the page shows its own part; the rest of the page is as stored.
#[derive(Default)]
pub struct Typed {
    /// The narrative form (`context`, `worked`, `not_worked`, `plans`).
    pub narrative: Option<(Narrative, FieldErrors)>,
    /// A workflow step's form: the step, the reason typed, and the message why it was refused.
    pub step: Option<(Step, String, String)>,
    /// The checklist form: per item code its state code and remark, and the refusal.
    pub checklist: Option<(Vec<(String, String, String)>, String)>,
    /// The message form: body, answer-by date as typed, errors (`body`, `answer_by`).
    pub message: Option<(String, String, FieldErrors)>,
}

/// The report page of werkingsgebied `partnership_id` for `year`, with `typed` values filled in,
/// answered with `status` (422 for a refused form, 409 for a stale one).
pub async fn render(
    _state: &AppState,
    _signed_in: &SignedIn,
    _partnership_id: i64,
    _year: i32,
    _typed: Typed,
    _status: StatusCode,
) -> Result<Response> {
    // TODO(skeleton)
    Err(crate::error::AppError::NotFound)
}
