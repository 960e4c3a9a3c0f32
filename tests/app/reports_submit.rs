//! Issue #24 for the yearly report: submitting sends the form's text and shows what will be
//! frozen with a completeness check first (required checks block); a sent-back report shows its
//! remarks first and each can be answered; approving with something open asks first and keeps
//! the motivation. The browser test of "Indienen without saving" is in `browser::reports`.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{TestApp, date};
use crate::reports_workflow::review::{self, post_owned as post};

const YEAR: i32 = 2024;

fn path(p: i64) -> String {
    format!("/jaarrapporten/{p}/{YEAR}")
}

async fn scalar<T>(app: &TestApp, sql: &str, p: i64) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    sqlx::query_scalar(sql)
        .bind(p)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn submissions(app: &TestApp, p: i64) -> i64 {
    scalar(
        app,
        "select count(*) from report_submissions s join reports r using (report_id) where r.partnership_id = $1",
        p,
    )
    .await
}

fn narrative<'a>(version: &'a str, worked: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("version", version),
        ("context", "Een jaar van opbouw."),
        ("worked", worked),
        ("not_worked", ""),
        ("plans", "Meer jobbeurzen."),
    ]
}

#[tokio::test]
async fn the_confirmation_shows_the_typed_text_and_every_gap_and_saves_nothing() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    app.with_action(p)
        .title("Jobbeurs Leie")
        .priorities(&[1, 2])
        .starts_on(date(2024, 3, 1))
        .await;
    app.sign_in_as_regisseur_of(p, "rita@leie.be").await;

    let page = app
        .post_form(
            &format!("{}/indienen/controleren", path(p)),
            &narrative("0", "De jobbeurs liep goed."),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Jaarrapport 2024 indienen?");
    page.assert_contains("De jobbeurs liep goed.");
    for gap in [
        "De sectie „Wat werkte niet” van de toelichting is leeg.",
        "WSE-LR3 (",
        "WSE-LR4 (",
        "Actie „Jobbeurs Leie”: geen bereikte deelnemers en geen resultaten.",
        "De uitgaven van 2024 zijn nog niet gerapporteerd.",
    ] {
        page.assert_contains(gap);
    }
    page.assert_contains("U kunt toch indienen");
    page.assert_contains(">Definitief indienen</button>");
    // The text travels on in the form, line breaks and all; nothing is stored yet.
    page.assert_contains("<textarea name=\"worked\" hidden>\nDe jobbeurs liep goed.</textarea>");
    let rows: i64 = scalar(
        &app,
        "select count(*) from reports where partnership_id = $1",
        p,
    )
    .await;
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn submitting_saves_the_text_sent_and_freezes_it_in_one_step_once() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    app.with_report(p, YEAR as i16).await;
    app.sign_in_as_regisseur_of(p, "rita@leie.be").await;

    let mut fields = narrative("1", "Typed but never saved.");
    fields.push(("idempotency_key", "6f1c2d3e-0000-4000-8000-000000000024"));
    let url = format!("{}/indienen", path(p));
    app.post_form(&url, &fields)
        .await
        .assert_redirects_to(&path(p));
    // The same form again (a double click): nothing more, and the same answer.
    app.post_form(&url, &fields)
        .await
        .assert_redirects_to(&path(p));
    assert_eq!(submissions(&app, p).await, 1);
    let worked: String = scalar(
        &app,
        "select snapshot->'narrative'->>'worked' from report_submissions s join reports r using (report_id) where r.partnership_id = $1",
        p,
    )
    .await;
    assert_eq!(worked, "Typed but never saved.");
    let (status, stored): (String, String) =
        sqlx::query_as("select status::text, worked from reports where partnership_id = $1")
            .bind(p)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), stored.as_str()),
        ("ingediend", "Typed but never saved.")
    );
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"report.saved".to_string()), "{actions:?}");
    assert!(actions.contains(&"report.status_changed".to_string()));

    // Another form now is stale: the report is frozen and the text offered apart.
    let response = app
        .post_form(&url, &narrative("1", "Nog een poging."))
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    response.assert_contains("Uw tekst (niet bewaard)");
    response.assert_contains("Nog een poging.");
    assert_eq!(submissions(&app, p).await, 1);
}

