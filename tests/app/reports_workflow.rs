//! The yearly report's workflow and review: every step from every status by every role, the
//! reasons a send-back and a reopening need, stale forms, the frozen submissions, who is
//! notified (and mailed) of what, the checklist, the message thread, the reviewer of a
//! werkingsgebied and the due dates per report year.
//!
//! The report page itself is helper R1's: a refused form re-renders it, so these tests assert
//! the status of such answers; a text check on that page is marked `// needs R1's page`.

use axum::http::StatusCode;
use regie::identity::Role;
use regie::reports::model::{ReportStatus, Step};

use crate::helpers::{TestApp, TestResponse, date};

const YEAR: i32 = 2024;

/// A werkingsgebied of 2023-2025 with its own regisseur, and a second one with another.
struct World {
    p: i64,
    other_area: i64,
}

async fn world(app: &TestApp) -> World {
    World {
        p: app.with_partnership("Regio Leie").await,
        other_area: app.with_partnership("Regio Schelde").await,
    }
}

fn path(p: i64, year: i32) -> String {
    format!("/jaarrapporten/{p}/{year}")
}

async fn version(app: &TestApp, p: i64, year: i32) -> i32 {
    sqlx::query_scalar("select version from reports where partnership_id = $1 and year = $2")
        .bind(p)
        .bind(year as i16)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn status(app: &TestApp, p: i64, year: i32) -> Option<String> {
    sqlx::query_scalar("select status::text from reports where partnership_id = $1 and year = $2")
        .bind(p)
        .bind(year as i16)
        .fetch_optional(&app.db)
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn denials(app: &TestApp) -> usize {
    app.audit_actions()
        .await
        .iter()
        .filter(|a| *a == "access.denied")
        .count()
}

/// Takes `step` on the report of `p` for `year`, from the version stored now.
async fn take(browser: &TestApp, p: i64, step: Step, reason: &str) -> TestResponse {
    let version = version(browser, p, YEAR).await.to_string();
    browser
        .post_form(
            &format!("{}/{}", path(p, YEAR), step.slug()),
            &[("version", &version), ("reason", reason)],
        )
        .await
}

/// Removes the report of `p` and its history (as the owner: the app may not), then walks a
/// new one to `status`.
async fn reset(app: &TestApp, p: i64, status: ReportStatus) {
    for table in [
        "report_review_items",
        "report_messages",
        "report_submissions",
        "report_transitions",
    ] {
        sqlx::query(&format!(
            "delete from {table} where report_id in (select report_id from reports where partnership_id = $1)"
        ))
        .bind(p)
        .execute(&app.db)
        .await
        .unwrap();
    }
    sqlx::query("delete from reports where partnership_id = $1")
        .bind(p)
        .execute(&app.db)
        .await
        .unwrap();
    app.with_report(p, YEAR as i16).status(status.code()).await;
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Admin,
    Ministry,
    OwnRegisseur,
    OtherRegisseur,
    Vdab,
}

#[tokio::test]
async fn every_step_from_every_status_is_allowed_or_refused_per_role() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut browsers = Vec::new();
    for who in [
        Who::Admin,
        Who::Ministry,
        Who::OwnRegisseur,
        Who::OtherRegisseur,
        Who::Vdab,
    ] {
        let browser = app.other_browser();
        match who {
            Who::Admin => drop(browser.sign_in_as(Role::Admin).await),
            Who::Ministry => drop(browser.sign_in_as(Role::Ministry).await),
            Who::Vdab => drop(browser.sign_in_as(Role::Vdab).await),
            Who::OwnRegisseur => drop(browser.sign_in_as_regisseur_of(w.p, "rita@leie.be").await),
            Who::OtherRegisseur => drop(
                browser
                    .sign_in_as_regisseur_of(w.other_area, "sam@schelde.be")
                    .await,
            ),
        }
        browsers.push((who, browser));
    }
    let transitions = "select count(*) from report_transitions t join reports r using (report_id) where r.partnership_id = $1";
    for step in Step::ALL {
        for from in ReportStatus::ALL {
            for (who, browser) in &browsers {
                reset(&app, w.p, from).await;
                let before = count(&app, transitions, w.p).await;
                let denied = denials(&app).await;
                let response = take(browser, w.p, step, "Graag de cijfers aanvullen.").await;
                let case = format!("{step:?} from {from:?} by {who:?}");
                let may = match who {
                    Who::OwnRegisseur => step == Step::Submit,
                    Who::Admin | Who::Ministry => step != Step::Submit,
                    Who::OtherRegisseur | Who::Vdab => false,
                };
                let now = status(&app, w.p, YEAR).await.unwrap();
                let after = count(&app, transitions, w.p).await;
                match (may, step.from(from)) {
                    (false, _) => {
                        assert_eq!(response.status, StatusCode::FORBIDDEN, "{case}");
                        assert_eq!(denials(&app).await, denied + 1, "{case}: audited");
                        assert_eq!(now, from.code(), "{case}: unchanged");
                        assert_eq!(after, before, "{case}");
                    }
                    (true, Some(to)) => {
                        response.assert_redirects_to(&path(w.p, YEAR));
                        assert_eq!(now, to.code(), "{case}");
                        assert_eq!(after, before + 1, "{case}: a history line");
                    }
                    (true, None) => {
                        assert_eq!(response.status, StatusCode::CONFLICT, "{case}");
                        assert_eq!(now, from.code(), "{case}: unchanged");
                        assert_eq!(after, before, "{case}");
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn a_send_back_needs_remarks_and_a_reopening_a_reason() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    app.sign_in_as(Role::Ministry).await;

    app.with_report(w.p, YEAR as i16)
        .status("in_behandeling")
        .await;
    let response = take(&app, w.p, Step::SendBack, "   ").await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Schrijf op wat het werkingsgebied moet aanvullen"); // needs R1's page
    assert_eq!(status(&app, w.p, YEAR).await.unwrap(), "in_behandeling");

    let long = "x".repeat(5001);
    let response = take(&app, w.p, Step::SendBack, &long).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);

    take(&app, w.p, Step::Approve, "")
        .await
        .assert_redirects_to(&path(w.p, YEAR));
    let response = take(&app, w.p, Step::Reopen, "").await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("waarom u het goedgekeurde rapport heropent"); // needs R1's page
    assert_eq!(status(&app, w.p, YEAR).await.unwrap(), "goedgekeurd");

    take(&app, w.p, Step::Reopen, "Bedragen kloppen niet.")
        .await
        .assert_redirects_to(&path(w.p, YEAR));
    let reason: String = sqlx::query_scalar(
        "select reason from report_transitions order by transition_id desc limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(reason, "Bedragen kloppen niet.");
    assert_eq!(status(&app, w.p, YEAR).await.unwrap(), "in_behandeling");
}

#[tokio::test]
async fn a_stale_or_incomplete_form_changes_nothing() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    app.sign_in_as(Role::Ministry).await;
    app.with_report(w.p, YEAR as i16).status("ingediend").await;
    let url = format!("{}/in-behandeling", path(w.p, YEAR));

    let old = (version(&app, w.p, YEAR).await - 1).to_string();
    let response = app.post_form(&url, &[("version", &old)]).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    response.assert_contains("Iemand anders heeft dit rapport intussen gewijzigd"); // needs R1's page

    let response = app.post_form(&url, &[]).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Het formulier is onvolledig"); // needs R1's page
    let response = app.post_form(&url, &[("version", "twee")]).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status(&app, w.p, YEAR).await.unwrap(), "ingediend");

    // A year outside the werkingsgebied's period has no report at all.
    let response = app
        .post_form(
            &format!("/jaarrapporten/{}/2026/in-behandeling", w.p),
            &[("version", "1")],
        )
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_report_nobody_started_cannot_be_submitted() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    app.sign_in_as_regisseur_of(w.p, "rita@leie.be").await;
    let response = app
        .post_form(
            &format!("{}/indienen", path(w.p, 2025)),
            &[("version", "1")],
        )
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(status(&app, w.p, 2025).await, None);
}

#[tokio::test]
async fn submitting_freezes_submission_one_and_a_resubmission_after_a_send_back_is_number_two() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let rita = app.sign_in_as_regisseur_of(w.p, "rita@leie.be").await;
    let staff = app.other_browser();
    let maria = staff.sign_in_as(Role::Ministry).await;
    let report = app.with_report(w.p, YEAR as i16).await;

    take(&app, w.p, Step::Submit, "")
        .await
        .assert_redirects_to(&path(w.p, YEAR));
    app.assert_audited("report.status_changed").await;
    take(&staff, w.p, Step::TakeUp, "").await;
    take(&staff, w.p, Step::SendBack, "Vul het bereik aan.")
        .await
        .assert_redirects_to(&path(w.p, YEAR));
    // The regisseur holds the report again and changes the narrative (helper R1's form).
    sqlx::query("update reports set context = 'Aangevuld met het bereik' where report_id = $1")
        .bind(report)
        .execute(&app.db)
        .await
        .unwrap();
    take(&app, w.p, Step::Submit, "")
        .await
        .assert_redirects_to(&path(w.p, YEAR));

    let submissions: Vec<(i16, String, i64)> = sqlx::query_as(
        "select number, snapshot->'narrative'->>'context', submitted_by from report_submissions where report_id = $1 order by number",
    )
    .bind(report)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        submissions,
        vec![
            (1, "Testcontext".to_string(), rita),
            (2, "Aangevuld met het bereik".to_string(), rita)
        ]
    );
    let history: Vec<(String, String, String, i64)> = sqlx::query_as(
        "select from_status::text, to_status::text, reason, changed_by from report_transitions where report_id = $1 order by transition_id",
    )
    .bind(report)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let steps: Vec<(&str, &str, &str, i64)> = history
        .iter()
        .map(|(f, t, r, by)| (f.as_str(), t.as_str(), r.as_str(), *by))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("concept", "ingediend", "", rita),
            ("ingediend", "in_behandeling", "", maria),
            (
                "in_behandeling",
                "teruggestuurd",
                "Vul het bereik aan.",
                maria
            ),
            ("teruggestuurd", "ingediend", "", rita),
        ]
    );
    let details: serde_json::Value = sqlx::query_scalar(
        "select details from audit_events where action = 'report.status_changed' order by audit_event_id desc limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(details["submission"], 2);
    assert_eq!(details["from"], "teruggestuurd");
}

const NOTIFIED: &str =
    "select count(*) from notifications where user_id = $1 and kind = $2::text::notification_kind";
const MAILED: &str = "select count(*) from outbox o join notifications n using (notification_id) where n.user_id = $1 and n.kind = $2::text::notification_kind";

async fn notified(app: &TestApp, user: i64, kind: &str) -> (i64, i64) {
    let mut counts = [0; 2];
    for (i, sql) in [NOTIFIED, MAILED].iter().enumerate() {
        counts[i] = sqlx::query_scalar(sql)
            .bind(user)
            .bind(kind)
            .fetch_one(&app.db)
            .await
            .unwrap();
    }
    (counts[0], counts[1])
}

#[tokio::test]
async fn each_step_tells_the_other_side_and_mails_those_who_did_not_turn_that_off() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let rita = app.sign_in_as_regisseur_of(w.p, "rita@leie.be").await;
    let reviewer_browser = app.other_browser();
    let reviewer = reviewer_browser.sign_in_as(Role::Ministry).await;
    let colleague = app
        .with_user(Role::Ministry)
        .email("colleague@vlaanderen.be")
        .await;
    let admin = app.with_user(Role::Admin).await;
    sqlx::query(
        "insert into notification_preferences (user_id, kind, email) values ($1, 'report_sent_back', false)",
    )
    .bind(rita)
    .execute(&app.db)
    .await
    .unwrap();
    app.with_report(w.p, YEAR as i16).await;

    // Without a reviewer, every ministry user hears of a submission; the author and admins not.
    take(&app, w.p, Step::Submit, "").await;
    assert_eq!(notified(&app, reviewer, "report_submitted").await, (1, 1));
    assert_eq!(notified(&app, colleague, "report_submitted").await, (1, 1));
    assert_eq!(notified(&app, admin, "report_submitted").await, (0, 0));
    assert_eq!(notified(&app, rita, "report_submitted").await, (0, 0));

    take(&reviewer_browser, w.p, Step::TakeUp, "").await;
    assert_eq!(notified(&app, rita, "report_in_review").await, (1, 1));
    take(
        &reviewer_browser,
        w.p,
        Step::SendBack,
        "Vul het bereik aan.",
    )
    .await;
    // Rita turned the e-mail of send-backs off: the notification, no mail.
    assert_eq!(notified(&app, rita, "report_sent_back").await, (1, 0));
    let (title, body, link): (String, String, String) = sqlx::query_as(
        "select title, body, link from notifications where user_id = $1 and kind = 'report_sent_back'",
    )
    .bind(rita)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(title, "Jaarrapport 2024 van Regio Leie is teruggestuurd");
    assert_eq!(body, "Vul het bereik aan.");
    assert_eq!(link, path(w.p, YEAR));

    // With a reviewer, only the reviewer hears of the resubmission.
    app.with_reviewer(w.p, reviewer).await;
    take(&app, w.p, Step::Submit, "").await;
    assert_eq!(notified(&app, reviewer, "report_submitted").await, (2, 2));
    assert_eq!(notified(&app, colleague, "report_submitted").await, (1, 1));

    take(&reviewer_browser, w.p, Step::TakeUp, "").await;
    take(&reviewer_browser, w.p, Step::Approve, "").await;
    assert_eq!(notified(&app, rita, "report_approved").await, (1, 1));
    // A reopening reaches the regisseur and the reviewer, but not the one who reopened.
    let colleague_browser = app.other_browser();
    colleague_browser
        .sign_in("colleague@vlaanderen.be", crate::helpers::PASSWORD)
        .await;
    take(
        &colleague_browser,
        w.p,
        Step::Reopen,
        "Bedragen kloppen niet.",
    )
    .await;
    assert_eq!(notified(&app, rita, "report_reopened").await, (1, 1));
    assert_eq!(notified(&app, reviewer, "report_reopened").await, (1, 1));
    assert_eq!(notified(&app, colleague, "report_reopened").await, (0, 0));
    take(&reviewer_browser, w.p, Step::Approve, "").await;
    take(&reviewer_browser, w.p, Step::Reopen, "Nog een vraag.").await;
    assert_eq!(notified(&app, reviewer, "report_reopened").await, (1, 1));
    assert_eq!(notified(&app, rita, "report_reopened").await, (2, 2));
}

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

fn checklist(overrides: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
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

async fn post_owned(app: &TestApp, url: &str, fields: &[(String, String)]) -> TestResponse {
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
