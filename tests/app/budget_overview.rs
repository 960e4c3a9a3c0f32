//! The envelope of a year with its history (`/budget/enveloppen/{year}`), the budget overview
//! (`/budget`: years, chart, allocations table, the demo gap) and its exports.

use axum::http::{StatusCode, header};
use regie::identity::Role;

use crate::helpers::{TestApp, date};

/// The amount and version of a year's envelope, straight from the database.
async fn stored(app: &TestApp, year: i16) -> Option<(i64, i32)> {
    sqlx::query_as("select amount_cents, version from budget_envelopes where year = $1")
        .bind(year)
        .fetch_optional(&app.db)
        .await
        .unwrap()
}

/// (previous, amount, stated change) of every history line of a year, oldest first.
async fn changes(app: &TestApp, year: i16) -> Vec<(Option<i64>, i64, Option<i64>)> {
    sqlx::query_as(
        "select previous_cents, amount_cents, stated_change_cents from budget_envelope_changes where year = $1 order by change_id",
    )
    .bind(year)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

async fn count_audited(app: &TestApp, action: &str) -> usize {
    app.audit_actions()
        .await
        .iter()
        .filter(|a| *a == action)
        .count()
}

#[tokio::test]
async fn an_admin_sets_an_envelope_and_changes_it_with_history_and_audit() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;

    let page = app.get("/budget/enveloppen/2021").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Nog geen budget voor 2021");
    page.assert_contains("Budget vastleggen");

    app.post_form(
        "/budget/enveloppen/2021",
        &[
            ("amount", "2.225.000"),
            ("decided_on", "2020-03-13"),
            ("reason", "Oproep 2020-2025"),
            ("source", "Oproep van het departement, maart 2020"),
            ("stated_change", ""),
            ("version", "0"),
        ],
    )
    .await
    .assert_redirects_to("/budget/enveloppen/2021");
    assert_eq!(stored(&app, 2021).await, Some((222_500_000, 1)));
    assert_eq!(changes(&app, 2021).await, [(None, 222_500_000, None)]);

    app.post_form(
        "/budget/enveloppen/2021",
        &[
            ("amount", "2.300.000,50"),
            ("decided_on", ""),
            ("reason", "Bijsturing"),
            ("source", ""),
            ("stated_change", "+75.000,50"),
            ("version", "1"),
        ],
    )
    .await
    .assert_redirects_to("/budget/enveloppen/2021");
    assert_eq!(stored(&app, 2021).await, Some((230_000_050, 2)));
    assert_eq!(
        changes(&app, 2021).await,
        [
            (None, 222_500_000, None),
            (Some(222_500_000), 230_000_050, Some(7_500_050))
        ]
    );

    let page = app.get("/budget/enveloppen/2021").await;
    page.assert_contains("Budget 2021 bewaard: € 2.300.000,50.");
    page.assert_contains("<strong class=\"figure\">€ 2.300.000,50</strong>");
    page.assert_contains("<td>13/03/2020</td>");
    page.assert_contains("<td>onbekend</td>");
    page.assert_contains("Oproep van het departement, maart 2020");
    page.assert_contains("€ +75.000,50");
    page.assert_contains("<td>Test Beheerder<br><small>");
    // The stated change equals the real difference: no discrepancy line.
    assert!(!page.body.contains("niet verklaard"), "{}", page.body);

    assert_eq!(count_audited(&app, "budget.envelope_set").await, 2);
    let details: serde_json::Value = sqlx::query_scalar(
        "select details from audit_events where action = 'budget.envelope_set' order by audit_event_id desc limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        details,
        serde_json::json!({
            "year": 2021,
            "previous_cents": 222_500_000,
            "amount_cents": 230_000_050,
            "stated_change_cents": 7_500_050
        })
    );
}

#[tokio::test]
async fn the_published_increase_of_750000_shows_25000_nobody_explained() {
    let app = TestApp::new().await;
    app.with_envelope(2023, 2_225_000).await;
    app.sign_in_as(Role::Admin).await;
    app.post_form(
        "/budget/enveloppen/2023",
        &[
            ("amount", "3.000.000"),
            ("decided_on", "13/01/2023"),
            ("reason", "Herziening halverwege de oproep"),
            (
                "source",
                "Persbericht: het budget stijgt met 750.000 euro tot 3 miljoen euro per jaar.",
            ),
            ("stated_change", "+750.000"),
            ("version", "1"),
        ],
    )
    .await
    .assert_redirects_to("/budget/enveloppen/2023");

    let page = app.get("/budget/enveloppen/2023").await;
    page.assert_contains(
        "Bron vermeldt € +750.000,00, werkelijk verschil € +775.000,00: € 25.000,00 niet verklaard",
    );
    page.assert_contains("€ +775.000,00");
    page.assert_contains("€ +750.000,00");
    page.assert_contains("Persbericht: het budget stijgt met 750.000 euro");
    assert_eq!(
        changes(&app, 2023).await.last(),
        Some(&(Some(222_500_000), 300_000_000, Some(75_000_000)))
    );
}

