use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{PASSWORD, TestApp};

fn one_time_password(body: &str) -> String {
    let start = body
        .find(r#"<code class="otp">"#)
        .expect("a one-time password on the page")
        + r#"<code class="otp">"#.len();
    let end = body[start..].find("</code>").unwrap();
    body[start..start + end].to_string()
}

#[tokio::test]
async fn an_admin_creates_a_user_who_signs_in_with_the_one_time_password_once_shown() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;

    let created = app
        .post_form(
            "/admin/gebruikers/nieuw",
            &[
                ("email", "lies.claes@vlaanderen.be"),
                ("full_name", "Lies Claes"),
                ("role", "ministry"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let page = app.get(created.location()).await;
    page.assert_contains("Gebruiker aangemaakt.");
    page.assert_contains("Lies Claes");
    page.assert_contains("Departement WSE");
    let password = one_time_password(&page.body);

    // Shown once: a reload no longer shows it.
    let again = app.get(created.location()).await;
    assert_eq!(again.status, StatusCode::OK);
    again.assert_contains("Lies Claes");
    assert!(!again.body.contains(&password));
    assert!(!again.body.contains("otp"));

    let colleague = app.other_browser();
    colleague
        .sign_in("lies.claes@vlaanderen.be", &password)
        .await
        .assert_redirects_to("/wachtwoord?next=%2F");

    let list = app.get("/admin/gebruikers").await;
    list.assert_contains("lies.claes@vlaanderen.be");
    let audit: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action = 'user.created' and details->>'email' = 'lies.claes@vlaanderen.be' and actor_user_id is not null",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn a_taken_email_in_another_case_gives_a_dutch_error_and_keeps_the_input() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    app.with_user(Role::Ministry)
        .email("bestaat@vlaanderen.be")
        .name("Bert Staat")
        .await;

    let response = app
        .post_form(
            "/admin/gebruikers/nieuw",
            &[
                ("email", "Bestaat@Vlaanderen.be"),
                ("full_name", "Tweede Bert"),
                ("role", "regisseur"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Er bestaat al een gebruiker met dit e-mailadres.");
    response.assert_contains(r#"value="Tweede Bert""#);
    response.assert_contains(r#"value="Bestaat@Vlaanderen.be""#);
    response.assert_contains(r#"<option value="regisseur" selected>"#);
}

#[tokio::test]
async fn invalid_user_fields_are_named_beside_the_field() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let response = app
        .post_form(
            "/admin/gebruikers/nieuw",
            &[
                ("email", "geen-adres"),
                ("full_name", "  "),
                ("role", "root"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Controleer het formulier");
    response.assert_contains(r#"id="email-fout""#);
    response.assert_contains("Vul een geldig e-mailadres in");
    response.assert_contains("Vul de naam in.");
    response.assert_contains("Kies een rol.");
    response.assert_contains(r#"value="geen-adres""#);
}

#[tokio::test]
async fn a_deactivated_users_sessions_end_at_once_and_they_cannot_sign_in() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let user_id = app
        .with_user(Role::Regisseur)
        .email("weg@gemeente.be")
        .name("Wim Weg")
        .await;
    let regisseur = app.other_browser();
    regisseur
        .sign_in("weg@gemeente.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    assert_eq!(regisseur.get("/gemeenten").await.status, StatusCode::OK);

    app.get(&format!("/admin/gebruikers/{user_id}")).await;
    app.post_form(&format!("/admin/gebruikers/{user_id}/deactiveren"), &[])
        .await
        .assert_redirects_to(&format!("/admin/gebruikers/{user_id}"));
    app.get(&format!("/admin/gebruikers/{user_id}"))
        .await
        .assert_contains("gedeactiveerd");

    regisseur
        .get("/gemeenten")
        .await
        .assert_redirects_to("/login?next=%2Fgemeenten");
    let again = regisseur.sign_in("weg@gemeente.be", PASSWORD).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    again.assert_contains("Het e-mailadres of het wachtwoord is niet juist.");

    app.post_form(&format!("/admin/gebruikers/{user_id}/activeren"), &[])
        .await
        .assert_redirects_to(&format!("/admin/gebruikers/{user_id}"));
    regisseur
        .sign_in("weg@gemeente.be", PASSWORD)
        .await
        .assert_redirects_to("/");

    app.assert_audited("user.deactivated").await;
    app.assert_audited("user.reactivated").await;
}

#[tokio::test]
async fn a_password_reset_ends_sessions_and_issues_a_new_one_time_password() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let user_id = app
        .with_user(Role::Ministry)
        .email("vergeten@vlaanderen.be")
        .name("Vic Vergeten")
        .await;
    let user = app.other_browser();
    user.sign_in("vergeten@vlaanderen.be", PASSWORD)
        .await
        .assert_redirects_to("/");

    app.get(&format!("/admin/gebruikers/{user_id}")).await;
    let reset = app
        .post_form(
            &format!("/admin/gebruikers/{user_id}/wachtwoord-reset"),
            &[],
        )
        .await;
    let page = app.get(reset.location()).await;
    let password = one_time_password(&page.body);

    user.get("/").await.assert_redirects_to("/login");
    assert_eq!(
        user.sign_in("vergeten@vlaanderen.be", PASSWORD)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    user.sign_in("vergeten@vlaanderen.be", &password)
        .await
        .assert_redirects_to("/wachtwoord?next=%2F");
    app.assert_audited("user.password_reset").await;
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out() {
    let app = TestApp::new().await;
    let me = app.sign_in_as(Role::Admin).await;
    app.get(&format!("/admin/gebruikers/{me}")).await;

    app.post_form(&format!("/admin/gebruikers/{me}/deactiveren"), &[])
        .await
        .assert_redirects_to(&format!("/admin/gebruikers/{me}"));
    app.get(&format!("/admin/gebruikers/{me}"))
        .await
        .assert_contains("U kunt uw eigen account niet deactiveren.");

    let demote = app
        .post_form(
            &format!("/admin/gebruikers/{me}/bewerken"),
            &[("full_name", "Test Beheerder"), ("role", "ministry")],
        )
        .await;
    assert_eq!(demote.status, StatusCode::UNPROCESSABLE_ENTITY);
    demote.assert_contains("U kunt uw eigen beheerdersrol niet afnemen");

    let active: bool =
        sqlx::query_scalar("select active and role = 'admin' from users where user_id = $1")
            .bind(me)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(active);
}

#[tokio::test]
async fn an_admin_changes_a_users_name_and_role_and_the_change_is_audited() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let user_id = app
        .with_user(Role::Regisseur)
        .email("wissel@gemeente.be")
        .name("Wout Wissel")
        .await;
    app.get(&format!("/admin/gebruikers/{user_id}")).await;
    app.post_form(
        &format!("/admin/gebruikers/{user_id}/bewerken"),
        &[("full_name", "Wout Wissel-Peeters"), ("role", "ministry")],
    )
    .await
    .assert_redirects_to(&format!("/admin/gebruikers/{user_id}"));

    let page = app.get(&format!("/admin/gebruikers/{user_id}")).await;
    page.assert_contains("Wout Wissel-Peeters");
    page.assert_contains("Departement WSE");
    let details: serde_json::Value = sqlx::query_scalar(
        "select details from audit_events where action = 'user.updated' and object_id = $1",
    )
    .bind(user_id.to_string())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(details["role"]["from"], "regisseur");
    assert_eq!(details["role"]["to"], "ministry");
}

#[tokio::test]
async fn an_admin_creates_a_vdab_account_manager_whose_page_offers_werkingsgebieden() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    app.with_partnership("Regio Leie").await;
    app.get("/admin/gebruikers/nieuw")
        .await
        .assert_contains(r#"<option value="vdab">VDAB-accountmanager</option>"#);

    let created = app
        .post_form(
            "/admin/gebruikers/nieuw",
            &[
                ("email", "an.accountmanager@vdab.be"),
                ("full_name", "An Accountmanager"),
                ("role", "vdab"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let page = app.get(created.location()).await;
    page.assert_contains("VDAB-accountmanager");
    page.assert_contains("Toegewezen werkingsgebieden");
    page.assert_contains("Regio Leie (2023-2025)");
    let password = one_time_password(&page.body);
    let role: String = sqlx::query_scalar(
        "select role::text from users where email = 'an.accountmanager@vdab.be'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(role, "vdab");

    // Two-step sign-in stays optional: after choosing a password they go straight to the start.
    let vdab = app.other_browser();
    vdab.sign_in("an.accountmanager@vdab.be", &password)
        .await
        .assert_redirects_to("/wachtwoord?next=%2F");
    vdab.post_form(
        "/wachtwoord",
        &[
            ("current_password", &password),
            ("new_password", "een lang eigen wachtwoord"),
            ("confirmation", "een lang eigen wachtwoord"),
            ("next", "/"),
        ],
    )
    .await
    .assert_redirects_to("/");
    vdab.get("/")
        .await
        .assert_contains("Er zijn u nog geen werkingsgebieden toegewezen");
}

#[tokio::test]
async fn an_unknown_user_id_gives_the_dutch_404_page() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    for path in ["/admin/gebruikers/999999", "/admin/gebruikers/abc"] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        response.assert_contains("Pagina niet gevonden");
    }
}

#[tokio::test]
async fn the_first_start_creates_one_admin_with_a_random_password() {
    let app = TestApp::new().await;
    let (email, password) = regie::users::ensure_first_admin(&app.db, "eerste@regie.local")
        .await
        .unwrap()
        .expect("an admin is created on an empty database");
    assert_eq!(email, "eerste@regie.local");
    // 20 random characters in groups of five: "abcde-fghij-kmnpq-rstuv".
    let groups: Vec<usize> = password.split('-').map(str::len).collect();
    assert_eq!(groups, [5, 5, 5, 5], "{password}");
    // A second start creates nothing.
    assert!(
        regie::users::ensure_first_admin(&app.db, "eerste@regie.local")
            .await
            .unwrap()
            .is_none()
    );
    app.sign_in(&email, &password)
        .await
        .assert_redirects_to("/wachtwoord?next=%2F");

    let other = TestApp::new().await;
    let (_, other_password) = regie::users::ensure_first_admin(&other.db, "eerste@regie.local")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(password, other_password, "never a fixed password");
}
