//! `TestApp`: the real router on a fresh PostgreSQL database per test, driven like a browser
//! (cookies kept, CSRF token taken from the pages it has seen), and the `with_*` builders that
//! put users, werkingsgebieden and actions in its database before a test starts.
//!
//! Databases: the first test of a run builds a template database (migrations + seeds) named
//! after a hash of both, under an advisory lock; every test then gets its own copy
//! (`create database ... template ...`). Databases of finished test runs are dropped at the
//! start of the next run. The server is the embedded cluster, or `DATABASE_URL` when set.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{Datelike, NaiveDate};
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
    test_config_with(&[])
}

/// The test configuration with some variables set as given.
pub fn test_config_with(settings: &[(&str, &str)]) -> Config {
    Config::from_lookup(|name| {
        if let Some((_, value)) = settings.iter().find(|(n, _)| *n == name) {
            return Some(value.to_string());
        }
        match name {
            "REGIE_DATA_DIR" => Some(
                std::env::var("REGIE_DATA_DIR")
                    .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/var").to_string()),
            ),
            other => std::env::var(other).ok(),
        }
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
        let pool = database::owner_pool(location.options_for(&build), 2)
            .await
            .unwrap();
        regie::prepare(&pool)
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

/// A pool on `db`'s database that logs in as the requests' role (`regie_app`), as
/// `regie serve` gives the router; `db` itself logs in as the owner.
pub async fn app_pool(db: &PgPool) -> PgPool {
    let options = db.connect_options();
    let name = options.get_database().expect("a test database name");
    database::pool(server().await.location.app_options_for(name), 5)
        .await
        .expect("connect to the test database as the requests' role")
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
    /// The owner's pool, for setting up and checking the database.
    pub db: PgPool,
    /// The router's state; its pool logs in as the requests' role, as in `regie serve`.
    pub state: AppState,
    router: Router,
    cookies: Mutex<HashMap<String, String>>,
    csrf: Mutex<Option<String>>,
    /// The TCP peer's address (a proxy, when `forwarded_for` is set).
    pub ip: IpAddr,
    /// An `X-Forwarded-For` header sent with every request, as a reverse proxy would.
    pub forwarded_for: Option<String>,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_settings(&[]).await
    }

    /// An application configured with these environment variables (`REGIE_PUBLIC_URL`, ...).
    pub async fn with_settings(settings: &[(&str, &str)]) -> Self {
        let db = fresh_database().await;
        let requests = app_pool(&db).await;
        Self::on(db, AppState::new(requests, test_config_with(settings)))
    }

    /// The application on another database, such as a restored backup: `db` logs in as its
    /// owner, `requests` as the requests' role.
    pub fn serving(db: PgPool, requests: PgPool) -> Self {
        Self::on(db, AppState::new(requests, test_config()))
    }

    /// A fresh browser (no cookies) on the router of `state`; `db` is the owner's pool.
    fn on(db: PgPool, state: AppState) -> Self {
        Self {
            router: regie::app(state.clone()),
            db,
            state,
            cookies: Mutex::new(HashMap::new()),
            csrf: Mutex::new(None),
            ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)),
            forwarded_for: None,
        }
    }

    /// A second instance of the application on the same database: its own pool and its own
    /// in-process caches, as another `regie serve` behind the same proxy.
    pub async fn other_instance(&self) -> Self {
        let state = AppState::new(app_pool(&self.db).await, test_config());
        Self {
            ip: self.ip,
            forwarded_for: self.forwarded_for.clone(),
            ..Self::on(self.db.clone(), state)
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
            forwarded_for: self.forwarded_for.clone(),
        }
    }

    pub async fn request(&self, mut request: Request<Body>) -> TestResponse {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(self.ip, 50_000)));
        if let Some(forwarded) = &self.forwarded_for {
            request
                .headers_mut()
                .insert("x-forwarded-for", forwarded.parse().unwrap());
        }
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

    pub async fn sign_in(&self, email: &str, password: &str) -> TestResponse {
        self.get("/login").await;
        self.post_form("/login", &[("email", email), ("password", password)])
            .await
    }

    /// Creates a user of `role` (`{role}@test.regie.be`, "Test {label}") and signs in through
    /// the real sign-in form. Returns the user id.
    pub async fn sign_in_as(&self, role: Role) -> i64 {
        let user_id = self.with_user(role).await;
        self.sign_in(&default_email(role), PASSWORD)
            .await
            .assert_redirects_to("/");
        user_id
    }

    /// Creates a regisseur with a current appointment for `partnership` and signs in as them.
    /// Returns the user id.
    pub async fn sign_in_as_regisseur_of(&self, partnership: i64, email: &str) -> i64 {
        let user_id = self
            .with_user(Role::Regisseur)
            .email(email)
            .name("Rita Regisseur")
            .regisseur_of(partnership)
            .await;
        self.sign_in(email, PASSWORD).await.assert_redirects_to("/");
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

// Setup: what a test finds in the database before it starts, written straight to the database
// so that a test goes through only the pages it is about. Each `with_*` returns a builder with
// defaults; change what matters to the test and `.await` it for the new row's id:
//
//     let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
//     let user = app.with_user(Role::Regisseur).email("rita@kortrijk.be").regisseur_of(p).await;
//     let action = app.with_action(p).title("Jobbeurs").priorities(&[1, 4]).await;

type Setup<'a> = Pin<Box<dyn Future<Output = i64> + 'a>>;

/// A calendar date, for the builders below.
pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid date")
}

