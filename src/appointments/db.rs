//! Appointment queries shared by the list, the detail page, the decisions and a werkingsgebied's
//! history.

use chrono::NaiveDate;
use sqlx::PgExecutor;

use super::Status;
use crate::database::Timestamp;
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::web::format;

/// An appointment with the names of who asked and who decided, for pages. Also read from JSON
/// with these field names (`partnerships::show` gets a werkingsgebied's in its one statement).
#[derive(Debug, serde::Deserialize)]
pub struct Appointment {
    pub appointment_id: i64,
    pub partnership_id: i64,
    pub partnership_name: String,
    pub period_name: String,
    pub person_name: String,
    pub person_email: String,
    pub fte_hundredths: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: Status,
    pub requested_by: Option<String>,
    pub requested_at: Timestamp,
    pub request_note: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub decision_motivation: String,
    pub ended_by: Option<String>,
    pub ended_on: Option<NaiveDate>,
    pub end_motivation: String,
    pub user_id: Option<i64>,
    pub is_demo: bool,
}

fn by(name: &Option<String>) -> String {
    name.as_deref()
        .map_or_else(String::new, |n| format!(" door {n}"))
}

impl Appointment {
    /// `01/01/2026 - 31/12/2026`, with the day it really ended when ended early.
    pub fn dates(&self) -> String {
        match self.ended_on {
            Some(ended) => format!(
                "{} - {} (beëindigd op {})",
                format::date(self.starts_on),
                format::date(self.ends_on),
                format::date(ended)
            ),
            None => format!(
                "{} - {}",
                format::date(self.starts_on),
                format::date(self.ends_on)
            ),
        }
    }

    /// When and by whom it was requested.
    pub fn requested(&self) -> String {
        format!(
            "{}{}",
            format::datetime(self.requested_at),
            by(&self.requested_by)
        )
    }

    /// When and by whom it was approved or rejected; empty while undecided.
    pub fn decided(&self) -> String {
        match self.decided_at {
            Some(at) => format!("{}{}", format::datetime(at), by(&self.decided_by)),
            None => String::new(),
        }
    }

