//! TODO(skeleton): filled in by the feature's author.

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
