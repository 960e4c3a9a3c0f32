//! Forms that must act once however often they are sent: a double click, a browser that resends
//! after a timeout. The page gives the form a random key ([`new_key`], the hidden field
//! `idempotency_key`); the handler describes the submission by that key and what the form asks
//! ([`Submission::new`]), claims it ([`claim`]) inside the transaction of the change and records
//! where it sent the user ([`answer`]) before it commits. The same submission again waits on the
//! first one's claim (the primary key of `form_submissions`), finds it taken once the first
//! commits, changes nothing and is sent where the first one went ([`replay`]). Should the first
//! roll back, its claim goes with it and the second acts instead.
//!
//! The key alone is not the submission: a form sent, then changed after going back and sent
//! again may carry its old key, and is another submission (it acts). Without the digest it would
//! be answered as the first and be lost without a word.
//!
//! The replay leaves the session alone. The browser shows the answer to the last submission,
//! but the first one is the one that acted and left its message (and anything handed over
//! once, such as a set-password link) in the session; a second write of the session would
//! replace that with its own, older copy. Handlers that hand something over once save the
//! session before they commit, so that it is there by the time a replay's page is read.
//!
//! Actions and agreements keep their key on their own rows (they create one row each); this is
//! the shape for forms that update, or create rows in several tables.

use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;

/// A fresh key for a form about to be rendered.
pub fn new_key() -> String {
    Uuid::new_v4().to_string()
}

/// The key for a form rendered again after it was refused: the one it was sent with (a refused
/// form did not act, so sending it again is still its first time), or a fresh one.
pub fn keep_or_new(sent: &str) -> String {
    match parse(sent) {
        Some(key) => key.to_string(),
        None => new_key(),
    }
}

/// The key a form sent, if it is one.
fn parse(value: &str) -> Option<Uuid> {
    Uuid::parse_str(value.trim()).ok()
}

/// One submission of a form: its key and a digest of what it asks.
pub struct Submission {
    /// `None`: a form without a key (an old page, a script) acts without the protection.
    key: Option<Uuid>,
    content_sha256: String,
}

impl Submission {
    /// The submission of a form with key field `key` asking `content` (the values that decide
    /// what it does, as the handler read them).
    pub fn new(key: &str, content: &impl Serialize) -> Self {
        let bytes = serde_json::to_vec(content).unwrap_or_default();
        Self {
            key: parse(key),
            content_sha256: data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes)),
        }
    }
}

/// What [`claim`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// This submission is the first: act, then [`answer`].
    First,
    /// The same submission came before and acted: where it led.
    Answered { location: String },
}

/// Claims `submission` for `user_id` in the caller's transaction, and prunes the user's claims
/// older than two days (a double click or a resend comes within seconds).
pub async fn claim(
    conn: &mut PgConnection,
    user_id: i64,
    submission: &Submission,
) -> Result<Claim> {
    let Some(key) = submission.key else {
        return Ok(Claim::First);
    };
    let claimed = sqlx::query_scalar!(
        r#"with pruned as (
               delete from form_submissions
               where user_id = $1 and created_at < now() - interval '2 days'
           )
           insert into form_submissions (user_id, key, content_sha256) values ($1, $2, $3)
           on conflict (user_id, key, content_sha256) do nothing
           returning true as "claimed!""#,
        user_id,
        key,
        submission.content_sha256
    )
    .fetch_optional(&mut *conn)
    .await?;
    if claimed.is_some() {
        return Ok(Claim::First);
    }
    let location = sqlx::query_scalar!(
        r#"select location from form_submissions
           where user_id = $1 and key = $2 and content_sha256 = $3"#,
        user_id,
        key,
        submission.content_sha256
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Claim::Answered { location })
}

/// Records where the first `submission` led (a local path).
pub async fn answer(
    conn: &mut PgConnection,
    user_id: i64,
    submission: &Submission,
    location: &str,
) -> Result<()> {
    if let Some(key) = submission.key {
        sqlx::query!(
            r#"update form_submissions set location = $4
               where user_id = $1 and key = $2 and content_sha256 = $3"#,
            user_id,
            key,
            submission.content_sha256,
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
        assert_eq!(
            keep_or_new(" 6f1c2d3e-0000-4000-8000-000000000001"),
            "6f1c2d3e-0000-4000-8000-000000000001"
        );
        assert!(parse(&keep_or_new("kapot")).is_some());
    }

    #[test]
    fn the_same_key_asking_something_else_is_another_submission() {
        let key = new_key();
        let first = Submission::new(&key, &("voorschot", 100));
        let again = Submission::new(&key, &("voorschot", 100));
        let changed = Submission::new(&key, &("voorschot", 101));
        assert_eq!(first.content_sha256, again.content_sha256);
        assert_ne!(first.content_sha256, changed.content_sha256);
        assert_eq!(first.key, changed.key);
    }
}
