//! User queries shared by the admin pages, the command line and the first-start bootstrap.

use sqlx::PgExecutor;

use crate::database::Timestamp;
use crate::error::{Result, ResultExt};
use crate::identity::Role;

/// The email address is already used by another account.
#[derive(Clone, Copy, Debug)]
pub struct EmailTaken;

pub struct NewUser<'a> {
    pub email: &'a str,
    pub full_name: &'a str,
    pub role: Role,
    /// `None`: the user sets a password through a one-time link first.
    pub password_hash: Option<&'a str>,
    pub must_change_password: bool,
}

/// Inserts a user. The unique index `users_email_key` (on lower(email)) decides whether the
/// address is free; there is no check-then-insert race.
pub async fn create(db: impl PgExecutor<'_>, user: NewUser<'_>) -> Result<Result<i64, EmailTaken>> {
    let inserted = sqlx::query_scalar!(
        r#"insert into users (email, full_name, role, password_hash, must_change_password)
           values ($1, $2, $3, $4, $5)
           returning user_id"#,
        user.email.trim(),
        user.full_name.trim(),
        user.role as Role,
        user.password_hash,
        user.must_change_password,
    )
    .fetch_one(db)
    .await;
    inserted.on_constraint(&[("users_email_key", EmailTaken)])
}

pub struct UserRow {
    pub user_id: i64,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub active: bool,
    pub must_change_password: bool,
    /// Signs in with a code as second step.
    pub two_step: bool,
    pub last_sign_in_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<UserRow>> {
    Ok(sqlx::query_as!(
        UserRow,
        r#"select user_id, email, full_name, role as "role: Role", active, must_change_password,
                  totp_secret is not null as "two_step!",
                  last_sign_in_at as "last_sign_in_at: Timestamp", created_at as "created_at: Timestamp"
           from users
           order by active desc, lower(full_name), user_id"#
    )
    .fetch_all(db)
    .await?)
}

pub async fn find(db: impl PgExecutor<'_>, user_id: i64) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as!(
        UserRow,
        r#"select user_id, email, full_name, role as "role: Role", active, must_change_password,
                  totp_secret is not null as "two_step!",
                  last_sign_in_at as "last_sign_in_at: Timestamp", created_at as "created_at: Timestamp"
           from users where user_id = $1"#,
        user_id
    )
    .fetch_optional(db)
    .await?)
}
