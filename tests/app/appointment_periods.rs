//! Appointments and periods explain themselves (issue #12, item 6): a request must start within
//! its werkingsgebied's period and may not overlap the same person's other one there; a
//! regisseur whose appointment starts later sees when; pages say when no period runs today; the
//! period form offers the population years that have figures.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{PASSWORD, TestApp, TestResponse};

async fn appointments(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from appointments")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn ask(app: &TestApp, partnership: i64, email: &str, from: &str, to: &str) -> TestResponse {
    app.post_form(
        "/aanstellingen/nieuw",
        &[
            ("partnership_id", &partnership.to_string()),
            ("person_name", "Rita Regisseur"),
            ("person_email", email),
            ("fte", "0,8"),
            ("starts_on", from),
            ("ends_on", to),
        ],
    )
    .await
}

/// Stored: on to the new appointment's page.
#[track_caller]
fn accepted(r: &TestResponse) {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/aanstellingen/"));
}

#[tokio::test]
async fn a_request_that_starts_outside_its_werkingsgebieds_period_is_refused_with_the_input_kept() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Ministry).await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;

    let early = ask(&app, p, "rita@kortrijk.be", "2022-06-01", "2025-12-31").await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    early.assert_contains(
        "De aanstelling kan niet beginnen vóór de beleidsperiode van dit werkingsgebied: 2023-2025 (01/01/2023 - 31/12/2025).",
    );
    early.assert_contains(r#"value="rita@kortrijk.be""#);
    early.assert_contains(r#"value="2022-06-01""#);

    let late = ask(&app, p, "rita@kortrijk.be", "2026-02-01", "2028-12-31").await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    late.assert_contains(
        "De aanstelling moet beginnen binnen de beleidsperiode van dit werkingsgebied: 2023-2025 (01/01/2023 - 31/12/2025).",
    );
    assert_eq!(appointments(&app).await, 0);

    accepted(&ask(&app, p, "rita@kortrijk.be", "2024-01-01", "2025-12-31").await);
    assert_eq!(appointments(&app).await, 1);
}

#[tokio::test]
async fn a_second_request_for_the_same_person_and_werkingsgebied_in_the_same_time_is_refused() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Ministry).await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let other = app
        .with_partnership("Regio Schelde")
        .members(&["34003"])
        .await;
    accepted(&ask(&app, p, "rita@kortrijk.be", "2024-01-01", "2025-12-31").await);

    let twice = ask(&app, p, "Rita@Kortrijk.be", "2025-01-01", "2025-06-30").await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    twice.assert_contains(
        "Rita@Kortrijk.be heeft voor dit werkingsgebied al een aanstelling die met deze data overlapt: Rita Regisseur, 01/01/2024 - 31/12/2025 (aangevraagd).",
    );
    assert_eq!(appointments(&app).await, 1);

    // Another person for the same area (a hand-over, two part-timers) and the same person for
    // another area are allowed; the admin is warned when approving.
    accepted(&ask(&app, p, "sam@kortrijk.be", "2025-01-01", "2025-12-31").await);
    accepted(&ask(&app, other, "rita@kortrijk.be", "2025-01-01", "2025-12-31").await);
    assert_eq!(appointments(&app).await, 3);
}

#[tokio::test]
async fn a_regisseur_whose_appointment_starts_later_sees_that_date_on_the_start_page() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let rita = app
        .with_user(Role::Regisseur)
        .email("rita@kortrijk.be")
        .name("Rita Regisseur")
        .await;
    let starts: String = sqlx::query_scalar(
        "insert into appointments (partnership_id, person_name, person_email, fte, starts_on, ends_on, status, user_id, is_demo) values ($1, 'Rita Regisseur', 'rita@kortrijk.be', 1, current_date + 40, current_date + 400, 'goedgekeurd', $2, true) returning to_char(starts_on, 'DD/MM/YYYY')",
    )
    .bind(p)
    .bind(rita)
    .fetch_one(&app.db)
    .await
    .unwrap();
    app.sign_in("rita@kortrijk.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    let home = app.get("/").await;
    home.assert_contains("U hebt op dit moment geen lopende aanstelling als regisseur.");
    home.assert_contains(&format!(
        r#"Uw aanstelling als regisseur van <a href="/werkingsgebieden/{p}">Regio Leie</a> (2023-2025) begint op <strong>{starts}</strong>."#
    ));
}

#[tokio::test]
async fn staff_are_told_when_no_policy_period_runs_today() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    // The seeded periods end on 31/12/2025.
    let gap = "loopt er geen beleidsperiode: 2023-2025 eindigde op 31/12/2025 en er is nog geen volgende.";
    app.get("/aanstellingen").await.assert_contains(gap);
    app.get("/admin/beleidsperiodes").await.assert_contains(gap);

    sqlx::query(
        "insert into policy_periods (name, starts_on, ends_on, vintage, population_year) values ('Nu', current_date - 1, current_date + 1, '2025', 2020)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    for path in ["/aanstellingen", "/admin/beleidsperiodes"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("loopt er geen beleidsperiode"),
            "{path} warns although a period runs"
        );
    }
}

#[tokio::test]
async fn the_period_form_offers_the_population_years_that_have_figures() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let new = app.get("/admin/beleidsperiodes/nieuw").await;
    new.assert_contains(r#"<select id="population_year" name="population_year""#);
    new.assert_contains(r#"<option value="2020">2020 (gemeenten 2019-2024"#);

    let period = app.period_id("2023-2025").await;
    app.get(&format!("/admin/beleidsperiodes/{period}/bewerken"))
        .await
        .assert_contains(r#"<option value="2020" selected>"#);

    let refused = app
        .post_form(
            "/admin/beleidsperiodes/nieuw",
            &[
                ("name", "2032-2037"),
                ("starts_on", "2032-01-01"),
                ("ends_on", "2037-12-31"),
                ("vintage", "2025"),
                ("population_year", "1850"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Kies een jaar waarvoor bevolkingscijfers bestaan");
}