#[tokio::test]
async fn a_check_the_department_requires_blocks_the_submission_until_it_is_met() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    app.with_report(p, YEAR as i16).await;
    let admin = app.other_browser();
    admin.sign_in_as(Role::Admin).await;
    admin
        .post_form("/admin/indiendata/controles", &[("uitgaven_2024", "1")])
        .await
        .assert_redirects_to("/admin/indiendata#controles");
    admin.assert_audited("report.checks_required").await;
    admin
        .get("/admin/indiendata")
        .await
        .assert_contains(r#"name="uitgaven_2024" value="1" checked>"#);

    app.sign_in_as_regisseur_of(p, "rita@leie.be").await;
    let page = app
        .post_form(
            &format!("{}/indienen/controleren", path(p)),
            &narrative("1", "Goed."),
        )
        .await;
    page.assert_contains(
        "<strong>Verplicht:</strong> De uitgaven van 2024 zijn nog niet gerapporteerd.",
    );
    assert!(!page.body.contains(">Definitief indienen</button>"));
    let refused = app
        .post_form(&format!("{}/indienen", path(p)), &narrative("1", "Goed."))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Het rapport kan nog niet ingediend worden");
    assert_eq!(submissions(&app, p).await, 0);

    // Reported spending meets the check; the other gaps only warn.
    sqlx::query(
        "insert into spending_reports (partnership_id, year, staff_cents, operating_cents, actions_cents) values ($1, 2024, 0, 0, 0)",
    )
    .bind(p)
    .execute(&app.db)
    .await
    .unwrap();
    app.post_form(&format!("{}/indienen", path(p)), &narrative("1", "Goed."))
        .await
        .assert_redirects_to(&path(p));
    assert_eq!(submissions(&app, p).await, 1);

    // Only an admin sets them.
    let staff = app.other_browser();
    staff.sign_in_as(Role::Ministry).await;
    let response = staff
        .post_form("/admin/indiendata/controles", &[("uitgaven_2025", "1")])
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let required: i64 = sqlx::query_scalar("select count(*) from report_required_checks")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(required, 1);
}

#[tokio::test]
async fn nobody_but_the_own_regisseur_submits_or_sees_the_confirmation() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    let other = app.with_partnership("Regio Schelde").await;
    app.with_report(p, YEAR as i16).await;
    for who in ["ministry", "admin", "other"] {
        let browser = app.other_browser();
        match who {
            "ministry" => drop(browser.sign_in_as(Role::Ministry).await),
            "admin" => drop(browser.sign_in_as(Role::Admin).await),
            _ => drop(
                browser
                    .sign_in_as_regisseur_of(other, "sam@schelde.be")
                    .await,
            ),
        }
        for url in ["indienen/controleren", "indienen"] {
            let response = browser
                .post_form(&format!("{}/{url}", path(p)), &narrative("1", "x"))
                .await;
            assert_eq!(response.status, StatusCode::FORBIDDEN, "{who} {url}");
        }
    }
    assert_eq!(submissions(&app, p).await, 0);
}

