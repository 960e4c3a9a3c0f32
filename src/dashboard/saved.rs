//! Saved filters (`opgeslagen filters`) of the dashboard: a name and the query string, per user.
//! A saved filter is a link to `/overzicht?<query>`, the same thing as a shared URL.
//!
//! Routes: `POST /overzicht/filters` (`name`, `query`), `POST /overzicht/filters/{id}/verwijderen`
//! (one's own only: anyone else's id is a 404). Ministry staff and admins.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;

use super::DashboardPage;
use super::filters::Filters;
use crate::auth::StaffOnly;
use crate::error::{AppError, Result, ResultExt};
use crate::reference::Reference;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, FieldError, FieldErrors};
use crate::web::render_with_status;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/overzicht/filters", post(create))
        .route("/overzicht/filters/{id}/verwijderen", post(delete))
}

/// The longest name, as the table's check allows.
const MAX_NAME: usize = 100;
/// The longest query string, as the table's check allows.
const MAX_QUERY: usize = 2000;

/// The save form: a name and the page's filters as a query string (hidden field).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SaveForm {
    pub name: String,
    pub query: String,
}

/// A saved filter as the page lists it.
pub struct SavedFilter {
    pub filter_id: i64,
    pub name: String,
    pub href: String,
}

const NAME_TAKEN: FieldError = FieldError {
    field: "name",
    message: "U hebt al een filter met deze naam. Kies een andere naam.",
};

async fn create(
    State(state): State<AppState>,
    StaffOnly(signed_in): StaffOnly,
    reference: Reference,
    Form(form): Form<SaveForm>,
) -> Result<Response> {
    let mut errors = FieldErrors::new();
    let name = forms::text(&mut errors, "name", "de naam", &form.name, MAX_NAME);
    let filters = Filters::parse_strict(&form.query).filter(|_| form.query.len() <= MAX_QUERY);
    if filters.is_none() {
        errors.add(
            "name",
            "Deze filter kan niet bewaard worden: de filters in het adres zijn ongeldig.",
        );
    }
    // Stored in its canonical form, so the link is the page's own.
    let query = filters.as_ref().map(Filters::query_string);
    if let (true, Some(query)) = (errors.is_empty(), &query) {
        let saved = sqlx::query!(
            "insert into saved_filters (user_id, page, name, query) values ($1, 'overzicht', $2, $3)",
            signed_in.user.user_id,
            name,
            query
        )
        .execute(&state.db)
        .await
        .on_constraint(&[("saved_filters_name_key", NAME_TAKEN)])?;
        match saved {
            Ok(_) => {
                let to = if query.is_empty() {
                    "/overzicht".to_string()
                } else {
                    format!("/overzicht?{query}")
                };
                let message = format!("Filter ‘{name}’ bewaard.");
                return flash::redirect(&signed_in.session, FlashKind::Success, message, &to).await;
            }
            Err(e) => errors.push(e),
        }
    }
    let shown = filters.unwrap_or_default();
    let page = DashboardPage::build(&state, &signed_in, &reference, &shown, form, errors).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn delete(
    State(state): State<AppState>,
    StaffOnly(signed_in): StaffOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    let name = sqlx::query_scalar!(
        "delete from saved_filters where filter_id = $1 and user_id = $2 returning name",
        id,
        signed_in.user.user_id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        format!("Filter ‘{name}’ verwijderd."),
        "/overzicht",
    )
    .await
}
