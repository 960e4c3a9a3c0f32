//! Action queries: loading one action with its partners, municipalities and participants,
//! storing an [`ActionInput`], and who may write where. Typed data only; pages label it.

use anyhow::Context;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};

use super::form::{ActionInput, Scope};
use super::history::{Entry, diff, record_change};
use super::model::{Change, Kind, Origin, PartnerKind, Status};
use crate::database::Timestamp;
use crate::error::{AppError, Result};
use crate::identity::{CurrentUser, Role};

/// One stored action with its werkingsgebied.
#[derive(Clone, Debug)]
pub struct Action {
    pub action_id: i64,
    pub partnership_id: i64,
    pub partnership_name: String,
    pub policy_period_id: i64,
    pub input: ActionInput,
    pub copied_from: Option<i64>,
    pub origin: Origin,
    pub version: i32,
    pub deleted_at: Option<Timestamp>,
}

/// What the action page shows besides the action itself, read in the same statement.
pub struct PageExtras {
    /// The names of the action's municipalities, in the order of [`ActionInput::municipalities`]
    /// (the NIS code where the werkingsgebied no longer has it).
    pub municipality_names: Vec<String>,
    /// Newest first.
    pub history: Vec<Entry>,
    /// The agreement commitments the action carries out.
    pub commitments: Vec<LinkedCommitment>,
}

/// A commitment an action carries out, as the query gives it. Whoever may open an action page
/// may read every agreement (only VDAB account managers are limited, and they do not see
/// actions).
#[derive(Debug, Deserialize)]
pub struct LinkedCommitment {
    pub description: String,
    pub objective: i16,
    pub agreement_id: i64,
    pub agreement_title: String,
}

/// One stored action with its partners, municipalities and participants, in one statement.
pub async fn find(db: impl PgExecutor<'_>, action_id: i64) -> Result<Action> {
    Ok(load(db, action_id, false).await?.0)
}

/// An action with what its page shows besides: one statement for the whole page.
pub async fn find_for_page(
    db: impl PgExecutor<'_>,
    action_id: i64,
) -> Result<(Action, PageExtras)> {
    let (action, extras) = load(db, action_id, true).await?;
    Ok((
        action,
        extras.context("the action page's extras were not loaded")?,
    ))
}

