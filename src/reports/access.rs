//! Who may do what with the yearly reports of one werkingsgebied. Every handler asks [`of`] and
//! refuses with [`require`]; which workflow step a role takes is in [`super::model::Step`].
//!
//! | role | reads | writes the narrative, submits | reviews (steps, checklist) | writes messages |
//! |---|---|---|---|---|
//! | admin | all | - | all | all |
//! | ministry | all | - | all | all |
//! | regisseur | own werkingsgebied while the appointment runs | same | - | same |
//! | vdab | - | - | - | - |
//!
//! The report is the werkingsgebied's account to the department: its own regisseur writes it,
//! and nobody else writes in their name (an admin neither). VDAB sees the agreement's follow-up
//! on the agreement pages, not the report.
//!
//! "Own" includes the werkingsgebied's successor for the last year only: the report on the last
//! year of a policy period is due months after that period ended, when the appointments of the
//! old werkingsgebied have ended too, so the regisseur of the werkingsgebied carried over from it
//! (`carried_over_from`) writes it. The SQL function `report_writers(partnership, year)` is the
//! one definition.

use sqlx::PgExecutor;

use crate::auth::{SignedIn, deny};
use crate::error::Result;
use crate::identity::{CurrentUser, Role};
use crate::state::AppState;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// See the werkingsgebied's reports, their history, submissions and messages.
    pub read: bool,
    /// Write the narrative and submit (the werkingsgebied's own regisseur).
    pub write: bool,
    /// Take up, approve, send back, reopen; fill in the checklist (ministry staff, admins).
    pub review: bool,
    /// Write in the message thread.
    pub message: bool,
}

/// What `user` may do with the report of werkingsgebied `partnership_id` for `year`.
pub async fn of(
    db: impl PgExecutor<'_>,
    user: &CurrentUser,
    partnership_id: i64,
    year: i32,
) -> Result<Access> {
    Ok(match user.role {
        Role::Admin | Role::Ministry => Access {
            read: true,
            write: false,
            review: true,
            message: true,
        },
        Role::Regisseur => {
            let current = sqlx::query_scalar!(
                r#"select $2 in (select report_writers($1, $3)) as "writes!""#,
                partnership_id,
                user.user_id,
                year
            )
            .fetch_one(db)
            .await?;
            Access {
                read: current,
                write: current,
                review: false,
                message: current,
            }
        }
        Role::Vdab => Access::default(),
    })
}

/// Refuses (403, audited) unless `allowed`.
pub async fn require(state: &AppState, signed_in: &SignedIn, allowed: bool) -> Result<()> {
    if allowed {
        Ok(())
    } else {
        Err(deny(state, signed_in).await)
    }
}

/// The users who write the report of werkingsgebied `partnership_id` for `year` today
/// (`report_writers`, see the module documentation): who its notifications go to.
pub async fn writers(db: impl PgExecutor<'_>, partnership_id: i64, year: i32) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar!(
        r#"select w as "user_id!" from report_writers($1, $2) w"#,
        partnership_id,
        year
    )
    .fetch_all(db)
    .await?)
}
