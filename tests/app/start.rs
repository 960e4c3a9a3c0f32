//! The start page per role (`/`): a regisseur's "Nieuwe actie", latest actions and priority
//! gaps, an admin's tasks, the reports a ministry user reviews on the dashboard, and the
//! priority check's years that have not begun (start page, werkingsgebied page,
//! `/prioriteiten`).

use axum::http::StatusCode;
use chrono::Datelike;
use regie::identity::Role;

use crate::helpers::{TestApp, TestResponse, date};

/// The HTML between the first `from` and the next `to` after it.
fn between<'a>(page: &'a TestResponse, from: &str, to: &str) -> &'a str {
    let start = page
        .body
        .find(from)
        .unwrap_or_else(|| panic!("no {from} on the page"));
    let rest = &page.body[start..];
    &rest[..rest.find(to).unwrap_or(rest.len())]
}

/// The gap link of a priority in a year, as the start page has it.
fn gap_link(partnership: i64, priority: i16, year: i32) -> String {
    format!(
        "<a href=\"/acties/nieuw?werkingsgebied={partnership}&amp;prioriteit={priority}\"><span class=\"visually-hidden\">Nieuwe actie voor </span>WSE-LR{priority}<span class=\"visually-hidden\"> in {year}</span></a>"
    )
}

