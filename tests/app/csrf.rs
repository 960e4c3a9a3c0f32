use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use regie::identity::Role;

use crate::helpers::{PASSWORD, TestApp};

async fn user_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from users")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

const NEW_USER: &[(&str, &str)] = &[
    ("email", "nieuw@vlaanderen.be"),
    ("full_name", "Nieuwe Collega"),
    ("role", "ministry"),
];

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let before = user_count(&app).await;

    let response = app.post_form_raw("/admin/gebruikers/nieuw", NEW_USER).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    response.assert_contains("Dit formulier is verlopen of komt niet van deze website.");
    assert_eq!(user_count(&app).await, before);

    // The same form with the token goes through.
    app.post_form("/admin/gebruikers/nieuw", NEW_USER)
        .await
        .assert_redirects_to(&format!("/admin/gebruikers/{}", before + 1));
}

#[tokio::test]
async fn a_post_with_a_wrong_or_foreign_token_is_refused() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let attacker = app.other_browser();
    let foreign_token = attacker.csrf_token().await;
    let before = user_count(&app).await;

    for token in ["0000", foreign_token.as_str(), ""] {
        let mut fields = vec![("csrf_token", token)];
        fields.extend_from_slice(NEW_USER);
        let response = app.post_form_raw("/admin/gebruikers/nieuw", &fields).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "token {token:?}");
    }
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test]
async fn a_cross_origin_post_is_refused_even_with_a_valid_token() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let token = app.csrf_token().await;
    let before = user_count(&app).await;

    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("csrf_token", &token);
    body.extend_pairs(NEW_USER);
    let response = app
        .request(
            Request::post("/admin/gebruikers/nieuw")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::HOST, "regie.example")
                .header(header::ORIGIN, "https://evil.example")
                .header("sec-fetch-site", "cross-site")
                .body(Body::from(body.finish()))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    response.assert_contains("Deze aanvraag komt niet van deze website");
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test]
async fn signing_in_and_out_need_the_token_too() {
    let app = TestApp::new().await;
    app.with_user(Role::Ministry)
        .email("csrf@vlaanderen.be")
        .name("Cas Erf")
        .await;
    let forged = app
        .post_form_raw(
            "/login",
            &[("email", "csrf@vlaanderen.be"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    app.sign_in("csrf@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    // A forged sign-out does not end the session.
    let forged = app.post_form_raw("/logout", &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/overzicht").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_token_is_renewed_at_sign_in() {
    let app = TestApp::new().await;
    app.with_user(Role::Ministry)
        .email("vers@vlaanderen.be")
        .name("Vera Vers")
        .await;
    app.get("/login").await;
    let before = app.csrf_token().await;
    app.sign_in("vers@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    app.forget_csrf_token();
    app.get("/overzicht").await;
    let after = app.csrf_token().await;
    assert_ne!(before, after);

    let stale = app
        .post_form_raw("/logout", &[("csrf_token", &before)])
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
}
