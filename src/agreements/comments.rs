//! Comments on an agreement: ministry staff ask, the regisseur answers. They appear in the
//! agreement's timeline and are never changed afterwards (append-only by privilege).
//!
//! Route: `POST /samenwerkingsovereenkomsten/{id}/opmerkingen`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;

use super::access;
use super::db::Agreement;
use super::show::readable;
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;
use crate::web::render_with_status;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/samenwerkingsovereenkomsten/{id}/opmerkingen",
        post(add_comment),
    )
}

const MAX_COMMENT: usize = 5000;

#[derive(Deserialize, Default)]
#[serde(default)]
struct CommentForm {
    body: String,
    idempotency_key: String,
}

#[derive(Template)]
#[template(path = "agreements/comment.html")]
struct CommentPage {
    layout: Layout,
    a: Agreement,
    form: CommentForm,
    errors: FieldErrors,
}

async fn add_comment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CommentForm>,
) -> Result<Response> {
    let (agreement, access) = readable(&state, &signed_in, id).await?;
    access::require(&state, &signed_in, access.comment).await?;
    let body = form.body.trim();
    let mut errors = FieldErrors::new();
    if body.is_empty() {
        errors.add("body", "Schrijf eerst uw opmerking.");
    } else if body.chars().count() > MAX_COMMENT {
        errors.add(
            "body",
            format!("Een opmerking mag hoogstens {MAX_COMMENT} tekens lang zijn."),
        );
    }
    if !errors.is_empty() {
        let page = CommentPage {
            layout: signed_in
                .layout(format!("Opmerking bij {}", agreement.title))
                .await?,
            a: agreement,
            form,
            errors,
        };
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }

    let key = uuid::Uuid::parse_str(form.idempotency_key.trim()).ok();
    let mut tx = state.db.begin().await?;
    // A double-submitted comment (same key) is stored and audited once.
    let inserted = sqlx::query_scalar!(
        r#"insert into agreement_comments (agreement_id, body, idempotency_key, created_by)
           values ($1, $2, $3, $4)
           on conflict (created_by, idempotency_key) do nothing
           returning agreement_comment_id"#,
        id,
        body,
        key,
        signed_in.user.user_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(comment_id) = inserted {
        audit::Entry::new(Action::AgreementCommented)
            .actor(&signed_in.user)
            .object("agreement", id)
            .details(serde_json::json!({ "comment_id": comment_id }))
            .record(&mut *tx, &signed_in.ctx)
            .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/samenwerkingsovereenkomsten/{id}#status")).into_response())
}
