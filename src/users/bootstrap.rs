//! The first admin: on the very first start of an empty database, an admin account with a
//! one-time password printed to the console. No default password ever ships in a migration.

use anyhow::anyhow;
use sqlx::PgPool;

use super::db;
use crate::audit::{self, Action};
use crate::auth::password;
use crate::error::Result;
use crate::identity::Role;
use crate::web::RequestContext;

/// On the very first start of an empty database: creates an admin with a random one-time
/// password and returns `(email, password)` for the console. Returns `None` when an admin exists.
/// An advisory lock makes concurrent first starts create one admin, not two.
pub async fn ensure_first_admin(db: &PgPool, email: &str) -> Result<Option<(String, String)>> {
    let mut tx = db.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock(hashtext('regie.first_admin'))")
        .execute(&mut *tx)
        .await?;
    let exists = sqlx::query_scalar!(
        r#"select exists(select 1 from users where role = 'admin') as "exists!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    if exists {
        return Ok(None);
    }
    let one_time = password::one_time_password();
    let hash = crate::identity::hashing::Hasher::default()
        .hash(one_time.clone())
        .await?;
    let created = db::create(
        &mut *tx,
        db::NewUser {
            email,
            full_name: "Beheerder",
            role: Role::Admin,
            password_hash: Some(&hash),
            must_change_password: true,
        },
    )
    .await?;
    let user_id = created.map_err(|db::EmailTaken| {
        anyhow!("{email} exists but is not an admin; set REGIE_ADMIN_EMAIL to another address")
    })?;
    audit::Entry::new(Action::UserCreated)
        .object("user", user_id)
        .details(serde_json::json!({ "email": email, "role": "admin", "via": "first start" }))
        .record(&mut *tx, &RequestContext::default())
        .await?;
    tx.commit().await?;
    Ok(Some((email.to_string(), one_time)))
}
