//! Throttling of sign-in attempts, per account and per client address, stored in PostgreSQL so
//! that every instance of the application sees the same counts.
//!
//! An account is locked for a while after [`ACCOUNT_LIMIT`] failures within [`WINDOW_MINUTES`]
//! (a success resets its count); an address after [`IP_LIMIT`] failures, which stops one client
//! from trying many accounts. Unknown email addresses are counted the same way as known ones,
//! so the lock reveals nothing about which accounts exist.

use std::net::IpAddr;

use sqlx::PgExecutor;

use crate::database::Timestamp;
use crate::error::Result;

pub const WINDOW_MINUTES: i32 = 15;
pub const ACCOUNT_LIMIT: i64 = 5;
pub const IP_LIMIT: i64 = 20;

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Locked; the lock lifts after about this many minutes.
    Throttled {
        minutes: i64,
    },
}

/// The key an email address is counted under.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn check(
    db: impl PgExecutor<'_>,
    email_key: &str,
    ip: Option<IpAddr>,
) -> Result<Verdict> {
    let ip = ip.map(|ip| ip.to_string());
    let row = sqlx::query!(
        r#"
        with account as (
            select attempted_at from login_attempts
            where email_key = $1 and not succeeded
              and attempted_at > now() - make_interval(mins => $3)
              and attempted_at > coalesce(
                  (select max(attempted_at) from login_attempts where email_key = $1 and succeeded),
                  '-infinity')
        ), address as (
            select attempted_at from login_attempts
            where $2::text is not null and client_ip = $2::text::inet and not succeeded
              and attempted_at > now() - make_interval(mins => $3)
        )
        select
            (select count(*) from account) as "account_failures!",
            (select min(attempted_at) from account) as "account_oldest: Timestamp",
            (select count(*) from address) as "address_failures!",
            (select min(attempted_at) from address) as "address_oldest: Timestamp",
            now() as "now!: Timestamp"
        "#,
        email_key,
        ip,
        WINDOW_MINUTES,
    )
    .fetch_one(db)
    .await?;

    let window = chrono::Duration::minutes(WINDOW_MINUTES.into());
    let locked_until = [
        (row.account_failures >= ACCOUNT_LIMIT)
            .then_some(row.account_oldest)
            .flatten(),
        (row.address_failures >= IP_LIMIT)
            .then_some(row.address_oldest)
            .flatten(),
    ]
    .into_iter()
    .flatten()
    .map(|oldest| oldest + window)
    .max();

    Ok(match locked_until {
        Some(until) => Verdict::Throttled {
            // Round up: "1 minute" rather than "0 minutes" for the last seconds.
            minutes: ((until - row.now).num_seconds() + 59).div_euclid(60).max(1),
        },
        None => Verdict::Allowed,
    })
}

pub async fn record(
    db: impl PgExecutor<'_>,
    email_key: &str,
    ip: Option<IpAddr>,
    succeeded: bool,
) -> Result<()> {
    sqlx::query!(
        "insert into login_attempts (email_key, client_ip, succeeded) values ($1, $2::text::inet, $3)",
        email_key,
        ip.map(|ip| ip.to_string()),
        succeeded,
    )
    .execute(db)
    .await?;
    Ok(())
}
