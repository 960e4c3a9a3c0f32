//! The budget of a year (`/budget/{year}`): the proposal with its explanation, the ranking when
//! the envelope is short, fixing the allocations (motivation, versions, the envelope enforced by
//! PostgreSQL, also under concurrent saves); the rule versions (`/budget/regels`) and the
//! unemployment rates (`/budget/werkloosheid`).
//!
//! The werkingsgebieden are real municipalities of the 2019-2024 list with their 2020
//! populations, the population year of the seeded rule "Oproep 2020-2025":
//! - Regio Antwerpen: Antwerpen (centrumstad) alone, 529.247 -> € 200.000,00;
//! - Regio Gent: Gent (centrumstad) alone, 263.927 -> € 100.000,00;
//! - Noorderkempen: eight municipalities without centrumstad, 165.030 -> € 75.000, capped at
//!   € 50.000,00;
//! - Voorkempen: four municipalities, 64.355 -> € 25.000,00;
//! - Zuidrand: three municipalities, 56.695, under the minimum of 60.000: not eligible.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{PASSWORD, TestApp};

const NOORDERKEMPEN: [&str; 8] = [
    "11009", "11053", "11022", "11016", "11044", "11057", "11055", "11039",
];
const VOORKEMPEN: [&str; 4] = ["11035", "11054", "11052", "11056"];
const ZUIDRAND: [&str; 3] = ["11013", "11029", "11021"];

struct Areas {
    antwerpen: i64,
    gent: i64,
    noorderkempen: i64,
    voorkempen: i64,
    zuidrand: i64,
}

async fn areas(app: &TestApp) -> Areas {
    Areas {
        antwerpen: app
            .with_partnership("Regio Antwerpen")
            .members(&["11002"])
            .await,
        gent: app.with_partnership("Regio Gent").members(&["44021"]).await,
        noorderkempen: app
            .with_partnership("Noorderkempen")
            .members(&NOORDERKEMPEN)
            .await,
        voorkempen: app
            .with_partnership("Voorkempen")
            .members(&VOORKEMPEN)
            .await,
        zuidrand: app.with_partnership("Zuidrand").members(&ZUIDRAND).await,
    }
}

/// The form fields of one row.
fn row(id: i64, amount: &str, motivation: &str, version: i32) -> Vec<(String, String)> {
    vec![
        (format!("bedrag_{id}"), amount.to_string()),
        (format!("motivatie_{id}"), motivation.to_string()),
        (format!("huidig_{id}"), version.to_string()),
    ]
}

async fn fix(
    app: &TestApp,
    year: i16,
    rows: &[Vec<(String, String)>],
) -> crate::helpers::TestResponse {
    let fields: Vec<(String, String)> = rows.iter().flatten().cloned().collect();
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form(&format!("/budget/{year}/toekenningen"), &refs)
        .await
}

/// (version, amount, computed, motivation) of the allocation in force.
async fn in_force(
    app: &TestApp,
    partnership: i64,
    year: i16,
) -> Option<(i32, i64, Option<i64>, String)> {
    sqlx::query_as(
        "select version, amount_cents, computed_cents, motivation from allocations where partnership_id = $1 and year = $2 and superseded_at is null",
    )
    .bind(partnership)
    .bind(year)
    .fetch_optional(&app.db)
    .await
    .unwrap()
}

async fn allocation_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from allocations")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn sum_in_force(app: &TestApp, year: i16) -> i64 {
    sqlx::query_scalar(
        "select coalesce(sum(amount_cents), 0)::bigint from allocations where year = $1 and superseded_at is null",
    )
    .bind(year)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// The whole body without the layout's changing CSRF token, for "the input is kept" checks.
fn has_value(body: &str, id: i64, field: &str, value: &str) -> bool {
    body.contains(&format!(
        r#"id="{field}_{id}" name="{field}_{id}" type="text" inputmode="decimal" value="{value}""#
    )) || body.contains(&format!(
        r#"id="{field}_{id}" name="{field}_{id}" type="text" value="{value}""#
    ))
}

