//! "Overnemen": a regisseur starts a new action in their own werkingsgebied from another
//! area's action. The new-action form opens prefilled with what travels (title, description,
//! priorities, kind, target groups, partners); dates, municipalities, counts, cost and results
//! stay behind, as they belong to the other area. Nothing is stored until the form is sent; the
//! stored action links back to its source.
//!
//! Routes: `GET /acties/{id}/overnemen` (the prefilled form), `POST /acties/{id}/overnemen`
//! (regisseurs, into one of their own werkingsgebieden).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use super::form::ActionForm;
use super::{ActionFormPage, db, readable, save_new};
use crate::auth::{SignedIn, deny};
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Path, RawForm};
use crate::web::forms::FieldErrors;
use crate::web::render;

pub fn router() -> Router<AppState> {
    Router::new().route("/acties/{id}/overnemen", get(new).post(create))
}

async fn new(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let source = readable(&state, &signed_in, id).await?;
    let own = db::own_partnerships(&state.db, &signed_in.user).await?;
    // Their current werkingsgebied: the newest one that is not the source's own, if any.
    let Some(chosen) = own
        .iter()
        .find(|p| p.partnership_id != source.partnership_id)
        .or(own.first())
        .map(|p| p.partnership_id)
    else {
        return Err(deny(&state, &signed_in).await);
    };
    let copied = ActionForm::of(&source);
    let form = ActionForm {
        partnership_id: chosen.to_string(),
        title: copied.title,
        description: copied.description,
        priorities: copied.priorities,
        kind: copied.kind,
        target_groups: copied.target_groups,
        partners: copied.partners,
        status: "gepland".into(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    let page = ActionFormPage::for_new(
        &state,
        &signed_in,
        &own,
        Some(chosen),
        Some(&source),
        form,
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response> {
    let source = readable(&state, &signed_in, id).await?;
    save_new(&state, &signed_in, &body, Some(&source)).await
}
