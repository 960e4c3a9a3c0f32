//! One-time links to set a password, for regisseurs whose appointment was approved. Only a
//! SHA-256 of the token is stored; a link works once and for [`VALID_DAYS`] days.
//!
//! Routes (public, the token is the credential): `GET/POST /wachtwoord-instellen/{token}`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use rand::Rng;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor};
use tower_sessions::Session;

use super::password;
use crate::audit::{self, Action};
use crate::error::{ErrorText, Result, error_page};
use crate::identity::Role;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;
use crate::web::{RequestContext, render, render_with_status};

pub const VALID_DAYS: i32 = 7;

pub fn router() -> Router<AppState> {
    Router::new().route("/wachtwoord-instellen/{token}", get(edit).post(update))
}

fn digest(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// Makes every unused link of `user_id` worthless: when a new link is issued, and when the
/// account is deactivated or its password reset (a link handed out before must not outlive
/// the decision).
pub async fn void_unused(db: impl PgExecutor<'_>, user_id: i64) -> Result<()> {
    sqlx::query!(
        "update password_tokens set used_at = now() where user_id = $1 and used_at is null",
        user_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Creates a link for `user_id` (earlier unused links of that user stop working) and returns
/// its path. Pass the transaction of the change that needs it.
pub async fn issue(conn: &mut PgConnection, user_id: i64) -> Result<String> {
    let token = data_encoding::HEXLOWER.encode(&rand::rng().random::<[u8; 32]>());
    void_unused(&mut *conn, user_id).await?;
    sqlx::query!(
        r#"insert into password_tokens (user_id, token_sha256, expires_at)
           values ($1, $2, now() + make_interval(days => $3))"#,
        user_id,
        digest(&token),
        VALID_DAYS
    )
    .execute(&mut *conn)
    .await?;
    Ok(format!("/wachtwoord-instellen/{token}"))
}

struct LinkUser {
    password_token_id: i64,
    user_id: i64,
    email: String,
    full_name: String,
    role: Role,
}

async fn valid_link(conn: &mut PgConnection, token: &str, lock: bool) -> Result<Option<LinkUser>> {
    // The lock makes two submissions of the same link use it once.
    let row = if lock {
        sqlx::query_as!(
            LinkUser,
            r#"select t.password_token_id, u.user_id, u.email, u.full_name, u.role as "role: Role"
               from password_tokens t join users u using (user_id)
               where t.token_sha256 = $1 and t.used_at is null and t.expires_at > now() and u.active
               for update of t"#,
            digest(token)
        )
        .fetch_optional(&mut *conn)
        .await?
    } else {
        sqlx::query_as!(
            LinkUser,
            r#"select t.password_token_id, u.user_id, u.email, u.full_name, u.role as "role: Role"
               from password_tokens t join users u using (user_id)
               where t.token_sha256 = $1 and t.used_at is null and t.expires_at > now() and u.active"#,
            digest(token)
        )
        .fetch_optional(&mut *conn)
        .await?
    };
    Ok(row)
}

fn invalid() -> Response {
    error_page(
        StatusCode::GONE,
        ErrorText {
            heading: "Link ongeldig of verlopen",
            message: "Deze link werd al gebruikt of is verlopen. Vraag een beheerder om een nieuwe link.",
        },
    )
}

#[derive(Template)]
#[template(path = "auth/set_password.html")]
struct SetPasswordPage {
    layout: Layout,
    action: String,
    full_name: String,
    errors: FieldErrors,
}

async fn edit(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response> {
    let mut conn = state.db.acquire().await?;
    let Some(user) = valid_link(&mut conn, &token, false).await? else {
        return Ok(invalid());
    };
    render(&SetPasswordPage {
        layout: Layout::new(
            "Wachtwoord instellen",
            "/wachtwoord-instellen",
            None,
            &session,
        )
        .await?,
        action: format!("/wachtwoord-instellen/{token}"),
        full_name: user.full_name,
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SetPasswordForm {
    new_password: String,
    confirmation: String,
}

async fn update(
    State(state): State<AppState>,
    session: Session,
    ctx: RequestContext,
    Path(token): Path<String>,
    Form(form): Form<SetPasswordForm>,
) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    let Some(user) = valid_link(&mut tx, &token, true).await? else {
        return Ok(invalid());
    };
    let mut errors = FieldErrors::new();
    if let Err(message) = password::check_policy(&form.new_password, &user.email, &user.full_name) {
        errors.add("new_password", message);
    }
    if form.new_password != form.confirmation {
        errors.add("confirmation", "De twee wachtwoorden zijn niet gelijk.");
    }
    if !errors.is_empty() {
        drop(tx);
        return render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetPasswordPage {
                layout: Layout::new(
                    "Wachtwoord instellen",
                    "/wachtwoord-instellen",
                    None,
                    &session,
                )
                .await?,
                action: format!("/wachtwoord-instellen/{token}"),
                full_name: user.full_name,
                errors,
            },
        );
    }
    let hash = state.hasher.hash(form.new_password).await?;
    sqlx::query!(
        r#"update users
           set password_hash = $2, must_change_password = false,
               session_version = session_version + 1, updated_at = now()
           where user_id = $1"#,
        user.user_id,
        hash
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update password_tokens set used_at = now() where password_token_id = $1",
        user.password_token_id
    )
    .execute(&mut *tx)
    .await?;
    audit::Entry::new(Action::PasswordSetByLink)
        .actor_id(user.user_id, user.role)
        .object("user", user.user_id)
        .record(&mut *tx, &ctx)
        .await?;
    tx.commit().await?;
    flash::redirect(
        &session,
        FlashKind::Success,
        "Uw wachtwoord is ingesteld. U kunt zich nu aanmelden.",
        "/login",
    )
    .await
}
