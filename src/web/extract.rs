//! axum's `Form`, `Query` and `Path`, but with rejections that become the Dutch error pages
//! instead of axum's plain-text messages.

use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection, RawFormRejection};
use axum::extract::{FromRequest, FromRequestParts};

use crate::error::AppError;

#[derive(FromRequest)]
#[from_request(via(axum::Form), rejection(AppError))]
pub struct Form<T>(pub T);

/// The form body as bytes, for forms whose checkbox groups repeat a name.
pub struct RawForm(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for RawForm {
    type Rejection = AppError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let axum::extract::RawForm(bytes) =
            axum::extract::RawForm::from_request(request, state).await?;
        Ok(Self(bytes))
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

impl From<FormRejection> for AppError {
    fn from(rejection: FormRejection) -> Self {
        Self::BadRequest(rejection.body_text())
    }
}

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
