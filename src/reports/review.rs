//! The reviewer's checklist: per item of [`ITEMS`] a state (open, in orde, opmerking) and a
//! remark, required with "opmerking".
//!
//! Route: `POST /jaarrapporten/{partnership}/{year}/controlelijst` (who reviews: ministry staff
//! and admins), with `{code}_state` and `{code}_remark` for every item. The report must exist
//! (409 otherwise); a refused form re-renders the report page with 422 and what was typed.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;

use sqlx::PgConnection;

use super::access;
use super::db::{self, Report};
use super::model::Step;
use super::show::{self, Typed};
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};

/// The checklist every report is reviewed against: (code, what the reviewer checks). The codes
/// are fixed by the database (`report_review_items_item`).
pub const ITEMS: [(&str, &str); 6] = [
    (
        "prioriteiten",
        "Elke prioriteit heeft minstens één actie in het jaar",
    ),
    (
        "bereik",
        "Het bereik per doelgroep (gepland en bereikt) is verklaard",
    ),
    ("partners", "De partners en hun rol zijn duidelijk"),
    (
        "overeenkomst",
        "De samenwerkingsovereenkomst met VDAB wordt opgevolgd",
    ),
    ("budget", "De besteding past binnen de toekenning"),
    (
        "toelichting",
        "De toelichting is volledig: context, wat werkte, wat niet, plannen",
    ),
];

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/jaarrapporten/{partnership}/{year}/controlelijst",
        post(update),
    )
}

/// The states an item can have, as the form and the enum `review_item_state` name them.
pub const STATES: [(&str, &str); 3] = [
    ("open", "Nog niet bekeken"),
    ("in_orde", "In orde"),
    ("opmerking", "Opmerking"),
];

/// The longest remark, as `report_review_items_remark_length` allows.
const MAX_REMARK: usize = 2000;

/// One item as typed: code, state code, remark.
pub type TypedItem = (String, String, String);

/// The six items as typed.
pub type TypedItems = Vec<TypedItem>;

/// Whether a form carries the checklist (the review steps are buttons of the checklist form).
pub(super) fn present(form: &HashMap<String, String>) -> bool {
    ITEMS
        .iter()
        .any(|(code, _)| form.contains_key(&format!("{code}_state")))
}

/// Reads the six items from the form; the items as typed and, when refused, why.
pub(super) fn read(form: &HashMap<String, String>) -> (TypedItems, Option<String>) {
    let mut items = Vec::new();
    let mut refusal = None;
    for (code, label) in ITEMS {
        let state = form
            .get(&format!("{code}_state"))
            .map(|s| s.trim().to_string());
        let remark = form
            .get(&format!("{code}_remark"))
            .map(|r| r.trim().to_string())
            .unwrap_or_default();
        let problem = match state.as_deref() {
            None => Some("Het formulier is onvolledig; laad de pagina opnieuw.".to_string()),
            Some(s) if !STATES.iter().any(|(c, _)| *c == s) => {
                Some(format!("Kies bij „{label}” open, in orde of opmerking."))
            }
            Some("opmerking") if remark.is_empty() => Some(format!(
                "Schrijf bij „{label}” uw opmerking, of kies in orde of open."
            )),
            _ if remark.chars().count() > MAX_REMARK => Some(format!(
                "De opmerking bij „{label}” mag hoogstens {MAX_REMARK} tekens lang zijn."
            )),
            _ => None,
        };
        if refusal.is_none() {
            refusal = problem;
        }
        items.push((code.to_string(), state.unwrap_or_default(), remark));
    }
    (items, refusal)
}

