//! Users and roles: the admin pages to manage accounts, and (in [`bootstrap`]) the first admin
//! on an empty database.
//!
//! Routes (admins only): `GET /admin/gebruikers`, `GET/POST /admin/gebruikers/nieuw`,
//! `GET /admin/gebruikers/{id}`, `POST /admin/gebruikers/{id}/bewerken`,
//! `POST /admin/gebruikers/{id}/deactiveren`, `POST /admin/gebruikers/{id}/activeren`,
//! `POST /admin/gebruikers/{id}/wachtwoord-reset`; and in [`vdab`] the werkingsgebieden
//! assigned to a VDAB account manager.

mod bootstrap;
pub mod db;
pub mod vdab;

pub use bootstrap::ensure_first_admin;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::Session;

use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn, password, password_link};
use crate::error::{AppError, Result};
use crate::identity::{Role, is_plausible_email};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, Choice, FieldErrors};
use crate::web::idempotency::{self, Claim};
use crate::web::layout::Layout;
use crate::web::{format, render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(vdab::router())
        .route("/admin/gebruikers", get(index))
        .route("/admin/gebruikers/nieuw", get(new).post(create))
        .route("/admin/gebruikers/{id}", get(show))
        .route("/admin/gebruikers/{id}/bewerken", post(update))
        .route("/admin/gebruikers/{id}/deactiveren", post(deactivate))
        .route("/admin/gebruikers/{id}/activeren", post(reactivate))
        .route(
            "/admin/gebruikers/{id}/wachtwoord-reset",
            post(reset_password),
        )
}

/// Where a freshly issued one-time password waits to be shown to the admin, once.
const ONE_TIME_PASSWORD_KEY: &str = "one_time_password";

#[derive(Serialize, Deserialize)]
struct IssuedPassword {
    user_id: i64,
    password: String,
}

fn role_options(selected: Option<Role>) -> Vec<Choice> {
    Role::ALL
        .into_iter()
        .map(|r| Choice::new(r.code(), r.label(), Some(r) == selected))
        .collect()
}

struct UserListRow {
    user_id: i64,
    full_name: String,
    email: String,
    role: &'static str,
    active: bool,
    last_sign_in: String,
}

#[derive(Template)]
#[template(path = "users/index.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserListRow>,
    active_count: usize,
}

