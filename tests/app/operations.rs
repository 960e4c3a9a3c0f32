//! Running regie as a service: liveness and readiness, a shutdown that lets requests in flight
//! finish (for a bounded time), logs a machine or a person can read, and the owner's work
//! without the requests' statement timeout. The shutdown and log tests run the real binary.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::cli::database_url;
use crate::helpers::TestApp;

#[tokio::test]
async fn readiness_needs_the_database_with_every_migration_and_liveness_needs_neither() {
    let app = TestApp::new().await;
    let r = app.get("/readyz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ready"));
    assert_eq!(app.get("/healthz").await.body, "ok");

    // The database lacks this binary's newest migration: not ready (an older instance after a
    // newer one migrated stays ready, as the version only has to be at least ours).
    let newest: i64 = sqlx::query_scalar("select max(version) from _sqlx_migrations")
        .fetch_one(&app.db)
        .await
        .unwrap();
    sqlx::query("update _sqlx_migrations set success = false where version = $1")
        .bind(newest)
        .execute(&app.db)
        .await
        .unwrap();
    let r = app.get("/readyz").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "migrations pending")
    );
    sqlx::query("update _sqlx_migrations set success = true where version = $1")
        .bind(newest)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);

    // Shutting down: requests in flight finish, but the proxy should send no new ones.
    let other = app.other_instance().await;
    other.state.stopping.begin();
    let r = other.get("/readyz").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "stopping")
    );
    assert_eq!(other.get("/healthz").await.status, StatusCode::OK);

    // Without a database: not ready, yet alive (restarting it would not bring the database
    // back; the pool reconnects by itself).
    app.state.db.close().await;
    let r = app.get("/readyz").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    );
    let r = app.get("/healthz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ok"));
}

#[tokio::test]
async fn the_owners_work_has_no_statement_timeout_and_requests_do() {
    let app = TestApp::new().await;
    let requests: String = sqlx::query_scalar("show statement_timeout")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(requests, "10s");
    let owner = regie::database::owner_pool((*app.db.connect_options()).clone(), 1)
        .await
        .unwrap();
    let bulk: String = sqlx::query_scalar("show statement_timeout")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(bulk, "0");
}

/// `regie serve` on the test's database, on a free port, its output in a file (a pipe nobody
/// reads would stop a server that logs much).
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
}

impl Server {
    pub async fn start(app: &TestApp, env: &[(&str, &str)]) -> Self {
        Self::start_on(app, free_address(), env).await
    }

    /// On `addr`: a restarted instance takes its predecessor's place.
    pub async fn start_on(app: &TestApp, addr: SocketAddr, env: &[(&str, &str)]) -> Self {
        let url = database_url(app);
        let mut settings = vec![("DATABASE_URL", url.as_str())];
        settings.extend_from_slice(env);
        Self::launch(addr, &settings, &["REGIE_DATA_DIR"]).await
    }

    /// On the embedded cluster of `data_dir` (no `DATABASE_URL`).
    pub async fn start_embedded(data_dir: &Path, addr: SocketAddr) -> Self {
        let data_dir = data_dir.to_str().unwrap();
        Self::launch(addr, &[("REGIE_DATA_DIR", data_dir)], &["DATABASE_URL"]).await
    }

    async fn launch(addr: SocketAddr, settings: &[(&str, &str)], unset: &[&str]) -> Self {
        // Its own name: a restarted server on the same address must not share (or, when the
        // one it replaces is dropped, lose) its log.
        let log = std::env::temp_dir().join(format!("regie-serve-{}.log", uuid::Uuid::new_v4()));
        let out = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_regie"));
        command
            .arg("serve")
            .env_remove("NO_COLOR")
            .env("REGIE_BIND", addr.to_string())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out);
        for name in unset {
            command.env_remove(name);
        }
        for (k, v) in settings {
            command.env(k, v);
        }
        let mut server = Server {
            child: command.spawn().expect("run regie serve"),
            addr,
            log,
        };
        let started = Instant::now();
        while get(addr, "/readyz").is_none_or(|r| !r.starts_with("HTTP/1.1 200")) {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("regie serve exited with {status}: {}", server.output());
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "regie serve did not become ready: {}",
                server.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    pub fn terminate(&self) {
        self.signal(Signal::SIGTERM);
    }

    /// `kill -9`: no shutdown at all.
    pub fn kill_hard(&self) {
        self.signal(Signal::SIGKILL);
    }

    fn signal(&self, signal: Signal) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        kill(pid, signal).unwrap();
    }

