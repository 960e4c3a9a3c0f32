//! Deleting an action asks first (issue #12, item 4), in the browser: the button on the action
//! opens a confirmation page that names the action and its werkingsgebied; confirming deletes it.

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

    browser.visit(&format!("{base}/acties/{action}")).await;
    browser.wait_for_text("h1", "Jobbeurs Kortrijk").await;
    browser
        .click(&format!("a[href='/acties/{action}/verwijderen']"))
        .await;
    browser.wait_for_text("h1", "Actie verwijderen?").await;
    assert_eq!(
        browser.path().await,
        format!("/acties/{action}/verwijderen")
    );
    let said = browser.wait_for_text("main", "wordt verwijderd").await;
    assert!(
        said.contains("De actie Jobbeurs Kortrijk van werkingsgebied Regio Leie wordt verwijderd."),
        "{said}"
    );

    browser
        .click(&format!(
            "form[action='/acties/{action}/verwijderen'] button[type=submit]"
        ))
        .await;
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