fn default_email(role: Role) -> String {
    format!("{}@test.regie.be", role.code())
}

impl TestApp {
    /// The id of a seeded policy period ("2020-2022", "2023-2025") or one a test created.
    pub async fn period_id(&self, name: &str) -> i64 {
        sqlx::query_scalar("select policy_period_id from policy_periods where name = $1")
            .bind(name)
            .fetch_one(&self.db)
            .await
            .unwrap_or_else(|e| panic!("policy period {name}: {e}"))
    }

    /// An active user with [`PASSWORD`] who need not change it; by default
    /// `{role}@test.regie.be`, named "Test {role label}".
    pub fn with_user(&self, role: Role) -> NewUser<'_> {
        NewUser {
            app: self,
            role,
            email: default_email(role),
            name: format!("Test {}", role.label()),
            must_change_password: false,
            regisseur_of: None,
            vdab_of: Vec::new(),
        }
    }

    /// A werkingsgebied of 2023-2025 without members, unless told otherwise.
    pub fn with_partnership(&self, name: &str) -> NewPartnership<'_> {
        NewPartnership {
            app: self,
            name: name.to_string(),
            period: None,
            members: Vec::new(),
        }
    }

    /// A pending appointment request for `partnership` (Kandidaat, 2024-2025), as staff file it.
    pub async fn with_appointment_request(&self, partnership: i64) -> i64 {
        sqlx::query_scalar(
            "insert into appointments (partnership_id, person_name, person_email, fte, starts_on, ends_on) values ($1, 'Kandidaat', 'kandidaat@gemeente.be', 1, '2024-01-01', '2025-12-31') returning appointment_id",
        )
        .bind(partnership)
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    /// `count` failed sign-ins for x1@y.be, x2@y.be, ..., in the audit trail only (through the
    /// sign-in form, throttling would stop them long before).
    pub async fn with_failed_sign_ins(&self, count: i32) {
        sqlx::query(
            "insert into audit_events (action, details) select 'sign_in.failed', jsonb_build_object('email', 'x' || i || '@y.be') from generate_series(1, $1) i",
        )
        .bind(count)
        .execute(&self.db)
        .await
        .unwrap();
    }

    /// An action of `partnership`: "Overleg", of kind overleg, for WSE-LR1, on 2024-01-01
    /// (no end date), gepland.
    /// An agreement of `partnership`: "Samen sterk voor lokaal werk", 2023-01-01 to
    /// 2025-12-31, in status ontwerp (with its first history line), binding no municipality.
    pub fn with_agreement(&self, partnership: i64) -> NewAgreement<'_> {
        NewAgreement {
            app: self,
            partnership,
            title: "Samen sterk voor lokaal werk".to_string(),
            binds: Vec::new(),
        }
    }

    /// A commitment of `agreement`: objective 1, owned by both sides, deadline 2025-06-30,
    /// gepland.
    pub async fn with_commitment(&self, agreement: i64) -> i64 {
        sqlx::query_scalar(
            "insert into commitments (agreement_id, objective, description, owner_side, owner_name, indicator, target_value, deadline) values ($1, 1, 'Jobbeurs voor anderstaligen', 'beide', 'Jan Peeters', 'deelnemers', '40', '2025-06-30') returning commitment_id",
        )
        .bind(agreement)
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    /// A PDF document of `agreement` (a signed agreement, `minimal.pdf`).
    pub async fn with_document(&self, agreement: i64) -> i64 {
        let content: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
        sqlx::query_scalar(
            "insert into agreement_documents (agreement_id, kind, file_name, size_bytes, sha256, content) values ($1, 'ondertekende_overeenkomst', 'minimal.pdf', length($2), encode(sha256($2), 'hex'), $2) returning document_id",
        )
        .bind(agreement)
        .bind(content)
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    /// The envelope of `year`: `euros` (whole euros), with its first history line.
    pub async fn with_envelope(&self, year: i16, euros: i64) {
        sqlx::query(
            "with e as (insert into budget_envelopes (year, amount_cents) values ($1, $2 * 100) returning year, amount_cents) insert into budget_envelope_changes (year, amount_cents, reason) select year, amount_cents, 'test' from e",
        )
        .bind(year)
        .bind(euros)
        .execute(&self.db)
        .await
        .unwrap();
    }

    /// Fixes the allocation of `partnership` for `year` at `euros`, as the rule computed it
    /// (no motivation needed), superseding the one in force. The envelope must allow it.
    pub async fn with_allocation(&self, partnership: i64, year: i16, euros: i64) -> i64 {
        sqlx::query(
            "update allocations set superseded_at = now() where partnership_id = $1 and year = $2 and superseded_at is null",
        )
        .bind(partnership)
        .bind(year)
        .execute(&self.db)
        .await
        .unwrap();
        sqlx::query_scalar(
            "insert into allocations (partnership_id, year, version, amount_cents, computed_cents) select $1, $2, coalesce(max(version), 0) + 1, $3 * 100, $3 * 100 from allocations where partnership_id = $1 and year = $2 returning allocation_id",
        )
        .bind(partnership)
        .bind(year)
        .bind(euros)
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    /// The unemployment rate of municipality `nis_code` (2019-2024 list) in `year`, in
    /// hundredths of a percent.
    pub async fn with_unemployment_rate(&self, nis_code: &str, year: i16, rate_bp: i32) {
        sqlx::query(
            "insert into unemployment_rates (vintage, nis_code, year, rate_bp, source) values ('2019-2024', $1, $2, $3, 'test') on conflict (vintage, nis_code, year) do update set rate_bp = excluded.rate_bp",
        )
        .bind(nis_code)
        .bind(year)
        .bind(rate_bp)
        .execute(&self.db)
        .await
        .unwrap();
    }

    /// The yearly report of `partnership` for `year`: a concept with an empty narrative, unless
    /// moved on with [`NewReport::status`].
    pub fn with_report(&self, partnership: i64, year: i16) -> NewReport<'_> {
        NewReport {
            app: self,
            partnership,
            year,
            status: "concept",
        }
    }

    /// The due date of the reports of `year`.
    pub async fn with_deadline(&self, year: i16, due_on: NaiveDate) {
        sqlx::query(
            "insert into report_deadlines (year, due_on) values ($1, $2) on conflict (year) do update set due_on = excluded.due_on",
        )
        .bind(year)
        .bind(due_on)
        .execute(&self.db)
        .await
        .unwrap();
    }

    /// Makes ministry user `reviewer` the reviewer of `partnership`.
    pub async fn with_reviewer(&self, partnership: i64, reviewer: i64) {
        sqlx::query(
            "insert into partnership_reviewers (partnership_id, reviewer_id) values ($1, $2) on conflict (partnership_id) do update set reviewer_id = excluded.reviewer_id",
        )
        .bind(partnership)
        .bind(reviewer)
        .execute(&self.db)
        .await
        .unwrap();
    }

    /// An action of `partnership`; it starts on 1 January 2024 unless told otherwise, or on the
    /// first day of the werkingsgebied's policy period when 2024 is not in it (an action's dates
    /// lie within its period).
    pub fn with_action(&self, partnership: i64) -> NewAction<'_> {
        NewAction {
            app: self,
            partnership,
            title: "Overleg".to_string(),
            priorities: vec![1],
            starts_on: None,
            status: "gepland",
        }
    }
}

