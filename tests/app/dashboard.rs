//! The ministry dashboard `/overzicht`: the figures from the data, the health view's signals,
//! sorting and filtering by URL, saved filters, who may open it, and the start pages.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{TestApp, TestResponse, date};

/// Three werkingsgebieden of 2023-2025, report year 2025 due 31/03/2026 (passed):
/// - Regio Gent: a regisseur, a signed agreement with a meeting in 2025, its 2025 report
///   approved, an action for each priority in 2025, spending within the allocation: all green.
/// - Regio Leie: nothing at all.
/// - Regio Aalst: no regisseur, a signed agreement without a meeting in 2025, a concept report,
///   three priorities, spending over its allocation.
struct Fixture {
    gent: i64,
    leie: i64,
    aalst: i64,
}

async fn fixture(app: &TestApp) -> Fixture {
    let gent = app.with_partnership("Regio Gent").members(&["44021"]).await;
    let leie = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let aalst = app
        .with_partnership("Regio Aalst")
        .members(&["41002"])
        .await;
    app.with_user(Role::Regisseur)
        .email("rita@gent.be")
        .name("Rita Regisseur")
        .regisseur_of(gent)
        .await;
    app.with_deadline(2025, date(2026, 3, 31)).await;

    let signed = app.with_agreement(gent).await;
    sign(app, signed).await;
    meeting(app, signed, "2025-05-12").await;
    let unfollowed = app.with_agreement(aalst).await;
    sign(app, unfollowed).await;
    meeting(app, unfollowed, "2024-05-12").await;

    app.with_report(gent, 2025).status("goedgekeurd").await;
    app.with_report(aalst, 2025).await;

    app.with_action(gent)
        .priorities(&[1, 2, 3, 4])
        .starts_on(date(2025, 3, 1))
        .await;
    app.with_action(aalst)
        .priorities(&[1, 2, 3])
        .starts_on(date(2025, 3, 1))
        .await;

    app.with_envelope(2025, 1_000_000).await;
    app.with_allocation(gent, 2025, 100_000).await;
    app.with_allocation(aalst, 2025, 50_000).await;
    spending(app, gent, 90_000).await;
    spending(app, aalst, 60_000).await;
    payment(app, gent, 40_000).await;
    Fixture { gent, leie, aalst }
}

async fn sign(app: &TestApp, agreement: i64) {
    sqlx::query(
        "update agreements set status = 'ondertekend', signed_on = date '2023-06-01' where agreement_id = $1",
    )
    .bind(agreement)
    .execute(&app.db)
    .await
    .unwrap();
}

async fn meeting(app: &TestApp, agreement: i64, held_on: &str) {
    sqlx::query(
        "insert into agreement_meetings (agreement_id, held_on, participants) values ($1, $2::date, 'Jan Peeters')",
    )
    .bind(agreement)
    .bind(held_on)
    .execute(&app.db)
    .await
    .unwrap();
}

/// Reported spending in 2025 of `euros`, all on staff.
async fn spending(app: &TestApp, partnership: i64, euros: i64) {
    sqlx::query(
        "insert into spending_reports (partnership_id, year, staff_cents, operating_cents, actions_cents) values ($1, 2025, $2 * 100, 0, 0)",
    )
    .bind(partnership)
    .bind(euros)
    .execute(&app.db)
    .await
    .unwrap();
}

async fn payment(app: &TestApp, partnership: i64, euros: i64) {
    sqlx::query(
        "insert into payments (partnership_id, year, kind, paid_on, amount_cents) values ($1, 2025, 'voorschot', '2025-02-01', $2 * 100)",
    )
    .bind(partnership)
    .bind(euros)
    .execute(&app.db)
    .await
    .unwrap();
}

/// The text a person reads from the element with `id="<id>"` up to `end`, tags removed and
/// white space collapsed.
fn text_at(page: &TestResponse, id: &str, end: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let start = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker} on the page"));
    let rest = &page.body[start..];
    let rest = &rest[rest.find('>').map_or(0, |i| i + 1)..];
    let html = &rest[..rest.find(end).unwrap_or(rest.len())];
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.replace(" :", ":")
}

fn row(page: &TestResponse, partnership: i64) -> String {
    text_at(page, &format!("werkingsgebied-{partnership}"), "</tr>")
}

fn section(page: &TestResponse, id: &str) -> String {
    text_at(page, id, "</section>")
}

