//! The yearly report's read pages and the narrative: who sees what, the figures assembled from
//! the data, saving the narrative (first save, stale version, too long, frozen once submitted),
//! the snapshot that does not follow later changes, the differences between submissions, the
//! list per year with its late marker, and escaping of what the regisseur typed.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{TestApp, date};

const PAGE: &str = "/jaarrapporten";

fn path(p: i64, year: i32) -> String {
    format!("{PAGE}/{p}/{year}")
}

async fn version(app: &TestApp, p: i64, year: i16) -> i32 {
    sqlx::query_scalar("select version from reports where partnership_id = $1 and year = $2")
        .bind(p)
        .bind(year)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

fn narrative<'a>(context: &'a str, version: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("context", context),
        ("worked", "De jobbeurs"),
        ("not_worked", "Te weinig werkgevers"),
        ("plans", "Meer bezoeken"),
        ("version", version),
    ]
}

#[tokio::test]
async fn the_own_regisseur_sees_the_figures_and_the_narrative_form() {
    let app = TestApp::new().await;
    let p = app
        .with_partnership("Regio Noord")
        .members(&["44021"])
        .await;
    let action = app
        .with_action(p)
        .title("Jobbeurs Noord")
        .priorities(&[1, 2])
        .starts_on(date(2024, 3, 1))
        .status("afgerond")
        .await;
    sqlx::query(
        "insert into action_participants (action_id, target_group, planned, reached) values ($1, 'werkzoekenden', 40, 31)",
    )
    .bind(action)
    .execute(&app.db)
    .await
    .unwrap();
    app.with_action(p)
        .title("Geschrapte opleiding")
        .priorities(&[3])
        .starts_on(date(2024, 5, 1))
        .status("geannuleerd")
        .await;
    app.with_envelope(2024, 1_000_000).await;
    app.with_allocation(p, 2024, 50_000).await;
    app.sign_in_as_regisseur_of(p, "rita@noord.be").await;

    app.get(&format!("/werkingsgebieden/{p}"))
        .await
        .assert_contains(&format!("href=\"{}\">Jaarrapport 2024", path(p, 2024)));
    let page = app.get(&path(p, 2024)).await;
    page.assert_contains("<dt>Toegekend</dt><dd>€");
    page.assert_contains("50.000,00</dd>");
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Jaarrapport 2024 · Regio Noord");
    page.assert_contains("Niet begonnen");
    page.assert_contains("Toelichting bewaren");
    // A report nobody saved yet can be submitted: the text in the form goes along.
    page.assert_contains("/indienen/controleren\">Indienen…</button>");
    page.assert_contains("Jobbeurs Noord");
    page.assert_contains("WSE-LR3");
    page.assert_contains("niet gehaald");
    page.assert_contains("werkzoekenden");
    page.assert_contains("<td>40</td><td>31</td>");
    page.assert_contains("Geannuleerd (telt niet mee): Geschrapte opleiding");
    assert!(!page.body.contains("Controlelijst bewaren"));
}

