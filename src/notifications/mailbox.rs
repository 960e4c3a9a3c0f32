//! The outbox as admins read it: every e-mail regie wrote, with its status, attempts and last
//! error. Without `REGIE_SMTP_URL` nothing is sent and this page is the mailbox.
//!
//! Routes (admins): `GET /admin/uitgaande-post`, `GET /admin/uitgaande-post/{id}`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::auth::AdminOnly;
use crate::database::Timestamp;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::layout::Layout;
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/uitgaande-post", get(index))
        .route("/admin/uitgaande-post/{id}", get(show))
}

const PAGE_SIZE: i64 = 50;

fn status_label(code: &str) -> &'static str {
    match code {
        "wachtend" => "Wachtend",
        "verzonden" => "Verzonden",
        "mislukt" => "Mislukt",
        _ => "Onbekend",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MailboxQuery {
    /// Keyset pagination: mail older than this id.
    voor: Option<i64>,
}

/// One e-mail as a line of the mailbox (also the head of one message).
struct MailLine {
    id: i64,
    recipient: String,
    subject: String,
    status: &'static str,
    attempts: i16,
    last_error: String,
    created: String,
    sent: String,
    is_demo: bool,
}

/// An outbox row as stored, without its text.
struct MailRow {
    mail_id: i64,
    recipient: String,
    subject: String,
    status: String,
    attempts: i16,
    last_error: Option<String>,
    created_at: Timestamp,
    sent_at: Option<Timestamp>,
    is_demo: bool,
}

impl MailRow {
    fn line(self) -> MailLine {
        MailLine {
            id: self.mail_id,
            recipient: self.recipient,
            subject: self.subject,
            status: status_label(&self.status),
            attempts: self.attempts,
            last_error: self.last_error.unwrap_or_default(),
            created: format::datetime(self.created_at),
            sent: self.sent_at.map(format::datetime).unwrap_or_default(),
            is_demo: self.is_demo,
        }
    }
}

#[derive(Template)]
#[template(path = "notifications/mailbox.html")]
struct MailboxPage {
    layout: Layout,
    smtp_configured: bool,
    lines: Vec<MailLine>,
    older_link: Option<String>,
    newest_link: bool,
}

async fn index(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Query(query): Query<MailboxQuery>,
) -> Result<Response> {
    let rows = sqlx::query_as!(
        MailRow,
        r#"select mail_id, recipient, subject, status::text as "status!", attempts, last_error,
                  created_at as "created_at: Timestamp", sent_at as "sent_at: Timestamp", is_demo
           from outbox
           where ($1::bigint is null or mail_id < $1)
           order by mail_id desc
           limit $2"#,
        query.voor,
        PAGE_SIZE + 1
    )
    .fetch_all(&state.db)
    .await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let lines: Vec<MailLine> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(MailRow::line)
        .collect();
    let older_link = has_more
        .then(|| {
            lines
                .last()
                .map(|l| format!("/admin/uitgaande-post?voor={}", l.id))
        })
        .flatten();
    render(&MailboxPage {
        layout: admin.layout("Uitgaande post").await?,
        smtp_configured: state.config.smtp_url.is_some(),
        lines,
        older_link,
        newest_link: query.voor.is_some(),
    })
}

#[derive(Template)]
#[template(path = "notifications/mail.html")]
struct MailPage {
    layout: Layout,
    mail: MailLine,
    /// Plain text; the template escapes it.
    body: String,
}

async fn show(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mail = sqlx::query_as!(
        MailRow,
        r#"select mail_id, recipient, subject, status::text as "status!", attempts, last_error,
                  created_at as "created_at: Timestamp", sent_at as "sent_at: Timestamp", is_demo
           from outbox where mail_id = $1"#,
        id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let body = sqlx::query_scalar!("select body from outbox where mail_id = $1", id)
        .fetch_one(&state.db)
        .await?;
    render(&MailPage {
        layout: admin.layout(format!("Bericht {id}")).await?,
        mail: mail.line(),
        body,
    })
}
