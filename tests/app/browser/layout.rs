//! The page shell (issue #12): the main menu is one line of links on a wide screen, even the
//! admin's, and folds into a "Menu" disclosure on a phone, without any script; sign-out is
//! always on screen.

use regie::identity::Role;

use super::{Browser, serve, sign_in};
use crate::helpers::TestApp;

/// Runs `script` (a function body returning a value) in the page.
async fn eval(browser: &Browser, script: &str) -> serde_json::Value {
    browser.client().execute(script, vec![]).await.unwrap()
}

/// How many distinct lines the visible top-level menu links sit on (0: none is visible).
const MENU_LINES: &str = "return new Set([...document.querySelectorAll('.menu > ul > li')]
    .filter(li => li.getClientRects().length > 0 && li.checkVisibility())
    .map(li => Math.round(li.getBoundingClientRect().top))).size";

/// Whether the sign-out button is shown and lies within the window.
const SIGN_OUT_ON_SCREEN: &str =
    "const b = document.querySelector(\"form[action='/logout'] button\");
    const r = b.getBoundingClientRect();
    return b.checkVisibility() && r.left >= 0 && r.right <= window.innerWidth";

#[tokio::test]
async fn the_admin_menu_is_one_line_wide_and_folds_into_a_disclosure_on_a_phone() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    app.with_user(Role::Admin)
        .email("menu@vlaanderen.be")
        .name("Mina Menu")
        .await;
    let base = serve(&app).await;
    browser.client().set_window_size(1280, 900).await.unwrap();
    sign_in(&browser, &base, "menu@vlaanderen.be", "Welkom").await;
    browser.visit(&format!("{base}/admin/gebruikers")).await;

    assert_eq!(eval(&browser, MENU_LINES).await, 1, "one line at 1280 px");
    assert_eq!(
        eval(
            &browser,
            "return document.querySelector('.menu > summary').checkVisibility()"
        )
        .await,
        false,
        "no 'Menu' button on a wide screen"
    );
    assert_eq!(eval(&browser, SIGN_OUT_ON_SCREEN).await, true);

    browser.client().set_window_size(390, 844).await.unwrap();
    browser.client().refresh().await.unwrap();
    assert_eq!(eval(&browser, MENU_LINES).await, 0, "folded on a phone");
    assert_eq!(eval(&browser, SIGN_OUT_ON_SCREEN).await, true);
    browser.click(".menu > summary").await;
    assert!(
        eval(&browser, MENU_LINES).await.as_i64().unwrap() > 5,
        "opened, the links stand one under the other"
    );
    browser.click(".nav-group > summary").await;
    browser.click("a[href='/admin/audit']").await;
    browser.wait_for_text("h1", "Audit").await;
    browser.close().await;
}
