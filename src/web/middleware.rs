//! The middleware stack every request passes, outermost first:
//! panic catcher, request id, tracing, security headers, compression, Dutch pages for bare
//! errors, deadline (timeout), body limit, request context, cross-origin check, session, CSRF token check.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore};
use tracing::Level;

use crate::config::Config;
use crate::error::{INTERNAL, UNAVAILABLE, error_page, forbidden_page};
use crate::identity::SESSION_IDLE_TIMEOUT;
use crate::state::AppState;
use crate::web::{RequestContext, csrf};

/// The session cookie's name over plain HTTP (on a developer's machine).
pub const SESSION_COOKIE: &str = "regie_sessie";
/// The session cookie's name over HTTPS: the `__Host-` prefix makes browsers refuse it unless it
/// is `Secure`, set by this host itself and valid for the whole site, so a sibling domain
/// cannot plant one.
pub const SECURE_SESSION_COOKIE: &str = "__Host-regie_sessie";
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// Forms are small; anything bigger is refused before a handler sees it.
const BODY_LIMIT: usize = 1024 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// An upload (a multipart POST) may take longer: 10 MB over a slow office line takes minutes.
/// Its CSRF token, the first part, still has to arrive within [`REQUEST_TIMEOUT`].
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// No inline script or style anywhere, so the policy can forbid both; no data: URIs either
/// (the stylesheets use none, and the two-step QR code is inline SVG).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The stack around `router`; `store` keeps the sessions (the sign-in's, `auth::PgSessions`,
/// which `lib` passes in: the web layer names no feature).
pub fn stack(router: Router, state: &AppState, store: impl SessionStore + Clone) -> Router {
    let https = state.config.is_https();
    let sessions = SessionManagerLayer::new(store)
        .with_name(if https {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        })
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(https)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE_TIMEOUT));

    let cross_origin = CsrfLayer::new().with_rejection_response(|_| {
        forbidden_page("Deze aanvraag komt niet van deze website en werd geweigerd.")
    });

    router.layer(
        ServiceBuilder::new()
            .layer(CatchPanicLayer::custom(|_| {
                error_page(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL)
            }))
            // Cookies never reach the logs.
            .layer(SetSensitiveHeadersLayer::new([
                header::COOKIE,
                header::SET_COOKIE,
                header::AUTHORIZATION,
            ]))
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http().make_span_with(|request: &Request| {
                    let id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", id, method = %request.method(), path = loggable_path(request.uri().path()))
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            // A route may set a stricter policy of its own (a PDF download is sandboxed).
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ))
            .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
            .layer(security_header(
                header::REFERRER_POLICY,
                "strict-origin-when-cross-origin",
            ))
            .layer(security_header(
                HeaderName::from_static("cross-origin-opener-policy"),
                "same-origin",
            ))
            .layer(security_header(
                HeaderName::from_static("permissions-policy"),
                "camera=(), microphone=(), geolocation=()",
            ))
            // Pages may hold personal data: not stored by browsers or proxies unless a route
            // (static files, public open data) says otherwise.
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
            // PDFs and workbooks are compressed already: gzipping them again costs CPU for
            // nothing.
            .layer(
                CompressionLayer::new().compress_when(
                    DefaultPredicate::new()
                        .and(NotForContentType::const_new("application/pdf"))
                        .and(NotForContentType::const_new(
                            "application/vnd.openxmlformats",
                        )),
                ),
            )
            // Above the sessions: sees the bare errors tower-sessions answers with.
            .layer(middleware::map_response(bare_errors))
            .layer(middleware::from_fn(deadline))
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .layer(middleware::from_fn_with_state(
                state.config.clone(),
                request_context,
            ))
            .layer(cross_origin)
            .layer(sessions)
            .layer(middleware::from_fn_with_state(state.clone(), csrf::verify)),
    )
}

/// The path as logs may show it: never the query string (search words, tokens) and never the
/// secret part of a set-password link.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/wachtwoord-instellen/") {
        "/wachtwoord-instellen/<token>"
    } else {
        path
    }
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// tower-sessions answers with a bare, empty 500 when it cannot save a session (its store,
/// PostgreSQL, is unreachable). Our own error responses always carry a page, so a bare one is
/// that: show the Dutch "temporarily unavailable" page instead.
async fn bare_errors(response: Response) -> Response {
    let status = response.status();
    if (status == StatusCode::INTERNAL_SERVER_ERROR || status == StatusCode::SERVICE_UNAVAILABLE)
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        return error_page(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE);
    }
    response
}

/// Ends a request that takes longer than [`REQUEST_TIMEOUT`] ([`UPLOAD_TIMEOUT`] for an
/// upload) with the Dutch "temporarily unavailable" page.
async fn deadline(request: Request, next: Next) -> Response {
    let upload = request.method() == axum::http::Method::POST
        && csrf::multipart::is_multipart(request.headers());
    let limit = if upload {
        UPLOAD_TIMEOUT
    } else {
        REQUEST_TIMEOUT
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error_page(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE),
    }
}

/// Records the request id and the client's address for audit entries and throttling.
async fn request_context(
    State(config): State<Arc<Config>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let context = RequestContext {
        request_id: request
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        client_ip: peer.map(|peer| client_ip(&config, peer, request.headers())),
    };
    request.extensions_mut().insert(context);
    next.run(request).await
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy; then the last
/// address in `X-Forwarded-For` that is not a trusted proxy itself. Addresses further left were
/// written by the client and prove nothing.
fn client_ip(config: &Config, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !config.is_trusted_proxy(peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !config.is_trusted_proxy(ip) {
            break;
        }
    }
    client
}
