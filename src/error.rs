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
    /// A request that does not parse (a form or query of the wrong shape). The reason is
    /// logged at debug level only; the page stays generic.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A form with a character no person types (a NUL byte): refused as a whole.
    #[error("invalid input")]
    InvalidInput,
    /// Not signed in: go to the sign-in page and come back to `next` (a local path) afterwards.
    #[error("not signed in")]
    Unauthorized { next: String },
    /// Signed in with a one-time password: choose a new one first.
    #[error("password change required")]
    PasswordChangeRequired,
    /// An admin or ministry user without two-step sign-in, past their sign-in of grace.
    #[error("two-step sign-in required")]
    TwoStepEnrolmentRequired,
    #[error("forbidden")]
    Forbidden,
    /// The database did not answer in time or is gone: 503, the app recovers when it is back.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("template error")]
    Render(#[from] askama::Error),
    /// The session store (PostgreSQL) could not be read or written: like `Unavailable`.
    #[error("session store unavailable")]
    SessionStore(#[source] tower_sessions::session::Error),
    #[error("session error")]
    Session(#[source] tower_sessions::session::Error),
    /// Anything else that should not happen; the cause is logged with its chain.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        crate::database::note_failure(&err);
        let unavailable = match &err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| is_unavailable_code(&code)),
            _ => false,
        };
        if unavailable {
            Self::Unavailable(err)
        } else {
            Self::Database(err)
        }
    }
}

/// SQLSTATEs that mean "the database cannot serve now", not "this request is wrong":
/// connection exceptions (08xxx), shutdown and start-up (57P01-57P03), too many connections
/// (53300), a database closed to connections (55000), our statement_timeout (57014), and a
/// transaction PostgreSQL broke off to end a deadlock or a serialisation conflict (40P01,
/// 40001): nothing was saved and the same request again will do. Also a database that cannot
/// write now: a full disk (53100), out of memory or other resources (53000, 53200), an I/O
/// error (58030), or a database that only reads (25006: set read-only, or a standby after a
/// failover) - the operator's problem, not a bug, and passing.
fn is_unavailable_code(code: &str) -> bool {
    code.starts_with("08")
        || matches!(
            code,
            "57P01"
                | "57P02"
                | "57P03"
                | "53300"
                | "55000"
                | "57014"
                | "40P01"
                | "40001"
                | "53000"
                | "53100"
                | "53200"
                | "58030"
                | "25006"
        )
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        match err {
            tower_sessions::session::Error::Store(_) => Self::SessionStore(err),
            _ => Self::Session(err),
        }
    }
}

/// The heading and explanation of an error page.
#[derive(Clone, Copy, Debug)]
pub struct ErrorText {
    pub heading: &'static str,
    pub message: &'static str,
}

/// Something failed on our side (500). Also the panic catcher's page.
pub const INTERNAL: ErrorText = ErrorText {
    heading: "Er ging iets mis",
    message: "Er ging iets mis aan onze kant. De fout is gelogd; probeer het later opnieuw.",
};

/// The database (or the session store in it) cannot serve now (503). Also the page for the
/// bare errors of the timeout and session layers.
pub const UNAVAILABLE: ErrorText = ErrorText {
    heading: "Tijdelijk niet beschikbaar",
    message: "De databank antwoordt op dit moment niet. Probeer het over enkele ogenblikken opnieuw.",
};

const NOT_FOUND: ErrorText = ErrorText {
    heading: "Pagina niet gevonden",
    message: "Deze pagina bestaat niet (meer). Controleer het adres of ga terug naar de startpagina.",
};

const BAD_REQUEST: ErrorText = ErrorText {
    heading: "Ongeldige aanvraag",
    message: "Deze aanvraag kon niet gelezen worden. Ga terug, controleer wat u invulde en probeer het opnieuw.",
};

const INVALID_INPUT: ErrorText = ErrorText {
    heading: "Ongeldige invoer",
    message: "Wat u verstuurde bevat een ongeldig teken (een nul-byte). Ga terug, haal het weg (bijvoorbeeld door de tekst opnieuw te typen in plaats van te plakken) en verstuur opnieuw.",
};

const UNAUTHORIZED: ErrorText = ErrorText {
    heading: "Aanmelden vereist",
    message: "Meld u aan om deze pagina te bekijken.",
};

const FORBIDDEN: ErrorText = ErrorText {
    heading: "Geen toegang",
    message: "U hebt geen toegang tot deze pagina. Denkt u dat dit niet klopt, neem dan contact op met een beheerder.",
};