pub struct NewUser<'a> {
    app: &'a TestApp,
    role: Role,
    email: String,
    name: String,
    must_change_password: bool,
    regisseur_of: Option<i64>,
    vdab_of: Vec<i64>,
}

impl<'a> NewUser<'a> {
    pub fn email(mut self, email: &str) -> Self {
        self.email = email.to_string();
        self
    }

    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// Signed in with a one-time password: must choose their own before anything else.
    pub fn must_change_password(mut self) -> Self {
        self.must_change_password = true;
        self
    }

    /// With an approved appointment for `partnership` that runs from a month ago to a year
    /// ahead (marked demo, which needs no admin's decision): its current regisseur.
    pub fn regisseur_of(mut self, partnership: i64) -> Self {
        self.regisseur_of = Some(partnership);
        self
    }

    /// For a VDAB account manager: the werkingsgebieden assigned to them.
    pub fn vdab_of(mut self, partnerships: &[i64]) -> Self {
        self.vdab_of = partnerships.to_vec();
        self
    }

    async fn insert(self) -> i64 {
        let hash = regie::identity::hashing::hash_now(PASSWORD).unwrap();
        let user_id: i64 = sqlx::query_scalar(
            "insert into users (email, full_name, role, password_hash, must_change_password) values ($1, $2, $3, $4, $5) returning user_id",
        )
        .bind(&self.email)
        .bind(&self.name)
        .bind(self.role)
        .bind(hash)
        .bind(self.must_change_password)
        .fetch_one(&self.app.db)
        .await
        .unwrap();
        if let Some(partnership) = self.regisseur_of {
            sqlx::query(
                "insert into appointments (partnership_id, person_name, person_email, fte, starts_on, ends_on, status, user_id, is_demo) values ($1, $2, $3, 1, current_date - 30, current_date + 365, 'goedgekeurd', $4, true)",
            )
            .bind(partnership)
            .bind(&self.name)
            .bind(&self.email)
            .bind(user_id)
            .execute(&self.app.db)
            .await
            .unwrap();
        }
        for partnership in &self.vdab_of {
            sqlx::query("insert into vdab_assignments (user_id, partnership_id) values ($1, $2)")
                .bind(user_id)
                .bind(partnership)
                .execute(&self.app.db)
                .await
                .unwrap();
        }
        user_id
    }
}

