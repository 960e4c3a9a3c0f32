//! Issue #24 for payments: refused above the allocation unless marked as an overpayment with a
//! motivation, absurd amounts refused, corrected by a reversing entry that names the original
//! (never edited), each form acting once, and the signal shown where money is shown.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{TestApp, TestResponse};

/// A werkingsgebied of 2023-2025 with an envelope of 3.000.000 and an allocation of 50.000
/// euro for 2024.
async fn gent(app: &TestApp) -> i64 {
    let p = app
        .with_partnership("Regio Gent 2")
        .members(&["44021"])
        .await;
    app.with_envelope(2024, 3_000_000).await;
    app.with_allocation(p, 2024, 50_000).await;
    p
}

async fn pay(app: &TestApp, p: i64, extra: &[(&str, &str)]) -> TestResponse {
    let mut fields = vec![
        ("jaar", "2024"),
        ("soort", "voorschot"),
        ("datum", "2024-02-01"),
    ];
    for &(name, value) in extra {
        match fields.iter_mut().find(|(n, _)| *n == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    app.post_form(&format!("/werkingsgebieden/{p}/budget/betalingen"), &fields)
        .await
}

async fn payments(app: &TestApp, p: i64) -> Vec<(i64, i64, Option<i64>, String)> {
    sqlx::query_as(
        "select payment_id, net_cents, corrects_payment_id, overpayment_reason from payments where partnership_id = $1 order by payment_id",
    )
    .bind(p)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_payment_above_the_allocation_needs_a_marked_and_motivated_overpayment() {
    let app = TestApp::new().await;
    let p = gent(&app).await;
    app.sign_in_as(Role::Admin).await;

    let refused = pay(&app, p, &[("bedrag", "500.000")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains(
        "Hiermee komt het netto betaalde voor 2024 op € 500.000,00, € 450.000,00 meer dan de \
         toekenning van € 50.000,00.",
    );
    refused.assert_contains("value=\"500.000\"");
    let unmotivated = pay(&app, p, &[("bedrag", "500.000"), ("overbetaling", "1")]).await;
    assert_eq!(unmotivated.status, StatusCode::UNPROCESSABLE_ENTITY);
    unmotivated.assert_contains("Schrijf waarom u bewust meer betaalt dan toegekend.");
    let absurd = pay(
        &app,
        p,
        &[("bedrag", "3.000.000,01"), ("overbetaling", "1")],
    )
    .await;
    absurd.assert_contains("groter dan het hele budget van 2024");
    assert!(payments(&app, p).await.is_empty());

    // Up to the allocation is fine; one cent more is not.
    pay(&app, p, &[("bedrag", "50.000")])
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#betalingen"));
    let cent = pay(&app, p, &[("soort", "saldo"), ("bedrag", "0,01")]).await;
    assert_eq!(cent.status, StatusCode::UNPROCESSABLE_ENTITY);
    pay(
        &app,
        p,
        &[
            ("soort", "saldo"),
            ("bedrag", "10.000"),
            ("overbetaling", "1"),
            ("motivering", "Beslissing van de minister van 3 mei."),
        ],
    )
    .await
    .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#betalingen"));
    let stored = payments(&app, p).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].3, "Beslissing van de minister van 3 mei.");

    // The signal is on the werkingsgebied's budget page, with the motivation.
    let page = app.get(&format!("/werkingsgebieden/{p}/budget")).await;
    page.assert_contains(
        "Te veel betaald: € 60.000,00 netto betaald, € 10.000,00 meer dan de toekenning van \
         € 50.000,00.",
    );
    page.assert_contains("Bewuste overbetaling: Beslissing van de minister van 3 mei.");

    // The database refuses the same to the requests' role, whatever the form says.
    let requests = crate::helpers::app_pool(&app.db).await;
    let refused = sqlx::query(
        "insert into payments (partnership_id, year, kind, paid_on, amount_cents) values ($1, 2024, 'saldo', '2024-03-01', 1)",
    )
    .bind(p)
    .execute(&requests)
    .await
    .unwrap_err();
    assert_eq!(
        refused.as_database_error().and_then(|e| e.constraint()),
        Some("payments_within_allocation")
    );
    // A recovery only lowers what was paid: always allowed.
    pay(
        &app,
        p,
        &[("soort", "terugvordering"), ("bedrag", "10.000")],
    )
    .await
    .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#betalingen"));
}

#[tokio::test]
async fn a_wrong_payment_is_reversed_by_a_correction_that_names_it_and_both_stay() {
    let app = TestApp::new().await;
    let p = gent(&app).await;
    app.sign_in_as(Role::Admin).await;
    pay(&app, p, &[("bedrag", "20.000")]).await;
    let original = payments(&app, p).await[0].0;
    let url = format!("/werkingsgebieden/{p}/budget/betalingen/{original}/corrigeren");

    let page = app.get(&format!("/werkingsgebieden/{p}/budget")).await;
    page.assert_contains(&format!("href=\"{url}\""));
    let confirm = app.get(&url).await;
    assert_eq!(confirm.status, StatusCode::OK);
    confirm.assert_contains("voorschot van € 20.000,00 voor 2024, betaald op 01/02/2024");
    confirm.assert_contains("De correctie verlaagt het netto betaalde van 2024 met € 20.000,00");

    let refused = app.post_form(&url, &[("reden", "  ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Schrijf waarom deze betaling gecorrigeerd wordt.");
    let key = [
        ("reden", "Dubbel ingegeven."),
        ("idempotency_key", "5b1e7f0a-24aa-4000-8000-00000000c0de"),
    ];
    app.post_form(&url, &key)
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#betalingen"));
    // The same form again (a double click): one correction, the same answer.
    app.post_form(&url, &key)
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#betalingen"));
    let stored = payments(&app, p).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].1, -2_000_000);
    assert_eq!(stored[1].2, Some(original));
    app.assert_audited("budget.payment_corrected").await;

    let page = app.get(&format!("/werkingsgebieden/{p}/budget")).await;
    page.assert_contains("correctie van het voorschot van 01/02/2024");
    page.assert_contains("Reden: Dubbel ingegeven.");
    page.assert_contains("gecorrigeerd op");
    page.assert_contains("<td class=\"num\" id=\"netto-2024\">€ 0,00</td>");
    assert!(!page.body.contains(&format!("href=\"{url}\"")));

    // Once only, and a correction is not corrected.
    let again = app.post_form(&url, &[("reden", "Nog eens.")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    again.assert_contains("al gecorrigeerd op");
    let correction = stored[1].0;
    let of_correction = app
        .post_form(
            &format!("/werkingsgebieden/{p}/budget/betalingen/{correction}/corrigeren"),
            &[("reden", "Toch niet.")],
        )
        .await;
    assert_eq!(of_correction.status, StatusCode::CONFLICT);
    of_correction.assert_contains("zelf een correctie");
    assert_eq!(payments(&app, p).await.len(), 2);

    // A payment of another werkingsgebied is not found here; the database keeps rows as they are.
    let other = app.with_partnership("Regio Leie").await;
    let elsewhere = app
        .get(&format!(
            "/werkingsgebieden/{other}/budget/betalingen/{original}/corrigeren"
        ))
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let requests = crate::helpers::app_pool(&app.db).await;
    for sql in [
        "update payments set amount_cents = 1 where payment_id = $1",
        "delete from payments where payment_id = $1",
    ] {
        assert!(
            sqlx::query(sql)
                .bind(original)
                .execute(&requests)
                .await
                .is_err(),
            "{sql}"
        );
    }
}

#[tokio::test]
async fn a_double_clicked_payment_is_recorded_once() {
    let app = TestApp::new().await;
    let p = gent(&app).await;
    app.sign_in_as(Role::Admin).await;
    let key = ("idempotency_key", "0b7e2c55-24aa-4000-8000-000000000001");
    for _ in 0..2 {
        pay(&app, p, &[("bedrag", "1.000"), key])
            .await
            .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#betalingen"));
    }
    assert_eq!(payments(&app, p).await.len(), 1);
    // A new form (a new key) is a new payment.
    pay(
        &app,
        p,
        &[
            ("bedrag", "1.000"),
            ("idempotency_key", "0b7e2c55-24aa-4000-8000-000000000002"),
        ],
    )
    .await;
    assert_eq!(payments(&app, p).await.len(), 2);
}

#[tokio::test]
async fn only_admins_correct_payments() {
    let app = TestApp::new().await;
    let p = gent(&app).await;
    let admin = app.other_browser();
    admin.sign_in_as(Role::Admin).await;
    pay(&admin, p, &[("bedrag", "1.000")]).await;
    let payment = payments(&app, p).await[0].0;
    let url = format!("/werkingsgebieden/{p}/budget/betalingen/{payment}/corrigeren");
    app.sign_in_as(Role::Ministry).await;
    assert_eq!(app.get(&url).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.post_form(&url, &[("reden", "x")]).await.status,
        StatusCode::FORBIDDEN
    );
    let page = app.get(&format!("/werkingsgebieden/{p}/budget")).await;
    assert!(!page.body.contains("/corrigeren"));
    let rita = app.other_browser();
    rita.sign_in_as_regisseur_of(p, "rita@gent.be").await;
    assert_eq!(
        rita.post_form(&url, &[("reden", "x")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(payments(&app, p).await.len(), 1);
}

#[tokio::test]
async fn no_more_is_recovered_than_was_paid_and_a_correction_of_a_recovery_raises_what_was_paid() {
    let app = TestApp::new().await;
    let p = gent(&app).await;
    app.sign_in_as(Role::Admin).await;
    let refused = pay(&app, p, &[("soort", "terugvordering"), ("bedrag", "1.000")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Er kan niet meer teruggevorderd worden dan er betaald is");
    assert!(payments(&app, p).await.is_empty());

    pay(&app, p, &[("bedrag", "50.000")]).await;
    pay(
        &app,
        p,
        &[("soort", "terugvordering"), ("bedrag", "10.000")],
    )
    .await;
    let recovery = payments(&app, p).await[1].0;
    // Another 10.000 is paid meanwhile: correcting the recovery would now pay 60.000 for an
    // allocation of 50.000, so it asks for the overpayment's motivation.
    pay(&app, p, &[("soort", "saldo"), ("bedrag", "10.000")]).await;
    let url = format!("/werkingsgebieden/{p}/budget/betalingen/{recovery}/corrigeren");
    let page = app.get(&url).await;
    page.assert_contains("De correctie verhoogt het netto betaalde van 2024 met € 10.000,00");
    page.assert_contains("name=\"overbetaling\"");
    let refused = app
        .post_form(&url, &[("reden", "Ten onrechte teruggevorderd.")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Hiermee komt het netto betaalde voor 2024 op € 60.000,00");
    app.post_form(
        &url,
        &[
            ("reden", "Ten onrechte teruggevorderd."),
            ("overbetaling", "1"),
            ("motivering", "Saldo en correctie kruisten elkaar."),
        ],
    )
    .await
    .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#betalingen"));
    let stored = payments(&app, p).await;
    assert_eq!(
        stored[3].1, 1_000_000,
        "a correction of a recovery adds to what was paid"
    );
    assert_eq!(stored[3].3, "Saldo en correctie kruisten elkaar.");
    let net: i64 = stored.iter().map(|s| s.1).sum();
    assert_eq!(net, 6_000_000);
}

#[tokio::test]
async fn two_payments_at_once_cannot_both_pass_the_allocation() {
    let app = TestApp::new().await;
    let p = gent(&app).await;
    let (one, two) = (app.other_browser(), app.other_browser());
    one.sign_in_as(Role::Admin).await;
    // Another admin (the same one's second sign-in would ask for the two-step code).
    app.with_user(Role::Admin)
        .email("tweede@vlaanderen.be")
        .await;
    two.sign_in("tweede@vlaanderen.be", crate::helpers::PASSWORD)
        .await;
    let fields = |key: &'static str| {
        vec![
            ("jaar", "2024"),
            ("soort", "voorschot"),
            ("datum", "2024-02-01"),
            ("bedrag", "30.000"),
            ("idempotency_key", key),
        ]
    };
    let url = format!("/werkingsgebieden/{p}/budget/betalingen");
    let (first, second) = (
        fields("11111111-24aa-4000-8000-000000000001"),
        fields("11111111-24aa-4000-8000-000000000002"),
    );
    let (a, b) = tokio::join!(one.post_form(&url, &first), two.post_form(&url, &second));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY],
        "{}\n{}",
        a.body,
        b.body
    );
    assert_eq!(payments(&app, p).await.len(), 1);
}

#[tokio::test]
async fn the_same_key_with_other_content_is_another_payment() {
    let app = TestApp::new().await;
    let p = gent(&app).await;
    app.sign_in_as(Role::Admin).await;
    // Sent, then changed after going back in the browser, which kept the form's hidden key.
    let key = ("idempotency_key", "22222222-24aa-4000-8000-000000000001");
    pay(&app, p, &[("bedrag", "1.000"), key]).await;
    pay(&app, p, &[("bedrag", "2.000"), key]).await;
    let amounts: Vec<i64> = payments(&app, p).await.iter().map(|s| s.1).collect();
    assert_eq!(amounts, [100_000, 200_000]);
}
