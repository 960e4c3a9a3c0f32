//! Linking a commitment to the actions of the action log that carry it out: actions of the
//! agreement's own werkingsgebied only, not deleted (enforced in the INSERT itself).
//!
//! Routes (writers of the agreement only): `POST /engagementen/{id}/acties` (field
//! `action_id`), `POST /engagementen/{id}/acties/{action_id}/ontkoppelen`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;

use super::commitments::{action_choices, back_to, load};
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::{Choice, FieldErrors};
use crate::web::layout::Layout;
use crate::web::render_with_status;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/engagementen/{id}/acties", post(link_action))
        .route(
            "/engagementen/{id}/acties/{action_id}/ontkoppelen",
            post(unlink_action),
        )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LinkForm {
    action_id: String,
}

/// The link form again, saying why the action was not linked (422).
#[derive(Template)]
#[template(path = "agreements/commitment_link.html")]
struct LinkPage {
    layout: Layout,
    commitment_id: i64,
    agreement_id: i64,
    description: String,
    actions: Vec<Choice>,
    errors: FieldErrors,
}

async fn link_action(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<LinkForm>,
) -> Result<Response> {
    let (commitment, agreement) = load(&state, &signed_in, id, |a| a.write).await?;
    let action_id: Option<i64> = form.action_id.trim().parse().ok();
    let mut tx = state.db.begin().await?;
    // Only an action of the agreement's own werkingsgebied, not deleted: the INSERT selects it
    // through the agreement, so a forged id links nothing.
    let linked = match action_id {
        Some(action_id) => sqlx::query_scalar!(
            r#"insert into commitment_actions (commitment_id, action_id, linked_by)
               select c.commitment_id, a.action_id, $3
               from commitments c
               join agreements g on g.agreement_id = c.agreement_id
               join actions a on a.partnership_id = g.partnership_id and a.deleted_at is null
               where c.commitment_id = $1 and a.action_id = $2
               on conflict (commitment_id, action_id) do nothing
               returning action_id"#,
            id,
            action_id,
            signed_in.user.user_id
        )
        .fetch_optional(&mut *tx)
        .await?
        .is_some(),
        None => false,
    };
    if linked {
        audit::Entry::new(Action::CommitmentActionLinked)
            .actor(&signed_in.user)
            .object("commitment", id)
            .details(serde_json::json!({ "action_id": action_id }))
            .record(&mut *tx, &signed_in.ctx)
            .await?;
        tx.commit().await?;
        return Ok(back_to(&commitment));
    }
    // Nothing inserted: linked before (a double submit, fine) or not an action it may carry.
    let already = match action_id {
        Some(action_id) => {
            sqlx::query_scalar!(
                r#"select exists(select 1 from commitment_actions
                             where commitment_id = $1 and action_id = $2) as "exists!""#,
                id,
                action_id
            )
            .fetch_one(&mut *tx)
            .await?
        }
        None => false,
    };
    drop(tx);
    if already {
        return Ok(back_to(&commitment));
    }
    let mut errors = FieldErrors::new();
    errors.add(
        "action_id",
        if action_id.is_none() {
            "Kies een actie om te koppelen."
        } else {
            "Deze actie werd niet gekoppeld: alleen acties van het werkingsgebied van deze overeenkomst die niet verwijderd zijn, kunnen gekoppeld worden."
        },
    );
    let page = LinkPage {
        layout: signed_in.layout("Actie koppelen").await?,
        commitment_id: id,
        agreement_id: commitment.agreement_id,
        description: commitment.input.description.clone(),
        actions: action_choices(&state.db, agreement.partnership_id).await?,
        errors,
    };
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn unlink_action(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, action_id)): Path<(i64, i64)>,
) -> Result<Response> {
    let (commitment, _) = load(&state, &signed_in, id, |a| a.write).await?;
    let mut tx = state.db.begin().await?;
    let removed = sqlx::query!(
        "delete from commitment_actions where commitment_id = $1 and action_id = $2",
        id,
        action_id
    )
    .execute(&mut *tx)
    .await?;
    // Unlinking what is not linked (a double submit) changes nothing and audits nothing.
    if removed.rows_affected() > 0 {
        audit::Entry::new(Action::CommitmentActionUnlinked)
            .actor(&signed_in.user)
            .object("commitment", id)
            .details(serde_json::json!({ "action_id": action_id }))
            .record(&mut *tx, &signed_in.ctx)
            .await?;
    }
    tx.commit().await?;
    Ok(back_to(&commitment))
}
