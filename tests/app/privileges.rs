//! Least privilege in PostgreSQL: requests log in as `regie_app`, which is no superuser, owns
//! nothing and cannot rewrite history, by privilege rather than only by trigger.

use regie::database;
use sqlx::PgPool;

use crate::helpers::{TestApp, app_pool};

/// Runs `sql` and expects PostgreSQL's own refusal: SQLSTATE 42501 with "permission denied" or
/// "must be owner" (the audit trigger answers 42501 too, but with its own words).
#[track_caller]
fn assert_permission_denied(result: Result<sqlx::postgres::PgQueryResult, sqlx::Error>, sql: &str) {
    match result {
        Err(sqlx::Error::Database(e)) => {
            assert_eq!(e.code().as_deref(), Some("42501"), "{sql}: {e}");
            assert!(
                e.message().starts_with("permission denied")
                    || e.message().starts_with("must be owner"),
                "{sql}: refused by something other than a privilege: {e}"
            );
        }
        other => panic!("{sql} was not refused: {other:?}"),
    }
}

async fn refused(db: &PgPool, sql: &str) {
    assert_permission_denied(sqlx::query(sql).execute(db).await, sql);
}

#[tokio::test]
async fn requests_log_in_as_a_role_that_is_no_superuser_and_owns_nothing() {
    let app = TestApp::new().await;
    let (session_user, current_user, superuser, create_role, create_db, owns): (
        String,
        String,
        bool,
        bool,
        bool,
        bool,
    ) = sqlx::query_as(
        "select session_user::text, current_user::text, rolsuper, rolcreaterole, rolcreatedb,
                exists(select 1 from pg_class where relowner = r.oid)
                or exists(select 1 from pg_namespace where nspowner = r.oid)
                or exists(select 1 from pg_proc where proowner = r.oid)
                or exists(select 1 from pg_type where typowner = r.oid)
         from pg_roles r where rolname = current_user",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(session_user, database::APP_ROLE, "it logs in as itself");
    assert_eq!(current_user, database::APP_ROLE);
    assert!(!superuser && !create_role && !create_db);
    assert!(!owns, "the requests' role owns nothing");
    database::check_app_login(&app.state.db)
        .await
        .expect("serve accepts this login");
}

#[tokio::test]
async fn a_requests_login_that_is_a_superuser_is_refused_at_start() {
    let app = TestApp::new().await;
    let refusal = database::check_app_login(&app.db)
        .await
        .expect_err("the owner's login must not serve requests");
    assert!(
        refusal.to_string().contains("REGIE_APP_DATABASE_URL"),
        "{refusal}"
    );
}

#[tokio::test]
async fn requests_can_add_to_the_audit_trail_but_not_change_delete_or_truncate_it() {
    let app = TestApp::new().await;
    let db = &app.state.db;
    sqlx::query("insert into audit_events (action) values ('test.written')")
        .execute(db)
        .await
        .expect("requests write the audit trail");
    for sql in [
        "update audit_events set action = 'vervalst'",
        "delete from audit_events",
        "truncate audit_events",
        "alter table audit_events disable trigger audit_events_append_only",
        "drop trigger audit_events_append_only on audit_events",
    ] {
        refused(db, sql).await;
    }
    let left: i64 =
        sqlx::query_scalar("select count(*) from audit_events where action = 'test.written'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(left, 1);
}

#[tokio::test]
async fn requests_can_add_to_the_action_history_but_not_change_or_delete_it() {
    let app = TestApp::new().await;
    let partnership = app.with_partnership("Werkingsgebied A").await;
    let action = app.with_action(partnership).await;
    let db = &app.state.db;
    sqlx::query("insert into action_changes (action_id, change) values ($1, 'created')")
        .bind(action)
        .execute(db)
        .await
        .expect("requests write the action history");
    for sql in [
        "update action_changes set change = 'deleted'",
        "delete from action_changes",
        "truncate action_changes",
    ] {
        refused(db, sql).await;
    }
    let history: Vec<String> = sqlx::query_scalar("select change from action_changes")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(history, ["created"]);
}

#[tokio::test]
async fn reset_role_gives_the_requests_login_no_more_rights() {
    let app = TestApp::new().await;
    app.with_failed_sign_ins(1).await;
    // One connection, so that the role changes below apply to the statements after them.
    let db = app_pool(&app.db).await;
    let mut conn = db.acquire().await.unwrap();
    sqlx::query("reset role").execute(&mut *conn).await.unwrap();
    let sql = "update audit_events set action = 'vervalst'";
    assert_permission_denied(sqlx::query(sql).execute(&mut *conn).await, sql);
    let owner: String = sqlx::query_scalar(
        "select tableowner::text from pg_tables where tablename = 'audit_events'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let sql = format!("set role {owner}");
    assert_permission_denied(sqlx::query(&sql).execute(&mut *conn).await, &sql);
    for sql in [
        "create table public.planted (id int)",
        "create schema planted",
        "alter table actions add column planted int",
        "create role planted",
    ] {
        assert_permission_denied(sqlx::query(sql).execute(&mut *conn).await, sql);
    }
}

#[tokio::test]
async fn requests_only_read_the_reference_data_and_cannot_touch_the_migration_record() {
    let app = TestApp::new().await;
    let db = &app.state.db;
    let municipalities: i64 = sqlx::query_scalar("select count(*) from municipalities")
        .fetch_one(db)
        .await
        .unwrap();
    assert!(municipalities > 0);
    for sql in [
        "update municipalities set name_nl = 'Vervalst'",
        "delete from municipality_populations",
        "insert into seed_runs (name, content_sha256) values ('vervalst', '')",
        "select * from _sqlx_migrations",
        "delete from _sqlx_migrations",
    ] {
        refused(db, sql).await;
    }
}

#[tokio::test]
async fn requests_read_the_key_of_the_csrf_cookie_but_cannot_change_it() {
    let app = TestApp::new().await;
    let db = &app.state.db;
    let keys: i64 = sqlx::query_scalar("select count(*) from app_secrets")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(keys, 1);
    for sql in [
        "update app_secrets set value = '\\x00'",
        "delete from app_secrets",
        "insert into app_secrets (name, value) values ('ander', '\\x00')",
    ] {
        refused(db, sql).await;
    }
}

/// A database created from the stop that shipped other texts of two landed migrations still
/// starts: its record is set to the landed checksum. Any other changed record still stops it.
#[tokio::test]
async fn a_database_that_applied_the_texts_shipped_in_between_still_starts() {
    let db = crate::helpers::fresh_database().await;
    let shipped = "afbd2ed4120b271cb18bf5a6415e09c80daa88c29b58e3f166f4a24e1d2942f478f9ba3321fcba015f555328b888f5c9";
    let checksum = || async {
        sqlx::query_scalar::<_, String>(
            "select encode(checksum, 'hex') from _sqlx_migrations where version = 20261128000001",
        )
        .fetch_one(&db)
        .await
        .unwrap()
    };
    let landed = checksum().await;
    sqlx::query(
        "update _sqlx_migrations set checksum = decode($1, 'hex') where version = 20261128000001",
    )
    .bind(shipped)
    .execute(&db)
    .await
    .unwrap();
    regie::prepare(&db).await.expect("starts after reconciling");
    assert_eq!(checksum().await, landed);

    sqlx::query("update _sqlx_migrations set checksum = '\\x00' where version = 20261128000001")
        .execute(&db)
        .await
        .unwrap();
    assert!(regie::prepare(&db).await.is_err());
}
