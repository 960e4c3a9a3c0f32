//! `TestApp`: the real router on a fresh PostgreSQL database per test, driven like a browser
//! (cookies kept, CSRF token taken from the pages it has seen).
//!
//! Databases: the first test of a run builds a template database (migrations + seeds) named
//! after a hash of both, under an advisory lock; every test then gets its own copy
//! (`create database ... template ...`). Databases of finished test runs are dropped at the
//! start of the next run. The server is the embedded cluster, or `DATABASE_URL` when set.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use regie::config::Config;
use regie::database::{self, Location};
use regie::identity::Role;
use regie::state::AppState;
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::OnceCell;
use tower::ServiceExt;

pub const PASSWORD: &str = "een lang en veilig testwachtwoord";

struct Server {
    location: Location,
    template: String,
}

static SERVER: OnceCell<Server> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn test_config() -> Config {
    Config::from_lookup(|name| match name {
        "REGIE_DATA_DIR" => Some(
            std::env::var("REGIE_DATA_DIR")
                .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/var").to_string()),
        ),
        other => std::env::var(other).ok(),
    })
    .expect("test configuration")
}

async fn server() -> &'static Server {
    SERVER
        .get_or_init(|| async {
            let location = Location::open(&test_config())
                .await
                .expect("start the embedded PostgreSQL (or reach DATABASE_URL)");
            let template = build_template(&location).await;
            Server { location, template }
        })
        .await
}

