//! A werkingsgebied's contact details, editable by admins and by its own current regisseur
//! (who may change nothing else). The form is the werkingsgebied form's contact-only variant.
//!
//! Routes: `GET/POST /werkingsgebieden/{id}/contact`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::form::{PartnershipForm, PartnershipFormPage, validate_contact};
use super::{Partnership, db, find};
use crate::audit::{self, Action};
use crate::auth::{SignedIn, deny};
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::FieldErrors;
use crate::web::{render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new().route("/werkingsgebieden/{id}/contact", get(edit).post(update))
}

/// The contact form: for an admin, or the werkingsgebied's own current regisseur.
async fn contact_access(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<Partnership> {
    let p = find(&state.db, id).await?;
    if !db::may_edit_contact(&state.db, &signed_in.user, id).await? {
        return Err(deny(state, signed_in).await);
    }
    Ok(p)
}

async fn edit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let p = contact_access(&state, &signed_in, id).await?;
    let form = PartnershipForm::of(&p);
    render(&PartnershipFormPage::for_contact(&signed_in, &p, form, FieldErrors::new()).await?)
}

async fn update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<PartnershipForm>,
) -> Result<Response> {
    let p = contact_access(&state, &signed_in, id).await?;
    let mut errors = FieldErrors::new();
    let contact = validate_contact(&form, &mut errors);
    if !errors.is_empty() {
        let page = PartnershipFormPage::for_contact(&signed_in, &p, form, errors).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let mut tx = state.db.begin().await?;
    sqlx::query!(
        r#"update partnerships
           set contact_name = $2, contact_email = $3, contact_phone = $4, updated_at = now()
           where partnership_id = $1"#,
        id,
        contact.contact_name,
        contact.contact_email,
        contact.contact_phone
    )
    .execute(&mut *tx)
    .await?;
    audit::Entry::new(Action::PartnershipUpdated)
        .actor(&signed_in.user)
        .object("partnership", id)
        .details(serde_json::json!({
            "contact_name": { "from": p.contact_name, "to": contact.contact_name },
            "contact_email": { "from": p.contact_email, "to": contact.contact_email },
            "contact_phone": { "from": p.contact_phone, "to": contact.contact_phone },
        }))
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    tx.commit().await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Contactgegevens bewaard.",
        &format!("/werkingsgebieden/{id}"),
    )
    .await
}
