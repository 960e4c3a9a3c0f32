//! Two-step sign-in: after the password, a six-digit code from an authenticator app (TOTP,
//! RFC 6238) or one of ten single-use recovery codes. Required for admins and ministry staff
//! (after one sign-in of grace, see `auth::create`), optional for regisseurs.
//!
//! Routes: `GET/POST /aanmelden/code` (the second step), `GET/POST /tweestapsverificatie`
//! (setting it up: QR code drawn on the server, secret as text, ten recovery codes shown once),
//! `POST /admin/gebruikers/{id}/tweestapsverificatie-wissen` (an admin clears it, audited).
//!
//! Code guesses are throttled like passwords (per user and address). A code works once: the
//! step of the last accepted code is kept, and only later steps pass. Recovery codes are
//! stored as SHA-256 of user id and code, and shown only in the response that made them,
//! never kept in the session store.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use super::throttle::{self, Verdict};
use super::{
    AdminOnly, SESSION_KEY, SessionUser, SignedIn, SignedInEnrolling, SignedInUser,
    TWO_STEP_GRACE_KEY,
};
use super::{password, totp};
use crate::audit::{self, Action};
use crate::error::{AppError, Result};
use crate::identity::{Role, safe_next};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;
use crate::web::{RequestContext, csrf, render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/aanmelden/code", get(code_form).post(check_code))
        .route("/tweestapsverificatie", get(setup).post(confirm_setup))
        .route(
            "/admin/gebruikers/{id}/tweestapsverificatie-wissen",
            post(clear),
        )
}

/// Where a sign-in waits between the password and the code.
const PENDING_KEY: &str = "two_step_pending";
/// The code must follow the password within this many seconds.
const PENDING_SECONDS: i64 = 10 * 60;
const RECOVERY_CODES: usize = 10;
/// Wrong codes for one user, from all addresses together, within the throttling window before
/// the second step locks (per address the sign-in limits apply as well).
const CODE_LIMIT: i64 = 10;
/// The name authenticator apps show above the codes.
const ISSUER: &str = "regie";

#[derive(Serialize, Deserialize)]
struct Pending {
    user_id: i64,
    session_version: i32,
    started_at: i64,
    next: String,
}

/// The password was right and the user has two-step sign-in: remember that (in a fresh
/// session) and ask for the code.
pub(super) async fn ask_for_code(
    session: &Session,
    user_id: i64,
    session_version: i32,
    next: String,
) -> Result<Response> {
    // Nothing of the session before (a user signed in earlier in this browser) is kept.
    session.cycle_id().await?;
    session.clear().await;
    session
        .insert(
            PENDING_KEY,
            Pending {
                user_id,
                session_version,
                started_at: chrono::Utc::now().timestamp(),
                next,
            },
        )
        .await?;
    Ok(Redirect::to("/aanmelden/code").into_response())
}

#[derive(Template)]
#[template(path = "auth/code.html")]
struct CodePage {
    layout: Layout,
    error: Option<String>,
}

