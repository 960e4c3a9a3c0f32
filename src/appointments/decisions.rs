//! An admin's decisions on an appointment: approving a request (which creates or re-activates
//! the regisseur's account), rejecting it with a motivation, and ending an approved appointment.
//!
//! Routes (admins): `POST /aanstellingen/{id}/goedkeuren`, `POST /aanstellingen/{id}/afwijzen`,
//! `POST /aanstellingen/{id}/beeindigen`, and the confirmation pages before approving and
//! ending (`GET`, in [`confirm`]). Each decision checks the appointment's state again: the
//! confirmation page is no safeguard. A decision sent twice acts once
//! ([`crate::web::idempotency`]).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::PgConnection;

use super::confirm::{self, EndAppointmentPage};
use super::{AppointmentPage, ISSUED_LINK_KEY, IssuedLink, Status, db};
use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn, password_link};
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::notifications::{self, Kind, Notice};
use crate::state::AppState;
use crate::users::db as users_db;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, FieldErrors};
use crate::web::idempotency::{self, Claim};
use crate::web::render_with_status;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/aanstellingen/{id}/goedkeuren",
            get(confirm::approve).post(approve),
        )
        .route("/aanstellingen/{id}/afwijzen", post(reject))
        .route(
            "/aanstellingen/{id}/beeindigen",
            get(confirm::end).post(end),
        )
}

/// Back to the appointment with a message why nothing changed.
async fn conflict(admin: &SignedIn, id: i64, message: &str) -> Result<Response> {
    flash::redirect(
        &admin.session,
        FlashKind::Error,
        message,
        &format!("/aanstellingen/{id}"),
    )
    .await
}

/// The regisseur's account for an approved appointment.
struct RegisseurAccount {
    user_id: i64,
    /// New, re-activated or never set a password: they need a link to set one.
    needs_link: bool,
}

/// Why an approved appointment cannot get the account its email address asks for.
enum AccountRefused {
    /// The address belongs to an account with another role.
    OtherRole(Role),
    /// Someone else took the address between our look-up and our insert.
    JustTaken,
}

impl AccountRefused {
    fn message(&self, email: &str) -> String {
        match self {
            Self::OtherRole(role) => format!(
                "{email} hoort al bij een account met de rol {}. Gebruik een ander e-mailadres voor de regisseur.",
                role.label()
            ),
            Self::JustTaken => {
                format!("{email} is net door iemand anders in gebruik genomen; probeer opnieuw.")
            }
        }
    }
}

/// Finds or creates the regisseur's account for an approved appointment.
async fn regisseur_account(
    conn: &mut PgConnection,
    email: &str,
    name: &str,
) -> Result<Result<RegisseurAccount, AccountRefused>> {
    let existing = sqlx::query!(
        r#"select user_id, role as "role: Role", active, password_hash is not null as "has_password!"
           from users where lower(email) = lower($1) for update"#,
        email
    )
    .fetch_optional(&mut *conn)
    .await?;
    match existing {
        Some(u) if u.role != Role::Regisseur => Ok(Err(AccountRefused::OtherRole(u.role))),
        Some(u) => {
            if !u.active {
                // Back as regisseur after a deactivation: the old password is not revived
                // (whoever knew it may not be the person appointed now); the link sets a new one.
                sqlx::query!(
                    r#"update users
                       set active = true, password_hash = null, must_change_password = false,
                           session_version = session_version + 1, updated_at = now()
                       where user_id = $1"#,
                    u.user_id
                )
                .execute(&mut *conn)
                .await?;
            }
            Ok(Ok(RegisseurAccount {
                user_id: u.user_id,
                needs_link: !u.active || !u.has_password,
            }))
        }
        None => {
            let created = users_db::create(
                &mut *conn,
                users_db::NewUser {
                    email,
                    full_name: name,
                    role: Role::Regisseur,
                    password_hash: None,
                    must_change_password: false,
                },
            )
            .await?;
            Ok(created
                .map(|user_id| RegisseurAccount {
                    user_id,
                    needs_link: true,
                })
                .map_err(|users_db::EmailTaken| AccountRefused::JustTaken))
        }
    }
}

