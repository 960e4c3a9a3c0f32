//! What an admin sees before approving or ending an appointment: who is appointed for which
//! werkingsgebied from when, which account that uses, and what overlaps with it; or whose write
//! access ends. The decisions themselves (and their checks) are in [`super::decisions`].
//!
//! Routes (admins, routed in [`super::decisions`]): `GET /aanstellingen/{id}/goedkeuren`,
//! `GET /aanstellingen/{id}/beeindigen`.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::db::{self, Appointment};
use super::{Status, fte_label};
use crate::auth::{AdminOnly, SignedIn};
use crate::error::Result;
use crate::identity::Role;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::flash::{self, FlashKind};
use crate::web::forms::FieldErrors;
use crate::web::idempotency;
use crate::web::layout::Layout;
use crate::web::{format, render};

/// "Approve this appointment?": what approving does, and what the admin should know first.
#[derive(Template)]
#[template(path = "appointments/approve.html")]
struct ApproveAppointmentPage {
    layout: Layout,
    a: Appointment,
    fte: String,
    starts: String,
    ends: String,
    /// What happens with the regisseur's account.
    account: String,
    /// False when the address belongs to another role: approving would be refused.
    may_approve: bool,
    /// Other requests or appointments of this werkingsgebied in the same time.
    overlaps: Vec<String>,
    /// Said when the dates do not lie within the werkingsgebied's policy period.
    beyond_period: Option<String>,
    idempotency_key: String,
}

/// What approving does with the account of `email`, and whether it may.
async fn account(state: &AppState, a: &Appointment) -> Result<(String, bool)> {
    let email = &a.person_email;
    Ok(match db::account_for(&state.db, email).await? {
        None => (
            format!(
                "Er wordt een account aangemaakt voor {email}. U krijgt daarna één keer een link om door te geven, waarmee {} een wachtwoord instelt.",
                a.person_name
            ),
            true,
        ),
        Some(u) if u.role != Role::Regisseur => (
            format!(
                "{email} hoort al bij een account met de rol {}. Goedkeuren kan dus niet: wijs de aanvraag af en vraag ze opnieuw aan met een ander e-mailadres.",
                u.role.label()
            ),
            false,
        ),
        Some(u) if u.active && u.has_password => (
            format!(
                "{email} heeft al een regisseursaccount; daarmee kan {} zich aanmelden.",
                a.person_name
            ),
            true,
        ),
        Some(_) => (
            format!(
                "Het account van {email} wordt (opnieuw) geactiveerd. U krijgt daarna één keer een link om door te geven, waarmee {} een nieuw wachtwoord instelt.",
                a.person_name
            ),
            true,
        ),
    })
}

/// Back to the appointment, saying why this step does not apply.
async fn not_now(admin: &SignedIn, id: i64, message: &str) -> Result<Response> {
    flash::redirect(
        &admin.session,
        FlashKind::Error,
        message,
        &format!("/aanstellingen/{id}"),
    )
    .await
}

pub(super) async fn approve(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    let a = db::find(&state.db, id).await?;
    if a.status != Status::Aangevraagd {
        return not_now(&admin, id, "Over deze aanvraag is al beslist.").await;
    }
    let (account, may_approve) = account(&state, &a).await?;
    let overlaps = db::overlapping(
        &state.db,
        a.partnership_id,
        a.starts_on,
        a.ends_on,
        Some(id),
    )
    .await?
    .iter()
    .map(db::Overlap::label)
    .collect();
    let period = db::period_of(&state.db, a.partnership_id).await?;
    let beyond_period = (!period.holds(a.starts_on, a.ends_on)).then(|| {
        format!(
            "De looptijd valt niet helemaal binnen de beleidsperiode van dit werkingsgebied, {}. Zolang de aanstelling loopt, kan de regisseur dit werkingsgebied bewerken, ook na het einde van die periode.",
            period.label()
        )
    });
    render(&ApproveAppointmentPage {
        layout: admin
            .layout(format!("Aanstelling van {} goedkeuren?", a.person_name))
            .await?,
        fte: fte_label(a.fte_hundredths),
        starts: format::date(a.starts_on),
        ends: format::date(a.ends_on),
        account,
        may_approve,
        overlaps,
        beyond_period,
        idempotency_key: idempotency::new_key(),
        a,
    })
}

/// "End this appointment?": whose write access ends, with the end date and a reason.
#[derive(Template)]
#[template(path = "appointments/end.html")]
pub(super) struct EndAppointmentPage {
    layout: Layout,
    a: Appointment,
    dates: String,
    ended_on: String,
    motivation: String,
    errors: FieldErrors,
    idempotency_key: String,
}

impl EndAppointmentPage {
    /// The page for `a`, with the end date and reason as typed (and their errors, if any).
    pub(super) async fn build(
        admin: &SignedIn,
        a: Appointment,
        ended_on: String,
        motivation: String,
        errors: FieldErrors,
    ) -> Result<Self> {
        Ok(Self {
            layout: admin
                .layout(format!("Aanstelling van {} beëindigen?", a.person_name))
                .await?,
            dates: a.dates(),
            a,
            ended_on,
            motivation,
            errors,
            idempotency_key: idempotency::new_key(),
        })
    }
}

pub(super) async fn end(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    let a = db::find(&state.db, id).await?;
    if a.status != Status::Goedgekeurd {
        return not_now(
            &admin,
            id,
            "Alleen een goedgekeurde aanstelling kan beëindigd worden.",
        )
        .await;
    }
    let today = format::today().to_string();
    let page =
        EndAppointmentPage::build(&admin, a, today, String::new(), FieldErrors::new()).await?;
    render(&page)
}
