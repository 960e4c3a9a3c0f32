//! The werkingsgebieden assigned to a VDAB account manager: whose cooperation agreements they
//! see and follow up (`agreements::access` reads the assignments). Shown and changed on the
//! admin page of the user.
//!
//! Routes (admins only): `POST /admin/gebruikers/{id}/werkingsgebieden` (field
//! `partnership_id`), `POST /admin/gebruikers/{id}/werkingsgebieden/{partnership_id}/intrekken`.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use sqlx::{PgConnection, PgExecutor};

use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn};
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::Choice;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/gebruikers/{id}/werkingsgebieden", post(assign))
        .route(
            "/admin/gebruikers/{id}/werkingsgebieden/{partnership_id}/intrekken",
            post(unassign),
        )
}

/// A werkingsgebied assigned to a VDAB account manager.
pub struct Assignment {
    pub partnership_id: i64,
    pub name: String,
    /// The name of its policy period.
    pub period: String,
}

/// The werkingsgebieden assigned to `user_id`, newest period first.
pub async fn assignments(db: impl PgExecutor<'_>, user_id: i64) -> Result<Vec<Assignment>> {
    Ok(sqlx::query_as!(
        Assignment,
        r#"select p.partnership_id, p.name, pp.name as period
           from vdab_assignments a
           join partnerships p on p.partnership_id = a.partnership_id
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           where a.user_id = $1
           order by pp.starts_on desc, lower(p.name), p.partnership_id"#,
        user_id
    )
    .fetch_all(db)
    .await?)
}

/// The choices of the assign form: the werkingsgebieden of all periods not yet assigned to
/// `user_id`, newest period first, labelled `Regio Leie (2023-2025)`.
pub async fn assignable(db: impl PgExecutor<'_>, user_id: i64) -> Result<Vec<Choice>> {
    Ok(sqlx::query!(
        r#"select p.partnership_id, p.name, pp.name as period
           from partnerships p
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           where not exists (select 1 from vdab_assignments a
                             where a.user_id = $1 and a.partnership_id = p.partnership_id)
           order by pp.starts_on desc, lower(p.name), p.partnership_id"#,
        user_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Choice::new(
            r.partnership_id,
            format!("{} ({})", r.name, r.period),
            false,
        )
    })
    .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssignForm {
    partnership_id: String,
}

async fn assign(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(user_id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> Result<Response> {
    let back = format!("/admin/gebruikers/{user_id}");
    let mut tx = state.db.begin().await?;
    match try_assign(&mut tx, &admin, user_id, &form).await? {
        Ok(label) => {
            tx.commit().await?;
            let message = format!("{label} is toegewezen.");
            flash::redirect(&admin.session, FlashKind::Success, message, &back).await
        }
        // Nothing was written; the transaction ends unused.
        Err(refusal) => flash::redirect(&admin.session, FlashKind::Error, refusal, &back).await,
    }
}

/// Assigns and audits in `tx`; `Ok(Err(message))` says in Dutch why nothing was stored.
async fn try_assign(
    tx: &mut PgConnection,
    admin: &SignedIn,
    user_id: i64,
    form: &AssignForm,
) -> Result<Result<String, &'static str>> {
    // Shared lock: a role change (which revokes the assignments, see `revoke_all`) waits for
    // this transaction, and this one sees the role it will commit against.
    let role = sqlx::query_scalar!(
        r#"select role as "role: Role" from users where user_id = $1 for share"#,
        user_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if role != Role::Vdab {
        return Ok(Err(
            "Alleen een VDAB-accountmanager krijgt werkingsgebieden toegewezen; wijzig eerst de rol van deze gebruiker.",
        ));
    }
    let Ok(partnership_id) = form.partnership_id.trim().parse::<i64>() else {
        return Ok(Err("Kies een werkingsgebied om toe te wijzen."));
    };
    let Some(partnership) = sqlx::query!(
        r#"select p.name, pp.name as period
           from partnerships p
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           where p.partnership_id = $1"#,
        partnership_id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Err(
            "Dat werkingsgebied bestaat niet; kies er een uit de lijst.",
        ));
    };
    // The primary key decides whether it was assigned already (also for a double submit).
    let inserted = sqlx::query_scalar!(
        r#"insert into vdab_assignments (user_id, partnership_id, assigned_by)
           values ($1, $2, $3)
           on conflict (user_id, partnership_id) do nothing
           returning partnership_id"#,
        user_id,
        partnership_id,
        admin.user.user_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_none() {
        return Ok(Err(
            "Dit werkingsgebied is al aan deze gebruiker toegewezen.",
        ));
    }
    audit::Entry::new(Action::VdabAssigned)
        .actor(&admin.user)
        .object("user", user_id)
        .details(serde_json::json!({
            "partnership_id": partnership_id,
            "partnership": partnership.name,
            "period": partnership.period,
        }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    Ok(Ok(format!("{} ({})", partnership.name, partnership.period)))
}

async fn unassign(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path((user_id, partnership_id)): Path<(i64, i64)>,
) -> Result<Response> {
    let back = format!("/admin/gebruikers/{user_id}");
    let mut tx = state.db.begin().await?;
    let removed = sqlx::query!(
        r#"delete from vdab_assignments a
           using partnerships p
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           where a.partnership_id = p.partnership_id
             and a.user_id = $1 and a.partnership_id = $2
           returning p.name, pp.name as period"#,
        user_id,
        partnership_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(removed) = removed else {
        // Unknown user (404), or nothing to revoke: a double click is not an error.
        super::find_user(&state.db, user_id).await?;
        return flash::redirect(
            &admin.session,
            FlashKind::Info,
            "Dit werkingsgebied was niet (meer) aan deze gebruiker toegewezen.",
            &back,
        )
        .await;
    };
    audit::Entry::new(Action::VdabUnassigned)
        .actor(&admin.user)
        .object("user", user_id)
        .details(serde_json::json!({
            "partnership_id": partnership_id,
            "partnership": removed.name,
            "period": removed.period,
        }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    let message = format!(
        "De toewijzing van {} ({}) is ingetrokken.",
        removed.name, removed.period
    );
    flash::redirect(&admin.session, FlashKind::Success, message, &back).await
}

/// Revokes (and audits) every assignment of `user_id`, in the caller's transaction: when a
/// user stops being a VDAB account manager. Their assignments would no longer count anyway
/// (`agreements::access` checks the role), but kept they would silently come back with the
/// role; an admin who makes them VDAB again assigns afresh.
pub(super) async fn revoke_all(
    tx: &mut PgConnection,
    admin: &SignedIn,
    user_id: i64,
) -> Result<()> {
    let removed = sqlx::query!(
        r#"delete from vdab_assignments a
           using partnerships p
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           where a.partnership_id = p.partnership_id and a.user_id = $1
           returning a.partnership_id, p.name, pp.name as period"#,
        user_id
    )
    .fetch_all(&mut *tx)
    .await?;
    for r in removed {
        audit::Entry::new(Action::VdabUnassigned)
            .actor(&admin.user)
            .object("user", user_id)
            .details(serde_json::json!({
                "partnership_id": r.partnership_id,
                "partnership": r.name,
                "period": r.period,
                "reason": "rol gewijzigd",
            }))
            .record(&mut *tx, &admin.ctx)
            .await?;
    }
    Ok(())
}
