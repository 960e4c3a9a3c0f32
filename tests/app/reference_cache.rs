//! The reference data cache (src/reference.rs) with two instances on one database: a change
//! made through one instance shows on the other at its next request, though that one had the
//! page cached and was told nothing.

use regie::identity::Role;

use crate::helpers::TestApp;

/// The number of covered municipalities in the coverage page's "covered / total" figure.
fn covered(body: &str) -> &str {
    let start = body
        .find(r#"id="gemeenten">"#)
        .expect("the municipalities figure")
        + r#"id="gemeenten">"#.len();
    body[start..].split(' ').next().unwrap()
}

#[tokio::test]
async fn a_change_through_one_instance_shows_on_the_other_at_once() {
    let first = TestApp::new().await;
    let period = first.with_current_period().await;
    let leie = first
        .with_partnership("Regio Leie")
        .in_period(period)
        .members(&["34022"])
        .await;
    first.sign_in_as(Role::Ministry).await;
    let second = first.other_instance().await;
    second.sign_in_as(Role::Admin).await;

    let page = format!("/dekking?periode={period}");
    let api = format!("/api/v1/coverage?period={period}");
    // Open data is asked for without a session: its version comes from a query of its own.
    let anonymous = first.other_browser();
    let before = first.get(&page).await;
    assert_eq!(covered(&before.body), "1");
    // Cached now: the same answer again, and the open data too.
    assert_eq!(covered(&first.get(&page).await.body), "1");
    assert!(
        anonymous
            .get(&api)
            .await
            .body
            .contains(r#""municipalities_covered":1"#)
    );

    let added = second
        .post_form(
            &format!("/werkingsgebieden/{leie}/leden/toevoegen"),
            &[("nis_code", "34027"), ("q", "")],
        )
        .await;
    assert_eq!(
        added.status,
        axum::http::StatusCode::SEE_OTHER,
        "{}",
        added.body
    );

    assert_eq!(covered(&first.get(&page).await.body), "2");
    assert!(
        anonymous
            .get(&api)
            .await
            .body
            .contains(r#""municipalities_covered":2"#)
    );
}

#[tokio::test]
async fn a_change_by_hand_in_the_database_empties_the_cache_too() {
    let app = TestApp::new().await;
    let period = app.with_current_period().await;
    app.with_partnership("Regio Leie")
        .in_period(period)
        .members(&["34022"])
        .await;
    app.sign_in_as(Role::Ministry).await;
    let page = format!("/dekking?periode={period}");
    assert_eq!(covered(&app.get(&page).await.body), "1");

    // A fix in psql, not through the application: the triggers still bump the version.
    sqlx::query("delete from partnership_members where nis_code = '34022'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(covered(&app.get(&page).await.body), "0");
}