/// The action and, when `page`, the [`PageExtras`]. The children come as arrays and JSON in the
/// select list rather than as four queries: each query was a round trip, and the action page
/// was mostly round trips. The page's extras sit behind `case when $2`, which PostgreSQL does
/// not evaluate when false, so the write paths do not pay for them.
async fn load(
    db: impl PgExecutor<'_>,
    action_id: i64,
    page: bool,
) -> Result<(Action, Option<PageExtras>)> {
    let row = sqlx::query!(
        r#"select a.action_id, a.partnership_id, p.name as partnership_name, p.policy_period_id,
                  a.title, a.description, a.priorities, a.kind as "kind: Kind",
                  a.target_groups, a.starts_on as "starts_on: NaiveDate",
                  a.ends_on as "ends_on: NaiveDate", a.status as "status: Status",
                  a.cost_cents, a.results, a.copied_from, a.origin as "origin: Origin",
                  a.version, a.deleted_at as "deleted_at: Timestamp",
                  array(select ap.kind from action_partners ap
                        where ap.action_id = a.action_id order by ap.position)
                      as "partner_kinds!: Vec<PartnerKind>",
                  array(select ap.name from action_partners ap
                        where ap.action_id = a.action_id order by ap.position)
                      as "partner_names!",
                  array(select am.nis_code from action_municipalities am
                        where am.action_id = a.action_id order by am.nis_code)
                      as "municipalities!",
                  array(select c.target_group from action_participants c
                        where c.action_id = a.action_id order by c.target_group)
                      as "groups!",
                  array(select c.planned from action_participants c
                        where c.action_id = a.action_id order by c.target_group)
                      as "planned!",
                  array(select c.reached from action_participants c
                        where c.action_id = a.action_id order by c.target_group)
                      as "reached!",
                  case when $2 then array(
                      select coalesce(mu.name_nl, am.nis_code)
                      from action_municipalities am
                      left join partnership_members pm
                        on pm.partnership_id = a.partnership_id and pm.nis_code = am.nis_code
                      left join municipalities mu
                        on mu.vintage = pm.vintage and mu.nis_code = pm.nis_code
                      where am.action_id = a.action_id order by am.nis_code)
                  end as "municipality_names: Vec<String>",
                  case when $2 then coalesce((
                      select json_agg(json_build_object(
                                 'changed_at', c.changed_at, 'who', u.full_name,
                                 'change', c.change, 'fields', c.fields)
                             order by c.action_change_id desc)
                      from action_changes c left join users u on u.user_id = c.changed_by
                      where c.action_id = a.action_id), '[]')
                  end as "history: Json<Vec<Entry>>",
                  case when $2 then coalesce((
                      select json_agg(json_build_object(
                                 'description', c.description, 'objective', c.objective,
                                 'agreement_id', g.agreement_id, 'agreement_title', g.title)
                             order by g.title, g.agreement_id, c.objective, c.commitment_id)
                      from commitment_actions ca
                      join commitments c on c.commitment_id = ca.commitment_id
                      join agreements g on g.agreement_id = c.agreement_id
                      where ca.action_id = a.action_id), '[]')
                  end as "commitments: Json<Vec<LinkedCommitment>>"
           from actions a join partnerships p on p.partnership_id = a.partnership_id
           where a.action_id = $1"#,
        action_id,
        page
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let extras = match (row.municipality_names, row.history, row.commitments) {
        (Some(municipality_names), Some(history), Some(commitments)) => Some(PageExtras {
            municipality_names,
            history: history.0,
            commitments: commitments.0,
        }),
        _ => None,
    };
    let action = Action {
        action_id: row.action_id,
        partnership_id: row.partnership_id,
        partnership_name: row.partnership_name,
        policy_period_id: row.policy_period_id,
        input: ActionInput {
            title: row.title,
            description: row.description,
            priorities: row.priorities,
            kind: row.kind,
            target_groups: row.target_groups,
            partners: row
                .partner_kinds
                .into_iter()
                .zip(row.partner_names)
                .collect(),
            municipalities: row.municipalities,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            status: row.status,
            participants: row
                .groups
                .into_iter()
                .zip(row.planned)
                .zip(row.reached)
                .map(|((group, planned), reached)| (group, planned, reached))
                .collect(),
            cost_cents: row.cost_cents,
            results: row.results,
        },
        copied_from: row.copied_from,
        origin: row.origin,
        version: row.version,
        deleted_at: row.deleted_at,
    };
    Ok((action, extras))
}

/// Whether `user` may write the actions of this werkingsgebied: only its regisseur with a
/// current appointment. Ministry staff and admins read; they do not write actions.
pub async fn may_write(
    db: impl PgExecutor<'_>,
    user: &CurrentUser,
    partnership_id: i64,
) -> Result<bool> {
    if user.role != Role::Regisseur {
        return Ok(false);
    }
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from current_appointments
                         where partnership_id = $1 and user_id = $2) as "exists!""#,
        partnership_id,
        user.user_id
    )
    .fetch_one(db)
    .await?)
}

/// A werkingsgebied its regisseur may write now.
pub struct OwnPartnership {
    pub partnership_id: i64,
    pub name: String,
    /// The name of its policy period.
    pub period: String,
}

impl OwnPartnership {
    /// `Regio Leie (2020-2025)`: the werkingsgebied with its period, as the form offers it.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.period)
    }
}

/// The werkingsgebieden a regisseur may write now, newest period first. Only the regisseur
/// role writes: someone whose appointment is still current but who became ministry staff or
/// admin gets none (their role, not their old appointment, says what they do now).
pub async fn own_partnerships(
    db: impl PgExecutor<'_>,
    user: &CurrentUser,
) -> Result<Vec<OwnPartnership>> {
    if user.role != Role::Regisseur {
        return Ok(Vec::new());
    }
    Ok(sqlx::query!(
        r#"select distinct p.partnership_id, p.name, pp.name as period, pp.starts_on
           from current_appointments ca
           join partnerships p on p.partnership_id = ca.partnership_id
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           where ca.user_id = $1
           order by pp.starts_on desc, p.name"#,
        user.user_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| OwnPartnership {
        partnership_id: r.partnership_id,
        name: r.name,
        period: r.period,
    })
    .collect())
}

