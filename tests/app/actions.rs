//! Actions: who may write them, validation, stale edits, double submits, history, search,
//! the priority matrix, exports and copying.

use axum::http::{StatusCode, header};
use regie::identity::Role;

use crate::helpers::{TestApp, date};

pub fn action_fields<'a>(partnership: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("partnership_id", partnership),
        ("title", title),
        (
            "description",
            "Een opleiding netwerken en samenwerken voor trajectbegeleiders.",
        ),
        ("prioriteit", "1"),
        ("prioriteit", "4"),
        ("kind", "opleiding"),
        ("status", "gepland"),
        ("starts_on", "2024-03-01"),
        ("ends_on", "2024-06-30"),
        ("doelgroep", "trajectbegeleiders"),
        ("gemeente", "34022"),
        ("partner_soort_0", "vdab"),
        ("partner_naam_0", "VDAB Kortrijk"),
        ("gepland_trajectbegeleiders", "15"),
        ("bereikt_trajectbegeleiders", "0"),
        ("cost", "1.250,00"),
        ("idempotency_key", "7f0e0a43-2f1c-4b59-9a5e-111111111111"),
    ]
}

pub async fn create(app: &TestApp, partnership: i64, title: &str, key: &str) -> i64 {
    let pid = partnership.to_string();
    let mut fields = action_fields(&pid, title);
    fields.retain(|(k, _)| *k != "idempotency_key");
    fields.push(("idempotency_key", key));
    let r = app.post_form("/acties/nieuw", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let saved = r.location().trim_start_matches("/acties/");
    assert!(saved.ends_with("?bewaard=1"), "{saved}");
    saved.trim_end_matches("?bewaard=1").parse().unwrap()
}

/// The edit button of an action's page, shown to those who may write the action.
const EDIT_BUTTON: &str = r#"/bewerken" role="button">Bewerken</a>"#;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn a_regisseur_logs_an_action_that_everyone_can_read() {
    let app = TestApp::new().await;
    let p = app
        .with_partnership("Regio Leie")
        .members(&["34022", "34041"])
        .await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    app.get("/acties/nieuw").await.assert_contains("Regio Leie");
    let id = create(
        &app,
        p,
        "Netwerkopleiding trajectbegeleiders",
        "7f0e0a43-2f1c-4b59-9a5e-000000000001",
    )
    .await;

    let page = app.get(&format!("/acties/{id}?bewaard=1")).await;
    page.assert_contains("Actie bewaard.");
    page.assert_contains(EDIT_BUTTON);
    page.assert_contains("WSE-LR1: regierol opnemen");
    page.assert_contains("WSE-LR4: samenwerking met VDAB en andere actoren");
    page.assert_contains("VDAB Kortrijk (VDAB)");
    page.assert_contains("Kortrijk");
    page.assert_contains("€ 1.250,00");
    page.assert_contains("01/03/2024 - 30/06/2024");
    page.assert_contains("aangemaakt");
    // The confirmation is shown once, not on the next visit.
    let again = app.get(&format!("/acties/{id}")).await;
    assert_eq!(again.status, StatusCode::OK);
    again.assert_contains("Netwerkopleiding trajectbegeleiders");
    assert!(!again.body.contains("Actie bewaard."));

    let ministry = app.other_browser();
    ministry.sign_in_as(Role::Ministry).await;
    let read = ministry.get(&format!("/acties/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    read.assert_contains("Netwerkopleiding trajectbegeleiders");
    assert!(
        !read.body.contains(EDIT_BUTTON),
        "staff read, they do not edit"
    );
}

#[tokio::test]
async fn a_form_with_errors_names_each_field_and_keeps_the_input() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    let pid = p.to_string();
    let mut fields = action_fields(&pid, "Taal op de werkvloer");
    fields.retain(|(k, _)| *k != "prioriteit");
    fields.retain(|(k, v)| !(*k == "ends_on" || (*k == "gemeente" && *v == "34022")));
    fields.push(("ends_on", "2024-01-01"));
    fields.push(("gemeente", "44021"));
    fields.push(("gepland_werkgevers", "-2"));
    let r = app.post_form("/acties/nieuw", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Kies minstens één Vlaamse prioriteit",
        "De einddatum kan niet vóór de begindatum liggen.",
        "Kies alleen gemeenten van het eigen werkingsgebied.",
        "Vul een aantal in vanaf 0",
    ] {
        r.assert_contains(message);
    }
    r.assert_contains(r#"value="Taal op de werkvloer""#);
    r.assert_contains("Een opleiding netwerken en samenwerken");
    assert_eq!(count(&app, "select count(*) from actions").await, 0);
}

#[tokio::test]
async fn only_the_werkingsgebieds_current_regisseur_writes_its_actions() {
    let app = TestApp::new().await;
    let own = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let other = app
        .with_partnership("Regio Schelde")
        .members(&["34003"])
        .await;
    let rita = app.sign_in_as_regisseur_of(own, "rita@kortrijk.be").await;
    let id = create(
        &app,
        own,
        "Eigen actie",
        "7f0e0a43-2f1c-4b59-9a5e-000000000002",
    )
    .await;

    // Another werkingsgebied's regisseur: reads, cannot edit, delete or slip an action into it.
    let intruder = app.other_browser();
    intruder
        .sign_in_as_regisseur_of(other, "sam@avelgem.be")
        .await;
    assert_eq!(
        intruder.get(&format!("/acties/{id}")).await.status,
        StatusCode::OK
    );
    let r = intruder.get(&format!("/acties/{id}/bewerken")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("Geen toegang");
    let r = intruder
        .post_form(
            &format!("/acties/{id}/bewerken"),
            &[("title", "Gekaapt"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = intruder
        .post_form(&format!("/acties/{id}/verwijderen"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let own_id = own.to_string();
    let r = intruder
        .post_form("/acties/nieuw", &action_fields(&own_id, "Ondergeschoven"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Ministry staff read but do not write actions; admins do not log them either, but may
    // edit one (to fix what the data-quality list finds), and do not delete.
    let ministry = app.other_browser();
    ministry.sign_in_as(Role::Ministry).await;
    let admin = app.other_browser();
    admin.sign_in_as(Role::Admin).await;
    for staff in [&ministry, &admin] {
        assert_eq!(
            staff.get("/acties/nieuw").await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        ministry.get(&format!("/acties/{id}/bewerken")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.get(&format!("/acties/{id}/bewerken")).await.status,
        StatusCode::OK
    );
    let admin_page = admin.get(&format!("/acties/{id}")).await;
    admin_page.assert_contains(EDIT_BUTTON);
    assert!(!admin_page.body.contains("/verwijderen\""));
    assert_eq!(
        count(
            &app,
            "select count(*) from actions where title in ('Gekaapt', 'Ondergeschoven')"
        )
        .await,
        0
    );
    // Every refusal is audited: the intruder's four, then the ministry's two and the admin's one.
    let denied: Vec<String> = sqlx::query_scalar(
        "select details->>'path' from audit_events where action = 'access.denied' order by audit_event_id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let edit = format!("/acties/{id}/bewerken");
    let delete = format!("/acties/{id}/verwijderen");
    assert_eq!(
        denied,
        [
            &edit,
            &edit,
            &delete,
            "/acties/nieuw",
            "/acties/nieuw",
            "/acties/nieuw",
            &edit
        ]
    );

    // When an admin ends the appointment, the regisseur can no longer write.
    assert_eq!(app.get(&edit).await.status, StatusCode::OK);
    let appointment: i64 =
        sqlx::query_scalar("select appointment_id from appointments where user_id = $1")
            .bind(rita)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let today = chrono::Local::now().date_naive().to_string();
    admin
        .post_form(
            &format!("/aanstellingen/{appointment}/beeindigen"),
            &[("ended_on", &today), ("motivation", "vertrek")],
        )
        .await
        .assert_redirects_to(&format!("/aanstellingen/{appointment}"));
    let r = app.get(&edit).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("Geen toegang");
}

#[tokio::test]
async fn a_stale_edit_does_not_overwrite_and_shows_both_versions() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    let id = create(
        &app,
        p,
        "Fietslessen",
        "7f0e0a43-2f1c-4b59-9a5e-000000000003",
    )
    .await;
    let pid = p.to_string();

    // Two tabs open the edit form at version 1.
    let edit = |title: &'static str| {
        let mut f = action_fields(&pid, title);
        f.retain(|(k, _)| *k != "idempotency_key" && *k != "partnership_id");
        f.push(("version", "1"));
        f
    };
    app.post_form(
        &format!("/acties/{id}/bewerken"),
        &edit("Fietslessen voor nieuwkomers"),
    )
    .await
    .assert_redirects_to(&format!("/acties/{id}?bewaard=1"));
    let stale = app
        .post_form(
            &format!("/acties/{id}/bewerken"),
            &edit("Fietslessen voor iedereen"),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    stale.assert_contains("Deze actie werd intussen gewijzigd");
    stale.assert_contains("Fietslessen voor nieuwkomers");
    stale.assert_contains("Fietslessen voor iedereen");
    let title: String = sqlx::query_scalar("select title from actions where action_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        title, "Fietslessen voor nieuwkomers",
        "the first save stands"
    );

    // Choosing "my version" resubmits against the current version.
    assert!(stale.body.contains(r#"name="version" value="2""#));
    let mut mine = edit("Fietslessen voor iedereen");
    mine.retain(|(k, _)| *k != "version");
    mine.push(("version", "2"));
    app.post_form(&format!("/acties/{id}/bewerken"), &mine)
        .await
        .assert_redirects_to(&format!("/acties/{id}?bewaard=1"));
    let page = app.get(&format!("/acties/{id}")).await;
    page.assert_contains(
        "titel: <del>Fietslessen voor nieuwkomers</del> → <ins>Fietslessen voor iedereen</ins>",
    );
    page.assert_contains("titel: <del>Fietslessen</del> → <ins>Fietslessen voor nieuwkomers</ins>");
}

#[tokio::test]
async fn a_double_clicked_submit_creates_one_action() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    let key = "7f0e0a43-2f1c-4b59-9a5e-000000000004";
    let first = create(&app, p, "Jobbeurs", key).await;
    let second = create(&app, p, "Jobbeurs", key).await;
    assert_eq!(first, second);
    assert_eq!(count(&app, "select count(*) from actions").await, 1);
}

#[tokio::test]
async fn deleting_is_soft_recorded_and_restorable_by_admins() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    let id = create(
        &app,
        p,
        "Tijdelijke actie",
        "7f0e0a43-2f1c-4b59-9a5e-000000000005",
    )
    .await;
    app.post_form(&format!("/acties/{id}/verwijderen"), &[])
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{p}/acties"));
    assert_eq!(
        app.get(&format!("/acties/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let list = app.get("/acties").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_contains(r#"<strong id="aantal-acties">0</strong> acties"#);
    assert!(!list.body.contains("Tijdelijke actie"));
    assert_eq!(
        count(&app, "select count(*) from actions").await,
        1,
        "kept in the database"
    );

    // Regisseurs cannot restore: it stays deleted.
    let r = app
        .post_form(&format!("/acties/{id}/herstellen"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("Geen toegang");
    assert_eq!(
        app.get(&format!("/acties/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    app.assert_audited("access.denied").await;

    let admin = app.other_browser();
    admin.sign_in_as(Role::Admin).await;
    admin
        .get(&format!("/acties/{id}"))
        .await
        .assert_contains("Deze actie is verwijderd.");
    admin
        .post_form(&format!("/acties/{id}/herstellen"), &[])
        .await
        .assert_redirects_to(&format!("/acties/{id}"));
    let page = app.get(&format!("/acties/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("verwijderd");
    page.assert_contains("hersteld");
}

#[tokio::test]
async fn dutch_search_finds_word_forms_and_marks_the_matches() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    create(
        &app,
        p,
        "Opleiding duurzaam ondernemen",
        "7f0e0a43-2f1c-4b59-9a5e-000000000006",
    )
    .await;
    create(
        &app,
        p,
        "Fietslessen",
        "7f0e0a43-2f1c-4b59-9a5e-000000000007",
    )
    .await;

    let r = app.get("/acties?q=opleidingen").await;
    r.assert_contains(r#"<strong id="aantal-acties">2</strong> acties"#);
    r.assert_contains("<mark>Opleiding</mark> duurzaam ondernemen");
    let r = app.get("/acties?q=duurzaam").await;
    r.assert_contains(r#"<strong id="aantal-acties">1</strong> actie,"#);
    let r = app.get("/acties?q=%3Cscript%3E").await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains(r#"value="&#60;script&#62;""#);
    assert!(!r.body.contains("<script>"));
    // Filters live in the URL and combine with the search.
    let r = app.get("/acties?q=opleiding&prioriteit=2").await;
    r.assert_contains(r#"<strong id="aantal-acties">0</strong> acties"#);
    let r = app
        .get("/acties?prioriteit=4&jaar=2024&soort=opleiding&provincie=West-Vlaanderen")
        .await;
    r.assert_contains(r#"<strong id="aantal-acties">2</strong> acties"#);
    let r = app.get("/acties?jaar=2025").await;
    r.assert_contains(r#"<strong id="aantal-acties">0</strong> acties"#);
}

#[tokio::test]
async fn the_priority_matrix_counts_per_year_and_lists_gaps_first() {
    let app = TestApp::new().await;
    let full = app
        .with_partnership("Regio Volledig")
        .members(&["34022"])
        .await;
    let partial = app.with_partnership("Regio Half").members(&["34003"]).await;
    let period = app.period_id("2023-2025").await;
    for (p, year, priorities) in [
        (full, 2023, &[1, 2, 3, 4][..]),
        (full, 2024, &[1, 2, 3, 4]),
        (full, 2025, &[1, 2, 3, 4]),
        (full, 2025, &[2]),
        (partial, 2024, &[1, 2]),
    ] {
        app.with_action(p)
            .priorities(priorities)
            .starts_on(date(year, 5, 1))
            .await;
    }
    // Cancelled actions do not count.
    app.with_action(partial)
        .priorities(&[3])
        .starts_on(date(2024, 5, 1))
        .status("geannuleerd")
        .await;
    app.sign_in_as(Role::Ministry).await;
    let page = app.get(&format!("/prioriteiten?periode={period}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(r#"<strong id="volledig">1</strong> van de 2"#);
    let half = page.body.find("Regio Half").unwrap();
    let whole = page.body.find("Regio Volledig").unwrap();
    assert!(half < whole, "gaps first");
    page.assert_contains(
        r#"<td class="gap"><span class="visually-hidden">geen actie voor </span>LR3, LR4</td>"#,
    );
    app.get(&format!("/werkingsgebieden/{full}"))
        .await
        .assert_contains(r#"<td class="num">2</td>"#);

    let own = app.get(&format!("/werkingsgebieden/{partial}")).await;
    own.assert_contains("10 lege cellen");
    let regisseur = app.other_browser();
    regisseur.sign_in_as(Role::Regisseur).await;
    assert_eq!(
        regisseur.get("/prioriteiten").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_csv_export_follows_the_filters_for_belgian_excel() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    create(
        &app,
        p,
        "Lerend netwerk; jobcoaches",
        "7f0e0a43-2f1c-4b59-9a5e-000000000008",
    )
    .await;
    create(
        &app,
        p,
        "Fietslessen",
        "7f0e0a43-2f1c-4b59-9a5e-000000000009",
    )
    .await;
    let r = app.get("/acties/export.csv?q=jobcoaches").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(r.body.starts_with('\u{feff}'), "byte-order mark for Excel");
    let mut lines = r.body.trim_start_matches('\u{feff}').lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id;werkingsgebied;beleidsperiode;titel;prioriteiten")
    );
    let row = lines.next().unwrap();
    assert!(
        row.contains(
            ";Regio Leie;2023-2025;\"Lerend netwerk; jobcoaches\";WSE-LR1, WSE-LR4;opleiding;"
        ),
        "{row}"
    );
    assert!(row.contains(";1250,00;15;0;34022;VDAB Kortrijk;"), "{row}");
    assert!(lines.next().is_none(), "only the filtered action");
}

#[tokio::test]
async fn copying_another_areas_action_opens_a_prefilled_form_and_stores_nothing_until_sent() {
    let app = TestApp::new().await;
    let source_area = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let own_area = app
        .with_partnership("Regio Schelde")
        .members(&["34003"])
        .await;
    app.sign_in_as_regisseur_of(source_area, "rita@kortrijk.be")
        .await;
    let source = create(
        &app,
        source_area,
        "Taalcoaching op de werkvloer",
        "7f0e0a43-2f1c-4b59-9a5e-000000000010",
    )
    .await;
    let own_actions = format!("select count(*) from actions where partnership_id = {own_area}");

    let other = app.other_browser();
    other
        .sign_in_as_regisseur_of(own_area, "sam@avelgem.be")
        .await;
    let copy_path = format!("/acties/{source}/overnemen");
    other
        .get(&format!("/acties/{source}"))
        .await
        .assert_contains(&format!(
            r#"<a href="{copy_path}" role="button" class="secondary">Overnemen in mijn werkingsgebied</a>"#
        ));

    // The form: the source's title, description, priorities and partners; no dates; the
    // regisseur's own werkingsgebied; it posts to the copy route.
    let form = other.get(&copy_path).await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("<h1>Actie overnemen: Taalcoaching op de werkvloer</h1>");
    form.assert_contains(r#"value="Taalcoaching op de werkvloer""#);
    form.assert_contains("Een opleiding netwerken en samenwerken voor trajectbegeleiders.");
    form.assert_contains(r#"value="VDAB Kortrijk""#);
    form.assert_contains(r#"name="prioriteit" value="4" checked"#);
    form.assert_contains(&format!(r#"<option value="{own_area}" selected>"#));
    form.assert_contains(r#"name="starts_on" type="date" value="""#);
    form.assert_contains(r#"name="ends_on" type="date" value="""#);
    assert!(
        !form.body.contains("2024-03-01"),
        "the source's dates stay behind"
    );
    form.assert_contains(r#"name="cost" type="text" value="""#);
    form.assert_contains(&format!(r#"action="{copy_path}""#));
    form.assert_contains(
        "Er wordt pas iets bewaard wanneer u op <strong>Actie bewaren</strong> klikt.",
    );
    assert_eq!(
        count(&app, &own_actions).await,
        0,
        "opening the form stores nothing"
    );

    // A refused submit stays on the copy form.
    let own = own_area.to_string();
    let mut fields = action_fields(&own, "");
    fields.retain(|(k, _)| !matches!(*k, "gemeente" | "idempotency_key"));
    fields.push(("gemeente", "34003"));
    fields.push(("idempotency_key", "7f0e0a43-2f1c-4b59-9a5e-000000000011"));
    let refused = other.post_form(&copy_path, &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains(&format!(r#"action="{copy_path}""#));
    assert_eq!(count(&app, &own_actions).await, 0);

    for (k, v) in fields.iter_mut() {
        if *k == "title" {
            *v = "Taalcoaching in Avelgem";
        }
    }
    let r = other.post_form(&copy_path, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let copy: i64 = r
        .location()
        .trim_start_matches("/acties/")
        .trim_end_matches("?bewaard=1")
        .parse()
        .unwrap();
    let row: (i64, String, String, Option<i64>) = sqlx::query_as(
        "select partnership_id, title, starts_on::text, copied_from from actions where action_id = $1",
    )
    .bind(copy)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            own_area,
            "Taalcoaching in Avelgem".into(),
            "2024-03-01".into(),
            Some(source)
        )
    );
    other
        .get(&format!("/acties/{copy}"))
        .await
        .assert_contains(&format!(r#"<a href="/acties/{source}">"#));
}

#[tokio::test]
async fn who_has_no_werkingsgebied_of_their_own_cannot_open_or_send_the_copy_form() {
    let app = TestApp::new().await;
    let area = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let source = app.with_action(area).title("Jobbeurs Kortrijk").await;
    let copy_path = format!("/acties/{source}/overnemen");
    for role in [Role::Ministry, Role::Admin, Role::Regisseur] {
        let who = app.other_browser();
        who.sign_in_as(role).await;
        let form = who.get(&copy_path).await;
        assert_eq!(form.status, StatusCode::FORBIDDEN, "{role:?}");
        form.assert_contains("Geen toegang");
        let sent = who
            .post_form(&copy_path, &action_fields(&area.to_string(), "Kopie"))
            .await;
        assert_eq!(sent.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    let copies: i64 = sqlx::query_scalar("select count(*) from actions where copied_from = $1")
        .bind(source)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(copies, 0);
}

/// "Actie 1" on 2 January 2024 up to "Actie 30" on 31 January, all for WSE-LR2.
async fn thirty_actions_in_january(app: &TestApp, partnership: i64) {
    for day in 1..=30 {
        app.with_action(partnership)
            .title(&format!("Actie {day}"))
            .priorities(&[2])
            .starts_on(date(2024, 1, day + 1))
            .await;
    }
}

#[tokio::test]
async fn deep_pages_follow_a_keyset_and_the_xlsx_export_is_a_workbook() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    thirty_actions_in_january(&app, p).await;
    app.sign_in_as(Role::Ministry).await;
    let first = app.get("/acties").await;
    first.assert_contains(r#"<strong id="aantal-acties">30</strong> acties"#);
    first.assert_contains("Actie 30");
    assert!(!first.body.contains(">Actie 5<"));
    let start = first
        .body
        .find("/acties?pagina=2&#38;na=")
        .expect("a keyset link");
    let end = first.body[start..].find('"').unwrap();
    let next = first.body[start..start + end].replace("&#38;", "&");
    assert!(next.ends_with("na=2024-01-07_6"), "{next}");
    let second = app.get(&next).await;
    second.assert_contains(">Actie 5<");
    second.assert_contains(">Actie 1<");
    assert!(!second.body.contains(">Actie 6<"));
    second.assert_contains("Eerste pagina");

    let xlsx = app.get("/acties/export.xlsx?prioriteit=2").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert_eq!(
        xlsx.headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx.bytes)).unwrap();
    let mut shared = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/sharedStrings.xml").unwrap(),
        &mut shared,
    )
    .unwrap();
    assert!(
        shared.contains("werkingsgebied") && shared.contains("Actie 30"),
        "{shared}"
    );
    assert!(shared.contains("Regio Leie"));
}

#[tokio::test]
async fn demo_and_synthetic_actions_are_generated_and_labelled() {
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    // 37 werkingsgebieden x 3 years x 1, 39 x 3 x 2 and, in the current period, 39 x 1 x 2.
    assert_eq!(
        count(&app, "select count(*) from actions where origin = 'demo'").await,
        423
    );
    assert_eq!(
        count(&app, "select count(*) from actions a join partnerships p using (partnership_id) where not p.is_demo").await,
        0
    );
    let added = regie::demo::actions::synthetic(&app.db, 2, 2, "een wachtwoord voor de benchmark")
        .await
        .unwrap();
    assert_eq!(added, 39 * 2 * 2);
    assert_eq!(
        count(
            &app,
            "select count(*) from actions where origin = 'synthetic'"
        )
        .await,
        156
    );
    assert_eq!(
        count(&app, "select count(*) from action_changes c join actions a using (action_id) where a.origin = 'synthetic'").await,
        156,
        "each with its history"
    );

    let bench = app.other_browser();
    bench
        .sign_in(
            "bench.regisseur@synthetic.invalid",
            "een wachtwoord voor de benchmark",
        )
        .await
        .assert_redirects_to("/");
    let list = bench.get("/acties?q=fietslessen").await;
    list.assert_contains(r#"<span class="demo-badge">demo</span>"#);
    list.assert_contains(r#"<span class="demo-badge">synthetisch</span>"#);
    assert_eq!(bench.get("/acties/nieuw").await.status, StatusCode::OK);
    // Broad results are counted up to 100, not scanned to the end on every page view.
    bench
        .get("/acties")
        .await
        .assert_contains(r#"<strong id="aantal-acties">meer dan 100</strong> acties"#);
}

#[tokio::test]
async fn the_kept_priority_counts_always_equal_a_fresh_count() {
    let app = TestApp::new().await;
    let a = app.with_partnership("Regio A").members(&["34022"]).await;
    let b = app.with_partnership("Regio B").members(&["34003"]).await;
    // Rows saved before dates had to lie within the policy period may cross its ends and span
    // years; the counts must hold for those too, so the period's trigger steps aside here.
    sqlx::query("alter table actions disable trigger actions_dates_in_period")
        .execute(&app.db)
        .await
        .unwrap();
    // The statements are what is tested, not setup: the counts are kept by statement-level
    // triggers, so multi-row inserts, updates that move rows and deletes must all be covered.
    let statements = [
        "insert into actions (partnership_id, title, priorities, kind, starts_on, ends_on) select $1, 'x' || i, array[1 + i % 4, 1 + (i + 1) % 4]::smallint[], 'overleg', date '2022-11-01' + i * 20, date '2022-11-01' + i * 25 from generate_series(1, 60) i",
        "insert into actions (partnership_id, title, priorities, kind, starts_on) select $2, 'y' || i, '{3}', 'vorming', date '2024-01-01' + i from generate_series(1, 10) i",
        "update actions set priorities = '{2}' where title like 'x1%'",
        "update actions set status = 'geannuleerd' where title like 'x2%'",
        "update actions set deleted_at = now() where title like 'y%' and title <> 'y1'",
        "update actions set partnership_id = $2 where title = 'x33'",
        "update actions set ends_on = starts_on + 400 where title = 'x5'",
        "delete from actions where title = 'x44'",
    ];
    for sql in statements {
        sqlx::query(sql)
            .bind(a)
            .bind(b)
            .execute(&app.db)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let kept: Vec<(i64, i16, i16, i32)> = sqlx::query_as(
        "select partnership_id, year, priority, actions from action_priority_counts where actions <> 0 order by 1, 2, 3",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let fresh: Vec<(i64, i16, i16, i32)> = sqlx::query_as(
        "select a.partnership_id, y.year::smallint, p.priority, count(*)::int
         from actions a
         cross join lateral generate_series(extract(year from a.starts_on)::int, extract(year from coalesce(a.ends_on, a.starts_on))::int) y(year)
         cross join lateral unnest(a.priorities) p(priority)
         where a.deleted_at is null and a.status <> 'geannuleerd'
         group by 1, 2, 3 order by 1, 2, 3",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(!fresh.is_empty());
    assert_eq!(kept, fresh);
}

#[tokio::test]
async fn oldest_first_pages_by_keyset_too() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    thirty_actions_in_january(&app, p).await;
    app.sign_in_as(Role::Ministry).await;
    let first = app.get("/acties?sortering=oudste").await;
    assert!(first.body.find(">Actie 1<").unwrap() < first.body.find(">Actie 2<").unwrap());
    first.assert_contains("/acties?sortering=oudste&#38;pagina=2&#38;na=2024-01-26_25");
    let second = app
        .get("/acties?sortering=oudste&pagina=2&na=2024-01-26_25")
        .await;
    second.assert_contains(">Actie 26<");
    second.assert_contains(">Actie 30<");
    assert!(!second.body.contains(">Actie 25<"));
}

/// The action ids of a list page, in order (each row's title links to its action).
/// The lists' date orders, as `order by` of `filtered_actions(…) a`.
const NEWEST: &str = "a.starts_on desc, a.action_id desc";
const OLDEST: &str = "a.starts_on, a.action_id";

/// The ids of every action `filtered_actions(arguments)` selects, in `order`: what a list must
/// show, page by page.
async fn filtered_ids(db: &sqlx::PgPool, arguments: &str, order: &str) -> Vec<i64> {
    sqlx::query_scalar(&format!(
        "select a.action_id from filtered_actions({arguments}) a order by {order}"
    ))
    .fetch_all(db)
    .await
    .unwrap()
}

fn listed(body: &str) -> Vec<i64> {
    body.split(r#"<h2 class="action-title"><a href="/acties/"#)
        .skip(1)
        .map(|piece| piece[..piece.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The list builds one statement per combination of filters (so each is planned once); the
/// export and the database function `filtered_actions` keep every filter optional in one. Both
/// must select the same actions: on the demo data and synthetic actions, each combination's
/// first page and count equal those of `filtered_actions`, in the same order.
#[tokio::test]
async fn the_list_selects_what_filtered_actions_selects() {
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    regie::demo::actions::synthetic(&app.db, 3, 3, "een wachtwoord voor de benchmark")
        .await
        .unwrap();
    let period = app.period_id("2023-2025").await;
    let (area, group): (i64, String) = sqlx::query_as(
        "select partnership_id, target_groups[1] from actions
         where cardinality(target_groups) > 0 order by action_id limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    app.sign_in_as(Role::Ministry).await;
    // (query string, the same filters as arguments of filtered_actions)
    let cases: Vec<(String, String)> = vec![
        (
            "".into(),
            "null, null, null, null, null, null, null, null, ''".into(),
        ),
        (
            "prioriteit=2".into(),
            "null, null, 2::smallint, null, null, null, null, null, ''".into(),
        ),
        (
            "prioriteit=2&provincie=Limburg&status=afgerond".into(),
            "null, null, 2::smallint, null, null, 'afgerond', 'Limburg', null, ''".into(),
        ),
        (
            format!("periode={period}&jaar=2024&soort=opleiding"),
            format!("{period}, 2024, null, 'opleiding', null, null, null, null, ''"),
        ),
        (
            format!("doelgroep={group}&werkingsgebied={area}"),
            format!("null, null, null, null, '{group}', null, null, {area}, ''"),
        ),
        (
            "q=opleiding&sortering=nieuwste".into(),
            "null, null, null, null, null, null, null, null, 'opleiding'".into(),
        ),
        (
            "q=jongeren&provincie=Antwerpen&sortering=oudste".into(),
            "null, null, null, null, null, null, 'Antwerpen', null, 'jongeren'".into(),
        ),
    ];
    for (query, arguments) in cases {
        let order = if query.contains("oudste") {
            OLDEST
        } else {
            NEWEST
        };
        let all = filtered_ids(&app.db, &arguments, order).await;
        let total = all.len();
        assert!(total > 0, "{query}: the case selects nothing");
        let page = app.get(&format!("/acties?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        assert_eq!(listed(&page.body), all[..total.min(25)], "{query}");
        let shown = if total > 100 {
            "meer dan 100".to_string()
        } else {
            total.to_string()
        };
        page.assert_contains(&format!(r#"<strong id="aantal-acties">{shown}</strong>"#));
    }
}

/// A filter that matches few of the newest actions, or none of them, still lists and counts
/// every match: the list looks for its page among the newest 2,000 actions first
/// (`list_queries::WINDOW`) and then among all matches. Here most matches are among the
/// oldest of more than 2,000 actions, so the first look finds few or none of them.
#[tokio::test]
async fn a_filter_matching_only_old_actions_lists_and_counts_them_all() {
    let app = TestApp::new().await;
    regie::demo::actions::synthetic(&app.db, 20, 3, "een wachtwoord voor de benchmark")
        .await
        .unwrap();
    let total: i64 = sqlx::query_scalar("select count(*) from actions where deleted_at is null")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(total > 2_200, "{total} actions: too few to pass the window");
    // The 30 oldest and the 5 newest get the target group nobody else has; the 300 oldest are
    // planned.
    sqlx::query(
        "update actions set target_groups = target_groups || '{ander}'::text[]
         where action_id in (select action_id from actions order by starts_on, action_id limit 30)
         or action_id in
         (select action_id from actions order by starts_on desc, action_id desc limit 5)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "update actions set status = 'gepland' where status <> 'gepland' and action_id in
         (select action_id from actions order by starts_on, action_id limit 300)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    // Running: the 30 newest, which fill a first page, and 100 more among the oldest.
    sqlx::query(
        "update actions set status = 'lopend' where action_id in
         (select action_id from actions order by starts_on desc, action_id desc limit 30)
         or action_id in
         (select action_id from actions order by starts_on, action_id limit 100 offset 300)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    app.sign_in_as(Role::Ministry).await;
    let ander = "null, null, null, null, 'ander', null, null, null, ''";
    let all = filtered_ids(&app.db, ander, NEWEST).await;
    assert_eq!(all.len(), 35);
    // Five in the window, the rest behind it: the page looks among all.
    let first = app.get("/acties?doelgroep=ander").await;
    assert_eq!(listed(&first.body), all[..25]);
    first.assert_contains(r#"<strong id="aantal-acties">35</strong>"#);
    // The next page goes on from the cursor, again past the window.
    let next = first.body.split(r#"" rel="next""#).next().unwrap();
    let next = next[next.rfind("href=\"").unwrap() + 6..].replace("&#38;", "&");
    let second = app.get(&next).await;
    assert_eq!(listed(&second.body), all[25..], "{next}");
    // Oldest first, the window finds them at once.
    let page = app.get("/acties?doelgroep=ander&sortering=oudste").await;
    let oldest = filtered_ids(&app.db, ander, OLDEST).await;
    assert_eq!(listed(&page.body), oldest[..25]);

    // More than the count goes to, all among the oldest, with a second filter.
    let planned = "null, null, 2::smallint, null, null, 'gepland', null, null, ''";
    let all = filtered_ids(&app.db, planned, NEWEST).await;
    assert!(
        all.len() > 100,
        "{} planned actions with priority 2",
        all.len()
    );
    let page = app.get("/acties?status=gepland&prioriteit=2").await;
    assert_eq!(listed(&page.body), all[..25]);
    page.assert_contains(r#"<strong id="aantal-acties">meer dan 100</strong>"#);

    // A first page from the window, but most matches behind it: the count looks among all.
    let running = "null, null, null, null, null, 'lopend', null, null, ''";
    let all = filtered_ids(&app.db, running, NEWEST).await;
    assert!(all.len() > 100, "{} running actions", all.len());
    let page = app.get("/acties?status=lopend").await;
    assert_eq!(listed(&page.body), all[..25]);
    page.assert_contains(r#"<strong id="aantal-acties">meer dan 100</strong>"#);
}

/// A search that matches more actions than are ranked (`list_queries::RANK_LIMIT`, 1,000) is
/// listed by date, newest first, and says so; its matches are still marked, and the oldest
/// first order stays as chosen. Broad matches behind the newest 2,000 actions are found too.
#[tokio::test]
async fn a_search_matching_more_than_a_thousand_actions_is_listed_by_date_and_says_so() {
    let app = TestApp::new().await;
    regie::demo::actions::synthetic(&app.db, 40, 3, "een wachtwoord voor de benchmark")
        .await
        .unwrap();
    // A word of the synthetic texts in more than 1,000 actions.
    let found = |word: &str| format!("null, null, null, null, null, null, null, null, '{word}'");
    let mut broad = None;
    for word in ["regieoverleg", "opvolging", "lokale"] {
        if filtered_ids(&app.db, &found(word), NEWEST).await.len() > 1_000 {
            broad = Some(word);
            break;
        }
    }
    let word = broad.expect("a word in more than 1,000 synthetic actions");
    // The 1,100 oldest actions, all behind the newest 2,000, get a target group of their own.
    sqlx::query(
        "update actions set target_groups = target_groups || '{ander}'::text[] where action_id in
         (select action_id from actions order by starts_on, action_id limit 1100)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    app.sign_in_as(Role::Ministry).await;
    let newest = filtered_ids(&app.db, &found(word), NEWEST).await;

    let page = app.get(&format!("/acties?q={word}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(r#"id="zoeken-breed""#);
    page.assert_contains("Meer dan 1.000 acties voldoen aan deze zoekopdracht");
    page.assert_contains("gesorteerd op datum, nieuwste eerst");
    page.assert_contains(r#"<strong id="aantal-acties">meer dan 100</strong>"#);
    page.assert_contains("<mark>");
    assert_eq!(listed(&page.body), newest[..25]);

    let second = app.get(&format!("/acties?q={word}&pagina=2")).await;
    assert_eq!(listed(&second.body), newest[25..50]);

    // Every match behind the window: the page is taken from all matches, at its offset.
    let old = app
        .get(&format!("/acties?q={word}&doelgroep=ander&pagina=2"))
        .await;
    old.assert_contains(r#"id="zoeken-breed""#);
    let old_ones = format!("null, null, null, null, 'ander', null, null, null, '{word}'");
    let old_ones = filtered_ids(&app.db, &old_ones, NEWEST).await;
    assert_eq!(listed(&old.body), old_ones[25..50]);

    let oldest = app.get(&format!("/acties?q={word}&sortering=oudste")).await;
    assert!(
        !oldest.body.contains("zoeken-breed"),
        "the order was chosen"
    );
    oldest.assert_contains("gesorteerd op datum, oudste eerst");
    let oldest_first = filtered_ids(&app.db, &found(word), OLDEST).await;
    assert_eq!(listed(&oldest.body), oldest_first[..25]);
}

/// A search page past the last shows the last, with its position.
#[tokio::test]
async fn a_search_page_past_the_last_shows_the_last() {
    let app = TestApp::new().await;
    let period = app.with_current_period().await;
    let partnership = app
        .with_partnership("Regio Leie")
        .in_period(period)
        .members(&["34022"])
        .await;
    for _ in 0..30 {
        app.with_action(partnership).title("Taalcafé").await;
    }
    app.sign_in_as(Role::Ministry).await;
    let page = app.get("/acties?q=taalcaf%C3%A9&pagina=4").await;
    page.assert_contains("Pagina 2 van 2");
    assert_eq!(listed(&page.body).len(), 5);
}
