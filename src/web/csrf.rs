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
//! (at most [`MAX_FIRST_PART_BYTES`]); the handler then gets a body that replays those bytes
//! followed by the rest of the stream, so a large upload is never buffered here.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
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
/// Most of a multipart body read to find the token in its first part (a token is 64 bytes;
/// the part's headers and the boundary add a few hundred).
const MAX_FIRST_PART_BYTES: usize = 64 * 1024;
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
    if is_multipart(request.headers()) {
        return match (header_token, boundary(request.headers())) {
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

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The `boundary` parameter of a multipart Content-Type, unquoted.
fn boundary(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    value
        .split(';')
        .skip(1)
        .filter_map(|param| param.trim().split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, b)| b.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty() && b.len() <= 70)
}

/// Reads a multipart body only until its first part is complete, checks that it is the token,
/// and hands the request on with a body that replays what was read, then streams the rest.
async fn checked_multipart(
    request: Request,
    boundary: &str,
    expected: &str,
) -> std::result::Result<Request, Response> {
    let (parts, body) = request.into_parts();
    let mut stream = body.into_data_stream();
    let mut read: Vec<u8> = Vec::new();
    let sent = loop {
        match first_part(&read, boundary) {
            FirstPart::Incomplete if read.len() < MAX_FIRST_PART_BYTES => {}
            FirstPart::Field { name, value } if name == FIELD.as_bytes() => break Some(value),
            _ => break None,
        }
        match stream.next().await {
            Some(Ok(chunk)) => read.extend_from_slice(&chunk),
            // Ended or broke off before the first part was complete.
            _ => break None,
        }
    };
    match sent.and_then(|v| std::str::from_utf8(v).ok()) {
        Some(sent) if matches(sent, expected) => {
            let replayed = futures_util::stream::iter([Ok(Bytes::from(read))]).chain(stream);
            Ok(Request::from_parts(parts, Body::from_stream(replayed)))
        }
        _ => Err(rejected()),
    }
}

/// What the start of a multipart body says about its first part.
#[derive(Debug, PartialEq, Eq)]
enum FirstPart<'a> {
    /// More bytes are needed to see the whole first part.
    Incomplete,
    /// Not a multipart body as browsers send it (they send no preamble).
    Invalid,
    /// The first part: its field name and value.
    Field { name: &'a [u8], value: &'a [u8] },
}

fn first_part<'a>(body: &'a [u8], boundary: &str) -> FirstPart<'a> {
    let opening = format!("--{boundary}\r\n");
    if body.len() < opening.len() {
        return if opening.as_bytes().starts_with(body) {
            FirstPart::Incomplete
        } else {
            FirstPart::Invalid
        };
    }
    let Some(rest) = body.strip_prefix(opening.as_bytes()) else {
        return FirstPart::Invalid;
    };
    let Some(headers_end) = find(rest, b"\r\n\r\n") else {
        return FirstPart::Incomplete;
    };
    let name = rest[..headers_end]
        .split(|b| *b == b'\n')
        .filter_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let colon = line.iter().position(|b| *b == b':')?;
            let (header_name, value) = (&line[..colon], &line[colon + 1..]);
            header_name
                .eq_ignore_ascii_case(b"content-disposition")
                .then_some(value)
        })
        .find_map(disposition_name);
    let Some(name) = name else {
        return FirstPart::Invalid;
    };
    let content = &rest[headers_end + 4..];
    let closing = format!("\r\n--{boundary}");
    match find(content, closing.as_bytes()) {
        Some(end) => FirstPart::Field {
            name,
            value: &content[..end],
        },
        None => FirstPart::Incomplete,
    }
}

