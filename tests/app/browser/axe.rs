//! The accessibility check of every page the browser tests show (issue #12, "Quality"):
//! axe-core, vendored by `scripts/vendor-axe` into `tests/vendor/` (a test-only asset; the app
//! never serves it), injected into the page and run for the rules of WCAG 2.1 A and AA.
//!
//! The harness (`Browser::visit`, `click`, `wait_for_text`, `close` in `mod.rs`) calls
//! [`Browser::check_accessibility`]; a test never calls it itself. A checked document carries
//! a marker and a `MutationObserver`: the same unchanged page is not checked twice, a new page
//! (the marker is gone) or a changed one (an htmx swap, an opened menu) is checked again.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use serde_json::Value;

use super::{Browser, serve};
use crate::helpers::TestApp;

/// The vendored axe-core release (README, `scripts/vendor-axe`).
pub const AXE_VERSION: &str = "4.14.1";
const AXE_SCRIPT: &str = include_str!("../../vendor/axe-4.14.1.min.js");

/// The rule sets that must pass: WCAG 2.0 and 2.1, levels A and AA.
const TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// Says whether the page is new or changed since its last check ("clean" otherwise), and
/// whether axe is loaded in it.
const STATE: &str = "const s = window.__regieAxe;
    return { check: !s || s.dirty, loaded: typeof window.axe === 'object' };";

/// Runs axe on the whole document, then marks it checked and watches it for changes.
const RUN: &str = "const done = arguments[arguments.length - 1];
    const tags = arguments[0];
    window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
      .then(r => {
        const s = window.__regieAxe = { dirty: false };
        new MutationObserver(() => { s.dirty = true; }).observe(document.documentElement,
          { subtree: true, childList: true, attributes: true, characterData: true });
        done({ violations: r.violations.map(v => ({
          id: v.id, impact: v.impact, help: v.help, url: v.helpUrl, count: v.nodes.length,
          targets: v.nodes.slice(0, 4).map(n => n.target.join(' ')),
          summary: (v.nodes[0] && v.nodes[0].failureSummary) || '' })) });
      })
      .catch(e => done({ error: String(e) }));";

impl Browser {
    /// Runs axe-core on the current page unless this very document was checked and has not
    /// changed since; panics with what to fix (page, rule, impact, help, elements) on any
    /// violation of WCAG 2.1 A/AA.
    pub(super) async fn check_accessibility(&self) {
        let client = self.client();
        // A page may still be loading after a click; its scripts then fail, so try again.
        let deadline = Instant::now() + Duration::from_secs(10);
        let outcome = loop {
            match self.run_axe().await {
                Ok(outcome) => break outcome,
                Err(err) if Instant::now() > deadline => {
                    panic!("axe-core could not run on {}: {err}", self.path().await)
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        let Some(outcome) = outcome else {
            return;
        };
        if let Some(error) = outcome.get("error") {
            panic!("axe-core failed on {}: {error}", self.path().await);
        }
        let violations = outcome["violations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if violations.is_empty() {
            return;
        }
        let title = client.title().await.unwrap_or_default();
        panic!(
            "axe-core {AXE_VERSION} (WCAG 2.1 A/AA) found {} violation(s) on {} ({title:?}):\n{}",
            violations.len(),
            self.path().await,
            violations
                .iter()
                .map(describe)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    /// `Ok(None)` when the page needs no check; the raw outcome of `axe.run` otherwise.
    async fn run_axe(&self) -> Result<Option<Value>, fantoccini::error::CmdError> {
        let client = self.client();
        let state = client.execute(STATE, vec![]).await?;
        if state["check"] != Value::Bool(true) {
            return Ok(None);
        }
        if state["loaded"] != Value::Bool(true) {
            client.execute(AXE_SCRIPT, vec![]).await?;
        }
        let tags = Value::from(TAGS.to_vec());
        client.execute_async(RUN, vec![tags]).await.map(Some)
    }
}

/// One violation as a reader needs it: rule, impact, help, how many and which elements, the
/// first element's own explanation and the rule's documentation.
fn describe(violation: &Value) -> String {
    let text = |key: &str| violation[key].as_str().unwrap_or_default().to_string();
    let targets: Vec<String> = violation["targets"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|s| s.as_str().map(|s| format!("`{s}`")))
                .collect()
        })
        .unwrap_or_default();
    format!(
        "- {} ({}): {}; {} element(s), e.g. {}\n    {}\n    {}",
        text("id"),
        text("impact"),
        text("help"),
        violation["count"],
        targets.join(", "),
        text("summary").replace('\n', "\n    "),
        text("url"),
    )
}

#[tokio::test]
async fn the_check_fails_on_a_page_that_breaks_a_rule_and_says_what_to_fix() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    let base = serve(&app).await;
    browser.visit(&format!("{base}/login")).await;

    // An image without a text alternative (WCAG 1.1.1), added after the page was checked.
    browser
        .client()
        .execute(
            "const img = document.createElement('img'); img.id = 'zonder-alt';
             document.querySelector('main').append(img);",
            vec![],
        )
        .await
        .unwrap();
    let failure = AssertUnwindSafe(browser.check_accessibility())
        .catch_unwind()
        .await
        .expect_err("the changed page is checked again and fails");
    let message = failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    for part in [
        "on /login",
        "- image-alt (critical): Images must have alternative text",
        "`#zonder-alt`",
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }

    browser
        .client()
        .execute("document.getElementById('zonder-alt').remove()", vec![])
        .await
        .unwrap();
    browser.close().await;
}

/// Every browser test goes through the harness, so that no page escapes the check: no file in
/// `tests/app/browser/` other than the harness calls `goto` itself.
#[test]
fn no_browser_test_navigates_around_the_accessibility_check() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/app/browser");
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        // The harness itself.
        if path
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "axe.rs")
        {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        if source.contains(".goto(") {
            offenders.push(path.display().to_string());
        }
    }
    assert!(
        offenders.is_empty(),
        "open pages with browser.visit(url), never with the client's own goto, in {offenders:?}"
    );
}
