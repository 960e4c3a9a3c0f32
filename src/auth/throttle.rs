//! Throttling of sign-in attempts, per account and per client address, stored in PostgreSQL so
//! that every instance of the application sees the same counts.
//!
//! An account is locked *for one client address* after [`ACCOUNT_LIMIT`] failures from that
//! address (a success resets the count), for [`WINDOW_MINUTES`] at first and twice as long after
//! each further failure (see [`account_delay`]): guessing gets slower and slower, while someone
//! guessing from elsewhere cannot lock the real user out. An address is locked after
//! [`IP_LIMIT`] failures within [`WINDOW_MINUTES`], which stops one client from trying many
//! accounts. Unknown email addresses are counted the same way as known ones, so the lock reveals
//! nothing about which accounts exist. The client address is the one behind trusted proxies
//! (`REGIE_TRUSTED_PROXIES`).

use std::net::IpAddr;

use sqlx::{PgConnection, PgExecutor, PgPool};

use crate::database::Timestamp;
use crate::error::Result;

pub const WINDOW_MINUTES: i32 = 15;
pub const ACCOUNT_LIMIT: i64 = 5;
pub const IP_LIMIT: i64 = 20;
/// Failures of an account from one address are remembered this long (unless a success ends them).
const MEMORY_HOURS: i32 = 24;
/// The longest lock of an account for one address.
const LONGEST_LOCK_MINUTES: i64 = 24 * 60;

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The attempt may go ahead; it is already counted as a failure.
    Allowed(Attempt),
    /// Locked; the lock lifts after about this many minutes.
    Throttled { minutes: i64 },
}

/// A sign-in attempt that passed the limits and is counted as failed until [`succeeded`].
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a successful sign-in must be recorded with `succeeded`"]
pub struct Attempt {
    login_attempt_id: i64,
}

/// `what` went wrong, and how long to wait: "… Wacht 15 minuten en probeer het dan opnieuw."
pub fn wait_message(what: &str, minutes: i64) -> String {
    let unit = if minutes == 1 { "minuut" } else { "minuten" };
    format!("{what} Wacht {minutes} {unit} en probeer het dan opnieuw.")
}

/// The key an email address is counted under.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks the limits for this account and address and, when they allow it, records the attempt
/// as a failure, atomically with respect to other attempts on the same account or address.
/// `account_limit`: also lock the account for every address after this many failures within
/// [`WINDOW_MINUTES`]: for the code of two-step sign-in, where the password is proven already
/// and guessing from many addresses must not add up.
pub async fn begin(
    db: &PgPool,
    email_key: &str,
    ip: Option<IpAddr>,
    account_limit: Option<i64>,
) -> Result<Verdict> {
    let ip = ip.map(|ip| ip.to_string());
    let mut tx = db.begin().await?;
    // Always the account first, then the address: one order for every transaction, so two
    // attempts can never wait for each other's lock.
    lock(&mut tx, "regie.login.account", email_key).await?;
    if let Some(ip) = &ip {
        lock(&mut tx, "regie.login.address", ip).await?;
    }
    let verdict = match throttled_minutes(&mut *tx, email_key, ip.as_deref(), account_limit).await?
    {
        Some(minutes) => Verdict::Throttled { minutes },
        None => {
            let login_attempt_id = sqlx::query_scalar!(
                r#"insert into login_attempts (email_key, client_ip, succeeded)
                   values ($1, $2::text::inet, false)
                   returning login_attempt_id"#,
                email_key,
                ip,
            )
            .fetch_one(&mut *tx)
            .await?;
            Verdict::Allowed(Attempt { login_attempt_id })
        }
    };
    tx.commit().await?;
    Ok(verdict)
}

/// A transaction-scoped advisory lock on one key of one namespace.
async fn lock(conn: &mut PgConnection, namespace: &str, key: &str) -> Result<()> {
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))",
        namespace,
        key
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The attempt's password was right: it no longer counts as a failure, and it ends the
/// account's run of failures.
pub async fn succeeded(db: impl PgExecutor<'_>, attempt: Attempt) -> Result<()> {
    sqlx::query!(
        "update login_attempts set succeeded = true, attempted_at = now()
         where login_attempt_id = $1",
        attempt.login_attempt_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Every hour, deletes the attempts older than anything the limits look at (a day), so the
/// table stays small. Runs for the life of the server.
pub async fn forget_old_attempts(db: PgPool) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        let deleted = sqlx::query!(
            "delete from login_attempts where attempted_at < now() - make_interval(hours => $1)",
            MEMORY_HOURS + 1
        )
        .execute(&db)
        .await;
        if let Err(err) = deleted {
            tracing::warn!(error = %err, "old sign-in attempts could not be deleted");
        }
    }
}

