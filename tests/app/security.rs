//! Security hardening (issue #8): each finding of the review, tried the way an attacker would.

use std::sync::Arc;

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::TestApp;

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
