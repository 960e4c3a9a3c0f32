//! `regie backup` and `regie restore` with the real binary: a database with an action and an
//! uploaded PDF is backed up, refused by a database that is not empty, and restored into a
//! fresh embedded cluster that then serves the same pages and the same PDF.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use axum::http::StatusCode;
use regie::database::{self, embedded::Cluster};
use sha2::{Digest, Sha256};

use crate::agreement_documents::{KEY, file, new_key, real_pdf, signed_in_regisseur, upload};
use crate::cli::{regie, text};
use crate::helpers::{PASSWORD, TestApp};

/// What a restore must bring back, counted.
async fn counts(db: &sqlx::PgPool) -> (i64, i64, i64, i64, i64) {
    sqlx::query_as(
        "select (select count(*) from actions), (select count(*) from users), \
                (select count(*) from agreement_documents), (select count(*) from partnerships), \
                (select count(*) from audit_events)",
    )
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_backup_restores_into_a_fresh_cluster_with_its_actions_pages_and_pdf() {
    let app = TestApp::new().await;
    let (partnership, agreement) = signed_in_regisseur(&app).await;
    let action = app
        .with_action(partnership)
        .title("Jobbeurs Leie hersteld")
        .await;
    let pdf = real_pdf();
    upload(
        &app,
        agreement,
        &[("kind", "ondertekende_overeenkomst"), (KEY, &new_key())],
        file("Overeenkomst Leie.pdf", "application/pdf", &pdf),
    )
    .await
    .assert_redirects_to(&format!(
        "/samenwerkingsovereenkomsten/{agreement}?bewaard=1#documenten"
    ));
    let document: i64 = sqlx::query_scalar("select document_id from agreement_documents")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let before = counts(&app.db).await;
    assert_eq!((before.0, before.2), (1, 1));

    let dir = std::env::temp_dir().join(format!("regie-backup-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let archive = dir.join("backups/regie.dump");
    let archive_arg = archive.to_str().unwrap();

    let out = regie(&app, &["backup", archive_arg], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Backup written"));
    let mode = std::fs::metadata(&archive).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "personal data: readable by its owner only"
    );
    // A second backup never overwrites the first.
    let again = regie(&app, &["backup", archive_arg], "", &[]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("exists already"));

    // A database that is not empty is refused, and keeps what it had.
    let refused = regie(&app, &["restore", archive_arg], "", &[]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("not empty"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(counts(&app.db).await, before);

    // Into a fresh embedded cluster (no DATABASE_URL): its own data folder. A damaged archive
    // first: refused, and it leaves nothing behind (the whole one is restored after it).
    let data_dir = dir.join("var");
    let restore_into_fresh = |archive: &str| {
        Command::new(env!("CARGO_BIN_EXE_regie"))
            .args(["restore", archive])
            .env_remove("DATABASE_URL")
            .env("REGIE_DATA_DIR", &data_dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let bytes = std::fs::read(&archive).unwrap();
    let damaged = dir.join("damaged.dump");
    std::fs::write(&damaged, &bytes[..bytes.len() * 3 / 4]).unwrap();
    let refused = restore_into_fresh(damaged.to_str().unwrap());
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("could not read"));
    let restored = restore_into_fresh(archive_arg);
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    assert!(
        text(&restored.stdout).contains("1 actions"),
        "{}",
        text(&restored.stdout)
    );

    let cluster = {
        let data_dir = data_dir.clone();
        tokio::task::spawn_blocking(move || Cluster::start(&data_dir))
            .await
            .unwrap()
            .expect("the restored cluster starts")
    };
    let owner = database::owner_pool(cluster.connect_options("regie"), 2)
        .await
        .unwrap();
    assert_eq!(counts(&owner).await, before);
    let sha: String =
        sqlx::query_scalar("select encode(sha256(content), 'hex') from agreement_documents")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(sha, data_encoding::HEXLOWER.encode(&Sha256::digest(&pdf)));

    // The restored database serves the same pages to the same regisseur, as the requests' role.
    let requests = database::pool(
        cluster
            .connect_options("regie")
            .username(database::APP_ROLE),
        2,
    )
    .await
    .unwrap();
    let served = TestApp::serving(owner.clone(), requests);
    served
        .sign_in("rita@leie.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    let page = served.get(&format!("/acties/{action}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Jobbeurs Leie hersteld");
    let download = served.get(&format!("/documenten/{document}")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.bytes, pdf, "the same bytes as uploaded");

    served.state.db.close().await;
    owner.close().await;
    // Told to, a restore replaces what a database holds.
    let out = regie(&app, &["restore", "--replace", archive_arg], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(counts(&app.db).await, before);

    cluster.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(location) = std::fs::read_to_string(data_dir.join("postgres.location")) {
        let _ = std::fs::remove_dir_all(location.trim());
    }
}

/// A restore runs CHECK constraints and column defaults with an empty search_path: every
/// function of ours they call must name its own (migration 20261205000002).
#[tokio::test]
async fn functions_a_restore_runs_name_their_search_path() {
    let app = TestApp::new().await;
    let unnamed: Vec<String> = sqlx::query_scalar(
        "select distinct p.oid::regprocedure::text
         from pg_depend d join pg_proc p on p.oid = d.refobjid
         where d.classid in ('pg_constraint'::regclass, 'pg_attrdef'::regclass)
           and p.pronamespace = 'public'::regnamespace
           and not exists (select 1 from pg_depend e where e.objid = p.oid and e.deptype = 'e')
           and not coalesce(p.proconfig::text like '%search_path=%', false)",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(unnamed.is_empty(), "without a search_path: {unnamed:?}");
}
