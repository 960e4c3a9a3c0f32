//! The review around the workflow: the message thread, the checklist, the reviewer of a
//! werkingsgebied and the due dates per report year.

use axum::http::StatusCode;
use regie::identity::Role;

use super::{YEAR, count, notified, path, status, world};
use crate::helpers::{TestApp, TestResponse, date};

#[tokio::test]
async fn a_message_reaches_the_other_side_and_not_its_author() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let rita = app.sign_in_as_regisseur_of(w.p, "rita@leie.be").await;
    let staff = app.other_browser();
    let reviewer = staff.sign_in_as(Role::Ministry).await;
    let colleague = app
        .with_user(Role::Ministry)
        .email("colleague@vlaanderen.be")
        .await;
    let berichten = format!("{}/berichten", path(w.p, 2025));

    // The department asks about a report nobody started: the concept row comes with it.
    staff
        .post_form(
            &berichten,
            &[("body", "Waar blijft het rapport?"), ("answer_by", "")],
        )
        .await
        .assert_redirects_to(&format!("{}#berichten", path(w.p, 2025)));
    assert_eq!(status(&app, w.p, 2025).await.as_deref(), Some("concept"));
    assert_eq!(notified(&app, rita, "report_message").await, (1, 1));
    assert_eq!(notified(&app, reviewer, "report_message").await, (0, 0));
    assert_eq!(notified(&app, colleague, "report_message").await, (0, 0));
    app.assert_audited("report.message_posted").await;
    let details: serde_json::Value = sqlx::query_scalar(
        "select details from audit_events where action = 'report.message_posted'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(!details.to_string().contains("Waar blijft"), "{details}");

    // The regisseur answers: the reviewer hears, with a link to the thread.
    app.with_reviewer(w.p, reviewer).await;
    app.post_form(&berichten, &[("body", "Volgende week."), ("answer_by", "")])
        .await
        .assert_redirects_to(&format!("{}#berichten", path(w.p, 2025)));
    assert_eq!(notified(&app, reviewer, "report_message").await, (1, 1));
    assert_eq!(notified(&app, colleague, "report_message").await, (0, 0));
    assert_eq!(notified(&app, rita, "report_message").await, (1, 1));
    let link: String = sqlx::query_scalar(
        "select link from notifications where user_id = $1 and kind = 'report_message'",
    )
    .bind(reviewer)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(link, format!("{}#berichten", path(w.p, 2025)));
    let sides: Vec<(String, i64)> =
        sqlx::query_as("select side::text, author_id from report_messages order by message_id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        sides,
        vec![
            ("departement".to_string(), reviewer),
            ("werkingsgebied".to_string(), rita)
        ]
    );
}

