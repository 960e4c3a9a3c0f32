//! CSRF protection, in two layers.
//!
//! 1. tower-http's `CsrfLayer` rejects cross-origin POSTs by their `Origin` / `Sec-Fetch-Site`
//!    headers (see `middleware::stack`).
//! 2. This module: a token that every form carries in a hidden `csrf_token` field (htmx sends
//!    it as the `X-CSRF-Token` header). Every POST without the right token is rejected with 403
//!    before any handler runs, so no handler can forget the check.
//!
//! Where the token lives: in the session once there is one worth keeping (from sign-in on).
//! Before that, for an anonymous visitor (the sign-in page, the about page), it lives in a signed
//! cookie (`regie_csrf`: the token, when it was issued, and an HMAC-SHA256 of both under a key
//! kept in the database), so a flood of cookie-less page views writes no session rows. The
//! cookie is set only on a page that shows the token (never on static files or the open-data
//! API, which caches may share), and is good for [`ANONYMOUS_MAX_AGE`]. An anonymous POST must
//! carry the token of such a cookie: a cookie made up by someone else fails its signature.
//!
//! File uploads (`multipart/form-data`) are not read whole: a form without JavaScript cannot
//! send the header, so its first part must be the `csrf_token` field. Only that part is read
//! (at most 4 KiB, see [`multipart`]); the handler then gets a body that replays those bytes
//! followed by the rest of the stream, so a large upload is never buffered here.

pub(crate) mod multipart;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tokio::sync::OnceCell;
use tower_sessions::Session;

use crate::error::{ErrorText, Result, error_page, forbidden_page};
use crate::state::AppState;

const KEY: &str = "csrf_token";
/// The form field and header that carry the token.
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
/// The cookie that carries an anonymous visitor's token (see the module comment).
pub const COOKIE: &str = "regie_csrf";
/// Its name over HTTPS: `Secure`, and only this host can set it.
pub const SECURE_COOKIE: &str = "__Host-regie_csrf";
/// Largest form body we read to find the token; larger bodies are refused anyway.
const MAX_FORM_BYTES: usize = 1024 * 1024;
/// How long the first part of an upload (the token) may take to arrive.
const FIRST_PART_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// How long an anonymous visitor's signed cookie is good for, in seconds.
pub const ANONYMOUS_MAX_AGE: i64 = 24 * 60 * 60;

/// An anonymous visitor's token for this request, and whether a page showed it.
#[derive(Clone)]
struct AnonymousToken {
    token: String,
    shown: Arc<AtomicBool>,
}

tokio::task_local! {
    static ANONYMOUS_TOKEN: AnonymousToken;
}

/// The request's token: the session's, or an anonymous visitor's (from the cookie).
pub async fn token(session: &Session) -> Result<String> {
    if let Some(token) = session.get::<String>(KEY).await? {
        return Ok(token);
    }
    ANONYMOUS_TOKEN
        .try_with(|anonymous| {
            anonymous.shown.store(true, Ordering::Relaxed);
            anonymous.token.clone()
        })
        .map_err(|_| anyhow::anyhow!("a CSRF token asked for outside the middleware").into())
}

/// Replaces the token, e.g. at sign-in, so a token seen before sign-in is worthless after it.
pub async fn renew(session: &Session) -> Result<()> {
    session.insert(KEY, new_token()).await?;
    Ok(())
}

fn new_token() -> String {
    data_encoding::HEXLOWER.encode(&rand::rng().random::<[u8; 32]>())
}

/// The key that signs anonymous tokens: one per database (table `app_secrets`), so every
/// instance accepts the cookies of the others. Read once per process.
#[derive(Clone, Default)]
pub struct CookieKey(Arc<OnceCell<Vec<u8>>>);

impl CookieKey {
    async fn get(&self, db: &sqlx::PgPool) -> Result<&[u8]> {
        let key = self
            .0
            .get_or_try_init(|| async {
                sqlx::query_scalar!("select value from app_secrets where name = 'csrf_cookie'")
                    .fetch_one(db)
                    .await
            })
            .await?;
        Ok(key)
    }
}

fn signature(key: &[u8], token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(token.as_bytes());
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
}

/// A signed cookie value `token.issued.signature` for a new token.
fn signed(key: &[u8], token: &str, now: i64) -> String {
    let body = format!("{token}.{now}");
    format!("{body}.{}", signature(key, &body))
}

/// The token of a signed cookie value, if the signature holds and it is recent enough.
fn verified(key: &[u8], value: &str, now: i64) -> Option<String> {
    let (body, sent) = value.rsplit_once('.')?;
    let expected = signature(key, body);
    if !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        return None;
    }
    let (token, issued) = body.split_once('.')?;
    let age = now - issued.parse::<i64>().ok()?;
    (0..=ANONYMOUS_MAX_AGE)
        .contains(&age)
        .then(|| token.to_string())
}

/// The value of cookie `name` in the request.
fn cookie<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

