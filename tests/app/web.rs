//! Cross-cutting behaviour of every response: headers, error pages, static files, the health
//! check, and what happens when the database is gone.

use axum::http::{StatusCode, header};
use regie::identity::Role;

use crate::helpers::TestApp;

#[tokio::test]
async fn every_response_carries_the_security_headers_and_no_server_banner() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    for path in [
        "/",
        "/login",
        "/over",
        "/gemeenten",
        "/bestaat-niet",
        "/static/app.css",
        "/healthz",
    ] {
        let r = app.get(path).await;
        let h = |name: &str| {
            r.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let csp = h("content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(
                csp.contains(directive),
                "{path}: CSP lacks {directive}: {csp}"
            );
        }
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(
            h("referrer-policy"),
            "strict-origin-when-cross-origin",
            "{path}"
        );
        assert!(r.headers.get(header::SERVER).is_none(), "{path}");
        assert!(r.headers.get("x-powered-by").is_none(), "{path}");
        assert_eq!(h("x-request-id").len(), 36, "{path}: a UUID request id");
    }
}

#[tokio::test]
async fn signed_in_pages_are_not_cached_and_static_files_are() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Ministry).await;
    let page = app.get("/gemeenten").await;
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");

    let css = app.get("/static/vendor/appuniversum-4.4.1.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert_eq!(css.headers[header::CACHE_CONTROL], "public, max-age=86400");
    let js = app.get("/static/vendor/htmx-2.0.11.min.js").await;
    assert_eq!(
        js.headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        app.get("/static/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/static/geheim.txt").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn pages_have_no_inline_script_or_style_so_the_policy_can_forbid_them() {
    let app = TestApp::new().await;
    let user = app.sign_in_as(Role::Admin).await;
    let partnership = app.with_partnership("Regio Leie").await;
    let vdab = app.with_user(Role::Vdab).vdab_of(&[partnership]).await;
    for path in [
        "/".to_string(),
        // With the assignments of a VDAB account manager and their forms.
        format!("/admin/gebruikers/{vdab}"),
        "/gemeenten".into(),
        "/gemeenten/11002".into(),
        "/admin/gebruikers".into(),
        format!("/admin/gebruikers/{user}"),
        "/admin/gebruikers/nieuw".into(),
        "/admin/audit".into(),
        "/over".into(),
        "/wachtwoord".into(),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(!r.body.contains("<script>"), "{path} has an inline script");
        assert!(!r.body.contains(" style="), "{path} has an inline style");
        assert!(!r.body.contains("onclick"), "{path} has an inline handler");
        r.assert_contains(r#"<html lang="nl-BE">"#);
        r.assert_contains(r##"<a class="skip-link" href="#inhoud">"##);
    }
}

#[tokio::test]
async fn an_unknown_page_gives_the_friendly_dutch_404() {
    let app = TestApp::new().await;
    let r = app.get("/bestaat/niet").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    r.assert_contains("Pagina niet gevonden");
    r.assert_contains("Naar de startpagina");
}

#[tokio::test]
async fn a_malformed_form_or_query_gets_a_dutch_page_not_a_raw_error() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let r = app.get("/admin/audit?voor=abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    r.assert_contains("Ongeldige aanvraag");
    assert!(!r.body.contains("Failed to deserialize"));

    let token = app.csrf_token().await;
    let r = app
        .request(
            axum::http::Request::post("/admin/gebruikers/nieuw")
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", token)
                .body(axum::body::Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    r.assert_contains("Ongeldige aanvraag");

    // The action form reads its raw body: a JSON body gets the same Dutch page.
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let regisseur = app.other_browser();
    regisseur
        .sign_in_as_regisseur_of(p, "rita@kortrijk.be")
        .await;
    let token = regisseur.csrf_token().await;
    let r = regisseur
        .request(
            axum::http::Request::post("/acties/nieuw")
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", token)
                .body(axum::body::Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    r.assert_contains("Ongeldige aanvraag");
}

#[tokio::test]
async fn readiness_answers_200_with_a_database_and_503_without() {
    let app = TestApp::new().await;
    let r = app.get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "ready");
    // A signed-in page needs the database for its session (the about page no longer does).
    app.sign_in_as(Role::Regisseur).await;

    app.state.db.close().await;
    let r = app.get("/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let page = app.get("/gemeenten").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    page.assert_contains("Tijdelijk niet beschikbaar");
    assert!(!page.body.to_lowercase().contains("pool"));
}

#[tokio::test]
async fn the_app_answers_503_while_the_database_refuses_connections_and_recovers_after() {
    let app = TestApp::new().await;
    let database: String = sqlx::query_scalar("select current_database()")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let admin = crate::helpers::fresh_database().await;
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    app.sign_in_as(Role::Regisseur).await;
    // Every connection of the pool open and idle, so the outage leaves it full of dead ones.
    let size = app.state.db.options().get_max_connections();
    let mut held = Vec::new();
    for _ in 0..size {
        held.push(app.state.db.acquire().await.unwrap());
    }
    drop(held);

    sqlx::query(&format!(
        "alter database {database} allow_connections false"
    ))
    .execute(&admin)
    .await
    .unwrap();
    sqlx::query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1")
        .bind(&database)
        .execute(&admin)
        .await
        .unwrap();

    let started = std::time::Instant::now();
    let down = app.get("/gemeenten").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    down.assert_contains("Tijdelijk niet beschikbaar");
    assert_eq!(
        app.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    // Not a timing assertion on speed: only that it gives up instead of hanging forever.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));

    sqlx::query(&format!("alter database {database} allow_connections true"))
        .execute(&admin)
        .await
        .unwrap();
    // Not one dead connection is handed out again once the database is back.
    for _ in 0..size {
        assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
        assert_eq!(app.get("/gemeenten").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_refused_form_says_fout_in_its_title_and_its_error_summary_takes_the_focus() {
    let app = TestApp::new().await;
    app.sign_in_as(regie::identity::Role::Admin).await;
    let refused = app.post_form("/admin/gebruikers/nieuw", &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("<title>Fout: ");
    refused.assert_contains(r#"<div class="error-summary" role="alert" tabindex="-1" autofocus"#);
    // A page that is fine has no such prefix.
    let fine = app.get("/admin/gebruikers/nieuw").await;
    assert_eq!(fine.status, StatusCode::OK);
    assert!(!fine.body.contains("<title>Fout: "));
}
