//! VDAB account managers: they reach only the agreement pages, and of those only the agreements
//! of the werkingsgebieden an admin assigned to them; admins assign and revoke on the user's
//! admin page.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{PASSWORD, TestApp};

const VDAB_EMAIL: &str = "an.accountmanager@vdab.be";

/// Access denials recorded for `path`.
async fn denials(app: &TestApp, path: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from audit_events where action = 'access.denied' and details->>'path' = $1",
    )
    .bind(path)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

async fn assigned(app: &TestApp, user_id: i64) -> Vec<i64> {
    sqlx::query_scalar(
        "select partnership_id from vdab_assignments where user_id = $1 order by partnership_id",
    )
    .bind(user_id)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_vdab_account_manager_lands_on_a_start_page_listing_only_their_werkingsgebieden() {
    let app = TestApp::new().await;
    let own = app.with_partnership("Regio Leie").await;
    let other = app.with_partnership("Regio Dender").await;
    app.with_user(Role::Vdab)
        .email(VDAB_EMAIL)
        .name("An Accountmanager")
        .vdab_of(&[own])
        .await;

    app.sign_in(VDAB_EMAIL, PASSWORD)
        .await
        .assert_redirects_to("/");
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("Welkom, An");
    home.assert_contains(&format!(
        r#"<a href="/samenwerkingsovereenkomsten?werkingsgebied={own}">Regio Leie</a> (2023-2025)"#
    ));
    assert!(!home.body.contains("Regio Dender"), "only their own");
    assert!(!home.body.contains(&format!("werkingsgebied={other}")));
    // The menu offers only what they may open.
    home.assert_contains(r#"href="/samenwerkingsovereenkomsten""#);
    for closed in [
        r#"href="/acties""#,
        r#"href="/gemeenten""#,
        r#"href="/dekking""#,
    ] {
        assert!(!home.body.contains(closed), "no link {closed}");
    }

    let colleague = app.other_browser();
    colleague.with_user(Role::Vdab).email("nieuw@vdab.be").await;
    colleague
        .sign_in("nieuw@vdab.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    colleague.get("/").await.assert_contains(
        "Er zijn u nog geen werkingsgebieden toegewezen; vraag het aan een beheerder.",
    );
}

#[tokio::test]
async fn every_page_outside_the_agreements_is_forbidden_to_vdab_and_audited() {
    let app = TestApp::new().await;
    let own = app.with_partnership("Regio Leie").await;
    let action = app.with_action(own).await;
    app.with_user(Role::Vdab)
        .email(VDAB_EMAIL)
        .vdab_of(&[own])
        .await;
    app.sign_in(VDAB_EMAIL, PASSWORD)
        .await
        .assert_redirects_to("/");

    for path in [
        "/acties".to_string(),
        format!("/acties/{action}"),
        "/acties/export.csv".into(),
        "/werkingsgebieden".into(),
        // Not even the werkingsgebied assigned to them: only its agreements.
        format!("/werkingsgebieden/{own}"),
        format!("/werkingsgebieden/{own}/acties"),
        "/gemeenten".into(),
        "/gemeenten/44021".into(),
        "/dekking".into(),
        "/prioriteiten".into(),
        "/aanstellingen".into(),
        "/admin/gebruikers".into(),
        "/admin/audit".into(),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{path}");
        response.assert_contains("Geen toegang");
        assert_eq!(denials(&app, &path).await, 1, "{path} is audited once");
    }
    let response = app
        .post_form(
            "/acties/nieuw",
            &[("partnership_id", &own.to_string()), ("title", "Jobbeurs")],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(denials(&app, "/acties/nieuw").await, 1);

    // Their own account pages and the public ones stay open.
    for path in ["/wachtwoord", "/tweestapsverificatie", "/over", "/healthz"] {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn a_vdab_account_manager_reads_the_agreements_of_assigned_werkingsgebieden_only() {
    let app = TestApp::new().await;
    let own = app.with_partnership("Regio Leie").members(&["44021"]).await;
    let other = app
        .with_partnership("Regio Dender")
        .members(&["44084"])
        .await;
    let readable = app
        .with_agreement(own)
        .title("Overeenkomst Leie")
        .binds(&["44021"])
        .await;
    let closed = app.with_agreement(other).title("Overeenkomst Dender").await;
    app.with_user(Role::Vdab)
        .email(VDAB_EMAIL)
        .vdab_of(&[own])
        .await;
    app.sign_in(VDAB_EMAIL, PASSWORD)
        .await
        .assert_redirects_to("/");

    let page = app
        .get(&format!("/samenwerkingsovereenkomsten/{readable}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Overeenkomst Leie");

    let path = format!("/samenwerkingsovereenkomsten/{closed}");
    let refused = app.get(&path).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains("Overeenkomst Dender"));
    assert_eq!(denials(&app, &path).await, 1);
}

#[tokio::test]
async fn the_overview_opens_on_the_period_of_the_account_managers_own_werkingsgebieden() {
    let app = TestApp::new().await;
    // A period runs today, but this account manager's werkingsgebied is one of 2023-2025.
    let current = app.with_current_period().await;
    app.with_partnership("Regio Nu").in_period(current).await;
    let own = app.with_partnership("Regio Leie").members(&["44021"]).await;
    app.with_agreement(own).title("Overeenkomst Leie").await;
    app.with_user(Role::Vdab)
        .email(VDAB_EMAIL)
        .vdab_of(&[own])
        .await;
    app.sign_in(VDAB_EMAIL, PASSWORD)
        .await
        .assert_redirects_to("/");

    let page = app.get("/samenwerkingsovereenkomsten").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Samenwerkingsovereenkomsten 2023-2025");
    page.assert_contains("Regio Leie");
    assert!(
        !page
            .body
            .contains("Geen werkingsgebieden voor deze filters")
    );
    // The period stays a choice: asking for the current one shows it, empty for them.
    let asked = app
        .get(&format!("/samenwerkingsovereenkomsten?periode={current}"))
        .await;
    asked.assert_contains("Geen werkingsgebieden voor deze filters");
}

#[tokio::test]
async fn an_admin_assigns_and_revokes_werkingsgebieden_and_the_reach_follows() {
    let app = TestApp::new().await;
    let admin = app.sign_in_as(Role::Admin).await;
    let older = app.period_id("2020-2022").await;
    let leie = app.with_partnership("Regio Leie").members(&["44021"]).await;
    let leie_old = app
        .with_partnership("Regio Leie oud")
        .in_period(older)
        .await;
    let agreement = app.with_agreement(leie).binds(&["44021"]).await;
    let vdab = app
        .with_user(Role::Vdab)
        .email(VDAB_EMAIL)
        .name("An Accountmanager")
        .await;
    let manager = app.other_browser();
    manager
        .sign_in(VDAB_EMAIL, PASSWORD)
        .await
        .assert_redirects_to("/");
    let agreement_page = format!("/samenwerkingsovereenkomsten/{agreement}");
    assert_eq!(
        manager.get(&agreement_page).await.status,
        StatusCode::FORBIDDEN
    );

    let user_page = format!("/admin/gebruikers/{vdab}");
    let page = app.get(&user_page).await;
    page.assert_contains("Toegewezen werkingsgebieden");
    page.assert_contains("Nog geen werkingsgebieden toegewezen.");
    // All periods, the newest first.
    let newest = page
        .body
        .find("Regio Leie (2023-2025)")
        .expect("2023-2025 offered");
    let oldest = page
        .body
        .find("Regio Leie oud (2020-2022)")
        .expect("2020-2022 offered");
    assert!(newest < oldest, "newest period first");

    app.post_form(
        &format!("{user_page}/werkingsgebieden"),
        &[("partnership_id", &leie.to_string())],
    )
    .await
    .assert_redirects_to(&user_page);
    assert_eq!(assigned(&app, vdab).await, vec![leie]);
    let assigned_by: Option<i64> =
        sqlx::query_scalar("select assigned_by from vdab_assignments where user_id = $1")
            .bind(vdab)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(assigned_by, Some(admin));
    let page = app.get(&user_page).await;
    page.assert_contains("Regio Leie (2023-2025) is toegewezen.");
    page.assert_contains(&format!(
        r#"action="/admin/gebruikers/{vdab}/werkingsgebieden/{leie}/intrekken""#
    ));
    page.assert_contains("Intrekken");
    assert!(
        !page.body.contains(&format!(r#"<option value="{leie}">"#)),
        "an assigned werkingsgebied is not offered again"
    );
    assert!(
        page.body
            .contains(&format!(r#"<option value="{leie_old}">"#))
    );
    let details: serde_json::Value = sqlx::query_scalar(
        "select details from audit_events where action = 'vdab.assigned' and object_type = 'user' and object_id = $1",
    )
    .bind(vdab.to_string())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(details["partnership_id"], leie);
    assert_eq!(details["partnership"], "Regio Leie");
    // At once: the account manager reads the agreement now.
    assert_eq!(manager.get(&agreement_page).await.status, StatusCode::OK);

    app.post_form(
        &format!("{user_page}/werkingsgebieden/{leie}/intrekken"),
        &[],
    )
    .await
    .assert_redirects_to(&user_page);
    assert!(assigned(&app, vdab).await.is_empty());
    app.get(&user_page)
        .await
        .assert_contains("De toewijzing van Regio Leie (2023-2025) is ingetrokken.");
    let details: serde_json::Value = sqlx::query_scalar(
        "select details from audit_events where action = 'vdab.unassigned' and object_id = $1",
    )
    .bind(vdab.to_string())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(details["partnership_id"], leie);
    assert_eq!(details["partnership"], "Regio Leie");
    assert_eq!(
        manager.get(&agreement_page).await.status,
        StatusCode::FORBIDDEN
    );

    // Revoking again (a double click) changes nothing and is no error.
    app.post_form(
        &format!("{user_page}/werkingsgebieden/{leie}/intrekken"),
        &[],
    )
    .await
    .assert_redirects_to(&user_page);
    let revocations: Vec<String> = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|a| a == "vdab.unassigned")
        .collect();
    assert_eq!(revocations.len(), 1);
}

#[tokio::test]
async fn a_wrong_assignment_is_refused_in_dutch_and_nothing_is_stored() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let leie = app.with_partnership("Regio Leie").await;
    let vdab = app
        .with_user(Role::Vdab)
        .email(VDAB_EMAIL)
        .vdab_of(&[leie])
        .await;
    let regisseur = app
        .with_user(Role::Regisseur)
        .email("rita@gemeente.be")
        .await;

    let cases = [
        (
            vdab,
            leie.to_string(),
            "Dit werkingsgebied is al aan deze gebruiker toegewezen.",
        ),
        (
            vdab,
            "999999".to_string(),
            "Dat werkingsgebied bestaat niet; kies er een uit de lijst.",
        ),
        (
            vdab,
            String::new(),
            "Kies een werkingsgebied om toe te wijzen.",
        ),
        (
            regisseur,
            leie.to_string(),
            "Alleen een VDAB-accountmanager krijgt werkingsgebieden toegewezen",
        ),
    ];
    for (user, partnership, message) in cases {
        let user_page = format!("/admin/gebruikers/{user}");
        app.post_form(
            &format!("{user_page}/werkingsgebieden"),
            &[("partnership_id", &partnership)],
        )
        .await
        .assert_redirects_to(&user_page);
        app.get(&user_page).await.assert_contains(message);
    }
    assert_eq!(assigned(&app, vdab).await, vec![leie]);
    assert!(assigned(&app, regisseur).await.is_empty());
    assert!(!app.audit_actions().await.contains(&"vdab.assigned".into()));
    // A regisseur's page offers no assignments at all.
    let page = app.get(&format!("/admin/gebruikers/{regisseur}")).await;
    assert!(!page.body.contains("Toegewezen werkingsgebieden"));

    let unknown = app
        .post_form(
            "/admin/gebruikers/999999/werkingsgebieden",
            &[("partnership_id", &leie.to_string())],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_admins_assign_or_revoke() {
    let app = TestApp::new().await;
    let leie = app.with_partnership("Regio Leie").await;
    let dender = app.with_partnership("Regio Dender").await;
    let vdab = app
        .with_user(Role::Vdab)
        .email(VDAB_EMAIL)
        .vdab_of(&[leie])
        .await;
    for role in [Role::Ministry, Role::Regisseur, Role::Vdab] {
        let browser = app.other_browser();
        if role == Role::Vdab {
            browser
                .sign_in(VDAB_EMAIL, PASSWORD)
                .await
                .assert_redirects_to("/");
        } else {
            browser.sign_in_as(role).await;
        }
        let assign = format!("/admin/gebruikers/{vdab}/werkingsgebieden");
        let revoke = format!("/admin/gebruikers/{vdab}/werkingsgebieden/{leie}/intrekken");
        for path in [&assign, &revoke] {
            let response = browser
                .post_form(path, &[("partnership_id", &dender.to_string())])
                .await;
            assert_eq!(response.status, StatusCode::FORBIDDEN, "{role:?} {path}");
        }
    }
    assert_eq!(assigned(&app, vdab).await, vec![leie]);
    let denied: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action = 'access.denied' and details->>'path' like '/admin/gebruikers/%/werkingsgebieden%'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(denied, 6);
}

#[tokio::test]
async fn a_user_who_stops_being_vdab_loses_their_assignments() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let leie = app.with_partnership("Regio Leie").await;
    let vdab = app
        .with_user(Role::Vdab)
        .email(VDAB_EMAIL)
        .name("An Accountmanager")
        .vdab_of(&[leie])
        .await;
    let user_page = format!("/admin/gebruikers/{vdab}");
    app.get(&user_page).await.assert_contains("Regio Leie");
    app.post_form(
        &format!("{user_page}/bewerken"),
        &[("full_name", "An Accountmanager"), ("role", "ministry")],
    )
    .await
    .assert_redirects_to(&user_page);
    assert!(assigned(&app, vdab).await.is_empty());
    let details: serde_json::Value = sqlx::query_scalar(
        "select details from audit_events where action = 'vdab.unassigned' and object_id = $1",
    )
    .bind(vdab.to_string())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(details["partnership_id"], leie);
    assert_eq!(details["reason"], "rol gewijzigd");

    // Made VDAB again, they start without werkingsgebieden.
    app.post_form(
        &format!("{user_page}/bewerken"),
        &[("full_name", "An Accountmanager"), ("role", "vdab")],
    )
    .await
    .assert_redirects_to(&user_page);
    app.get(&user_page)
        .await
        .assert_contains("Nog geen werkingsgebieden toegewezen.");
}