/// The checklist as the form sends it, and more fields.
fn checklist(
    overrides: &[(&'static str, &'static str)],
    more: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut fields = review::checklist(overrides);
    fields.extend(more.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    fields
}

async fn version(app: &TestApp, p: i64) -> String {
    let v: i32 = scalar(
        app,
        "select version from reports where partnership_id = $1",
        p,
    )
    .await;
    v.to_string()
}

#[tokio::test]
async fn a_sent_back_report_shows_its_remarks_first_and_each_can_be_answered() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    app.with_report(p, YEAR as i16)
        .status("in_behandeling")
        .await;
    let staff = app.other_browser();
    staff.sign_in_as(Role::Ministry).await;

    // The checklist typed and "Terugsturen" clicked, without saving the checklist first.
    let mut fields = checklist(
        &[
            ("budget_state", "opmerking"),
            ("budget_remark", "De uitgaven 2024 ontbreken."),
        ],
        &[("reason", "Vul het rapport aan.")],
    );
    fields.push(("version".into(), version(&app, p).await));
    post(&staff, &format!("{}/terugsturen", path(p)), &fields)
        .await
        .assert_redirects_to(&path(p));
    let budget: String = scalar(
        &app,
        "select i.state::text from report_review_items i join reports r using (report_id) where r.partnership_id = $1 and i.item = 'budget'",
        p,
    )
    .await;
    assert_eq!(budget, "opmerking");

    app.sign_in_as_regisseur_of(p, "rita@leie.be").await;
    let page = app.get(&path(p)).await;
    let alert = page.body.find("Teruggestuurd: de opmerkingen").unwrap();
    let form = page.body.find("class=\"report-form\"").unwrap();
    assert!(alert < form, "the remarks come before the form");
    page.assert_contains("Vul het rapport aan.");
    page.assert_contains("<strong>De besteding past binnen de toekenning</strong>");
    page.assert_contains("De uitgaven 2024 ontbreken.");
    page.assert_contains("href=\"?antwoord=budget#berichten\"");

    let answering = app.get(&format!("{}?antwoord=budget", path(p))).await;
    answering.assert_contains(
        "U antwoordt op de opmerking over <strong>De besteding past binnen de toekenning</strong>",
    );
    answering.assert_contains("name=\"about\" value=\"budget\"");
    app.post_form(
        &format!("{}/berichten", path(p)),
        &[
            ("body", "Het uitgavenrapport staat er nu."),
            ("answer_by", ""),
            ("about", "budget"),
        ],
    )
    .await
    .assert_redirects_to(&format!("{}#berichten", path(p)));
    let page = app.get(&path(p)).await;
    page.assert_contains("beantwoord op");
    page.assert_contains("Antwoord op de opmerking bij „De besteding past binnen de toekenning”");

    // An unknown remark is not stored as one; staff see the remarks but cannot answer them.
    app.post_form(
        &format!("{}/berichten", path(p)),
        &[("body", "Nog iets."), ("answer_by", ""), ("about", "iets")],
    )
    .await;
    let abouts: Vec<Option<String>> = sqlx::query_scalar(
        "select about from report_messages m join reports r using (report_id) where r.partnership_id = $1 order by message_id",
    )
    .bind(p)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(abouts, [Some("budget".to_string()), None]);
    let staff_page = staff.get(&path(p)).await;
    staff_page.assert_contains("De uitgaven 2024 ontbreken.");
    assert!(!staff_page.body.contains("?antwoord="));
}

#[tokio::test]
async fn saving_the_checklist_keeps_remarks_typed_for_a_send_back() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    app.with_report(p, YEAR as i16)
        .status("in_behandeling")
        .await;
    app.sign_in_as(Role::Ministry).await;
    let response = post(
        &app,
        &format!("{}/controlelijst", path(p)),
        &checklist(&[], &[("reason", "Nog niet verstuurd.")]),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    response.assert_contains("De toelichting bij uw beslissing is nog niet");
    response.assert_contains("Nog niet verstuurd.</textarea>");
}

