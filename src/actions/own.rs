//! The werkingsgebieden a regisseur works in, for what a page shows (a button, "your
//! werkingsgebieden"): their ids come with the session (`CurrentUser::own_partnerships`) and
//! their names from the reference cache, so a page spends no statement on them. Writes still
//! check in their own statement or transaction ([`super::db::own_partnerships`],
//! [`super::db::may_write`]).

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::PgPool;

use super::db::OwnPartnership;
use crate::error::Result;
use crate::identity::{CurrentUser, Role};
use crate::reference::Reference;

/// A werkingsgebied's name and its period's.
pub struct Named {
    pub name: String,
    pub period: String,
    /// Place in the order of "newest period first, then by name" (the database's collation).
    rank: i64,
}

/// Every werkingsgebied's name and period. Reference data (partnerships, policy_periods): a
/// few hundred rows that change a few times a year, read once per reference version.
pub async fn names(reference: &Reference, db: &PgPool) -> Result<Arc<HashMap<i64, Named>>> {
    reference
        .get_or_load("actions:partnership-names", || async {
            let rows = sqlx::query!(
                r#"select p.partnership_id, p.name, pp.name as period,
                          row_number() over (order by pp.starts_on desc, p.name) as "rank!"
                   from partnerships p
                   join policy_periods pp on pp.policy_period_id = p.policy_period_id"#
            )
            .fetch_all(db)
            .await?;
            Ok(rows
                .into_iter()
                .map(|r| {
                    let named = Named {
                        name: r.name,
                        period: r.period,
                        rank: r.rank,
                    };
                    (r.partnership_id, named)
                })
                .collect())
        })
        .await
}

/// The ids of the werkingsgebieden `user` writes now: those of their current appointments, if
/// they are a regisseur. Someone whose appointment still runs but who became ministry staff or
/// admin writes none (as [`super::db::own_partnerships`] has it).
pub fn ids(user: &CurrentUser) -> &[i64] {
    if user.role == Role::Regisseur {
        &user.own_partnerships
    } else {
        &[]
    }
}

/// [`super::db::own_partnerships`] without a statement: newest period first, then by name.
pub async fn partnerships(
    reference: &Reference,
    db: &PgPool,
    user: &CurrentUser,
) -> Result<Vec<OwnPartnership>> {
    let ids = ids(user);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let names = names(reference, db).await?;
    let mut own: Vec<(&Named, i64)> = ids
        .iter()
        .filter_map(|id| names.get(id).map(|n| (n, *id)))
        .collect();
    own.sort_by_key(|(n, _)| n.rank);
    Ok(own
        .into_iter()
        .map(|(n, partnership_id)| OwnPartnership {
            partnership_id,
            name: n.name.clone(),
            period: n.period.clone(),
        })
        .collect())
}