async fn update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((partnership_id, year)): Path<(i64, i32)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response> {
    let area = db::area(&state.db, partnership_id)
        .await?
        .filter(|a| a.covers(year))
        .ok_or(AppError::NotFound)?;
    let access = access::of(&state.db, &signed_in.user, partnership_id, year).await?;
    access::require(&state, &signed_in, access.review).await?;

    let (items, refusal) = read(&form);
    if let Some(message) = refusal {
        let typed = Typed {
            checklist: Some((items, message)),
            ..Typed::default()
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return show::render(&state, &signed_in, partnership_id, year, typed, status).await;
    }
    let mut tx = state.db.begin().await?;
    // The checklist records the review of what was submitted: it is filled in while the report
    // is submitted or in review, and stays as it was once the report is approved or sent back.
    let report = db::lock(&mut tx, partnership_id, year).await?;
    let Some(report) = report.filter(|r| r.status.under_review()) else {
        drop(tx);
        let typed = Typed {
            checklist: Some((
                items,
                format!(
                    "De controlelijst van jaarrapport {year} wordt ingevuld terwijl het rapport \
                     ingediend of in behandeling is; nu kan dat niet."
                ),
            )),
            ..Typed::default()
        };
        let status = StatusCode::CONFLICT;
        return show::render(&state, &signed_in, partnership_id, year, typed, status).await;
    };
    save(&mut tx, &signed_in, &report, &items).await?;
    tx.commit().await?;
    // The form also holds the text of a decision; typed there but not sent, it stays in its
    // field (no redirect: the page is shown again as it is now, with that text).
    let reason = form.get("reason").map_or("", |r| r.trim());
    if !reason.is_empty() {
        let typed = Typed {
            step: Some((Step::SendBack, reason.to_string(), String::new())),
            notice: Some(
                "Controlelijst bewaard. De toelichting bij uw beslissing is nog niet \
                 verstuurd: ze gaat mee met de stap die u kiest."
                    .into(),
            ),
            ..Typed::default()
        };
        let status = StatusCode::OK;
        return show::render(&state, &signed_in, partnership_id, year, typed, status).await;
    }
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Controlelijst bewaard.",
        &format!("{}#controlelijst", db::path(area.partnership_id, year)),
    )
    .await
}

/// Stores the checklist of `report` as typed and audits it, in the caller's transaction.
pub(super) async fn save(
    conn: &mut PgConnection,
    signed_in: &SignedIn,
    report: &Report,
    items: &[TypedItem],
) -> Result<()> {
    let codes: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
    let states: Vec<String> = items.iter().map(|i| i.1.clone()).collect();
    let remarks: Vec<String> = items.iter().map(|i| i.2.clone()).collect();
    // Only an item that changed gets a new author and time: the page says who judged what.
    let changed = sqlx::query!(
        r#"insert into report_review_items (report_id, item, state, remark, updated_by)
           select $1, item, state::review_item_state, remark, $5
           from unnest($2::text[], $3::text[], $4::text[]) as t(item, state, remark)
           on conflict (report_id, item) do update
               set state = excluded.state, remark = excluded.remark,
                   updated_by = excluded.updated_by, updated_at = now()
               where (report_review_items.state, report_review_items.remark)
                     is distinct from (excluded.state, excluded.remark)"#,
        report.report_id,
        &codes,
        &states,
        &remarks,
        signed_in.user.user_id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let summary: serde_json::Map<String, serde_json::Value> = items
        .iter()
        .map(|(code, state, _)| (code.clone(), state.clone().into()))
        .collect();
    audit::Entry::new(Action::ReportChecklistUpdated)
        .actor(&signed_in.user)
        .object("report", report.report_id)
        .details(serde_json::json!({
            "partnership_id": report.partnership_id,
            "year": report.year,
            "changed": changed,
            "states": summary,
        }))
        .record(&mut *conn, &signed_in.ctx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut all: HashMap<String, String> = ITEMS
            .iter()
            .map(|(code, _)| (format!("{code}_state"), "in_orde".to_string()))
            .collect();
        for (k, v) in pairs {
            all.insert(k.to_string(), v.to_string());
        }
        all
    }

    #[test]
    fn a_remark_is_required_with_opmerking_and_states_are_known_codes() {
        assert_eq!(read(&form(&[])).1, None);
        let (items, refusal) = read(&form(&[("budget_state", "opmerking")]));
        assert!(
            refusal
                .unwrap()
                .contains("De besteding past binnen de toekenning")
        );
        assert_eq!(
            items[4],
            ("budget".into(), "opmerking".into(), String::new())
        );
        assert!(read(&form(&[("bereik_state", "goed")])).1.is_some());
        let mut incomplete = form(&[]);
        incomplete.remove("partners_state");
        assert!(read(&incomplete).1.unwrap().contains("onvolledig"));
        let long = "x".repeat(2001);
        assert!(read(&form(&[("bereik_remark", long.as_str())])).1.is_some());
    }
}
