//! The budget what-if (`/budget/simulatie`): the start state is the real computation, every
//! change of the scenario moves the amounts and totals, wrong values get a Dutch message, and
//! nothing is ever written. Also the demo's budget figures.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{TestApp, TestResponse};

/// An envelope change: previous, amount, stated change, decided on, reason, source.
type Change = (
    Option<i64>,
    i64,
    Option<i64>,
    Option<chrono::NaiveDate>,
    String,
    String,
);

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

/// Three werkingsgebieden of 2023-2025 (population 2020) and an envelope of 300.000 for 2023:
/// - Gent alone (263.927, centrumstad): schijf 220.000-290.000 -> 100.000;
/// - Regio Kortrijk (Kortrijk 77.109 centrumstad + Harelbeke 28.502 + Menen 33.540 = 139.151):
///   50.000 (Kortrijk alone would get 25.000, so the cap of 75.000 does not bite);
/// - Leie (Wevelgem 31.579 + Zwevegem 24.814 + Deinze 43.580 = 99.973): 50.000.
///
/// The rule asks 200.000, so 100.000 of the envelope stays unused.
async fn three_areas(app: &TestApp) -> (i64, i64, i64) {
    let gent = app.with_partnership("Gent").members(&["44021"]).await;
    let kortrijk = app
        .with_partnership("Regio Kortrijk")
        .members(&["34022", "34013", "34027"])
        .await;
    let leie = app
        .with_partnership("Leie")
        .members(&["34041", "34042", "44083"])
        .await;
    app.with_envelope(2023, 300_000).await;
    (gent, kortrijk, leie)
}

