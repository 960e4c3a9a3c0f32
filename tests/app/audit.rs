use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::TestApp;

#[tokio::test]
async fn audit_events_cannot_be_changed_or_deleted() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    assert_eq!(app.audit_actions().await, ["sign_in.succeeded"]);

    for statement in [
        "update audit_events set action = 'vervalst'",
        "delete from audit_events",
        "truncate audit_events",
    ] {
        let err = sqlx::query(statement)
            .execute(&app.db)
            .await
            .expect_err(statement);
        assert!(
            err.to_string().contains("append-only"),
            "{statement}: {err}"
        );
    }
    assert_eq!(app.audit_actions().await, ["sign_in.succeeded"]);
}

#[tokio::test]
async fn audit_entries_record_who_what_when_and_from_where() {
    let app = TestApp::new().await;
    let admin = app.sign_in_as(Role::Admin).await;
    let row: (Option<i64>, Option<String>, String, Option<String>, Option<String>) = sqlx::query_as(
        "select actor_user_id, actor_role::text, action, host(client_ip), request_id from audit_events where action = 'sign_in.succeeded'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(row.0, Some(admin));
    assert_eq!(row.1.as_deref(), Some("admin"));
    assert_eq!(row.3.as_deref(), Some("192.0.2.10"));
    let request_id = row.4.expect("request id recorded");
    assert!(
        uuid::Uuid::try_parse(&request_id).is_ok(),
        "a UUID: {request_id}"
    );
    assert_eq!(request_id.len(), 36, "hyphenated: {request_id}");
}

#[tokio::test]
async fn the_audit_page_filters_by_event_and_user() {
    let app = TestApp::new().await;
    app.with_user(Role::Ministry)
        .email("pech@vlaanderen.be")
        .name("Piet Pech")
        .await;
    app.sign_in("pech@vlaanderen.be", "fout wachtwoord 123")
        .await;
    app.sign_in_as(Role::Admin).await;

    let all = app.get("/admin/audit").await;
    assert_eq!(all.status, StatusCode::OK);
    all.assert_contains("Aanmelden mislukt");
    all.assert_contains("Aangemeld");

    let failed = app.get("/admin/audit?actie=sign_in.failed").await;
    failed.assert_contains("e-mailadres: pech@vlaanderen.be");
    assert!(!failed.body.contains("<td>Aangemeld</td>"));

    let by_user = app.get("/admin/audit?gebruiker=admin%40test").await;
    by_user.assert_contains("<td>Aangemeld</td>");
    assert!(!by_user.body.contains("<td>Aanmelden mislukt</td>"));

    let bad_date = app.get("/admin/audit?van=31-02-2026").await;
    assert_eq!(bad_date.status, StatusCode::OK);
    bad_date.assert_contains("De datum &#39;van&#39; is niet geldig");

    let future = app.get("/admin/audit?van=2999-01-01").await;
    future.assert_contains("Geen gebeurtenissen voor deze filters.");
}

#[tokio::test]
async fn the_audit_page_pages_through_older_entries() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    app.with_failed_sign_ins(60).await;
    let first = app.get("/admin/audit").await;
    first.assert_contains("Oudere gebeurtenissen");
    let start = first.body.find("/admin/audit?actie=").unwrap();
    let end = first.body[start..].find('"').unwrap();
    let next = first.body[start..start + end].replace("&#38;", "&");
    let second = app.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    second.assert_contains("e-mailadres: x1@y.be");
    assert!(!second.body.contains("Oudere gebeurtenissen"));
}