impl<'a> IntoFuture for NewUser<'a> {
    type Output = i64;
    type IntoFuture = Setup<'a>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.insert())
    }
}

pub struct NewPartnership<'a> {
    app: &'a TestApp,
    name: String,
    period: Option<i64>,
    members: Vec<String>,
}

impl<'a> NewPartnership<'a> {
    /// Municipalities (NIS codes of the period's list) that belong to it.
    pub fn members(mut self, nis_codes: &[&str]) -> Self {
        self.members = nis_codes.iter().map(|n| n.to_string()).collect();
        self
    }

    pub fn in_period(mut self, policy_period_id: i64) -> Self {
        self.period = Some(policy_period_id);
        self
    }

    async fn insert(self) -> i64 {
        let period = match self.period {
            Some(id) => id,
            None => self.app.period_id("2023-2025").await,
        };
        let id: i64 = sqlx::query_scalar(
            "insert into partnerships (policy_period_id, name, legal_form, lead_organisation) values ($1, $2, 'interlokale_vereniging', 'Stad') returning partnership_id",
        )
        .bind(period)
        .bind(&self.name)
        .fetch_one(&self.app.db)
        .await
        .unwrap();
        for nis in &self.members {
            sqlx::query(
                "insert into partnership_members (partnership_id, policy_period_id, vintage, nis_code) select $1, policy_period_id, vintage, $3 from policy_periods where policy_period_id = $2",
            )
            .bind(id)
            .bind(period)
            .bind(nis)
            .execute(&self.app.db)
            .await
            .unwrap_or_else(|e| panic!("member {nis} of {}: {e}", self.name));
        }
        id
    }
}

