//! Prometheus metrics, served on their own address (`REGIE_METRICS_BIND`, off by default) so
//! that they never reach the public site: `GET /metrics` there.
//!
//! - `http_requests_total{method, route, status}` and `http_request_duration_seconds{method,
//!   route}` (a histogram): every request, by its route template (`/acties/{id}`, never the
//!   id itself, so the number of series stays small), measured around the whole middleware
//!   stack. Requests no route matches count as `route="unmatched"`.
//! - `db_pool_connections{state="idle|in_use"}` and `db_pool_max_connections`: the requests'
//!   connection pool, read at each scrape.
//! - `outbox_mails{status="wachtend|mislukt"}`: mail waiting to be sent or given up on, one
//!   small statement per scrape.
//!
//! The `metrics` facade records into the process-wide Prometheus recorder of
//! `metrics-exporter-prometheus`; without `REGIE_METRICS_BIND` no recorder and no middleware
//! are installed, so requests pay nothing.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use anyhow::Context;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;

const REQUESTS: &str = "http_requests_total";
const DURATION: &str = "http_request_duration_seconds";
/// From 1 ms (a cached page) to 10 s (the statement timeout).
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder (once per process) and returns the handle that renders it.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(DURATION.into()), &BUCKETS)?
        .install_recorder()
        .context("installing the Prometheus recorder")?;
    metrics::describe_counter!(
        REQUESTS,
        "HTTP requests answered, by route template and status"
    );
    metrics::describe_histogram!(
        DURATION,
        metrics::Unit::Seconds,
        "Time to answer an HTTP request, by route template"
    );
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// Middleware: counts and times every request by its route template.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Clients choose the method, and a label of their choosing would add a series each time.
    let method = match *request.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(DURATION, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    db: PgPool,
}

/// Serves `GET /metrics` on `listener` until the process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    handle: PrometheusHandle,
    db: PgPool,
) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape { handle, db });
    axum::serve(listener, app).await?;
    Ok(())
}

/// Binds `REGIE_METRICS_BIND` (a taken address stops the start, as for `REGIE_BIND`).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (REGIE_METRICS_BIND)"))
}

async fn scrape(State(scrape): State<Scrape>) -> Response {
    let size = scrape.db.size();
    let idle = u32::try_from(scrape.db.num_idle()).unwrap_or(u32::MAX);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("db_pool_connections", "state" => "in_use")
        .set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!("db_pool_max_connections")
        .set(f64::from(scrape.db.options().get_max_connections()));
    // Without the database the other metrics still tell something: leave the gauge as it was.
    match sqlx::query!(
        r#"select count(*) filter (where status = 'wachtend') as "waiting!",
                  count(*) filter (where status = 'mislukt') as "failed!"
           from outbox"#
    )
    .fetch_one(&scrape.db)
    .await
    {
        Ok(outbox) => {
            metrics::gauge!("outbox_mails", "status" => "wachtend").set(outbox.waiting as f64);
            metrics::gauge!("outbox_mails", "status" => "mislukt").set(outbox.failed as f64);
        }
        Err(err) => tracing::warn!(error = %err, "metrics: cannot count the outbox"),
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        scrape.handle.render(),
    )
        .into_response()
}
