use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{PASSWORD, TestApp, TestResponse};

async fn change_password(
    app: &TestApp,
    current: &str,
    new: &str,
    confirmation: &str,
) -> TestResponse {
    app.post_form(
        "/wachtwoord",
        &[
            ("current_password", current),
            ("new_password", new),
            ("confirmation", confirmation),
        ],
    )
    .await
}

#[tokio::test]
async fn signing_in_with_the_right_password_opens_the_start_page() {
    let app = TestApp::new().await;
    app.with_user(Role::Ministry)
        .email("an.peeters@vlaanderen.be")
        .name("An Peeters")
        .await;

    let response = app.sign_in("An.Peeters@Vlaanderen.be", PASSWORD).await;
    response.assert_redirects_to("/");

    // Ministry staff start on their dashboard.
    app.get("/").await.assert_redirects_to("/overzicht");
    let home = app.get("/overzicht").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("Aangemeld als An Peeters (Departement WSE)");
    app.assert_audited("sign_in.succeeded").await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::new().await;
    app.with_user(Role::Admin)
        .email("beheer@vlaanderen.be")
        .name("Bea Heer")
        .await;

    let wrong_password = app
        .sign_in("beheer@vlaanderen.be", "niet het juiste wachtwoord")
        .await;
    let unknown_email = app.sign_in("niemand@vlaanderen.be", PASSWORD).await;

    for response in [&wrong_password, &unknown_email] {
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        response.assert_contains("Het e-mailadres of het wachtwoord is niet juist.");
        assert!(!response.body.contains("Welkom"));
    }
    // The typed email is kept, the password is not.
    unknown_email.assert_contains(r#"value="niemand@vlaanderen.be""#);
    assert!(!wrong_password.body.contains("niet het juiste wachtwoord"));

    let actions = app.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "sign_in.failed").count(), 2);
    app.get("/").await.assert_redirects_to("/login");
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in_and_signing_out_ends_the_session() {
    let app = TestApp::new().await;
    app.with_user(Role::Regisseur)
        .email("regisseur@gent.be")
        .name("Rik Gent")
        .await;
    // The sign-in form needs no session (its token rides in a signed cookie).
    app.get("/login").await;
    assert_eq!(app.cookie("regie_sessie"), None);
    app.sign_in("regisseur@gent.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    assert!(
        app.cookie("regie_sessie").is_some(),
        "a session after sign-in"
    );

    // An anonymous session that exists before a sign-in (here: the one holding the message
    // "U bent afgemeld.") gets a new id at sign-in.
    app.post_form("/logout", &[]).await;
    let before = app
        .cookie("regie_sessie")
        .expect("an anonymous session holding the message");
    app.sign_in("regisseur@gent.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    let after = app.cookie("regie_sessie").expect("a session after sign-in");
    assert_ne!(before, after, "the session id must be renewed at sign-in");

    app.post_form("/logout", &[])
        .await
        .assert_redirects_to("/login");
    app.get("/login").await.assert_contains("U bent afgemeld.");
    app.get("/").await.assert_redirects_to("/login");

    // Replaying the signed-in cookie after sign-out does not work either.
    let replay = app.other_browser();
    replay
        .request(
            axum::http::Request::get("/")
                .header("cookie", format!("regie_sessie={after}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .assert_redirects_to("/login");
    app.assert_audited("sign_out").await;
}

#[tokio::test]
async fn five_failures_lock_the_account_for_a_while_even_for_the_right_password() {
    let app = TestApp::new().await;
    app.with_user(Role::Ministry)
        .email("doelwit@vlaanderen.be")
        .name("Dirk Doelwit")
        .await;
    app.with_user(Role::Ministry)
        .email("ander@vlaanderen.be")
        .name("Anna Ander")
        .await;

    for _ in 0..5 {
        let r = app
            .sign_in("doelwit@vlaanderen.be", "fout wachtwoord 123")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let locked = app.sign_in("doelwit@vlaanderen.be", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    locked.assert_contains("Te veel mislukte aanmeldpogingen. Wacht 15 minuten");

    // Another account from the same address is not affected.
    app.sign_in("ander@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    app.assert_audited("sign_in.throttled").await;
}

#[tokio::test]
async fn an_unknown_email_is_locked_the_same_way_as_a_known_one() {
    let app = TestApp::new().await;
    for _ in 0..5 {
        app.sign_in("bestaat.niet@vlaanderen.be", "fout wachtwoord 123")
            .await;
    }
    let r = app
        .sign_in("bestaat.niet@vlaanderen.be", "fout wachtwoord 123")
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_successful_sign_in_resets_the_accounts_failure_count() {
    let app = TestApp::new().await;
    app.with_user(Role::Ministry)
        .email("vergeetachtig@vlaanderen.be")
        .name("Vera Geet")
        .await;
    for _ in 0..4 {
        app.sign_in("vergeetachtig@vlaanderen.be", "fout wachtwoord 123")
            .await;
    }
    app.sign_in("vergeetachtig@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    app.post_form("/logout", &[]).await;
    for _ in 0..4 {
        app.sign_in("vergeetachtig@vlaanderen.be", "fout wachtwoord 123")
            .await;
    }
    app.sign_in("vergeetachtig@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
}

#[tokio::test]
async fn many_failures_from_one_address_are_throttled_across_accounts() {
    let app = TestApp::new().await;
    app.with_user(Role::Ministry)
        .email("echt@vlaanderen.be")
        .name("Echte Gebruiker")
        .await;
    for i in 0..20 {
        let r = app
            .sign_in(&format!("gok{i}@vlaanderen.be"), "fout wachtwoord 123")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = app.sign_in("echt@vlaanderen.be", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // The same account from another address can still sign in.
    let mut elsewhere = app.other_browser();
    elsewhere.ip = "198.51.100.7".parse().unwrap();
    elsewhere
        .sign_in("echt@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
}

#[tokio::test]
async fn a_signed_out_visitor_comes_back_to_the_page_asked_for() {
    let app = TestApp::new().await;
    app.with_user(Role::Ministry)
        .email("terug@vlaanderen.be")
        .name("Tom Terug")
        .await;

    let r = app.get("/gemeenten?q=gent").await;
    r.assert_redirects_to("/login?next=%2Fgemeenten%3Fq%3Dgent");
    let form = app.get(r.location()).await;
    form.assert_contains(r#"name="next" value="/gemeenten?q=gent""#);

    app.post_form(
        "/login",
        &[
            ("email", "terug@vlaanderen.be"),
            ("password", PASSWORD),
            ("next", "/gemeenten?q=gent"),
        ],
    )
    .await
    .assert_redirects_to("/gemeenten?q=gent");
}

#[tokio::test]
async fn a_next_that_leaves_the_site_is_ignored() {
    let app = TestApp::new().await;
    app.with_user(Role::Ministry)
        .email("veilig@vlaanderen.be")
        .name("Vic Veilig")
        .await;
    for next in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
    ] {
        app.get("/login").await;
        app.post_form(
            "/login",
            &[
                ("email", "veilig@vlaanderen.be"),
                ("password", PASSWORD),
                ("next", next),
            ],
        )
        .await
        .assert_redirects_to("/");
        app.post_form("/logout", &[]).await;
    }
}

#[tokio::test]
async fn a_one_time_password_must_be_replaced_before_anything_else() {
    let app = TestApp::new().await;
    app.with_user(Role::Regisseur)
        .email("nieuw@leuven.be")
        .name("Nina Nieuw")
        .must_change_password()
        .await;

    app.sign_in("nieuw@leuven.be", PASSWORD)
        .await
        .assert_redirects_to("/wachtwoord?next=%2F");
    app.get("/gemeenten")
        .await
        .assert_redirects_to("/wachtwoord");

    let page = app.get("/wachtwoord").await;
    page.assert_contains("U bent aangemeld met een eenmalig wachtwoord");

    let weak = change_password(&app, PASSWORD, "kort", "kort").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    weak.assert_contains("minstens 12 tekens");

    let with_name = change_password(
        &app,
        PASSWORD,
        "nina is de allerbeste",
        "nina is de allerbeste",
    )
    .await;
    assert_eq!(with_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    with_name.assert_contains("mag uw naam niet bevatten");

    let mismatch = change_password(
        &app,
        "fout",
        "zonnige dagen aan zee",
        "zonnige dagen aan de kust",
    )
    .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    mismatch.assert_contains("Uw huidige wachtwoord is niet juist.");
    mismatch.assert_contains("De twee nieuwe wachtwoorden zijn niet gelijk.");

    change_password(
        &app,
        PASSWORD,
        "zonnige dagen aan zee",
        "zonnige dagen aan zee",
    )
    .await
    .assert_redirects_to("/");
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("Uw wachtwoord is gewijzigd.");
    assert_eq!(app.get("/gemeenten").await.status, StatusCode::OK);

    // The new password works, the old one no longer does.
    let other = app.other_browser();
    assert_eq!(
        other.sign_in("nieuw@leuven.be", PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    other
        .sign_in("nieuw@leuven.be", "zonnige dagen aan zee")
        .await
        .assert_redirects_to("/");
}

#[tokio::test]
async fn changing_the_password_ends_the_users_other_sessions() {
    let app = TestApp::new().await;
    // A regisseur: staff signing in a second time would first have to set up two-step sign-in.
    app.with_user(Role::Regisseur)
        .email("twee@vlaanderen.be")
        .name("Tine Twee")
        .await;
    let laptop = app.other_browser();
    laptop
        .sign_in("twee@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    app.sign_in("twee@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    app.get("/wachtwoord").await;
    change_password(
        &app,
        PASSWORD,
        "een gloednieuw wachtwoord",
        "een gloednieuw wachtwoord",
    )
    .await
    .assert_redirects_to("/");

    assert_eq!(app.get("/").await.status, StatusCode::OK);
    laptop.get("/").await.assert_redirects_to("/login");
}

#[tokio::test]
async fn a_password_typed_into_the_email_field_is_not_kept_in_the_audit_trail() {
    let app = TestApp::new().await;
    app.sign_in("mijn geheime wachtwoord", "iets").await;
    let stored: serde_json::Value =
        sqlx::query_scalar("select details from audit_events where action = 'sign_in.failed'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        stored,
        serde_json::json!({ "email": "(geen geldig e-mailadres)" })
    );
    assert!(!stored.to_string().contains("geheime"), "{stored}");
}
