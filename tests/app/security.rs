//! Security hardening (issue #8): each finding of the review, tried the way an attacker would.

use std::sync::Arc;

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{PASSWORD, TestApp};

const WRONG: &str = "fout wachtwoord 123";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_wrong_passwords_for_one_account_get_at_most_the_limit_evaluated() {
    let app = Arc::new(TestApp::new().await);
    app.with_user(Role::Admin)
        .email("doelwit@vlaanderen.be")
        .await;
    // One page for the session cookie and its CSRF token, then all requests at once.
    app.get("/login").await;
    let token = app.csrf_token().await;

    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let app = Arc::clone(&app);
        let token = token.clone();
        requests.spawn(async move {
            app.post_form_raw(
                "/login",
                &[
                    ("csrf_token", token.as_str()),
                    ("email", "doelwit@vlaanderen.be"),
                    ("password", "fout wachtwoord 123"),
                ],
            )
            .await
            .status
        });
    }
    let statuses = requests.join_all().await;
    let evaluated = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((evaluated, throttled), (5, 35), "{statuses:?}");

    let failures: i64 = sqlx::query_scalar(
        "select count(*) from login_attempts where email_key = 'doelwit@vlaanderen.be' and not succeeded",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(failures, 5);
}

#[tokio::test]
async fn guesses_from_one_address_do_not_lock_the_account_for_another() {
    let app = TestApp::new().await;
    app.with_user(Role::Admin)
        .email("beheer@vlaanderen.be")
        .await;
    for _ in 0..5 {
        let r = app.sign_in("beheer@vlaanderen.be", WRONG).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = app.sign_in("beheer@vlaanderen.be", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // The admin at the office, another address, is not locked out by the attacker.
    let mut office = app.other_browser();
    office.ip = "198.51.100.20".parse().unwrap();
    office
        .sign_in("beheer@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
}

#[tokio::test]
async fn each_failure_after_a_lock_doubles_the_next_lock() {
    let app = TestApp::new().await;
    app.with_user(Role::Ministry)
        .email("traag@vlaanderen.be")
        .await;
    for _ in 0..5 {
        app.sign_in("traag@vlaanderen.be", WRONG).await;
    }
    let r = app.sign_in("traag@vlaanderen.be", WRONG).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    r.assert_contains("Wacht 15 minuten");

    // The lock has passed: one more guess is evaluated, and the next lock is twice as long.
    sqlx::query("update login_attempts set attempted_at = attempted_at - interval '16 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    let r = app.sign_in("traag@vlaanderen.be", WRONG).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.sign_in("traag@vlaanderen.be", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    r.assert_contains("Wacht 30 minuten");
}

/// Signs in as the regisseur of a new werkingsgebied (Kortrijk), whose id it returns.
async fn signed_in_regisseur(app: &TestApp) -> i64 {
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    p
}

/// The client addresses of the audited failed sign-ins, oldest first.
async fn failed_sign_in_addresses(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "select host(client_ip) from audit_events where action = 'sign_in.failed' order by audit_event_id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_throttled_and_audited() {
    // The test app's peer address, 192.0.2.10, is the proxy.
    let mut app = TestApp::with_settings(&[("REGIE_TRUSTED_PROXIES", "192.0.2.10")]).await;
    app.with_user(Role::Ministry)
        .email("echt@vlaanderen.be")
        .await;
    // The client wrote the first address itself; the proxy appended the real one.
    app.forwarded_for = Some("10.9.9.9, 203.0.113.5".into());
    for i in 0..20 {
        let r = app.sign_in(&format!("gok{i}@vlaanderen.be"), WRONG).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = app.sign_in("echt@vlaanderen.be", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let addresses = failed_sign_in_addresses(&app).await;
    assert_eq!(addresses, vec!["203.0.113.5".to_string(); 20]);

    // Another client behind the same proxy is not blocked by the first one's guesses.
    let mut other = app.other_browser();
    other.forwarded_for = Some("203.0.113.6".into());
    other
        .sign_in("echt@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
}

#[tokio::test]
async fn a_forwarded_address_from_an_untrusted_peer_is_ignored() {
    let mut app = TestApp::new().await;
    app.forwarded_for = Some("203.0.113.77".into());
    let r = app.sign_in("iemand@vlaanderen.be", WRONG).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(failed_sign_in_addresses(&app).await, ["192.0.2.10"]);
}

/// The `Set-Cookie` header of the response that sets the cookie starting with `prefix`.
fn set_cookie(response: &crate::helpers::TestResponse, prefix: &str) -> String {
    response
        .headers
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with(prefix))
        .unwrap_or_else(|| panic!("no cookie {prefix} in {:?}", response.headers))
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure_with_the_host_prefix() {
    let app = TestApp::with_settings(&[("REGIE_PUBLIC_URL", "https://regie.example")]).await;
    app.with_user(Role::Regisseur)
        .email("beheer@vlaanderen.be")
        .await;
    let r = app.get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    // The anonymous CSRF cookie: before sign-in there is no session.
    let cookie = set_cookie(&r, "__Host-regie_csrf=");
    for attribute in ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    let r = app.sign_in("beheer@vlaanderen.be", PASSWORD).await;
    r.assert_redirects_to("/");
    let cookie = set_cookie(&r, "__Host-regie_sessie=");
    for attribute in ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");

    // Over plain HTTP (a developer's machine) the cookies cannot be Secure.
    let plain = TestApp::new().await;
    plain
        .with_user(Role::Regisseur)
        .email("r@gemeente.be")
        .await;
    let r = plain.sign_in("r@gemeente.be", PASSWORD).await;
    let cookie = set_cookie(&r, "regie_sessie=");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn a_password_change_gives_a_new_session_id_and_csrf_token() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Ministry).await;
    app.get("/wachtwoord").await;
    let (old_cookie, old_token) = (app.cookie("regie_sessie").unwrap(), app.csrf_token().await);
    let new_password = "een ander lang wachtwoord 42";
    app.post_form(
        "/wachtwoord",
        &[
            ("current_password", PASSWORD),
            ("new_password", new_password),
            ("confirmation", new_password),
        ],
    )
    .await
    .assert_redirects_to("/");
    let r = app.get("/overzicht").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_ne!(app.cookie("regie_sessie").unwrap(), old_cookie);
    assert_ne!(app.csrf_token().await, old_token);

    // The old token no longer works for this session.
    let r = app
        .post_form_raw("/logout", &[("csrf_token", old_token.as_str())])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_formula_in_a_title_reaches_the_csv_as_text_and_the_xlsx_as_a_string() {
    let app = TestApp::new().await;
    let p = signed_in_regisseur(&app).await;
    let formula = r#"=HYPERLINK("http://aanvaller.example","klik")"#;
    crate::actions::create(&app, p, formula, "7f0e0a43-2f1c-4b59-9a5e-0000000000f1").await;
    crate::actions::create(&app, p, "@SUM(1+1)", "7f0e0a43-2f1c-4b59-9a5e-0000000000f2").await;

    let csv = app.get("/acties/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    // Streamed: no length known in advance.
    assert!(!csv.headers.contains_key(axum::http::header::CONTENT_LENGTH));
    assert!(
        csv.body
            .contains(r#";"'=HYPERLINK(""http://aanvaller.example"",""klik"")";"#),
        "{}",
        csv.body
    );
    assert!(csv.body.contains(";'@SUM(1+1);"), "{}", csv.body);
    // The cost stays a number.
    assert!(csv.body.contains(";1250,00;"), "{}", csv.body);

    let xlsx = app.get("/acties/export.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx.bytes)).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    assert!(!sheet.contains("<f>"), "no formula cells: {sheet}");
    let mut shared = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/sharedStrings.xml").unwrap(),
        &mut shared,
    )
    .unwrap();
    assert!(
        shared.contains("=HYPERLINK("),
        "the title as a string: {shared}"
    );
}

#[tokio::test]
async fn action_dates_outside_2000_to_2100_are_refused_by_the_form_and_the_database() {
    let app = TestApp::new().await;
    let p = signed_in_regisseur(&app).await;
    let pid = p.to_string();
    for (starts_on, ends_on) in [
        ("-4000-01-01", ""),
        ("32767-01-01", ""),
        ("2024-01-01", "2999-12-31"),
    ] {
        let mut fields = crate::actions::action_fields(&pid, "Verre toekomst");
        fields.retain(|(k, _)| *k != "starts_on" && *k != "ends_on");
        fields.push(("starts_on", starts_on));
        fields.push(("ends_on", ends_on));
        let r = app.post_form("/acties/nieuw", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{starts_on}");
        r.assert_contains("tussen 2000 en 2100");
    }
    let counts: i64 = sqlx::query_scalar("select count(*) from action_priority_counts")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(counts, 0);

    // The database holds the same line for any other writer.
    let action = app.with_action(p).await;
    let refused = sqlx::query("update actions set starts_on = '1000-01-01' where action_id = $1")
        .bind(action)
        .execute(&app.db)
        .await
        .unwrap_err();
    // Both the range and the policy period refuse it; the period's trigger speaks first.
    assert!(
        ["actions_dates_in_range", "actions_dates_in_period"].contains(
            &refused
                .as_database_error()
                .and_then(|e| e.constraint())
                .unwrap_or("")
        ),
        "{refused}"
    );
}

#[tokio::test]
async fn a_page_number_beyond_the_last_searchable_page_is_capped() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Ministry).await;
    let r = app.get("/acties?q=opleiding&pagina=999999999").await;
    assert_eq!(r.status, StatusCode::OK);
    // No action matches: the pager says the one page there is, as the count does.
    r.assert_contains("Pagina 1 van 1");
}

#[tokio::test]
async fn a_user_runs_at_most_two_exports_at_a_time() {
    let app = TestApp::new().await;
    let user = app.sign_in_as(Role::Ministry).await;
    // Two exports of this user still running elsewhere (another tab, another instance).
    let mut running = Vec::new();
    for slot in 1..=2 {
        let mut tx = app.db.begin().await.unwrap();
        let taken: bool = sqlx::query_scalar(
            "select pg_try_advisory_xact_lock(hashtext('regie.export:' || $1::bigint), $2)",
        )
        .bind(user)
        .bind(slot)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert!(taken);
        running.push(tx);
    }
    for path in ["/acties/export.csv", "/acties/export.xlsx"] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
        r.assert_contains("U hebt al twee exports lopen");
    }
    // Another user is not affected; and once one export ends, this user may start one again.
    let other = app.other_browser();
    other.sign_in_as(Role::Admin).await;
    assert_eq!(other.get("/acties/export.csv").await.status, StatusCode::OK);
    running.pop().unwrap().rollback().await.unwrap();
    assert_eq!(app.get("/acties/export.csv").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_nul_byte_in_a_form_gets_a_dutch_422_not_a_500() {
    let app = TestApp::new().await;
    let r = app
        .sign_in("iemand\u{0}@vlaanderen.be", "fout wachtwoord 123")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Ongeldige invoer");

    let p = signed_in_regisseur(&app).await;
    let pid = p.to_string();
    let mut fields = crate::actions::action_fields(&pid, "Jobbeurs\u{0}");
    fields.retain(|(k, _)| *k != "idempotency_key");
    fields.push(("idempotency_key", "7f0e0a43-2f1c-4b59-9a5e-0000000000a1"));
    let r = app.post_form("/acties/nieuw", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("een ongeldig teken (een nul-byte)");
    let actions: i64 = sqlx::query_scalar("select count(*) from actions")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(actions, 0);

    // In a search it is simply dropped.
    let r = app.get("/acties?q=job%00beurs").await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains(r#"value="jobbeurs""#);
}

#[tokio::test]
async fn control_characters_are_taken_out_of_what_is_saved() {
    let app = TestApp::new().await;
    let p = signed_in_regisseur(&app).await;
    let pid = p.to_string();
    let mut fields = crate::actions::action_fields(&pid, "Job\u{7}beurs\u{1b}[31m\tin\nKortrijk");
    fields.retain(|(k, _)| *k != "description");
    fields.push((
        "description",
        "Eerste regel\r\nTweede\tregel\u{8}\u{8} met een bel\u{7}.",
    ));
    let id = {
        fields.retain(|(k, _)| *k != "idempotency_key");
        fields.push(("idempotency_key", "7f0e0a43-2f1c-4b59-9a5e-0000000000a2"));
        let r = app.post_form("/acties/nieuw", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        r.location()
            .trim_start_matches("/acties/")
            .trim_end_matches("?bewaard=1")
            .parse::<i64>()
            .unwrap()
    };
    let (title, description): (String, String) =
        sqlx::query_as("select title, description from actions where action_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    // A single line loses tabs and newlines too; long text keeps them (as \n).
    assert_eq!(title, "Jobbeurs[31m in Kortrijk");
    assert_eq!(description, "Eerste regel\nTweede\tregel met een bel.");
}

#[tokio::test]
async fn a_former_regisseur_who_became_ministry_staff_no_longer_creates_actions() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let user = app
        .with_user(Role::Regisseur)
        .email("overgestapt@vlaanderen.be")
        .regisseur_of(p)
        .await;
    // Their appointment still runs, but they moved to the department.
    sqlx::query("update users set role = 'ministry' where user_id = $1")
        .bind(user)
        .execute(&app.db)
        .await
        .unwrap();
    app.sign_in("overgestapt@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");

    let r = app.get("/acties/nieuw").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("Geen toegang");
    let pid = p.to_string();
    let r = app
        .post_form(
            "/acties/nieuw",
            &crate::actions::action_fields(&pid, "Toch nog een actie"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let actions: i64 = sqlx::query_scalar("select count(*) from actions")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(actions, 0);
    // Nor is it offered on their start page (the dashboard).
    app.get("/").await.assert_redirects_to("/overzicht");
    let home = app.get("/overzicht").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.body.contains("contactgegevens bijwerken"));
}

#[tokio::test]
async fn why_a_request_was_rejected_is_for_staff_only() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let request = app.with_appointment_request(p).await;
    let admin = app.other_browser();
    admin.sign_in_as(Role::Admin).await;
    admin
        .post_form(
            &format!("/aanstellingen/{request}/afwijzen"),
            &[("motivation", "Geen diploma voorgelegd")],
        )
        .await
        .assert_redirects_to(&format!("/aanstellingen/{request}"));

    app.sign_in_as(Role::Regisseur).await;
    let page = app.get(&format!("/werkingsgebieden/{p}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Kandidaat");
    assert!(!page.body.contains("Geen diploma voorgelegd"));
    assert!(!page.body.contains("Motivering"));

    let staff = app.other_browser();
    staff.sign_in_as(Role::Ministry).await;
    let page = staff.get(&format!("/werkingsgebieden/{p}")).await;
    page.assert_contains("Geen diploma voorgelegd");
}

/// Staff request an appointment for `email` in a new werkingsgebied and the admin approves it;
/// returns the set-password link shown to the admin.
async fn approved_with_link(admin: &TestApp, name: &str, nis: &str, email: &str) -> String {
    let p = admin.with_partnership(name).members(&[nis]).await;
    let id = crate::appointments::request(admin, p, email).await;
    admin
        .post_form(&format!("/aanstellingen/{id}/goedkeuren"), &[])
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));
    let page = admin.get(&format!("/aanstellingen/{id}")).await;
    crate::appointments::link_path(&page.body)
}

async fn user_id_of(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("select user_id from users where email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_unused_set_password_link_dies_with_a_deactivation_or_a_password_reset() {
    let admin = TestApp::new().await;
    admin.sign_in_as(Role::Admin).await;
    let visitor = admin.other_browser();

    let link = approved_with_link(&admin, "Regio Leie", "34022", "rita@kortrijk.be").await;
    let rita = user_id_of(&admin, "rita@kortrijk.be").await;
    admin
        .post_form(&format!("/admin/gebruikers/{rita}/deactiveren"), &[])
        .await
        .assert_redirects_to(&format!("/admin/gebruikers/{rita}"));
    assert_eq!(visitor.get(&link).await.status, StatusCode::GONE);

    let link = approved_with_link(&admin, "Regio Schelde", "34003", "sam@schelde.be").await;
    let sam = user_id_of(&admin, "sam@schelde.be").await;
    assert_eq!(visitor.get(&link).await.status, StatusCode::OK);
    admin
        .post_form(&format!("/admin/gebruikers/{sam}/wachtwoord-reset"), &[])
        .await
        .assert_redirects_to(&format!("/admin/gebruikers/{sam}"));
    let r = visitor.get(&link).await;
    assert_eq!(r.status, StatusCode::GONE);
    r.assert_contains("Link ongeldig of verlopen");
}

#[tokio::test]
async fn reapproving_a_deactivated_regisseur_does_not_revive_the_old_password() {
    let admin = TestApp::new().await;
    let old = admin
        .with_user(Role::Regisseur)
        .email("terug@gemeente.be")
        .await;
    admin.sign_in_as(Role::Admin).await;
    admin
        .post_form(&format!("/admin/gebruikers/{old}/deactiveren"), &[])
        .await
        .assert_redirects_to(&format!("/admin/gebruikers/{old}"));

    let link = approved_with_link(&admin, "Regio Leie", "34022", "terug@gemeente.be").await;
    assert_eq!(user_id_of(&admin, "terug@gemeente.be").await, old);

    let person = admin.other_browser();
    let r = person.sign_in("terug@gemeente.be", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old password is void"
    );
    let r = person.get(&link).await;
    assert_eq!(r.status, StatusCode::OK, "the link sets a new one");
}

#[tokio::test]
async fn the_set_password_link_is_built_from_the_public_url_never_the_host_header() {
    let admin =
        TestApp::with_settings(&[("REGIE_PUBLIC_URL", "https://regie.vlaanderen.be")]).await;
    admin.sign_in_as(Role::Admin).await;
    let p = admin
        .with_partnership("Regio Leie")
        .members(&["34022"])
        .await;
    let id = crate::appointments::request(&admin, p, "rita@kortrijk.be").await;
    admin
        .post_form(&format!("/aanstellingen/{id}/goedkeuren"), &[])
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));
    let page = admin
        .request(
            axum::http::Request::get(format!("/aanstellingen/{id}"))
                .header(axum::http::header::HOST, "aanvaller.example")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    page.assert_contains("https://regie.vlaanderen.be/wachtwoord-instellen/");
    assert!(!page.body.contains("aanvaller.example"));
}

#[tokio::test]
async fn a_one_time_secret_leaves_the_session_store_once_shown() {
    let admin = TestApp::new().await;
    admin.sign_in_as(Role::Admin).await;
    let link = approved_with_link(&admin, "Regio Leie", "34022", "rita@kortrijk.be").await;
    let token = link.trim_start_matches("/wachtwoord-instellen/");
    let stored: i64 =
        sqlx::query_scalar("select count(*) from sessions where position($1 in data::text) > 0")
            .bind(token)
            .fetch_one(&admin.db)
            .await
            .unwrap();
    assert_eq!(stored, 0);

    // The same for a one-time password after a reset.
    let user = admin
        .with_user(Role::Ministry)
        .email("m@vlaanderen.be")
        .await;
    admin
        .post_form(&format!("/admin/gebruikers/{user}/wachtwoord-reset"), &[])
        .await;
    let page = admin.get(&format!("/admin/gebruikers/{user}")).await;
    page.assert_contains(r#"<h2 id="otp-titel">Eenmalig wachtwoord</h2>"#);
    let sessions: Vec<String> = sqlx::query_scalar("select data::text from sessions")
        .fetch_all(&admin.db)
        .await
        .unwrap();
    assert!(
        sessions
            .iter()
            .all(|data| !data.contains("one_time_password")),
        "no one-time password left in a session"
    );
}

async fn session_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn anonymous_page_views_write_no_session_rows() {
    let app = TestApp::new().await;
    app.with_user(Role::Regisseur).email("r@gemeente.be").await;
    for path in ["/login", "/over", "/login?next=%2Facties"] {
        for _ in 0..10 {
            // A new visitor without cookies each time, as a flood would be.
            let visitor = app.other_browser();
            let r = visitor.get(path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            // The page still carries a token for its forms (and htmx).
            let marker = r#""X-CSRF-Token": ""#;
            let at = r.body.find(marker).expect("a CSRF token on the page") + marker.len();
            assert!(
                r.body[at..].starts_with(|c: char| c.is_ascii_hexdigit()),
                "{path}"
            );
        }
    }
    assert_eq!(session_rows(&app).await, 0);

    // A failed sign-in writes none either; a successful one makes the session.
    assert_eq!(
        app.sign_in("r@gemeente.be", WRONG).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(session_rows(&app).await, 0);
    app.sign_in("r@gemeente.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    assert_eq!(session_rows(&app).await, 1);
}

async fn sign_in_with_token(app: &TestApp, token: &str) -> crate::helpers::TestResponse {
    app.post_form_raw(
        "/login",
        &[
            ("csrf_token", token),
            ("email", "r@gemeente.be"),
            ("password", PASSWORD),
        ],
    )
    .await
}

#[tokio::test]
async fn an_anonymous_form_needs_the_token_of_its_own_signed_cookie() {
    let app = TestApp::new().await;
    app.with_user(Role::Regisseur).email("r@gemeente.be").await;
    app.get("/login").await;
    let token = app.csrf_token().await;
    let cookie = app
        .cookie("regie_csrf")
        .expect("the anonymous token's cookie");
    assert!(cookie.starts_with(&format!("{token}.")));
    // Without the cookie (another browser) the token is worth nothing.
    let stranger = app.other_browser();
    stranger.get("/over").await;
    let r = sign_in_with_token(&stranger, &token).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A cookie someone made up, with a token of their choosing, fails its signature.
    let forger = app.other_browser();
    let forged = forger
        .request(
            axum::http::Request::post("/login")
                .header(axum::http::header::COOKIE, "regie_csrf=aaaa.bbbb")
                .header(
                    axum::http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(axum::body::Body::from(
                    "csrf_token=aaaa&email=r%40gemeente.be&password=x",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // With its own cookie, the sign-in goes through.
    sign_in_with_token(&app, &token)
        .await
        .assert_redirects_to("/");
}

#[tokio::test]
async fn the_anonymous_csrf_cookie_is_set_only_on_pages_that_show_its_token() {
    let app = TestApp::new().await;
    for path in ["/static/app.css", "/api/v1/periods", "/healthz"] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            !r.headers.contains_key(axum::http::header::SET_COOKIE),
            "{path} sets a cookie: {:?}",
            r.headers
        );
    }
    let r = app.get("/login").await;
    let cookie = set_cookie(&r, "regie_csrf=");
    assert!(cookie.contains("Max-Age=86400"), "{cookie}");
}