#[tokio::test]
async fn a_message_needs_text_an_answer_date_not_in_the_past_and_the_right_to_write() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    app.sign_in_as_regisseur_of(w.p, "rita@leie.be").await;
    let berichten = format!("{}/berichten", path(w.p, YEAR));

    let response = app
        .post_form(
            &berichten,
            &[("body", "Kan dit later?"), ("answer_by", "01/01/2020")],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Kan dit later?"); // needs R1's page (keeps what was typed)
    let response = app
        .post_form(&berichten, &[("body", "  "), ("answer_by", "")])
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stored = count(
        &app,
        "select count(*) from report_messages where author_id <> $1",
        0,
    )
    .await;
    assert_eq!(stored, 0);

    let outsider = app.other_browser();
    outsider
        .sign_in_as_regisseur_of(w.other_area, "sam@schelde.be")
        .await;
    let response = outsider
        .post_form(&berichten, &[("body", "Hallo"), ("answer_by", "")])
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let vdab = app.other_browser();
    vdab.sign_in_as(Role::Vdab).await;
    let response = vdab
        .post_form(&berichten, &[("body", "Hallo"), ("answer_by", "")])
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

/// The checklist as the form sends it, every item "in orde" unless overridden.
pub(crate) fn checklist(overrides: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = regie::reports::review::ITEMS
        .iter()
        .flat_map(|(code, _)| {
            [
                (format!("{code}_state"), "in_orde".to_string()),
                (format!("{code}_remark"), String::new()),
            ]
        })
        .collect();
    for (name, value) in overrides {
        if let Some(field) = fields.iter_mut().find(|(n, _)| n == name) {
            field.1 = value.to_string();
        }
    }
    fields
}

pub(crate) async fn post_owned(
    app: &TestApp,
    url: &str,
    fields: &[(String, String)],
) -> TestResponse {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form(url, &fields).await
}

#[tokio::test]
async fn the_reviewer_fills_in_the_checklist_with_a_remark_where_something_is_wrong() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let maria = app.sign_in_as(Role::Ministry).await;
    let report = app
        .with_report(w.p, YEAR as i16)
        .status("in_behandeling")
        .await;
    let url = format!("{}/controlelijst", path(w.p, YEAR));

    let response = post_owned(&app, &url, &checklist(&[("budget_state", "opmerking")])).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("De besteding past binnen de toekenning"); // needs R1's page
    let response = post_owned(&app, &url, &checklist(&[("bereik_state", "prima")])).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows = "select count(*) from report_review_items where report_id = $1";
    assert_eq!(count(&app, rows, report).await, 0);

    let fields = checklist(&[
        ("budget_state", "opmerking"),
        ("budget_remark", "Uitgaven 2024 ontbreken."),
        ("toelichting_state", "open"),
    ]);
    post_owned(&app, &url, &fields)
        .await
        .assert_redirects_to(&format!("{}#controlelijst", path(w.p, YEAR)));
    assert_eq!(count(&app, rows, report).await, 6);
    let budget: (String, String, i64) = sqlx::query_as(
        "select state::text, remark, updated_by from report_review_items where report_id = $1 and item = 'budget'",
    )
    .bind(report)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        budget,
        ("opmerking".into(), "Uitgaven 2024 ontbreken.".into(), maria)
    );
    app.assert_audited("report.checklist_updated").await;

    // Who does not review may not; a report nobody started has no checklist.
    let response = post_owned(
        &app,
        &format!("{}/controlelijst", path(w.p, 2025)),
        &checklist(&[]),
    )
    .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    let rita = app.other_browser();
    rita.sign_in_as_regisseur_of(w.p, "rita@leie.be").await;
    let response = post_owned(&rita, &url, &checklist(&[])).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_assigns_only_an_active_ministry_user_as_reviewer() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    app.sign_in_as(Role::Admin).await;
    let maria = app
        .with_user(Role::Ministry)
        .email("maria@vlaanderen.be")
        .name("Maria Beoordelaar")
        .await;
    let rita = app
        .with_user(Role::Regisseur)
        .email("rita@leie.be")
        .regisseur_of(w.p)
        .await;
    let gone = app
        .with_user(Role::Ministry)
        .email("weg@vlaanderen.be")
        .await;
    sqlx::query("update users set active = false where user_id = $1")
        .bind(gone)
        .execute(&app.db)
        .await
        .unwrap();
    let url = format!("/werkingsgebieden/{}/beoordelaar", w.p);
    let reviewer_of = "select count(*) from partnership_reviewers where partnership_id = $1";

    for refused in [rita, gone] {
        let response = app
            .post_form(&url, &[("reviewer_id", &refused.to_string())])
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        response.assert_contains("Kies een actieve gebruiker van het departement");
        assert_eq!(count(&app, reviewer_of, w.p).await, 0);
    }
    let response = app.post_form(&url, &[]).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);

    app.post_form(&url, &[("reviewer_id", &maria.to_string())])
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{}#beoordelaar", w.p));
    let assigned: i64 = sqlx::query_scalar(
        "select reviewer_id from partnership_reviewers where partnership_id = $1",
    )
    .bind(w.p)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(assigned, maria);
    app.assert_audited("report.reviewer_assigned").await;
    app.get(&format!("/werkingsgebieden/{}", w.p))
        .await
        .assert_contains("Maria Beoordelaar krijgt een melding");

    // Present but empty: the assignment goes.
    app.post_form(&url, &[("reviewer_id", "")])
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{}#beoordelaar", w.p));
    assert_eq!(count(&app, reviewer_of, w.p).await, 0);

    let staff = app.other_browser();
    staff.sign_in_as(Role::Ministry).await;
    let response = staff
        .post_form(&url, &[("reviewer_id", &maria.to_string())])
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, reviewer_of, w.p).await, 0);
}

#[tokio::test]
async fn an_admin_sets_the_due_date_of_a_report_year_and_sees_who_handed_in() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    app.sign_in_as(Role::Admin).await;
    // Handed in now, long after a due date in 2025: late. The other werkingsgebied: missing.
    app.with_report(w.p, YEAR as i16).status("ingediend").await;
    app.with_deadline(2023, date(2024, 3, 31)).await;

    let page = app.get("/admin/indiendata").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("niet vastgelegd");
    page.assert_contains("<td>31/03/2024</td>");
    page.assert_contains("2 ontbreken");
    page.assert_contains("2023");

    app.post_form(
        "/admin/indiendata",
        &[("year", "2024"), ("due_on", "31/03/2025")],
    )
    .await
    .assert_redirects_to("/admin/indiendata");
    let (due_on, set_by): (chrono::NaiveDate, Option<i64>) =
        sqlx::query_as("select due_on, set_by from report_deadlines where year = 2024")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(due_on, date(2025, 3, 31));
    assert!(set_by.is_some());
    app.assert_audited("report.deadline_set").await;
    let page = app.get("/admin/indiendata").await;
    page.assert_contains("Indiendatum van de jaarrapporten 2024 vastgelegd: 31/03/2025.");
    page.assert_contains("<td>31/03/2025</td>");
    page.assert_contains("1 ontbreken");
    // Rapportjaar 2024: two werkingsgebieden, one handed in (late: submitted today), one missing.
    page.assert_contains(
        r#"<td class="num">2</td>
      <td class="num">1</td>
      <td class="num">1</td>"#,
    );

    for (due_on, message) in [
        ("31/03/2027", "in het rapportjaar of in de twee jaren erna"),
        ("31/13/2025", "Vul een geldige indiendatum in"),
    ] {
        let response = app
            .post_form("/admin/indiendata", &[("year", "2024"), ("due_on", due_on)])
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        response.assert_contains(message);
        response.assert_contains(due_on);
    }
    let still: chrono::NaiveDate =
        sqlx::query_scalar("select due_on from report_deadlines where year = 2024")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(still, date(2025, 3, 31));

    let staff = app.other_browser();
    staff.sign_in_as(Role::Ministry).await;
    assert_eq!(
        staff.get("/admin/indiendata").await.status,
        StatusCode::FORBIDDEN
    );
    let response = staff
        .post_form(
            "/admin/indiendata",
            &[("year", "2024"), ("due_on", "30/04/2025")],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}
