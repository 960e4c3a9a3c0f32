//! The smaller things users trip over (issue #12, item 10, and the password rules of item 3):
//! dates in XLSX, one money format, search snippets and the pager, the conflict page, the
//! audit page, the coverage API by period name, meta descriptions and password hints.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::actions::create;
use crate::helpers::TestApp;

fn xlsx_part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(name).unwrap(), &mut text).unwrap();
    text
}

#[tokio::test]
async fn an_xlsx_export_writes_dates_as_excel_dates_shown_day_month_year() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    // Starts 1 March 2024, ends 30 June 2024.
    create(&app, p, "Jobbeurs", "7f0e0a43-2f1c-4b59-9a5e-00000000a001").await;

    let xlsx = app.get("/acties/export.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let sheet = xlsx_part(&xlsx.bytes, "xl/worksheets/sheet1.xml");
    let shared = xlsx_part(&xlsx.bytes, "xl/sharedStrings.xml");
    let styles = xlsx_part(&xlsx.bytes, "xl/styles.xml");
    // Excel's day numbers of 1 March and 30 June 2024, in the begin and end date columns
    // (I and J), with a style; not the text "01/03/2024".
    assert!(sheet.contains(r#"<c r="I2" s="#), "{sheet}");
    assert!(sheet.contains("<v>45352</v>"), "{sheet}");
    assert!(sheet.contains(r#"<c r="J2" s="#), "{sheet}");
    assert!(sheet.contains("<v>45473</v>"), "{sheet}");
    assert!(!shared.contains("01/03/2024"), "{shared}");
    assert!(styles.contains(r#"formatCode="dd/mm/yyyy""#), "{styles}");
    // Text stays text, never a formula.
    assert!(shared.contains("Jobbeurs"));
    assert!(!sheet.contains("<f>"));
}

#[tokio::test]
async fn an_actions_cost_is_written_with_its_cents_like_every_amount() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    // The form says "1.250,00"; a whole amount used to show as "€ 1.250".
    let id = create(&app, p, "Jobbeurs", "7f0e0a43-2f1c-4b59-9a5e-00000000a002").await;
    app.get(&format!("/acties/{id}"))
        .await
        .assert_contains("€ 1.250,00");
}

/// An action of Regio Leie with this title and description, starting on `starts_on`.
async fn action_with_text(app: &TestApp, p: i64, title: &str, description: &str, starts_on: &str) {
    let id = app.with_action(p).title(title).await;
    sqlx::query("update actions set description = $1, starts_on = $2::date where action_id = $3")
        .bind(description)
        .bind(starts_on)
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_search_snippet_marks_where_the_description_was_cut() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let long = format!(
        "{} Daarna volgt een jobbeurs voor nieuwkomers in Kortrijk. {}",
        "Eerst komen de partners samen om het programma van het najaar af te spreken en de taken te verdelen tussen de gemeenten, de VDAB en de lokale werkwinkels van de regio.",
        "Tot slot evalueren we met alle deelnemers wat goed liep en wat beter kan, en schrijven we een kort verslag voor de volgende beleidsperiode van het werkingsgebied."
    );
    action_with_text(&app, p, "Najaarsprogramma", &long, "2024-03-01").await;
    app.sign_in_as(Role::Ministry).await;

    let r = app.get("/acties?q=jobbeurs").await;
    // The snippet starts and ends inside the description: "…" on both sides.
    r.assert_contains(r#"<p class="snippet">… "#);
    r.assert_contains("<mark>jobbeurs</mark>");
    assert!(r.body.contains(" …</p>"), "{}", r.body);
}

/// 110 actions of one werkingsgebied, "{title} 1" to "{title} 110", one a day from 2/1/2024:
/// more than the count tells and more than four pages.
async fn a_hundred_and_ten_actions(app: &TestApp, title: &str) {
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    sqlx::query(
        "insert into actions (partnership_id, title, priorities, kind, starts_on, status)
         select $1, $2 || ' ' || i, '{1}', 'overleg', date '2024-01-01' + i, 'gepland'
         from generate_series(1, 110) i",
    )
    .bind(p)
    .bind(title)
    .execute(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_pager_agrees_with_a_count_that_stops_at_one_hundred() {
    let app = TestApp::new().await;
    a_hundred_and_ten_actions(&app, "Overleg").await;
    app.sign_in_as(Role::Ministry).await;

    let first = app.get("/acties").await;
    first.assert_contains(r#"<strong id="aantal-acties">meer dan 100</strong> acties"#);
    // Not "van 4": more than 100 actions fill more than four pages of 25.
    first.assert_contains("Pagina 1 van meer dan 4");

    // A page number without its place in the list is the first page, and says so.
    let bare = app.get("/acties?pagina=3").await;
    bare.assert_contains("Pagina 1 van meer dan 4");
    bare.assert_contains("Overleg 110");

    // A numbered page past the last one shows the last, not "Pagina 9 van 1".
    let few = app.get("/acties?q=overleg&jaar=2023&pagina=9").await;
    few.assert_contains("Pagina 1 van 1");
}

#[tokio::test]
async fn a_search_goes_as_deep_as_its_count_and_a_deeper_page_asks_to_refine_it() {
    let app = TestApp::new().await;
    a_hundred_and_ten_actions(&app, "Netwerkdag").await;
    app.sign_in_as(Role::Ministry).await;
    let refine =
        "Verfijn uw zoekopdracht: alleen de eerste 4 pagina's van zoekresultaten worden getoond.";

    // Ranked results come by offset: page 8,000 would scan 200,000 of them. It is the fourth
    // page, the last the count of "more than 100" can tell, with a word on why.
    let deep = app.get("/acties?q=netwerkdag&pagina=8000").await;
    assert_eq!(deep.status, StatusCode::OK);
    deep.assert_contains("Pagina 4 van meer dan 4");
    deep.assert_contains(refine);
    assert_eq!(deep.body.matches(r#"class="action-title""#).count(), 25);
    deep.assert_contains(r#"<a href="/acties?q=netwerkdag&#38;pagina=3" rel="prev">"#);
    assert!(!deep.body.contains(r#"rel="next""#), "{}", deep.body);

    // The pages before it go on as before, without the word.
    let third = app.get("/acties?q=netwerkdag&pagina=3").await;
    third.assert_contains("Pagina 3 van meer dan 4");
    third.assert_contains(r#"<a href="/acties?q=netwerkdag&#38;pagina=4" rel="next">"#);
    assert!(!third.body.contains("Verfijn uw zoekopdracht"));

    // A search with fewer results has all of them: no word on refining.
    let few = app.get("/acties?q=netwerkdag&jaar=2023&pagina=8000").await;
    few.assert_contains("Pagina 1 van 1");
    assert!(!few.body.contains("Verfijn uw zoekopdracht"));
}

#[tokio::test]
async fn a_search_sorts_by_relevance_unless_another_order_is_chosen_and_says_which() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    action_with_text(
        &app,
        p,
        "Jobbeurs Kortrijk",
        "Een jobbeurs: de grootste jobbeurs van de regio.",
        "2023-02-01",
    )
    .await;
    action_with_text(
        &app,
        p,
        "Taalcafé",
        "Wekelijks taalcafé; in mei ook op de jobbeurs.",
        "2024-05-01",
    )
    .await;
    app.sign_in_as(Role::Ministry).await;

    let relevant = app.get("/acties?q=jobbeurs").await;
    relevant.assert_contains("gesorteerd op relevantie");
    relevant.assert_contains(r#"<option value="relevantie" selected>"#);
    assert!(
        !relevant.body.contains("zoeken-breed"),
        "a narrow search is ranked"
    );
    let (jobbeurs, taalcafe) = (
        relevant.body.find("Kortrijk</a>").unwrap(),
        relevant.body.find("Taalcafé</a>").unwrap(),
    );
    assert!(jobbeurs < taalcafe, "the best match first");

    let newest = app.get("/acties?q=jobbeurs&sortering=nieuwste").await;
    newest.assert_contains("gesorteerd op datum, nieuwste eerst");
    let (jobbeurs, taalcafe) = (
        newest.body.find("Kortrijk</a>").unwrap(),
        newest.body.find("Taalcafé</a>").unwrap(),
    );
    assert!(taalcafe < jobbeurs, "the chosen order wins");
}

#[tokio::test]
async fn the_conflict_page_allows_for_another_tab_and_names_municipalities() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    let id = create(
        &app,
        p,
        "Fietslessen",
        "7f0e0a43-2f1c-4b59-9a5e-00000000a003",
    )
    .await;
    let pid = p.to_string();
    let edit = |title: &'static str| {
        let mut f = crate::actions::action_fields(&pid, title);
        f.retain(|(k, _)| *k != "idempotency_key" && *k != "partnership_id");
        f.push(("version", "1"));
        f
    };
    let path = format!("/acties/{id}/bewerken");
    app.post_form(&path, &edit("Fietslessen voor nieuwkomers"))
        .await;
    let stale = app
        .post_form(&path, &edit("Fietslessen voor iedereen"))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    stale.assert_contains("in een ander tabblad of door iemand anders");
    // The municipalities row names Kortrijk in both versions; 34022 is only in the hidden form.
    stale.assert_contains(r#"<td class="prewrap">Kortrijk</td><td class="prewrap">Kortrijk</td>"#);
    assert!(!stale.body.contains(r#"<td class="prewrap">34022</td>"#));
}

#[tokio::test]
async fn a_failed_sign_in_is_shown_as_an_unknown_visitor_not_as_the_accounts_owner() {
    let app = TestApp::new().await;
    let piet = app
        .with_user(Role::Ministry)
        .email("pech@vlaanderen.be")
        .name("Piet Pech")
        .await;
    app.sign_in("pech@vlaanderen.be", "fout wachtwoord 123")
        .await;
    let actor: Option<i64> = sqlx::query_scalar(
        "select actor_user_id from audit_events where action = 'sign_in.failed'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(actor, None, "whoever tried is unknown");

    app.sign_in_as(Role::Admin).await;
    let page = app.get("/admin/audit?actie=sign_in.failed").await;
    page.assert_contains("onbekende bezoeker (aanmelding als pech@vlaanderen.be mislukt)");
    page.assert_contains(&format!("gebruiker {piet}"));
    assert!(!page.body.contains("Piet Pech"), "{}", page.body);
    assert!(!page.body.contains("fout wachtwoord"));
}

#[tokio::test]
async fn the_audit_page_describes_entries_in_dutch_rather_than_raw_keys() {
    let app = TestApp::new().await;
    sqlx::query(
        r#"insert into audit_events (action, object_type, object_id, details)
           values ('partnership.updated', 'partnership', '7', '{"name": "Regio Leie"}')"#,
    )
    .execute(&app.db)
    .await
    .unwrap();
    app.sign_in_as(Role::Admin).await;
    let page = app.get("/admin/audit?actie=partnership.updated").await;
    page.assert_contains("<td>Werkingsgebied gewijzigd</td>");
    page.assert_contains("<td>werkingsgebied 7</td>");
    page.assert_contains("<td>naam: Regio Leie</td>");
    assert!(!page.body.contains("partnership 7"));
}

#[tokio::test]
async fn the_coverage_api_takes_a_periods_name_as_well_as_its_id() {
    let app = TestApp::new().await;
    let id = app.period_id("2023-2025").await;
    let by_name = app.get("/api/v1/coverage?period=2023-2025").await;
    assert_eq!(by_name.status, StatusCode::OK, "{}", by_name.body);
    let by_id = app.get(&format!("/api/v1/coverage?period={id}")).await;
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&by_name.body).unwrap(),
        serde_json::from_str(&by_id.body).unwrap(),
    );
    assert_eq!(a["period"]["id"], id);
    assert_eq!(a, b);

    let unknown = app.get("/api/v1/coverage?period=1999-2001").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let error: serde_json::Value = serde_json::from_str(&unknown.body).unwrap();
    assert_eq!(error["error"], "no such period");
}

#[tokio::test]
async fn public_pages_describe_themselves_for_search_engines() {
    let app = TestApp::new().await;
    for (path, says) in [
        (
            "/login",
            r#"<meta name="description" content="Aanmelden bij regie, de toepassing van de Vlaamse overheid"#,
        ),
        (
            "/over",
            r#"<meta name="description" content="Over regie: de toepassing waarmee de Vlaamse overheid"#,
        ),
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        page.assert_contains(says);
        assert_eq!(
            page.body.matches(r#"name="description""#).count(),
            1,
            "{path}"
        );
    }
}

#[tokio::test]
async fn every_form_that_sets_a_password_states_all_its_rules_before_the_first_try() {
    let admin = TestApp::new().await;
    admin.sign_in_as(Role::Admin).await;
    let rules = "Minstens 12 en hoogstens 128 tekens. Geen veelgebruikt wachtwoord, en het mag uw naam of e-mailadres niet bevatten.";
    let hint = r#"aria-describedby="new_password-hint""#;

    let change = admin.get("/wachtwoord").await;
    change.assert_contains(rules);
    change.assert_contains(hint);

    let p = admin
        .with_partnership("Regio Leie")
        .members(&["34022"])
        .await;
    let id = crate::appointments::request(&admin, p, "rita@kortrijk.be").await;
    admin
        .post_form(&format!("/aanstellingen/{id}/goedkeuren"), &[])
        .await;
    let link =
        crate::appointments::link_path(&admin.get(&format!("/aanstellingen/{id}")).await.body);
    let rita = admin.other_browser();
    let set = rita.get(&link).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    set.assert_contains(rules);
    set.assert_contains(hint);
}