/// The text of the cell with `id`, e.g. `regel-simulatie`.
fn cell(page: &TestResponse, id: &str) -> String {
    let start = format!(r#"id="{id}">"#);
    let from = page
        .body
        .find(&start)
        .unwrap_or_else(|| panic!("no cell {id} in:\n{}", page.body))
        + start.len();
    let to = from + page.body[from..].find("</td>").unwrap();
    page.body[from..to].to_string()
}

async fn simulate(app: &TestApp, query: &str) -> TestResponse {
    let page = app.get(&format!("/budget/simulatie?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page
}

#[tokio::test]
async fn the_start_state_is_the_real_computation() {
    let app = TestApp::new().await;
    three_areas(&app).await;
    app.sign_in_as(Role::Ministry).await;
    let page = simulate(&app, "jaar=2023").await;
    page.assert_contains("Simulatie: er wordt niets opgeslagen");
    page.assert_contains(r#"<a href="/budget/simulatie">Terug naar de regel zoals ze geldt</a>"#);
    for (id, value) in [
        ("envelop", "€ 300.000,00"),
        ("regel", "€ 200.000,00"),
        ("gefinancierd", "€ 200.000,00"),
        ("ruimte", "€ 100.000,00"),
        ("aantal", "3"),
        ("buiten", "0"),
    ] {
        assert_eq!(cell(&page, &format!("{id}-regel")), value, "{id}");
        assert_eq!(cell(&page, &format!("{id}-simulatie")), value, "{id}");
    }
    assert_eq!(cell(&page, "regel-verschil"), "€ 0,00");
    assert!(!page.body.contains(r#"class="differs""#), "nothing changed");
    // Every werkingsgebied takes part and its explanation is shown, with the rule's settings.
    assert_eq!(page.body.matches(r#"name="wg""#).count(), 3);
    assert_eq!(page.body.matches(" checked>").count(), 3);
    page.assert_contains(
        "263.927 inwoners (2020) → schijf 220.000-290.000 → € 100.000,00; centrumstad alleen",
    );
    page.assert_contains("Bevolkingsjaar 2020");
    page.assert_contains(r#"value="300.000""#);
    // Without a year, the page opens on a year of a policy period.
    assert_eq!(app.get("/budget/simulatie").await.status, StatusCode::OK);
}

/// "Volgens de regel" is the rule's amount; the allocation in force stands beside it under its
/// own name, and the year's allocated total is said apart (an admin may fix another amount).
#[tokio::test]
async fn the_allocation_in_force_stands_beside_the_rules_amount_under_its_own_name() {
    let app = TestApp::new().await;
    let (gent, kortrijk, _) = three_areas(&app).await;
    app.with_allocation(gent, 2023, 100_000).await;
    sqlx::query(
        "insert into allocations (partnership_id, year, version, amount_cents, computed_cents, motivation) values ($1, 2023, 1, 6500000, 5000000, 'Herziening')",
    )
    .bind(kortrijk)
    .execute(&app.db)
    .await
    .unwrap();
    app.sign_in_as(Role::Ministry).await;
    let page = simulate(&app, "jaar=2023").await;
    page.assert_contains(r#"<th scope="col" class="num">Volgens de regel</th><th scope="col" class="num">Toegekend</th>"#);
    let row = {
        let start = page.body.find("Regio Kortrijk</th>").unwrap();
        &page.body[start..start + page.body[start..].find("</tr>").unwrap()]
    };
    assert!(row.contains("€ 50.000,00"), "the rule's amount: {row}");
    assert!(
        row.contains(r#"<td class="num">€ 65.000,00</td>"#),
        "allocated: {row}"
    );
    assert!(!page.body.contains("Werkelijk"));
    page.assert_contains("<strong>€ 165.000,00 voor 2 werkingsgebieden</strong>");
}

#[tokio::test]
async fn a_short_envelope_shows_the_ranking_and_who_falls_outside() {
    let app = TestApp::new().await;
    three_areas(&app).await;
    app.sign_in_as(Role::Admin).await;
    let page = simulate(&app, "jaar=2023&envelop=120.000").await;
    page.assert_contains("Het gesimuleerde budget volstaat niet");
    // Centrumsteden first (Gent, then Regio Kortrijk), then the others.
    page.assert_contains(
        "rang 2: na de vorige blijft € 20.000,00 over, te weinig voor € 50.000,00",
    );
    page.assert_contains("rang 3: het budget is op vanaf rang 2");
    page.assert_contains("buiten het budget (berekend € 50.000,00)");
    assert_eq!(cell(&page, "envelop-simulatie"), "€ 120.000,00");
    assert_eq!(cell(&page, "envelop-verschil"), "€ -180.000,00");
    assert_eq!(cell(&page, "regel-simulatie"), "€ 200.000,00");
    assert_eq!(cell(&page, "gefinancierd-simulatie"), "€ 100.000,00");
    assert_eq!(cell(&page, "gefinancierd-verschil"), "€ -100.000,00");
    assert_eq!(cell(&page, "ruimte-simulatie"), "€ -80.000,00");
    assert_eq!(cell(&page, "buiten-simulatie"), "2");
    assert_eq!(cell(&page, "buiten-verschil"), "+2");
    // The real side is unchanged.
    assert_eq!(cell(&page, "gefinancierd-regel"), "€ 200.000,00");
}

/// Among werkingsgebieden without centrumstad the highest average unemployment rate goes first;
/// one without a rate (an imagined one has none) comes after, even when its name sorts first.
#[tokio::test]
async fn the_unemployment_rate_ranks_those_without_a_centrumstad() {
    let app = TestApp::new().await;
    three_areas(&app).await;
    for nis in ["34041", "34042", "44083"] {
        app.with_unemployment_rate(nis, 2020, 450).await;
    }
    app.sign_in_as(Role::Ministry).await;
    // 100.000 + 50.000 + 50.000 fill 200.000; the imagined 70.000 (25.000) is left out.
    let page = simulate(
        &app,
        "jaar=2023&envelop=200000&nieuw_naam_1=Aaa+verband&nieuw_inwoners_1=70000",
    )
    .await;
    page.assert_contains("rang 4: na de vorige blijft € 0,00 over, te weinig voor € 25.000,00");
    page.assert_contains("Zonder werkloosheidsgraad, daarom achteraan gerangschikt: Aaa verband.");
    assert_eq!(cell(&page, "gefinancierd-simulatie"), "€ 200.000,00");
    assert_eq!(cell(&page, "buiten-simulatie"), "1");
}

#[tokio::test]
async fn changing_the_caps_changes_the_amounts_and_totals() {
    let app = TestApp::new().await;
    three_areas(&app).await;
    app.sign_in_as(Role::Ministry).await;
    let page = simulate(&app, "jaar=2023&plafond_zonder=40000&plafond_extra=10.000").await;
    // Leie: 50.000 capped at 40.000; Regio Kortrijk: 25.000 alone + 10.000 = 35.000.
    page.assert_contains("zonder centrumstad: plafond € 40.000,00");
    page.assert_contains(
        "centrumstad Kortrijk alleen (77.109 inwoners) kreeg € 25.000,00: plafond € 25.000,00 + € 10.000,00 = € 35.000,00",
    );
    page.assert_contains("€ 40.000,00");
    page.assert_contains("€ -10.000,00");
    page.assert_contains("€ -15.000,00");
    assert_eq!(cell(&page, "regel-simulatie"), "€ 175.000,00");
    assert_eq!(cell(&page, "regel-verschil"), "€ -25.000,00");
    assert_eq!(cell(&page, "ruimte-simulatie"), "€ 125.000,00");
    page.assert_contains(r#"class="differs""#);
    // The bands too: one band of 30.000 from 0 inhabitants, for each of the three.
    let flat = simulate(
        &app,
        "jaar=2023&ondergrens=0&schijfbedrag=30000&ondergrens=&schijfbedrag=",
    )
    .await;
    assert_eq!(cell(&flat, "regel-simulatie"), "€ 90.000,00");
    flat.assert_contains("139.151 inwoners (2020) → schijf 0 of meer → € 30.000,00");
}

#[tokio::test]
async fn dropping_a_werkingsgebied_and_imagining_one_change_the_total() {
    let app = TestApp::new().await;
    let (gent, kortrijk, _leie) = three_areas(&app).await;
    app.sign_in_as(Role::Ministry).await;
    let dropped = simulate(&app, &format!("jaar=2023&sim=1&wg={gent}&wg={kortrijk}")).await;
    assert_eq!(cell(&dropped, "regel-simulatie"), "€ 150.000,00");
    assert_eq!(cell(&dropped, "aantal-verschil"), "-1");
    dropped.assert_contains("weggelaten in de simulatie");
    assert_eq!(dropped.body.matches(" checked>").count(), 2);

    // A centrumstad of 300.000 alone: 125.000; a partnership of 70.000 without: 25.000.
    let imagined = simulate(
        &app,
        &format!(
            "jaar=2023&sim=1&wg={gent}&wg={kortrijk}&nieuw_naam_1=Nieuwstad&nieuw_inwoners_1=300.000\
             &nieuw_centrumstad_1=300000&nieuw_naam_2=Klein+verband&nieuw_inwoners_2=70000"
        ),
    )
    .await;
    imagined.assert_contains("Nieuwstad");
    imagined.assert_contains("verzonnen");
    imagined.assert_contains(
        "300.000 inwoners (2020) → schijf 290.000-360.000 → € 125.000,00; centrumstad alleen",
    );
    assert_eq!(cell(&imagined, "regel-simulatie"), "€ 300.000,00");
    assert_eq!(cell(&imagined, "regel-verschil"), "€ +100.000,00");
    assert_eq!(cell(&imagined, "aantal-simulatie"), "4");
    // The scenario stays in the form, so recomputing keeps it.
    imagined.assert_contains(r#"value="Nieuwstad""#);
}

#[tokio::test]
async fn a_wrong_value_gets_a_dutch_message_and_the_page_still_renders() {
    let app = TestApp::new().await;
    three_areas(&app).await;
    app.sign_in_as(Role::Ministry).await;
    let page = simulate(
        &app,
        "jaar=2023&envelop=veel&minimum=zestig&plafond_zonder=-5&ondergrens=abc&schijfbedrag=1000\
         &nieuw_naam_1=Leeg&nieuw_inwoners_1=x",
    )
    .await;
    page.assert_contains("Vul het budget in euro in");
    page.assert_contains("Vul een aantal inwoners in");
    page.assert_contains("Vul een bedrag in euro in");
    page.assert_contains("Vul de ondergrens in als aantal inwoners");
    page.assert_contains("de simulatie rekent met de schijven van de regel");
    page.assert_contains("Vul het aantal inwoners in");
    page.assert_contains(r#"value="veel""#);
    // The real values were used instead.
    assert_eq!(cell(&page, "envelop-simulatie"), "€ 300.000,00");
    assert_eq!(cell(&page, "regel-simulatie"), "€ 200.000,00");
    // A year without a policy period: the message, and a year that has one.
    let year = simulate(&app, "jaar=1850").await;
    year.assert_contains("Kies een jaar van een beleidsperiode");
}

#[tokio::test]
async fn the_simulation_writes_nothing() {
    let app = TestApp::new().await;
    let (gent, _, leie) = three_areas(&app).await;
    app.with_allocation(gent, 2023, 100_000).await;
    app.sign_in_as(Role::Admin).await;
    let tables = [
        "select count(*) from allocations",
        "select count(*) from budget_envelopes",
        "select count(*) from budget_envelope_changes",
        "select count(*) from allocation_rules",
        "select count(*) from allocation_rule_bands",
        "select count(*) from audit_events",
        "select sum(amount_cents)::bigint from budget_envelopes",
    ];
    let mut before = Vec::new();
    for sql in tables {
        before.push(count(&app, sql).await);
    }
    for query in [
        "jaar=2023".to_string(),
        "jaar=2023&envelop=1&plafond_zonder=1&ondergrens=0&schijfbedrag=5".to_string(),
        format!("jaar=2023&sim=1&wg={leie}&nieuw_inwoners_1=90000"),
        "jaar=2023&envelop=veel".to_string(),
    ] {
        simulate(&app, &query).await;
    }
    let mut after = Vec::new();
    for sql in tables {
        after.push(count(&app, sql).await);
    }
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_regisseur_and_vdab_may_not_simulate() {
    for role in [Role::Regisseur, Role::Vdab] {
        let app = TestApp::new().await;
        three_areas(&app).await;
        app.sign_in_as(role).await;
        let page = app.get("/budget/simulatie?jaar=2023").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{role:?}");
        assert!(!page.body.contains("€ 200.000,00"));
    }
    let anonymous = TestApp::new().await;
    let page = anonymous.get("/budget/simulatie").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_demo_has_the_real_envelopes_and_allocations_by_the_rule_once() {
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    assert_eq!(
        count(
            &app,
            "select amount_cents from budget_envelopes where year = 2023"
        )
        .await,
        300_000_000
    );
    assert_eq!(
        count(
            &app,
            "select amount_cents from budget_envelopes where year = 2022"
        )
        .await,
        222_500_000
    );
    assert_eq!(
        count(&app, "select count(*) from budget_envelopes").await,
        6
    );
    let history: Vec<Change> = sqlx::query_as(
        "select previous_cents, amount_cents, stated_change_cents, decided_on, reason, source
             from budget_envelope_changes where year = 2023 order by change_id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].1, 222_500_000);
    assert!(history[0].5.contains("8 april 2020"));
    assert_eq!(history[1].0, Some(222_500_000));
    assert_eq!(history[1].1, 300_000_000);
    assert_eq!(history[1].2, Some(75_000_000), "stated +750.000");
    assert_eq!(history[1].3, None, "no date is known");
    assert_eq!(history[1].4, "Tussentijdse herziening 2023");
    assert!(history[1].5.contains(
        "Het totale budget werd voor deze uitbreiding met 750.000 euro verhoogd naar 3 miljoen euro."
    ));

    // Allocations for every year, demo, by the stored rule, within the envelope.
    for year in 2020..=2025_i16 {
        let (n, total, demo): (i64, i64, bool) = sqlx::query_as(
            "select count(*), coalesce(sum(amount_cents), 0)::bigint, bool_and(is_demo and amount_cents = computed_cents and rule_id is not null and version = 1)
             from allocations where year = $1 and superseded_at is null",
        )
        .bind(year)
        .fetch_one(&app.db)
        .await
        .unwrap();
        let envelope = if year < 2023 {
            222_500_000
        } else {
            300_000_000
        };
        assert!(n > 0, "{year}");
        assert!(total <= envelope, "{year}: {total}");
        assert!(demo, "{year}");
    }
    assert!(
        count(
            &app,
            "select count(*) from payments where is_demo and kind = 'voorschot'"
        )
        .await
            > 0
    );
    assert!(
        count(
            &app,
            "select count(*) from spending_reports where is_demo and year = 2023"
        )
        .await
            > 0
    );
    assert_eq!(
        count(&app, "select count(*) from payments where not is_demo").await,
        0
    );

    // The simulator's start state for 2023 is what was allocated.
    app.sign_in_as(Role::Ministry).await;
    let page = simulate(&app, "jaar=2023").await;
    let allocated = count(
        &app,
        "select sum(amount_cents)::bigint from allocations where year = 2023",
    )
    .await;
    assert_eq!(
        cell(&page, "gefinancierd-regel"),
        regie::web::format::euro_cents(allocated)
    );

    // Loading again adds nothing.
    let tables = [
        "select count(*) from budget_envelopes",
        "select count(*) from budget_envelope_changes",
        "select count(*) from allocations",
        "select count(*) from payments",
        "select count(*) from spending_reports",
    ];
    let mut before = Vec::new();
    for sql in tables {
        before.push(count(&app, sql).await);
    }
    assert!(!regie::demo::load(&app.db).await.unwrap());
    let mut after = Vec::new();
    for sql in tables {
        after.push(count(&app, sql).await);
    }
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_demo_loaded_before_budgets_existed_gets_them_once() {
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    let allocations = count(&app, "select count(*) from allocations").await;
    // As it was before budgets existed (the owner may delete; requests may not).
    for sql in [
        "delete from spending_reports",
        "delete from payments",
        "delete from allocations",
        "delete from budget_envelope_changes",
        "delete from budget_envelopes",
        "delete from seed_runs where name = 'demo-budget'",
    ] {
        sqlx::query(sql).execute(&app.db).await.unwrap();
    }
    assert!(regie::demo::load(&app.db).await.unwrap());
    assert_eq!(
        count(&app, "select count(*) from allocations").await,
        allocations
    );
    assert_eq!(
        count(&app, "select count(*) from budget_envelope_changes").await,
        9
    );
    assert!(!regie::demo::load(&app.db).await.unwrap());
    assert_eq!(
        count(&app, "select count(*) from allocations").await,
        allocations
    );
}
