//! Deleting an action asks first (issue #12, item 4), in the browser: the button on the action
//! opens the confirmation (a page of its own, or with the script a dialog over the action) that
//! names the action and its werkingsgebied; cancelling keeps it, confirming deletes it.

use regie::identity::Role;

use super::{Browser, serve, sign_in};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_regisseur_deletes_an_action_after_confirming() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.with_user(Role::Regisseur)
        .email("rita@kortrijk.be")
        .name("Rita Regisseur")
        .regisseur_of(p)
        .await;
    let action = app.with_action(p).title("Jobbeurs Kortrijk").await;
    let base = serve(&app).await;
    sign_in(&browser, &base, "rita@kortrijk.be", "Welkom").await;

    // Without the script the link opens the confirmation page, which works on its own.
    browser
        .visit(&format!("{base}/acties/{action}/verwijderen"))
        .await;
    let said = browser.wait_for_text("main", "wordt verwijderd").await;
    assert!(
        said.contains("De actie Jobbeurs Kortrijk van werkingsgebied Regio Leie wordt verwijderd."),
        "{said}"
    );

    // With it, the same confirmation opens as a dialog over the action; "Annuleren" closes it.
    browser.visit(&format!("{base}/acties/{action}")).await;
    browser.wait_for_text("h1", "Jobbeurs Kortrijk").await;
    let delete_link = format!("a[href='/acties/{action}/verwijderen']");
    browser.click(&delete_link).await;
    browser
        .wait_for_text("dialog[open] h2", "Actie verwijderen?")
        .await;
    let said = browser
        .wait_for_text("dialog[open]", "wordt verwijderd")
        .await;
    assert!(
        said.contains("De actie Jobbeurs Kortrijk van werkingsgebied Regio Leie wordt verwijderd."),
        "{said}"
    );
    assert_eq!(browser.path().await, format!("/acties/{action}"));
    browser.click("dialog[open] a.cancel").await;
    wait_until_no_dialog(&browser).await;
    assert_eq!(browser.path().await, format!("/acties/{action}"));

    browser.click(&delete_link).await;
    browser
        .wait_for_text("dialog[open] h2", "Actie verwijderen?")
        .await;
    browser.click("dialog[open] form button[type=submit]").await;
    browser
        .wait_for_text("main", "Actie verwijderd. Een beheerder kan ze herstellen.")
        .await;
    assert_eq!(
        browser.path().await,
        format!("/werkingsgebieden/{p}/acties")
    );
    let deleted: bool =
        sqlx::query_scalar("select deleted_at is not null from actions where action_id = $1")
            .bind(action)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(deleted);
    browser.close().await;
}

/// Waits until no dialog is open (after "Annuleren"), for at most ten seconds.
async fn wait_until_no_dialog(browser: &Browser) {
    for _ in 0..100 {
        let open = browser
            .client()
            .execute("return document.querySelector('dialog') !== null", vec![])
            .await
            .unwrap();
        if open == serde_json::Value::Bool(false) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the dialog stayed open after Annuleren");
}
