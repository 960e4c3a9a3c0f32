//! The one error type of the application and how it becomes a (Dutch) response.
//!
//! Handlers return `Result<Response>` and use `?`. What a visitor sees never contains internal
//! error text; 5xx errors are logged with their cause.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::web::layout::Layout;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Not signed in: go to the sign-in page and come back to `next` (a local path) afterwards.
    #[error("not signed in")]
    Unauthorized { next: String },
    /// Signed in with a one-time password: choose a new one first.
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("forbidden")]
    Forbidden,
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database did not answer in time or is gone: 503, the app recovers when it is back.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("template error")]
    Render(#[from] askama::Error),
    #[error("session store error")]
    Session(#[from] tower_sessions::session::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        // 57014 query_canceled: our statement_timeout fired, the database is overloaded.
        let timed_out = matches!(&err, sqlx::Error::Database(db) if db.code().as_deref() == Some("57014"));
        match err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => Self::Unavailable(err),
            _ if timed_out => Self::Unavailable(err),
            _ => Self::Database(err),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: &'static str,
}

impl AppError {
    fn status_and_text(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Pagina niet gevonden",
                "Deze pagina bestaat niet (meer). Controleer het adres of ga terug naar de startpagina.",
            ),
            Self::Unauthorized { .. } => (
                StatusCode::UNAUTHORIZED,
                "Aanmelden vereist",
                "Meld u aan om deze pagina te bekijken.",
            ),
            Self::PasswordChangeRequired => (
                StatusCode::SEE_OTHER,
                "Wachtwoord wijzigen",
                "Kies eerst een eigen wachtwoord.",
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "Geen toegang",
                "U hebt geen toegang tot deze pagina. Denkt u dat dit niet klopt, neem dan contact op met een beheerder.",
            ),
            Self::Conflict(_) => (
                StatusCode::CONFLICT,
                "Conflict",
                "Deze wijziging botst met een andere wijziging. Laad de pagina opnieuw en probeer het nog eens.",
            ),
            Self::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Tijdelijk niet beschikbaar",
                "De databank antwoordt op dit moment niet. Probeer het over enkele ogenblikken opnieuw.",
            ),
            Self::Database(_) | Self::Render(_) | Self::Session(_) | Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Er ging iets mis",
                "Er ging iets mis aan onze kant. De fout is gelogd; probeer het later opnieuw.",
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            Self::Unauthorized { next } => {
                return Redirect::to(&crate::auth::login_path_with_next(next)).into_response();
            }
            Self::PasswordChangeRequired => return Redirect::to("/wachtwoord").into_response(),
            _ => {}
        }
        let (status, heading, message) = self.status_and_text();
        if status.is_server_error() {
            // The cause chain goes to the log, never to the page.
            tracing::error!(error = ?self, "request failed");
        }
        error_page(status, heading, message)
    }
}

/// Renders the friendly error page; used by [`AppError`] and by middleware that rejects requests.
pub fn error_page(status: StatusCode, heading: &'static str, message: &'static str) -> Response {
    let page = ErrorPage {
        layout: Layout::bare(heading),
        heading,
        message,
    };
    match page.render() {
        Ok(html) => (
            status,
            [(header::CACHE_CONTROL, "no-store")],
            axum::response::Html(html),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = ?err, "rendering the error page failed");
            (status, heading).into_response()
        }
    }
}

/// The 403 page, for rejections that happen outside a handler (CSRF checks).
pub fn forbidden_page(message: &'static str) -> Response {
    error_page(StatusCode::FORBIDDEN, "Aanvraag geweigerd", message)
}