impl<'a> IntoFuture for NewPartnership<'a> {
    type Output = i64;
    type IntoFuture = Setup<'a>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.insert())
    }
}

pub struct NewAction<'a> {
    app: &'a TestApp,
    partnership: i64,
    title: String,
    priorities: Vec<i16>,
    starts_on: Option<NaiveDate>,
    status: &'static str,
}

impl<'a> NewAction<'a> {
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_string();
        self
    }

    /// Priority numbers 1 to 4 (WSE-LR1 to WSE-LR4).
    pub fn priorities(mut self, priorities: &[i16]) -> Self {
        self.priorities = priorities.to_vec();
        self
    }

    pub fn starts_on(mut self, day: NaiveDate) -> Self {
        self.starts_on = Some(day);
        self
    }

    /// gepland, lopend, afgerond or geannuleerd.
    pub fn status(mut self, status: &'static str) -> Self {
        self.status = status;
        self
    }

    async fn insert(self) -> i64 {
        sqlx::query_scalar(
            "insert into actions (partnership_id, title, priorities, kind, starts_on, status) select $1, $2, $3, 'overleg', coalesce($4, case when date '2024-01-01' between pp.starts_on and pp.ends_on then date '2024-01-01' else pp.starts_on end), $5::text::action_status from partnerships p join policy_periods pp using (policy_period_id) where p.partnership_id = $1 returning action_id",
        )
        .bind(self.partnership)
        .bind(&self.title)
        .bind(&self.priorities)
        .bind(self.starts_on)
        .bind(self.status)
        .fetch_one(&self.app.db)
        .await
        .unwrap_or_else(|e| panic!("action {}: {e}", self.title))
    }
}

impl<'a> IntoFuture for NewAction<'a> {
    type Output = i64;
    type IntoFuture = Setup<'a>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.insert())
    }
}

pub struct NewAgreement<'a> {
    app: &'a TestApp,
    partnership: i64,
    title: String,
    binds: Vec<String>,
}

impl<'a> NewAgreement<'a> {
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_string();
        self
    }

    /// Municipalities (members of the werkingsgebied) it binds.
    pub fn binds(mut self, nis_codes: &[&str]) -> Self {
        self.binds = nis_codes.iter().map(|n| n.to_string()).collect();
        self
    }

    async fn insert(self) -> i64 {
        let id: i64 = sqlx::query_scalar(
            "insert into agreements (partnership_id, title, starts_on, ends_on) values ($1, $2, '2023-01-01', '2025-12-31') returning agreement_id",
        )
        .bind(self.partnership)
        .bind(&self.title)
        .fetch_one(&self.app.db)
        .await
        .unwrap();
        sqlx::query(
            "insert into agreement_status_changes (agreement_id, to_status) values ($1, 'ontwerp')",
        )
        .bind(id)
        .execute(&self.app.db)
        .await
        .unwrap();
        for nis in &self.binds {
            sqlx::query(
                "insert into agreement_municipalities (agreement_id, partnership_id, nis_code, starts_on, ends_on, in_force) select agreement_id, partnership_id, $2, starts_on, ends_on, in_force from agreements where agreement_id = $1",
            )
            .bind(id)
            .bind(nis)
            .execute(&self.app.db)
            .await
            .unwrap_or_else(|e| panic!("binding {nis}: {e}"));
        }
        id
    }
}

