//! Signing in and out, and changing one's own password.
//!
//! Routes: `GET/POST /login`, `POST /logout`, `GET/POST /wachtwoord`.
//! The extractors in [`extract`] decide who may reach every other route; a VDAB account
//! manager reaches only the routes that `extract::vdab_may_open` lists.

mod extract;
mod session_store;
pub use session_store::PgSessions;
pub use session_store::REFERENCE_VERSION;
pub mod password;
pub mod password_link;
pub mod throttle;
pub mod totp;
mod two_step;

pub use extract::{
    AdminOnly, MaybeSignedIn, SignedIn, SignedInEnrolling, SignedInPendingPassword, StaffOnly, deny,
};

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use crate::audit::{self, Action};
use crate::error::Result;
use crate::identity::{Role, safe_next};
use crate::state::AppState;
use crate::web::extract::{Form, Query};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;
use crate::web::{RequestContext, csrf, render, render_with_status};
use extract::{SESSION_KEY, SessionUser, TWO_STEP_GRACE_KEY};
use throttle::Verdict;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(password_link::router())
        .merge(two_step::router())
        .route("/login", get(new).post(create))
        .route("/logout", post(delete))
        .route("/wachtwoord", get(edit_password).post(update_password))
}

/// The one message for every failed sign-in: it must not tell which emails have an account.
const WRONG_CREDENTIALS: &str = "Het e-mailadres of het wachtwoord is niet juist.";

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn new(signed_in: MaybeSignedIn, Query(query): Query<NextQuery>) -> Result<Response> {
    let next = query.next.as_deref().and_then(safe_next).unwrap_or("/");
    if signed_in.user.is_some() {
        return Ok(Redirect::to(next).into_response());
    }
    render(&LoginPage {
        layout: signed_in.layout("Aanmelden").await?,
        email: String::new(),
        next: next.to_string(),
        error: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    email: String,
    password: String,
    next: String,
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    ctx: RequestContext,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let email_key = throttle::email_key(&form.email);
    let next = safe_next(&form.next).unwrap_or("/").to_string();

    let attempt = match throttle::begin(&state.db, &email_key, ctx.client_ip, None).await? {
        Verdict::Allowed(attempt) => attempt,
        Verdict::Throttled { minutes } => {
            audit::Entry::new(Action::SignInThrottled)
                .details(attempted_email(&email_key))
                .record(&state.db, &ctx)
                .await?;
            let message = throttle::wait_message("Te veel mislukte aanmeldpogingen.", minutes);
            return login_failed(
                &session,
                StatusCode::TOO_MANY_REQUESTS,
                form.email,
                next,
                message,
            )
            .await;
        }
    };

    let account = sqlx::query!(
        r#"select user_id, role as "role: Role", password_hash, active, session_version,
                  must_change_password, totp_secret is not null as "two_step!", mfa_grace_used
           from users where lower(email) = $1"#,
        email_key
    )
    .fetch_optional(&state.db)
    .await?;
    // Unknown and deactivated accounts are verified against a dummy hash: same time, same answer.
    let usable = account.as_ref().filter(|a| a.active);
    let password_ok = state
        .hasher
        .verify(form.password, usable.and_then(|a| a.password_hash.clone()))
        .await?;

    let mut tx = state.db.begin().await?;
    let user = match usable {
        Some(user) if password_ok => user,
        _ => {
            // The attempt was counted as a failure before the password was checked. Whoever
            // tried is unknown: the account they named is the object, not the actor.
            let mut entry =
                audit::Entry::new(Action::SignInFailed).details(attempted_email(&email_key));
            if let Some(a) = &account {
                entry = entry.object("user", a.user_id);
            }
            entry.record(&mut *tx, &ctx).await?;
            tx.commit().await?;
            return login_failed(
                &session,
                StatusCode::UNPROCESSABLE_ENTITY,
                form.email,
                next,
                WRONG_CREDENTIALS.into(),
            )
            .await;
        }
    };
    throttle::succeeded(&mut *tx, attempt).await?;
    if user.two_step {
        // The password was right; the code is the second step (see `two_step`).
        tx.commit().await?;
        return two_step::ask_for_code(&session, user.user_id, user.session_version, next).await;
    }
    // Admins and ministry staff without two-step sign-in get in once more, then must set it up.
    let grace = user.role.requires_two_step() && !user.mfa_grace_used;
    if grace {
        sqlx::query!(
            "update users set mfa_grace_used = true where user_id = $1",
            user.user_id
        )
        .execute(&mut *tx)
        .await?;
    }
    let signed_in = SignedInUser {
        user_id: user.user_id,
        role: user.role,
        session_version: user.session_version,
        must_change_password: user.must_change_password,
    };
    signed_in.record(&mut tx, &ctx, None).await?;
    tx.commit().await?;
    signed_in.open_session(&session, grace).await?;
    Ok(Redirect::to(&signed_in.landing(&next)).into_response())
}

/// A user whose sign-in is complete: the password, and the code when they have two-step
/// sign-in.
pub(crate) struct SignedInUser {
    pub user_id: i64,
    pub role: Role,
    pub session_version: i32,
    pub must_change_password: bool,
}

impl SignedInUser {
    /// Records the sign-in in the transaction of the caller.
    pub(crate) async fn record(
        &self,
        conn: &mut sqlx::PgConnection,
        ctx: &RequestContext,
        second_step: Option<&str>,
    ) -> Result<()> {
        sqlx::query!(
            "update users set last_sign_in_at = now() where user_id = $1",
            self.user_id
        )
        .execute(&mut *conn)
        .await?;
        let mut entry =
            audit::Entry::new(Action::SignInSucceeded).actor_id(self.user_id, self.role);
        if let Some(step) = second_step {
            entry = entry.details(serde_json::json!({ "second_step": step }));
        }
        entry.record(&mut *conn, ctx).await
    }

    /// A new session id and CSRF token at sign-in: nothing fixed before it is valid after it,
    /// and nothing kept in the session before it (another user's grace, say) carries over.
    pub(crate) async fn open_session(&self, session: &Session, grace: bool) -> Result<()> {
        session.cycle_id().await?;
        session.clear().await;
        csrf::renew(session).await?;
        let now = chrono::Utc::now().timestamp();
        session
            .insert(
                SESSION_KEY,
                SessionUser {
                    user_id: self.user_id,
                    session_version: self.session_version,
                    signed_in_at: now,
                    last_seen_at: now,
                },
            )
            .await?;
        if grace {
            session.insert(TWO_STEP_GRACE_KEY, true).await?;
        }
        Ok(())
    }

    /// Where to go now: the page asked for, after a password change when one is required.
    pub(crate) fn landing(&self, next: &str) -> String {
        if self.must_change_password {
            format!(
                "/wachtwoord?next={}",
                form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            )
        } else {
            next.to_string()
        }
    }
}

/// The typed email for the audit trail, unless it is no email address at all: people sometimes
/// type their password into the email field, and that must not be stored.
fn attempted_email(email_key: &str) -> serde_json::Value {
    if crate::identity::is_plausible_email(email_key) {
        serde_json::json!({ "email": email_key })
    } else {
        serde_json::json!({ "email": "(geen geldig e-mailadres)" })
    }
}

async fn login_failed(
    session: &Session,
    status: StatusCode,
    email: String,
    next: String,
    message: String,
) -> Result<Response> {
    render_with_status(
        status,
        &LoginPage {
            layout: Layout::new("Aanmelden", "/login", None, session).await?,
            email,
            next,
            error: Some(message),
        },
    )
}

async fn delete(
    State(state): State<AppState>,
    signed_in: SignedInPendingPassword,
) -> Result<Response> {
    let SignedInPendingPassword(signed_in) = signed_in;
    audit::Entry::new(Action::SignedOut)
        .actor(&signed_in.user)
        .record(&state.db, &signed_in.ctx)
        .await?;
    signed_in.session.flush().await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Info,
        "U bent afgemeld.",
        "/login",
    )
    .await
}

#[derive(Template)]
#[template(path = "auth/password.html")]
struct PasswordPage {
    layout: Layout,
    required: bool,
    next: String,
    errors: FieldErrors,
}

async fn edit_password(
    signed_in: SignedInPendingPassword,
    Query(query): Query<NextQuery>,
) -> Result<Response> {
    let SignedInPendingPassword(signed_in) = signed_in;
    render(&PasswordPage {
        layout: signed_in.layout("Wachtwoord wijzigen").await?,
        required: signed_in.user.must_change_password,
        next: query
            .next
            .as_deref()
            .and_then(safe_next)
            .unwrap_or("/")
            .to_string(),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirmation: String,
    next: String,
}

async fn update_password(
    State(state): State<AppState>,
    signed_in: SignedInPendingPassword,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    let SignedInPendingPassword(signed_in) = signed_in;
    let user = &signed_in.user;
    let next = safe_next(&form.next).unwrap_or("/").to_string();

    let mut errors = FieldErrors::new();
    let stored = sqlx::query_scalar!(
        "select password_hash from users where user_id = $1",
        user.user_id
    )
    .fetch_one(&state.db)
    .await?;
    if !state.hasher.verify(form.current_password, stored).await? {
        errors.add("current_password", "Uw huidige wachtwoord is niet juist.");
    }
    if let Err(message) = password::check_policy(&form.new_password, &user.email, &user.full_name) {
        errors.add("new_password", message);
    }
    if form.new_password != form.confirmation {
        errors.add(
            "confirmation",
            "De twee nieuwe wachtwoorden zijn niet gelijk.",
        );
    }
    if !errors.is_empty() {
        return render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                layout: signed_in.layout("Wachtwoord wijzigen").await?,
                required: user.must_change_password,
                next,
                errors,
            },
        );
    }

    let hash = state.hasher.hash(form.new_password).await?;
    let mut tx = state.db.begin().await?;
    // A new session version ends the user's other sessions; this one is carried over below.
    let session_version = sqlx::query_scalar!(
        r#"update users
           set password_hash = $2, must_change_password = false,
               session_version = session_version + 1, updated_at = now()
           where user_id = $1
           returning session_version"#,
        user.user_id,
        hash
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::Entry::new(Action::PasswordChanged)
        .actor(user)
        .object("user", user.user_id)
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    tx.commit().await?;

    if let Some(mut remembered) = signed_in.session.get::<SessionUser>(SESSION_KEY).await? {
        remembered.session_version = session_version;
        signed_in.session.insert(SESSION_KEY, remembered).await?;
    }
    // Like at sign-in: a session id or token someone saw before the change is worthless after it.
    signed_in.session.cycle_id().await?;
    csrf::renew(&signed_in.session).await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Uw wachtwoord is gewijzigd.",
        &next,
    )
    .await
}
