//! Who may open what: every route against every role, including signed-out visitors.

use axum::http::StatusCode;
use regie::users::Role;

use crate::helpers::TestApp;

#[derive(Clone, Copy, Debug)]
enum Who {
    Anonymous,
    Signed(Role),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Ok,
    Unprocessable,
    Redirect,
    ToLogin,
    Forbidden,
}

use Expect::*;

/// (method, path, anonymous, admin, ministry, regisseur). `{user}` is a user other than the
/// signed-in one.
const ROUTES: &[(&str, &str, Expect, Expect, Expect, Expect)] = &[
    ("GET", "/", ToLogin, Ok, Ok, Ok),
    ("GET", "/over", Ok, Ok, Ok, Ok),
    ("GET", "/healthz", Ok, Ok, Ok, Ok),
    ("GET", "/login", Ok, Redirect, Redirect, Redirect),
    ("GET", "/wachtwoord", ToLogin, Ok, Ok, Ok),
    ("GET", "/gemeenten", ToLogin, Ok, Ok, Ok),
    ("GET", "/gemeenten/44021", ToLogin, Ok, Ok, Ok),
    (
        "GET",
        "/admin/gebruikers",
        ToLogin,
        Ok,
        Forbidden,
        Forbidden,
    ),
    (
        "GET",
        "/admin/gebruikers/nieuw",
        ToLogin,
        Ok,
        Forbidden,
        Forbidden,
    ),
    (
        "GET",
        "/admin/gebruikers/{user}",
        ToLogin,
        Ok,
        Forbidden,
        Forbidden,
    ),
    ("GET", "/admin/audit", ToLogin, Ok, Forbidden, Forbidden),
    (
        "POST",
        "/admin/gebruikers/nieuw",
        ToLogin,
        Unprocessable,
        Forbidden,
        Forbidden,
    ),
    (
        "POST",
        "/admin/gebruikers/{user}/bewerken",
        ToLogin,
        Unprocessable,
        Forbidden,
        Forbidden,
    ),
    (
        "POST",
        "/admin/gebruikers/{user}/deactiveren",
        ToLogin,
        Redirect,
        Forbidden,
        Forbidden,
    ),
    (
        "POST",
        "/admin/gebruikers/{user}/activeren",
        ToLogin,
        Redirect,
        Forbidden,
        Forbidden,
    ),
    (
        "POST",
        "/admin/gebruikers/{user}/wachtwoord-reset",
        ToLogin,
        Redirect,
        Forbidden,
        Forbidden,
    ),
    (
        "POST",
        "/wachtwoord",
        ToLogin,
        Unprocessable,
        Unprocessable,
        Unprocessable,
    ),
    ("POST", "/logout", ToLogin, ToLogin, ToLogin, ToLogin),
];

fn matches(status: StatusCode, location: &str, expect: Expect) -> bool {
    match expect {
        Ok => status == StatusCode::OK,
        Unprocessable => status == StatusCode::UNPROCESSABLE_ENTITY,
        Redirect => status == StatusCode::SEE_OTHER && !location.starts_with("/login"),
        ToLogin => status == StatusCode::SEE_OTHER && location.starts_with("/login"),
        Forbidden => status == StatusCode::FORBIDDEN,
    }
}

async fn check(who: Who) {
    for &(method, path, anonymous, admin, ministry, regisseur) in ROUTES {
        // A fresh app per route: a POST (sign-out, deactivation) must not affect the next row.
        let app = TestApp::new().await;
        let target = app
            .create_user(Role::Regisseur, "doel@gemeente.be", "Doel Gebruiker")
            .await;
        let expect = match who {
            Who::Anonymous => anonymous,
            Who::Signed(role) => {
                app.sign_in_as(role).await;
                match role {
                    Role::Admin => admin,
                    Role::Ministry => ministry,
                    Role::Regisseur => regisseur,
                }
            }
        };
        let path = path.replace("{user}", &target.to_string());
        let response = match method {
            "GET" => app.get(&path).await,
            _ => app.post_form(&path, &[]).await,
        };
        assert!(
            matches(response.status, response.location(), expect),
            "{who:?} {method} {path}: expected {expect:?}, got {} {}",
            response.status,
            response.location()
        );
        if expect == Forbidden {
            response.assert_contains("Geen toegang");
            let denied: i64 = sqlx::query_scalar(
                "select count(*) from audit_events where action = 'access.denied' and details->>'path' = $1",
            )
            .bind(&path)
            .fetch_one(&app.db)
            .await
            .unwrap();
            assert_eq!(denied, 1, "a denied access to {path} is audited");
        }
    }
}

#[tokio::test]
async fn signed_out_visitors_reach_only_public_pages() {
    check(Who::Anonymous).await;
}

#[tokio::test]
async fn admins_reach_everything() {
    check(Who::Signed(Role::Admin)).await;
}

#[tokio::test]
async fn ministry_staff_cannot_reach_the_admin_pages() {
    check(Who::Signed(Role::Ministry)).await;
}

#[tokio::test]
async fn regisseurs_cannot_reach_the_admin_pages() {
    check(Who::Signed(Role::Regisseur)).await;
}