impl<'a> IntoFuture for NewAgreement<'a> {
    type Output = i64;
    type IntoFuture = Setup<'a>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.insert())
    }
}

pub struct NewReport<'a> {
    app: &'a TestApp,
    partnership: i64,
    year: i16,
    status: &'static str,
}

impl<'a> NewReport<'a> {
    /// concept, ingediend, in_behandeling, goedgekeurd or teruggestuurd: the report walks the
    /// workflow there (history lines, and submission 1 with the figures assembled now).
    pub fn status(mut self, status: &'static str) -> Self {
        self.status = status;
        self
    }

    async fn insert(self) -> i64 {
        let db = &self.app.db;
        let id: i64 = sqlx::query_scalar(
            "insert into reports (partnership_id, year, context) values ($1, $2, 'Testcontext') returning report_id",
        )
        .bind(self.partnership)
        .bind(self.year)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("report {}/{}: {e}", self.partnership, self.year));
        let path: &[&str] = match self.status {
            "concept" => &[],
            "ingediend" => &["ingediend"],
            "in_behandeling" => &["ingediend", "in_behandeling"],
            "goedgekeurd" => &["ingediend", "in_behandeling", "goedgekeurd"],
            "teruggestuurd" => &["ingediend", "in_behandeling", "teruggestuurd"],
            other => panic!("unknown report status {other}"),
        };
        let mut from = "concept";
        for &to in path {
            if to == "ingediend" {
                let mut conn = db.acquire().await.unwrap();
                let data = regie::reports::assemble::assemble(
                    &mut conn,
                    self.partnership,
                    self.year.into(),
                )
                .await
                .unwrap();
                let snapshot = regie::reports::assemble::Snapshot {
                    assembled_at: chrono::Utc::now(),
                    data,
                    narrative: regie::reports::assemble::Narrative {
                        context: "Testcontext".into(),
                        ..Default::default()
                    },
                };
                sqlx::query(
                    "insert into report_submissions (report_id, number, snapshot) values ($1, 1, $2)",
                )
                .bind(id)
                .bind(serde_json::to_value(&snapshot).unwrap())
                .execute(db)
                .await
                .unwrap();
            }
            let reason = if to == "teruggestuurd" {
                "Graag aanvullen."
            } else {
                ""
            };
            sqlx::query(
                "with t as (insert into report_transitions (report_id, from_status, to_status, reason) values ($1, $2::text::report_status, $3::text::report_status, $4) returning to_status) update reports set status = (select to_status from t), version = version + 1 where report_id = $1",
            )
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(reason)
            .execute(db)
            .await
            .unwrap();
            from = to;
        }
        id
    }
}

impl<'a> IntoFuture for NewReport<'a> {
    type Output = i64;
    type IntoFuture = Setup<'a>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.insert())
    }
}

impl TestApp {
    /// A policy period that runs from 1 January of the current year for six years (so this
    /// year has begun and the five after it have not), on the 2025 municipality list. Returns
    /// its id.
    pub async fn with_current_period(&self) -> i64 {
        sqlx::query_scalar(
            "insert into policy_periods (name, starts_on, ends_on, vintage, population_year) select y || '-' || (y + 5), make_date(y, 1, 1), make_date(y + 5, 12, 31), '2025', 2020 from (select $1::int as y) t returning policy_period_id",
        )
        // The Belgian year, as the app counts it; the database's current_date is UTC.
        .bind(regie::web::format::today().year())
        .fetch_one(&self.db)
        .await
        .unwrap()
    }
}
