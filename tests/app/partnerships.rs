//! Werkingsgebieden: the one-werkingsgebied-per-municipality rule, the flags, contact editing
//! by the own regisseur only, and carrying over through the 2025 mergers.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::TestApp;

pub async fn period_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("select policy_period_id from policy_periods where name = $1")
        .bind(name)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Creates a werkingsgebied through the admin form and adds members through the members page.
pub async fn create_partnership(app: &TestApp, period: i64, name: &str, members: &[&str]) -> i64 {
    let r = app
        .post_form(
            "/werkingsgebieden/nieuw",
            &[
                ("policy_period_id", &period.to_string()),
                ("name", name),
                ("legal_form", "interlokale_vereniging"),
                ("lead_organisation", "Stad Kortrijk"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r
        .location()
        .trim_start_matches("/werkingsgebieden/")
        .trim_end_matches("/leden")
        .parse()
        .unwrap();
    for nis in members {
        let r = app
            .post_form(
                &format!("/werkingsgebieden/{id}/leden/toevoegen"),
                &[("nis_code", nis)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "adding {nis}: {}", r.body);
    }
    id
}

#[tokio::test]
async fn a_municipality_belongs_to_at_most_one_werkingsgebied_per_period() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let period = period_id(&app, "2023-2025").await;
    let first = create_partnership(&app, period, "Regio Leie", &["34022", "34041"]).await;
    let second = create_partnership(&app, period, "Regio Schelde", &["34003"]).await;

    app.get(&format!("/werkingsgebieden/{second}/leden?q=Kortrijk"))
        .await
        .assert_contains("in <a href=\"/werkingsgebieden/");
    let r = app
        .post_form(
            &format!("/werkingsgebieden/{second}/leden/toevoegen"),
            &[("nis_code", "34022"), ("q", "Kortrijk")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Kortrijk hoort in 2023-2025 al bij werkingsgebied Regio Leie.");

    // The database itself refuses it, whatever the application does.
    let err = sqlx::query(
        "insert into partnership_members (partnership_id, policy_period_id, vintage, nis_code) values ($1, $2, '2019-2024', '34022')",
    )
    .bind(second)
    .bind(period)
    .execute(&app.db)
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("partnership_members_one_per_period")
    );

    // In another period the same municipality is free.
    let other = period_id(&app, "2020-2022").await;
    create_partnership(&app, other, "Regio Leie", &["34022"]).await;

    // A municipality of the wrong list is refused with a message.
    let r = app
        .post_form(
            &format!("/werkingsgebieden/{first}/leden/toevoegen"),
            &[("nis_code", "71072")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("hoort niet bij de gemeentelijst van deze periode");

    // Removing frees it.
    app.post_form(
        &format!("/werkingsgebieden/{first}/leden/verwijderen"),
        &[("nis_code", "34022")],
    )
    .await
    .assert_redirects_to(&format!("/werkingsgebieden/{first}/leden"));
    app.post_form(
        &format!("/werkingsgebieden/{second}/leden/toevoegen"),
        &[("nis_code", "34022")],
    )
    .await
    .assert_redirects_to(&format!("/werkingsgebieden/{second}/leden"));
    app.assert_audited("partnership.member_removed").await;
}

#[tokio::test]
async fn small_partnerships_and_lone_non_centre_cities_are_flagged() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let period = period_id(&app, "2023-2025").await;
    // Mesen (1.047) and Zonnebeke (12.498): 13.545 inhabitants.
    let small = create_partnership(&app, period, "Westhoek klein", &["33016", "33037"]).await;
    // Wevelgem alone is no centrumstad; Kortrijk alone is.
    let alone = create_partnership(&app, period, "Wevelgem alleen", &["34041"]).await;
    let city = create_partnership(&app, period, "Kortrijk alleen", &["34022"]).await;
    // Four municipalities with 94.174 inhabitants: fine.
    let fine = create_partnership(
        &app,
        period,
        "Zuid-West",
        &["34027", "34040", "34009", "34003"],
    )
    .await;

    let flag = "samenwerkingsverband met minder dan 60.000 inwoners";
    app.get(&format!("/werkingsgebieden/{small}"))
        .await
        .assert_contains(flag);
    app.get(&format!("/werkingsgebieden/{alone}"))
        .await
        .assert_contains("één gemeente die geen centrumstad is");
    for ok in [city, fine] {
        let page = app.get(&format!("/werkingsgebieden/{ok}")).await;
        assert!(!page.body.contains("Aandachtspunt"), "{}", page.body);
    }
    let list = app
        .get(&format!("/werkingsgebieden?periode={period}"))
        .await;
    list.assert_contains(flag);
    list.assert_contains("vacature");
}

#[tokio::test]
async fn only_admins_create_werkingsgebieden_and_names_are_unique_per_period() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let period = period_id(&app, "2023-2025").await;
    create_partnership(&app, period, "Regio Noord", &[]).await;
    let r = app
        .post_form(
            "/werkingsgebieden/nieuw",
            &[
                ("policy_period_id", &period.to_string()),
                ("name", "Regio Noord"),
                ("legal_form", "welzijnsvereniging"),
                ("lead_organisation", "OCMW Noord"),
                ("contact_email", "geen-adres"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Vul een geldig e-mailadres in, of laat het veld leeg.");
    let r = app
        .post_form(
            "/werkingsgebieden/nieuw",
            &[
                ("policy_period_id", &period.to_string()),
                ("name", "Regio Noord"),
                ("legal_form", "welzijnsvereniging"),
                ("lead_organisation", "OCMW Noord"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Er bestaat in deze periode al een werkingsgebied met deze naam.");
    r.assert_contains(r#"value="OCMW Noord""#);
}

#[tokio::test]
async fn carrying_over_follows_the_2025_mergers() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let period = period_id(&app, "2023-2025").await;
    // Hasselt and Kortessem merged into Hasselt (71072); Borsbeek into Antwerpen (11002).
    let source = create_partnership(
        &app,
        period,
        "Regio Hasselt",
        &["71022", "73040", "11007", "34041"],
    )
    .await;

    // Without a next period there is nothing to carry over to.
    app.post_form(&format!("/werkingsgebieden/{source}/overdragen"), &[])
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{source}"));
    app.get(&format!("/werkingsgebieden/{source}"))
        .await
        .assert_contains("Er is nog geen volgende beleidsperiode.");

    app.post_form(
        "/admin/beleidsperiodes/nieuw",
        &[
            ("name", "2026-2031"),
            ("starts_on", "2026-01-01"),
            ("ends_on", "31/12/2031"),
            ("vintage", "2025"),
            ("population_year", "2020"),
        ],
    )
    .await
    .assert_redirects_to("/admin/beleidsperiodes");
    let next = period_id(&app, "2026-2031").await;
    // Antwerpen already belongs to another werkingsgebied in the new period.
    create_partnership(&app, next, "Antwerpen", &["11002"]).await;

    let r = app
        .post_form(&format!("/werkingsgebieden/{source}/overdragen"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(r.location()).await;
    page.assert_contains("Overgedragen naar 2026-2031 met 2 gemeenten.");
    page.assert_contains("Niet overgenomen, want al in een ander werkingsgebied: Antwerpen.");
    page.assert_contains("Overgenomen van");

    let new_id: i64 = r
        .location()
        .trim_start_matches("/werkingsgebieden/")
        .parse()
        .unwrap();
    let members: Vec<String> = sqlx::query_scalar(
        "select nis_code from partnership_members where partnership_id = $1 order by nis_code",
    )
    .bind(new_id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(members, vec!["34041", "71072"]);

    // Carrying over twice is refused with a message, not a duplicate.
    app.post_form(&format!("/werkingsgebieden/{source}/overdragen"), &[])
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{source}"));
    app.get(&format!("/werkingsgebieden/{source}"))
        .await
        .assert_contains("bestaat al een werkingsgebied met de naam Regio Hasselt");
}

#[tokio::test]
async fn policy_periods_may_not_overlap() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let r = app
        .post_form(
            "/admin/beleidsperiodes/nieuw",
            &[
                ("name", "2025-2030"),
                ("starts_on", "2025-06-01"),
                ("ends_on", "2030-12-31"),
                ("vintage", "2025"),
                ("population_year", "2020"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Deze periode overlapt met een andere beleidsperiode.");
    let r = app
        .post_form(
            "/admin/beleidsperiodes/nieuw",
            &[
                ("name", "2026-2031"),
                ("starts_on", "2031-01-01"),
                ("ends_on", "2026-01-01"),
                ("vintage", "2025"),
                ("population_year", "1999"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("De einddatum moet na de begindatum liggen.");
    r.assert_contains("Kies een jaar waarvoor bevolkingscijfers bestaan: 2020.");
}