/// The order in which the health view lists the names.
fn order(page: &TestResponse, names: &[&str]) -> Vec<String> {
    let table = &page.body[page.body.find("table class=\"striped health\"").unwrap()..];
    let mut found: Vec<(usize, String)> = names
        .iter()
        .filter_map(|n| table.find(&format!(">{n}</a>")).map(|i| (i, n.to_string())))
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

#[tokio::test]
async fn ministry_staff_start_on_the_dashboard() {
    let app = TestApp::new().await;
    app.with_partnership("Regio Gent").members(&["44021"]).await;
    app.sign_in_as(Role::Ministry).await;

    app.get("/").await.assert_redirects_to("/overzicht");
    let page = app.get("/overzicht").await;
    assert_eq!(page.status, StatusCode::OK);
    // Last year's reports are the ones due now.
    page.assert_contains("<h1>Overzicht 2025</h1>");
    page.assert_contains("href=\"/overzicht\" aria-current=\"page\">Overzicht</a>");
}

#[tokio::test]
async fn the_dashboard_shows_the_figures_of_the_data() {
    let app = TestApp::new().await;
    let f = fixture(&app).await;
    app.sign_in_as(Role::Ministry).await;
    let page = app.get("/overzicht?jaar=2025").await;
    assert_eq!(page.status, StatusCode::OK);

    page.assert_contains("jaarrapporten 2025 in te dienen uiterlijk 31/03/2026");
    assert!(section(&page, "dekking").contains("3 van 300 gemeenten (1,00%)"));
    let reports = section(&page, "rapporten");
    for count in [
        "1 niet begonnen",
        "1 concept",
        "0 ingediend",
        "1 goedgekeurd",
        "2 te laat",
    ] {
        assert!(reports.contains(count), "{count} in {reports}");
    }
    page.assert_contains("href=\"/jaarrapporten?jaar=2025&#38;status=te_laat\"");
    page.assert_contains("href=\"/jaarrapporten?jaar=2025&#38;status=niet_begonnen\"");

    let overdue = section(&page, "achterstallig");
    assert!(overdue.contains("Achterstallig (2)"), "{overdue}");
    assert!(overdue.contains("Regio Leie: jaarrapport 2025 te laat (niet begonnen)"));
    assert!(overdue.contains("Regio Aalst: jaarrapport 2025 te laat (concept)"));
    let without = section(&page, "zonder-regisseur");
    assert!(without.contains("Zonder regisseur (2)"), "{without}");
    assert!(without.contains("Regio Leie") && without.contains("Regio Aalst"));
    assert!(!without.contains("Regio Gent"));
    let unsigned = section(&page, "niet-ondertekend");
    assert!(
        unsigned.contains("Niet ondertekend (1) Regio Leie: geen overeenkomst"),
        "{unsigned}"
    );
    page.assert_contains(&format!(
        "href=\"/samenwerkingsovereenkomsten?werkingsgebied={}\"",
        f.leie
    ));

    let budget = section(&page, "budget");
    assert!(budget.contains("Toegekend € 150.000,00"), "{budget}");
    assert!(budget.contains("Uitbetaald € 40.000,00"));
    assert!(budget.contains("Gemelde uitgaven € 150.000,00 (2 van 3 werkingsgebieden meldden)"));
    page.assert_contains("href=\"/budget/2025\"");
    page.assert_contains(&format!("href=\"/jaarrapporten/{}/2025\"", f.aalst));
}

#[tokio::test]
async fn the_health_view_gives_each_dimension_a_signal_in_words() {
    let app = TestApp::new().await;
    let f = fixture(&app).await;
    app.sign_in_as(Role::Admin).await;
    let page = app.get("/overzicht?jaar=2025").await;

    let gent = row(&page, f.gent);
    assert_eq!(gent.matches("Groen:").count(), 5, "{gent}");
    assert!(gent.contains("Groen: aangesteld: Rita Regisseur"));
    assert!(gent.contains("Groen: ondertekend, opgevolgd in 2025"));
    assert!(gent.contains("Groen: goedgekeurd"));
    assert!(gent.contains("Groen: 4 van 4 prioriteiten"));
    assert!(gent.contains("Groen: € 90.000,00 van € 100.000,00"));

    let leie = row(&page, f.leie);
    assert!(leie.contains("Rood: geen regisseur"), "{leie}");
    assert!(leie.contains("Rood: geen overeenkomst"));
    assert!(leie.contains("Rood: te laat: niet begonnen, was uiterlijk 31/03/2026"));
    assert!(leie.contains("Rood: 0 van 4 prioriteiten"));
    assert!(leie.contains("Grijs: nog geen uitgaven gemeld"));
    assert!(leie.ends_with(" 4"), "four red signals: {leie}");

    let aalst = row(&page, f.aalst);
    assert!(
        aalst.contains("Oranje: ondertekend, geen opvolgingsmoment in 2025"),
        "{aalst}"
    );
    assert!(aalst.contains("Oranje: 3 van 4 prioriteiten"));
    assert!(aalst.contains("Rood: € 60.000,00 van € 50.000,00: € 10.000,00 te veel"));
    page.assert_contains(&format!("href=\"/jaarrapporten/{}/2025\"", f.aalst));
}

/// A werkingsgebied carried over into a new one keeps the answer to "who is its regisseur" for
/// its last year: the successor's regisseur, who reports for it.
#[tokio::test]
async fn a_carried_over_werkingsgebied_shows_its_successors_regisseur() {
    let app = TestApp::new().await;
    let f = fixture(&app).await;
    let successor = app.with_partnership("Regio Leie vervolg").await;
    sqlx::query("update partnerships set carried_over_from = $1 where partnership_id = $2")
        .bind(f.leie)
        .bind(successor)
        .execute(&app.db)
        .await
        .unwrap();
    app.with_user(Role::Regisseur)
        .email("otto@leie.be")
        .name("Otto Opvolger")
        .regisseur_of(successor)
        .await;
    app.sign_in_as(Role::Admin).await;
    let page = app.get("/overzicht?jaar=2025").await;
    let leie = row(&page, f.leie);
    assert!(leie.contains("Groen: aangesteld: Otto Opvolger"), "{leie}");
    let gent = row(&page, f.gent);
    assert!(gent.contains("Groen: aangesteld: Rita Regisseur"), "{gent}");
    assert!(!gent.contains("Otto"), "{gent}");
}

#[tokio::test]
async fn the_figures_move_when_the_data_changes() {
    let app = TestApp::new().await;
    let f = fixture(&app).await;
    app.sign_in_as(Role::Ministry).await;

    sqlx::query(
        "insert into partnership_members (partnership_id, policy_period_id, vintage, nis_code) select $1, policy_period_id, vintage, '34041' from partnerships join policy_periods using (policy_period_id) where partnership_id = $1",
    )
    .bind(f.leie)
    .execute(&app.db)
    .await
    .unwrap();
    app.with_user(Role::Regisseur)
        .email("lea@leie.be")
        .name("Lea Leie")
        .regisseur_of(f.leie)
        .await;
    app.with_report(f.leie, 2025).status("ingediend").await;
    app.with_action(f.aalst)
        .priorities(&[4])
        .starts_on(date(2025, 6, 1))
        .await;

    let page = app.get("/overzicht?jaar=2025").await;
    assert!(section(&page, "dekking").contains("4 van 300 gemeenten"));
    let reports = section(&page, "rapporten");
    assert!(reports.contains("0 niet begonnen") && reports.contains("1 ingediend"));
    assert!(reports.contains("1 te laat"), "{reports}");
    assert!(section(&page, "zonder-regisseur").contains("Zonder regisseur (1)"));
    assert!(row(&page, f.leie).contains("Groen: aangesteld: Lea Leie"));
    assert!(row(&page, f.aalst).contains("Groen: 4 van 4 prioriteiten"));
}

#[tokio::test]
async fn the_health_view_sorts_and_filters_by_its_url() {
    let app = TestApp::new().await;
    fixture(&app).await;
    app.sign_in_as(Role::Ministry).await;
    let names = ["Regio Gent", "Regio Leie", "Regio Aalst"];

    let by_name = app.get("/overzicht?jaar=2025&sorteer=naam").await;
    assert_eq!(
        order(&by_name, &names),
        ["Regio Aalst", "Regio Gent", "Regio Leie"]
    );
    let by_attention = app.get("/overzicht?jaar=2025&sorteer=aandacht").await;
    assert_eq!(
        order(&by_attention, &names),
        ["Regio Leie", "Regio Aalst", "Regio Gent"]
    );
    by_attention.assert_contains("<option value=\"aandacht\" selected>");
    // Choosing another year keeps the other filters.
    by_attention.assert_contains("<input type=\"hidden\" name=\"sorteer\" value=\"aandacht\">");

    // By one dimension: red, then orange, then green.
    let by_agreement = app.get("/overzicht?jaar=2025&sorteer=overeenkomst").await;
    assert_eq!(
        order(&by_agreement, &names),
        ["Regio Leie", "Regio Aalst", "Regio Gent"]
    );
    by_agreement.assert_contains("<option value=\"overeenkomst\" selected>");

    let red = app.get("/overzicht?jaar=2025&signaal=rood").await;
    assert_eq!(order(&red, &names), ["Regio Aalst", "Regio Leie"]);
    red.assert_contains("<strong>2</strong> van 3 werkingsgebieden");

    let agreements = app
        .get("/overzicht?jaar=2025&signaal=rood&dimensie=overeenkomst")
        .await;
    assert_eq!(order(&agreements, &names), ["Regio Leie"]);
    let attention = app.get("/overzicht?jaar=2025&dimensie=overeenkomst").await;
    assert_eq!(order(&attention, &names), ["Regio Aalst", "Regio Leie"]);

    let west = app
        .get("/overzicht?jaar=2025&provincie=West-Vlaanderen")
        .await;
    assert_eq!(order(&west, &names), ["Regio Leie"]);
    // The summary blocks count all werkingsgebieden, whatever the filters.
    assert!(section(&west, "zonder-regisseur").contains("Zonder regisseur (2)"));
}

#[tokio::test]
async fn a_filter_is_saved_listed_opened_and_deleted() {
    let app = TestApp::new().await;
    fixture(&app).await;
    app.sign_in_as(Role::Ministry).await;
    let page = app
        .get("/overzicht?jaar=2025&signaal=rood&dimensie=rapport")
        .await;
    page.assert_contains(
        "name=\"query\" value=\"jaar=2025&#38;signaal=rood&#38;dimensie=rapport\"",
    );

    let saved = app
        .post_form(
            "/overzicht/filters",
            &[
                ("name", "Te late rapporten"),
                ("query", "jaar=2025&signaal=rood&dimensie=rapport"),
            ],
        )
        .await;
    saved.assert_redirects_to("/overzicht?jaar=2025&signaal=rood&dimensie=rapport");
    let page = app.get(saved.location()).await;
    page.assert_contains("Filter ‘Te late rapporten’ bewaard.");
    let list = section(&page, "opgeslagen");
    assert!(list.contains("Te late rapporten"), "{list}");
    page.assert_contains(
        "<a href=\"/overzicht?jaar=2025&#38;signaal=rood&#38;dimensie=rapport\">Te late rapporten</a>",
    );

    let id: i64 = sqlx::query_scalar("select filter_id from saved_filters")
        .fetch_one(&app.db)
        .await
        .unwrap();
    app.post_form(&format!("/overzicht/filters/{id}/verwijderen"), &[])
        .await
        .assert_redirects_to("/overzicht");
    let page = app.get("/overzicht").await;
    page.assert_contains("Filter ‘Te late rapporten’ verwijderd.");
    page.assert_contains("U hebt nog geen filters opgeslagen.");
}

#[tokio::test]
async fn a_filter_needs_a_new_name_and_a_valid_query() {
    let app = TestApp::new().await;
    app.with_partnership("Regio Gent").members(&["44021"]).await;
    app.sign_in_as(Role::Ministry).await;
    let save = |name: &'static str, query: &'static str| {
        let app = &app;
        async move {
            app.post_form("/overzicht/filters", &[("name", name), ("query", query)])
                .await
        }
    };

    let empty = save("  ", "sorteer=aandacht").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty.assert_contains("Vul de naam in.");
    // The page comes back with the filters of the form.
    empty.assert_contains("<option value=\"aandacht\" selected>");

    save("Aandacht", "sorteer=aandacht")
        .await
        .assert_redirects_to("/overzicht?sorteer=aandacht");
    let twice = save("Aandacht", "signaal=rood").await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    twice.assert_contains("U hebt al een filter met deze naam. Kies een andere naam.");
    twice.assert_contains("value=\"Aandacht\"");

    let bad = save("Vreemd", "sorteer=aandacht&pagina=2").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("de filters in het adres zijn ongeldig");
    let long = "x".repeat(101);
    let too_long = app
        .post_form("/overzicht/filters", &[("name", &long), ("query", "")])
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    too_long.assert_contains("de naam mag hoogstens 100 tekens lang zijn.");

    let count: i64 = sqlx::query_scalar("select count(*) from saved_filters")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn nobody_deletes_or_sees_someone_elses_filter() {
    let app = TestApp::new().await;
    let colleague = app
        .with_user(Role::Ministry)
        .email("collega@vlaanderen.be")
        .await;
    let theirs: i64 = sqlx::query_scalar(
        "insert into saved_filters (user_id, page, name, query) values ($1, 'overzicht', 'Van een collega', 'signaal=rood') returning filter_id",
    )
    .bind(colleague)
    .fetch_one(&app.db)
    .await
    .unwrap();
    app.sign_in_as(Role::Admin).await;

    let page = app.get("/overzicht").await;
    assert!(!page.body.contains("Van een collega"));
    let r = app
        .post_form(&format!("/overzicht/filters/{theirs}/verwijderen"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let still: i64 = sqlx::query_scalar("select count(*) from saved_filters")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(still, 1);
}

#[tokio::test]
async fn regisseurs_and_vdab_account_managers_may_not_open_the_dashboard() {
    for role in [Role::Regisseur, Role::Vdab] {
        let app = TestApp::new().await;
        app.sign_in_as(role).await;
        let r = app.get("/overzicht?signaal=rood").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
        r.assert_contains("Geen toegang");
        let r = app
            .post_form("/overzicht/filters", &[("name", "Poging"), ("query", "")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
    }
}

#[tokio::test]
async fn an_unanswered_message_past_its_date_is_overdue_until_the_other_side_answers() {
    let app = TestApp::new().await;
    let gent = app.with_partnership("Regio Gent").members(&["44021"]).await;
    let report = app.with_report(gent, 2025).status("in_behandeling").await;
    let reviewer = app.sign_in_as(Role::Ministry).await;
    let message = |author: i64, side: &'static str, answer_by: Option<&'static str>| {
        let db = app.db.clone();
        async move {
            sqlx::query(
                "insert into report_messages (report_id, author_id, side, body, answer_by) values ($1, $2, $3::text::report_side, 'Graag de cijfers van maart.', $4::date)",
            )
            .bind(report)
            .bind(author)
            .bind(side)
            .bind(answer_by)
            .execute(&db)
            .await
            .unwrap();
        }
    };
    message(reviewer, "departement", Some("2026-01-15")).await;

    let page = app.get("/overzicht?jaar=2025").await;
    let overdue = section(&page, "achterstallig");
    assert!(
        overdue.contains(
            "Regio Gent: bericht wacht op antwoord van het werkingsgebied sinds 15/01/2026"
        ),
        "{overdue}"
    );
    page.assert_contains(&format!("href=\"/jaarrapporten/{gent}/2025#berichten\""));

    // A colleague's note on the same side does not answer it; the werkingsgebied's reply does.
    message(reviewer, "departement", None).await;
    let page = app.get("/overzicht?jaar=2025").await;
    assert!(section(&page, "achterstallig").contains("wacht op antwoord"));
    let regisseur = app
        .with_user(Role::Regisseur)
        .email("rita@gent.be")
        .regisseur_of(gent)
        .await;
    message(regisseur, "werkingsgebied", None).await;
    let page = app.get("/overzicht?jaar=2025").await;
    assert!(!section(&page, "achterstallig").contains("wacht op antwoord"));
}

#[tokio::test]
async fn a_regisseur_finds_the_report_due_now_on_the_start_page() {
    let app = TestApp::new().await;
    let gent = app.with_partnership("Regio Gent").members(&["44021"]).await;
    app.with_deadline(2025, date(2026, 3, 31)).await;
    app.sign_in_as_regisseur_of(gent, "rita@gent.be").await;

    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let reports = text_at(&home, "jaarrapporten", "</article>");
    assert!(
        reports.contains(
            "Regio Gent, jaarrapport 2025: te laat: niet begonnen, was uiterlijk 31/03/2026"
        ),
        "{reports}"
    );
    home.assert_contains(&format!(
        "<a href=\"/jaarrapporten/{gent}/2025\">Naar het jaarrapport 2025</a>"
    ));

    app.with_report(gent, 2025).status("ingediend").await;
    let home = app.get("/").await;
    assert!(text_at(&home, "jaarrapporten", "</article>").contains("jaarrapport 2025: ingediend"));
}

#[tokio::test]
async fn an_admin_starts_on_the_start_page_with_a_link_to_the_dashboard() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("<a href=\"/overzicht\">Naar het overzicht</a>");
    // The admin pages are grouped in the header.
    home.assert_contains("<summary>Beheer</summary>");
    home.assert_contains("<a href=\"/admin/uitgaande-post\">Uitgaande post</a>");
}