/// Lets a write show a database constraint's verdict (a name taken, an overlap) to the user
/// instead of failing with a 500. The constraint is the source of truth; there is no SELECT
/// before the INSERT that a concurrent request could slip past.
pub trait ResultExt<T> {
    /// `Ok(Err(outcome))` when the statement broke one of the `known` constraints, with the
    /// outcome listed beside its name (a form error, a refusal to explain); any other failure
    /// stays an [`AppError`].
    fn on_constraint<E: Copy>(self, known: &[(&str, E)]) -> Result<Result<T, E>>;
}

impl<T> ResultExt<T> for std::result::Result<T, sqlx::Error> {
    fn on_constraint<E: Copy>(self, known: &[(&str, E)]) -> Result<Result<T, E>> {
        let err = match self {
            Ok(value) => return Ok(Ok(value)),
            Err(err) => err,
        };
        let violated = match &err {
            sqlx::Error::Database(db) => db.constraint(),
            _ => None,
        };
        match known.iter().find(|(name, _)| Some(*name) == violated) {
            Some((_, outcome)) => Ok(Err(*outcome)),
            None => Err(err.into()),
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
    /// The named constraint a database error broke, if it is one: for a check the handler
    /// made before, which only a change in between can still break.
    pub fn constraint(&self) -> Option<&str> {
        match self {
            Self::Database(sqlx::Error::Database(db)) => db.constraint(),
            _ => None,
        }
    }

    fn status_and_text(&self) -> (StatusCode, ErrorText) {
        match self {
            Self::NotFound => (StatusCode::NOT_FOUND, NOT_FOUND),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, BAD_REQUEST),
            Self::InvalidInput => (StatusCode::UNPROCESSABLE_ENTITY, INVALID_INPUT),
            // All three answer with a redirect before a page is rendered (see `into_response`).
            Self::Unauthorized { .. }
            | Self::PasswordChangeRequired
            | Self::TwoStepEnrolmentRequired => (StatusCode::UNAUTHORIZED, UNAUTHORIZED),
            Self::Forbidden => (StatusCode::FORBIDDEN, FORBIDDEN),
            Self::Unavailable(_) | Self::SessionStore(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE)
            }
            Self::Database(_) | Self::Render(_) | Self::Session(_) | Self::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, INTERNAL)
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            Self::Unauthorized { next } => {
                return Redirect::to(&crate::identity::login_path_with_next(next)).into_response();
            }
            Self::PasswordChangeRequired => return Redirect::to("/wachtwoord").into_response(),
            Self::TwoStepEnrolmentRequired => {
                return Redirect::to("/tweestapsverificatie").into_response();
            }
            _ => {}
        }
        let (status, text) = self.status_and_text();
        if status.is_server_error() {
            // The cause chain goes to the log, never to the page.
            tracing::error!(error = ?self, "request failed");
        } else if let Self::BadRequest(reason) = &self {
            tracing::debug!(reason, "bad request");
        }
        error_page(status, text)
    }
}

/// Renders the friendly error page; used by [`AppError`] and by middleware that rejects requests.
pub fn error_page(status: StatusCode, text: ErrorText) -> Response {
    let page = ErrorPage {
        layout: Layout::bare(text.heading),
        heading: text.heading,
        message: text.message,
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
            (status, text.heading).into_response()
        }
    }
}

/// The 403 page, for rejections that happen outside a handler (CSRF checks).
pub fn forbidden_page(message: &'static str) -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        ErrorText {
            heading: "Aanvraag geweigerd",
            message,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn page(err: AppError) -> (StatusCode, String) {
        let response = err.into_response();
        let status = response.status();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn internal_errors_show_a_friendly_page_without_their_cause() {
        let (status, body) = page(AppError::Internal(anyhow::anyhow!(
            "secret detail: key=abc"
        )))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("Er ging iets mis"));
        assert!(!body.contains("secret detail"));

        let (status, body) = page(AppError::Database(sqlx::Error::RowNotFound)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.contains("RowNotFound") && !body.contains("no rows"));
    }

    #[tokio::test]
    async fn an_unreachable_database_is_a_503_not_a_500() {
        let (status, body) = page(AppError::from(sqlx::Error::PoolTimedOut)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("Tijdelijk niet beschikbaar"));
        assert!(is_unavailable_code("08006"));
        assert!(is_unavailable_code("57014"));
        // A full disk, a read-only database: passing, not a bug.
        assert!(is_unavailable_code("53100"));
        assert!(is_unavailable_code("25006"));
        assert!(!is_unavailable_code("23505"));
    }

    #[tokio::test]
    async fn a_signed_out_visitor_is_sent_to_sign_in_with_the_page_to_return_to() {
        let response = AppError::Unauthorized {
            next: "/gemeenten?q=gent".into(),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            response.headers()[header::LOCATION],
            "/login?next=%2Fgemeenten%3Fq%3Dgent"
        );
    }
}
