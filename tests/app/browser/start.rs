//! The start page on a phone: a regisseur goes from a gap in their priority check to the new
//! action form with that priority ticked, and ministry staff read the compact priority table,
//! which scrolls inside its own box instead of widening the page.

use regie::identity::Role;

use super::{Browser, serve, sign_in};
use crate::helpers::{TestApp, date};

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

#[tokio::test]
async fn a_regisseur_on_a_phone_plans_an_action_for_a_gap_from_the_start_page() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    let period = app.with_current_period().await;
    let leie = app.with_partnership("Regio Leie").in_period(period).await;
    for name in ["Regio Gent", "Regio Aalst", "Regio Brugge", "Regio Hasselt"] {
        app.with_partnership(name).in_period(period).await;
    }
    app.with_action(leie)
        .title("Jobbeurs Kortrijk")
        .priorities(&[1, 2, 4])
        .starts_on(date(chrono::Datelike::year(&chrono::Local::now()), 1, 15))
        .await;
    app.with_user(Role::Regisseur)
        .email("rita@kortrijk.be")
        .name("Rita Regisseur")
        .regisseur_of(leie)
        .await;
    app.with_user(Role::Ministry)
        .email("mia@vlaanderen.be")
        .name("Mia Ministerie")
        .await;
    let base = serve(&app).await;
    browser.client().set_window_size(390, 844).await.unwrap();

    sign_in(&browser, &base, "rita@kortrijk.be", "Welkom").await;
    assert!(overflow(&browser).await <= 0, "the start page is too wide");
    browser
        .wait_for_text(&format!("#prioriteiten-{leie}"), "nog niet begonnen")
        .await;
    browser.click(&format!("#prioriteiten-{leie} ul a")).await;
    browser.wait_for_text("h1", "Nieuwe actie").await;
    assert_eq!(
        browser.path().await,
        format!("/acties/nieuw?werkingsgebied={leie}&prioriteit=3")
    );
    let ticked = browser
        .client()
        .execute(
            "return [...document.querySelectorAll('input[name=prioriteit]:checked')].map(e => e.value).join(',')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(ticked.as_str(), Some("3"));

    browser.client().delete_all_cookies().await.unwrap();
    sign_in(&browser, &base, "mia@vlaanderen.be", "Overzicht").await;
    browser
        .visit(&format!("{base}/prioriteiten?periode={period}"))
        .await;
    browser.wait_for_text("h1", "Prioriteiten").await;
    assert!(overflow(&browser).await <= 0, "/prioriteiten is too wide");
    browser.close().await;
}
