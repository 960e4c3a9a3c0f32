//! CSRF protection, in two layers.
//!
//! 1. tower-http's `CsrfLayer` rejects cross-origin POSTs by their `Origin` / `Sec-Fetch-Site`
//!    headers (see `middleware::stack`).
//! 2. This module: a per-session token that every form carries in a hidden `csrf_token` field
//!    (htmx sends it as the `X-CSRF-Token` header). Every POST without the right token is
//!    rejected with 403 before any handler runs, so no handler can forget the check.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::error::{ErrorText, Result, error_page, forbidden_page};

const KEY: &str = "csrf_token";
/// The form field and header that carry the token.
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
/// Largest form body we read to find the token; larger bodies are refused anyway.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String> {
    if let Some(token) = session.get::<String>(KEY).await? {
        return Ok(token);
    }
    let token = new_token();
    session.insert(KEY, &token).await?;
    Ok(token)
}

/// Replaces the token, e.g. at sign-in, so a token seen before sign-in is worthless after it.
pub async fn renew(session: &Session) -> Result<()> {
    session.insert(KEY, new_token()).await?;
    Ok(())
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Middleware: checks the token on every state-changing request.
pub async fn verify(session: Session, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }

    let expected = match session.get::<String>(KEY).await {
        Ok(Some(token)) => token,
        Ok(None) => return rejected(),
        Err(err) => return crate::error::AppError::from(err).into_response(),
    };

    let header_token = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);

    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return error_page(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                ErrorText {
                    heading: "Te groot",
                    message: "Wat u verstuurde is te groot.",
                },
            );
        }
    };
    let sent = header_token.or_else(|| {
        form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned())
    });

    match sent {
        Some(sent) if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => rejected(),
    }
}

fn rejected() -> Response {
    forbidden_page(
        "Dit formulier is verlopen of komt niet van deze website. Laad de pagina opnieuw en probeer het nog eens.",
    )
}