/// How long an account stays locked for one address after `failures` failures from it: none
/// below the limit, then [`WINDOW_MINUTES`], doubling with each further failure up to a day.
pub fn account_delay(failures: i64) -> Option<chrono::Duration> {
    let beyond = u32::try_from(failures - ACCOUNT_LIMIT).ok()?;
    let minutes = i64::from(WINDOW_MINUTES)
        .saturating_mul(2_i64.saturating_pow(beyond.min(16)))
        .min(LONGEST_LOCK_MINUTES);
    Some(chrono::Duration::minutes(minutes))
}

/// How long this account (for this address) or this address is still locked, if it is.
async fn throttled_minutes(
    db: impl PgExecutor<'_>,
    email_key: &str,
    ip: Option<&str>,
    account_limit: Option<i64>,
) -> Result<Option<i64>> {
    let row = sqlx::query!(
        r#"
        with pair as (
            -- Only a success from the same address ends a run of failures: the real user
            -- signing in elsewhere must not hand an attacker fresh guesses.
            select attempted_at from login_attempts
            where email_key = $1 and client_ip is not distinct from $2::text::inet
              and not succeeded
              and attempted_at > now() - make_interval(hours => $4)
              and attempted_at > coalesce(
                  (select max(attempted_at) from login_attempts
                    where email_key = $1 and succeeded
                      and client_ip is not distinct from $2::text::inet),
                  '-infinity')
        ), account as (
            select attempted_at from login_attempts
            where email_key = $1 and not succeeded
              and attempted_at > now() - make_interval(mins => $3)
        ), address as (
            select attempted_at from login_attempts
            where $2::text is not null and client_ip = $2::text::inet and not succeeded
              and attempted_at > now() - make_interval(mins => $3)
        )
        select
            (select count(*) from pair) as "pair_failures!",
            (select max(attempted_at) from pair) as "pair_latest: Timestamp",
            (select count(*) from account) as "account_failures!",
            (select min(attempted_at) from account) as "account_oldest: Timestamp",
            (select count(*) from address) as "address_failures!",
            (select min(attempted_at) from address) as "address_oldest: Timestamp",
            now() as "now!: Timestamp"
        "#,
        email_key,
        ip,
        WINDOW_MINUTES,
        MEMORY_HOURS,
    )
    .fetch_one(db)
    .await?;

    let window = chrono::Duration::minutes(WINDOW_MINUTES.into());
    let account_until = row
        .pair_latest
        .zip(account_delay(row.pair_failures))
        .map(|(latest, delay)| latest + delay);
    let address_until = (row.address_failures >= IP_LIMIT)
        .then_some(row.address_oldest)
        .flatten()
        .map(|oldest| oldest + window);
    let everywhere_until = account_limit
        .filter(|limit| row.account_failures >= *limit)
        .and(row.account_oldest)
        .map(|oldest| oldest + window);
    let locked_until = account_until
        .into_iter()
        .chain(address_until)
        .chain(everywhere_until)
        .filter(|until| *until > row.now)
        .max();

    // Round up: "1 minute" rather than "0 minutes" for the last seconds.
    Ok(locked_until.map(|until| ((until - row.now).num_seconds() + 59).div_euclid(60).max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_of_an_account_for_one_address_doubles_with_each_further_failure() {
        let minutes = |n| account_delay(n).map(|d| d.num_minutes());
        assert_eq!(minutes(0), None);
        assert_eq!(minutes(4), None);
        assert_eq!(minutes(5), Some(15));
        assert_eq!(minutes(6), Some(30));
        assert_eq!(minutes(7), Some(60));
        assert_eq!(minutes(11), Some(960));
        assert_eq!(minutes(12), Some(24 * 60));
        assert_eq!(minutes(1000), Some(24 * 60));
    }
}