#[tokio::test]
async fn the_year_page_explains_every_amount_with_the_rule_and_its_settings() {
    let app = TestApp::new().await;
    let a = areas(&app).await;
    app.sign_in_as(Role::Ministry).await;

    let page = app.get("/budget/2023").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // No envelope yet: said so, with the way to set it.
    page.assert_contains(
        r#"nog geen budget: <a href="/budget/enveloppen/2023">eerst een budget vastleggen</a>"#,
    );
    // The rule version and its settings next to the amounts.
    page.assert_contains("Oproep 2020-2025</a> (2020-2025): bevolking 2020; een grenswaarde telt bij de lagere schijf; werkloosheidsgraad 2020");
    // The explanation in words, per werkingsgebied.
    page.assert_contains(
        "165.030 inwoners (2020) → schijf 150.000-220.000 → € 75.000,00; zonder centrumstad: plafond € 50.000,00",
    );
    page.assert_contains(
        "529.247 inwoners (2020) → schijf meer dan 500.000 → € 200.000,00; centrumstad alleen",
    );
    page.assert_contains("64.355 inwoners (2020) → schijf tot en met 80.000 → € 25.000,00");
    page.assert_contains(
        "56.695 inwoners (2020) → minder dan 60.000 inwoners voor een samenwerkingsverband → komt niet in aanmerking",
    );
    page.assert_contains("komt niet in aanmerking</strong>");
    // Missing unemployment rates are named once, and only when a ranking needs them: here the
    // envelope is not short, so no row lists its municipalities.
    assert!(!page.body.contains("ontbreekt: Edegem"), "{}", page.body);
    // 200.000 + 100.000 + 50.000 + 25.000.
    page.assert_contains(r#"<dd id="regeltotaal">€ 375.000,00</dd>"#);
    // Staff who are not admins get no form.
    assert!(!page.body.contains("/budget/2023/toekenningen"));
    assert!(
        page.body
            .contains(&format!("/werkingsgebieden/{}/budget", a.zuidrand))
    );

    // A year outside every policy period does not exist.
    assert_eq!(app.get("/budget/2019").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/budget/2026").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_short_envelope_ranks_centre_cities_first_then_the_highest_unemployment() {
    let app = TestApp::new().await;
    let a = areas(&app).await;
    // 330.000 for a rule total of 375.000: the two centre cities take 300.000, then Voorkempen
    // (9,00%) before Noorderkempen (5,00%) although it asks less.
    app.with_envelope(2023, 330_000).await;
    for nis in VOORKEMPEN {
        app.with_unemployment_rate(nis, 2020, 900).await;
    }
    for nis in NOORDERKEMPEN {
        app.with_unemployment_rate(nis, 2020, 500).await;
    }
    app.sign_in_as(Role::Admin).await;

    let page = app.get("/budget/2023").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Het budget volstaat niet");
    let row = |id: i64| {
        let start = page
            .body
            .find(&format!(r#"<tr id="werkingsgebied-{id}""#))
            .unwrap_or_else(|| panic!("row {id}"));
        let end = start + page.body[start..].find("</tr>").unwrap();
        page.body[start..end].to_string()
    };
    let rank = |id: i64| {
        let r = row(id);
        let cell = r.split(r#"<td class="num">"#).nth(1).unwrap();
        cell[..cell.find("</td>").unwrap()].to_string()
    };
    assert_eq!(rank(a.antwerpen), "1");
    assert_eq!(rank(a.gent), "2");
    assert_eq!(rank(a.voorkempen), "3");
    assert_eq!(rank(a.noorderkempen), "4");
    assert!(row(a.voorkempen).contains("binnen het budget"));
    assert!(row(a.voorkempen).contains("9,00%"));
    assert!(row(a.noorderkempen).contains(
        "valt buiten het budget: rang 4: na de vorige blijft € 5.000,00 over, te weinig voor € 50.000,00"
    ));
    assert!(row(a.noorderkempen).contains(r#"class="outside""#));
    assert!(row(a.zuidrand).contains("komt niet in aanmerking"));
    page.assert_contains(r#"<dd id="binnen-budget">€ 325.000,00</dd>"#);
    page.assert_contains("€ -45.000,00 (tekort");
    // The form is prefilled with what each gets: nothing for who falls outside.
    assert!(has_value(&page.body, a.voorkempen, "bedrag", "25000,00"));
    assert!(has_value(&page.body, a.noorderkempen, "bedrag", ""));
    assert!(has_value(&page.body, a.zuidrand, "bedrag", ""));
}

#[tokio::test]
async fn missing_rates_are_listed_once_and_only_when_the_ranking_needs_them() {
    let app = TestApp::new().await;
    let a = areas(&app).await;
    app.with_envelope(2023, 330_000).await;
    for nis in VOORKEMPEN {
        app.with_unemployment_rate(nis, 2020, 900).await;
    }
    app.sign_in_as(Role::Ministry).await;
    let page = app.get("/budget/2023").await;
    page.assert_contains(
        "De werkloosheidsgraad 2020 ontbreekt voor: <span id=\"ontbrekende-graden\">Brecht, \
         Essen, Kalmthout, Malle, Schilde, Stabroek, Wuustwezel, Zoersel</span>.",
    );
    // Once for the year: not again in the rows, which say only that the rate is missing.
    assert_eq!(page.body.matches("Wuustwezel").count(), 1, "{}", page.body);
    let start = page
        .body
        .find(&format!(r#"<tr id="werkingsgebied-{}""#, a.noorderkempen))
        .unwrap();
    assert!(
        page.body[start..].starts_with(&format!(r#"<tr id="werkingsgebied-{}""#, a.noorderkempen))
    );
    assert!(
        page.body[start..start + page.body[start..].find("</tr>").unwrap()]
            .contains("<td>ontbreekt</td>")
    );

    // With enough budget nobody is ranked, so no rate is missing.
    sqlx::query("update budget_envelopes set amount_cents = 100000000 where year = 2023")
        .execute(&app.db)
        .await
        .unwrap();
    let page = app.get("/budget/2023").await;
    assert!(!page.body.contains("ontbreekt voor"));
    assert!(!page.body.contains("<td>ontbreekt</td>"));
}

/// The issue's "done when": an admin fixes the 2023 allocations from the proposal, overriding
/// one with a motivation, and cannot exceed 3.000.000 euro; a revision is a new version.
#[tokio::test]
async fn an_admin_fixes_the_2023_allocations_from_the_proposal_and_cannot_exceed_the_envelope() {
    let app = TestApp::new().await;
    let a = areas(&app).await;
    app.with_envelope(2023, 3_000_000).await;
    app.sign_in_as(Role::Admin).await;

    let page = app.get("/budget/2023").await;
    assert!(page.body.contains(r#"action="/budget/2023/toekenningen""#));
    assert!(has_value(&page.body, a.antwerpen, "bedrag", "200000,00"));
    assert!(has_value(&page.body, a.noorderkempen, "bedrag", "50000,00"));

    // Overriding without a motivation: refused, nothing saved, the input kept.
    let proposal = |noorderkempen: &str, motivation: &str| {
        vec![
            row(a.antwerpen, "200000,00", "", 0),
            row(a.gent, "100000,00", "", 0),
            row(a.noorderkempen, noorderkempen, motivation, 0),
            row(a.voorkempen, "25000,00", "", 0),
            row(a.zuidrand, "", "", 0),
        ]
    };
    let r = fix(&app, 2023, &proposal("40.000", "")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.assert_contains(
        "Noorderkempen: € 40.000,00 wijkt af van wat de regel geeft (€ 50.000,00); geef een motivering.",
    );
    r.assert_contains(r#"class="error-summary""#);
    assert!(has_value(&r.body, a.noorderkempen, "bedrag", "40.000"));
    assert!(has_value(&r.body, a.gent, "bedrag", "100000,00"));
    assert_eq!(allocation_rows(&app).await, 0);

    // With the motivation: fixed, the rule's amounts kept beside them.
    let motivation = "Twee gemeenten stapten halverwege uit";
    let r = fix(&app, 2023, &proposal("40.000", motivation)).await;
    r.assert_redirects_to("/budget/2023");
    assert_eq!(
        in_force(&app, a.noorderkempen, 2023).await,
        Some((1, 4_000_000, Some(5_000_000), motivation.to_string()))
    );
    assert_eq!(
        in_force(&app, a.antwerpen, 2023).await,
        Some((1, 20_000_000, Some(20_000_000), String::new()))
    );
    // An empty amount fixes nothing.
    assert_eq!(in_force(&app, a.zuidrand, 2023).await, None);
    assert_eq!(sum_in_force(&app, 2023).await, 36_500_000);
    let details: serde_json::Value = sqlx::query_scalar(
        "select details from audit_events where action = 'budget.allocations_fixed'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(details["year"], 2023);
    assert_eq!(details["changed"].as_array().unwrap().len(), 4);
    assert_eq!(details["overridden"], serde_json::json!(["Noorderkempen"]));
    let page = app.get("/budget/2023").await;
    page.assert_contains("Toekenningen voor 2023 bewaard (4 werkingsgebieden).");
    page.assert_contains(&format!("Motivering: {motivation}"));
    page.assert_contains(r#"<dd id="toegekend">€ 365.000,00 voor 4 werkingsgebieden</dd>"#);

    // Saving the same again changes nothing.
    let r = fix(
        &app,
        2023,
        &[
            row(a.antwerpen, "200.000", "", 1),
            row(a.noorderkempen, "40.000", motivation, 1),
        ],
    )
    .await;
    r.assert_redirects_to("/budget/2023");
    app.get("/budget/2023")
        .await
        .assert_contains("Er was niets gewijzigd aan de toekenningen voor 2023");
    assert_eq!(allocation_rows(&app).await, 4);

    // Over the envelope: 2.900.000 + 100.000 + 40.000 + 25.000 = 3.065.000.
    let r = fix(
        &app,
        2023,
        &[row(
            a.antwerpen,
            "2.900.000",
            "Extra middelen voor de stad",
            1,
        )],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.assert_contains(
        "De toekenningen voor 2023 komen samen op € 3.065.000,00, meer dan het budget van € 3.000.000,00. Er is niets opgeslagen.",
    );
    r.assert_contains(&format!(r##"<a href="#bedrag_{}">"##, a.antwerpen));
    assert!(has_value(&r.body, a.antwerpen, "bedrag", "2.900.000"));
    assert!(has_value(
        &r.body,
        a.antwerpen,
        "motivatie",
        "Extra middelen voor de stad"
    ));
    assert_eq!(
        in_force(&app, a.antwerpen, 2023).await.map(|a| (a.0, a.1)),
        Some((1, 20_000_000))
    );
    assert_eq!(allocation_rows(&app).await, 4);

    // A revision halfway: version 2 in force, version 1 readable under "Eerdere versies".
    let r = fix(
        &app,
        2023,
        &[row(a.gent, "110.000", "Herziening halverwege de cyclus", 1)],
    )
    .await;
    r.assert_redirects_to("/budget/2023");
    assert_eq!(
        in_force(&app, a.gent, 2023).await,
        Some((
            2,
            11_000_000,
            Some(10_000_000),
            "Herziening halverwege de cyclus".into()
        ))
    );
    let page = app.get("/budget/2023").await;
    let earlier = &page.body[page.body.find(r#"id="eerdere-versies""#).unwrap()..];
    assert!(earlier.contains("Regio Gent"), "{earlier}");
    assert!(earlier.contains(r#"<td class="num">1</td>"#));
    assert!(earlier.contains("€ 100.000,00"));
    assert!(earlier.contains("Test Beheerder"));
    assert!(!earlier.contains("Noorderkempen"));
    page.assert_contains("versie 2 · Test Beheerder");
}

/// Two admins save at the same moment, each a werkingsgebied that fits the envelope alone but
/// not together: PostgreSQL lets exactly one through.
#[tokio::test]
async fn two_admins_saving_at_the_same_moment_cannot_both_pass_the_envelope() {
    let app = TestApp::new().await;
    let a = areas(&app).await;
    // Antwerpen 200.000 and Gent 100.000: each fits 250.000 alone, together they do not. (The
    // rule itself leaves Gent outside this envelope, hence the motivations.)
    app.with_envelope(2023, 250_000).await;
    app.sign_in_as(Role::Admin).await;
    let other = app.other_browser();
    other
        .with_user(Role::Admin)
        .email("tom@vlaanderen.be")
        .name("Tom Tweede")
        .await;
    other
        .sign_in("tom@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    app.get("/budget/2023").await;
    other.get("/budget/2023").await;

    let first = [row(a.antwerpen, "200.000", "Beslist door de minister", 0)];
    let second = [row(a.gent, "100.000", "Beslist door de minister", 0)];
    // Both requests run interleaved: most runs the refused one read the page's data before
    // the other committed (its message then adds "Intussen legde ..."), so only PostgreSQL's
    // trigger stands between it and a total above the envelope.
    let (r1, r2) = tokio::join!(fix(&app, 2023, &first), fix(&other, 2023, &second));

    let statuses = [r1.status, r2.status];
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        1,
        "exactly one save passes: {statuses:?}"
    );
    let refused = if r1.status == StatusCode::SEE_OTHER {
        &r2
    } else {
        &r1
    };
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains(
        "De toekenningen voor 2023 komen samen op € 300.000,00, meer dan het budget van € 250.000,00. Er is niets opgeslagen.",
    );
    assert!(sum_in_force(&app, 2023).await <= 25_000_000);
    assert_eq!(allocation_rows(&app).await, 1);

    // Each alone would have passed: the one refused goes through once the other is lowered.
    let (loser, winner_id, loser_row) = if r1.status == StatusCode::SEE_OTHER {
        (&other, a.antwerpen, second.clone())
    } else {
        (&app, a.gent, first.clone())
    };
    let lowered = [row(winner_id, "0", "Ruimte maken", 1)];
    fix(loser, 2023, &lowered)
        .await
        .assert_redirects_to("/budget/2023");
    fix(loser, 2023, &loser_row)
        .await
        .assert_redirects_to("/budget/2023");
}

/// The same at the level of the database, without the application: two transactions insert
/// at once; the trigger's lock on the envelope makes the second wait for the first and then
/// see its row.
#[tokio::test]
async fn two_transactions_inserting_at_once_cannot_both_exceed_the_envelope() {
    let app = TestApp::new().await;
    let a = areas(&app).await;
    app.with_envelope(2023, 250_000).await;
    let insert = "insert into allocations (partnership_id, year, version, amount_cents, computed_cents) values ($1, 2023, 1, $2, $2)";

    // Each alone fits: inserted and rolled back.
    for (id, cents) in [(a.antwerpen, 20_000_000_i64), (a.gent, 10_000_000)] {
        let mut tx = app.db.begin().await.unwrap();
        sqlx::query(insert)
            .bind(id)
            .bind(cents)
            .execute(&mut *tx)
            .await
            .expect("fits alone");
        tx.rollback().await.unwrap();
    }

    let mut first = app.db.begin().await.unwrap();
    let mut second = app.db.begin().await.unwrap();
    sqlx::query(insert)
        .bind(a.antwerpen)
        .bind(20_000_000_i64)
        .execute(&mut *first)
        .await
        .unwrap();
    // The second insert waits for the first transaction's lock on the envelope row; the first
    // commits while it waits.
    let (second_insert, committed) = tokio::join!(
        async {
            sqlx::query(insert)
                .bind(a.gent)
                .bind(10_000_000_i64)
                .execute(&mut *second)
                .await
        },
        async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            first.commit().await
        }
    );
    committed.unwrap();
    let error = second_insert.expect_err("the second insert must be refused");
    let constraint = error
        .as_database_error()
        .and_then(|e| e.constraint())
        .map(str::to_string);
    assert_eq!(constraint.as_deref(), Some("allocations_within_envelope"));
    // Committing the refused transaction stores nothing of it.
    let _ = second.commit().await;
    assert_eq!(sum_in_force(&app, 2023).await, 20_000_000);
}

#[tokio::test]
async fn a_save_from_a_stale_page_is_refused_and_names_who_changed_it() {
    let app = TestApp::new().await;
    let a = areas(&app).await;
    app.with_envelope(2023, 3_000_000).await;
    app.sign_in_as(Role::Admin).await;
    let other = app.other_browser();
    other
        .with_user(Role::Admin)
        .email("tom@vlaanderen.be")
        .name("Tom Tweede")
        .await;
    other
        .sign_in("tom@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    // Both open the page with nothing in force; Tom saves first.
    app.get("/budget/2023").await;
    fix(&other, 2023, &[row(a.gent, "90.000", "Kleinere ploeg", 0)])
        .await
        .assert_redirects_to("/budget/2023");

    let r = fix(
        &app,
        2023,
        &[row(a.gent, "95.000", "Andere inschatting", 0)],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    r.assert_contains("Tom Tweede legde op");
    r.assert_contains("de toekenning van Regio Gent vast op € 90.000,00 (versie 1).");
    r.assert_contains("Er is niets opgeslagen.");
    // The input is kept, now against the version in force: saving again overwrites on purpose.
    assert!(has_value(&r.body, a.gent, "bedrag", "95.000"));
    assert!(
        r.body
            .contains(&format!(r#"name="huidig_{}" value="1""#, a.gent))
    );
    assert_eq!(
        in_force(&app, a.gent, 2023).await.map(|a| (a.0, a.1)),
        Some((1, 9_000_000))
    );
    assert_eq!(allocation_rows(&app).await, 1);
}

#[tokio::test]
async fn ministry_staff_see_the_year_but_cannot_fix_allocations() {
    let app = TestApp::new().await;
    let a = areas(&app).await;
    app.with_envelope(2023, 3_000_000).await;
    app.with_allocation(a.gent, 2023, 100_000).await;
    app.sign_in_as(Role::Ministry).await;
    let page = app.get("/budget/2023").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("€ 3.000.000,00");
    page.assert_contains(r#"<dd id="toegekend">€ 100.000,00 voor 1 werkingsgebied</dd>"#);
    assert!(!page.body.contains("<form id=\"toekenningen\""));
    let r = fix(&app, 2023, &[row(a.gent, "50.000", "Nee", 1)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        in_force(&app, a.gent, 2023).await.map(|a| a.1),
        Some(10_000_000)
    );
    app.assert_audited("access.denied").await;
}

#[tokio::test]
async fn an_admin_adds_a_rule_version_that_the_year_pages_then_use() {
    let app = TestApp::new().await;
    let a = areas(&app).await;
    app.sign_in_as(Role::Admin).await;

    let form = app.get("/budget/regels/nieuw").await;
    assert_eq!(form.status, StatusCode::OK);
    // Prefilled from the latest version.
    form.assert_contains("0;25.000\n80.000;50.000\n150.000;75.000");
    form.assert_contains(r#"value="hogere_schijf">"#);

    let bands = "0;30.000\n80.000;60.000\n150.000;90.000\n220.000;120.000\n290.000;150.000\n360.000;180.000\n430.000;210.000\n500.000;240.000";
    let fields = |first: &'static str, bands: &'static str| {
        vec![
            ("naam", "Herziening 2023"),
            ("eerste_jaar", first),
            ("laatste_jaar", "2025"),
            ("bevolkingsjaar", "2020"),
            ("werkloosheidsjaar", "2022"),
            ("grenswaarde", "hogere_schijf"),
            ("minimum", "60.000"),
            ("plafond_zonder", "60.000"),
            ("plafond_extra", "50.000"),
            ("bron", "Besluit van de Vlaamse Regering (voorbeeld)"),
            ("toelichting", "Herziening halverwege"),
            ("schijven", bands),
        ]
    };
    let rules = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from allocation_rules")
            .fetch_one(&app.db)
            .await
            .unwrap()
    };

    // A wrong line: refused with its number, nothing stored, the text kept.
    let r = app
        .post_form(
            "/budget/regels/nieuw",
            &fields("2023", "0;30.000\n80.000 60.000\n150.000;-5"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Regel 2: schrijf „ondergrens;bedrag”");
    r.assert_contains("Regel 3: het bedrag mag niet negatief zijn.");
    r.assert_contains("0;30.000\n80.000 60.000\n150.000;-5</textarea>");
    assert_eq!(rules().await, 1);

    let r = app
        .post_form("/budget/regels/nieuw", &fields("2023", bands))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/budget/regels#regel-"));
    app.assert_audited("budget.rule_added").await;
    assert_eq!(rules().await, 2);

    let page = app.get("/budget/regels").await;
    page.assert_contains("Nieuwe versie van de verdeelregel bewaard: Herziening 2023 (2023-2025).");
    page.assert_contains(r#"<a href="/budget/2022">2022</a></th><td>Oproep 2020-2025</td>"#);
    page.assert_contains(r#"<a href="/budget/2023">2023</a></th><td>Herziening 2023</td>"#);
    page.assert_contains("<dt>Geldt voor</dt><dd>2020, 2021, 2022</dd>");
    page.assert_contains("<td>220.000-290.000</td><td class=\"num\">€ 120.000,00</td>");
    page.assert_contains("<td>500.000 of meer</td>");

    // 2023 now uses the new version (its bands, its boundary, its unemployment year); 2022 the
    // old one.
    let y2023 = app.get("/budget/2023").await;
    y2023.assert_contains("Herziening 2023</a> (2023-2025): bevolking 2020; een grenswaarde telt bij de hogere schijf; werkloosheidsgraad 2022");
    y2023.assert_contains(
        "263.927 inwoners (2020) → schijf 220.000-290.000 → € 120.000,00; centrumstad alleen",
    );
    y2023.assert_contains(
        "165.030 inwoners (2020) → schijf 150.000-220.000 → € 90.000,00; zonder centrumstad: plafond € 60.000,00",
    );
    let gent_2022 = app
        .with_partnership("Gent 2020")
        .members(&["44021"])
        .in_period(app.period_id("2020-2022").await)
        .await;
    let y2022 = app.get("/budget/2022").await;
    y2022.assert_contains("Oproep 2020-2025</a>");
    y2022.assert_contains(
        "263.927 inwoners (2020) → schijf 220.000-290.000 → € 100.000,00; centrumstad alleen",
    );
    assert!(y2022.body.contains(&format!("werkingsgebied-{gent_2022}")));
    assert!(!y2022.body.contains(&format!("werkingsgebied-{}", a.gent)));

    // A version that starts in the same year as an earlier one corrects it (versions are never
    // edited): 2020-2022 now use the correction, 2023 still the revision that starts later.
    let mut correction = fields("2020", bands);
    correction[0] = ("naam", "Correctie 2020-2025");
    let r = app.post_form("/budget/regels/nieuw", &correction).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(rules().await, 3);
    app.get("/budget/2022")
        .await
        .assert_contains("Correctie 2020-2025</a>");
    app.get("/budget/2023")
        .await
        .assert_contains("Herziening 2023</a>");
}

#[tokio::test]
async fn an_admin_enters_unemployment_rates_and_one_bad_line_stores_nothing() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let stored = || async {
        sqlx::query_as::<_, (String, i32, String)>(
            "select nis_code, rate_bp, source from unemployment_rates order by nis_code",
        )
        .fetch_all(&app.db)
        .await
        .unwrap()
    };

    let page = app.get("/budget/werkloosheid?jaar=2020").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<strong>0</strong> ingevoerd, <strong>300</strong> ontbreken");
    page.assert_contains("Gebruikt door: Oproep 2020-2025 (2020-2025).");

    let lines = "11002;7,35\n44021;6.1\n11009;abc\n99999;5\n44021;7";
    let r = app
        .post_form(
            "/budget/werkloosheid",
            &[
                ("jaar", "2020"),
                ("bron", "Steunpunt Werk"),
                ("regels", lines),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("3 regels kloppen niet");
    r.assert_contains("Regel 3 (Brecht): „abc” is geen percentage (bijvoorbeeld 7,35).");
    r.assert_contains("Regel 4: „99999” is geen NIS-code van een gemeente van de lijst 2019-2024.");
    r.assert_contains("Regel 5: Gent (44021) staat al op regel 2.");
    r.assert_contains(&format!("{lines}</textarea>"));
    assert!(stored().await.is_empty());

    let r = app
        .post_form(
            "/budget/werkloosheid",
            &[
                ("jaar", "2020"),
                ("bron", "Steunpunt Werk"),
                ("regels", "11002;7,35\n44021\t6.1\n"),
            ],
        )
        .await;
    r.assert_redirects_to("/budget/werkloosheid?jaar=2020");
    assert_eq!(
        stored().await,
        vec![
            ("11002".into(), 735, "Steunpunt Werk".into()),
            ("44021".into(), 610, "Steunpunt Werk".into()),
        ]
    );
    let details: serde_json::Value = sqlx::query_scalar(
        "select details from audit_events where action = 'budget.unemployment_rates_entered'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(details["count"], 2);
    assert_eq!(details["year"], 2020);
    assert_eq!(details["source"], "Steunpunt Werk");

    let page = app.get("/budget/werkloosheid?jaar=2020").await;
    page.assert_contains("2 werkloosheidsgraden voor 2020 bewaard (waarvan 0 vervangen).");
    page.assert_contains("<strong>2</strong> ingevoerd, <strong>298</strong> ontbreken");
    page.assert_contains(
        r#"<th scope="row">Antwerpen</th><td class="num">7,35%</td><td>Steunpunt Werk</td>"#,
    );
    page.assert_contains(r#"<th scope="row">Brecht</th><td class="num"><em>ontbreekt</em></td>"#);

    // Entering again replaces.
    app.post_form(
        "/budget/werkloosheid",
        &[
            ("jaar", "2020"),
            ("bron", "Correctie"),
            ("regels", "11002;7,4"),
        ],
    )
    .await
    .assert_redirects_to("/budget/werkloosheid?jaar=2020");
    assert_eq!(stored().await[0], ("11002".into(), 740, "Correctie".into()));

    // Ministry staff read, but cannot enter.
    let ministry = app.other_browser();
    ministry.sign_in_as(Role::Ministry).await;
    let page = ministry.get("/budget/werkloosheid?jaar=2020").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page
            .body
            .contains(r#"action="/budget/werkloosheid" novalidate"#)
    );
    let r = ministry
        .post_form(
            "/budget/werkloosheid",
            &[("jaar", "2020"), ("bron", "x"), ("regels", "11002;1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// The database holds the rules the forms check, also for a write that skips the forms: an
/// amount the rule did not compute needs a motivation, and no amount exceeds one billion euro.
#[tokio::test]
async fn the_database_requires_a_motivation_and_bounds_every_amount() {
    let app = TestApp::new().await;
    let a = areas(&app).await;
    app.with_envelope(2023, 3_000_000).await;
    let insert = |computed: Option<i64>, amount: i64, motivation: &'static str| {
        sqlx::query(
            "insert into allocations (partnership_id, year, version, amount_cents, computed_cents, motivation) values ($1, 2023, 1, $2, $3, $4)",
        )
        .bind(a.gent)
        .bind(amount)
        .bind(computed)
        .bind(motivation)
        .execute(&app.db)
    };
    let refused = |e: sqlx::Error| {
        e.as_database_error()
            .and_then(|d| d.constraint().map(str::to_string))
            .unwrap_or_default()
    };
    // Nothing computed (not eligible or a missing population) and no motivation.
    let e = insert(None, 5_000_000, " ").await.unwrap_err();
    assert_eq!(refused(e), "allocations_override_motivated");
    let e = insert(Some(5_000_000), 100_000_000_001, "typfout")
        .await
        .unwrap_err();
    assert_eq!(refused(e), "allocations_amount");
    let e =
        sqlx::query("update budget_envelopes set amount_cents = 100000000001 where year = 2023")
            .execute(&app.db)
            .await
            .unwrap_err();
    assert_eq!(refused(e), "budget_envelopes_amount");
    // With a motivation, an amount nothing was computed for is accepted.
    insert(None, 5_000_000, "Uitzondering beslist door de minister")
        .await
        .unwrap();
}
