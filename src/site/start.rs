//! The role-specific blocks of the start page (`GET /`): a regisseur's priority check and
//! latest actions of their own werkingsgebieden, an admin's tasks.

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::actions::db::OwnPartnership;
use crate::actions::matrix::{self, PartnershipMatrix};
use crate::actions::model::Status;
use crate::error::Result;
use crate::periods;
use crate::web::format;

/// How many of their latest actions a regisseur sees on the start page.
const LATEST_ACTIONS: i64 = 5;

/// A regisseur's start: per own werkingsgebied its priority check, and their latest actions.
pub struct RegisseurStart {
    pub areas: Vec<PartnershipMatrix>,
    pub actions: Vec<RecentAction>,
}

/// One of the latest actions of the regisseur's own werkingsgebieden.
pub struct RecentAction {
    pub action_id: i64,
    pub title: String,
    pub partnership: String,
    pub starts_on: String,
    pub status: &'static str,
}

impl RegisseurStart {
    /// Only the werkingsgebieden of the regisseur's current appointments (`own`): nothing of
    /// another area reaches their start page.
    pub async fn load(db: &PgPool, own: &[OwnPartnership]) -> Result<Self> {
        let ids: Vec<i64> = own.iter().map(|p| p.partnership_id).collect();
        // A period's name is unique, and `own` already carries it: no query to find it.
        let all = periods::list(db).await?;
        let mut areas = Vec::with_capacity(own.len());
        for p in own {
            if let Some(period) = all.iter().find(|x| x.name == p.period) {
                areas.push(matrix::for_partnership(db, period, p.partnership_id, &p.name).await?);
            }
        }
        let actions = sqlx::query!(
            r#"select a.action_id, a.title, p.name, a.starts_on as "starts_on: NaiveDate",
                      a.status as "status: Status"
               from actions a
               join partnerships p on p.partnership_id = a.partnership_id
               where a.partnership_id = any($1) and a.deleted_at is null
               order by a.updated_at desc, a.action_id desc
               limit $2"#,
            &ids,
            LATEST_ACTIONS
        )
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|r| RecentAction {
            action_id: r.action_id,
            title: r.title,
            partnership: r.name,
            starts_on: format::date(r.starts_on),
            status: r.status.code(),
        })
        .collect();
        Ok(Self { areas, actions })
    }
}

/// An admin's tasks: appointments to decide, the period that covers today, the users.
pub struct AdminTasks {
    pub requested: i64,
    /// The policy period running today and its last day.
    pub current_period: Option<String>,
    pub current_period_ends: Option<String>,
    pub active_users: i64,
}

impl AdminTasks {
    /// One statement.
    pub async fn load(db: &PgPool, today: NaiveDate) -> Result<Self> {
        let r = sqlx::query!(
            r#"select
                 (select count(*) from appointments where status = 'aangevraagd') as "requested!",
                 (select count(*) from users where active) as "active_users!",
                 pp.name as "period?", pp.ends_on as "ends_on?: NaiveDate"
               from (select 1) one
               left join policy_periods pp on $1 between pp.starts_on and pp.ends_on"#,
            today as NaiveDate
        )
        .fetch_one(db)
        .await?;
        Ok(Self {
            requested: r.requested,
            current_period: r.period,
            current_period_ends: r.ends_on.map(format::date),
            active_users: r.active_users,
        })
    }
}