    /// The decision's and the ending's motivations, joined.
    pub fn motivation(&self) -> String {
        [
            self.decision_motivation.as_str(),
            self.end_motivation.as_str(),
        ]
        .into_iter()
        .filter(|m| !m.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

async fn load(
    db: impl PgExecutor<'_>,
    partnership: Option<i64>,
    id: Option<i64>,
) -> Result<Vec<Appointment>> {
    Ok(sqlx::query_as!(
        Appointment,
        r#"select a.appointment_id, a.partnership_id, p.name as partnership_name,
                  pp.name as period_name, a.person_name, a.person_email,
                  (a.fte * 100)::bigint as "fte_hundredths!",
                  a.starts_on as "starts_on: NaiveDate", a.ends_on as "ends_on: NaiveDate",
                  a.status as "status: Status",
                  rq.full_name as "requested_by?", a.requested_at as "requested_at: Timestamp",
                  a.request_note,
                  dc.full_name as "decided_by?", a.decided_at as "decided_at: Timestamp",
                  a.decision_motivation,
                  en.full_name as "ended_by?", a.ended_on as "ended_on: NaiveDate",
                  a.end_motivation, a.user_id, a.is_demo
           from appointments a
           join partnerships p on p.partnership_id = a.partnership_id
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           left join users rq on rq.user_id = a.requested_by
           left join users dc on dc.user_id = a.decided_by
           left join users en on en.user_id = a.ended_by
           where ($1::bigint is null or a.partnership_id = $1)
             and ($2::bigint is null or a.appointment_id = $2)
           order by a.appointment_id desc"#,
        partnership,
        id
    )
    .fetch_all(db)
    .await?)
}

/// All appointments, or those of one werkingsgebied, newest first.
pub async fn list(db: impl PgExecutor<'_>, partnership: Option<i64>) -> Result<Vec<Appointment>> {
    load(db, partnership, None).await
}

/// One appointment; [`AppError::NotFound`] when there is none.
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> Result<Appointment> {
    load(db, None, Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// A werkingsgebied an appointment can be requested for.
pub struct PartnershipOption {
    pub partnership_id: i64,
    pub name: String,
    pub period: String,
}

/// Every werkingsgebied, newest period first.
pub async fn partnerships(db: impl PgExecutor<'_>) -> Result<Vec<PartnershipOption>> {
    Ok(sqlx::query_as!(
        PartnershipOption,
        r#"select p.partnership_id, p.name, pp.name as period
           from partnerships p join policy_periods pp using (policy_period_id)
           order by pp.starts_on desc, lower(p.name)"#
    )
    .fetch_all(db)
    .await?)
}

pub async fn partnership_exists(db: impl PgExecutor<'_>, partnership_id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from partnerships where partnership_id = $1) as "e!""#,
        partnership_id
    )
    .fetch_one(db)
    .await?)
}

/// Another appointment of a werkingsgebied, asked for or approved, whose dates overlap.
pub struct Overlap {
    pub appointment_id: i64,
    pub person_name: String,
    pub person_email: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: Status,
}

impl Overlap {
    /// `Rita Regisseur, 01/01/2024 - 31/12/2025 (goedgekeurd)`.
    pub fn label(&self) -> String {
        format!(
            "{}, {} - {} ({})",
            self.person_name,
            format::date(self.starts_on),
            format::date(self.ends_on),
            self.status.label()
        )
    }
}

/// The appointments of `partnership_id` still asked for or approved whose dates overlap
/// `starts_on..=ends_on`, other than `except`; by start date.
pub async fn overlapping(
    db: impl PgExecutor<'_>,
    partnership_id: i64,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    except: Option<i64>,
) -> Result<Vec<Overlap>> {
    Ok(sqlx::query_as!(
        Overlap,
        r#"select appointment_id, person_name, person_email,
                  starts_on as "starts_on: NaiveDate", ends_on as "ends_on: NaiveDate",
                  status as "status: Status"
           from appointments
           where partnership_id = $1
             and status in ('aangevraagd', 'goedgekeurd')
             and daterange(starts_on, ends_on, '[]') && daterange($2, $3, '[]')
             and ($4::bigint is null or appointment_id <> $4)
           order by starts_on, appointment_id"#,
        partnership_id,
        starts_on as NaiveDate,
        ends_on as NaiveDate,
        except
    )
    .fetch_all(db)
    .await?)
}

/// The policy period of a werkingsgebied: its name and dates.
pub struct PeriodOf {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl PeriodOf {
    /// `2023-2025 (01/01/2023 - 31/12/2025)`.
    pub fn label(&self) -> String {
        format!(
            "{} ({} - {})",
            self.name,
            format::date(self.starts_on),
            format::date(self.ends_on)
        )
    }

    /// Whether `starts_on..=ends_on` lies within the period.
    pub fn holds(&self, starts_on: NaiveDate, ends_on: NaiveDate) -> bool {
        self.starts_on <= starts_on && ends_on <= self.ends_on
    }
}

/// The period of `partnership_id`; [`AppError::NotFound`] when there is no such werkingsgebied.
pub async fn period_of(db: impl PgExecutor<'_>, partnership_id: i64) -> Result<PeriodOf> {
    sqlx::query_as!(
        PeriodOf,
        r#"select pp.name, pp.starts_on as "starts_on: NaiveDate", pp.ends_on as "ends_on: NaiveDate"
           from partnerships p join policy_periods pp using (policy_period_id)
           where p.partnership_id = $1"#,
        partnership_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

/// An approved appointment of a regisseur that has not started yet.
pub struct Upcoming {
    pub partnership_id: i64,
    pub partnership_name: String,
    pub period_name: String,
    pub starts_on: NaiveDate,
}

impl Upcoming {
    /// The start date as Belgians write it.
    pub fn starts(&self) -> String {
        format::date(self.starts_on)
    }
}

/// The account an approval would use for `email`: its role, whether it is active and has a
/// password; `None` when there is none yet.
pub struct ExistingAccount {
    pub role: Role,
    pub active: bool,
    pub has_password: bool,
}

pub async fn account_for(db: impl PgExecutor<'_>, email: &str) -> Result<Option<ExistingAccount>> {
    Ok(sqlx::query_as!(
        ExistingAccount,
        r#"select role as "role: Role", active, password_hash is not null as "has_password!"
           from users where lower(email) = lower($1)"#,
        email
    )
    .fetch_optional(db)
    .await?)
}
