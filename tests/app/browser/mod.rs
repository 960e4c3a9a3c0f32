//! End-to-end tests in a real headless Chromium (Debian's `chromium` and `chromium-driver`),
//! against the real server on a loopback port.
//!
//! Without Chromium these tests say so and pass on a developer's machine; under CI (`CI=true`)
//! a missing browser is a failure, never a silent skip.
//!
//! This module is the harness (chromedriver, a WebDriver session, the served app); the flows
//! are in its submodules.
//!
//! Every page a test shows is checked with axe-core for WCAG 2.1 A/AA (`axe.rs`), by the
//! harness: open pages with [`Browser::visit`] (never `client().goto(..)`; a test fails on
//! that), press with [`Browser::click`], wait with [`Browser::wait_for_text`] and end with
//! [`Browser::close`]. Each of them checks the page it finds or leaves if it is new or changed.

mod axe;
mod confirmations;
mod coverage;
mod flows;
mod forms;
mod layout;
mod reports;
mod screenshots;
mod small_screens;
mod start;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{PASSWORD, TestApp};

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([
            PathBuf::from("/usr/bin"),
            PathBuf::from("/usr/lib/chromium"),
        ])
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver plus a WebDriver session; both end when this is dropped.
struct Browser {
    client: Option<Client>,
    driver: Child,
    _profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self._profile);
    }
}

impl Browser {
    /// Starts chromedriver and Chromium, or returns `None` (skip) where they are not installed.
    async fn start() -> Option<Self> {
        let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
        let driver = find_program(&["chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!(
                    "CI=true but Chromium or chromedriver is missing: apt-get install chromium chromium-driver"
                );
            }
            eprintln!(
                "SKIPPED browser test: chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
            );
            return None;
        };

        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile =
            std::env::temp_dir().join(format!("regie-chromium-{}-{port}", std::process::id()));

        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                    // As on a phone: the page's full width is the layout's (no scroll bar).
                    "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(err) if Instant::now() > deadline => {
                    panic!("chromedriver did not start: {err}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Some(Self {
            client: Some(client),
            driver: child,
            _profile: profile,
        })
    }

    /// The WebDriver session, for reading the page and for what the harness does not offer
    /// (`execute`, `find(..).select_by_value`, `title`). Never for `goto`: see [`Self::visit`].
    fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// Opens `url` (the full address: `format!("{base}/acties")`) and checks the page with
    /// axe-core (WCAG 2.1 A/AA); the page being left is checked first if it changed since.
    /// The only way a browser test opens a page, so that no page escapes the check.
    async fn visit(&self, url: &str) {
        self.check_accessibility().await;
        self.client().goto(url).await.unwrap();
        self.check_accessibility().await;
    }

    /// Checks the last page (if new or changed since its check) and ends the session.
    async fn close(mut self) {
        self.check_accessibility().await;
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }

    /// Waits until the page's text contains `text`, then checks the page with axe-core (if it
    /// is new or changed since its last check).
    async fn wait_for_text(&self, selector: &str, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let found = match self.client().find(Locator::Css(selector)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if found.contains(text) {
                self.check_accessibility().await;
                return found;
            }
            if Instant::now() > deadline {
                let source = self.client().source().await.unwrap_or_default();
                panic!("{selector} never contained {text:?}; last text {found:?}\n{source}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn fill(&self, selector: &str, value: &str) {
        let field = self.client().find(Locator::Css(selector)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Clicks the element, after checking the page as it is before the click with axe-core (if
    /// new or changed since its last check). What the click leads to is checked by the next
    /// `wait_for_text`, `click`, `visit` or `close`.
    async fn click(&self, selector: &str) {
        self.check_accessibility().await;
        self.client()
            .find(Locator::Css(selector))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    async fn path(&self) -> String {
        let url = self.client().current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }
}

/// Serves the test app on a free loopback port; returns its base URL.
async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = regie::app(app.state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

/// Signs in through the form; returns when the start page (or the dashboard) is shown.
async fn sign_in(browser: &Browser, base: &str, email: &str, lands_on: &str) {
    browser.visit(&format!("{base}/login")).await;
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_for_text("h1", lands_on).await;
}
