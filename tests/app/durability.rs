//! Durability: a server killed during saves, PostgreSQL restarting under a running server, and
//! a database that can no longer write. The first two run the real binary.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::helpers::TestApp;
use crate::server::{Server, free_address, get, get_with, post, set_cookie};

/// A database that can no longer write (made read-only here, as after a failover to a standby;
/// a full disk answers the same way, 53100): saving answers the Dutch 503 and reading goes on.
#[tokio::test]
async fn a_read_only_database_answers_503_to_a_save_and_serves_pages() {
    let app = TestApp::new().await;
    let partnership = app.with_partnership("Regio Alleen Lezen").await;
    app.sign_in_as_regisseur_of(partnership, "lees@test.regie.be")
        .await;
    let database: String = sqlx::query_scalar("select current_database()")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let read_only = |on: bool| {
        let (db, database) = (app.db.clone(), database.clone());
        async move {
            sqlx::query(&format!(
                "alter database {database} set default_transaction_read_only = {on}"
            ))
            .execute(&db)
            .await
            .unwrap();
            // Settings reach new connections: end the requests' ones.
            sqlx::query(
                "select pg_terminate_backend(pid) from pg_stat_activity \
                 where datname = $1 and usename = 'regie_app'",
            )
            .bind(&database)
            .execute(&db)
            .await
            .unwrap();
        }
    };
    let save = |title: &'static str| {
        let fields = [
            ("partnership_id", partnership.to_string()),
            ("title", title.to_string()),
            ("prioriteit", "2".to_string()),
            ("kind", "overleg".to_string()),
            ("status", "gepland".to_string()),
            ("starts_on", "2025-05-01".to_string()),
            ("idempotency_key", uuid::Uuid::new_v4().to_string()),
        ];
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form("/acties/nieuw", &fields).await
        }
    };

    read_only(true).await;
    // The first request may find its connection ended (503); then the pool reconnects.
    let _ = app.get("/gemeenten").await;
    let refused = save("Niet bewaard").await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    refused.assert_contains("Tijdelijk niet beschikbaar");
    assert_eq!(app.get("/gemeenten").await.status, StatusCode::OK);

    read_only(false).await;
    let _ = app.get("/gemeenten").await;
    let saved = save("Wel bewaard").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let titles: Vec<String> = sqlx::query_scalar("select title from actions")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(titles, ["Wel bewaard"]);
}

