//! The coverage page's map drawn, the page on paper (at most two A4 pages), and the simulator's filter box, which
//! narrows the municipality list as you type without changing the choice.

use fantoccini::Locator;
use fantoccini::wd::PrintConfiguration;
use regie::identity::Role;

use super::{Browser, serve, sign_in};
use crate::helpers::TestApp;

/// The pages of a PDF: its page objects (`/Type /Page`, not the `/Type /Pages` tree).
fn page_count(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}

#[tokio::test]
async fn the_coverage_page_prints_on_at_most_two_a4_pages() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    app.with_user(Role::Admin)
        .email("kaart@vlaanderen.be")
        .name("Karel Kaart")
        .await;
    let base = serve(&app).await;
    sign_in(&browser, &base, "kaart@vlaanderen.be", "Welkom").await;
    let period = app.period_id("2023-2025").await;
    browser
        .visit(&format!("{base}/dekking?periode={period}"))
        .await;
    browser.wait_for_text("h1", "Dekkingsgraad 2023-2025").await;
    // Every shape of the map is drawn from the map document it points at (a shape that does
    // not resolve has an empty box), with the fill its `<use>` element gives it.
    let drawn = r#"return [...document.querySelectorAll('.map use')]
        .filter(u => u.getBBox().width > 0 && getComputedStyle(u).fill !== 'rgb(0, 0, 0)').length"#;
    let mut shapes = 0;
    for _ in 0..50 {
        shapes = browser
            .client()
            .execute(drawn, vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap();
        if shapes == 300 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(shapes, 300, "shapes drawn on the map");
    // A4 portrait with the browser's default margins.
    let pdf = browser
        .client()
        .print(PrintConfiguration::default())
        .await
        .unwrap();
    let pages = page_count(&pdf);
    assert!(
        (1..=2).contains(&pages),
        "the coverage page prints on {pages} pages"
    );
    browser.close().await;
}

#[tokio::test]
async fn typing_in_the_simulators_filter_narrows_the_list_and_keeps_the_choice() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    app.with_user(Role::Admin)
        .email("simulant@vlaanderen.be")
        .name("Sam Simulant")
        .await;
    let base = serve(&app).await;
    sign_in(&browser, &base, "simulant@vlaanderen.be", "Welkom").await;
    let period = app.period_id("2023-2025").await;
    browser
        .visit(&format!(
            "{base}/dekking/simulatie?periode={period}&sim=1&gedekt=11002"
        ))
        .await;
    browser.wait_for_text("h1", "Simulatie").await;
    let visible = |nis: &'static str| {
        let client = browser.client().clone();
        async move {
            client
                .find(Locator::Css(&format!("input[value='{nis}']")))
                .await
                .unwrap()
                .is_displayed()
                .await
                .unwrap()
        }
    };
    assert!(visible("11002").await && visible("44021").await);

    browser.fill("#zoek", "gent").await;
    assert!(visible("44021").await, "Gent matches");
    assert!(!visible("11002").await, "Antwerpen is hidden as you type");
    browser.click("input[value='44021']").await;
    browser
        .click(".simulation-form > p.actions button[type=submit]")
        .await;
    browser.wait_for_text("#sim-gemeenten", "2 / 300").await;
    let path = browser.path().await;
    assert!(
        path.contains("gedekt=11002") && path.contains("gedekt=44021"),
        "the hidden choice was sent along: {path}"
    );
    browser.close().await;
}
