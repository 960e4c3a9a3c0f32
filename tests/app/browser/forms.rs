//! A form that is refused (issue #12, item 3): the browser's focus lands on the error summary,
//! without a script, and the title starts with "Fout:".

use regie::identity::Role;

use super::{Browser, serve};
use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn after_a_refused_submit_the_focus_is_on_the_error_summary() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    app.with_user(Role::Admin)
        .email("fout@vlaanderen.be")
        .name("Fien Fout")
        .await;
    let base = serve(&app).await;
    let c = browser.client();
    browser.visit(&format!("{base}/login")).await;
    browser.fill("#email", "fout@vlaanderen.be").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_for_text("h1", "Welkom").await;

    browser
        .visit(&format!("{base}/admin/gebruikers/nieuw"))
        .await;
    browser
        .click("form[action='/admin/gebruikers/nieuw'] button[type=submit]")
        .await;
    browser
        .wait_for_text(".error-summary", "Controleer het formulier")
        .await;
    let title = c.title().await.unwrap();
    assert!(title.starts_with("Fout: "), "{title}");
    let focused = c
        .execute("return document.activeElement.className", vec![])
        .await
        .unwrap();
    assert_eq!(focused.as_str(), Some("error-summary"));
    browser.close().await;
}