#[tokio::test]
async fn a_regisseur_starts_with_new_action_their_own_actions_and_their_priority_gaps() {
    let app = TestApp::new().await;
    let leie = app.with_partnership("Regio Leie").await;
    let gent = app.with_partnership("Regio Gent").await;
    app.with_action(leie)
        .title("Netwerkdag Leie")
        .priorities(&[1, 2, 3, 4])
        .starts_on(date(2023, 3, 1))
        .await;
    app.with_action(leie)
        .title("Jobbeurs Kortrijk")
        .priorities(&[1, 2])
        .starts_on(date(2024, 5, 1))
        .await;
    app.with_action(leie)
        .title("Leerwerkplekken")
        .priorities(&[1, 2, 3, 4])
        .starts_on(date(2025, 2, 1))
        .await;
    app.with_action(gent)
        .title("Plan van Gent")
        .priorities(&[3, 4])
        .starts_on(date(2024, 5, 1))
        .await;
    app.sign_in_as_regisseur_of(leie, "rita@kortrijk.be").await;

    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains(
        r#"<a href="/acties/nieuw" role="button" id="nieuwe-actie">Nieuwe actie</a>"#,
    );
    // Their own actions, and nothing of another werkingsgebied.
    let actions = between(&home, "id=\"acties\"", "</article>");
    assert!(actions.contains("Jobbeurs Kortrijk"), "{actions}");
    assert!(actions.contains("Netwerkdag Leie"), "{actions}");
    assert!(!home.body.contains("Plan van Gent"));
    home.assert_contains(&format!(
        "<a href=\"/werkingsgebieden/{leie}/acties\">Alle acties van Regio Leie</a>"
    ));
    // 2024 misses LR3 and LR4 (Gent's action does not count for Leie); 2023 and 2025 are full.
    let check = between(&home, &format!("id=\"prioriteiten-{leie}\""), "</article>");
    assert!(check.contains(&gap_link(leie, 3, 2024)), "{check}");
    assert!(check.contains(&gap_link(leie, 4, 2024)), "{check}");
    assert!(!check.contains(&gap_link(leie, 1, 2024)), "{check}");
    assert!(!check.contains("<strong>2023</strong>"), "{check}");
    assert!(!check.contains("<strong>2025</strong>"), "{check}");
    assert!(
        !check.contains("nog niet begonnen"),
        "the period has ended: {check}"
    );

    // The gap's link opens the form with the werkingsgebied and the priority chosen.
    let form = app
        .get(&format!("/acties/nieuw?werkingsgebied={leie}&prioriteit=3"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains(r#"<input type="checkbox" name="prioriteit" value="3" checked>"#);
    form.assert_contains(r#"<input type="checkbox" name="prioriteit" value="1">"#);
}

#[tokio::test]
async fn a_regisseur_cannot_preselect_another_area_or_a_priority_that_does_not_exist() {
    let app = TestApp::new().await;
    let leie = app.with_partnership("Regio Leie").await;
    let gent = app.with_partnership("Regio Gent").await;
    app.sign_in_as_regisseur_of(leie, "rita@kortrijk.be").await;

    let form = app
        .get(&format!("/acties/nieuw?werkingsgebied={gent}&prioriteit=9"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(!form.body.contains("Regio Gent"));
    assert!(!form.body.contains(" checked>"));
}

#[tokio::test]
async fn a_regisseur_without_an_appointment_keeps_the_message_and_gets_no_new_action_button() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Regisseur).await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("U hebt op dit moment geen lopende aanstelling als regisseur.");
    assert!(!home.body.contains("Nieuwe actie"));
}

#[tokio::test]
async fn a_year_that_has_not_begun_is_shown_as_not_started_and_not_as_a_gap() {
    let app = TestApp::new().await;
    let period = app.with_current_period().await;
    let this_year = regie::web::format::today().year();
    let now = app.with_partnership("Regio Nu").in_period(period).await;
    app.with_action(now)
        .title("Startdag")
        .priorities(&[1, 2, 3, 4])
        .starts_on(date(this_year, 1, 15))
        .await;
    app.sign_in_as_regisseur_of(now, "rita@nu.be").await;

    let home = app.get("/").await;
    let check = between(&home, &format!("id=\"prioriteiten-{now}\""), "</article>");
    assert!(
        check.contains("Elk jaar tot nu heeft minstens één actie per prioriteit."),
        "{check}"
    );
    assert!(
        check.contains(&format!(
            "{}-{}: nog niet begonnen.",
            this_year + 1,
            this_year + 5
        )),
        "{check}"
    );
    assert!(!check.contains("prioriteit="), "no gap links: {check}");

    let page = app.get(&format!("/werkingsgebieden/{now}")).await;
    page.assert_contains(&format!(
        "<tr class=\"not-started\"><th scope=\"row\">{} <small>nog niet begonnen</small></th>",
        this_year + 1
    ));
    assert!(!page.body.contains("lege cellen"));
    assert!(!page.body.contains("(geen actie)"));

    let ministry = app.other_browser();
    ministry.sign_in_as(Role::Ministry).await;
    let table = ministry
        .get(&format!("/prioriteiten?periode={period}"))
        .await;
    let row = between(&table, &format!("id=\"werkingsgebied-{now}\""), "</tr>");
    assert!(row.contains("elke prioriteit"), "{row}");
    assert_eq!(row.matches("nog niet begonnen").count(), 5, "{row}");
    assert!(!row.contains("geen actie voor"), "{row}");
    table.assert_contains(r#"<strong id="volledig">1</strong> van de 1"#);
}

#[tokio::test]
async fn the_priority_table_shows_every_area_in_one_table_with_its_missing_priorities() {
    let app = TestApp::new().await;
    let full = app.with_partnership("Regio Volledig").await;
    let half = app.with_partnership("Regio Half").await;
    for year in [2023, 2024, 2025] {
        app.with_action(full)
            .priorities(&[1, 2, 3, 4])
            .starts_on(date(year, 5, 1))
            .await;
    }
    app.with_action(half)
        .priorities(&[1, 2])
        .starts_on(date(2024, 5, 1))
        .await;
    app.with_action(half)
        .priorities(&[1, 2, 3])
        .starts_on(date(2025, 5, 1))
        .await;
    // A cancelled action does not count.
    app.with_action(half)
        .priorities(&[4])
        .starts_on(date(2025, 5, 1))
        .status("geannuleerd")
        .await;
    let period = app.period_id("2023-2025").await;
    app.sign_in_as(Role::Ministry).await;

    let page = app.get(&format!("/prioriteiten?periode={period}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("<table").count(), 1, "one table");
    let half_row = between(&page, &format!("id=\"werkingsgebied-{half}\""), "</tr>");
    let cells: Vec<&str> = half_row.split("<td").skip(1).collect();
    assert!(
        cells[0].contains("geen actie voor </span>LR1, LR2, LR3, LR4"),
        "{half_row}"
    );
    assert!(
        cells[1].contains("geen actie voor </span>LR3, LR4"),
        "{half_row}"
    );
    assert!(
        cells[2].contains("geen actie voor </span>LR4"),
        "{half_row}"
    );
    assert!(cells[3].contains(">7<"), "seven gaps: {half_row}");
    let full_row = between(&page, &format!("id=\"werkingsgebied-{full}\""), "</tr>");
    assert_eq!(full_row.matches("elke prioriteit").count(), 3, "{full_row}");
    // Gaps first.
    assert!(page.body.find("Regio Half").unwrap() < page.body.find("Regio Volledig").unwrap());
}

#[tokio::test]
async fn a_reviewer_finds_the_reports_waiting_for_them_first_on_the_dashboard() {
    let app = TestApp::new().await;
    let gent = app.with_partnership("Regio Gent").await;
    let leie = app.with_partnership("Regio Leie").await;
    let aalst = app.with_partnership("Regio Aalst").await;
    app.with_report(leie, 2024).status("in_behandeling").await;
    app.with_report(gent, 2025).status("ingediend").await;
    app.with_report(aalst, 2025).await;
    let me = app.sign_in_as(Role::Ministry).await;
    app.with_reviewer(gent, me).await;

    let page = app.get("/overzicht").await;
    assert_eq!(page.status, StatusCode::OK);
    let block = between(&page, "id=\"te-beoordelen\"", "</section>");
    assert!(block.contains("Te beoordelen (2)"), "{block}");
    let mine = block
        .find(&format!(
            "<a href=\"/jaarrapporten/{gent}/2025\">Regio Gent, jaarrapport 2025</a>: ingediend · <strong>u bent de beoordelaar</strong>"
        ))
        .unwrap_or_else(|| panic!("{block}"));
    let other = block
        .find(&format!(
            "<a href=\"/jaarrapporten/{leie}/2024\">Regio Leie, jaarrapport 2024</a>: in behandeling</li>"
        ))
        .unwrap_or_else(|| panic!("{block}"));
    assert!(mine < other, "the user's own first: {block}");
    assert!(!block.contains("Regio Aalst"), "a concept waits for nobody");
}

#[tokio::test]
async fn an_admin_starts_with_the_appointments_to_decide_the_current_period_and_the_users() {
    let app = TestApp::new().await;
    let leie = app.with_partnership("Regio Leie").await;
    app.with_appointment_request(leie).await;
    app.sign_in_as(Role::Admin).await;

    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let tasks = between(&home, "id=\"taken\"", "</article>");
    assert!(
        tasks.contains(
            "<a href=\"/aanstellingen?status=aangevraagd\"><strong>1</strong> aanstelling wacht op goedkeuring</a>"
        ),
        "{tasks}"
    );
    assert!(
        tasks.contains("<strong>Geen beleidsperiode loopt vandaag.</strong>"),
        "{tasks}"
    );
    assert!(
        tasks.contains("<a href=\"/admin/gebruikers\">1 actieve gebruiker</a>"),
        "{tasks}"
    );

    app.with_current_period().await;
    let y = chrono::Local::now().year();
    let home = app.get("/").await;
    home.assert_contains(&format!(
        "Beleidsperiode {y}-{} loopt tot 31/12/{}",
        y + 5,
        y + 5
    ));
}
