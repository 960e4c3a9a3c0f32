//! Notifications: the list and its unread count, marking read (only one's own), e-mail
//! preferences that `notify` respects, the outbox worker against a test SMTP server (two
//! workers send each mail once; failures back off and finally give up), deadline reminders
//! that fire once per deadline, the appointment-approved notice and the admins' mailbox.

use axum::http::StatusCode;
use regie::identity::Role;
use regie::notifications::outbox::{self, MAX_ATTEMPTS, Mailer};
use regie::notifications::{Kind, Notice, notify, reminders};
use sqlx::PgPool;

use crate::helpers::{TestApp, app_pool, date, test_config_with};
use crate::smtp::SmtpServer;

/// Notifies `users` through the real `notify`, as a feature does inside its transaction.
async fn tell(app: &TestApp, users: &[i64], notice: Notice) {
    let mut tx = app.db.begin().await.unwrap();
    notify(&mut tx, &app.state.config.public_url, users, &notice)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn message(title: &str) -> Notice {
    Notice::new(Kind::ReportMessage, title, "/jaarrapporten/1/2025")
}

async fn notification_id(app: &TestApp, title: &str) -> i64 {
    sqlx::query_scalar("select notification_id from notifications where title = $1")
        .bind(title)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_user_sees_only_their_own_notifications_and_reads_them() {
    let app = TestApp::new().await;
    let other = app
        .with_user(Role::Regisseur)
        .email("ander@gemeente.be")
        .await;
    let me = app.sign_in_as(Role::Regisseur).await;
    tell(&app, &[me], message("Vraag over uw rapport")).await;
    tell(&app, &[me], message("Tweede vraag")).await;
    tell(&app, &[other], message("Geheim van een ander")).await;

    let page = app.get("/meldingen").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Vraag over uw rapport");
    page.assert_contains("Tweede vraag");
    page.assert_contains("U hebt 2 ongelezen meldingen.");
    page.assert_contains(r#"Meldingen <span class="badge">2"#);
    assert!(!page.body.contains("Geheim van een ander"));
    // Newest first.
    assert!(page.body.find("Tweede vraag") < page.body.find("Vraag over uw rapport"));

    // Opening one marks it read and follows its link.
    let first = notification_id(&app, "Vraag over uw rapport").await;
    app.post_form(&format!("/meldingen/{first}/gelezen"), &[("openen", "1")])
        .await
        .assert_redirects_to("/jaarrapporten/1/2025");
    let page = app.get("/meldingen").await;
    page.assert_contains(r#"Meldingen <span class="badge">1"#);
    page.assert_contains("U hebt 1 ongelezen melding.");

    // Everything read: the header shows no number any more.
    app.post_form("/meldingen/gelezen", &[])
        .await
        .assert_redirects_to("/meldingen");
    let page = app.get("/meldingen").await;
    page.assert_contains("Alle meldingen zijn als gelezen gemarkeerd.");
    page.assert_contains("U hebt geen ongelezen meldingen.");
    assert!(!page.body.contains(r#"<span class="badge">"#));
    let others_unread: i64 = sqlx::query_scalar(
        "select count(*) from notifications where user_id = $1 and read_at is null",
    )
    .bind(other)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(others_unread, 1, "marking all read touches only one's own");
}

#[tokio::test]
async fn marking_someone_elses_notification_read_is_not_found() {
    let app = TestApp::new().await;
    let other = app
        .with_user(Role::Ministry)
        .email("ander@vlaanderen.be")
        .await;
    app.sign_in_as(Role::Regisseur).await;
    tell(&app, &[other], message("Niet van u")).await;
    let id = notification_id(&app, "Niet van u").await;

    for fields in [&[][..], &[("openen", "1")][..]] {
        let r = app
            .post_form(&format!("/meldingen/{id}/gelezen"), fields)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!r.body.contains("Niet van u"));
    }
    let unread: bool =
        sqlx::query_scalar("select read_at is null from notifications where notification_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(unread);
}

#[tokio::test]
async fn a_notification_without_a_local_link_opens_the_list() {
    let app = TestApp::new().await;
    let me = app.sign_in_as(Role::Ministry).await;
    tell(
        &app,
        &[me],
        Notice::new(Kind::ReportSubmitted, "Zonder link", ""),
    )
    .await;
    let id = notification_id(&app, "Zonder link").await;
    let page = app.get("/meldingen").await;
    assert!(!page.body.contains(">Openen<"), "no link, no Openen button");
    app.post_form(&format!("/meldingen/{id}/gelezen"), &[("openen", "1")])
        .await
        .assert_redirects_to("/meldingen");
}

#[tokio::test]
async fn email_preferences_are_stored_per_kind_and_respected() {
    let app = TestApp::new().await;
    let me = app.sign_in_as(Role::Regisseur).await;
    let page = app.get("/meldingen/voorkeuren").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("E-mail bij:");
    page.assert_contains("Een jaarrapport is teruggestuurd");
    assert!(
        !page.body.contains("Een jaarrapport is ingediend"),
        "a regisseur is not told of submissions"
    );
    assert_eq!(
        page.body.matches(" checked").count(),
        8,
        "all on by default"
    );

    // Only "sent back" stays on.
    app.post_form("/meldingen/voorkeuren", &[("email", "report_sent_back")])
        .await
        .assert_redirects_to("/meldingen/voorkeuren");
    let page = app.get("/meldingen/voorkeuren").await;
    page.assert_contains("Voorkeuren bewaard.");
    assert_eq!(page.body.matches(" checked").count(), 1);
    app.assert_audited("notification.preferences_changed").await;

    tell(&app, &[me], message("Een bericht, zonder mail")).await;
    tell(
        &app,
        &[me],
        Notice::new(Kind::ReportSentBack, "Teruggestuurd, met mail", "/"),
    )
    .await;
    let mailed: Vec<String> = sqlx::query_scalar("select subject from outbox order by mail_id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(mailed, vec!["Teruggestuurd, met mail"]);
    let listed: i64 = sqlx::query_scalar("select count(*) from notifications where user_id = $1")
        .bind(me)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(listed, 2, "both are in the list, mail or not");

    // No checkbox at all: every e-mail off.
    app.post_form("/meldingen/voorkeuren", &[])
        .await
        .assert_redirects_to("/meldingen/voorkeuren");
    let on: i64 = sqlx::query_scalar(
        "select count(*) from notification_preferences where user_id = $1 and email",
    )
    .bind(me)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(on, 0);
}

/// `count` waiting mails to `mail{n}@test.be`, due now.
async fn with_waiting_mail(db: &PgPool, count: i32) {
    sqlx::query(
        "insert into outbox (recipient, subject, body) select 'mail' || n || '@test.be', 'Melding ' || n, 'Tekst ' || n from generate_series(1, $1) n",
    )
    .bind(count)
    .execute(db)
    .await
    .unwrap();
}

fn mailer(url: &str) -> Mailer {
    Mailer::from_config(&test_config_with(&[("REGIE_SMTP_URL", url)]))
        .unwrap()
        .expect("a mailer when REGIE_SMTP_URL is set")
}

/// Sends rounds until nothing more can be claimed.
async fn drain(db: &PgPool, mailer: &Mailer) -> usize {
    let mut sent = 0;
    loop {
        let round = outbox::send_due(db, mailer).await.unwrap();
        if round.claimed == 0 {
            return sent;
        }
        sent += round.sent;
    }
}

#[tokio::test]
async fn two_mail_workers_on_one_database_send_each_mail_once() {
    let app = TestApp::new().await;
    with_waiting_mail(&app.db, 40).await;
    let server = SmtpServer::start().await;
    let (one, two) = (mailer(&server.url), mailer(&server.url));
    let other_instance = app_pool(&app.db).await;
    let (a, b) = tokio::join!(drain(&app.state.db, &one), drain(&other_instance, &two));
    assert_eq!(a + b, 40);

    let messages = server.messages();
    assert_eq!(messages.len(), 40);
    let mut recipients: Vec<String> = messages.iter().flat_map(|m| m.to.clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 40, "each mail once");
    assert!(
        messages
            .iter()
            .any(|m| m.data.contains("Subject: Melding 7\r\n"))
    );
    assert!(messages[0].data.contains("From: regie <noreply@localhost>"));

    let (sent, with_date): (i64, i64) = sqlx::query_as(
        "select count(*) filter (where status = 'verzonden'), count(sent_at) from outbox",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((sent, with_date), (40, 40));
    assert_eq!(drain(&app.state.db, &one).await, 0, "nothing is sent twice");
    assert_eq!(server.messages().len(), 40);
}

#[tokio::test]
async fn a_refused_mail_is_retried_later_and_finally_marked_failed() {
    let app = TestApp::new().await;
    with_waiting_mail(&app.db, 1).await;
    let server = SmtpServer::rejecting().await;
    let mailer = mailer(&server.url);

    let round = outbox::send_due(&app.state.db, &mailer).await.unwrap();
    assert_eq!((round.claimed, round.retrying), (1, 1));
    let (status, attempts, error, later): (String, i16, Option<String>, bool) = sqlx::query_as(
        "select status::text, attempts, last_error, next_attempt_at > now() from outbox",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((status.as_str(), attempts, later), ("wachtend", 1, true));
    assert!(error.is_some_and(|e| !e.is_empty() && e.len() <= 300));
    // Not due yet: the next round leaves it alone.
    assert_eq!(
        outbox::send_due(&app.state.db, &mailer)
            .await
            .unwrap()
            .claimed,
        0
    );

    // The last attempt fails too: the mail is given up.
    sqlx::query("update outbox set attempts = $1, next_attempt_at = now()")
        .bind(MAX_ATTEMPTS - 1)
        .execute(&app.db)
        .await
        .unwrap();
    let round = outbox::send_due(&app.state.db, &mailer).await.unwrap();
    assert_eq!(round.given_up, 1);
    let (status, attempts): (String, i16) =
        sqlx::query_as("select status::text, attempts from outbox")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("mislukt", MAX_ATTEMPTS));
    assert_eq!(
        outbox::send_due(&app.state.db, &mailer)
            .await
            .unwrap()
            .claimed,
        0
    );
}

/// (user, kind) of every notification, ordered.
async fn reminders_sent(db: &PgPool) -> Vec<(i64, String, String)> {
    sqlx::query_as(
        "select user_id, kind::text, dedupe_key from notifications order by notification_id",
    )
    .fetch_all(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn reminders_fire_once_per_deadline() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    let done = app.with_partnership("Regio Schelde").await;
    let rita = app
        .with_user(Role::Regisseur)
        .email("rita@leie.be")
        .regisseur_of(p)
        .await;
    let sam = app
        .with_user(Role::Regisseur)
        .email("sam@schelde.be")
        .regisseur_of(done)
        .await;
    let reviewer = app
        .with_user(Role::Ministry)
        .email("beoordelaar@vlaanderen.be")
        .await;
    app.with_reviewer(p, reviewer).await;
    app.with_report(done, 2025).status("ingediend").await;
    app.with_deadline(2025, date(2026, 3, 31)).await;
    // Long past: never reminded of.
    app.with_deadline(2023, date(2024, 3, 31)).await;
    let url = app.state.config.public_url.clone();
    let run = |day| reminders::run_once(&app.state.db, &url, day);

    // Before the window: nothing.
    assert_eq!(run(date(2026, 3, 16)).await.unwrap(), 0);
    // Twice on one day, and again on another day within the 14 days: one reminder.
    assert_eq!(run(date(2026, 3, 17)).await.unwrap(), 1);
    assert_eq!(run(date(2026, 3, 17)).await.unwrap(), 0);
    assert_eq!(run(date(2026, 3, 31)).await.unwrap(), 0);
    let near = "deadline_near:2025:2026-03-31:".to_string() + &p.to_string();
    assert_eq!(
        reminders_sent(&app.db).await,
        vec![(rita, "deadline_near".into(), near.clone())]
    );
    // Passed: the regisseur and the reviewer, once.
    assert_eq!(run(date(2026, 4, 1)).await.unwrap(), 2);
    assert_eq!(run(date(2026, 4, 2)).await.unwrap(), 0);
    // A new due date is a new deadline: reminded anew.
    app.with_deadline(2025, date(2026, 4, 30)).await;
    assert_eq!(run(date(2026, 4, 20)).await.unwrap(), 1);
    assert_eq!(run(date(2026, 4, 21)).await.unwrap(), 0);

    let sent = reminders_sent(&app.db).await;
    assert_eq!(sent.len(), 4);
    assert!(sent.iter().all(|(user, _, _)| *user != sam), "handed in");
    let passed = format!("deadline_passed:2025:2026-03-31:{p}");
    assert!(sent.contains(&(reviewer, "deadline_passed".into(), passed.clone())));
    assert!(sent.contains(&(rita, "deadline_passed".into(), passed)));
    assert!(!sent.iter().any(|(_, _, key)| key.contains(":2023:")));
    // Every reminder is also mail (nobody turned it off).
    let mails: i64 = sqlx::query_scalar("select count(*) from outbox")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(mails, 4);

    // The regisseur reads it with a link to the report.
    app.sign_in("rita@leie.be", crate::helpers::PASSWORD).await;
    let page = app.get("/meldingen").await;
    page.assert_contains("Het jaarrapport 2025 van Regio Leie moet ingediend zijn op 30/04/2026");
}

#[tokio::test]
async fn approving_an_appointment_notifies_the_regisseur_and_the_requester() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    let requester = app
        .with_user(Role::Ministry)
        .email("aanvrager@vlaanderen.be")
        .await;
    let id = app.with_appointment_request(p).await;
    sqlx::query("update appointments set requested_by = $1 where appointment_id = $2")
        .bind(requester)
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    let admin = app.sign_in_as(Role::Admin).await;
    app.post_form(&format!("/aanstellingen/{id}/goedkeuren"), &[])
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));

    let told: Vec<(String, String, String)> = sqlx::query_as(
        "select u.email, n.kind::text, n.link from notifications n join users u using (user_id) order by u.email",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let link = format!("/werkingsgebieden/{p}");
    assert_eq!(
        told,
        vec![
            (
                "aanvrager@vlaanderen.be".into(),
                "appointment_approved".into(),
                link.clone()
            ),
            (
                "kandidaat@gemeente.be".into(),
                "appointment_approved".into(),
                link
            ),
        ]
    );
    let admin_told: i64 =
        sqlx::query_scalar("select count(*) from notifications where user_id = $1")
            .bind(admin)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        admin_told, 0,
        "the deciding admin is not told of their own decision"
    );
}

#[tokio::test]
async fn admins_read_the_outbox_as_a_mailbox_and_others_may_not() {
    let app = TestApp::new().await;
    sqlx::query(
        "insert into outbox (recipient, subject, body, is_demo) values ('rita@leie.be', 'Uw rapport is teruggestuurd', 'Zie <script>alert(1)</script>', true)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let id: i64 = sqlx::query_scalar("select mail_id from outbox")
        .fetch_one(&app.db)
        .await
        .unwrap();

    let staff = app.other_browser();
    staff.sign_in_as(Role::Ministry).await;
    for path in [
        "/admin/uitgaande-post".to_string(),
        format!("/admin/uitgaande-post/{id}"),
    ] {
        assert_eq!(
            staff.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }

    app.sign_in_as(Role::Admin).await;
    let page = app.get("/admin/uitgaande-post").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(
        "REGIE_SMTP_URL is niet ingesteld: berichten worden niet verzonden; dit is de brievenbus",
    );
    page.assert_contains("Uw rapport is teruggestuurd");
    page.assert_contains("rita@leie.be");
    page.assert_contains("Wachtend");
    page.assert_contains(r#"<span class="demo-badge">demo</span>"#);
    let mail = app.get(&format!("/admin/uitgaande-post/{id}")).await;
    assert_eq!(mail.status, StatusCode::OK);
    mail.assert_contains("Zie &#60;script&#62;alert(1)&#60;/script&#62;");
    assert!(!mail.body.contains("<script>alert"));
    assert_eq!(
        app.get("/admin/uitgaande-post/999999").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn with_a_mail_server_configured_the_mailbox_says_mail_is_sent() {
    let app = TestApp::with_settings(&[("REGIE_SMTP_URL", "smtp://127.0.0.1:2525")]).await;
    app.sign_in_as(Role::Admin).await;
    let page = app.get("/admin/uitgaande-post").await;
    assert!(!page.body.contains("REGIE_SMTP_URL is niet ingesteld"));
    page.assert_contains("Er is nog geen uitgaande post.");
}

#[tokio::test]
async fn the_list_shows_fifty_at_a_time_with_a_link_to_older_ones() {
    let app = TestApp::new().await;
    let me = app.sign_in_as(Role::Regisseur).await;
    for n in 1..=51 {
        tell(&app, &[me], message(&format!("Melding nummer {n}."))).await;
    }
    let page = app.get("/meldingen").await;
    page.assert_contains("Melding nummer 51.");
    page.assert_contains("Melding nummer 2.");
    assert!(!page.body.contains("Melding nummer 1."));
    let oldest = notification_id(&app, "Melding nummer 2.").await;
    let older = format!("/meldingen?voor={oldest}");
    page.assert_contains(&older);
    let page = app.get(&older).await;
    page.assert_contains("Melding nummer 1.");
    assert!(!page.body.contains("Melding nummer 2."));
    page.assert_contains("Nieuwste meldingen");
}

#[tokio::test]
async fn a_vdab_account_manager_has_a_list_but_no_mail_to_choose() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Vdab).await;
    app.get("/meldingen")
        .await
        .assert_contains("Er zijn geen meldingen.");
    let page = app.get("/meldingen/voorkeuren").await;
    page.assert_contains("Er zijn geen meldingen die u per e-mail kunt krijgen.");
    assert!(!page.body.contains(r#"type="checkbox""#));
    app.post_form("/meldingen/voorkeuren", &[("email", "report_submitted")])
        .await
        .assert_redirects_to("/meldingen/voorkeuren");
    let stored: i64 = sqlx::query_scalar("select count(*) from notification_preferences")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0, "a kind that cannot reach the role is not stored");
}