/// `kill -9` in the middle of a stream of saves: after a restart every save that got its
/// redirect is there once, and none is there in part (each has its history row, and the
/// priority counts kept by triggers match the actions).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_during_saves_keeps_every_acknowledged_save_once_and_whole() {
    let app = TestApp::new().await;
    let partnership = app.with_partnership("Regio Harde Stop").await;
    app.sign_in_as_regisseur_of(partnership, "hard@test.regie.be")
        .await;
    let cookie = format!(
        "regie_sessie={}",
        app.cookie("regie_sessie").expect("a session cookie")
    );
    let token = app.csrf_token().await;
    let env = [("RUST_LOG", "warn")];
    let mut server = Server::start(&app, &env).await;
    let addr = server.addr;

    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (acknowledged, cookie, token) =
                (acknowledged.clone(), cookie.clone(), token.clone());
            std::thread::spawn(move || {
                for n in 0.. {
                    let title = format!("Harde stop {writer}-{n}");
                    let key = uuid::Uuid::new_v4().to_string();
                    let form = [
                        ("csrf_token", token.as_str()),
                        ("idempotency_key", &key),
                        ("partnership_id", &partnership.to_string()),
                        ("title", &title),
                        ("prioriteit", "2"),
                        ("kind", "overleg"),
                        ("status", "gepland"),
                        ("starts_on", "2025-05-01"),
                    ];
                    // No answer: the server is gone.
                    let Some(response) = post(addr, "/acties/nieuw", &cookie, &form) else {
                        return;
                    };
                    assert!(
                        response.starts_with("HTTP/1.1 303"),
                        "a save failed before the kill: {response}"
                    );
                    acknowledged.lock().unwrap().push(title);
                }
            })
        })
        .collect();
    // Let the saves run, then kill the server in the middle of them.
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 40 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the saves do not go on"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill_hard();
    assert_eq!(
        server.exited_within(Duration::from_secs(10)).await,
        Some(false)
    );
    for writer in writers {
        writer.join().unwrap();
    }
    let mut acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());

    let _restarted = Server::start_on(&app, addr, &env).await;
    let mut stored: Vec<String> =
        sqlx::query_scalar("select title from actions where title like 'Harde stop %'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    stored.sort();
    acknowledged.sort();
    // Each acknowledged save once; a save cut off before its answer may be there or not.
    let mut unique = stored.clone();
    unique.dedup();
    assert_eq!(unique.len(), stored.len(), "no save twice");
    for title in &acknowledged {
        assert!(
            stored.binary_search(title).is_ok(),
            "{title} was acknowledged but is gone"
        );
    }
    assert!(
        stored.len() <= acknowledged.len() + 4,
        "at most one save in flight per writer"
    );
    let without_history: i64 = sqlx::query_scalar(
        "select count(*) from actions a where a.title like 'Harde stop %' \
         and not exists (select 1 from action_changes c where c.action_id = a.action_id)",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(without_history, 0, "no action saved in part");
    let (counted, kept): (i64, i64) = sqlx::query_as(
        "select (select count(*) from actions where partnership_id = $1),
                (select coalesce(sum(actions), 0) from action_priority_counts where partnership_id = $1)",
    )
    .bind(partnership)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(counted, kept, "the priority counts match the actions");
}

/// PostgreSQL stopped and started again under a running server: meanwhile pages answer the
/// Dutch 503 without hanging, and afterwards the same server serves again by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_rides_out_a_postgresql_restart() {
    use regie::database::embedded::Cluster;

    let data_dir = std::env::temp_dir().join(format!("regie-pgrestart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::set_permissions(
        &data_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mut server = Server::start_embedded(&data_dir, free_address()).await;
    let add = Command::new(env!("CARGO_BIN_EXE_regie"))
        .args([
            "user",
            "add",
            "--email",
            "herstart@test.regie.be",
            "--name",
            "Herman Herstart",
            "--role",
            "ministry",
        ])
        .env_remove("DATABASE_URL")
        .env("REGIE_DATA_DIR", &data_dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .as_ref()
        .unwrap()
        .write_all(b"een lang en veilig testwachtwoord\n")
        .unwrap();
    assert!(add.wait_with_output().unwrap().status.success());

    // Sign in over HTTP: the CSRF cookie and token of the sign-in page, then the form.
    let addr = server.addr;
    let login = get(addr, "/login").unwrap();
    let csrf = set_cookie(&login, "regie_csrf").unwrap();
    let token = login
        .split_once("name=\"csrf_token\" value=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .unwrap()
        .0;
    let form = [
        ("csrf_token", token),
        ("email", "herstart@test.regie.be"),
        ("password", "een lang en veilig testwachtwoord"),
    ];
    let signed_in = post(addr, "/login", &format!("regie_csrf={csrf}"), &form).unwrap();
    assert!(signed_in.starts_with("HTTP/1.1 303"), "{signed_in}");
    let session = format!(
        "regie_sessie={}",
        set_cookie(&signed_in, "regie_sessie").unwrap()
    );
    let page = |path: &str| get_with(addr, path, &session).expect("an answer");
    assert!(page("/gemeenten").starts_with("HTTP/1.1 200"));

    // PostgreSQL goes away (as in a restart or a failover).
    let stopped = data_dir.clone();
    tokio::task::spawn_blocking(move || Cluster::stop_for(&stopped))
        .await
        .unwrap()
        .unwrap();
    for _ in 0..3 {
        let started = Instant::now();
        let down = page("/gemeenten");
        assert!(down.starts_with("HTTP/1.1 503"), "{down}");
        assert!(down.contains("Tijdelijk niet beschikbaar"));
        // Not a speed assertion: only that it answers instead of hanging on the database.
        assert!(started.elapsed() < Duration::from_secs(30));
    }
    assert!(page("/readyz").starts_with("HTTP/1.1 503"));
    assert!(
        page("/healthz").starts_with("HTTP/1.1 200"),
        "alive all along"
    );

    // Back: the same server recovers by itself.
    let started = data_dir.clone();
    let cluster = tokio::task::spawn_blocking(move || Cluster::start(&started))
        .await
        .unwrap()
        .unwrap();
    let since = Instant::now();
    while !page("/gemeenten").starts_with("HTTP/1.1 200") {
        assert!(
            since.elapsed() < Duration::from_secs(60),
            "the server did not recover from the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(page("/readyz").starts_with("HTTP/1.1 200"));

    server.terminate();
    assert_eq!(
        server.exited_within(Duration::from_secs(60)).await,
        Some(true)
    );
    let _ = cluster.stop();
    let _ = Cluster::stop_for(&data_dir);
    let location = std::fs::read_to_string(data_dir.join("postgres.location")).ok();
    let _ = std::fs::remove_dir_all(&data_dir);
    if let Some(location) = location {
        let _ = std::fs::remove_dir_all(location.trim());
    }
}
