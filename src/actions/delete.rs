//! Deleting an action (its regisseur, after a confirmation page that says what will happen) and
//! restoring a deleted one (admins). A deleted action is kept, hidden from lists and counts.
//!
//! Routes: `GET /acties/{id}/verwijderen` (the confirmation), `POST /acties/{id}/verwijderen`,
//! `POST /acties/{id}/herstellen` (admins).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};

use super::db::{self, Action};
use super::history;
use super::model::Change;
use super::writable;
use crate::auth::{AdminOnly, SignedIn};
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::flash::{self, FlashKind};
use crate::web::layout::Layout;
use crate::web::render;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/acties/{id}/verwijderen", get(confirm).post(delete))
        .route("/acties/{id}/herstellen", post(restore))
}

/// "Are you sure?" before an action is deleted: which action of which werkingsgebied.
#[derive(Template)]
#[template(path = "actions/delete.html")]
struct DeleteActionPage {
    layout: Layout,
    a: Action,
}

async fn confirm(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let a = writable(&state, &signed_in, id).await?;
    render(&DeleteActionPage {
        layout: signed_in
            .layout(format!("Actie {} verwijderen?", a.input.title))
            .await?,
        a,
    })
}

async fn delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    // The confirmation page is no safeguard: the same check again, on the action as it is now.
    let a = writable(&state, &signed_in, id).await?;
    let mut tx = state.db.begin().await?;
    sqlx::query!(
        "update actions set deleted_at = now(), deleted_by = $2, version = version + 1 where action_id = $1 and deleted_at is null",
        id,
        signed_in.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    history::record_change(
        &mut tx,
        id,
        signed_in.user.user_id,
        Change::Deleted,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Actie verwijderd. Een beheerder kan ze herstellen.",
        &format!("/werkingsgebieden/{}/acties", a.partnership_id),
    )
    .await
}

async fn restore(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    let restored = sqlx::query!(
        "update actions set deleted_at = null, deleted_by = null, version = version + 1 where action_id = $1 and deleted_at is not null",
        id
    )
    .execute(&mut *tx)
    .await?;
    if restored.rows_affected() == 0 {
        db::find(&mut *tx, id).await?;
    } else {
        history::record_change(
            &mut tx,
            id,
            admin.user.user_id,
            Change::Restored,
            serde_json::json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        "Actie hersteld.",
        &format!("/acties/{id}"),
    )
    .await
}