async fn code_page(
    session: &Session,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response> {
    let layout = Layout::new("Verificatiecode", "/aanmelden/code", None, session).await?;
    render_with_status(status, &CodePage { layout, error })
}

async fn pending(session: &Session) -> Result<Option<Pending>> {
    let pending: Option<Pending> = session.get(PENDING_KEY).await?;
    Ok(pending.filter(|p| chrono::Utc::now().timestamp() - p.started_at <= PENDING_SECONDS))
}

async fn code_form(session: Session) -> Result<Response> {
    if pending(&session).await?.is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    code_page(&session, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    code: String,
}

async fn check_code(
    State(state): State<AppState>,
    session: Session,
    ctx: RequestContext,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    let Some(waiting) = pending(&session).await? else {
        session.remove::<Pending>(PENDING_KEY).await?;
        return flash::redirect(
            &session,
            FlashKind::Error,
            "Uw aanmelding is verlopen. Meld u opnieuw aan.",
            "/login",
        )
        .await;
    };
    let key = format!("tweestap:{}", waiting.user_id);
    let attempt = match throttle::begin(&state.db, &key, ctx.client_ip, Some(CODE_LIMIT)).await? {
        Verdict::Allowed(attempt) => attempt,
        Verdict::Throttled { minutes } => {
            audit::Entry::new(Action::SignInThrottled)
                .object("user", waiting.user_id)
                .details(serde_json::json!({ "second_step": true }))
                .record(&state.db, &ctx)
                .await?;
            let message = throttle::wait_message("Te veel verkeerde codes.", minutes);
            return code_page(&session, StatusCode::TOO_MANY_REQUESTS, Some(message)).await;
        }
    };

    let user = sqlx::query!(
        r#"select role as "role: Role", active, session_version, must_change_password,
                  totp_secret, totp_last_step
           from users where user_id = $1"#,
        waiting.user_id
    )
    .fetch_optional(&state.db)
    .await?
    .filter(|u| u.active && u.session_version == waiting.session_version);
    let Some(user) = user else {
        // Deactivated or reset since the password was given.
        session.remove::<Pending>(PENDING_KEY).await?;
        return Ok(Redirect::to("/login").into_response());
    };
    let Some(secret) = user.totp_secret else {
        session.remove::<Pending>(PENDING_KEY).await?;
        return Ok(Redirect::to("/login").into_response());
    };

    let mut tx = state.db.begin().await?;
    let now_step = totp::step_of(chrono::Utc::now().timestamp().unsigned_abs());
    let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
    let second_step = match totp::verify(&secret, &form.code, now_step, last) {
        // The update holds the line against the same code sent twice at once.
        Some(step) => sqlx::query_scalar!(
            r#"update users set totp_last_step = $2
               where user_id = $1 and (totp_last_step is null or totp_last_step < $2)
               returning user_id"#,
            waiting.user_id,
            i64::try_from(step).unwrap_or(i64::MAX)
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|_| SecondStep::Code),
        None => sqlx::query_scalar!(
            r#"update mfa_recovery_codes set used_at = now()
               where user_id = $1 and code_sha256 = $2 and used_at is null
               returning mfa_recovery_code_id"#,
            waiting.user_id,
            recovery_digest(waiting.user_id, &form.code)
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|_| SecondStep::RecoveryCode),
    };
    let Some(second_step) = second_step else {
        audit::Entry::new(Action::MfaFailed)
            .actor_id(waiting.user_id, user.role)
            .record(&mut *tx, &ctx)
            .await?;
        tx.commit().await?;
        return code_page(
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Deze code klopt niet (of werd al gebruikt). Probeer de volgende code.".into()),
        )
        .await;
    };
    if second_step == SecondStep::RecoveryCode {
        audit::Entry::new(Action::MfaRecoveryCodeUsed)
            .actor_id(waiting.user_id, user.role)
            .record(&mut *tx, &ctx)
            .await?;
    }
    throttle::succeeded(&mut *tx, attempt).await?;
    let signed_in = SignedInUser {
        user_id: waiting.user_id,
        role: user.role,
        session_version: user.session_version,
        must_change_password: user.must_change_password,
    };
    signed_in
        .record(&mut tx, &ctx, Some(second_step.audit_label()))
        .await?;
    tx.commit().await?;
    session.remove::<Pending>(PENDING_KEY).await?;
    signed_in.open_session(&session, false).await?;
    let next = safe_next(&waiting.next).unwrap_or("/");
    Ok(Redirect::to(&signed_in.landing(next)).into_response())
}

/// What proved the second step.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SecondStep {
    Code,
    RecoveryCode,
}

impl SecondStep {
    /// As the audit trail records it.
    fn audit_label(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::RecoveryCode => "herstelcode",
        }
    }
}