/// A municipality of a werkingsgebied.
pub struct Member {
    pub nis_code: String,
    pub name: String,
}

/// What an action of werkingsgebied `partnership_id` may hold: its municipalities and its
/// policy period, in one statement. 404 for an unknown werkingsgebied.
pub async fn scope(db: impl PgExecutor<'_>, partnership_id: i64) -> Result<Scope> {
    let row = sqlx::query!(
        r#"select pp.name, pp.starts_on, pp.ends_on,
                  array(select m.nis_code from partnership_members m
                        where m.partnership_id = p.partnership_id) as "members!"
           from partnerships p join policy_periods pp using (policy_period_id)
           where p.partnership_id = $1"#,
        partnership_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Scope {
        members: row.members,
        period_name: row.name,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
    })
}

/// The municipalities of a werkingsgebied, by name.
pub async fn members(db: impl PgExecutor<'_>, partnership_id: i64) -> Result<Vec<Member>> {
    Ok(sqlx::query!(
        r#"select m.nis_code, mu.name_nl from partnership_members m
           join municipalities mu on mu.vintage = m.vintage and mu.nis_code = m.nis_code
           where m.partnership_id = $1 order by mu.name_nl"#,
        partnership_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| Member {
        nis_code: r.nis_code,
        name: r.name_nl,
    })
    .collect())
}

/// Partner names this werkingsgebied used before, most recent first, for quick entry.
pub async fn recent_partners(db: impl PgExecutor<'_>, partnership_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        r#"select name as "name!" from (
               select ap.name, max(a.updated_at) as last_used
               from action_partners ap join actions a on a.action_id = ap.action_id
               where a.partnership_id = $1 and a.deleted_at is null
               group by ap.name
           ) recent order by last_used desc limit 30"#,
        partnership_id
    )
    .fetch_all(db)
    .await?)
}

/// An action's partners and participants as column arrays, for `unnest`.
struct ChildArrays {
    positions: Vec<i16>,
    kinds: Vec<PartnerKind>,
    names: Vec<String>,
    groups: Vec<String>,
    planned: Vec<i32>,
    reached: Vec<i32>,
}

impl ChildArrays {
    fn of(input: &ActionInput) -> Self {
        Self {
            positions: (0..input.partners.len() as i16).collect(),
            kinds: input.partners.iter().map(|(k, _)| *k).collect(),
            names: input.partners.iter().map(|(_, n)| n.clone()).collect(),
            groups: input.participants.iter().map(|p| p.0.clone()).collect(),
            planned: input.participants.iter().map(|p| p.1).collect(),
            reached: input.participants.iter().map(|p| p.2).collect(),
        }
    }
}

