//! Which completeness checks ([`super::completeness`]) the department requires for a report
//! year. A required check with a gap blocks the submission; the others only warn.
//!
//! Route: `POST /admin/indiendata/controles` (`year`, and a field per ticked check named by its
//! code), admins only, on the page of the due dates ([`super::deadlines`]). The checks ticked
//! replace the year's set.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;

use super::completeness::Check;
use super::deadlines::{ChecksTyped, DeadlineForm, DeadlinesPage, PATH};
use crate::audit::{self, Action};
use crate::auth::AdminOnly;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, FieldErrors};
use crate::web::render_with_status;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/indiendata/controles", post(update))
}

async fn update(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response> {
    let typed_year = fields.get("year").cloned().unwrap_or_default();
    let ticked: Vec<Check> = Check::ALL
        .into_iter()
        .filter(|c| fields.contains_key(c.code()))
        .collect();
    let Some(year) = typed_year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| forms::YEARS.contains(y))
    else {
        let typed = ChecksTyped {
            year: typed_year,
            ticked,
            error: "Kies het jaar waarover gerapporteerd wordt.".into(),
        };
        let form = DeadlineForm::default();
        let page =
            DeadlinesPage::build_with(&state, &admin, (form, FieldErrors::new()), Some(typed))
                .await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let codes: Vec<&str> = ticked.iter().map(|c| c.code()).collect();
    let mut tx = state.db.begin().await?;
    let previous = sqlx::query_scalar!(
        "delete from report_required_checks where year = $1 returning check_code",
        year as i16
    )
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query!(
        r#"insert into report_required_checks (year, check_code, set_by)
           select $1, code, $3 from unnest($2::text[]) as code"#,
        year as i16,
        &codes as &[&str],
        admin.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    audit::Entry::new(Action::ReportChecksRequired)
        .actor(&admin.user)
        .object("report_year", year)
        .details(serde_json::json!({ "year": year, "previous": previous, "required": codes }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    let message = if ticked.is_empty() {
        format!("Voor de jaarrapporten {year} is geen controle verplicht: alles waarschuwt alleen.")
    } else {
        let labels: Vec<&str> = ticked.iter().map(|c| c.label()).collect();
        format!(
            "Verplicht voor de jaarrapporten {year}: {}.",
            labels.join("; ").to_lowercase()
        )
    };
    flash::redirect(&admin.session, FlashKind::Success, message, PATH).await
}
