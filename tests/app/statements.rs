//! How many SQL statements each main page sends to PostgreSQL (issue 13). Round trips were
//! most of what a page cost, so each page has a budget here: a change that adds a statement to
//! a page fails this test instead of slowly making the page slower.
//!
//! sqlx reports every statement it runs as a `sqlx::query` tracing event; a subscriber for this
//! test's thread alone counts them (`#[tokio::test]` runs the router on the test's thread).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::StatusCode;
use regie::identity::Role;
use tracing::Subscriber;
use tracing_subscriber::Registry;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::helpers::TestApp;

/// Counts sqlx's statement events.
struct Statements(Arc<AtomicUsize>);

impl<S: Subscriber> Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut text = Text::default();
        event.record(&mut text);
        // sqlx looks up a custom type (our enums) once per connection and keeps it: which
        // connection the pool hands out must not change the count.
        if text.0.contains("pg_catalog.") || text.0.contains("::regtype") {
            return;
        }
        self.0.fetch_add(1, Ordering::SeqCst);
        if std::env::var_os("REGIE_SHOW_STATEMENTS").is_some() {
            println!(
                "  {}",
                text.0.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
    }
}

/// A statement's text (its summary too, as `SELECT $1::regtype::oid` comes with an empty text).
#[derive(Default)]
struct Text(String);

impl tracing::field::Visit for Text {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "db.statement" || field.name() == "summary" {
            self.0.push_str(&format!("{value:?} "));
        }
    }
}

/// The statements of one GET of `path`, after a first GET that warmed the connection pool and
/// the in-process caches (what every later visitor gets).
async fn statements_of(app: &TestApp, path: &str) -> usize {
    let first = app.get(path).await;
    assert_eq!(first.status, StatusCode::OK, "{path}: {}", first.body);
    // Tasks the first request left behind (sqlx hands a connection back to the pool in a task of
    // its own) run on this thread too: let them finish, so they are not counted as the next
    // request's. Once, under load, /overzicht counted one statement more without this.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let count = Arc::new(AtomicUsize::new(0));
    let subscriber = Registry::default().with(Statements(count.clone()));
    let guard = tracing::subscriber::set_default(subscriber);
    let page = app.get(path).await;
    drop(guard);
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    count.load(Ordering::SeqCst)
}

/// Checks every page against its budget and reports all of them at once.
async fn assert_budgets(app: &TestApp, budgets: &[(&str, usize)]) {
    let mut over = Vec::new();
    let mut report = String::new();
    for (path, budget) in budgets {
        // Up to three tries: a thread's own tracing subscriber can miss a request's events
        // while other tests' subscribers come and go (seen once: 0 statements for `/acties`
        // in a full run). A page that really changed its count misses all three.
        let mut n = statements_of(app, path).await;
        for _ in 0..2 {
            if n == *budget {
                break;
            }
            n = statements_of(app, path).await;
        }
        report.push_str(&format!("{path}: {n} (budget {budget})\n"));
        // Exactly, not "at most": a count of 0 where statements run would mean the counting
        // broke, and a page that got cheaper should lower its budget here.
        if n != *budget {
            over.push(*path);
        }
    }
    println!("{report}");
    assert!(over.is_empty(), "not at budget: {over:?}\n{report}");
}

/// A werkingsgebied in the period running today, with an action and an agreement.
async fn world(app: &TestApp) -> (i64, i64, i64, i64) {
    let period = app.with_current_period().await;
    let partnership = app
        .with_partnership("Regio Leie")
        .in_period(period)
        .members(&["34022", "34027"])
        .await;
    let action = app.with_action(partnership).title("Jobbeurs").await;
    let agreement = app.with_agreement(partnership).await;
    (period, partnership, action, agreement)
}

#[tokio::test]
async fn the_ministry_pages_stay_within_their_statement_budgets() {
    let app = TestApp::new().await;
    let (period, partnership, action, agreement) = world(&app).await;
    app.sign_in_as(Role::Ministry).await;
    assert_budgets(
        &app,
        &[
            ("/overzicht", 3),
            // A first page that is not full is the whole result: no count of its own.
            ("/acties", 2),
            // Fewer matches than a page, the window of 2,000 actions (`list_queries::WINDOW`)
            // held them all and says so: no second look, no count.
            (&format!("/acties?periode={period}"), 2),
            // No match: nothing tells whether the window held all, so all are looked among.
            ("/acties?prioriteit=2&provincie=Limburg&status=afgerond", 3),
            ("/acties?q=opleiding+jongeren", 2),
            (&format!("/acties/{action}"), 2),
            (&format!("/werkingsgebieden/{partnership}/acties"), 2),
            ("/werkingsgebieden", 1),
            (&format!("/werkingsgebieden/{partnership}"), 2),
            ("/gemeenten", 1),
            ("/gemeenten?q=kort&provincie=West-Vlaanderen", 1),
            ("/gemeenten/34022", 1),
            ("/prioriteiten", 2),
            ("/dekking", 1),
            ("/dekking/simulatie", 1),
            ("/samenwerkingsovereenkomsten", 2),
            (&format!("/samenwerkingsovereenkomsten/{agreement}"), 8),
            ("/budget", 2),
        ],
    )
    .await;
}

/// A list with more than a page counts its results (up to 100) in a statement of its own; a
/// search counts its matches in the statement that ranks them.
#[tokio::test]
async fn a_list_longer_than_a_page_counts_in_one_more_statement() {
    let app = TestApp::new().await;
    let (period, partnership, ..) = world(&app).await;
    for _ in 0..26 {
        app.with_action(partnership)
            .title("Opleiding voor jongeren")
            .await;
    }
    app.sign_in_as(Role::Ministry).await;
    assert_budgets(
        &app,
        &[
            ("/acties", 3),
            // Filtered: the count's look among the newest 2,000 held every action, so it is
            // exact without a look among all.
            (&format!("/acties?periode={period}"), 3),
            ("/acties?q=opleiding+jongeren", 2),
            (&format!("/werkingsgebieden/{partnership}/acties"), 3),
        ],
    )
    .await;
    let page = app.get("/acties").await;
    page.assert_contains(r#"<strong id="aantal-acties">27</strong>"#);
}

#[tokio::test]
async fn the_regisseur_pages_stay_within_their_statement_budgets() {
    let app = TestApp::new().await;
    let (_, partnership, action, _) = world(&app).await;
    app.sign_in_as_regisseur_of(partnership, "rita@kortrijk.be")
        .await;
    assert_budgets(
        &app,
        &[
            ("/", 2),
            ("/acties", 2),
            (&format!("/acties/{action}"), 2),
            (&format!("/werkingsgebieden/{partnership}/acties"), 2),
            (&format!("/werkingsgebieden/{partnership}"), 2),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_public_pages_stay_within_their_statement_budgets() {
    let app = TestApp::new().await;
    let (period, ..) = world(&app).await;
    assert_budgets(
        &app,
        &[
            ("/login", 0),
            ("/over", 0),
            ("/api/v1/periods", 1),
            (&format!("/api/v1/coverage?period={period}"), 1),
        ],
    )
    .await;
}