#[tokio::test]
async fn the_same_amount_again_is_a_history_line_with_its_reason() {
    let app = TestApp::new().await;
    app.with_envelope(2024, 3_000_000).await;
    app.sign_in_as(Role::Admin).await;
    app.post_form(
        "/budget/enveloppen/2024",
        &[
            ("amount", "3.000.000,00"),
            ("reason", "Bevestigd door de begrotingsaanpassing"),
            ("version", "1"),
        ],
    )
    .await
    .assert_redirects_to("/budget/enveloppen/2024");
    assert_eq!(stored(&app, 2024).await, Some((300_000_000, 2)));
    assert_eq!(
        changes(&app, 2024).await.last(),
        Some(&(Some(300_000_000), 300_000_000, None))
    );
}

#[tokio::test]
async fn a_stale_version_is_refused_and_nothing_is_saved() {
    let app = TestApp::new().await;
    app.with_envelope(2023, 2_225_000).await;
    app.sign_in_as(Role::Admin).await;
    let other = app.other_browser();
    other
        .with_user(Role::Admin)
        .email("tweede@test.regie.be")
        .await;
    other
        .sign_in("tweede@test.regie.be", crate::helpers::PASSWORD)
        .await
        .assert_redirects_to("/");

    // Both open the form at version 1; the other admin saves first.
    app.get("/budget/enveloppen/2023")
        .await
        .assert_contains(r#"name="version" value="1""#);
    other
        .post_form(
            "/budget/enveloppen/2023",
            &[
                ("amount", "3.000.000"),
                ("reason", "Eerst"),
                ("version", "1"),
            ],
        )
        .await
        .assert_redirects_to("/budget/enveloppen/2023");

    let audits = count_audited(&app, "budget.envelope_set").await;
    let late = app
        .post_form(
            "/budget/enveloppen/2023",
            &[
                ("amount", "2.500.000"),
                ("reason", "Te laat"),
                ("stated_change", "+275.000"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    late.assert_contains("Iemand anders bewaarde het budget van 2023");
    late.assert_contains("het bedrag is nu € 3.000.000,00");
    // The input is kept, with the new version so that saving again is deliberate.
    late.assert_contains(r#"value="2.500.000""#);
    late.assert_contains("Te laat</textarea>");
    late.assert_contains(r#"value="+275.000""#);
    late.assert_contains(r#"name="version" value="2""#);
    assert_eq!(stored(&app, 2023).await, Some((300_000_000, 2)));
    assert_eq!(changes(&app, 2023).await.len(), 2);
    assert_eq!(count_audited(&app, "budget.envelope_set").await, audits);

    // Creating a year someone else created meanwhile is the same conflict.
    let created = app
        .post_form(
            "/budget/enveloppen/2023",
            &[("amount", "1"), ("reason", "Nieuw"), ("version", "0")],
        )
        .await;
    assert_eq!(created.status, StatusCode::CONFLICT);
    assert_eq!(stored(&app, 2023).await, Some((300_000_000, 2)));
}

#[tokio::test]
async fn lowering_an_envelope_below_its_allocations_is_refused_in_dutch() {
    let app = TestApp::new().await;
    let gent = app.with_partnership("Gent").members(&["44021"]).await;
    app.with_envelope(2023, 3_000_000).await;
    app.with_allocation(gent, 2023, 100_000).await;
    app.sign_in_as(Role::Admin).await;

    let refused = app
        .post_form(
            "/budget/enveloppen/2023",
            &[
                ("amount", "99.999,99"),
                ("reason", "Besparing"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains(
        "Voor 2023 is al € 100.000,00 toegekend aan werkingsgebieden. Het budget kan niet lager zijn dan dat bedrag",
    );
    refused.assert_contains(r#"id="amount-fout""#);
    refused.assert_contains(r#"value="99.999,99""#);
    assert_eq!(stored(&app, 2023).await, Some((300_000_000, 1)));
    assert_eq!(changes(&app, 2023).await.len(), 1);
    assert_eq!(count_audited(&app, "budget.envelope_set").await, 0);

    // Exactly the allocated sum is allowed.
    app.post_form(
        "/budget/enveloppen/2023",
        &[
            ("amount", "100.000"),
            ("reason", "Besparing"),
            ("version", "1"),
        ],
    )
    .await
    .assert_redirects_to("/budget/enveloppen/2023");
    assert_eq!(stored(&app, 2023).await, Some((10_000_000, 2)));
}

#[tokio::test]
async fn bad_input_is_a_422_with_every_field_explained_and_kept() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let page = app
        .post_form(
            "/budget/enveloppen/2023",
            &[
                ("amount", "veel geld"),
                ("decided_on", "31/02/2023"),
                ("reason", "   "),
                ("source", "Persbericht"),
                ("stated_change", "ongeveer 5"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Vul het budget in euro in");
    page.assert_contains("Vul een geldige datum in");
    page.assert_contains("Vul de reden van deze beslissing in.");
    page.assert_contains("Schrijf de vermelde wijziging met haar teken");
    page.assert_contains(r#"value="veel geld""#);
    page.assert_contains(r#"value="31/02/2023""#);
    page.assert_contains("Persbericht</textarea>");
    page.assert_contains(r#"value="ongeveer 5""#);

    let long = "x".repeat(2001);
    let page = app
        .post_form(
            "/budget/enveloppen/2023",
            &[
                ("amount", "-5"),
                ("reason", &long),
                ("source", &long),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Vul het budget in euro in");
    page.assert_contains("De reden mag hoogstens 2000 tekens lang zijn.");
    page.assert_contains("De bron mag hoogstens 2000 tekens lang zijn.");
    assert_eq!(stored(&app, 2023).await, None);
    assert_eq!(count_audited(&app, "budget.envelope_set").await, 0);
}

#[tokio::test]
async fn an_envelope_belongs_to_a_year_of_a_policy_period() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    for path in [
        "/budget/enveloppen/2019",
        "/budget/enveloppen/2026",
        "/budget/enveloppen/twintig",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let posted = app
        .post_form(
            "/budget/enveloppen/2019",
            &[("amount", "1"), ("reason", "x"), ("version", "0")],
        )
        .await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);
    assert_eq!(stored(&app, 2019).await, None);
}

#[tokio::test]
async fn the_ministry_reads_an_envelope_but_may_not_change_it() {
    let app = TestApp::new().await;
    app.with_envelope(2023, 3_000_000).await;
    app.sign_in_as(Role::Ministry).await;
    let page = app.get("/budget/enveloppen/2023").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("€ 3.000.000,00");
    assert!(!page.body.contains("Budget wijzigen"));
    assert!(!page.body.contains(r#"name="amount""#));

    let refused = app
        .post_form(
            "/budget/enveloppen/2023",
            &[("amount", "1"), ("reason", "x"), ("version", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&app, 2023).await, Some((300_000_000, 1)));
}

/// Gent (a centrumstad of 263.927 inhabitants in 2020: € 100.000,00 by the rule) and Leuven
/// (102.275: € 50.000,00) in 2023-2025.
async fn two_areas(app: &TestApp) -> (i64, i64) {
    let gent = app.with_partnership("Gent").members(&["44021"]).await;
    let leuven = app.with_partnership("Leuven").members(&["24062"]).await;
    (gent, leuven)
}

#[tokio::test]
async fn the_overview_shows_envelopes_allocations_money_and_the_chart() {
    let app = TestApp::new().await;
    let (gent, leuven) = two_areas(&app).await;
    app.with_envelope(2020, 2_225_000).await;
    app.with_envelope(2023, 3_000_000).await;
    app.with_allocation(gent, 2023, 100_000).await;
    app.with_allocation(leuven, 2023, 50_000).await;
    app.with_allocation(gent, 2023, 90_000).await; // a revision: only the one in force counts
    sqlx::query(
        "insert into payments (partnership_id, year, kind, paid_on, amount_cents) values ($1, 2023, 'voorschot', '2023-02-01', 6000000), ($1, 2023, 'terugvordering', '2024-03-01', 1000050)",
    )
    .bind(gent)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into spending_reports (partnership_id, year, staff_cents, operating_cents, actions_cents) values ($1, 2023, 4000000, 500000, 12345)",
    )
    .bind(gent)
    .execute(&app.db)
    .await
    .unwrap();
    let action = app.with_action(gent).starts_on(date(2023, 5, 1)).await;
    let deleted = app.with_action(gent).starts_on(date(2023, 6, 1)).await;
    sqlx::query("update actions set cost_cents = 250075 where action_id = $1")
        .bind(action)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update actions set cost_cents = 999900, deleted_at = now() where action_id = $1")
        .bind(deleted)
        .execute(&app.db)
        .await
        .unwrap();
    app.sign_in_as(Role::Ministry).await;

    let page = app.get("/budget").await;
    assert_eq!(page.status, StatusCode::OK);
    // The years of both seeded periods, each linking to its page and its envelope.
    for year in 2020..=2025 {
        page.assert_contains(&format!(r#"<a href="/budget/{year}">{year}</a>"#));
        page.assert_contains(&format!(r#"href="/budget/enveloppen/{year}""#));
    }
    page.assert_contains("€ 2.225.000,00");
    page.assert_contains("€ 3.000.000,00");
    page.assert_contains("niet ingesteld");
    // Allocated in force: 90.000 + 50.000.
    page.assert_contains("€ 140.000,00");
    // The rule: Gent € 100.000,00 + Leuven € 50.000,00 against € 3.000.000.
    page.assert_contains("€ 150.000,00");
    page.assert_contains("€ 2.850.000,00<br><small>door de regel niet verdeeld</small>");
    // Paid: 60.000 - 10.000,50; reported 45.123,45; the deleted action's cost does not count.
    page.assert_contains("€ 49.999,50");
    page.assert_contains("€ 45.123,45");
    page.assert_contains("€ 2.500,75");
    assert!(!page.body.contains("€ 12.500,75"));
    // Real werkingsgebieden: no demo note.
    assert!(!page.body.contains("demo-werkingsgebieden"));

    // The chart: two bars per year, accessible, the same numbers as the table.
    page.assert_contains(r#"role="img""#);
    page.assert_contains(r#"<title id="grafiek-titel">"#);
    page.assert_contains("2023: budget € 3.000.000,00, toegekend € 140.000,00");
    assert_eq!(page.body.matches("<svg viewBox").count(), 1);
    assert_eq!(
        page.body.matches(r#"<rect class="bar-envelope""#).count(),
        6
    );
    assert_eq!(
        page.body.matches(r#"<rect class="bar-allocated""#).count(),
        6
    );
    assert!(!page.body.contains("<script>"));

    // The allocations table of the current (or latest) period: 2023-2025.
    page.assert_contains("Toekenningen per werkingsgebied, beleidsperiode 2023-2025");
    page.assert_contains(&format!(
        r#"<a href="/werkingsgebieden/{gent}/budget">Gent</a>"#
    ));
    page.assert_contains("€ 90.000,00");
    page.assert_contains("Verschil met budget");
    page.assert_contains("€ 2.860.000,00");

    // Another period by its id; an unknown one is a 404.
    let earlier = app.period_id("2020-2022").await;
    let page = app.get(&format!("/budget?periode={earlier}")).await;
    page.assert_contains("beleidsperiode 2020-2022");
    page.assert_contains("Deze beleidsperiode heeft nog geen werkingsgebieden.");
    assert_eq!(
        app.get("/budget?periode=999999").await.status,
        StatusCode::NOT_FOUND
    );

    // Links to the other budget pages and the exports.
    let page = app.get("/budget").await;
    for link in [
        "/budget/regels",
        "/budget/werkloosheid",
        "/budget/simulatie",
        "/budget/export.csv",
        "/budget/export.xlsx",
    ] {
        page.assert_contains(&format!(r#"href="{link}""#));
    }
}

#[tokio::test]
async fn the_overview_says_how_far_the_rule_leaves_demo_areas_from_the_real_envelope() {
    let app = TestApp::new().await;
    two_areas(&app).await;
    sqlx::query("update partnerships set is_demo = true")
        .execute(&app.db)
        .await
        .unwrap();
    for year in 2023..=2025 {
        app.with_envelope(year, 3_000_000).await;
    }
    app.sign_in_as(Role::Admin).await;
    let page = app.get("/budget").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(
        "2023-2025: de regel verdeelt voor de 2 demo-werkingsgebieden € 150.000,00 van € 3.000.000,00; € 2.850.000,00 blijft onverdeeld.",
    );
    page.assert_contains("Dat verschil is informatie, geen fout");
    page.assert_contains(r#"<span class="demo-badge">demo</span>"#);
}

#[tokio::test]
async fn the_exports_neutralise_formulas_and_the_workbook_holds_numbers() {
    let app = TestApp::new().await;
    let (gent, leuven) = two_areas(&app).await;
    app.with_envelope(2023, 3_000_000).await;
    app.with_allocation(gent, 2023, 80_000).await;
    app.with_allocation(gent, 2023, 100_000).await;
    let overridden = app.with_allocation(leuven, 2023, 60_000).await;
    sqlx::query(
        "update allocations set computed_cents = 5000000, motivation = '=HYPERLINK(\"http://x\",\"klik\")' where allocation_id = $1",
    )
    .bind(overridden)
    .execute(&app.db)
    .await
    .unwrap();
    app.sign_in_as(Role::Ministry).await;

    let csv = app.get("/budget/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        csv.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"toekenningen.csv\""
    );
    assert!(csv.bytes.starts_with(
        "\u{feff}jaar;werkingsgebied;beleidsperiode;demo;bedrag;berekend bedrag;afwijking gemotiveerd;motivatie;versie;vastgelegd door;vastgelegd op;vervangen op\n"
            .as_bytes()
    ));
    csv.assert_contains("2023;Gent;2023-2025;nee;100000,00;100000,00;nee;;2;;");
    csv.assert_contains(
        r#"2023;Leuven;2023-2025;nee;60000,00;50000,00;ja;"'=HYPERLINK(""http://x"",""klik"")";1;;"#,
    );
    assert!(!csv.body.contains(";\"=HYPERLINK"));
    // In force only: Gent's first version is not there, unless every version is asked for.
    assert_eq!(csv.body.lines().count(), 3, "{}", csv.body);
    let all = app.get("/budget/export.csv?versies=alle").await;
    assert_eq!(all.body.lines().count(), 4, "{}", all.body);
    all.assert_contains("2023;Gent;2023-2025;nee;80000,00;80000,00;nee;;1;;");

    let xlsx = app.get("/budget/export.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"));
    assert_eq!(
        xlsx.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"toekenningen.xlsx\""
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx.bytes)).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    assert!(!sheet.contains("<f>"), "no formula cells: {sheet}");
    // Amounts in euros and the year are numbers, not text.
    assert!(sheet.contains("<v>100000</v>"), "{sheet}");
    assert!(sheet.contains("<v>2023</v>"), "{sheet}");
    let mut shared = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/sharedStrings.xml").unwrap(),
        &mut shared,
    )
    .unwrap();
    assert!(
        shared.contains("Leuven") && shared.contains("=HYPERLINK("),
        "{shared}"
    );
}

/// The action costs column comes from totals that triggers keep (`action_cost_totals`), and the
/// rest of the page from the reference cache: both must follow every change at once.
#[tokio::test]
async fn the_overview_follows_changes_to_action_costs_and_payments_at_once() {
    let app = TestApp::new().await;
    let gent = app.with_partnership("Regio Gent").members(&["44021"]).await;
    let action = app.with_action(gent).starts_on(date(2023, 5, 1)).await;
    sqlx::query("update actions set cost_cents = 123456 where action_id = $1")
        .bind(action)
        .execute(&app.db)
        .await
        .unwrap();
    app.sign_in_as(Role::Ministry).await;
    let year_row = |body: &str, year: i16| -> String {
        let start = body
            .find(&format!(r#"<a href="/budget/{year}">{year}</a>"#))
            .unwrap_or_else(|| panic!("no row for {year}"));
        body[start..start + body[start..].find("</tr>").unwrap()].to_string()
    };
    let page = app.get("/budget").await;
    assert!(year_row(&page.body, 2023).contains("€ 1.234,56"));

    // Moved to another year, in one statement with a new cost.
    sqlx::query(
        "update actions set starts_on = '2024-02-01', cost_cents = 200000 where action_id = $1",
    )
    .bind(action)
    .execute(&app.db)
    .await
    .unwrap();
    let page = app.get("/budget").await;
    assert!(!year_row(&page.body, 2023).contains("€ 1.234,56"));
    assert!(year_row(&page.body, 2024).contains("€ 2.000,00"));

    // A payment (without an allocation: marked as an overpayment): the cached part of the
    // page follows too.
    sqlx::query(
        "insert into payments (partnership_id, year, kind, paid_on, amount_cents, overpayment_reason) values ($1, 2024, 'voorschot', '2024-02-01', 7777700, 'Test')",
    )
    .bind(gent)
    .execute(&app.db)
    .await
    .unwrap();
    let page = app.get("/budget").await;
    assert!(year_row(&page.body, 2024).contains("€ 77.777,00"));

    // Removed for good (not only marked deleted).
    sqlx::query("delete from action_changes where action_id = $1")
        .bind(action)
        .execute(&app.db)
        .await
        .ok();
    sqlx::query("delete from actions where action_id = $1")
        .bind(action)
        .execute(&app.db)
        .await
        .unwrap();
    let page = app.get("/budget").await;
    assert!(!year_row(&page.body, 2024).contains("€ 2.000,00"));
    let left: i64 =
        sqlx::query_scalar("select coalesce(sum(cost_cents), 0)::bigint from action_cost_totals")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(left, 0);
}
