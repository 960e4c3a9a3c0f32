//! Where sessions live: tower-sessions' records in the table `sessions`, with the signed-in
//! user's id in a column of its own. That column lets the one statement that loads a session
//! also load its user, the header's unread count, the user's current werkingsgebieden and the
//! reference data version ([`crate::reference`]): "who is asking" costs every page one round trip
//! instead of two or three.
//!
//! What the load adds to the record sits under keys that start with `_` ([`LOADED_USER`],
//! [`REFERENCE_VERSION`]); they are read through [`super::extract`] and never written back.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use sqlx::types::Json;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::extract::{SESSION_KEY, SessionUser};
use crate::identity::Role;

/// The session's user as the load found them (absent for a session nobody signed in to).
pub(super) const LOADED_USER: &str = "_user";
/// The reference data version at the load (see [`crate::reference`]).
pub const REFERENCE_VERSION: &str = "_reference_version";

/// The user row that comes with a session.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct LoadedUser {
    pub user_id: i64,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub active: bool,
    pub session_version: i32,
    pub must_change_password: bool,
    pub two_step: bool,
    pub unread: i64,
    pub own_partnerships: Vec<i64>,
}

#[derive(Clone, Debug)]
pub struct PgSessions {
    db: PgPool,
}

impl PgSessions {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }
}

fn store_error(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// A database error of the store: remembered for the pool's health, then the store's error.
fn db_error(e: sqlx::Error) -> session_store::Error {
    crate::database::note_failure(&e);
    store_error(e)
}

fn to_chrono(t: OffsetDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_default()
}

fn to_time(t: DateTime<Utc>) -> session_store::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(t.timestamp()).map_err(store_error)
}

/// The record's own data: what a handler put there, without what the load added.
fn stored_data(record: &Record) -> HashMap<&str, &serde_json::Value> {
    record
        .data
        .iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .map(|(k, v)| (k.as_str(), v))
        .collect()
}

/// The signed-in user's id, kept beside the data so a load can join the user.
fn user_of(record: &Record) -> Option<i64> {
    let remembered = record.data.get(SESSION_KEY)?;
    serde_json::from_value::<SessionUser>(remembered.clone())
        .ok()
        .map(|u| u.user_id)
}

#[async_trait]
impl SessionStore for PgSessions {
    /// One statement: an id that is taken (2^128 of them: practically never) is drawn again.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let inserted = sqlx::query!(
                "insert into sessions (session_id, data, user_id, expires_at)
                 values ($1, $2, $3, $4) on conflict (session_id) do nothing",
                record.id.to_string(),
                Json(stored_data(record)) as _,
                user_of(record),
                to_chrono(record.expiry_date),
            )
            .execute(&self.db)
            .await
            .map_err(db_error)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Only a session that is still there: a request that ends after its session was signed
    /// out (in another tab) must not bring it back. New sessions go through `create`.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        sqlx::query!(
            "update sessions set data = $2, user_id = $3, expires_at = $4 where session_id = $1",
            record.id.to_string(),
            Json(stored_data(record)) as _,
            user_of(record),
            to_chrono(record.expiry_date),
        )
        .execute(&self.db)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = sqlx::query!(
            r#"select s.data as "data: Json<HashMap<String, serde_json::Value>>",
                      s.expires_at,
                      (select version from reference_version) as "version!",
                      u.user_id as "user_id?", u.email as "email?", u.full_name as "full_name?",
                      u.role as "role?: Role", u.active as "active?",
                      u.session_version as "session_version?",
                      u.must_change_password as "must_change_password?",
                      u.totp_secret is not null as "two_step?",
                      (select count(*) from notifications n
                        where n.user_id = u.user_id and n.read_at is null) as "unread?",
                      array(select distinct ca.partnership_id from current_appointments ca
                            where ca.user_id = u.user_id order by 1) as "own_partnerships?"
               from sessions s left join users u on u.user_id = s.user_id
               where s.session_id = $1 and s.expires_at > now()"#,
            id.to_string()
        )
        .fetch_optional(&self.db)
        .await
        .map_err(db_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut data = row.data.0;
        data.insert(REFERENCE_VERSION.into(), row.version.into());
        if let (Some(user_id), Some(email), Some(full_name), Some(role)) =
            (row.user_id, row.email, row.full_name, row.role)
        {
            let user = LoadedUser {
                user_id,
                email,
                full_name,
                role,
                active: row.active.unwrap_or(false),
                session_version: row.session_version.unwrap_or(-1),
                must_change_password: row.must_change_password.unwrap_or(true),
                two_step: row.two_step.unwrap_or(false),
                unread: row.unread.unwrap_or(0),
                own_partnerships: row.own_partnerships.unwrap_or_default(),
            };
            data.insert(
                LOADED_USER.into(),
                serde_json::to_value(user).map_err(store_error)?,
            );
        }
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: to_time(row.expires_at)?,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query!("delete from sessions where session_id = $1", id.to_string())
            .execute(&self.db)
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

impl PgSessions {
    /// Deletes expired sessions every hour, for as long as the server runs.
    pub async fn delete_expired_hourly(self) {
        let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            if let Err(e) = sqlx::query!("delete from sessions where expires_at < now()")
                .execute(&self.db)
                .await
            {
                tracing::warn!("could not delete expired sessions: {e}");
            }
        }
    }
}
