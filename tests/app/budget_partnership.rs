//! The budget page of one werkingsgebied (allocation, payments, spending, logged action costs
//! and their differences), its two forms with who may use them, and the public allocations API.

use axum::http::{StatusCode, header};
use regie::identity::Role;

use crate::helpers::{TestApp, date};

/// A werkingsgebied of 2023-2025 around Kortrijk (a centrumstad) with an envelope for 2024 and
/// an allocation of 50.000 euro that year.
async fn leie(app: &TestApp) -> i64 {
    let p = app
        .with_partnership("Regio Leie")
        .members(&["34022", "34041", "34027", "34013"])
        .await;
    app.with_envelope(2024, 3_000_000).await;
    app.with_allocation(p, 2024, 50_000).await;
    p
}

fn budget(p: i64) -> String {
    format!("/werkingsgebieden/{p}/budget")
}

async fn report(app: &TestApp, p: i64, fields: &[(&str, &str)]) -> crate::helpers::TestResponse {
    app.post_form(&format!("/werkingsgebieden/{p}/budget/uitgaven"), fields)
        .await
}

async fn pay(app: &TestApp, p: i64, fields: &[(&str, &str)]) -> crate::helpers::TestResponse {
    app.post_form(&format!("/werkingsgebieden/{p}/budget/betalingen"), fields)
        .await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn stored_report(app: &TestApp, p: i64, year: i16) -> (i64, i64, i64, i32) {
    sqlx::query_as(
        "select staff_cents, operating_cents, actions_cents, version from spending_reports where partnership_id = $1 and year = $2",
    )
    .bind(p)
    .bind(year)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn its_own_regisseur_reads_the_budget_and_reports_and_corrects_spending() {
    let app = TestApp::new().await;
    let p = leie(&app).await;
    app.sign_in_as_regisseur_of(p, "rita@leie.be").await;

    let page = app.get(&budget(p)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Budget Regio Leie");
    page.assert_contains("€ 50.000,00");
    // The rule's proposal with its reasons and its open settings.
    page.assert_contains("inwoners (2020)");
    page.assert_contains("schijf");
    page.assert_contains("bevolkingsjaar 2020; een grenswaarde telt bij de lagere schijf");
    // A regisseur reports spending but records no payments.
    page.assert_contains(&format!("action=\"/werkingsgebieden/{p}/budget/uitgaven\""));
    assert!(!page.body.contains("budget/betalingen\""));
    page.assert_contains("boekt u tegen met <strong>Corrigeren</strong>");

    let first = [
        ("jaar", "2024"),
        ("personeel", "30.000"),
        ("werking", "5.000,50"),
        ("acties", "1000"),
        ("opmerking", "Eerste rapport"),
        ("version", "0"),
    ];
    report(&app, p, &first)
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#jaar-2024"));
    assert_eq!(
        stored_report(&app, p, 2024).await,
        (3_000_000, 500_050, 100_000, 1)
    );
    let page = app.get(&budget(p)).await;
    page.assert_contains("Uitgaven van 2024 bewaard (versie 1).");
    page.assert_contains("€ 36.000,50");
    page.assert_contains("Eerste rapport");

    let correction = [
        ("jaar", "2024"),
        ("personeel", "31.000"),
        ("werking", "5.000,50"),
        ("acties", "1000"),
        ("opmerking", "Loonkost herrekend"),
        ("version", "1"),
    ];
    report(&app, p, &correction)
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#jaar-2024"));
    assert_eq!(
        stored_report(&app, p, 2024).await,
        (3_100_000, 500_050, 100_000, 2)
    );

    // A form opened on version 1 is stale now: nothing saved, the input kept.
    let stale = [
        ("jaar", "2024"),
        ("personeel", "99.999"),
        ("werking", "0"),
        ("acties", "0"),
        ("opmerking", ""),
        ("version", "1"),
    ];
    let r = report(&app, p, &stale).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    r.assert_contains("Iemand anders rapporteerde de uitgaven van 2024");
    r.assert_contains("value=\"99.999\"");
    // Saving again from the conflict page overwrites deliberately: it names version 2.
    r.assert_contains("name=\"version\" value=\"2\"");
    assert_eq!(
        stored_report(&app, p, 2024).await,
        (3_100_000, 500_050, 100_000, 2)
    );

    // A second first report for the same year is stale too.
    let r = report(&app, p, &first).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(stored_report(&app, p, 2024).await.3, 2);

    app.assert_audited("budget.spending_reported").await;
    let details: Vec<serde_json::Value> = sqlx::query_scalar(
        "select details from audit_events where action = 'budget.spending_reported' order by audit_event_id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(details.len(), 2);
    assert_eq!(details[0]["year"], 2024);
    assert!(details[0]["previous"].is_null());
    assert_eq!(details[1]["version"], 2);
    assert_eq!(details[1]["amounts"]["staff_cents"], 3_100_000);
    assert_eq!(details[1]["previous"]["staff_cents"], 3_000_000);
    assert!(
        !details[1].to_string().contains("Loonkost"),
        "notes stay out of the audit trail"
    );
}

#[tokio::test]
async fn another_regisseur_can_neither_read_nor_post_to_someone_elses_budget() {
    let app = TestApp::new().await;
    let leie = leie(&app).await;
    let own = app
        .with_partnership("Regio Maasland")
        .members(&["72018", "72021", "72041", "73107", "73042"])
        .await;
    app.sign_in_as_regisseur_of(own, "mo@maasland.be").await;

    assert_eq!(app.get(&budget(own)).await.status, StatusCode::OK);
    let werkingsgebied = app.get(&format!("/werkingsgebieden/{own}")).await;
    werkingsgebied.assert_contains(&format!("href=\"/werkingsgebieden/{own}/budget\""));

    assert_eq!(app.get(&budget(leie)).await.status, StatusCode::FORBIDDEN);
    let other = app.get(&format!("/werkingsgebieden/{leie}")).await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(
        !other.body.contains(&budget(leie)),
        "no budget link on another's page"
    );

    // Their own valid form, sent to someone else's werkingsgebied.
    let fields = [
        ("jaar", "2024"),
        ("personeel", "1"),
        ("werking", "1"),
        ("acties", "1"),
        ("version", "0"),
    ];
    assert_eq!(
        report(&app, own, &fields).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        report(&app, leie, &fields).await.status,
        StatusCode::FORBIDDEN
    );
    let payment = [
        ("jaar", "2024"),
        ("soort", "voorschot"),
        ("datum", "2024-03-01"),
        ("bedrag", "100"),
    ];
    assert_eq!(
        pay(&app, leie, &payment).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(pay(&app, own, &payment).await.status, StatusCode::FORBIDDEN);

    let leie_reports: i64 =
        sqlx::query_scalar("select count(*) from spending_reports where partnership_id = $1")
            .bind(leie)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(leie_reports, 0);
    assert_eq!(count(&app, "payments").await, 0);
    app.assert_audited("access.denied").await;

    assert_eq!(
        app.get("/werkingsgebieden/999999/budget").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn ministry_staff_read_the_budget_but_neither_pay_nor_report() {
    let app = TestApp::new().await;
    let p = leie(&app).await;
    // A revision: version 2 overrides the computed amount with a motivation.
    sqlx::query(
        "update allocations set superseded_at = now() where partnership_id = $1 and superseded_at is null",
    )
    .bind(p)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into allocations (partnership_id, year, version, amount_cents, computed_cents, motivation) values ($1, 2024, 2, 5500000, 5000000, 'Herziening halverwege')",
    )
    .bind(p)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("update partnerships set is_demo = true where partnership_id = $1")
        .bind(p)
        .execute(&app.db)
        .await
        .unwrap();
    app.sign_in_as(Role::Ministry).await;

    let page = app.get(&budget(p)).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("id=\"toegekend-2024\">€ 55.000,00");
    page.assert_contains("Motivering van de afwijking");
    page.assert_contains("Herziening halverwege");
    page.assert_contains("Eerdere versies (1)");
    page.assert_contains("vervangen op");
    page.assert_contains("€ 50.000,00");
    page.assert_contains("<span class=\"demo-badge\">demo</span>");
    page.assert_contains("Demogegevens.");
    assert!(
        !page
            .body
            .contains("method=\"post\" action=\"/werkingsgebieden")
    );
    app.get(&format!("/werkingsgebieden/{p}"))
        .await
        .assert_contains(&format!("href=\"/werkingsgebieden/{p}/budget\""));

    let payment = [
        ("jaar", "2024"),
        ("soort", "voorschot"),
        ("datum", "2024-03-01"),
        ("bedrag", "100"),
    ];
    assert_eq!(pay(&app, p, &payment).await.status, StatusCode::FORBIDDEN);
    let spending = [
        ("jaar", "2024"),
        ("personeel", "1"),
        ("werking", "1"),
        ("acties", "1"),
        ("version", "0"),
    ];
    assert_eq!(
        report(&app, p, &spending).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(count(&app, "payments").await, 0);
    assert_eq!(count(&app, "spending_reports").await, 0);
}

#[tokio::test]
async fn an_admin_records_an_advance_and_a_recovery_and_sees_the_net_paid() {
    let app = TestApp::new().await;
    let p = leie(&app).await;
    app.sign_in_as(Role::Admin).await;
    app.get(&budget(p)).await;

    pay(
        &app,
        p,
        &[
            ("jaar", "2024"),
            ("soort", "voorschot"),
            ("datum", "15/03/2024"),
            ("bedrag", "25.000,00"),
            ("opmerking", "Eerste schijf"),
        ],
    )
    .await
    .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#betalingen"));
    pay(
        &app,
        p,
        &[
            ("jaar", "2024"),
            ("soort", "terugvordering"),
            ("datum", "2024-06-01"),
            ("bedrag", "2.500,50"),
            ("opmerking", "Dubbel betaald"),
        ],
    )
    .await
    .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#betalingen"));

    let page = app.get(&budget(p)).await;
    page.assert_contains("Betaling geregistreerd: terugvordering € 2.500,50 voor 2024.");
    page.assert_contains("15/03/2024");
    page.assert_contains("€ -2.500,50");
    // 25.000 - 2.500,50 paid; 50.000 allocated.
    page.assert_contains("id=\"netto-2024\">€ 22.499,50");
    page.assert_contains("€ 27.500,50");
    page.assert_contains("Dubbel betaald");

    let kinds: Vec<(String, i64)> = sqlx::query_as(
        "select kind::text, amount_cents from payments where partnership_id = $1 order by payment_id",
    )
    .bind(p)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        kinds,
        vec![
            ("voorschot".to_string(), 2_500_000),
            ("terugvordering".to_string(), 250_050)
        ]
    );
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action = 'budget.payment_recorded' and (details->>'partnership_id')::bigint = $1",
    )
    .bind(p)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn a_payment_outside_the_years_of_the_period_is_refused_in_dutch() {
    let app = TestApp::new().await;
    let p = leie(&app).await;
    app.sign_in_as(Role::Admin).await;

    let r = pay(
        &app,
        p,
        &[
            ("jaar", "2022"),
            ("soort", "saldo"),
            ("datum", "2022-12-01"),
            ("bedrag", "1.000"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains(
        "Kies een jaar van de beleidsperiode van dit werkingsgebied: 2023, 2024, 2025.",
    );
    r.assert_contains("value=\"1.000\"");
    assert_eq!(count(&app, "payments").await, 0);

    // The database refuses the same, under the constraint name the form maps to a message.
    let refused = sqlx::query(
        "insert into payments (partnership_id, year, kind, paid_on, amount_cents) values ($1, 2022, 'saldo', '2022-12-01', 100)",
    )
    .bind(p)
    .execute(&app.db)
    .await
    .unwrap_err();
    assert_eq!(
        refused.as_database_error().and_then(|e| e.constraint()),
        Some("budget_year_in_period")
    );
}

#[tokio::test]
async fn negative_and_garbage_amounts_are_refused_with_the_input_kept() {
    let app = TestApp::new().await;
    let p = leie(&app).await;
    app.sign_in_as(Role::Admin).await;

    for (bedrag, message) in [
        ("-5", "Het bedrag kan niet negatief zijn."),
        ("twaalf", "Vul het bedrag in met cijfers, bv. 12.500,00."),
        ("0,00", "Het bedrag moet groter dan nul zijn."),
    ] {
        let r = pay(
            &app,
            p,
            &[
                ("jaar", "2024"),
                ("soort", "voorschot"),
                ("datum", "2024-02-01"),
                ("bedrag", bedrag),
                ("opmerking", "Mijn opmerking"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bedrag}");
        r.assert_contains(message);
        r.assert_contains(&format!("value=\"{bedrag}\""));
        r.assert_contains("Mijn opmerking");
        r.assert_contains("value=\"voorschot\" selected");
    }
    assert_eq!(count(&app, "payments").await, 0);

    let r = report(
        &app,
        p,
        &[
            ("jaar", "2024"),
            ("personeel", "-100"),
            ("werking", "abc"),
            ("acties", "12,5"),
            ("version", "0"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Het bedrag voor personeel kan niet negatief zijn.");
    r.assert_contains("Vul het bedrag voor werking in met cijfers");
    r.assert_contains("value=\"-100\"");
    r.assert_contains("value=\"abc\"");
    r.assert_contains("href=\"#personeel-2024\"");

    let r = report(
        &app,
        p,
        &[
            ("jaar", "2022"),
            ("personeel", "1"),
            ("werking", "1"),
            ("acties", "1"),
            ("version", "0"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Kies een jaar van de beleidsperiode van dit werkingsgebied");
    assert_eq!(count(&app, "spending_reports").await, 0);
}

#[tokio::test]
async fn logged_action_costs_are_summed_per_year_and_the_differences_shown() {
    let app = TestApp::new().await;
    let p = leie(&app).await;
    let set_cost = |action: i64, cents: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query("update actions set cost_cents = $2 where action_id = $1")
                .bind(action)
                .bind(cents)
                .execute(&db)
                .await
                .unwrap();
        }
    };
    let a = app.with_action(p).starts_on(date(2024, 3, 1)).await;
    set_cost(a, 120_050).await;
    let b = app
        .with_action(p)
        .title("Jobbeurs")
        .starts_on(date(2024, 11, 30))
        .status("geannuleerd")
        .await;
    set_cost(b, 30_000).await;
    // Without a cost, in another year, deleted: none of these count for 2024.
    app.with_action(p)
        .title("Zonder kost")
        .starts_on(date(2024, 5, 1))
        .await;
    let other_year = app.with_action(p).starts_on(date(2023, 12, 31)).await;
    set_cost(other_year, 99_900).await;
    let deleted = app.with_action(p).starts_on(date(2024, 6, 1)).await;
    set_cost(deleted, 500_000).await;
    sqlx::query("update actions set deleted_at = now() where action_id = $1")
        .bind(deleted)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "insert into payments (partnership_id, year, kind, paid_on, amount_cents) values ($1, 2024, 'voorschot', '2024-02-01', 2000000)",
    )
    .bind(p)
    .execute(&app.db)
    .await
    .unwrap();

    app.sign_in_as_regisseur_of(p, "rita@leie.be").await;
    let page = app.get(&budget(p)).await;
    page.assert_contains("Gelogde actiekosten 2024: <strong>€ 1.500,50</strong> (2 acties met kosten, 1 actie zonder ingevulde kosten;");
    page.assert_contains(
        "Gelogde actiekosten 2023: <strong>€ 999,00</strong> (1 actie met kosten;",
    );
    // The form suggests the logged costs for actions while nothing is reported.
    page.assert_contains(
        "id=\"acties-2024\" name=\"acties\" inputmode=\"decimal\" value=\"1500,50\"",
    );
    page.assert_contains("die in dat jaar beginnen");

    report(
        &app,
        p,
        &[
            ("jaar", "2024"),
            ("personeel", "30.000"),
            ("werking", "5.000"),
            ("acties", "2.000"),
            ("version", "0"),
        ],
    )
    .await
    .assert_redirects_to(&format!("/werkingsgebieden/{p}/budget#jaar-2024"));
    let page = app.get(&budget(p)).await;
    let row_start = page.body.find("id=\"overzicht-2024\"").unwrap();
    let row = &page.body[row_start..row_start + page.body[row_start..].find("</tr>").unwrap()];
    // Allocated, net paid, reported, logged; then allocated - paid, allocated - reported and
    // reported actions - logged actions.
    for cell in [
        "€ 50.000,00",
        "€ 20.000,00",
        "€ 37.000,00",
        "€ 1.500,50",
        "€ 30.000,00",
        "€ 13.000,00",
        "€ 499,50",
    ] {
        assert!(row.contains(cell), "{cell} in {row}");
    }
    page.assert_contains("Toegekend − gerapporteerd</dt>");
}

#[tokio::test]
async fn the_allocations_api_is_public_json_in_exact_integer_cents() {
    let app = TestApp::new().await;
    let period = app.period_id("2023-2025").await;
    app.with_envelope(2024, 3_000_000).await;
    let a = app.with_partnership("Aalst").members(&["41002"]).await;
    let b = app.with_partnership("Brugge").members(&["31005"]).await;
    let c = app.with_partnership("Centrum").members(&["11002"]).await;
    sqlx::query("update partnerships set is_demo = true where partnership_id = $1")
        .bind(a)
        .execute(&app.db)
        .await
        .unwrap();
    let decider = app.with_user(Role::Admin).name("Jan Beslisser").await;
    // 0,10 + 0,20 + 2.225.000,07: 2.225.000,37 exactly; in floating point it is not.
    for (p, cents, computed, motivation) in [
        (a, 10_i64, Some(10_i64), ""),
        (b, 20, Some(15), "Geheime motivering over een persoon"),
        (c, 222_500_007, None, "Geen bevolkingscijfer"),
    ] {
        sqlx::query(
            "insert into allocations (partnership_id, year, version, amount_cents, computed_cents, motivation, decided_by) values ($1, 2024, 1, $2, $3, $4, $5)",
        )
        .bind(p)
        .bind(cents)
        .bind(computed)
        .bind(motivation)
        .bind(decider)
        .execute(&app.db)
        .await
        .unwrap();
    }
    // As f64 these three add up to 2225000.3699999996: the API must give the exact cents.

    let r = app
        .get(&format!("/api/v1/allocations?period={period}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CACHE_CONTROL], "public, max-age=300");
    assert!(!r.body.contains("motivation") && !r.body.contains("Geheime"));
    assert!(!r.body.contains("Jan Beslisser"));
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["period"]["name"], "2023-2025");
    let years = json["years"].as_array().unwrap();
    let listed: Vec<i64> = years.iter().map(|y| y["year"].as_i64().unwrap()).collect();
    assert_eq!(listed, vec![2023, 2024, 2025]);
    assert!(years[0]["envelope_cents"].is_null());
    assert_eq!(years[0]["allocated_cents"], 0);
    let y2024 = &years[1];
    assert_eq!(y2024["envelope_cents"].as_i64(), Some(300_000_000));
    assert!(y2024["allocated_cents"].is_i64(), "an integer, not a float");
    assert_eq!(y2024["allocated_cents"].as_i64(), Some(222_500_037));
    let allocations = y2024["allocations"].as_array().unwrap();
    assert_eq!(allocations.len(), 3);
    let first = &allocations[0];
    assert_eq!(first["name"], "Aalst");
    assert_eq!(first["partnership_id"], a);
    assert_eq!(first["demo"], true);
    assert_eq!(first["amount_cents"].as_i64(), Some(10));
    assert_eq!(first["overridden"], false);
    assert_eq!(first["version"], 1);
    assert!(first["decided_on"].as_str().unwrap().len() == 10);
    assert_eq!(allocations[1]["demo"], false);
    assert_eq!(allocations[1]["overridden"], true);
    assert_eq!(allocations[1]["computed_cents"].as_i64(), Some(15));
    assert!(allocations[2]["computed_cents"].is_null());
    assert_eq!(allocations[2]["overridden"], true);
    assert!(allocations.iter().all(|a| a["amount_cents"].is_i64()));

    // Without a period: the one running today, else the latest.
    assert_eq!(app.get("/api/v1/allocations").await.status, StatusCode::OK);
    for (query, status) in [
        ("?period=abc", StatusCode::BAD_REQUEST),
        ("?period=999999", StatusCode::NOT_FOUND),
    ] {
        let r = app.get(&format!("/api/v1/allocations{query}")).await;
        assert_eq!(r.status, status, "{query}");
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        let error: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(error["error"].is_string());
    }
    assert!(
        app.cookie("regie_sessie").is_none(),
        "the API needs no session"
    );
}
