//! Moving an agreement to its next status, or stopping it with a reason. Only the transitions
//! of [`AgreementStatus::may_become`] (the database's history table checks the same rule), and
//! a signed status only with a signing date and an uploaded signed agreement. Each change is a
//! history line (who, when, why) and an audit entry, in one transaction.
//!
//! Route: `POST /samenwerkingsovereenkomsten/{id}/status`; a refused change shows the status
//! form again with the reason the user typed.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;

use super::access;
use super::db::Agreement;
use super::model::AgreementStatus;
use super::show::readable;
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::{Choice, FieldErrors};
use crate::web::layout::Layout;
use crate::web::render_with_status;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/samenwerkingsovereenkomsten/{id}/status",
        post(change_status),
    )
}

const MAX_REASON: usize = 2000;

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusForm {
    status: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "agreements/status.html")]
struct StatusPage {
    layout: Layout,
    a: Agreement,
    current: &'static str,
    statuses: Vec<Choice>,
    reason: String,
    errors: FieldErrors,
}

/// Why a change is refused, checked against the stored agreement.
fn refusal(
    from: AgreementStatus,
    to: Option<AgreementStatus>,
    reason: &str,
    signed_on: bool,
    signed_document: bool,
) -> Option<String> {
    let Some(to) = to else {
        return Some("Kies de nieuwe status.".into());
    };
    if !from.may_become(to) {
        return Some(format!(
            "Een overeenkomst met status {} kan niet naar {}.",
            from.label(),
            to.label()
        ));
    }
    if to == AgreementStatus::Stopgezet && reason.is_empty() {
        return Some("Geef de reden waarom de overeenkomst stopgezet wordt.".into());
    }
    if reason.chars().count() > MAX_REASON {
        return Some(format!(
            "De toelichting mag hoogstens {MAX_REASON} tekens lang zijn."
        ));
    }
    if to.is_signed() && !signed_on {
        return Some(
            "Vul eerst de datum van ondertekening in (via Bewerken) voor u de status ondertekend kiest."
                .into(),
        );
    }
    if to.is_signed() && !signed_document {
        return Some(
            "Laad eerst de ondertekende overeenkomst op (als PDF) voor u de status ondertekend kiest."
                .into(),
        );
    }
    None
}

async fn change_status(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> Result<Response> {
    let (agreement, access) = readable(&state, &signed_in, id).await?;
    access::require(&state, &signed_in, access.write).await?;
    let to = AgreementStatus::parse(&form.status);
    let reason = form.reason.trim().to_string();

    let mut tx = state.db.begin().await?;
    // Lock the agreement first, then check in a new statement: a document deletion (which
    // takes the same lock) or another status change either finished before, and is seen by
    // the checks below, or waits until this change commits.
    let stored = sqlx::query!(
        r#"select status as "status: AgreementStatus", signed_on is not null as "signed_on!"
           from agreements where agreement_id = $1 for update"#,
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let signed_document = sqlx::query_scalar!(
        r#"select exists(select 1 from agreement_documents
                         where agreement_id = $1 and kind = 'ondertekende_overeenkomst') as "exists!""#,
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(message) = refusal(
        stored.status,
        to,
        &reason,
        stored.signed_on,
        signed_document,
    ) {
        drop(tx);
        return refused(&signed_in, agreement, stored.status, &form, message).await;
    }
    let Some(to) = to else {
        return Err(anyhow::anyhow!("refusal() lets no missing status through").into());
    };
    sqlx::query!(
        r#"update agreements set status = $2, version = version + 1, updated_by = $3,
               updated_at = now()
           where agreement_id = $1"#,
        id,
        to as AgreementStatus,
        signed_in.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"insert into agreement_status_changes (agreement_id, from_status, to_status, reason, changed_by)
           values ($1, $2, $3, $4, $5)"#,
        id,
        stored.status as AgreementStatus,
        to as AgreementStatus,
        reason,
        signed_in.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    audit::Entry::new(Action::AgreementStatusChanged)
        .actor(&signed_in.user)
        .object("agreement", id)
        .details(serde_json::json!({ "from": stored.status.code(), "to": to.code() }))
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/samenwerkingsovereenkomsten/{id}?bewaard=1#status"
    ))
    .into_response())
}

/// The status form again, with the message and what the user chose and typed.
async fn refused(
    signed_in: &SignedIn,
    agreement: Agreement,
    current: AgreementStatus,
    form: &StatusForm,
    message: String,
) -> Result<Response> {
    let mut errors = FieldErrors::new();
    errors.add("status", message);
    let statuses = AgreementStatus::ALL
        .into_iter()
        .filter(|to| current.may_become(*to))
        .map(|to| Choice::new(to.code(), to.label(), to.code() == form.status.trim()))
        .collect();
    let page = StatusPage {
        layout: signed_in
            .layout(format!("Status van {}", agreement.title))
            .await?,
        a: agreement,
        current: current.label(),
        statuses,
        reason: form.reason.clone(),
        errors,
    };
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AgreementStatus::*;

    #[test]
    fn signing_needs_a_date_and_the_signed_document() {
        assert!(refusal(Goedgekeurd, Some(Ondertekend), "", false, true).is_some());
        assert!(refusal(Goedgekeurd, Some(Ondertekend), "", true, false).is_some());
        assert_eq!(
            refusal(Goedgekeurd, Some(Ondertekend), "", true, true),
            None
        );
    }

    #[test]
    fn stopping_needs_a_reason_and_skipping_is_refused() {
        assert!(refusal(Ontwerp, Some(Stopgezet), "", false, false).is_some());
        assert_eq!(
            refusal(Ontwerp, Some(Stopgezet), "geen akkoord", false, false),
            None
        );
        assert!(refusal(Ontwerp, Some(Goedgekeurd), "", false, false).is_some());
        assert!(refusal(Stopgezet, Some(Stopgezet), "x", false, false).is_some());
        assert!(refusal(Ontwerp, None, "", false, false).is_some());
    }
}
