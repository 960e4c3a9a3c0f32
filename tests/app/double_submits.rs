//! Issue #24: every money and account form acts once, however often it is sent. Each test
//! takes the form's key from the page as a browser would, sends the form twice at the same
//! moment (a double click), and counts one row; both answers lead to the same page.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{TestApp, TestResponse};

/// The form key on `page` of the form that posts to an address containing `action`.
fn key_of(page: &TestResponse, action: &str) -> String {
    let form = page
        .body
        .find(action)
        .unwrap_or_else(|| panic!("no form for {action} in {}", page.body));
    let rest = &page.body[form..];
    let field = rest
        .find(r#"name="idempotency_key" value=""#)
        .unwrap_or_else(|| panic!("no key in the form for {action}"));
    let value = &rest[field + r#"name="idempotency_key" value=""#.len()..];
    value[..value.find('"').unwrap()].to_string()
}

/// Sends the same form twice at once; both must answer 303 to the same place.
async fn twice(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> String {
    let (first, second) = tokio::join!(app.post_form(path, fields), app.post_form(path, fields));
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_eq!(first.location(), second.location());
    first.location().to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

/// A werkingsgebied of 2023-2025 with 50.000 euro allocated for 2024.
async fn area(app: &TestApp) -> i64 {
    let p = app.with_partnership("Regio Leie").await;
    app.with_envelope(2024, 3_000_000).await;
    app.with_allocation(p, 2024, 50_000).await;
    p
}

#[tokio::test]
async fn a_payment_and_its_correction_sent_twice_are_stored_once() {
    let app = TestApp::new().await;
    let p = area(&app).await;
    app.sign_in_as(Role::Admin).await;
    let page = app.get(&format!("/werkingsgebieden/{p}/budget")).await;
    let key = key_of(&page, "budget/betalingen\"");
    twice(
        &app,
        &format!("/werkingsgebieden/{p}/budget/betalingen"),
        &[
            ("jaar", "2024"),
            ("soort", "voorschot"),
            ("datum", "2024-02-01"),
            ("bedrag", "40.000"),
            ("idempotency_key", &key),
        ],
    )
    .await;
    assert_eq!(count(&app, "select count(*) from payments").await, 1);

    let payment: i64 = count(&app, "select payment_id from payments").await;
    let url = format!("/werkingsgebieden/{p}/budget/betalingen/{payment}/corrigeren");
    let key = key_of(&app.get(&url).await, "/corrigeren\"");
    twice(
        &app,
        &url,
        &[("reden", "Verkeerd jaar."), ("idempotency_key", &key)],
    )
    .await;
    assert_eq!(count(&app, "select count(*) from payments").await, 2);
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'budget.payment_corrected'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_spending_report_sent_twice_is_one_version() {
    let app = TestApp::new().await;
    let p = area(&app).await;
    app.sign_in_as_regisseur_of(p, "rita@leie.be").await;
    let page = app.get(&format!("/werkingsgebieden/{p}/budget")).await;
    let key = key_of(&page, "id=\"uitgaven-2024\"");
    let location = twice(
        &app,
        &format!("/werkingsgebieden/{p}/budget/uitgaven"),
        &[
            ("jaar", "2024"),
            ("personeel", "30.000"),
            ("werking", "5.000"),
            ("acties", "1.000"),
            ("version", "0"),
            ("idempotency_key", &key),
        ],
    )
    .await;
    assert_eq!(location, format!("/werkingsgebieden/{p}/budget#jaar-2024"));
    assert_eq!(
        count(&app, "select version::bigint from spending_reports").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'budget.spending_reported'"
        )
        .await,
        1
    );
    // The page says it was saved, not that someone else reported meanwhile.
    app.get(&location)
        .await
        .assert_contains("Uitgaven van 2024 bewaard (versie 1).");
}

#[tokio::test]
async fn an_appointment_request_and_each_decision_sent_twice_act_once() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    app.sign_in_as(Role::Admin).await;

    let key = key_of(
        &app.get("/aanstellingen/nieuw").await,
        "/aanstellingen/nieuw\"",
    );
    let location = twice(
        &app,
        "/aanstellingen/nieuw",
        &[
            ("partnership_id", &p.to_string()),
            ("person_name", "Rita Regisseur"),
            ("person_email", "rita@leie.be"),
            ("fte", "0,8"),
            ("starts_on", "01/01/2024"),
            ("ends_on", "31/12/2025"),
            ("idempotency_key", &key),
        ],
    )
    .await;
    assert_eq!(count(&app, "select count(*) from appointments").await, 1);
    let id: i64 = count(&app, "select appointment_id from appointments").await;
    assert_eq!(location, format!("/aanstellingen/{id}"));
    app.get(&location)
        .await
        .assert_contains("Aanstelling aangevraagd.");

    // Approving twice: one account, and the set-password link of the first is shown.
    let url = format!("/aanstellingen/{id}/goedkeuren");
    let key = key_of(&app.get(&url).await, "/goedkeuren\"");
    twice(&app, &url, &[("idempotency_key", &key)]).await;
    assert_eq!(
        count(
            &app,
            "select count(*) from users where email = 'rita@leie.be'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'appointment.approved'"
        )
        .await,
        1
    );
    let page = app.get(&format!("/aanstellingen/{id}")).await;
    page.assert_contains("/wachtwoord-instellen/");
    assert!(!page.body.contains("Over deze aanvraag is al beslist."));

    // Ending twice: ended once.
    let url = format!("/aanstellingen/{id}/beeindigen");
    let key = key_of(&app.get(&url).await, "/beeindigen\"");
    twice(
        &app,
        &url,
        &[
            ("ended_on", "30/06/2025"),
            ("motivation", "Vertrokken."),
            ("idempotency_key", &key),
        ],
    )
    .await;
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'appointment.ended'"
        )
        .await,
        1
    );

    // Rejecting another request twice: rejected once.
    let other = app.with_appointment_request(p).await;
    let key = key_of(
        &app.get(&format!("/aanstellingen/{other}")).await,
        "/afwijzen\"",
    );
    twice(
        &app,
        &format!("/aanstellingen/{other}/afwijzen"),
        &[("motivation", "Geen budget."), ("idempotency_key", &key)],
    )
    .await;
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'appointment.rejected'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_new_user_sent_twice_is_created_once_with_its_password_shown() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let key = key_of(
        &app.get("/admin/gebruikers/nieuw").await,
        "/admin/gebruikers/nieuw\"",
    );
    let location = twice(
        &app,
        "/admin/gebruikers/nieuw",
        &[
            ("email", "an@gent.be"),
            ("full_name", "An Peeters"),
            ("role", "ministry"),
            ("idempotency_key", &key),
        ],
    )
    .await;
    assert_eq!(
        count(
            &app,
            "select count(*) from users where email = 'an@gent.be'"
        )
        .await,
        1
    );
    let page = app.get(&location).await;
    page.assert_contains("Gebruiker aangemaakt.");
    page.assert_contains("Eenmalig wachtwoord");
}

#[tokio::test]
async fn a_report_submitted_twice_is_frozen_once() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    app.with_report(p, 2024).await;
    app.sign_in_as_regisseur_of(p, "rita@leie.be").await;
    let confirm = app
        .post_form(
            &format!("/jaarrapporten/{p}/2024/indienen/controleren"),
            &[("version", "1")],
        )
        .await;
    let key = key_of(&confirm, "/indienen\"");
    twice(
        &app,
        &format!("/jaarrapporten/{p}/2024/indienen"),
        &[("version", "1"), ("idempotency_key", &key)],
    )
    .await;
    assert_eq!(
        count(&app, "select count(*) from report_submissions").await,
        1
    );
}
