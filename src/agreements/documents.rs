//! (being written)

use axum::Router;

use super::access::Access;
use super::db::Agreement;
use crate::error::Result;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}

/// What the agreement page shows of this part (`templates/agreements/_documents.html`).
#[derive(Default)]
pub struct Section {}

pub async fn section(
    _state: &AppState,
    _agreement: &Agreement,
    _access: Access,
) -> Result<Section> {
    Ok(Section::default())
}
