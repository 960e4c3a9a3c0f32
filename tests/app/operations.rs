//! Running regie as a service: liveness and readiness, a shutdown that lets requests in flight
//! finish (for a bounded time), logs a machine or a person can read, and the owner's work
//! without the requests' statement timeout. The shutdown and log tests run the real binary.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::helpers::TestApp;
use crate::server::{Server, free_address, get, set_cookie};

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

/// A POST whose headers are sent and whose body is not yet complete: a request in flight. It
/// carries the anonymous CSRF cookie of the sign-in page, so the CSRF layer waits for the body
/// to compare its token (the body has a wrong one: the answer, once it is complete, is 403).
fn begin_post(addr: SocketAddr) -> TcpStream {
    let page = get(addr, "/login").expect("the sign-in page");
    let cookie = set_cookie(&page, "regie_csrf")
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