/// A recovery code as stored: typed with or without dashes and spaces, in any case.
fn recovery_digest(user_id: i64, typed: &str) -> String {
    let plain: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    data_encoding::HEXLOWER.encode(&Sha256::digest(format!("{user_id}:{plain}").as_bytes()))
}

/// Ten codes of ten characters (about 50 bits each), lower case without look-alikes.
fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| password::random_code(b"abcdefghjkmnpqrstuvwxyz23456789", 2))
        .collect()
}

#[derive(Template)]
#[template(path = "auth/two_step.html")]
struct SetupPage {
    layout: Layout,
    /// Set up already: since when, and how many recovery codes are left.
    enrolled: Option<(String, i64)>,
    /// The QR code as one SVG path, and its size in modules.
    qr_path: String,
    qr_size: usize,
    secret: String,
    required: bool,
    errors: FieldErrors,
}

async fn setup_page(
    state: &AppState,
    signed_in: &SignedIn,
    errors: FieldErrors,
) -> Result<SetupPage> {
    let user = &signed_in.user;
    let layout = signed_in.layout("Tweestapsverificatie").await?;
    let required = user.role.requires_two_step();
    if user.two_step {
        let row = sqlx::query!(
            r#"select u.totp_enrolled_at as "enrolled_at: crate::database::Timestamp",
                      (select count(*) from mfa_recovery_codes c
                        where c.user_id = u.user_id and c.used_at is null) as "left!"
               from users u where u.user_id = $1"#,
            user.user_id
        )
        .fetch_one(&state.db)
        .await?;
        let since = row
            .enrolled_at
            .map(crate::web::format::datetime)
            .unwrap_or_default();
        return Ok(SetupPage {
            layout,
            enrolled: Some((since, row.left)),
            qr_path: String::new(),
            qr_size: 0,
            secret: String::new(),
            required,
            errors,
        });
    }
    let secret = pending_secret(&state.db, user.user_id).await?;
    let (qr_path, qr_size) = totp::qr_path(&totp::uri(&secret, &user.email, ISSUER))
        .ok_or_else(|| anyhow::anyhow!("QR code for a TOTP address"))?;
    Ok(SetupPage {
        layout,
        enrolled: None,
        qr_path,
        qr_size,
        secret: totp::display(&secret),
        required,
        errors,
    })
}

/// The user's secret waiting for its first code: one per user until it is confirmed, so a
/// reload shows the same QR code. Written on the first view only; later views read it.
async fn pending_secret(db: &sqlx::PgPool, user_id: i64) -> Result<Vec<u8>> {
    let made = sqlx::query_scalar!(
        r#"update users set totp_pending_secret = $2
           where user_id = $1 and totp_pending_secret is null
           returning totp_pending_secret as "secret!""#,
        user_id,
        totp::new_secret()
    )
    .fetch_optional(db)
    .await?;
    if let Some(secret) = made {
        return Ok(secret);
    }
    // There is one already: made on an earlier view, or by a view at this very moment (this
    // statement starts after that one committed, so it sees it).
    let secret = sqlx::query_scalar!(
        "select totp_pending_secret from users where user_id = $1",
        user_id
    )
    .fetch_one(db)
    .await?;
    secret.ok_or_else(|| anyhow::anyhow!("no pending TOTP secret after setting one").into())
}

async fn setup(
    State(state): State<AppState>,
    SignedInEnrolling(signed_in): SignedInEnrolling,
) -> Result<Response> {
    render(&setup_page(&state, &signed_in, FieldErrors::new()).await?)
}

#[derive(Template)]
#[template(path = "auth/recovery_codes.html")]
struct RecoveryCodesPage {
    layout: Layout,
    codes: Vec<String>,
}

