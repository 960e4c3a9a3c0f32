//! The appointment workflow: requested by staff, decided only by admins, a rejection needs a
//! motivation, approval gives a one-time link, ending removes write access at once.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::TestApp;

pub async fn request(app: &TestApp, partnership: i64, email: &str) -> i64 {
    let r = app
        .post_form(
            "/aanstellingen/nieuw",
            &[
                ("partnership_id", &partnership.to_string()),
                ("person_name", "Rita Regisseur"),
                ("person_email", email),
                ("fte", "0,8"),
                ("starts_on", "2023-01-01"),
                ("ends_on", "2030-12-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/aanstellingen/")
        .parse()
        .unwrap()
}

pub fn link_path(body: &str) -> String {
    let start = body
        .find("/wachtwoord-instellen/")
        .expect("a set-password link on the page");
    let end = body[start..].find('<').unwrap();
    body[start..start + end].to_string()
}

#[tokio::test]
async fn an_approved_regisseur_sets_a_password_and_edits_only_their_own_werkingsgebied() {
    let admin = TestApp::new().await;
    admin.sign_in_as(Role::Admin).await;
    let own = admin
        .with_partnership("Regio Leie")
        .members(&["34022"])
        .await;
    let other = admin
        .with_partnership("Regio Schelde")
        .members(&["34003"])
        .await;

    // Ministry staff request; they cannot decide.
    let ministry = admin.other_browser();
    ministry.sign_in_as(Role::Ministry).await;
    let id = request(&ministry, own, "rita@kortrijk.be").await;
    ministry
        .get(&format!("/aanstellingen/{id}"))
        .await
        .assert_contains("aangevraagd");
    let refused = ministry
        .post_form(&format!("/aanstellingen/{id}/goedkeuren"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The admin approves and sees the link once.
    admin.get(&format!("/aanstellingen/{id}")).await;
    admin
        .post_form(&format!("/aanstellingen/{id}/goedkeuren"), &[])
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));
    let page = admin.get(&format!("/aanstellingen/{id}")).await;
    page.assert_contains("goedgekeurd");
    let link = link_path(&page.body);
    let reload = admin.get(&format!("/aanstellingen/{id}")).await;
    assert_eq!(reload.status, StatusCode::OK);
    reload.assert_contains("goedgekeurd");
    assert!(!reload.body.contains(&link), "the link is shown once");
    // Approving twice does nothing more.
    admin
        .post_form(&format!("/aanstellingen/{id}/goedkeuren"), &[])
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));
    admin
        .get(&format!("/aanstellingen/{id}"))
        .await
        .assert_contains("Over deze aanvraag is al beslist.");

    // The regisseur sets a password through the link, which then no longer works.
    let regisseur = admin.other_browser();
    regisseur
        .get(&link)
        .await
        .assert_contains("Welkom, Rita Regisseur.");
    let weak = regisseur
        .post_form(&link, &[("new_password", "kort"), ("confirmation", "kort")])
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    regisseur
        .post_form(
            &link,
            &[
                ("new_password", "de leie stroomt traag"),
                ("confirmation", "de leie stroomt traag"),
            ],
        )
        .await
        .assert_redirects_to("/login");
    assert_eq!(regisseur.get(&link).await.status, StatusCode::GONE);
    regisseur
        .sign_in("rita@kortrijk.be", "de leie stroomt traag")
        .await
        .assert_redirects_to("/");
    regisseur.get("/").await.assert_contains(&format!(
        r#"<a href="/werkingsgebieden/{own}">Regio Leie (2023-2025)</a>"#
    ));

    // Own werkingsgebied: contact details editable. Another one: 403, audited.
    assert_eq!(
        regisseur
            .get(&format!("/werkingsgebieden/{own}/contact"))
            .await
            .status,
        StatusCode::OK
    );
    regisseur
        .post_form(
            &format!("/werkingsgebieden/{own}/contact"),
            &[
                ("contact_name", "Rita Regisseur"),
                ("contact_email", "rita@kortrijk.be"),
                ("contact_phone", "+32 56 27 00 00"),
            ],
        )
        .await
        .assert_redirects_to(&format!("/werkingsgebieden/{own}"));
    for path in [
        format!("/werkingsgebieden/{other}/contact"),
        format!("/werkingsgebieden/{own}/bewerken"),
        format!("/werkingsgebieden/{own}/leden"),
    ] {
        let r = regisseur.get(&path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    let r = regisseur
        .post_form(
            &format!("/werkingsgebieden/{other}/contact"),
            &[("contact_name", "Indringer")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let other_contact: String =
        sqlx::query_scalar("select contact_name from partnerships where partnership_id = $1")
            .bind(other)
            .fetch_one(&admin.db)
            .await
            .unwrap();
    assert_eq!(other_contact, "");

    // Ending the appointment removes write access at once.
    admin
        .post_form(
            &format!("/aanstellingen/{id}/beeindigen"),
            &[("ended_on", "2026-11-01"), ("motivation", "vertrek")],
        )
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));
    let r = regisseur
        .get(&format!("/werkingsgebieden/{own}/contact"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    admin
        .get(&format!("/werkingsgebieden/{own}"))
        .await
        .assert_contains("beëindigd");
    admin.assert_audited("appointment.ended").await;
    admin.assert_audited("user.password_set_by_link").await;
}

#[tokio::test]
async fn a_rejection_needs_a_motivation_and_is_kept_in_the_history() {
    let admin = TestApp::new().await;
    admin.sign_in_as(Role::Admin).await;
    let p = admin
        .with_partnership("Regio Leie")
        .members(&["34022"])
        .await;
    let id = request(&admin, p, "kandidaat@kortrijk.be").await;

    let r = admin
        .post_form(
            &format!("/aanstellingen/{id}/afwijzen"),
            &[("motivation", "  ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Een afwijzing heeft een schriftelijke motivering nodig.");

    admin
        .post_form(
            &format!("/aanstellingen/{id}/afwijzen"),
            &[("motivation", "Het werkingsgebied heeft al een regisseur.")],
        )
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));
    let history = admin.get(&format!("/werkingsgebieden/{p}")).await;
    history.assert_contains("afgewezen");
    history.assert_contains("Het werkingsgebied heeft al een regisseur.");
    history.assert_contains("door Test Beheerder");
    history.assert_contains("vacature");

    // The database refuses a rejection without motivation too.
    let err = sqlx::query(
        "update appointments set status = 'afgewezen', decision_motivation = '' where appointment_id = $1",
    )
    .bind(id)
    .execute(&admin.db)
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("appointments_rejection_needs_motivation")
    );
}

#[tokio::test]
async fn a_request_is_validated_with_dutch_messages() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Ministry).await;
    let r = app
        .post_form(
            "/aanstellingen/nieuw",
            &[
                ("partnership_id", "999999"),
                ("person_name", ""),
                ("person_email", "geen"),
                ("fte", "1,5"),
                ("starts_on", "2025-01-01"),
                ("ends_on", "2024-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Kies een werkingsgebied.",
        "Vul de naam van de regisseur in.",
        "Vul een geldig e-mailadres in",
        "Vul een VTE in tussen 0,1 en 1,0",
        "De einddatum moet na de begindatum liggen.",
    ] {
        r.assert_contains(message);
    }
    r.assert_contains(r#"value="1,5""#);
}

#[tokio::test]
async fn an_approval_for_an_email_of_another_role_is_refused() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    app.with_user(Role::Ministry)
        .email("collega@vlaanderen.be")
        .name("Collega Departement")
        .await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    let id = request(&app, p, "Collega@Vlaanderen.be").await;
    app.post_form(&format!("/aanstellingen/{id}/goedkeuren"), &[])
        .await
        .assert_redirects_to(&format!("/aanstellingen/{id}"));
    let page = app.get(&format!("/aanstellingen/{id}")).await;
    page.assert_contains("hoort al bij een account met de rol Departement WSE");
    page.assert_contains("<strong>aangevraagd</strong>");
}
