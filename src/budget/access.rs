//! Who may do what with the budget of one werkingsgebied. Pages across Flanders (`/budget`, the
//! year pages, rules, rates, the simulator) are for staff ([`crate::auth::StaffOnly`]) and their
//! forms for admins ([`crate::auth::AdminOnly`]); the page of one werkingsgebied asks [`of`]:
//!
//! | role | reads its budget page | reports its spending | records payments |
//! |---|---|---|---|
//! | admin | all | all | all |
//! | ministry | all | - | - |
//! | regisseur | own werkingsgebied while the appointment runs | same | - |
//! | vdab | - | - | - |
//!
//! The allocations themselves are public open data (`/api/v1/allocations`); payments and
//! reported spending are not.

use sqlx::PgExecutor;

use crate::error::Result;
use crate::identity::{CurrentUser, Role};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// See the werkingsgebied's allocations, payments and spending.
    pub read: bool,
    /// Report what it spent.
    pub report: bool,
    /// Record payments.
    pub pay: bool,
}

/// What `user` may do with the budget of werkingsgebied `partnership_id`.
pub async fn of(
    db: impl PgExecutor<'_>,
    user: &CurrentUser,
    partnership_id: i64,
) -> Result<Access> {
    Ok(match user.role {
        Role::Admin => Access {
            read: true,
            report: true,
            pay: true,
        },
        Role::Ministry => Access {
            read: true,
            ..Access::default()
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
            Access {
                read: current,
                report: current,
                pay: false,
            }
        }
        Role::Vdab => Access::default(),
    })
}
