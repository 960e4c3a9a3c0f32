//! Phones and small windows (issue #12, first part): at 390 CSS pixels no page is wider than
//! the screen, for an admin (the widest menu) and a regisseur, on the demo data.

use regie::identity::Role;

use super::{Browser, serve, sign_in};
use crate::helpers::TestApp;

/// How far the page is wider than the window, in CSS pixels (0: it fits).
async fn overflow(browser: &Browser) -> i64 {
    browser
        .client()
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap()
}

/// The deepest elements that reach past the window's right edge, to say what to fix.
async fn widest(browser: &Browser) -> String {
    browser
        .client()
        .execute(
            "return [...document.querySelectorAll('body *')]
               .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                            && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
               .slice(0, 3)
               .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))
               .join(', ')",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn no_page_is_wider_than_a_phone() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    app.with_user(Role::Admin)
        .email("klein@vlaanderen.be")
        .name("Kim Klein")
        .await;
    let base = serve(&app).await;
    browser.client().set_window_size(390, 844).await.unwrap();
    let width: i64 = browser
        .client()
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(width <= 420, "the window is {width} px wide");

    sign_in(&browser, &base, "klein@vlaanderen.be", "Welkom").await;
    let first = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    let area = first(
        "select min(r.partnership_id) from reports r join report_submissions s using (report_id) where r.year = 2023",
    )
    .await;
    let action = first("select min(action_id) from actions").await;
    let agreement = first("select min(agreement_id) from agreements").await;
    let detail_pages = [
        format!("/werkingsgebieden/{area}"),
        format!("/jaarrapporten/{area}/2025"),
        format!("/jaarrapporten/{area}/2023/indieningen/1"),
        format!("/acties/{action}"),
        format!("/samenwerkingsovereenkomsten/{agreement}"),
    ];
    let mut too_wide = Vec::new();
    for path in detail_pages.iter().map(String::as_str).chain([
        "/",
        "/overzicht",
        "/acties",
        "/werkingsgebieden",
        "/gemeenten",
        "/dekking",
        "/prioriteiten",
        "/jaarrapporten",
        "/samenwerkingsovereenkomsten",
        "/budget",
        "/budget/2023",
        "/aanstellingen",
        "/admin/gebruikers",
        "/admin/indiendata",
        "/meldingen",
        "/dekking/simulatie",
        "/budget/simulatie",
    ]) {
        browser
            .client()
            .goto(&format!("{base}{path}"))
            .await
            .unwrap();
        // A page that is not there would fit trivially: each must be the page itself.
        let title = browser.client().title().await.unwrap();
        assert!(
            !title.contains("niet gevonden") && !title.contains("Geen toegang"),
            "{path}: {title}"
        );
        let extra = overflow(&browser).await;
        if extra > 0 {
            too_wide.push(format!(
                "{path}: {extra} px too wide, by {}",
                widest(&browser).await
            ));
        }
    }
    browser.close().await;
    assert!(too_wide.is_empty(), "{too_wide:#?}");
}
