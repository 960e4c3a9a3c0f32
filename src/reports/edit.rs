//! The narrative of a report, written by the werkingsgebied's own regisseur while the report is
//! theirs (concept or sent back). The first save creates the report row.
//!
//! Route: `POST /jaarrapporten/{partnership}/{year}`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;

use super::assemble::Narrative;
use super::db::{self, Report};
use super::show::{self, Typed};
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::FieldErrors;

pub fn router() -> Router<AppState> {
    Router::new().route("/jaarrapporten/{partnership}/{year}", post(update))
}

/// The most a narrative field holds (the database checks it too: `reports_text_length`).
const MAX_CHARS: usize = 20_000;

#[derive(Deserialize)]
struct NarrativeForm {
    #[serde(default)]
    context: String,
    #[serde(default)]
    worked: String,
    #[serde(default)]
    not_worked: String,
    #[serde(default)]
    plans: String,
    /// The report's version the form was read at; 0 for a report nobody saved yet.
    #[serde(default)]
    version: i32,
}

/// Per field over [`MAX_CHARS`], a Dutch message.
pub(super) fn validate(n: &Narrative) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (field, label, value) in [
        ("context", "Context", &n.context),
        ("worked", "Wat werkte", &n.worked),
        ("not_worked", "Wat werkte niet", &n.not_worked),
        ("plans", "Plannen", &n.plans),
    ] {
        if value.chars().count() > MAX_CHARS {
            errors.add(
                field,
                format!("{label} mag hoogstens 20.000 tekens lang zijn."),
            );
        }
    }
    errors
}

async fn update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((partnership_id, year)): Path<(i64, i32)>,
    Form(form): Form<NarrativeForm>,
) -> Result<Response> {
    let (_, access) = show::open(&state, &signed_in, partnership_id, year).await?;
    crate::reports::access::require(&state, &signed_in, access.write).await?;
    let narrative = Narrative {
        context: form.context,
        worked: form.worked,
        not_worked: form.not_worked,
        plans: form.plans,
    };
    let refuse = |narrative: Narrative, message: &str, status: StatusCode| {
        let mut errors = FieldErrors::new();
        errors.add("toelichting", message);
        (
            Typed {
                narrative: Some((narrative, errors)),
                ..Typed::default()
            },
            status,
        )
    };

    let errors = validate(&narrative);
    if !errors.is_empty() {
        let typed = Typed {
            narrative: Some((narrative, errors)),
            ..Typed::default()
        };
        return show::render(
            &state,
            &signed_in,
            partnership_id,
            year,
            typed,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }

    let mut tx = state.db.begin().await?;
    let report = db::lock(&mut tx, partnership_id, year).await?;
    let refusal = stale(report.as_ref(), form.version);
    if let Some(message) = refusal {
        drop(tx);
        let (typed, status) = refuse(narrative, message, StatusCode::CONFLICT);
        return show::render(&state, &signed_in, partnership_id, year, typed, status).await;
    }

    let Some(_) = store(
        &mut tx,
        &signed_in,
        partnership_id,
        year,
        &narrative,
        form.version,
    )
    .await?
    else {
        drop(tx);
        let (typed, status) = refuse(narrative, SAVED_MEANWHILE, StatusCode::CONFLICT);
        return show::render(&state, &signed_in, partnership_id, year, typed, status).await;
    };
    tx.commit().await?;
    let to = format!("{}#toelichting", db::path(partnership_id, year));
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Toelichting bewaard.",
        &to,
    )
    .await
}

/// The answer when another save came in between.
pub(super) const SAVED_MEANWHILE: &str = "Iemand anders heeft de toelichting intussen bewaard. Uw tekst staat hieronder nog; kijk de bewaarde versie na en bewaar opnieuw.";

/// Why text written at `version` cannot be saved over `report` as it is now, if it cannot.
pub(super) fn stale(report: Option<&Report>, version: i32) -> Option<&'static str> {
    match report {
        Some(r) if !r.status.editable() => Some(
            "Dit rapport is ingediend en kan niet meer gewijzigd worden. Uw tekst is niet bewaard.",
        ),
        Some(r) if r.version != version => Some(
            "Iemand anders heeft de toelichting intussen gewijzigd. Uw tekst staat hieronder nog; kijk de bewaarde versie na en bewaar opnieuw.",
        ),
        None if version != 0 => Some(
            "Dit rapport bestaat niet meer in de vorm die u las. Uw tekst staat hieronder nog; bewaar opnieuw.",
        ),
        _ => None,
    }
}

/// Saves `narrative` as the report of `partnership_id` for `year` if it is still at `version`
/// (0: nobody saved it yet), and audits it, in the caller's transaction. The first save creates
/// the row; of two first saves at once the second finds it taken. Returns the report's id, or
/// none when someone saved another version meanwhile.
pub(super) async fn store(
    conn: &mut PgConnection,
    signed_in: &SignedIn,
    partnership_id: i64,
    year: i32,
    narrative: &Narrative,
    version: i32,
) -> Result<Option<i64>> {
    let saved = sqlx::query_scalar!(
        r#"insert into reports (partnership_id, year, context, worked, not_worked, plans,
                                created_by, updated_by)
           values ($1, $2, $3, $4, $5, $6, $7, $7)
           on conflict (partnership_id, year) do update
             set context = excluded.context, worked = excluded.worked,
                 not_worked = excluded.not_worked, plans = excluded.plans,
                 version = reports.version + 1, updated_by = excluded.updated_by,
                 updated_at = now()
             where reports.version = $8
           returning report_id"#,
        partnership_id,
        year as i16,
        narrative.context,
        narrative.worked,
        narrative.not_worked,
        narrative.plans,
        signed_in.user.user_id,
        version
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(report_id) = saved {
        audit::Entry::new(Action::ReportSaved)
            .actor(&signed_in.user)
            .object("report", report_id)
            .details(json!({ "partnership_id": partnership_id, "year": year }))
            .record(&mut *conn, &signed_in.ctx)
            .await?;
    }
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_may_hold_twenty_thousand_characters_and_no_more() {
        let mut n = Narrative {
            context: "a".repeat(MAX_CHARS),
            ..Narrative::default()
        };
        assert!(validate(&n).is_empty());
        n.plans = "é".repeat(MAX_CHARS + 1);
        let errors = validate(&n);
        assert_eq!(
            errors.get("plans"),
            Some("Plannen mag hoogstens 20.000 tekens lang zijn.")
        );
        assert!(errors.get("context").is_none());
    }
}
