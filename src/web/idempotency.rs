//! Forms that must act once however often they are sent: a double click, a browser that resends
//! after a timeout. The page gives the form a random key ([`new_key`], the hidden field
//! `idempotency_key`); the handler claims it ([`claim`]) inside the transaction of the change
//! and records where it sent the user ([`answer`]) before it commits. A second submission of the
//! same form waits on the first one's claim (the primary key of `form_submissions`), finds it
//! taken once the first commits, changes nothing and is sent where the first one went
//! ([`replay`]). Should the first roll back, its claim goes with it and the second acts instead.
//!
//! The replay leaves the session alone. The browser shows the answer to the last submission,
//! but the first one is the one that acted and left its message (and anything handed over
//! once, such as a set-password link) in the session; a second write of the session would
//! replace that with its own, older copy.
//!
//! Actions and agreements keep their key on their own rows (they create one row each); this is
//! the shape for forms that update, or create rows in several tables.

use axum::response::{IntoResponse, Redirect, Response};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;

/// A fresh key for a form about to be rendered.
pub fn new_key() -> String {
    Uuid::new_v4().to_string()
}

/// The key a form sent, if it is one. A form without one (an old page, a script) still acts, but
/// without the protection.
pub fn parse(value: &str) -> Option<Uuid> {
    Uuid::parse_str(value.trim()).ok()
}

/// What [`claim`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// This submission is the first: act, then [`answer`].
    First,
    /// The form was sent before and acted: where it led.
    Answered { location: String },
}

/// Claims `key` for `user_id` in the caller's transaction. Without a key every submission is a
/// first one.
pub async fn claim(conn: &mut PgConnection, user_id: i64, key: Option<Uuid>) -> Result<Claim> {
    let Some(key) = key else {
        return Ok(Claim::First);
    };
    let claimed = sqlx::query_scalar!(
        r#"insert into form_submissions (user_id, key) values ($1, $2)
           on conflict (user_id, key) do nothing
           returning true as "claimed!""#,
        user_id,
        key
    )
    .fetch_optional(&mut *conn)
    .await?;
    if claimed.is_some() {
        return Ok(Claim::First);
    }
    let location = sqlx::query_scalar!(
        "select location from form_submissions where user_id = $1 and key = $2",
        user_id,
        key
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Claim::Answered { location })
}

/// Records where the first submission of `key` led (a local path).
pub async fn answer(
    conn: &mut PgConnection,
    user_id: i64,
    key: Option<Uuid>,
    location: &str,
) -> Result<()> {
    if let Some(key) = key {
        sqlx::query!(
            "update form_submissions set location = $3 where user_id = $1 and key = $2",
            user_id,
            key,
            location
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Sends a repeated submission where the first one went (303).
pub fn replay(location: &str) -> Response {
    let location = if location.is_empty() { "/" } else { location };
    Redirect::to(location).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_a_uuid_and_anything_else_is_no_key() {
        assert!(parse(&new_key()).is_some());
        assert!(parse(" 6f1c2d3e-0000-4000-8000-000000000001 ").is_some());
        assert_eq!(parse(""), None);
        assert_eq!(parse("1; drop table"), None);
    }
}
