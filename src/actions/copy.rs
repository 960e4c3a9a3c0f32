//! "Overnemen": a regisseur copies another area's action into their own werkingsgebied as a new
//! planned action that links back to its source. Municipalities, results and counts stay
//! behind: they belong to the other area.
//!
//! Route: `POST /acties/{id}/overnemen` (regisseurs, into one of their own werkingsgebieden).

use anyhow::anyhow;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;

use super::db::{self, Inserted};
use super::form::ActionInput;
use super::model::Status;
use super::readable;
use crate::auth::{SignedIn, deny};
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};

pub fn router() -> Router<AppState> {
    Router::new().route("/acties/{id}/overnemen", post(copy))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CopyForm {
    partnership_id: String,
}

async fn copy(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CopyForm>,
) -> Result<Response> {
    let source = readable(&state, &signed_in, id).await?;
    let own = db::own_partnerships(&state.db, &signed_in.user).await?;
    let target = form
        .partnership_id
        .trim()
        .parse::<i64>()
        .ok()
        .or(own.first().map(|o| o.partnership_id))
        .filter(|t| own.iter().any(|p| p.partnership_id == *t));
    let Some(target) = target else {
        return Err(deny(&state, &signed_in).await);
    };
    let input = ActionInput {
        municipalities: Vec::new(),
        participants: Vec::new(),
        results: String::new(),
        cost_cents: None,
        status: Status::Gepland,
        ..source.input.clone()
    };
    let mut conn = state.db.acquire().await?;
    let Inserted::New(new_id) = db::insert(
        &mut conn,
        target,
        &input,
        signed_in.user.user_id,
        None,
        Some(id),
    )
    .await?
    else {
        return Err(anyhow!("copy without key reported a duplicate").into());
    };
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Actie overgenomen als geplande actie in uw werkingsgebied. Pas ze nu aan.",
        &format!("/acties/{new_id}/bewerken"),
    )
    .await
}
