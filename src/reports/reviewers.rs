//! The reviewer of a werkingsgebied: the ministry user told when its report comes in. Any
//! ministry user may act on a report; this one is notified (see [`super::notify`]).
//!
//! Route: `POST /werkingsgebieden/{id}/beoordelaar` (admins) with `reviewer_id`: a user id, or
//! empty to remove the assignment. A form without the field is refused (422), as is anyone but
//! an active ministry user (the trigger `partnership_reviewers_ministry` checks the role). The
//! form sits on the werkingsgebied's page ([`section`]); a refused one is shown again on a small
//! page of its own.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use sqlx::PgExecutor;

use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn};
use crate::error::{Result, ResultExt};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::render_with_status;

pub fn router() -> Router<AppState> {
    Router::new().route("/werkingsgebieden/{id}/beoordelaar", post(update))
}

/// The reviewer part of the werkingsgebied's page.
pub struct ReviewerSection {
    pub partnership_id: i64,
    /// The assigned reviewer's name.
    pub current: Option<String>,
    /// The assigned reviewer is no longer an active ministry user: notifications go to the
    /// whole department until an admin chooses another.
    pub current_inactive: bool,
    /// Admins get the form: the active ministry users, the current one chosen.
    pub may_assign: bool,
    pub choices: Vec<Choice>,
}

/// The assigned reviewer as read with the user's row.
pub struct Assigned {
    pub user_id: i64,
    pub full_name: String,
    /// Still an active ministry user.
    pub reachable: bool,
}

/// An active ministry user, who may become the reviewer.
#[derive(Debug, Deserialize)]
pub struct Candidate {
    pub user_id: i64,
    pub full_name: String,
    pub email: String,
}

/// The reviewer of werkingsgebied `partnership_id` and, for admins, who may become one.
pub async fn section(
    db: impl PgExecutor<'_> + Copy,
    partnership_id: i64,
    is_admin: bool,
) -> Result<ReviewerSection> {
    let current = sqlx::query_as!(
        Assigned,
        r#"select u.user_id, u.full_name, (u.active and u.role = 'ministry') as "reachable!"
           from partnership_reviewers r
           join users u on u.user_id = r.reviewer_id
           where r.partnership_id = $1"#,
        partnership_id
    )
    .fetch_optional(db)
    .await?;
    let candidates = if is_admin {
        Some(candidates(db).await?)
    } else {
        None
    };
    Ok(section_of(partnership_id, current, candidates))
}

/// The section from what was read: `candidates` only for admins, who get the form. The
/// werkingsgebied page reads both with the rest of its data (`partnerships::show`).
pub fn section_of(
    partnership_id: i64,
    current: Option<Assigned>,
    candidates: Option<Vec<Candidate>>,
) -> ReviewerSection {
    let selected = current.as_ref().map(|c| c.user_id);
    ReviewerSection {
        partnership_id,
        current_inactive: current.as_ref().is_some_and(|c| !c.reachable),
        current: current.map(|c| c.full_name),
        may_assign: candidates.is_some(),
        choices: candidates
            .unwrap_or_default()
            .into_iter()
            .map(|u| {
                Choice::new(
                    u.user_id,
                    format!("{} ({})", u.full_name, u.email),
                    Some(u.user_id) == selected,
                )
            })
            .collect(),
    }
}

/// The active ministry users by name.
async fn candidates(db: impl PgExecutor<'_>) -> Result<Vec<Candidate>> {
    Ok(sqlx::query_as!(
        Candidate,
        r#"select user_id, full_name, email from users
           where role = 'ministry' and active order by full_name, user_id"#
    )
    .fetch_all(db)
    .await?)
}

#[derive(Template)]
#[template(path = "reports/reviewer.html")]
struct ReviewerPage {
    layout: Layout,
    name: String,
    reviewer: ReviewerSection,
    error: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReviewerForm {
    /// Absent: a form from nowhere. Empty: no reviewer.
    reviewer_id: Option<String>,
}

/// The form again, with the choice as made and why it was refused (422).
async fn refuse(
    state: &AppState,
    admin: &SignedIn,
    partnership_id: i64,
    name: String,
    typed: Option<i64>,
    error: &str,
) -> Result<Response> {
    let mut reviewer = section(&state.db, partnership_id, true).await?;
    for choice in &mut reviewer.choices {
        choice.selected = Some(choice.value.as_str()) == typed.map(|t| t.to_string()).as_deref();
    }
    let page = ReviewerPage {
        layout: admin.layout(format!("Beoordelaar van {name}")).await?,
        name,
        reviewer,
        error: error.to_string(),
    };
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

const NOT_MINISTRY: &str =
    "Kies een actieve gebruiker van het departement: alleen die kan een rapport beoordelen.";

async fn update(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(partnership_id): Path<i64>,
    Form(form): Form<ReviewerForm>,
) -> Result<Response> {
    let name = crate::partnerships::find(&state.db, partnership_id)
        .await?
        .name;
    let Some(typed) = form.reviewer_id else {
        let error = "Het formulier is onvolledig; laad de pagina opnieuw.";
        return refuse(&state, &admin, partnership_id, name, None, error).await;
    };
    let chosen = match typed.trim() {
        "" => None,
        id => match id.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                return refuse(&state, &admin, partnership_id, name, None, NOT_MINISTRY).await;
            }
        },
    };
    let mut tx = state.db.begin().await?;
    let previous = sqlx::query_scalar!(
        "select reviewer_id from partnership_reviewers where partnership_id = $1 for update",
        partnership_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    match chosen {
        None => {
            sqlx::query!(
                "delete from partnership_reviewers where partnership_id = $1",
                partnership_id
            )
            .execute(&mut *tx)
            .await?;
        }
        Some(reviewer_id) => {
            // An inactive or unknown user inserts nothing; another role meets the trigger.
            let stored = sqlx::query_scalar!(
                r#"insert into partnership_reviewers (partnership_id, reviewer_id, assigned_by)
                   select $1, user_id, $3 from users where user_id = $2 and active
                   on conflict (partnership_id) do update
                       set reviewer_id = excluded.reviewer_id,
                           assigned_by = excluded.assigned_by, assigned_at = now()
                   returning reviewer_id"#,
                partnership_id,
                reviewer_id,
                admin.user.user_id
            )
            .fetch_optional(&mut *tx)
            .await
            .on_constraint(&[("partnership_reviewers_ministry", ())])?;
            if !matches!(stored, Ok(Some(_))) {
                drop(tx);
                return refuse(&state, &admin, partnership_id, name, chosen, NOT_MINISTRY).await;
            }
        }
    }
    audit::Entry::new(Action::ReviewerAssigned)
        .actor(&admin.user)
        .object("partnership", partnership_id)
        .details(serde_json::json!({ "previous": previous, "reviewer_id": chosen }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    let message = if chosen.is_some() {
        "Beoordelaar toegewezen."
    } else {
        "Er is geen beoordelaar meer toegewezen."
    };
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        message,
        &format!("/werkingsgebieden/{partnership_id}#beoordelaar"),
    )
    .await
}
