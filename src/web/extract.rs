//! axum's `Form`, `Query` and `Path`, but with rejections that become the Dutch error pages
//! instead of axum's plain-text messages, and with control characters taken out of what people
//! send before any handler sees it.
//!
//! Form values lose their C0 control characters except tab and newline (a carriage return
//! becomes a newline); single-line fields lose those too in [`super::forms::text`]. A NUL byte
//! refuses the whole form with a Dutch 422: PostgreSQL cannot store it, and it is never typed
//! by a person. Query strings (search words, filters) lose every control character.

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection, RawFormRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A form body, cleaned of control characters, deserialized into `T`.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let RawForm(bytes) = RawForm::from_request(request, state).await?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Self)
            .map_err(|e| AppError::BadRequest(e.to_string()))
    }
}

/// The form body as bytes (cleaned like [`Form`]), for forms whose checkbox groups repeat a
/// name.
pub struct RawForm(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawForm {
    type Rejection = AppError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let axum::extract::RawForm(bytes) =
            axum::extract::RawForm::from_request(request, state).await?;
        clean_form(&bytes).map(Self)
    }
}

/// The query string, cleaned of control characters, deserialized into `T`.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let raw = parts.uri.query().unwrap_or_default();
        let cleaned = form_urlencoded::parse(raw.as_bytes()).map(|(name, value)| {
            let value: String = value.chars().filter(|c| !c.is_control()).collect();
            (name, value)
        });
        let cleaned = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(cleaned)
            .finish();
        serde_urlencoded::from_str(&cleaned)
            .map(Self)
            .map_err(|e| AppError::BadRequest(e.to_string()))
    }
}

/// The form body with control characters taken out of every value; `InvalidInput` for a NUL.
fn clean_form(body: &[u8]) -> Result<Bytes, AppError> {
    let mut cleaned = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(body) {
        if name.contains('\0') || value.contains('\0') {
            return Err(AppError::InvalidInput);
        }
        cleaned.append_pair(&clean_text(&name), &clean_text(&value));
    }
    Ok(Bytes::from(cleaned.finish()))
}

/// Drops C0 control characters except tab and newline; `\r\n` and a lone `\r` become `\n`.
pub fn clean_text(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !matches!(c, '\0'..='\x1f') || matches!(c, '\t' | '\n'))
        .collect()
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

impl From<RawFormRejection> for AppError {
    fn from(rejection: RawFormRejection) -> Self {
        Self::BadRequest(rejection.body_text())
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        Self::BadRequest(rejection.body_text())
    }
}

impl From<PathRejection> for AppError {
    // A path that does not parse (`/admin/gebruikers/abc`) names nothing that exists.
    fn from(_: PathRejection) -> Self {
        Self::NotFound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_leave_form_values_but_tabs_and_newlines_stay() {
        assert_eq!(clean_text("a\u{1}b\u{1b}[31mc"), "ab[31mc");
        assert_eq!(
            clean_text("regel 1\r\nregel 2\rregel 3"),
            "regel 1\nregel 2\nregel 3"
        );
        assert_eq!(clean_text("kolom\tkolom"), "kolom\tkolom");
        let body = clean_form(b"title=a%07b&notes=x%0D%0Ay").unwrap();
        assert_eq!(&body[..], b"title=ab&notes=x%0Ay");
        assert!(matches!(
            clean_form(b"title=a%00b"),
            Err(AppError::InvalidInput)
        ));
    }
}
