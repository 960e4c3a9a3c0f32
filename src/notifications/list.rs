//! The signed-in user's notifications, newest first, and marking them read.
//!
//! Routes (every signed-in role, each their own): `GET /meldingen`,
//! `POST /meldingen/{id}/gelezen` (one; with `openen` it then follows the notification's link),
//! `POST /meldingen/gelezen` (all).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::Kind;
use crate::auth::SignedIn;
use crate::database::Timestamp;
use crate::error::{AppError, Result};
use crate::identity::safe_next;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Query};
use crate::web::flash::{self, FlashKind};
use crate::web::layout::Layout;
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meldingen", get(index))
        .route("/meldingen/gelezen", post(read_all))
        .route("/meldingen/{id}/gelezen", post(read_one))
}

const PAGE_SIZE: i64 = 50;
const LIST_PATH: &str = "/meldingen";

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    /// Keyset pagination: notifications older than this id.
    voor: Option<i64>,
}

/// One notification as the list shows it.
struct NotificationLine {
    id: i64,
    kind: &'static str,
    title: String,
    body: String,
    has_link: bool,
    unread: bool,
    is_demo: bool,
    when: String,
}

#[derive(Template)]
#[template(path = "notifications/index.html")]
struct NotificationsPage {
    layout: Layout,
    lines: Vec<NotificationLine>,
    unread: i64,
    older_link: Option<String>,
    newest_link: bool,
}

async fn index(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let rows = sqlx::query!(
        r#"select notification_id, kind as "kind: Kind", title, body, link, is_demo,
                  created_at as "created_at: Timestamp", read_at is null as "unread!"
           from notifications
           where user_id = $1 and ($2::bigint is null or notification_id < $2)
           order by notification_id desc
           limit $3"#,
        signed_in.user.user_id,
        query.voor,
        PAGE_SIZE + 1
    )
    .fetch_all(&state.db)
    .await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let lines: Vec<NotificationLine> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|r| NotificationLine {
            id: r.notification_id,
            kind: r.kind.label(),
            title: r.title,
            body: r.body,
            has_link: safe_next(&r.link).is_some(),
            unread: r.unread,
            is_demo: r.is_demo,
            when: format::datetime(r.created_at),
        })
        .collect();
    let older_link = has_more
        .then(|| lines.last().map(|l| format!("{LIST_PATH}?voor={}", l.id)))
        .flatten();
    render(&NotificationsPage {
        layout: signed_in.layout("Meldingen").await?,
        unread: signed_in.user.unread_notifications,
        lines,
        older_link,
        newest_link: query.voor.is_some(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReadForm {
    /// Set by the "Openen" button: follow the notification's link after marking it read.
    openen: String,
}

async fn read_one(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ReadForm>,
) -> Result<Response> {
    // Someone else's notification is answered like one that does not exist: 404.
    let link = sqlx::query_scalar!(
        r#"update notifications set read_at = coalesce(read_at, now())
           where notification_id = $1 and user_id = $2
           returning link"#,
        id,
        signed_in.user.user_id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    // The link is stored as a local path; checked all the same, so that a stored value can
    // never send the browser to another site.
    let to = match safe_next(&link) {
        Some(local) if !form.openen.is_empty() => local,
        _ => LIST_PATH,
    };
    Ok(Redirect::to(to).into_response())
}

async fn read_all(State(state): State<AppState>, signed_in: SignedIn) -> Result<Response> {
    sqlx::query!(
        "update notifications set read_at = now() where user_id = $1 and read_at is null",
        signed_in.user.user_id
    )
    .execute(&state.db)
    .await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Alle meldingen zijn als gelezen gemarkeerd.",
        LIST_PATH,
    )
    .await
}
