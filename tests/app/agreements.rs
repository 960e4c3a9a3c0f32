//! VDAB agreements: creating and editing with bound municipalities, the one-agreement-in-force
//! rule (in PostgreSQL and as a Dutch message), status transitions, comments and who may do what.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{PASSWORD, TestApp};

/// A werkingsgebied (Kortrijk, Wevelgem, Avelgem) and its regisseur, signed in.
async fn regisseur_with_area(app: &TestApp) -> i64 {
    let p = app
        .with_partnership("Regio Kortrijk")
        .members(&["34022", "34041", "34003"])
        .await;
    app.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    p
}

fn agreement_fields<'a>(partnership: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("partnership_id", partnership),
        ("idempotency_key", key),
        ("title", "Samen sterk voor lokaal werk"),
        ("vdab_service", "VDAB Zuid-West-Vlaanderen"),
        ("vdab_contact", "Vera Accountmanager"),
        ("local_contact", "Rita Regisseur"),
        ("starts_on", "2023-01-01"),
        ("ends_on", "2025-12-31"),
        ("gemeente", "34022"),
        ("raad_34022", "2022-12-19"),
        ("url_34022", "https://kortrijk.be/besluiten/123"),
        ("gemeente", "34041"),
        ("raad_34041", "2022-12-20"),
    ]
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

async fn status_of(app: &TestApp, agreement: i64) -> String {
    sqlx::query_scalar("select status::text from agreements where agreement_id = $1")
        .bind(agreement)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_regisseur_records_an_agreement_binding_members_with_their_council_decisions() {
    let app = TestApp::new().await;
    let p = regisseur_with_area(&app).await;
    let form = app
        .get(&format!(
            "/samenwerkingsovereenkomsten/nieuw?werkingsgebied={p}"
        ))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("Avelgem");

    let pid = p.to_string();
    let key = uuid::Uuid::new_v4().to_string();
    let fields = agreement_fields(&pid, &key);
    let saved = app
        .post_form("/samenwerkingsovereenkomsten/nieuw", &fields)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // The same form sent twice (a double click) stores one agreement.
    let again = app
        .post_form("/samenwerkingsovereenkomsten/nieuw", &fields)
        .await;
    assert_eq!(again.location(), saved.location());
    assert_eq!(count(&app, "select count(*) from agreements").await, 1);
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'agreement.created'"
        )
        .await,
        1,
        "and audits it once"
    );

    let page = app.get(saved.location()).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Samen sterk voor lokaal werk");
    page.assert_contains("VDAB Zuid-West-Vlaanderen");
    page.assert_contains("19/12/2022");
    page.assert_contains("https://kortrijk.be/besluiten/123");
    page.assert_contains("aangemaakt als ontwerp");
    assert!(!page.body.contains("Avelgem"), "Avelgem is not bound");
    assert_eq!(
        count(&app, "select count(*) from agreement_municipalities").await,
        2
    );
    app.assert_audited("agreement.created").await;
}

#[tokio::test]
async fn bad_input_is_shown_again_in_dutch_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let p = regisseur_with_area(&app).await;
    let pid = p.to_string();
    let key = uuid::Uuid::new_v4().to_string();
    let mut fields = agreement_fields(&pid, &key);
    fields.retain(|(k, _)| *k != "title" && *k != "url_34022");
    fields.push(("title", ""));
    fields.push(("url_34022", "javascript:alert(1)"));
    // A municipality of another werkingsgebied, sent by a tampered form.
    fields.push(("gemeente", "11002"));
    let response = app
        .post_form("/samenwerkingsovereenkomsten/nieuw", &fields)
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Vul de titel in.");
    response.assert_contains("Kies alleen gemeenten van dit werkingsgebied.");
    response.assert_contains("VDAB Zuid-West-Vlaanderen");
    assert_eq!(count(&app, "select count(*) from agreements").await, 0);
}

