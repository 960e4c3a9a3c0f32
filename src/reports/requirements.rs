//! Which completeness checks ([`super::completeness`]) the department requires for a report
//! year. A required check with a gap blocks the submission; the others only warn.
//!
//! Route: `POST /admin/indiendata/controles`, admins only, from the page of the due dates
//! ([`super::deadlines`]): a box per report year and check, named `{check}_{year}`. The form
//! holds every year of the page, so what is ticked replaces the set of each of those years.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;

use super::completeness::Check;
use super::deadlines::{PATH, year_range};
use crate::audit::{self, Action};
use crate::auth::AdminOnly;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::flash::{self, FlashKind};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/indiendata/controles", post(update))
}

/// The (year, check code) pairs ticked on the form, for the years `first..=last`.
fn ticked(fields: &HashMap<String, String>, first: i32, last: i32) -> Vec<(i16, &'static str)> {
    (first..=last)
        .flat_map(|year| Check::ALL.into_iter().map(move |c| (year, c.code())))
        .filter(|(year, code)| fields.contains_key(&format!("{code}_{year}")))
        .filter_map(|(year, code)| i16::try_from(year).ok().map(|y| (y, code)))
        .collect()
}

async fn update(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response> {
    let Some((first, last)) = year_range(&state).await? else {
        return flash::redirect(
            &admin.session,
            FlashKind::Error,
            "Er zijn nog geen rapportjaren.",
            PATH,
        )
        .await;
    };
    let wanted = ticked(&fields, first, last);
    let years: Vec<i16> = wanted.iter().map(|w| w.0).collect();
    let codes: Vec<&str> = wanted.iter().map(|w| w.1).collect();
    let mut tx = state.db.begin().await?;
    let previous = sqlx::query!(
        r#"delete from report_required_checks where year between $1 and $2
           returning year, check_code"#,
        first as i16,
        last as i16
    )
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query!(
        r#"insert into report_required_checks (year, check_code, set_by)
           select year, code, $3 from unnest($1::smallint[], $2::text[]) as t (year, code)"#,
        &years,
        &codes as &[&str],
        admin.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    let before: Vec<(i16, String)> = previous
        .into_iter()
        .map(|r| (r.year, r.check_code))
        .collect();
    audit::Entry::new(Action::ReportChecksRequired)
        .actor(&admin.user)
        .details(serde_json::json!({ "previous": before, "required": wanted }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        "Verplichte controles vastgelegd.",
        &format!("{PATH}#controles"),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_boxes_of_the_pages_years_and_known_checks_count() {
        let fields: HashMap<String, String> = [
            ("uitgaven_2024", "1"),
            ("toelichting_2025", "1"),
            ("uitgaven_1999", "1"),
            ("iets_2024", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            ticked(&fields, 2023, 2025),
            [(2024, "uitgaven"), (2025, "toelichting")]
        );
    }
}
