//! Two-step sign-in: the grace sign-in, setting it up, signing in with a code or a recovery
//! code, replay and guessing, and an admin clearing it.

use axum::http::StatusCode;
use regie::auth::totp;
use regie::identity::Role;

use crate::helpers::{PASSWORD, TestApp};

/// The secret shown as text on the set-up page, as bytes.
pub fn secret_on(page: &str) -> Vec<u8> {
    let marker = r#"<code id="totp-sleutel">"#;
    let start = page.find(marker).expect("the secret on the page") + marker.len();
    let end = page[start..].find('<').unwrap();
    let text: String = page[start..start + end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    data_encoding::BASE32_NOPAD.decode(text.as_bytes()).unwrap()
}

/// The code an authenticator app shows now, `offset` steps later.
pub fn code(secret: &[u8], offset: u64) -> String {
    let now = totp::step_of(chrono::Utc::now().timestamp().unsigned_abs());
    format!("{:06}", totp::code_at(secret, now + offset))
}

/// The recovery codes on the page shown after set-up.
fn recovery_codes(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .map(|part| part[..part.find('<').unwrap()].to_string())
        .collect()
}

/// Sets up two-step sign-in for the signed-in user; returns the secret and recovery codes.
async fn set_up(app: &TestApp) -> (Vec<u8>, Vec<String>) {
    let page = app.get("/tweestapsverificatie").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<svg");
    let secret = secret_on(&page.body);
    let done = app
        .post_form("/tweestapsverificatie", &[("code", &code(&secret, 0))])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    done.assert_contains("Tweestapsverificatie staat aan.");
    (secret, recovery_codes(&done.body))
}

/// A user of `role` who set up two-step sign-in and signed out again; the secret and the
/// recovery codes.
async fn enrolled(app: &TestApp, role: Role, email: &str) -> (Vec<u8>, Vec<String>) {
    app.with_user(role).email(email).await;
    app.sign_in(email, PASSWORD).await;
    let enrolment = set_up(app).await;
    app.post_form("/logout", &[]).await;
    enrolment
}

#[tokio::test]
async fn an_admin_gets_one_sign_in_of_grace_then_must_set_it_up() {
    let app = TestApp::new().await;
    app.with_user(Role::Admin)
        .email("beheer@vlaanderen.be")
        .await;
    app.sign_in("beheer@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    assert_eq!(app.get("/admin/gebruikers").await.status, StatusCode::OK);

    app.post_form("/logout", &[]).await;
    app.sign_in("beheer@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    app.get("/admin/gebruikers")
        .await
        .assert_redirects_to("/tweestapsverificatie");
    let page = app.get("/tweestapsverificatie").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("verplicht");

    // A regisseur is never forced.
    let regisseur = app.other_browser();
    regisseur
        .with_user(Role::Regisseur)
        .email("r@gemeente.be")
        .await;
    for _ in 0..2 {
        regisseur.sign_in("r@gemeente.be", PASSWORD).await;
        assert_eq!(regisseur.get("/acties").await.status, StatusCode::OK);
        regisseur.post_form("/logout", &[]).await;
    }
}

#[tokio::test]
async fn setting_it_up_needs_a_right_code_and_shows_ten_recovery_codes_once() {
    let app = TestApp::new().await;
    let user = app.sign_in_as(Role::Ministry).await;
    let page = app.get("/tweestapsverificatie").await;
    let secret = secret_on(&page.body);
    // The same secret on a reload, until it is confirmed.
    assert_eq!(
        secret_on(&app.get("/tweestapsverificatie").await.body),
        secret
    );

    let wrong = app
        .post_form("/tweestapsverificatie", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    wrong.assert_contains("Deze code klopt niet");

    let done = app
        .post_form("/tweestapsverificatie", &[("code", &code(&secret, 0))])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    let codes = recovery_codes(&done.body);
    assert_eq!(codes.len(), 10);
    app.assert_audited("mfa.enrolled").await;

    // Stored hashed, never as typed.
    let stored: Vec<String> =
        sqlx::query_scalar("select code_sha256 from mfa_recovery_codes where user_id = $1")
            .bind(user)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(stored.len(), 10);
    assert!(
        codes
            .iter()
            .all(|c| !stored.iter().any(|s| s.contains(c.as_str())))
    );
    // The page now says it is on, and shows no codes again.
    let after = app.get("/tweestapsverificatie").await;
    after.assert_contains("staat aan sinds");
    after.assert_contains("nog 10 ongebruikte herstelcodes");
    assert!(!after.body.contains(&codes[0]));
}

#[tokio::test]
async fn signing_in_asks_for_the_code_and_a_code_works_once() {
    let app = TestApp::new().await;
    let (secret, _) = enrolled(&app, Role::Admin, "beheer@vlaanderen.be").await;

    app.sign_in("beheer@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/aanmelden/code");
    // The password alone signs nobody in.
    app.get("/admin/gebruikers")
        .await
        .assert_redirects_to("/login?next=%2Fadmin%2Fgebruikers");
    let form = app.get("/aanmelden/code").await;
    form.assert_contains("Verificatiecode");
    // The code used to set it up was accepted already; the next one works.
    let used = code(&secret, 0);
    let r = app.post_form("/aanmelden/code", &[("code", &used)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Deze code klopt niet (of werd al gebruikt)");
    let next = code(&secret, 1);
    app.post_form("/aanmelden/code", &[("code", &next)])
        .await
        .assert_redirects_to("/");
    assert_eq!(app.get("/admin/gebruikers").await.status, StatusCode::OK);

    // The same code once more, in a new sign-in: refused.
    app.post_form("/logout", &[]).await;
    app.sign_in("beheer@vlaanderen.be", PASSWORD).await;
    let r = app.post_form("/aanmelden/code", &[("code", &next)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.assert_audited("mfa.failed").await;
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = TestApp::new().await;
    let (_, codes) = enrolled(&app, Role::Ministry, "m@vlaanderen.be").await;

    app.sign_in("m@vlaanderen.be", PASSWORD).await;
    // Typed in capitals with a space: still the code.
    let typed = codes[3].to_uppercase().replace('-', " ");
    app.post_form("/aanmelden/code", &[("code", &typed)])
        .await
        .assert_redirects_to("/");
    app.assert_audited("mfa.recovery_code_used").await;
    app.post_form("/logout", &[]).await;

    app.sign_in("m@vlaanderen.be", PASSWORD).await;
    let r = app
        .post_form("/aanmelden/code", &[("code", &codes[3])])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = {
        app.post_form("/aanmelden/code", &[("code", &codes[4])])
            .await
            .assert_redirects_to("/");
        app.get("/tweestapsverificatie").await
    };
    page.assert_contains("nog 8 ongebruikte herstelcodes");
}

#[tokio::test]
async fn code_guesses_are_throttled_like_passwords() {
    let app = TestApp::new().await;
    let (secret, _) = enrolled(&app, Role::Admin, "beheer@vlaanderen.be").await;
    app.sign_in("beheer@vlaanderen.be", PASSWORD).await;
    for guess in ["111111", "222222", "333333", "444444", "555555"] {
        let r = app.post_form("/aanmelden/code", &[("code", guess)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = app
        .post_form("/aanmelden/code", &[("code", &code(&secret, 1))])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    r.assert_contains("Te veel verkeerde codes");
}

#[tokio::test]
async fn only_an_admin_clears_two_step_sign_in_and_it_is_audited() {
    let app = TestApp::new().await;
    let user = app.with_user(Role::Ministry).email("m@vlaanderen.be").await;
    app.sign_in("m@vlaanderen.be", PASSWORD).await;
    set_up(&app).await;

    // The user themself (ministry) may not clear it.
    let r = app
        .post_form(
            &format!("/admin/gebruikers/{user}/tweestapsverificatie-wissen"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let admin = app.other_browser();
    admin.sign_in_as(Role::Admin).await;
    admin
        .get(&format!("/admin/gebruikers/{user}"))
        .await
        .assert_contains("Tweestapsverificatie wissen");
    admin
        .post_form(
            &format!("/admin/gebruikers/{user}/tweestapsverificatie-wissen"),
            &[],
        )
        .await
        .assert_redirects_to(&format!("/admin/gebruikers/{user}"));
    admin.assert_audited("mfa.reset").await;
    let left: i64 =
        sqlx::query_scalar("select count(*) from mfa_recovery_codes where user_id = $1")
            .bind(user)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(left, 0);
    // Their session ended; signing in again asks for no code, and set-up is required.
    app.get("/acties")
        .await
        .assert_redirects_to("/login?next=%2Facties");
    app.sign_in("m@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    app.get("/acties")
        .await
        .assert_redirects_to("/tweestapsverificatie");
}

#[tokio::test]
async fn a_sign_in_in_the_same_browser_inherits_nothing_of_the_session_before() {
    let app = TestApp::new().await;
    app.with_user(Role::Admin).email("a@vlaanderen.be").await;
    let ministry = app.with_user(Role::Ministry).email("m@vlaanderen.be").await;
    sqlx::query("update users set mfa_grace_used = true where user_id = $1")
        .bind(ministry)
        .execute(&app.db)
        .await
        .unwrap();
    // The admin's own sign-in of grace...
    app.sign_in("a@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    assert_eq!(app.get("/acties").await.status, StatusCode::OK);
    // ...does not carry over to the next user who signs in in this browser.
    app.post_form(
        "/login",
        &[("email", "m@vlaanderen.be"), ("password", PASSWORD)],
    )
    .await
    .assert_redirects_to("/");
    app.get("/acties")
        .await
        .assert_redirects_to("/tweestapsverificatie");
}

#[tokio::test]
async fn guessing_codes_from_many_addresses_does_not_add_up() {
    let mut app = TestApp::new().await;
    let (secret, _) = enrolled(&app, Role::Admin, "beheer@vlaanderen.be").await;
    app.sign_in("beheer@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/aanmelden/code");
    // The password is known; each guess comes from another address.
    for i in 0..10 {
        app.ip = format!("198.51.100.{}", 10 + i).parse().unwrap();
        let r = app
            .post_form("/aanmelden/code", &[("code", "000000")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "guess {i}");
    }
    app.ip = "198.51.100.99".parse().unwrap();
    let r = app
        .post_form("/aanmelden/code", &[("code", &code(&secret, 1))])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    app.assert_audited("sign_in.throttled").await;
}

#[tokio::test]
async fn turning_it_on_ends_the_users_other_sessions() {
    let app = TestApp::new().await;
    app.with_user(Role::Regisseur).email("r@gemeente.be").await;
    let elsewhere = app.other_browser();
    elsewhere
        .sign_in("r@gemeente.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    app.sign_in("r@gemeente.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    set_up(&app).await;
    assert_eq!(app.get("/acties").await.status, StatusCode::OK);
    elsewhere
        .get("/acties")
        .await
        .assert_redirects_to("/login?next=%2Facties");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn views_of_the_set_up_page_at_the_same_moment_show_one_secret() {
    let app = std::sync::Arc::new(TestApp::new().await);
    app.sign_in_as(Role::Ministry).await;
    let mut views = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let app = std::sync::Arc::clone(&app);
        views.spawn(async move { app.get("/tweestapsverificatie").await });
    }
    let pages = views.join_all().await;
    assert!(pages.iter().all(|p| p.status == StatusCode::OK));
    let secrets: std::collections::HashSet<Vec<u8>> =
        pages.iter().map(|p| secret_on(&p.body)).collect();
    assert_eq!(secrets.len(), 1);
}