/// Middleware: gives every request its token and checks it on every state-changing request.
pub async fn verify(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    match protect(&state, &session, request, next).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn protect(
    state: &AppState,
    session: &Session,
    request: Request,
    next: Next,
) -> Result<Response> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // A safe request does not load the session here: a static file or an open-data answer
    // needs none, and a page that shows a token loads it anyway (`token` looks there first).
    let in_session = if safe {
        None
    } else {
        session.get::<String>(KEY).await?
    };
    let https = state.config.is_https();
    let cookie_name = if https { SECURE_COOKIE } else { COOKIE };
    // Anonymous: the token of a valid signed cookie, or a new one to set if a page shows it.
    let (anonymous, new_cookie) = match &in_session {
        Some(_) => (None, None),
        None => {
            let key = state.csrf_key.get(&state.db).await?;
            let now = chrono::Utc::now().timestamp();
            match cookie(&request, cookie_name).and_then(|v| verified(key, v, now)) {
                Some(token) => (Some(token), None),
                None => {
                    let token = new_token();
                    let value = signed(key, &token, now);
                    (Some(token), Some(value))
                }
            }
        }
    };

    let request = if safe {
        request
    } else {
        // A freshly made token was never sent to the visitor: it cannot match.
        let expected = match (&in_session, &new_cookie) {
            (Some(token), _) => token.clone(),
            (None, None) => anonymous.clone().unwrap_or_default(),
            (None, Some(_)) => return Ok(rejected()),
        };
        match checked(request, &expected).await {
            Ok(request) => request,
            Err(response) => return Ok(response),
        }
    };

    let shown = Arc::new(AtomicBool::new(false));
    let mut response = match anonymous {
        Some(token) => {
            let anonymous = AnonymousToken {
                token,
                shown: Arc::clone(&shown),
            };
            ANONYMOUS_TOKEN.scope(anonymous, next.run(request)).await
        }
        None => next.run(request).await,
    };
    if let Some(value) = new_cookie.filter(|_| shown.load(Ordering::Relaxed)) {
        let secure = if https { "; Secure" } else { "" };
        let cookie = format!(
            "{cookie_name}={value}; Path=/; Max-Age={ANONYMOUS_MAX_AGE}; HttpOnly; SameSite=Lax{secure}"
        );
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    Ok(response)
}

/// The request back (its body read and restored) when it carries `expected`, else the 403.
async fn checked(request: Request, expected: &str) -> std::result::Result<Request, Response> {
    let header_token = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if multipart::is_multipart(request.headers()) {
        return match (header_token, multipart::boundary(request.headers())) {
            (Some(sent), _) if matches(&sent, expected) => Ok(request),
            (None, Some(boundary)) => checked_multipart(request, &boundary, expected).await,
            _ => Err(rejected()),
        };
    }

    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Err(error_page(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                ErrorText {
                    heading: "Te groot",
                    message: "Wat u verstuurde is te groot.",
                },
            ));
        }
    };
    let sent = header_token.or_else(|| {
        form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned())
    });
    match sent {
        Some(sent) if matches(&sent, expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(rejected()),
    }
}

fn matches(sent: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

/// A multipart body passes when its first part is the right token (see [`multipart`]).
async fn checked_multipart(
    request: Request,
    boundary: &str,
    expected: &str,
) -> std::result::Result<Request, Response> {
    let (parts, body) = request.into_parts();
    // An upload may take minutes (see `middleware::deadline`), but its first few bytes may not:
    // whoever sends them slowly is held no longer than a page request.
    let first = tokio::time::timeout(
        FIRST_PART_TIMEOUT,
        multipart::first_field(body, boundary, FIELD),
    )
    .await;
    match first {
        Ok(Some((sent, body))) if matches(&sent, expected) => Ok(Request::from_parts(parts, body)),
        _ => Err(rejected()),
    }
}

fn rejected() -> Response {
    forbidden_page(
        "Dit formulier is verlopen of komt niet van deze website. Laad de pagina opnieuw en probeer het nog eens.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_cookie_holds_for_a_day_and_only_with_its_own_signature() {
        let key = b"sleutel van de test";
        let value = signed(key, "abc123", 1_000_000);
        assert_eq!(verified(key, &value, 1_000_000), Some("abc123".into()));
        assert_eq!(
            verified(key, &value, 1_000_000 + ANONYMOUS_MAX_AGE),
            Some("abc123".into())
        );
        assert_eq!(
            verified(key, &value, 1_000_001 + ANONYMOUS_MAX_AGE),
            None,
            "too old"
        );
        assert_eq!(verified(key, &value, 999_999), None, "issued in the future");
        assert_eq!(verified(b"een andere sleutel", &value, 1_000_000), None);
        let forged = value.replace("abc123", "abc124");
        assert_eq!(verified(key, &forged, 1_000_000), None);
        assert_eq!(verified(key, "abc123", 1_000_000), None);
    }
}
