//! Werkingsgebieden: the one-werkingsgebied-per-municipality rule, the flags, contact editing
//! by the own regisseur only, and carrying over through the 2025 mergers.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::TestApp;

/// Creates a werkingsgebied through the admin form and adds members through the members page,
/// for the tests of those forms; elsewhere `TestApp::with_partnership` sets one up.
async fn create_through_the_forms(app: &TestApp, period: i64, name: &str, members: &[&str]) -> i64 {
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
    let period = app.period_id("2023-2025").await;
    let first = create_through_the_forms(&app, period, "Regio Leie", &["34022", "34041"]).await;
    let second = create_through_the_forms(&app, period, "Regio Schelde", &["34003"]).await;

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
    let other = app.period_id("2020-2022").await;
    create_through_the_forms(&app, other, "Regio Leie", &["34022"]).await;

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
    let period = app.period_id("2023-2025").await;
    // Mesen (1.047) and Zonnebeke (12.498): 13.545 inhabitants.
    let small = app
        .with_partnership("Westhoek klein")
        .members(&["33016", "33037"])
        .await;
    // Wevelgem alone is no centrumstad; Kortrijk alone is.
    let alone = app
        .with_partnership("Wevelgem alleen")
        .members(&["34041"])
        .await;
    let city = app
        .with_partnership("Kortrijk alleen")
        .members(&["34022"])
        .await;
    // Four municipalities with 94.174 inhabitants: fine.
    let fine = app
        .with_partnership("Zuid-West")
        .members(&["34027", "34040", "34009", "34003"])
        .await;

    let flag = "samenwerkingsverband met minder dan 60.000 inwoners";
    app.get(&format!("/werkingsgebieden/{small}"))
        .await
        .assert_contains(&format!("Aandachtspunt: {flag}."));
    app.get(&format!("/werkingsgebieden/{alone}"))
        .await
        .assert_contains("Aandachtspunt: één gemeente die geen centrumstad is");
    for (ok, name) in [(city, "Kortrijk alleen"), (fine, "Zuid-West")] {
        let page = app.get(&format!("/werkingsgebieden/{ok}")).await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        page.assert_contains(name);
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
    let period = app.period_id("2023-2025").await;
    create_through_the_forms(&app, period, "Regio Noord", &[]).await;
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

    // Ministry staff and regisseurs get neither the form nor a new werkingsgebied.
    let new_one = [
        ("policy_period_id", period.to_string()),
        ("name", "Regio Zuid".to_string()),
        ("legal_form", "welzijnsvereniging".to_string()),
        ("lead_organisation", "OCMW Zuid".to_string()),
    ];
    let new_one: Vec<(&str, &str)> = new_one.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for role in [Role::Ministry, Role::Regisseur] {
        let other = app.other_browser();
        other.sign_in_as(role).await;
        let form = other.get("/werkingsgebieden/nieuw").await;
        assert_eq!(form.status, StatusCode::FORBIDDEN, "{role:?}");
        form.assert_contains("Geen toegang");
        let r = other.post_form("/werkingsgebieden/nieuw", &new_one).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
        r.assert_contains("Geen toegang");
    }
    let denied: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action = 'access.denied' and details->>'path' = '/werkingsgebieden/nieuw'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(denied, 4, "both refusals of both users are audited");
    let names: Vec<String> = sqlx::query_scalar(
        "select name from partnerships where policy_period_id = $1 order by name",
    )
    .bind(period)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(names, ["Regio Noord"]);
}

#[tokio::test]
async fn carrying_over_follows_the_2025_mergers() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    // Hasselt and Kortessem merged into Hasselt (71072); Borsbeek into Antwerpen (11002).
    let source = app
        .with_partnership("Regio Hasselt")
        .members(&["71022", "73040", "11007", "34041"])
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
    let next = app.period_id("2026-2031").await;
    // Antwerpen already belongs to another werkingsgebied in the new period.
    app.with_partnership("Antwerpen")
        .in_period(next)
        .members(&["11002"])
        .await;

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

/// The page keeps a werkingsgebied's members, population and flags in the in-process cache of
/// reference data; a member added through the app shows on the very next request (the change
/// bumps the reference version, which empties the cache).
#[tokio::test]
async fn a_member_added_shows_at_once_though_the_page_is_cached() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    // Mesen (1.047 inhabitants) alone, no centrumstad.
    let id = app.with_partnership("Westhoek").members(&["33016"]).await;
    let page = format!("/werkingsgebieden/{id}");
    for _ in 0..2 {
        let before = app.get(&page).await;
        before.assert_contains("Gemeenten (1)");
        before.assert_contains("Aandachtspunt: één gemeente die geen centrumstad is");
        before.assert_contains("<dd>1.047 (1/1/2020)</dd>");
    }
    assert!(
        !app.state.reference.is_empty(),
        "the page is served from the cache"
    );

    app.post_form(&format!("{page}/leden/toevoegen"), &[("nis_code", "33037")])
        .await
        .assert_redirects_to(&format!("{page}/leden"));
    let after = app.get(&page).await;
    after.assert_contains("Gemeenten (2)");
    after.assert_contains(r#"<a href="/gemeenten/33037">Zonnebeke</a>"#);
    after.assert_contains("<dd>13.545 (1/1/2020)</dd>");
    after.assert_contains("Aandachtspunt: samenwerkingsverband met minder dan 60.000 inwoners.");
    assert!(!after.body.contains("één gemeente die geen centrumstad is"));
}