#[tokio::test]
async fn a_municipality_is_bound_by_one_agreement_in_force_at_a_time() {
    let app = TestApp::new().await;
    let p = regisseur_with_area(&app).await;
    let first = app
        .with_agreement(p)
        .title("Cluster Kortrijk")
        .binds(&["34022"])
        .await;

    // Through the form: refused with a Dutch message that names the other agreement.
    let pid = p.to_string();
    let key = uuid::Uuid::new_v4().to_string();
    let response = app
        .post_form(
            "/samenwerkingsovereenkomsten/nieuw",
            &agreement_fields(&pid, &key),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Kortrijk is van 01/01/2023 tot 31/12/2025 al gebonden door de overeenkomst „Cluster Kortrijk”");
    assert_eq!(count(&app, "select count(*) from agreements").await, 1);

    // In PostgreSQL itself, whatever the application does.
    let second = app.with_agreement(p).title("Tweede").await;
    let direct = sqlx::query(
        "insert into agreement_municipalities (agreement_id, partnership_id, nis_code, starts_on, ends_on, in_force) select agreement_id, partnership_id, '34022', starts_on, ends_on, in_force from agreements where agreement_id = $1",
    )
    .bind(second)
    .execute(&app.db)
    .await
    .unwrap_err();
    assert_eq!(
        direct.as_database_error().and_then(|e| e.constraint()),
        Some("agreement_municipalities_one_in_force")
    );

    // A stopped agreement binds no more: the municipality is free again.
    let stop = app
        .post_form(
            &format!("/samenwerkingsovereenkomsten/{first}/status"),
            &[
                ("status", "stopgezet"),
                ("reason", "Vervangen door een nieuwe"),
            ],
        )
        .await;
    assert_eq!(stop.status, StatusCode::SEE_OTHER, "{}", stop.body);
    let key = uuid::Uuid::new_v4().to_string();
    let response = app
        .post_form(
            "/samenwerkingsovereenkomsten/nieuw",
            &agreement_fields(&pid, &key),
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
}

#[tokio::test]
async fn moving_the_dates_into_another_agreement_is_refused() {
    let app = TestApp::new().await;
    let p = regisseur_with_area(&app).await;
    let old = app.with_agreement(p).title("Oud").binds(&["34022"]).await;
    sqlx::query("update agreements set starts_on = '2020-01-01', ends_on = '2022-12-31' where agreement_id = $1")
        .bind(old)
        .execute(&app.db)
        .await
        .unwrap();
    let new = app.with_agreement(p).title("Nieuw").binds(&["34022"]).await;
    let edit = app
        .get(&format!("/samenwerkingsovereenkomsten/{new}/bewerken"))
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    let response = app
        .post_form(
            &format!("/samenwerkingsovereenkomsten/{new}/bewerken"),
            &[
                ("version", "1"),
                ("title", "Nieuw"),
                ("starts_on", "2022-06-01"),
                ("ends_on", "2025-12-31"),
                ("gemeente", "34022"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("al gebonden door de overeenkomst „Oud”");
    let starts: chrono::NaiveDate =
        sqlx::query_scalar("select starts_on from agreements where agreement_id = $1")
            .bind(new)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(starts.to_string(), "2023-01-01");
}

#[tokio::test]
async fn a_stale_edit_gets_the_conflict_page_and_overwrites_nothing() {
    let app = TestApp::new().await;
    let p = regisseur_with_area(&app).await;
    let a = app.with_agreement(p).binds(&["34022"]).await;
    let path = format!("/samenwerkingsovereenkomsten/{a}/bewerken");
    let mine = [
        ("version", "1"),
        ("title", "Mijn titel"),
        ("starts_on", "2023-01-01"),
        ("ends_on", "2025-12-31"),
        ("gemeente", "34022"),
    ];
    let mut theirs = mine;
    theirs[1] = ("title", "Hun titel");
    let first = app.post_form(&path, &theirs).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let second = app.post_form(&path, &mine).await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    second.assert_contains("Iemand anders bewaarde deze overeenkomst");
    second.assert_contains("Hun titel");
    second.assert_contains("value=\"Mijn titel\"");
    second.assert_contains("name=\"version\" value=\"2\"");
    let title: String = sqlx::query_scalar("select title from agreements where agreement_id = $1")
        .bind(a)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(title, "Hun titel");
    app.assert_audited("agreement.updated").await;
}

#[tokio::test]
async fn every_allowed_transition_is_taken_and_recorded_in_the_timeline() {
    let app = TestApp::new().await;
    let p = regisseur_with_area(&app).await;
    let a = app.with_agreement(p).binds(&["34022"]).await;
    let path = format!("/samenwerkingsovereenkomsten/{a}/status");
    sqlx::query("update agreements set signed_on = '2023-02-01' where agreement_id = $1")
        .bind(a)
        .execute(&app.db)
        .await
        .unwrap();
    app.with_document(a).await;
    for to in [
        "onderhandeld",
        "goedgekeurd",
        "ondertekend",
        "in_opvolging",
        "geevalueerd",
        "stopgezet",
    ] {
        let response = app
            .post_form(&path, &[("status", to), ("reason", "volgende stap")])
            .await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "{to}: {}",
            response.body
        );
        assert_eq!(status_of(&app, a).await, to);
    }
    assert_eq!(
        count(&app, "select count(*) from agreement_status_changes").await,
        7,
        "the first line plus six changes"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'agreement.status_changed'"
        )
        .await,
        6
    );
    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    page.assert_contains("goedgekeurd door de raad → ondertekend");
    page.assert_contains("geëvalueerd → stopgezet");
    page.assert_contains("Rita Regisseur");
    // Stopped is the end: nothing follows it.
    let response = app
        .post_form(&path, &[("status", "ontwerp"), ("reason", "opnieuw")])
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Een overeenkomst met status stopgezet kan niet naar ontwerp.");
}

#[tokio::test]
async fn refused_transitions_change_nothing_and_say_why() {
    let app = TestApp::new().await;
    let p = regisseur_with_area(&app).await;
    let a = app.with_agreement(p).await;
    let path = format!("/samenwerkingsovereenkomsten/{a}/status");
    let cases: &[(&str, &str, &str)] = &[
        (
            "goedgekeurd",
            "",
            "Een overeenkomst met status ontwerp kan niet naar goedgekeurd door de raad.",
        ),
        ("ondertekend", "", "kan niet naar ondertekend"),
        (
            "stopgezet",
            "  ",
            "Geef de reden waarom de overeenkomst stopgezet wordt.",
        ),
        ("verzonnen", "", "Kies de nieuwe status."),
    ];
    for (to, reason, message) in cases {
        let response = app
            .post_form(&path, &[("status", to), ("reason", reason)])
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{to}");
        response.assert_contains(message);
        assert_eq!(status_of(&app, a).await, "ontwerp", "{to}");
    }
    // Up to approved; signing then needs the date and the signed PDF.
    for to in ["onderhandeld", "goedgekeurd"] {
        let response = app.post_form(&path, &[("status", to)]).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{to}");
    }
    let no_date = app.post_form(&path, &[("status", "ondertekend")]).await;
    assert_eq!(no_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_date.assert_contains("Vul eerst de datum van ondertekening in");
    sqlx::query("update agreements set signed_on = '2023-02-01' where agreement_id = $1")
        .bind(a)
        .execute(&app.db)
        .await
        .unwrap();
    let no_document = app
        .post_form(&path, &[("status", "ondertekend"), ("reason", "getekend")])
        .await;
    assert_eq!(no_document.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_document.assert_contains("Laad eerst de ondertekende overeenkomst op");
    no_document.assert_contains("getekend");
    assert_eq!(status_of(&app, a).await, "goedgekeurd");

    // The history table refuses a skipped step even without the application.
    let direct = sqlx::query(
        "insert into agreement_status_changes (agreement_id, from_status, to_status) values ($1, 'ontwerp', 'geevalueerd')",
    )
    .bind(a)
    .execute(&app.db)
    .await
    .unwrap_err();
    assert_eq!(
        direct.as_database_error().and_then(|e| e.constraint()),
        Some("agreement_status_changes_allowed")
    );
}

#[tokio::test]
async fn only_the_werkingsgebied_s_current_regisseur_and_admins_write() {
    let app = TestApp::new().await;
    let p = app
        .with_partnership("Regio Kortrijk")
        .members(&["34022"])
        .await;
    let other = app.with_partnership("Elders").members(&["34003"]).await;
    let a = app.with_agreement(p).binds(&["34022"]).await;
    app.sign_in_as_regisseur_of(other, "ander@elders.be").await;

    // Reading is allowed; writing is refused and audited.
    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Status wijzigen"));
    for path in [
        format!("/samenwerkingsovereenkomsten/{a}/bewerken"),
        format!("/samenwerkingsovereenkomsten/nieuw?werkingsgebied={p}"),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{path}");
    }
    let response = app
        .post_form(
            &format!("/samenwerkingsovereenkomsten/{a}/status"),
            &[("status", "stopgezet"), ("reason", "sabotage")],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let pid = p.to_string();
    let key = uuid::Uuid::new_v4().to_string();
    let response = app
        .post_form(
            "/samenwerkingsovereenkomsten/nieuw",
            &agreement_fields(&pid, &key),
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, a).await, "ontwerp");
    assert_eq!(count(&app, "select count(*) from agreements").await, 1);
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'access.denied'"
        )
        .await,
        4
    );

    // When the appointment ends, so does writing.
    let own = app.other_browser();
    own.sign_in_as_regisseur_of(p, "rita@kortrijk.be").await;
    let edit = format!("/samenwerkingsovereenkomsten/{a}/bewerken");
    assert_eq!(own.get(&edit).await.status, StatusCode::OK);
    sqlx::query("update appointments set ends_on = current_date - 1, starts_on = current_date - 60 where person_email = 'rita@kortrijk.be'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(own.get(&edit).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn ministry_staff_read_and_comment_but_do_not_edit() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio").members(&["34022"]).await;
    let a = app.with_agreement(p).await;
    app.sign_in_as(Role::Ministry).await;
    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("/bewerken"));
    let key = uuid::Uuid::new_v4().to_string();
    let path = format!("/samenwerkingsovereenkomsten/{a}/opmerkingen");
    let fields = [
        ("body", "Waar is de raadsbeslissing van Kortrijk?"),
        ("idempotency_key", key.as_str()),
    ];
    let response = app.post_form(&path, &fields).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    app.post_form(&path, &fields).await;
    assert_eq!(
        count(&app, "select count(*) from agreement_comments").await,
        1,
        "a double submit is one comment"
    );
    app.get(&format!("/samenwerkingsovereenkomsten/{a}"))
        .await
        .assert_contains("Waar is de raadsbeslissing van Kortrijk?");
    app.assert_audited("agreement.commented").await;

    let empty = app.post_form(&path, &[("body", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty.assert_contains("Schrijf eerst uw opmerking.");

    for response in [
        app.get(&format!("/samenwerkingsovereenkomsten/{a}/bewerken"))
            .await,
        app.post_form(
            &format!("/samenwerkingsovereenkomsten/{a}/status"),
            &[("status", "onderhandeld")],
        )
        .await,
    ] {
        assert_eq!(response.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(status_of(&app, a).await, "ontwerp");
}

#[tokio::test]
async fn a_vdab_account_manager_cannot_comment_or_reach_unassigned_agreements() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio").members(&["34022"]).await;
    let elsewhere = app.with_partnership("Elders").members(&["34003"]).await;
    let a = app.with_agreement(p).await;
    let b = app.with_agreement(elsewhere).await;
    app.with_user(Role::Vdab)
        .email("vera@vdab.be")
        .vdab_of(&[p])
        .await;
    app.sign_in("vera@vdab.be", PASSWORD)
        .await
        .assert_redirects_to("/");
    assert_eq!(
        app.get(&format!("/samenwerkingsovereenkomsten/{a}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/samenwerkingsovereenkomsten/{b}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let response = app
        .post_form(
            &format!("/samenwerkingsovereenkomsten/{a}/opmerkingen"),
            &[("body", "mag niet")],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(&app, "select count(*) from agreement_comments").await,
        0
    );
}

#[tokio::test]
async fn a_bound_municipality_stays_a_member_until_the_agreement_lets_go() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio").members(&["34022"]).await;
    app.with_agreement(p).binds(&["34022"]).await;
    app.sign_in_as(Role::Admin).await;
    let response = app
        .post_form(
            &format!("/werkingsgebieden/{p}/leden/verwijderen"),
            &[("nis_code", "34022")],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    app.get(response.location())
        .await
        .assert_contains("gebonden door een samenwerkingsovereenkomst");
    assert_eq!(
        count(&app, "select count(*) from partnership_members").await,
        1
    );
}

#[tokio::test]
async fn the_database_and_the_application_agree_on_every_transition() {
    use regie::agreements::model::AgreementStatus;
    let app = TestApp::new().await;
    for from in AgreementStatus::ALL {
        for to in AgreementStatus::ALL {
            let allowed: bool = sqlx::query_scalar(
                "select agreement_transition_allowed($1::text::agreement_status, $2::text::agreement_status)",
            )
            .bind(from.code())
            .bind(to.code())
            .fetch_one(&app.db)
            .await
            .unwrap();
            assert_eq!(allowed, from.may_become(to), "{from:?} -> {to:?}");
        }
    }
}