/// The template's name changes whenever a migration or a seed file does.
fn template_name() -> String {
    let mut hasher = Sha256::new();
    for migration in database::MIGRATOR.iter() {
        hasher.update(&*migration.checksum);
    }
    hasher.update(regie::municipalities::seed::content_hash());
    let hash = hasher.finalize();
    format!(
        "regie_tpl_{}",
        hash[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

async fn build_template(location: &Location) -> String {
    let name = template_name();
    let mut admin = PgConnection::connect_with(&location.maintenance_options())
        .await
        .expect("connect to the maintenance database");
    sqlx::query("select pg_advisory_lock(hashtext('regie.test_template'))")
        .execute(&mut admin)
        .await
        .unwrap();

    // Databases left by earlier test runs whose process is gone.
    let stale: Vec<String> = sqlx::query_scalar(
        "select datname from pg_database where datname like 'regie\\_test\\_%' or datname like 'regie\\_tplbuild\\_%' or (datname like 'regie\\_tpl\\_%' and datname <> $1)",
    )
    .bind(&name)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    for db in stale {
        let pid = db.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let owner_alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !owner_alive || db.starts_with("regie_tpl_") {
            let _ = sqlx::query(&format!("drop database if exists {db} with (force)"))
                .execute(&mut admin)
                .await;
        }
    }

    let exists: bool =
        sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .unwrap();
    if !exists {
        let build = format!("regie_tplbuild_{}", std::process::id());
        sqlx::query(&format!("create database {build}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let pool = database::pool(location.options_for(&build), 2)
            .await
            .unwrap();
        database::prepare(&pool)
            .await
            .expect("migrate and seed the template");
        pool.close().await;
        sqlx::query(&format!("alter database {build} rename to {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
    }
    sqlx::query("select pg_advisory_unlock(hashtext('regie.test_template'))")
        .execute(&mut admin)
        .await
        .unwrap();
    name
}

/// A fresh database, migrated and seeded, for one test.
pub async fn fresh_database() -> PgPool {
    let server = server().await;
    let name = format!(
        "regie_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = PgConnection::connect_with(&server.location.maintenance_options())
        .await
        .unwrap();
    sqlx::query(&format!(
        "create database {name} template {}",
        server.template
    ))
    .execute(&mut admin)
    .await
    .expect("create the test database");
    admin.close().await.ok();
    database::pool(server.location.options_for(&name), 5)
        .await
        .expect("connect to the test database")
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent, for binary downloads.
    pub bytes: Vec<u8>,
}

impl TestResponse {
    /// Asserts a 303 to `path` (the Location header, compared without host).
    #[track_caller]
    pub fn assert_redirects_to(&self, path: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "body: {}", self.body);
        assert_eq!(self.location(), path);
    }

    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) {
        assert!(
            self.body.contains(text),
            "expected {text:?} in the page (status {}):\n{}",
            self.status,
            self.body
        );
    }
}

pub struct TestApp {
    pub db: PgPool,
    pub state: AppState,
    router: Router,
    cookies: Mutex<HashMap<String, String>>,
    csrf: Mutex<Option<String>>,
    pub ip: IpAddr,
}

impl TestApp {
    pub async fn new() -> Self {
        let db = fresh_database().await;
        let state = AppState::new(db.clone(), test_config());
        Self {
            router: regie::app(state.clone()),
            db,
            state,
            cookies: Mutex::new(HashMap::new()),
            csrf: Mutex::new(None),
            ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)),
        }
    }

    /// A second browser on the same application and database (own cookies).
    pub fn other_browser(&self) -> Self {
        Self {
            db: self.db.clone(),
            state: self.state.clone(),
            router: regie::app(self.state.clone()),
            cookies: Mutex::new(HashMap::new()),
            csrf: Mutex::new(None),
            ip: self.ip,
        }
    }

    pub async fn request(&self, mut request: Request<Body>) -> TestResponse {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(self.ip, 50_000)));
        let cookie_header = {
            let cookies = self.cookies.lock().unwrap();
            cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if !cookie_header.is_empty() {
            request
                .headers_mut()
                .insert(header::COOKIE, cookie_header.parse().unwrap());
        }
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for set_cookie in headers.get_all(header::SET_COOKIE) {
            let raw = set_cookie.to_str().unwrap();
            let pair = raw.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = raw.to_ascii_lowercase().contains("max-age=0");
            let mut cookies = self.cookies.lock().unwrap();
            if expired || value.is_empty() {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_string(), value.to_string());
            }
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = find_csrf_token(&body) {
            *self.csrf.lock().unwrap() = Some(token);
        } else if status == StatusCode::SEE_OTHER {
            // Signing in or out renews the token; like a browser, read it from the next page.
            *self.csrf.lock().unwrap() = None;
        }
        TestResponse {
            status,
            headers,
            body,
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// POSTs a form with the CSRF token of the last page seen (fetching one if needed).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let token = self.csrf_token().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// POSTs a form exactly as given (no CSRF token added).
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.request(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    pub async fn csrf_token(&self) -> String {
        let known = self.csrf.lock().unwrap().clone();
        match known {
            Some(token) => token,
            None => {
                self.get("/over").await;
                self.csrf
                    .lock()
                    .unwrap()
                    .clone()
                    .expect("a CSRF token on /over")
            }
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn forget_csrf_token(&self) {
        *self.csrf.lock().unwrap() = None;
    }

    /// Creates an active user with [`PASSWORD`] who need not change it. Returns the user id.
    pub async fn create_user(&self, role: Role, email: &str, name: &str) -> i64 {
        let hash = regie::auth::password::hash_now(PASSWORD).unwrap();
        sqlx::query_scalar(
            "insert into users (email, full_name, role, password_hash, must_change_password) values ($1, $2, $3, $4, false) returning user_id",
        )
        .bind(email)
        .bind(name)
        .bind(role)
        .bind(hash)
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> TestResponse {
        self.get("/login").await;
        self.post_form("/login", &[("email", email), ("password", password)])
            .await
    }

    /// Creates a user of `role` and signs in through the real sign-in form. Returns the user id.
    pub async fn sign_in_as(&self, role: Role) -> i64 {
        let email = format!("{}@test.regie.be", role.code());
        let user_id = self
            .create_user(role, &email, &format!("Test {}", role.label()))
            .await;
        let response = self.sign_in(&email, PASSWORD).await;
        response.assert_redirects_to("/");
        user_id
    }

    /// Asserts that an audit entry with this action was recorded.
    pub async fn assert_audited(&self, action: &str) {
        let actions = self.audit_actions().await;
        assert!(
            actions.iter().any(|a| a == action),
            "no {action} in {actions:?}"
        );
    }

    /// The audit actions recorded so far, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("select action from audit_events order by audit_event_id")
            .fetch_all(&self.db)
            .await
            .unwrap()
    }
}

/// The token every page carries for htmx (`hx-headers` on `<body>`).
fn find_csrf_token(body: &str) -> Option<String> {
    let marker = r#""X-CSRF-Token": ""#;
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')?;
    Some(body[start..start + end].to_string()).filter(|t| !t.is_empty())
}