    /// Waits for the process to exit (at most `limit`): its exit status's success.
    pub async fn exited_within(&mut self, limit: Duration) -> Option<bool> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status.success());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// Standard output and error so far.
    pub fn output(&mut self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A loopback address with a port nothing listens on (just now).
pub fn free_address() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// One plain HTTP/1.1 request on a new connection: the whole response, or `None` when the
/// connection is refused or broken.
fn get(addr: SocketAddr, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    (!response.is_empty()).then_some(response)
}

/// A POST whose headers are sent and whose body is not yet complete: a request in flight. It
/// carries the anonymous CSRF cookie of the sign-in page, so the CSRF layer waits for the body
/// to compare its token (the body has a wrong one: the answer, once it is complete, is 403).
fn begin_post(addr: SocketAddr) -> TcpStream {
    let page = get(addr, "/login").expect("the sign-in page");
    let cookie = page
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: regie_csrf="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no CSRF cookie on the sign-in page: {page}"));
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let body = "csrf_token=wrong&email=a%40b.be&password=x";
    write!(
        stream,
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nSec-Fetch-Site: same-origin\r\nCookie: regie_csrf={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..5]
    )
    .unwrap();
    stream.flush().unwrap();
    stream
}

/// Waits until the server no longer accepts connections (it has begun to shut down).
async fn until_refused(addr: SocketAddr) {
    let started = Instant::now();
    while TcpStream::connect(addr).is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "still accepting connections after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn sigterm_stops_accepting_lets_the_request_in_flight_finish_then_exits() {
    let app = TestApp::new().await;
    let mut server = Server::start(&app, &[]).await;
    let mut in_flight = begin_post(server.addr);
    // The server has the request's headers: give its handler a moment to start on them.
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.terminate();
    until_refused(server.addr).await;
    // The rest of the body arrives after the shutdown began: the request still gets its answer.
    in_flight
        .write_all(b"token=wrong&email=a%40b.be&password=x")
        .unwrap();
    let mut response = String::new();
    let _ = in_flight.read_to_string(&mut response);
    assert!(
        response.starts_with("HTTP/1.1 403"),
        "the request in flight got no answer: {response:?}"
    );
    assert_eq!(
        server.exited_within(Duration::from_secs(30)).await,
        Some(true),
        "regie serve did not exit cleanly after its last request"
    );
}

#[tokio::test]
async fn a_request_that_never_finishes_holds_the_shutdown_for_at_most_its_timeout() {
    let app = TestApp::new().await;
    let mut server = Server::start(&app, &[("REGIE_SHUTDOWN_TIMEOUT", "1")]).await;
    let _stuck = begin_post(server.addr);
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.terminate();
    // Not a speed assertion: the timeout is 1 s, and without it the server would wait for the
    // request's own 30 s limit (REQUEST_TIMEOUT).
    assert_eq!(
        server.exited_within(Duration::from_secs(10)).await,
        Some(true),
        "regie serve kept waiting for a request that never finishes"
    );
    let out = server.output();
    assert!(out.contains("REGIE_SHUTDOWN_TIMEOUT"), "{out}");
}

#[tokio::test]
async fn logs_written_to_a_file_are_plain_text_or_one_json_object_a_line() {
    let app = TestApp::new().await;
    let mut server = Server::start(&app, &[]).await;
    server.terminate();
    assert_eq!(
        server.exited_within(Duration::from_secs(30)).await,
        Some(true)
    );
    let text = server.output();
    assert!(text.contains("listening on"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in a redirected log: {text:?}"
    );

    let mut server = Server::start(&app, &[("REGIE_LOG_FORMAT", "json")]).await;
    server.terminate();
    assert_eq!(
        server.exited_within(Duration::from_secs(30)).await,
        Some(true)
    );
    let text = server.output();
    let logs: Vec<serde_json::Value> = text
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).expect("a log line that is JSON"))
        .collect();
    let listening = logs
        .iter()
        .find(|l| {
            l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("listening on"))
        })
        .unwrap_or_else(|| panic!("no JSON line says it is listening: {text}"));
    assert_eq!(listening["level"], "INFO");
    assert!(!text.contains('\u{1b}'));
}

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

