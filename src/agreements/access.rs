//! Who may do what with the agreements of one werkingsgebied. Every handler asks [`of`] for the
//! agreement's werkingsgebied and refuses with [`require`], so the rules live in one place:
//!
//! | role | reads | writes the agreement, status, commitments, documents | progress notes, meetings | comments |
//! |---|---|---|---|---|
//! | admin | all | all | all | all |
//! | ministry | all | - | - | all |
//! | regisseur | all | own werkingsgebied while the appointment runs | same | same |
//! | vdab | assigned werkingsgebieden, without the comments | - | assigned | - |
//!
//! Recording a meeting sets every commitment's status as agreed at that meeting, also when a
//! VDAB account manager records it: the steering group is joint, and the statuses are part of
//! its minutes (the snapshot keeps who recorded what).

use sqlx::PgExecutor;

use crate::auth::{SignedIn, deny};
use crate::error::Result;
use crate::identity::{CurrentUser, Role};
use crate::state::AppState;

/// What one user may do with the agreements of one werkingsgebied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// See its agreements, commitments, meetings and documents.
    pub read: bool,
    /// Create and edit agreements, move their status, manage commitments and documents.
    pub write: bool,
    /// Add progress notes to commitments and record follow-up meetings.
    pub follow_up: bool,
    /// Comment on an agreement (ministry staff ask, the regisseur answers).
    pub comment: bool,
    /// An outside partner (VDAB): sees the agreement's own content, not the comments between
    /// the ministry and the werkingsgebied, and cannot open the action log its commitments link to.
    pub outside: bool,
}

impl Access {
    const NONE: Access = Access {
        read: false,
        write: false,
        follow_up: false,
        comment: false,
        outside: false,
    };
    const ALL: Access = Access {
        read: true,
        write: true,
        follow_up: true,
        comment: true,
        outside: false,
    };
}

/// What `user` may do with the agreements of werkingsgebied `partnership_id`.
pub async fn of(
    db: impl PgExecutor<'_>,
    user: &CurrentUser,
    partnership_id: i64,
) -> Result<Access> {
    Ok(match user.role {
        Role::Admin => Access::ALL,
        Role::Ministry => Access {
            read: true,
            comment: true,
            ..Access::NONE
        },
        Role::Regisseur => {
            let current = sqlx::query_scalar!(
                r#"select exists(select 1 from current_appointments
                                 where partnership_id = $1 and user_id = $2) as "exists!""#,
                partnership_id,
                user.user_id
            )
            .fetch_one(db)
            .await?;
            if current {
                Access::ALL
            } else {
                Access {
                    read: true,
                    ..Access::NONE
                }
            }
        }
        Role::Vdab => {
            let assigned = sqlx::query_scalar!(
                r#"select exists(select 1 from vdab_assignments
                                 where partnership_id = $1 and user_id = $2) as "exists!""#,
                partnership_id,
                user.user_id
            )
            .fetch_one(db)
            .await?;
            if assigned {
                Access {
                    read: true,
                    follow_up: true,
                    outside: true,
                    ..Access::NONE
                }
            } else {
                Access::NONE
            }
        }
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

/// The werkingsgebieden whose agreements `user` may see: `None` for all of them, or the list
/// assigned to a VDAB account manager.
pub async fn visible_partnerships(
    db: impl PgExecutor<'_>,
    user: &CurrentUser,
) -> Result<Option<Vec<i64>>> {
    if user.role != Role::Vdab {
        return Ok(None);
    }
    Ok(Some(
        sqlx::query_scalar!(
            "select partnership_id from vdab_assignments where user_id = $1 order by partnership_id",
            user.user_id
        )
        .fetch_all(db)
        .await?,
    ))
}