/// Replaces the partners, municipalities and participants of an action. Data-modifying CTEs
/// keep it to two statements; the deletes go first in their own statement because the parts
/// of one statement do not see each other's changes.
async fn replace_children(
    conn: &mut PgConnection,
    action_id: i64,
    input: &ActionInput,
) -> Result<()> {
    sqlx::query!(
        r#"with partners as (delete from action_partners where action_id = $1),
                municipalities as (delete from action_municipalities where action_id = $1)
           delete from action_participants where action_id = $1"#,
        action_id
    )
    .execute(&mut *conn)
    .await?;
    let arrays = ChildArrays::of(input);
    sqlx::query!(
        r#"with partners as (
                    insert into action_partners (action_id, position, kind, name)
                    select $1, * from unnest($2::smallint[], $3::partner_kind[], $4::text[])),
                municipalities as (
                    insert into action_municipalities (action_id, nis_code)
                    select $1, unnest($5::text[]))
           insert into action_participants (action_id, target_group, planned, reached)
           select $1, * from unnest($6::text[], $7::int[], $8::int[])"#,
        action_id,
        &arrays.positions,
        &arrays.kinds as &[PartnerKind],
        &arrays.names,
        &input.municipalities,
        &arrays.groups,
        &arrays.planned,
        &arrays.reached
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What [`insert`] did.
pub enum Inserted {
    New(i64),
    /// The same form was submitted before (double click): the action it created.
    Duplicate(i64),
}

/// Inserts an action with its partners, municipalities, participants and "created" history
/// entry in one statement (data-modifying CTEs): atomic without an explicit transaction, and
/// one round trip for the busiest write in regie.
pub async fn insert(
    conn: &mut PgConnection,
    partnership_id: i64,
    input: &ActionInput,
    user_id: i64,
    idempotency_key: Option<uuid::Uuid>,
    copied_from: Option<i64>,
) -> Result<Inserted> {
    let arrays = ChildArrays::of(input);
    let change = if copied_from.is_some() {
        Change::Copied
    } else {
        Change::Created
    };
    // `on conflict do nothing` on the (created_by, idempotency_key) constraint: a resubmitted
    // form inserts nothing, and finds the action of the first submission below.
    let id = sqlx::query_scalar!(
        r#"with inserted as (
               insert into actions (partnership_id, title, description, priorities, kind,
                                    target_groups, starts_on, ends_on, status, cost_cents, results,
                                    copied_from, idempotency_key, created_by, updated_by)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
               on conflict on constraint actions_idempotency_key do nothing
               returning action_id
           ), partners as (
               insert into action_partners (action_id, position, kind, name)
               select i.action_id, p.position, p.kind, p.name
               from inserted i, unnest($15::smallint[], $16::partner_kind[], $17::text[])
                    as p(position, kind, name)
           ), municipalities as (
               insert into action_municipalities (action_id, nis_code)
               select i.action_id, m.nis_code from inserted i, unnest($18::text[]) as m(nis_code)
           ), participants as (
               insert into action_participants (action_id, target_group, planned, reached)
               select i.action_id, c.target_group, c.planned, c.reached
               from inserted i, unnest($19::text[], $20::int[], $21::int[])
                    as c(target_group, planned, reached)
           ), history as (
               insert into action_changes (action_id, changed_by, change)
               select action_id, $14, $22 from inserted
           )
           select action_id as "action_id!" from inserted"#,
        partnership_id,
        input.title,
        input.description,
        &input.priorities,
        input.kind as Kind,
        &input.target_groups,
        input.starts_on as NaiveDate,
        input.ends_on as Option<NaiveDate>,
        input.status as Status,
        input.cost_cents,
        input.results,
        copied_from,
        idempotency_key,
        user_id,
        &arrays.positions,
        &arrays.kinds as &[PartnerKind],
        &arrays.names,
        &input.municipalities,
        &arrays.groups,
        &arrays.planned,
        &arrays.reached,
        change.code(),
    )
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => Ok(Inserted::New(id)),
        None => Ok(Inserted::Duplicate(
            sqlx::query_scalar!(
                "select action_id from actions where created_by = $1 and idempotency_key = $2",
                user_id,
                idempotency_key
            )
            .fetch_one(&mut *conn)
            .await?,
        )),
    }
}

/// Updates when `version` is still current; returns false when someone else saved first.
pub async fn update(
    conn: &mut PgConnection,
    before: &Action,
    input: &ActionInput,
    version: i32,
    user_id: i64,
) -> Result<bool> {
    let updated = sqlx::query!(
        r#"update actions
           set title = $3, description = $4, priorities = $5, kind = $6, target_groups = $7,
               starts_on = $8, ends_on = $9, status = $10, cost_cents = $11, results = $12,
               version = version + 1, updated_by = $13, updated_at = now()
           where action_id = $1 and version = $2 and deleted_at is null"#,
        before.action_id,
        version,
        input.title,
        input.description,
        &input.priorities,
        input.kind as Kind,
        &input.target_groups,
        input.starts_on as NaiveDate,
        input.ends_on as Option<NaiveDate>,
        input.status as Status,
        input.cost_cents,
        input.results,
        user_id
    )
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    replace_children(conn, before.action_id, input).await?;
    let changes = diff(&before.input, input);
    record_change(conn, before.action_id, user_id, Change::Updated, changes).await?;
    Ok(true)
}
