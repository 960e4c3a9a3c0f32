//! Issue #24: an action's dates lie within its werkingsgebied's policy period (a field error
//! that names the period; the database refuses new ones too), and `/admin/kwaliteit` lists for
//! admins what is still inconsistent, each with a link to fix it.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::actions::action_fields;
use crate::helpers::{TestApp, date};

fn with_dates<'a>(
    fields: Vec<(&'a str, &'a str)>,
    starts_on: &'a str,
    ends_on: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = fields
        .into_iter()
        .filter(|(k, _)| *k != "starts_on" && *k != "ends_on")
        .collect();
    fields.push(("starts_on", starts_on));
    fields.push(("ends_on", ends_on));
    fields
}

#[tokio::test]
async fn an_action_dated_outside_the_policy_period_gets_a_field_error_naming_it() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").members(&["34022"]).await;
    app.sign_in_as_regisseur_of(p, "rita@leie.be").await;
    let pid = p.to_string();

    let refused = app
        .post_form(
            "/acties/nieuw",
            &with_dates(action_fields(&pid, "Te vroeg"), "01/05/2010", ""),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains(
        "De begindatum moet binnen de beleidsperiode 2023-2025 van dit werkingsgebied liggen \
         (01/01/2023 tot en met 31/12/2025).",
    );
    refused.assert_contains("value=\"01/05/2010\"");
    let late = app
        .post_form(
            "/acties/nieuw",
            &with_dates(action_fields(&pid, "Te laat"), "01/12/2025", "31/01/2026"),
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    late.assert_contains("De einddatum moet binnen de beleidsperiode 2023-2025");
    let actions: i64 = sqlx::query_scalar("select count(*) from actions")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(actions, 0);

    // The database refuses new dates outside the period too, to the requests' role.
    let requests = crate::helpers::app_pool(&app.db).await;
    let refused = sqlx::query(
        "insert into actions (partnership_id, title, priorities, kind, starts_on, status) values ($1, 'x', '{1}', 'overleg', '2010-05-01', 'gepland')",
    )
    .bind(p)
    .execute(&requests)
    .await
    .unwrap_err();
    assert_eq!(
        refused.as_database_error().and_then(|e| e.constraint()),
        Some("actions_dates_in_period")
    );
}

/// An action dated 2010 in a 2023-2025 werkingsgebied, as saved before the rule (the owner
/// sets it: the database no longer takes such dates from anyone through an insert).
async fn old_action(app: &TestApp, p: i64) -> i64 {
    let id = app
        .with_action(p)
        .title("Oude actie")
        .starts_on(date(2024, 5, 1))
        .await;
    sqlx::query("alter table actions disable trigger actions_dates_in_period")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update actions set starts_on = '2010-05-01' where action_id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("alter table actions enable trigger actions_dates_in_period")
        .execute(&app.db)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn the_data_quality_list_names_each_inconsistency_with_a_link_to_fix_it() {
    let app = TestApp::new().await;
    let p = app
        .with_partnership("Regio Leie")
        .members(&["34022", "34041"])
        .await;
    let empty = app.with_partnership("Regio Leeg").await;
    let action = old_action(&app, p).await;
    // A signed agreement binding Kortrijk without a council decision.
    let agreement = app
        .with_agreement(p)
        .title("Overeenkomst Leie")
        .binds(&["34022"])
        .await;
    sqlx::query(
        "update agreements set status = 'ondertekend', signed_on = date '2023-06-01' where agreement_id = $1",
    )
    .bind(agreement)
    .execute(&app.db)
    .await
    .unwrap();
    // A payment for 2024 without an allocation, and an allocation to an empty werkingsgebied.
    app.with_envelope(2024, 3_000_000).await;
    sqlx::query(
        "insert into payments (partnership_id, year, kind, paid_on, amount_cents, overpayment_reason) values ($1, 2024, 'voorschot', '2024-02-01', 1000000, 'Test')",
    )
    .bind(p)
    .execute(&app.db)
    .await
    .unwrap();
    app.with_allocation(empty, 2024, 25_000).await;

    app.sign_in_as(Role::Admin).await;
    let page = app.get("/admin/kwaliteit").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Acties buiten de beleidsperiode (1)");
    page.assert_contains("Oude actie (Regio Leie)");
    page.assert_contains("loopt op 01/05/2010, buiten de beleidsperiode 2023-2025");
    page.assert_contains(&format!("href=\"/acties/{action}/bewerken\""));
    page.assert_contains("Ondertekende overeenkomsten zonder raadsbeslissing (1)");
    page.assert_contains("geen raadsbeslissing van Kortrijk");
    page.assert_contains(&format!(
        "href=\"/samenwerkingsovereenkomsten/{agreement}\""
    ));
    page.assert_contains("Betalingen zonder toekenning (1)");
    page.assert_contains("€ 10.000,00 netto betaald, niets toegekend");
    page.assert_contains("Toekenningen aan een werkingsgebied zonder gemeenten (1)");
    page.assert_contains(&format!("href=\"/werkingsgebieden/{empty}/leden\""));

    // The admin fixes the action's dates on its edit form; it leaves the list.
    let pid = p.to_string();
    let mut fields = with_dates(action_fields(&pid, "Oude actie"), "01/05/2024", "");
    fields.retain(|(k, _)| *k != "partnership_id" && *k != "idempotency_key");
    fields.push(("version", "1"));
    let saved = app
        .post_form(&format!("/acties/{action}/bewerken"), &fields)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    app.get("/admin/kwaliteit")
        .await
        .assert_contains("Acties buiten de beleidsperiode (0)");
    let who: String = sqlx::query_scalar(
        "select u.role::text from action_changes c join users u on u.user_id = c.changed_by where c.action_id = $1 order by c.action_change_id desc limit 1",
    )
    .bind(action)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(who, "admin");

    // Only admins see the list.
    for role in [Role::Ministry, Role::Regisseur, Role::Vdab] {
        let other = app.other_browser();
        other.sign_in_as(role).await;
        assert_eq!(
            other.get("/admin/kwaliteit").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
    }
}