/// One line of Prometheus text that starts with `series` (name and labels): its value.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_are_served_apart_from_the_site_by_route_template() {
    let app = TestApp::new().await;
    sqlx::query("insert into outbox (recipient, subject, body) values ('a@b.be', 'Test', 'Tekst')")
        .execute(&app.db)
        .await
        .unwrap();
    let site = free_address();
    let metrics_addr = std::iter::repeat_with(free_address)
        .find(|a| *a != site)
        .unwrap();
    let metrics_bind = metrics_addr.to_string();
    let server =
        Server::start_on(&app, site, &[("REGIE_METRICS_BIND", metrics_bind.as_str())]).await;
    for path in ["/acties/17", "/acties/18", "/readyz", "/bestaat-niet"] {
        get(server.addr, path).expect("an answer");
    }
    // Not on the site's address: metrics are not for the public.
    let public = get(server.addr, "/metrics").unwrap();
    assert!(public.starts_with("HTTP/1.1 404"), "{public}");

    let page = get(metrics_addr, "/metrics").expect("the metrics page");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let (_, metrics) = page.split_once("\r\n\r\n").unwrap();
    // By route template, not by id: two actions, one series.
    assert_eq!(
        sample(
            metrics,
            r#"http_requests_total{method="GET",route="/acties/{id}",status="303"}"#
        ),
        Some(2.0),
        "{metrics}"
    );
    assert_eq!(
        sample(
            metrics,
            r#"http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        Some(2.0),
        "the unknown page and /metrics on the site: {metrics}"
    );
    // Ours and those of Server::start, which waits for readiness.
    assert!(
        sample(
            metrics,
            r#"http_request_duration_seconds_count{method="GET",route="/readyz"}"#
        )
        .is_some_and(|n| n >= 2.0)
    );
    assert!(metrics.contains(
        r#"http_request_duration_seconds_bucket{method="GET",route="/readyz",le="0.005"}"#
    ));
    assert_eq!(sample(metrics, "db_pool_max_connections"), Some(10.0));
    assert!(sample(metrics, r#"db_pool_connections{state="idle"}"#).is_some());
    assert_eq!(
        sample(metrics, r#"outbox_mails{status="wachtend"}"#),
        Some(1.0)
    );
}

#[tokio::test]
async fn without_a_metrics_address_there_are_no_metrics() {
    let app = TestApp::new().await;
    let server = Server::start(&app, &[]).await;
    let page = get(server.addr, "/metrics").unwrap();
    assert!(page.starts_with("HTTP/1.1 404"));
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
            let (acknowledged, cookie, token) = (acknowledged.clone(), cookie.clone(), token.clone());
            std::thread::spawn(move || {
                for n in 0.. {
                    let title = format!("Harde stop {writer}-{n}");
                    let body = serde_urlencoded::to_string([
                        ("csrf_token", token.as_str()),
                        ("idempotency_key", &uuid::Uuid::new_v4().to_string()),
                        ("partnership_id", &partnership.to_string()),
                        ("title", &title),
                        ("prioriteit", "2"),
                        ("kind", "overleg"),
                        ("status", "gepland"),
                        ("starts_on", "2025-05-01"),
                    ])
                    .unwrap();
                    let Ok(mut stream) = TcpStream::connect(addr) else {
                        return; // the server is gone
                    };
                    let request = format!(
                        "POST /acties/nieuw HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nSec-Fetch-Site: same-origin\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let mut response = String::new();
                    let answered = stream.write_all(request.as_bytes()).is_ok()
                        && stream.read_to_string(&mut response).is_ok();
                    if answered && response.starts_with("HTTP/1.1 303") {
                        acknowledged.lock().unwrap().push(title);
                    } else if !answered || response.is_empty() {
                        return;
                    } else {
                        panic!("a save failed before the kill: {response}");
                    }
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
    let page = get(addr, "/login").unwrap();
    let cookie = page
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: regie_csrf="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let token = page
        .split_once("name=\"csrf_token\" value=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .unwrap()
        .0
        .to_string();
    let body = serde_urlencoded::to_string([
        ("csrf_token", token.as_str()),
        ("email", "herstart@test.regie.be"),
        ("password", "een lang en veilig testwachtwoord"),
    ])
    .unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nSec-Fetch-Site: same-origin\r\nCookie: regie_csrf={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut signed_in = String::new();
    stream.read_to_string(&mut signed_in).unwrap();
    assert!(signed_in.starts_with("HTTP/1.1 303"), "{signed_in}");
    let session = signed_in
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: regie_sessie="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let page = |path: &str| {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: regie_sessie={session}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
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