async fn index(State(state): State<AppState>, AdminOnly(admin): AdminOnly) -> Result<Response> {
    let users: Vec<UserListRow> = db::list(&state.db)
        .await?
        .into_iter()
        .map(|u| UserListRow {
            user_id: u.user_id,
            full_name: u.full_name,
            email: u.email,
            role: u.role.label(),
            active: u.active,
            last_sign_in: u
                .last_sign_in_at
                .map_or_else(|| "nooit".to_string(), format::datetime),
        })
        .collect();
    render(&UsersPage {
        layout: admin.layout("Gebruikers").await?,
        active_count: users.iter().filter(|u| u.active).count(),
        users,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserForm {
    email: String,
    full_name: String,
    role: String,
    /// On the form that creates a user: it creates one however often it is sent.
    idempotency_key: String,
}

#[derive(Template)]
#[template(path = "users/new.html")]
struct NewUserPage {
    layout: Layout,
    form: UserForm,
    roles: Vec<Choice>,
    errors: FieldErrors,
}

async fn new(AdminOnly(admin): AdminOnly) -> Result<Response> {
    render(&NewUserPage {
        layout: admin.layout("Nieuwe gebruiker").await?,
        form: UserForm {
            idempotency_key: idempotency::new_key(),
            ..UserForm::default()
        },
        roles: role_options(None),
        errors: FieldErrors::new(),
    })
}

/// Checks the name and role fields shared by the create and edit forms.
fn validate_name_and_role(form: &UserForm, errors: &mut FieldErrors) -> (String, Option<Role>) {
    let full_name = forms::text(errors, "full_name", "de naam", &form.full_name, 200);
    let role = Role::parse(&form.role);
    if role.is_none() {
        errors.add("role", "Kies een rol.");
    }
    (full_name, role)
}

async fn create(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Form(form): Form<UserForm>,
) -> Result<Response> {
    let mut errors = FieldErrors::new();
    let email = form.email.trim().to_string();
    if !is_plausible_email(&email) {
        errors.add(
            "email",
            "Vul een geldig e-mailadres in, zoals naam@gemeente.be.",
        );
    }
    let (full_name, role) = validate_name_and_role(&form, &mut errors);

    if let (true, Some(role)) = (errors.is_empty(), role) {
        let one_time = password::one_time_password();
        let hash = state.hasher.hash(one_time.clone()).await?;
        let submission =
            idempotency::Submission::new(&form.idempotency_key, &(&email, &full_name, role.code()));
        let mut tx = state.db.begin().await?;
        // Sent twice: the second is sent to the user the first created, and leaves the session
        // (which holds the one-time password the first issued) alone.
        if let Claim::Answered { location } =
            idempotency::claim(&mut tx, admin.user.user_id, &submission).await?
        {
            return Ok(idempotency::replay(&location));
        }
        let created = db::create(
            &mut *tx,
            db::NewUser {
                email: &email,
                full_name: &full_name,
                role,
                password_hash: Some(&hash),
                must_change_password: true,
            },
        )
        .await?;
        match created {
            Ok(user_id) => {
                audit::Entry::new(Action::UserCreated)
                    .actor(&admin.user)
                    .object("user", user_id)
                    .details(serde_json::json!({ "email": email, "role": role.code() }))
                    .record(&mut *tx, &admin.ctx)
                    .await?;
                let location = format!("/admin/gebruikers/{user_id}");
                idempotency::answer(&mut tx, admin.user.user_id, &submission, &location).await?;
                // The password is shown once: it is in the stored session before a second
                // submission, waiting on this one's claim, can be answered (see idempotency).
                hand_over_password(&admin.session, user_id, one_time).await?;
                flash::push(&admin.session, FlashKind::Success, "Gebruiker aangemaakt.").await?;
                admin.session.save().await?;
                tx.commit().await?;
                return Ok(Redirect::to(&location).into_response());
            }
            Err(db::EmailTaken) => {
                errors.add("email", "Er bestaat al een gebruiker met dit e-mailadres.");
            }
        }
    }

    render_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &NewUserPage {
            layout: admin.layout("Nieuwe gebruiker").await?,
            roles: role_options(role),
            form,
            errors,
        },
    )
}

async fn hand_over_password(session: &Session, user_id: i64, password: String) -> Result<()> {
    session
        .insert(ONE_TIME_PASSWORD_KEY, IssuedPassword { user_id, password })
        .await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "users/show.html")]
struct UserPage {
    layout: Layout,
    user: db::UserRow,
    role_label: &'static str,
    created: String,
    last_sign_in: String,
    form: UserForm,
    roles: Vec<Choice>,
    errors: FieldErrors,
    one_time_password: Option<String>,
    is_self: bool,
    is_vdab: bool,
    /// A VDAB account manager's werkingsgebieden, and those that can still be assigned.
    assignments: Vec<vdab::Assignment>,
    assignable: Vec<Choice>,
}

impl UserPage {
    async fn build(
        db: &PgPool,
        admin: &SignedIn,
        user: db::UserRow,
        form: Option<UserForm>,
        errors: FieldErrors,
    ) -> Result<Self> {
        // Shown once: taken out of the session as it is rendered.
        let issued: Option<IssuedPassword> =
            crate::web::flash::take_once(&admin.session, ONE_TIME_PASSWORD_KEY).await?;
        let form = form.unwrap_or_else(|| UserForm {
            email: user.email.clone(),
            full_name: user.full_name.clone(),
            role: user.role.code().to_string(),
            idempotency_key: String::new(),
        });
        let is_vdab = user.role == Role::Vdab;
        let (assignments, assignable) = if is_vdab {
            (
                vdab::assignments(db, user.user_id).await?,
                vdab::assignable(db, user.user_id).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Self {
            layout: admin.layout(user.full_name.clone()).await?,
            role_label: user.role.label(),
            created: format::datetime(user.created_at),
            last_sign_in: user
                .last_sign_in_at
                .map_or_else(|| "nooit".to_string(), format::datetime),
            roles: role_options(Role::parse(&form.role)),
            form,
            errors,
            one_time_password: issued
                .filter(|i| i.user_id == user.user_id)
                .map(|i| i.password),
            is_self: admin.user.user_id == user.user_id,
            is_vdab,
            assignments,
            assignable,
            user,
        })
    }
}

async fn find_user(db: &PgPool, user_id: i64) -> Result<db::UserRow> {
    db::find(db, user_id).await?.ok_or(AppError::NotFound)
}

async fn show(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(user_id): Path<i64>,
) -> Result<Response> {
    let user = find_user(&state.db, user_id).await?;
    render(&UserPage::build(&state.db, &admin, user, None, FieldErrors::new()).await?)
}

async fn update(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(user_id): Path<i64>,
    Form(form): Form<UserForm>,
) -> Result<Response> {
    let user = find_user(&state.db, user_id).await?;
    let mut errors = FieldErrors::new();
    let (full_name, role) = validate_name_and_role(&form, &mut errors);
    if user.user_id == admin.user.user_id && role.is_some_and(|r| r != Role::Admin) {
        errors.add(
            "role",
            "U kunt uw eigen beheerdersrol niet afnemen; laat dat een andere beheerder doen.",
        );
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        let page = UserPage::build(&state.db, &admin, user, Some(form), errors).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };

    let mut tx = state.db.begin().await?;
    sqlx::query!(
        "update users set full_name = $2, role = $3, updated_at = now() where user_id = $1",
        user_id,
        full_name,
        role as Role,
    )
    .execute(&mut *tx)
    .await?;
    audit::Entry::new(Action::UserUpdated)
        .actor(&admin.user)
        .object("user", user_id)
        .details(serde_json::json!({
            "full_name": { "from": user.full_name, "to": full_name },
            "role": { "from": user.role.code(), "to": role.code() },
        }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    if role != Role::Vdab {
        // No reach left over that would come back with the role.
        vdab::revoke_all(&mut tx, &admin, user_id).await?;
    }
    tx.commit().await?;
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        "Gegevens bewaard.",
        &format!("/admin/gebruikers/{user_id}"),
    )
    .await
}

async fn deactivate(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(user_id): Path<i64>,
) -> Result<Response> {
    if user_id == admin.user.user_id {
        return flash::redirect(
            &admin.session,
            FlashKind::Error,
            "U kunt uw eigen account niet deactiveren.",
            &format!("/admin/gebruikers/{user_id}"),
        )
        .await;
    }
    set_active(&state, &admin, user_id, false).await
}

async fn reactivate(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(user_id): Path<i64>,
) -> Result<Response> {
    set_active(&state, &admin, user_id, true).await
}

/// Deactivating bumps the session version, which ends all the user's sessions at once.
async fn set_active(
    state: &AppState,
    admin: &SignedIn,
    user_id: i64,
    active: bool,
) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query_scalar!(
        r#"update users
           set active = $2, updated_at = now(),
               session_version = session_version + case when $2 then 0 else 1 end
           where user_id = $1 and active <> $2
           returning user_id"#,
        user_id,
        active
    )
    .fetch_optional(&mut *tx)
    .await?;
    if changed.is_none() {
        // Unknown user, or nothing to change (a double click): not an error.
        find_user(&state.db, user_id).await?;
    } else {
        if !active {
            password_link::void_unused(&mut *tx, user_id).await?;
        }
        let action = if active {
            Action::UserReactivated
        } else {
            Action::UserDeactivated
        };
        audit::Entry::new(action)
            .actor(&admin.user)
            .object("user", user_id)
            .record(&mut *tx, &admin.ctx)
            .await?;
    }
    tx.commit().await?;
    let message = if active {
        "Gebruiker is actief."
    } else {
        "Gebruiker is gedeactiveerd; lopende sessies zijn beëindigd."
    };
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        message,
        &format!("/admin/gebruikers/{user_id}"),
    )
    .await
}

async fn reset_password(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(user_id): Path<i64>,
) -> Result<Response> {
    find_user(&state.db, user_id).await?;
    let one_time = password::one_time_password();
    let hash = state.hasher.hash(one_time.clone()).await?;
    let mut tx = state.db.begin().await?;
    sqlx::query!(
        r#"update users
           set password_hash = $2, must_change_password = true,
               session_version = session_version + 1, updated_at = now()
           where user_id = $1"#,
        user_id,
        hash
    )
    .execute(&mut *tx)
    .await?;
    password_link::void_unused(&mut *tx, user_id).await?;
    audit::Entry::new(Action::PasswordReset)
        .actor(&admin.user)
        .object("user", user_id)
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    hand_over_password(&admin.session, user_id, one_time).await?;
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        "Er is een nieuw eenmalig wachtwoord ingesteld; lopende sessies van deze gebruiker zijn beëindigd.",
        &format!("/admin/gebruikers/{user_id}"),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_codes() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