/// A confirmation page's form: only its key.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfirmedForm {
    idempotency_key: String,
}

async fn approve(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
    Form(form): Form<ConfirmedForm>,
) -> Result<Response> {
    let submission = idempotency::Submission::new(&form.idempotency_key, &("goedkeuren", id));
    let mut tx = state.db.begin().await?;
    // A double click: the second is sent where the first went, and leaves the session (which
    // holds the set-password link the first issued) alone.
    if let Claim::Answered { location } =
        idempotency::claim(&mut tx, admin.user.user_id, &submission).await?
    {
        return Ok(idempotency::replay(&location));
    }
    // Lock the request: two admins approving at once must not create two accounts.
    let request = sqlx::query!(
        r#"select a.person_email, a.person_name, a.status as "status: Status", a.partnership_id,
                  a.requested_by, p.name as partnership_name
           from appointments a join partnerships p using (partnership_id)
           where a.appointment_id = $1 for update of a"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if request.status != Status::Aangevraagd {
        return conflict(&admin, id, "Over deze aanvraag is al beslist.").await;
    }
    let account =
        match regisseur_account(&mut tx, &request.person_email, &request.person_name).await? {
            Ok(account) => account,
            Err(refused) => {
                return conflict(&admin, id, &refused.message(&request.person_email)).await;
            }
        };
    let user_id = account.user_id;
    sqlx::query!(
        r#"update appointments
           set status = 'goedgekeurd', decided_by = $2, decided_at = now(), user_id = $3
           where appointment_id = $1"#,
        id,
        admin.user.user_id,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    let link = if account.needs_link {
        Some(password_link::issue(&mut tx, user_id).await?)
    } else {
        None
    };
    // The regisseur, and whoever asked for the appointment unless that is the deciding admin.
    let mut told = vec![user_id];
    told.extend(request.requested_by.filter(|&by| by != admin.user.user_id));
    let notice = Notice::new(
        Kind::AppointmentApproved,
        format!(
            "Aanstelling als regisseur van {} goedgekeurd",
            request.partnership_name
        ),
        format!("/werkingsgebieden/{}", request.partnership_id),
    )
    .body(format!(
        "{} is aangesteld als regisseur van {}.",
        request.person_name, request.partnership_name
    ));
    notifications::notify(&mut tx, &state.config.public_url, &told, &notice).await?;
    audit::Entry::new(Action::AppointmentApproved)
        .actor(&admin.user)
        .object("appointment", id)
        .details(serde_json::json!({ "user_id": user_id, "password_link": link.is_some() }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    let location = format!("/aanstellingen/{id}");
    idempotency::answer(&mut tx, admin.user.user_id, &submission, &location).await?;
    let message = match &link {
        Some(_) => {
            "Aanstelling goedgekeurd. Geef de eenmalige link hieronder door aan de regisseur."
        }
        None => {
            "Aanstelling goedgekeurd. De regisseur kan zich aanmelden met het bestaande account."
        }
    };
    // The link is shown once: it is in the stored session before a second submission, waiting
    // on this one's claim, can be answered (see idempotency).
    if let Some(path) = link {
        admin
            .session
            .insert(
                ISSUED_LINK_KEY,
                IssuedLink {
                    appointment_id: id,
                    path,
                },
            )
            .await?;
    }
    flash::push(&admin.session, FlashKind::Success, message).await?;
    admin.session.save().await?;
    tx.commit().await?;
    Ok(Redirect::to(&location).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DecisionForm {
    motivation: String,
    ended_on: String,
    idempotency_key: String,
}

/// The motivation, trimmed, at most 2000 characters.
fn motivation(errors: &mut FieldErrors, form: &DecisionForm) -> String {
    let motivation = form.motivation.trim().to_string();
    if motivation.chars().count() > 2000 {
        errors.add(
            "motivation",
            "De motivering mag hoogstens 2000 tekens lang zijn.",
        );
    }
    motivation
}

/// The appointment page again, with the errors beside the decision's fields (422).
async fn invalid(
    state: &AppState,
    admin: &SignedIn,
    id: i64,
    errors: FieldErrors,
    form: DecisionForm,
) -> Result<Response> {
    let page = AppointmentPage::build(state, admin, id)
        .await?
        .with_errors(errors, form.motivation);
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn reject(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response> {
    let mut errors = FieldErrors::new();
    if form.motivation.trim().is_empty() {
        errors.add(
            "motivation",
            "Een afwijzing heeft een schriftelijke motivering nodig.",
        );
    }
    let motivation = motivation(&mut errors, &form);
    if !errors.is_empty() {
        return invalid(&state, &admin, id, errors, form).await;
    }
    let submission =
        idempotency::Submission::new(&form.idempotency_key, &("afwijzen", id, &motivation));
    let mut tx = state.db.begin().await?;
    if let Claim::Answered { location } =
        idempotency::claim(&mut tx, admin.user.user_id, &submission).await?
    {
        return Ok(idempotency::replay(&location));
    }
    let updated = sqlx::query_scalar!(
        r#"update appointments
           set status = 'afgewezen', decided_by = $2, decided_at = now(), decision_motivation = $3
           where appointment_id = $1 and status = 'aangevraagd'
           returning appointment_id"#,
        id,
        admin.user.user_id,
        motivation
    )
    .fetch_optional(&mut *tx)
    .await?;
    if updated.is_none() {
        // Unknown (404) or already decided.
        db::find(&state.db, id).await?;
        return conflict(&admin, id, "Over deze aanvraag is al beslist.").await;
    }
    audit::Entry::new(Action::AppointmentRejected)
        .actor(&admin.user)
        .object("appointment", id)
        .details(serde_json::json!({ "motivation": motivation }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    let location = format!("/aanstellingen/{id}");
    idempotency::answer(&mut tx, admin.user.user_id, &submission, &location).await?;
    tx.commit().await?;
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        "Aanvraag afgewezen.",
        &location,
    )
    .await
}

async fn end(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response> {
    let a = db::find(&state.db, id).await?;
    let mut errors = FieldErrors::new();
    let ended_on = forms::parse_date(&form.ended_on);
    match ended_on {
        None => errors.add(
            "ended_on",
            "Vul een geldige einddatum in (dd/mm/jjjj), tussen 2000 en 2100.",
        ),
        Some(d) if d < a.starts_on => errors.add(
            "ended_on",
            "De aanstelling kan niet eindigen vóór ze begon.",
        ),
        Some(_) => {}
    }
    let motivation = motivation(&mut errors, &form);
    let Some(ended_on) = ended_on.filter(|_| errors.is_empty()) else {
        let page =
            EndAppointmentPage::build(&admin, a, form.ended_on, form.motivation, errors).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let submission = idempotency::Submission::new(
        &form.idempotency_key,
        &("beeindigen", id, ended_on, &motivation),
    );
    let mut tx = state.db.begin().await?;
    if let Claim::Answered { location } =
        idempotency::claim(&mut tx, admin.user.user_id, &submission).await?
    {
        return Ok(idempotency::replay(&location));
    }
    // From now on current_appointments no longer lists it: write access ends at once.
    let updated = sqlx::query_scalar!(
        r#"update appointments
           set status = 'beeindigd', ended_by = $2, ended_at = now(), ended_on = $3,
               end_motivation = $4
           where appointment_id = $1 and status = 'goedgekeurd'
           returning appointment_id"#,
        id,
        admin.user.user_id,
        ended_on as NaiveDate,
        motivation
    )
    .fetch_optional(&mut *tx)
    .await?;
    if updated.is_none() {
        return conflict(
            &admin,
            id,
            "Alleen een goedgekeurde aanstelling kan beëindigd worden.",
        )
        .await;
    }
    audit::Entry::new(Action::AppointmentEnded)
        .actor(&admin.user)
        .object("appointment", id)
        .details(serde_json::json!({ "ended_on": ended_on.to_string(), "motivation": motivation }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    let location = format!("/aanstellingen/{id}");
    idempotency::answer(&mut tx, admin.user.user_id, &submission, &location).await?;
    tx.commit().await?;
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        "Aanstelling beëindigd; de regisseur kan dit werkingsgebied niet meer bewerken.",
        &location,
    )
    .await
}