/// The `name` parameter of a `Content-Disposition: form-data; name="..."` header value.
fn disposition_name(value: &[u8]) -> Option<&[u8]> {
    value.split(|b| *b == b';').skip(1).find_map(|param| {
        let param = param.trim_ascii();
        let eq = param.iter().position(|b| *b == b'=')?;
        let (key, value) = (param[..eq].trim_ascii(), param[eq + 1..].trim_ascii());
        key.eq_ignore_ascii_case(b"name").then(|| {
            value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(value)
        })
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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

    const BOUNDARY: &str = "----WebKitFormBoundaryX7a";

    /// A multipart body with these (name, value) fields, in order, as a browser sends it.
    fn multipart(fields: &[(&str, &str)]) -> Vec<u8> {
        let mut body = String::new();
        for (name, value) in fields {
            body.push_str(&format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!("--{BOUNDARY}--\r\n"));
        body.into_bytes()
    }

    #[test]
    fn the_first_part_of_a_multipart_body_is_found_once_it_is_complete() {
        let body = multipart(&[("csrf_token", "abc123"), ("kind", "ander")]);
        assert_eq!(
            first_part(&body, BOUNDARY),
            FirstPart::Field {
                name: b"csrf_token",
                value: b"abc123"
            }
        );
        // Every shorter prefix, wherever a chunk ends (inside the boundary too): not yet.
        let complete =
            find(&body, format!("\r\n--{BOUNDARY}").as_bytes()).unwrap() + BOUNDARY.len() + 4;
        for end in 0..complete {
            assert_eq!(
                first_part(&body[..end], BOUNDARY),
                FirstPart::Incomplete,
                "{end}"
            );
        }
    }

    #[test]
    fn a_multipart_body_whose_first_part_is_another_field_or_none_is_not_the_token() {
        let body = multipart(&[("kind", "ander"), ("csrf_token", "abc123")]);
        assert!(matches!(
            first_part(&body, BOUNDARY),
            FirstPart::Field { name: b"kind", .. }
        ));
        let body = multipart(&[]);
        assert_eq!(first_part(&body, BOUNDARY), FirstPart::Invalid);
        assert_eq!(
            first_part(b"preamble\r\n--x\r\n", BOUNDARY),
            FirstPart::Invalid
        );
        let nameless =
            format!("--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nabc\r\n--{BOUNDARY}--");
        assert_eq!(
            first_part(nameless.as_bytes(), BOUNDARY),
            FirstPart::Invalid
        );
        // `filename=` is not `name=`.
        assert_eq!(
            disposition_name(b" form-data; filename=\"csrf_token\"; name=\"file\""),
            Some(&b"file"[..])
        );
    }

    fn multipart_request(chunks: Vec<Vec<u8>>, header: Option<&str>) -> Request {
        let stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
        let mut builder = Request::builder().method(Method::POST).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
        if let Some(token) = header {
            builder = builder.header(HEADER, token);
        }
        builder.body(Body::from_stream(stream)).unwrap()
    }

    #[tokio::test]
    async fn a_multipart_body_with_the_token_first_passes_whole_even_split_inside_its_boundary() {
        let body = multipart(&[("csrf_token", "abc123"), ("file", "%PDF-1.7 ...")]);
        // Chunks of 7 bytes: the boundary after the token is cut in two.
        let chunks: Vec<Vec<u8>> = body.chunks(7).map(<[u8]>::to_vec).collect();
        let request = checked(multipart_request(chunks, None), "abc123")
            .await
            .expect("the token is the first part");
        let passed = to_bytes(request.into_body(), usize::MAX).await.unwrap();
        assert_eq!(&passed[..], &body[..], "the handler sees every byte, once");
    }

    #[tokio::test]
    async fn a_multipart_body_without_the_right_token_first_is_refused() {
        let refused = |fields: &[(&str, &str)]| multipart_request(vec![multipart(fields)], None);
        for request in [
            refused(&[("csrf_token", "wrong"), ("kind", "ander")]),
            refused(&[("kind", "ander"), ("csrf_token", "abc123")]),
            refused(&[("kind", "ander")]),
            refused(&[]),
        ] {
            let response = checked(request, "abc123").await.unwrap_err();
            assert_eq!(response.status(), axum::http::StatusCode::FORBIDDEN);
        }
        // A first part that never ends is not read past the bound.
        let endless =
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n")
                .into_bytes();
        let mut chunks = vec![endless];
        chunks.extend((0..100).map(|_| vec![b'a'; 8 * 1024]));
        assert!(
            checked(multipart_request(chunks, None), "abc123")
                .await
                .is_err()
        );
        // The header is enough, and then the body is not read here at all.
        let request = multipart_request(vec![multipart(&[("kind", "ander")])], Some("abc123"));
        assert!(checked(request, "abc123").await.is_ok());
    }
}
