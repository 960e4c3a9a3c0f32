//! Shared web plumbing: the page layout, rendering, forms, flash messages, CSRF, middleware and
//! static files. Features build on these; none of them owns a route of its own except `/static`.

pub mod csrf;
pub mod extract;
pub mod flash;
pub mod format;
pub mod forms;
pub mod idempotency;
pub mod layout;
pub mod middleware;
pub mod money;
pub mod spreadsheet;
pub mod static_files;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::Result;

/// HTML that an askama template rendered, so escaped already, kept to be placed into another
/// page unchanged: a part that is the same for many requests and is cached (the coverage page's
/// body). It can be made from a template only, never from a string, so no unescaped text gets in
/// that way; askama places it without escaping it twice (`HtmlSafe`).
#[derive(Clone, Debug)]
pub struct Rendered(std::sync::Arc<str>);

impl Rendered {
    pub fn of(part: &impl Template) -> Result<Self> {
        Ok(Self(part.render()?.into()))
    }
}

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Rendered {}

/// Renders a page with status 200.
pub fn render(page: &impl Template) -> Result<Response> {
    render_with_status(StatusCode::OK, page)
}

/// Renders a page with another status, such as 422 for a form with errors.
///
/// A page answered 422 (input refused) or 409 (changed meanwhile) is a form that was not saved:
/// its title starts with "Fout:", so a screen reader announces the failure first (GOV.UK's
/// pattern); the error summary on it takes the focus itself (`autofocus`, no script needed).
pub fn render_with_status(status: StatusCode, page: &impl Template) -> Result<Response> {
    let mut html = page.render()?;
    if matches!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT
    ) {
        html = html.replacen("<title>", "<title>Fout: ", 1);
    }
    Ok((status, Html(html)).into_response())
}

/// Per-request facts that audit entries and throttling need, set by [`middleware::request_context`].
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    pub request_id: Option<String>,
    /// The TCP peer's address. Behind a reverse proxy this is the proxy.
    pub client_ip: Option<std::net::IpAddr>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Self>().cloned().unwrap_or_default())
    }
}
