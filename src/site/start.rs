//! The role-specific blocks of the start page (`GET /`): a regisseur's reports, upcoming
//! appointments, priority check and latest actions of their own werkingsgebieden, an admin's
//! tasks.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use sqlx::PgPool;
use sqlx::types::Json;

use crate::actions::db::OwnPartnership;
use crate::actions::matrix::{self, PartnershipMatrix};
use crate::actions::model::Status;
use crate::appointments::db::Upcoming;
use crate::dashboard::health;
use crate::error::Result;
use crate::periods::Period;
use crate::reports::model::ReportStatus;
use crate::web::format;

/// How many of their latest actions a regisseur sees on the start page.
const LATEST_ACTIONS: i64 = 5;

/// What a regisseur's start page reads: all of it in one statement (`RegisseurHome::load`).
pub struct RegisseurHome {
    pub reports: Vec<OwnReport>,
    /// Their approved appointments that start later.
    pub upcoming: Vec<Upcoming>,
    /// With at least one own werkingsgebied: its priority check and the latest actions.
    pub start: Option<RegisseurStart>,
}

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

/// A regisseur's report of the current cycle: last year's, or the nearest year of the
/// werkingsgebied's period (the first, in a period that started this year); and last year's
/// report of the werkingsgebied carried over into theirs, when that period ended last year.
pub struct OwnReport {
    pub name: String,
    pub year: i16,
    pub state: String,
    pub late: bool,
    pub href: String,
}

