//! Irreversible steps ask first (issue #12, item 4): deleting an action, approving and ending an
//! appointment, carrying a werkingsgebied over. Each button opens a confirmation page (GET) that
//! says what will happen; only its form (POST) does it, and the POST checks everything again.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::TestApp;

async fn deleted(app: &TestApp, action: i64) -> bool {
    sqlx::query_scalar("select deleted_at is not null from actions where action_id = $1")
        .bind(action)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn status_of(app: &TestApp, appointment: i64) -> String {
    sqlx::query_scalar("select status::text from appointments where appointment_id = $1")
        .bind(appointment)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn deleting_an_action_first_says_which_action_of_which_werkingsgebied_goes() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    let action = app.with_action(p).title("Jobbeurs Kortrijk").await;
    let confirm = format!("/acties/{action}/verwijderen");

    let show = app.get(&format!("/acties/{action}")).await;
    show.assert_contains(&format!(r#"<a href="{confirm}" role="button""#));
    assert!(!show.body.contains(&format!(r#"action="{confirm}""#)));

    let page = app.get(&confirm).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<h1>Actie verwijderen?</h1>");
    page.assert_contains(
        "De actie <strong>Jobbeurs Kortrijk</strong> van werkingsgebied <strong>Regio Leie</strong> wordt verwijderd.",
    );
    page.assert_contains("alleen een beheerder kan de actie herstellen");
    page.assert_contains(&format!(r#"<form method="post" action="{confirm}""#));
    page.assert_contains(r#"<button type="submit" class="danger">Ja, verwijderen</button>"#);
    page.assert_contains(&format!(
        r#"<a href="/acties/{action}" class="cancel">Annuleren</a>"#
    ));
    assert!(
        !deleted(&app, action).await,
        "opening the page deletes nothing"
    );

    app.post_form(&confirm, &[])
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{p}/acties"));
    assert!(deleted(&app, action).await);
    app.get(&format!("/werkingsgebieden/{p}/acties"))
        .await
        .assert_contains("Actie verwijderd. Een beheerder kan ze herstellen.");
    // Deleted: nothing left to confirm.
    assert_eq!(app.get(&confirm).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn who_may_not_delete_an_action_gets_403_on_its_confirmation_and_on_the_delete() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let other = app
        .with_partnership("Regio Schelde")
        .members(&["34003"])
        .await;
    let action = app.with_action(p).title("Jobbeurs Kortrijk").await;
    let confirm = format!("/acties/{action}/verwijderen");

    app.sign_in_as_regisseur_of(other, "sam@avelgem.be").await;
    let page = app.get(&confirm).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.assert_contains("Geen toegang");
    assert!(!page.body.contains("Ja, verwijderen"));
    assert_eq!(
        app.post_form(&confirm, &[]).await.status,
        StatusCode::FORBIDDEN
    );

    let ministry = app.other_browser();
    ministry.sign_in_as(Role::Ministry).await;
    assert_eq!(ministry.get(&confirm).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        ministry.post_form(&confirm, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!deleted(&app, action).await);
}

#[tokio::test]
async fn approving_an_appointment_first_says_who_is_appointed_where_from_when_and_what_overlaps() {
    let admin = TestApp::new().await;
    admin.sign_in_as(Role::Admin).await;
    let p = admin
        .with_partnership("Regio Leie")
        .members(&["34022"])
        .await;
    admin
        .with_user(Role::Regisseur)
        .email("oud@kortrijk.be")
        .name("Oude Regisseur")
        .regisseur_of(p)
        .await;
    let id = crate::appointments::request(&admin, p, "rita@kortrijk.be").await;
    let confirm = format!("/aanstellingen/{id}/goedkeuren");

    let show = admin.get(&format!("/aanstellingen/{id}")).await;
    show.assert_contains(&format!(
        r#"<a href="{confirm}" role="button" data-confirm>Goedkeuren</a>"#
    ));

    let page = admin.get(&confirm).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<h1>Aanstelling goedkeuren?</h1>");
    page.assert_contains(
        "<strong>Rita Regisseur</strong> (rita@kortrijk.be) wordt aangesteld als regisseur van <strong>Regio Leie</strong> (2023-2025) van <strong>01/01/2023</strong> tot <strong>31/12/2030</strong>, voor 0,80 VTE.",
    );
    page.assert_contains("Er wordt een account aangemaakt voor rita@kortrijk.be.");
    // The hand-over: the old regisseur's appointment overlaps and is not ended by approving.
    page.assert_contains("In dezelfde tijd heeft Regio Leie al:");
    page.assert_contains("<li>Oude Regisseur, ");
    page.assert_contains("Goedkeuren beëindigt die niet");
    page.assert_contains(
        "De looptijd valt niet helemaal binnen de beleidsperiode van dit werkingsgebied, 2023-2025 (01/01/2023 - 31/12/2025).",
    );
    page.assert_contains(r#"<button type="submit">Ja, goedkeuren</button>"#);
    page.assert_contains(&format!(
        r#"<a href="/aanstellingen/{id}" class="cancel">Annuleren</a>"#
    ));
    assert_eq!(status_of(&admin, id).await, "aangevraagd");

    admin
        .post_form(&confirm, &[])
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));
    assert_eq!(status_of(&admin, id).await, "goedgekeurd");
    // Decided: the confirmation sends back with the reason.
    admin
        .get(&confirm)
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));
    admin
        .get(&format!("/aanstellingen/{id}"))
        .await
        .assert_contains("Over deze aanvraag is al beslist.");
}

#[tokio::test]
async fn an_approval_that_would_be_refused_says_so_and_offers_no_button() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    app.with_user(Role::Ministry)
        .email("collega@vlaanderen.be")
        .name("Collega Departement")
        .await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let id = crate::appointments::request(&app, p, "collega@vlaanderen.be").await;
    let page = app.get(&format!("/aanstellingen/{id}/goedkeuren")).await;
    page.assert_contains("hoort al bij een account met de rol Departement WSE");
    assert!(!page.body.contains("Ja, goedkeuren"));
}

#[tokio::test]
async fn ending_an_appointment_first_says_whose_access_ends_and_keeps_the_input_when_refused() {
    let admin = TestApp::new().await;
    admin.sign_in_as(Role::Admin).await;
    let p = admin
        .with_partnership("Regio Leie")
        .members(&["34022"])
        .await;
    let rita = admin
        .with_user(Role::Regisseur)
        .email("rita@kortrijk.be")
        .name("Rita Regisseur")
        .regisseur_of(p)
        .await;
    let id: i64 = sqlx::query_scalar("select appointment_id from appointments where user_id = $1")
        .bind(rita)
        .fetch_one(&admin.db)
        .await
        .unwrap();
    let confirm = format!("/aanstellingen/{id}/beeindigen");

    admin
        .get(&format!("/aanstellingen/{id}"))
        .await
        .assert_contains(&format!(r#"<a href="{confirm}" role="button""#));
    let page = admin.get(&confirm).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<h1>Aanstelling beëindigen?</h1>");
    page.assert_contains(
        "De aanstelling van <strong>Rita Regisseur</strong> als regisseur van <strong>Regio Leie</strong> (2023-2025, ",
    );
    page.assert_contains("Rita Regisseur verliest meteen de schrijftoegang tot Regio Leie");
    page.assert_contains(r#"<button type="submit" class="danger">Ja, beëindigen</button>"#);
    assert_eq!(status_of(&admin, id).await, "goedgekeurd");

    let refused = admin
        .post_form(
            &confirm,
            &[
                ("ended_on", "2001-01-01"),
                ("motivation", "Vertrek naar Gent"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("<h1>Aanstelling beëindigen?</h1>");
    refused.assert_contains("De aanstelling kan niet eindigen vóór ze begon.");
    refused.assert_contains("Vertrek naar Gent");
    assert_eq!(status_of(&admin, id).await, "goedgekeurd");

    let today = regie::web::format::today().to_string();
    admin
        .post_form(
            &confirm,
            &[("ended_on", &today), ("motivation", "Vertrek naar Gent")],
        )
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));
    assert_eq!(status_of(&admin, id).await, "beeindigd");
    admin
        .get(&confirm)
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));
    admin
        .get(&format!("/aanstellingen/{id}"))
        .await
        .assert_contains("Alleen een goedgekeurde aanstelling kan beëindigd worden.");
}

#[tokio::test]
async fn only_admins_open_the_appointment_and_carry_over_confirmations() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let request = app.with_appointment_request(p).await;
    let rita = app
        .with_user(Role::Regisseur)
        .email("rita@kortrijk.be")
        .regisseur_of(p)
        .await;
    let approved: i64 =
        sqlx::query_scalar("select appointment_id from appointments where user_id = $1")
            .bind(rita)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let paths = [
        format!("/aanstellingen/{request}/goedkeuren"),
        format!("/aanstellingen/{approved}/beeindigen"),
        format!("/werkingsgebieden/{p}/overdragen"),
    ];
    for role in [Role::Ministry, Role::Regisseur] {
        let who = app.other_browser();
        who.sign_in_as(role).await;
        for path in &paths {
            let page = who.get(path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{role:?} GET {path}");
            page.assert_contains("Geen toegang");
            assert_eq!(
                who.post_form(path, &[("ended_on", "2026-12-01")])
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{role:?} POST {path}"
            );
        }
    }
    assert_eq!(status_of(&app, request).await, "aangevraagd");
    assert_eq!(status_of(&app, approved).await, "goedgekeurd");
}

#[tokio::test]
async fn carrying_over_first_lists_the_municipalities_that_go_along_and_what_stays() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    // Hasselt and Kortessem merged into Hasselt; Borsbeek into Antwerpen.
    let source = app
        .with_partnership("Regio Hasselt")
        .members(&["71022", "73040", "11007"])
        .await;
    app.with_action(source).title("Jobbeurs Hasselt").await;
    let confirm = format!("/werkingsgebieden/{source}/overdragen");

    // No next period yet: back, with the reason.
    app.get(&confirm)
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{source}"));
    app.get(&format!("/werkingsgebieden/{source}"))
        .await
        .assert_contains("Er is nog geen volgende beleidsperiode.");

    sqlx::query(
        "insert into policy_periods (name, starts_on, ends_on, vintage, population_year) values ('2026-2031', '2026-01-01', '2031-12-31', '2025', 2020)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let next = app.period_id("2026-2031").await;
    app.with_partnership("Antwerpen")
        .in_period(next)
        .members(&["11002"])
        .await;

    app.get(&format!("/werkingsgebieden/{source}"))
        .await
        .assert_contains(&format!(r#"<a href="{confirm}" role="button""#));
    let page = app.get(&confirm).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<h1>Overdragen naar 2026-2031?</h1>");
    page.assert_contains(
        "Het werkingsgebied <strong>Regio Hasselt</strong> (2023-2025) wordt voortgezet in de beleidsperiode <strong>2026-2031</strong> (01/01/2026 - 31/12/2031)",
    );
    page.assert_contains("Gemeenten: 1 van de 2 gaat mee");
    page.assert_contains("Hasselt <small>(samengevoegd uit Hasselt, Kortessem)</small>");
    page.assert_contains("<strong>gaat niet mee</strong>, hoort in 2026-2031 al bij Antwerpen");
    page.assert_contains("De actie, de aanstellingen, de samenwerkingsovereenkomsten en de jaarrapporten blijven bij Regio Hasselt in 2023-2025");
    page.assert_contains(r#"<button type="submit">Ja, overdragen</button>"#);
    let copies: i64 =
        sqlx::query_scalar("select count(*) from partnerships where carried_over_from = $1")
            .bind(source)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(copies, 0, "opening the page carries nothing over");

    let r = app.post_form(&confirm, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.get(r.location())
        .await
        .assert_contains("Overgedragen naar 2026-2031");
}