async fn confirm_setup(
    State(state): State<AppState>,
    SignedInEnrolling(signed_in): SignedInEnrolling,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    let user = &signed_in.user;
    if user.two_step {
        return Ok(Redirect::to("/tweestapsverificatie").into_response());
    }
    let pending = sqlx::query_scalar!(
        "select totp_pending_secret from users where user_id = $1",
        user.user_id
    )
    .fetch_one(&state.db)
    .await?;
    let now_step = totp::step_of(chrono::Utc::now().timestamp().unsigned_abs());
    let step = pending
        .as_deref()
        .and_then(|secret| totp::verify(secret, &form.code, now_step, None));
    let (Some(secret), Some(step)) = (pending, step) else {
        let mut errors = FieldErrors::new();
        errors.add(
            "code",
            "Deze code klopt niet. Typ de zes cijfers die de app nu toont.",
        );
        let page = setup_page(&state, &signed_in, errors).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };

    let codes = new_recovery_codes();
    let mut tx = state.db.begin().await?;
    // A new session version ends the user's other sessions: one opened with a stolen password
    // before two-step sign-in was turned on must not outlive it. This one is carried over below.
    let session_version = sqlx::query_scalar!(
        r#"update users
           set totp_secret = $2, totp_pending_secret = null, totp_enrolled_at = now(),
               totp_last_step = $3, session_version = session_version + 1, updated_at = now()
           where user_id = $1 and totp_secret is null
           returning session_version"#,
        user.user_id,
        secret,
        i64::try_from(step).unwrap_or(i64::MAX)
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(session_version) = session_version else {
        // A second tab confirmed first.
        return Ok(Redirect::to("/tweestapsverificatie").into_response());
    };
    sqlx::query!(
        "delete from mfa_recovery_codes where user_id = $1",
        user.user_id
    )
    .execute(&mut *tx)
    .await?;
    let digests: Vec<String> = codes
        .iter()
        .map(|c| recovery_digest(user.user_id, c))
        .collect();
    sqlx::query!(
        r#"insert into mfa_recovery_codes (user_id, code_sha256)
           select $1, unnest($2::text[])"#,
        user.user_id,
        &digests
    )
    .execute(&mut *tx)
    .await?;
    audit::Entry::new(Action::MfaEnrolled)
        .actor(user)
        .object("user", user.user_id)
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    tx.commit().await?;
    let session = &signed_in.session;
    session.remove::<bool>(TWO_STEP_GRACE_KEY).await?;
    if let Some(mut remembered) = session.get::<SessionUser>(SESSION_KEY).await? {
        remembered.session_version = session_version;
        session.insert(SESSION_KEY, remembered).await?;
    }
    session.cycle_id().await?;
    csrf::renew(session).await?;
    // Shown in this response only: the codes never reach the session store.
    render(&RecoveryCodesPage {
        layout: signed_in.layout("Herstelcodes").await?,
        codes,
    })
}

async fn clear(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(user_id): Path<i64>,
) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    // A new session version ends the user's sessions: they sign in again and set it up anew.
    let cleared = sqlx::query_scalar!(
        r#"update users
           set totp_secret = null, totp_pending_secret = null, totp_enrolled_at = null,
               totp_last_step = null, session_version = session_version + 1, updated_at = now()
           where user_id = $1
           returning user_id"#,
        user_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    sqlx::query!("delete from mfa_recovery_codes where user_id = $1", cleared)
        .execute(&mut *tx)
        .await?;
    audit::Entry::new(Action::MfaReset)
        .actor(&admin.user)
        .object("user", user_id)
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        "Tweestapsverificatie gewist; de gebruiker stelt ze opnieuw in bij de volgende aanmelding.",
        &format!("/admin/gebruikers/{user_id}"),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_different_and_typed_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(
            codes.iter().collect::<std::collections::HashSet<_>>().len(),
            10
        );
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-')
        );
        let code = &codes[0];
        assert_eq!(
            recovery_digest(7, code),
            recovery_digest(7, &code.to_uppercase().replace('-', " "))
        );
        assert_ne!(recovery_digest(7, code), recovery_digest(8, code));
    }
}