#[derive(Debug, Deserialize)]
struct ReportRow {
    partnership_id: i64,
    name: String,
    year: i16,
    status: Option<ReportStatus>,
    due_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
struct UpcomingRow {
    partnership_id: i64,
    partnership_name: String,
    period_name: String,
    starts_on: NaiveDate,
}

#[derive(Debug, Deserialize)]
struct CountRow {
    partnership_id: i64,
    year: i16,
    priority: i16,
    actions: i32,
}

#[derive(Debug, Deserialize)]
struct LatestRow {
    action_id: i64,
    title: String,
    partnership: String,
    starts_on: NaiveDate,
    status: String,
}

impl RegisseurHome {
    /// Only the werkingsgebieden of the regisseur's current appointments (`own`, from the
    /// session): nothing of another area reaches their start page. Each block was a statement
    /// of its own (and the priority check one per werkingsgebied); as JSON in one select list
    /// they cost one round trip.
    pub async fn load(
        db: &PgPool,
        periods: &[Period],
        own: &[OwnPartnership],
        user_id: i64,
        today: NaiveDate,
    ) -> Result<Self> {
        let ids: Vec<i64> = own.iter().map(|p| p.partnership_id).collect();
        let r = sqlx::query!(
            r#"with mine as (
                   select unnest($2::bigint[]) as partnership_id
               ),
               -- Their own werkingsgebieden and the ones carried over into them: last year's
               -- report of an ended period is written by its successor's regisseur.
               candidates as (
                   select partnership_id from mine
                   union
                   select p.carried_over_from from partnerships p
                   where p.partnership_id in (select partnership_id from mine)
                     and p.carried_over_from is not null
               ),
               own as (
                   select distinct p.partnership_id, p.name,
                          greatest(extract(year from pp.starts_on)::int,
                                   least($3::int, extract(year from pp.ends_on)::int))::smallint
                              as year
                   from candidates c
                   join partnerships p on p.partnership_id = c.partnership_id
                   join policy_periods pp on pp.policy_period_id = p.policy_period_id
                   -- A predecessor only for the last year of its period (`report_writers`).
                   where p.partnership_id in (select partnership_id from mine)
                      or $3::int = extract(year from pp.ends_on)
               )
               select
                 coalesce((
                   select json_agg(json_build_object(
                              'partnership_id', o.partnership_id, 'name', o.name,
                              'year', o.year, 'status', r.status, 'due_on', d.due_on)
                          order by o.name, o.partnership_id)
                   from own o
                   left join reports r on r.partnership_id = o.partnership_id and r.year = o.year
                   left join report_deadlines d on d.year = o.year
                 ), '[]') as "reports!: Json<Vec<ReportRow>>",
                 coalesce((
                   select json_agg(json_build_object(
                              'partnership_id', a.partnership_id, 'partnership_name', p.name,
                              'period_name', pp.name, 'starts_on', a.starts_on)
                          order by a.starts_on, p.name)
                   from appointments a
                   join partnerships p on p.partnership_id = a.partnership_id
                   join policy_periods pp on pp.policy_period_id = p.policy_period_id
                   where a.user_id = $1 and a.status = 'goedgekeurd' and a.starts_on > $4
                 ), '[]') as "upcoming!: Json<Vec<UpcomingRow>>",
                 -- Kept by triggers per werkingsgebied, year and priority; the matrix takes
                 -- the years of the werkingsgebied's period.
                 coalesce((
                   select json_agg(json_build_object(
                              'partnership_id', c.partnership_id, 'year', c.year,
                              'priority', c.priority, 'actions', c.actions))
                   from action_priority_counts c
                   where c.partnership_id = any($2) and c.actions > 0
                 ), '[]') as "counts!: Json<Vec<CountRow>>",
                 coalesce((
                   select json_agg(json_build_object(
                              'action_id', l.action_id, 'title', l.title,
                              'partnership', l.name, 'starts_on', l.starts_on,
                              'status', l.status)
                          order by l.updated_at desc, l.action_id desc)
                   -- The latest of each werkingsgebied along `actions_latest_idx`, then the
                   -- latest of those: one sort of a few rows instead of all their actions.
                   from (select a.action_id, a.title, p.name, a.starts_on, a.status,
                                a.updated_at
                         from unnest($2::bigint[]) as own(partnership_id)
                         join partnerships p on p.partnership_id = own.partnership_id
                         cross join lateral (
                             select a.action_id, a.title, a.starts_on, a.status, a.updated_at
                             from actions a
                             where a.partnership_id = own.partnership_id
                               and a.deleted_at is null
                             order by a.updated_at desc, a.action_id desc
                             limit $5) a
                         order by a.updated_at desc, a.action_id desc
                         limit $5) l
                 ), '[]') as "latest!: Json<Vec<LatestRow>>""#,
            user_id,
            &ids,
            today.year() - 1,
            today as NaiveDate,
            LATEST_ACTIONS,
        )
        .fetch_one(db)
        .await?;
        let reports = r
            .reports
            .0
            .into_iter()
            .map(|r| {
                let (_, state, late) = health::report(r.status, r.due_on, today);
                OwnReport {
                    name: r.name,
                    year: r.year,
                    state,
                    late,
                    href: crate::reports::db::path(r.partnership_id, r.year.into()),
                }
            })
            .collect();
        let upcoming = r
            .upcoming
            .0
            .into_iter()
            .map(|u| Upcoming {
                partnership_id: u.partnership_id,
                partnership_name: u.partnership_name,
                period_name: u.period_name,
                starts_on: u.starts_on,
            })
            .collect();
        let start = if own.is_empty() {
            None
        } else {
            Some(RegisseurStart::of(periods, own, r.counts.0, r.latest.0)?)
        };
        Ok(Self {
            reports,
            upcoming,
            start,
        })
    }
}

impl RegisseurStart {
    fn of(
        periods: &[Period],
        own: &[OwnPartnership],
        counts: Vec<CountRow>,
        latest: Vec<LatestRow>,
    ) -> Result<Self> {
        let counts: HashMap<(i64, i32, i16), i64> = counts
            .into_iter()
            .map(|c| {
                let key = (c.partnership_id, i32::from(c.year), c.priority);
                (key, i64::from(c.actions))
            })
            .collect();
        let mut areas = Vec::with_capacity(own.len());
        for p in own {
            // A period's name is unique, and `own` already carries it.
            if let Some(period) = periods.iter().find(|x| x.name == p.period) {
                areas.push(matrix::from_counts(
                    period,
                    p.partnership_id,
                    &p.name,
                    &counts,
                )?);
            }
        }
        let actions = latest
            .into_iter()
            .map(|a| RecentAction {
                action_id: a.action_id,
                title: a.title,
                partnership: a.partnership,
                starts_on: format::date(a.starts_on),
                status: Status::parse(&a.status).map_or("", Status::code),
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