#[tokio::test]
async fn another_areas_regisseur_and_vdab_are_refused() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Noord").await;
    let other = app.with_partnership("Regio Zuid").await;
    app.sign_in_as_regisseur_of(other, "zeno@zuid.be").await;
    assert_eq!(app.get(&path(p, 2024)).await.status, StatusCode::FORBIDDEN);
    let r = app
        .post_form(&path(p, 2024), &narrative("Ingebroken", "0"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let vdab = app.other_browser();
    vdab.sign_in_as(Role::Vdab).await;
    assert_eq!(vdab.get(&path(p, 2024)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(vdab.get(PAGE).await.status, StatusCode::FORBIDDEN);
    let count: i64 = sqlx::query_scalar("select count(*) from reports")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn ministry_staff_see_the_checklist_form_and_the_steps_but_not_the_narrative_form() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Noord").await;
    app.with_report(p, 2024).status("ingediend").await;
    let other = app.with_partnership("Regio Zuid").await;
    let mia = app
        .with_user(Role::Ministry)
        .email("mia@vlaanderen.be")
        .name("Mia Beoordelaar")
        .await;
    app.with_reviewer(other, mia).await;
    app.sign_in_as(Role::Ministry).await;
    let page = app.get(&path(p, 2024)).await;
    assert_eq!(page.status, StatusCode::OK);
    app.get(&path(other, 2024))
        .await
        .assert_contains("Mia Beoordelaar");
    page.assert_contains("Controlelijst bewaren");
    page.assert_contains("prioriteiten_state");
    page.assert_contains("In behandeling nemen");
    page.assert_contains("Bericht plaatsen");
    page.assert_contains("nog geen beoordelaar");
    page.assert_contains("Testcontext");
    assert!(!page.body.contains("Toelichting bewaren"));
}

#[tokio::test]
async fn an_unknown_werkingsgebied_or_a_year_outside_its_period_is_not_found() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Noord").await;
    app.sign_in_as(Role::Ministry).await;
    assert_eq!(
        app.get(&path(p + 999, 2024)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&path(p, 2022)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&path(p, 2026)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_first_save_creates_the_report_and_is_audited() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Noord").await;
    app.sign_in_as_regisseur_of(p, "rita@noord.be").await;
    let r = app
        .post_form(&path(p, 2024), &narrative("Een jaar van opbouw", "0"))
        .await;
    r.assert_redirects_to(&format!("{}#toelichting", path(p, 2024)));
    let (status, context): (String, String) = sqlx::query_as(
        "select status::text, context from reports where partnership_id = $1 and year = 2024",
    )
    .bind(p)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), context.as_str()),
        ("concept", "Een jaar van opbouw")
    );
    app.assert_audited("report.saved").await;
    let page = app.get(&path(p, 2024)).await;
    page.assert_contains("Toelichting bewaard.");
    page.assert_contains("Een jaar van opbouw");
    page.assert_contains(">Indienen…</button>");

    let again = app
        .post_form(&path(p, 2024), &narrative("Bijgewerkt", "1"))
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(version(&app, p, 2024).await, 2);
}

#[tokio::test]
async fn a_stale_version_is_refused_and_the_typed_text_kept() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Noord").await;
    app.sign_in_as_regisseur_of(p, "rita@noord.be").await;
    app.post_form(&path(p, 2024), &narrative("Eerste versie", "0"))
        .await
        .assert_redirects_to(&format!("{}#toelichting", path(p, 2024)));
    // A second tab still holds the form of the report nobody had saved.
    let r = app
        .post_form(
            &path(p, 2024),
            &narrative("Tekst uit het andere tabblad", "0"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Iemand anders heeft de toelichting intussen");
    r.assert_contains("Tekst uit het andere tabblad");
    let context: String =
        sqlx::query_scalar("select context from reports where partnership_id = $1")
            .bind(p)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(context, "Eerste versie");
}

#[tokio::test]
async fn a_field_over_twenty_thousand_characters_is_refused_with_the_text_kept() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Noord").await;
    app.sign_in_as_regisseur_of(p, "rita@noord.be").await;
    let long = "woord ".repeat(3400);
    let r = app.post_form(&path(p, 2024), &narrative(&long, "0")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Context mag hoogstens 20.000 tekens lang zijn.");
    r.assert_contains("woord woord woord");
    r.assert_contains("Te weinig werkgevers");
    let count: i64 = sqlx::query_scalar("select count(*) from reports")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn the_narrative_of_a_submitted_report_cannot_be_changed() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Noord").await;
    app.with_report(p, 2024).status("ingediend").await;
    app.sign_in_as_regisseur_of(p, "rita@noord.be").await;
    let page = app.get(&path(p, 2024)).await;
    assert!(!page.body.contains("Toelichting bewaren"));
    let v = version(&app, p, 2024).await.to_string();
    let r = app
        .post_form(&path(p, 2024), &narrative("Te laat bedacht", &v))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Dit rapport is ingediend en kan niet meer gewijzigd worden");
    r.assert_contains("Uw tekst (niet bewaard)");
    let context: String =
        sqlx::query_scalar("select context from reports where partnership_id = $1")
            .bind(p)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(context, "Testcontext");
}

#[tokio::test]
async fn the_snapshot_stays_unchanged_when_actions_change_after_submission() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Noord").await;
    let first = app
        .with_action(p)
        .title("Eerste overleg")
        .priorities(&[1])
        .starts_on(date(2024, 2, 1))
        .await;
    app.with_report(p, 2024).status("ingediend").await;
    // After the submission: the first action is renamed, another is added in 2024 and 2025.
    sqlx::query("update actions set title = 'Hernoemd overleg' where action_id = $1")
        .bind(first)
        .execute(&app.db)
        .await
        .unwrap();
    app.with_action(p)
        .title("Latere actie")
        .priorities(&[3])
        .starts_on(date(2024, 12, 1))
        .await;
    sqlx::query("update actions set ends_on = '2025-02-01' where title = 'Latere actie'")
        .execute(&app.db)
        .await
        .unwrap();
    app.sign_in_as(Role::Ministry).await;

    for page in [
        app.get(&path(p, 2024)).await,
        app.get(&format!("{}/indieningen/1", path(p, 2024))).await,
    ] {
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("Eerste overleg");
        page.assert_contains("Ingediend op");
        assert!(!page.body.contains("Latere actie"));
        assert!(!page.body.contains("Hernoemd overleg"));
    }
    app.get(&format!("{}/indieningen/1", path(p, 2024)))
        .await
        .assert_contains("Indiening 1 van");
    let concept = app.get(&path(p, 2025)).await;
    concept.assert_contains("Latere actie");
    assert!(!concept.body.contains("Ingediend op"));
    assert_eq!(
        app.get(&format!("{}/indieningen/2", path(p, 2024)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_differences_page_shows_a_changed_figure_and_a_changed_narrative() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Noord").await;
    let report = app.with_report(p, 2024).status("ingediend").await;
    sqlx::query(
        "insert into report_submissions (report_id, number, snapshot) select report_id, 2, jsonb_set(jsonb_set(snapshot, '{data,actions_total}', '7'), '{narrative,context}', '\"Nieuwe context\"') from report_submissions where report_id = $1 and number = 1",
    )
    .bind(report)
    .execute(&app.db)
    .await
    .unwrap();
    app.sign_in_as(Role::Ministry).await;
    let base = path(p, 2024);
    app.get(&base)
        .await
        .assert_contains("verschillen?van=1&amp;naar=2");

    let page = app.get(&format!("{base}/verschillen?van=1&naar=2")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(
        "<tr class=\"differs\"><th scope=\"row\">Acties dit jaar</th><td>0</td><td>7</td>",
    );
    page.assert_contains("<del>- Testcontext</del>");
    page.assert_contains("<ins>+ Nieuwe context</ins>");
    page.assert_contains("Ongewijzigd.");

    app.get(&format!("{base}/verschillen?van=2&naar=2"))
        .await
        .assert_contains("Geen verschillen");
    let bad = app.get(&format!("{base}/verschillen?van=een&naar=2")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Kies twee indieningen om te vergelijken");
    assert_eq!(
        app.get(&format!("{base}/verschillen?van=1&naar=9"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_list_counts_per_status_and_marks_a_missing_report_late() {
    let app = TestApp::new().await;
    let noord = app.with_partnership("Regio Noord").await;
    app.with_partnership("Regio Zuid").await;
    app.with_report(noord, 2024).status("ingediend").await;
    app.with_deadline(2024, date(2025, 3, 31)).await;
    app.sign_in_as(Role::Ministry).await;

    let page = app.get("/jaarrapporten?jaar=2024").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Jaarrapporten 2024");
    page.assert_contains("In te dienen tegen 31/03/2025");
    page.assert_contains("Ingediend: <strong>1</strong>");
    page.assert_contains("Niet begonnen: <strong>1</strong>");
    page.assert_contains("Te laat: <strong>1</strong>");
    page.assert_contains("Regio Noord");
    page.assert_contains("Regio Zuid");

    let late = app.get("/jaarrapporten?jaar=2024&status=te_laat").await;
    late.assert_contains("Regio Zuid");
    late.assert_contains("te laat</span>");
    assert!(!late.body.contains("Regio Noord"));

    // Without a year: last year's, the reports due in this calendar year (as on the dashboard).
    use chrono::Datelike;
    let cycle = chrono::Utc::now().year() - 1;
    app.get(PAGE)
        .await
        .assert_contains(&format!("Jaarrapporten {cycle}"));
}

#[tokio::test]
async fn a_regisseur_lists_only_their_own_werkingsgebied() {
    let app = TestApp::new().await;
    let noord = app.with_partnership("Regio Noord").await;
    app.with_partnership("Regio Zuid").await;
    app.sign_in_as_regisseur_of(noord, "rita@noord.be").await;
    let page = app.get("/jaarrapporten?jaar=2024").await;
    page.assert_contains("Regio Noord");
    assert!(!page.body.contains("Regio Zuid"));
}

#[tokio::test]
async fn a_narrative_with_a_script_is_shown_as_text() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Noord").await;
    app.sign_in_as_regisseur_of(p, "rita@noord.be").await;
    app.post_form(
        &path(p, 2024),
        &narrative("<script>alert('x')</script>\nTweede regel", "0"),
    )
    .await
    .assert_redirects_to(&format!("{}#toelichting", path(p, 2024)));
    let page = app.get(&path(p, 2024)).await;
    page.assert_contains("&#60;script&#62;alert");
    assert!(!page.body.contains("<script>alert"));
}

#[tokio::test]
async fn the_successors_regisseur_writes_only_the_last_year_of_the_old_period() {
    let app = TestApp::new().await;
    let old = app
        .with_partnership("Regio Oud")
        .in_period(app.period_id("2020-2022").await)
        .await;
    let new = app.with_partnership("Regio Oud").await;
    sqlx::query("update partnerships set carried_over_from = $1 where partnership_id = $2")
        .bind(old)
        .bind(new)
        .execute(&app.db)
        .await
        .unwrap();
    app.sign_in_as_regisseur_of(new, "opvolger@oud.be").await;

    // 2022, the old period's last year, is due after it ended: the successor writes it.
    let last = app.get(&format!("/jaarrapporten/{old}/2022")).await;
    assert_eq!(last.status, StatusCode::OK);
    last.assert_contains("Toelichting bewaren");
    let saved = app
        .post_form(
            &format!("/jaarrapporten/{old}/2022"),
            &[
                ("version", "0"),
                ("context", "Het laatste jaar van de oude periode."),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    app.get("/jaarrapporten?jaar=2022")
        .await
        .assert_contains("Regio Oud");

    // An earlier year of the old period is not theirs.
    let earlier = app.get(&format!("/jaarrapporten/{old}/2021")).await;
    assert_eq!(earlier.status, StatusCode::FORBIDDEN);
    let refused = app
        .post_form(
            &format!("/jaarrapporten/{old}/2021"),
            &[("version", "0"), ("context", "Niet van mij.")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        !app.get("/jaarrapporten?jaar=2021")
            .await
            .body
            .contains("Regio Oud")
    );
}
