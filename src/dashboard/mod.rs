//! TODO(skeleton): the ministry dashboard `/overzicht` with its health view and saved filters.

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