#[tokio::test]
async fn approving_with_something_open_asks_first_and_keeps_the_motivation() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    app.with_report(p, YEAR as i16).await;
    let rita = app.other_browser();
    rita.sign_in_as_regisseur_of(p, "rita@leie.be").await;
    rita.post_form(&format!("{}/indienen", path(p)), &[("version", "1")])
        .await
        .assert_redirects_to(&path(p));
    app.sign_in_as(Role::Ministry).await;
    let url = |step: &str| format!("{}/{step}", path(p));
    let mut take_up = checklist(&[], &[]);
    take_up.push(("version".into(), version(&app, p).await));
    post(&app, &url("in-behandeling"), &take_up)
        .await
        .assert_redirects_to(&path(p));
    // The department asked something the regisseur has not answered.
    app.post_form(
        &url("berichten"),
        &[("body", "Klopt het bereik?"), ("answer_by", "31/12/2099")],
    )
    .await;

    let mut fields = checklist(
        &[
            ("partners_state", "opmerking"),
            ("partners_remark", "Rol van VDAB onduidelijk."),
        ],
        &[],
    );
    fields.push(("version".into(), version(&app, p).await));
    let asked = post(&app, &url("goedkeuren"), &fields).await;
    assert_eq!(asked.status, StatusCode::OK);
    asked.assert_contains("Jaarrapport 2024 goedkeuren?");
    asked.assert_contains("opmerking „Rol van VDAB onduidelijk.”");
    asked.assert_contains("zonder antwoord: „Klopt het bereik?”");
    asked.assert_contains("De uitgaven van 2024 zijn nog niet gerapporteerd.");
    asked.assert_contains("name=\"partners_remark\" value=\"Rol van VDAB onduidelijk.\"");
    let status = "select status::text from reports where partnership_id = $1";
    assert_eq!(scalar::<String>(&app, status, p).await, "in_behandeling");

    fields.push(("bevestigd".into(), "1".into()));
    let refused = post(&app, &url("goedkeuren"), &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Schrijf kort waarom u het rapport goedkeurt");
    assert_eq!(scalar::<String>(&app, status, p).await, "in_behandeling");

    fields.push(("reason".into(), "Besproken met de regisseur.".into()));
    post(&app, &url("goedkeuren"), &fields)
        .await
        .assert_redirects_to(&path(p));
    assert_eq!(scalar::<String>(&app, status, p).await, "goedgekeurd");
    let reason: String = scalar(
        &app,
        "select t.reason from report_transitions t join reports r using (report_id) where r.partnership_id = $1 and t.to_status = 'goedgekeurd'",
        p,
    )
    .await;
    assert_eq!(reason, "Besproken met de regisseur.");
    let remark: String = scalar(
        &app,
        "select i.remark from report_review_items i join reports r using (report_id) where r.partnership_id = $1 and i.item = 'partners'",
        p,
    )
    .await;
    assert_eq!(remark, "Rol van VDAB onduidelijk.");
    app.get(&path(p))
        .await
        .assert_contains("Besproken met de regisseur.");
}

#[tokio::test]
async fn approving_a_complete_report_with_nothing_open_is_one_click() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    let action = app
        .with_action(p)
        .title("Alles in één")
        .priorities(&[1, 2, 3, 4])
        .starts_on(date(2024, 3, 1))
        .await;
    sqlx::query("update actions set results = 'Twaalf mensen aan het werk.' where action_id = $1")
        .bind(action)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "insert into action_participants (action_id, target_group, planned, reached) values ($1, 'leefloongerechtigden', 10, 12)",
    )
    .bind(action)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into spending_reports (partnership_id, year, staff_cents, operating_cents, actions_cents) values ($1, 2024, 100, 0, 0)",
    )
    .bind(p)
    .execute(&app.db)
    .await
    .unwrap();
    let rita = app.other_browser();
    rita.sign_in_as_regisseur_of(p, "rita@leie.be").await;
    let confirm = rita
        .post_form(
            &format!("{}/indienen/controleren", path(p)),
            &[
                ("version", "0"),
                ("context", "a"),
                ("worked", "b"),
                ("not_worked", "c"),
                ("plans", "d"),
            ],
        )
        .await;
    confirm.assert_contains("Het rapport is volledig");
    rita.post_form(
        &format!("{}/indienen", path(p)),
        &[
            ("version", "0"),
            ("context", "a"),
            ("worked", "b"),
            ("not_worked", "c"),
            ("plans", "d"),
        ],
    )
    .await
    .assert_redirects_to(&path(p));

    app.sign_in_as(Role::Ministry).await;
    for step in ["in-behandeling", "goedkeuren"] {
        let mut fields = checklist(&[], &[]);
        fields.push(("version".into(), version(&app, p).await));
        post(&app, &format!("{}/{step}", path(p)), &fields)
            .await
            .assert_redirects_to(&path(p));
    }
    let status: String = scalar(
        &app,
        "select status::text from reports where partnership_id = $1",
        p,
    )
    .await;
    assert_eq!(status, "goedgekeurd");
}
