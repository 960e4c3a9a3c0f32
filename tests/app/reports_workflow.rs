//! The yearly report's workflow: every step from every status by every role, the reasons a
//! send-back and a reopening need, stale forms, the frozen submissions, and who is notified (and
//! mailed) of what. The checklist, messages, reviewers and due dates are in [`review`].
//!
//! The report page itself is helper R1's: a refused form re-renders it, so these tests assert
//! the status of such answers; a text check on that page is marked `// needs R1's page`.

use axum::http::StatusCode;
use regie::identity::Role;
use regie::reports::model::{ReportStatus, Step};

use crate::helpers::{TestApp, TestResponse};

pub(crate) mod review;

const YEAR: i32 = 2024;

/// Two werkingsgebieden of 2023-2025: the report's (`p`) and another one.
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

/// Takes `step` on the report of `p` for `year`, from the version stored now. An approval is
/// sent as confirmed with a motivation, as the confirmation page sends it: what it asks first
/// is tested in `approving_with_something_open_asks_first_and_keeps_the_motivation`.
async fn take(browser: &TestApp, p: i64, step: Step, reason: &str) -> TestResponse {
    let version = version(browser, p, YEAR).await.to_string();
    let mut fields = vec![("version", version.as_str()), ("reason", reason)];
    if step == Step::Approve {
        fields.push(("bevestigd", "1"));
        if reason.trim().is_empty() {
            fields[1].1 = "Goedgekeurd na overleg.";
        }
    }
    browser
        .post_form(&format!("{}/{}", path(p, YEAR), step.slug()), &fields)
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
