//! Phones and small windows (issue #12): at 360 CSS pixels wide no main page is wider than the
//! screen, for every role (admin, ministry staff, a regisseur, a VDAB account manager) and for
//! a visitor who is not signed in, on the demo data. Each page is also checked with axe-core
//! by the harness, so this is the accessibility sweep at phone width as well.

use regie::identity::Role;
use sqlx::PgPool;

use super::{Browser, serve, sign_in};
use crate::helpers::TestApp;

/// The narrowest phone the layout must fit, in CSS pixels.
const PHONE_WIDTH: u32 = 360;

/// How far the page is wider than the window, in CSS pixels (0: it fits).
async fn overflow(browser: &Browser) -> i64 {
    browser
        .client()
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap()
}

/// The deepest elements that reach past the window's right edge, to say what to fix.
async fn widest(browser: &Browser) -> String {
    browser
        .client()
        .execute(
            "return [...document.querySelectorAll('body *')]
               .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                            && ![...e.children].some(c => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
               .slice(0, 3)
               .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))
               .join(', ')",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// One id from the demo data (`$1` is `arg`); panics when the demo has none.
async fn first(db: &PgPool, sql: &str, arg: i64) -> i64 {
    sqlx::query_scalar::<_, Option<i64>>(sql)
        .bind(arg)
        .fetch_one(db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("the demo data has none: {sql}"))
}

/// Opens each page and notes those wider than the window; a page that is not the page itself
/// (a redirect, a 404 or 403) fails at once, since it would fit trivially.
async fn visit_all(
    browser: &Browser,
    base: &str,
    who: &str,
    pages: &[String],
    too_wide: &mut Vec<String>,
) {
    for path in pages {
        browser.visit(&format!("{base}{path}")).await;
        let title = browser.client().title().await.unwrap();
        assert!(
            browser.path().await == *path
                && !title.contains("niet gevonden")
                && !title.contains("Geen toegang"),
            "{who} on {path}: landed on {} ({title})",
            browser.path().await
        );
        let extra = overflow(browser).await;
        if extra > 0 {
            too_wide.push(format!(
                "{who} on {path}: {extra} px too wide, by {}",
                widest(browser).await
            ));
        }
    }
}

/// Paths as owned strings, the fixed ones and those with demo ids alike.
fn paths(fixed: &[&str], with_ids: &[String]) -> Vec<String> {
    fixed
        .iter()
        .map(|p| p.to_string())
        .chain(with_ids.iter().cloned())
        .collect()
}

#[tokio::test]
async fn no_main_page_is_wider_than_a_phone_for_any_role() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    let db = &app.db;
    // A werkingsgebied of 2023-2025 with a submitted report, and one of the current period
    // with actions (the regisseur's), with their detail pages.
    let past = first(
        db,
        "select min(r.partnership_id) from reports r join report_submissions s using (report_id)
          where r.year = 2023 and $1 = $1",
        0,
    )
    .await;
    let current = first(
        db,
        "select min(p.partnership_id) from partnerships p join policy_periods pp using (policy_period_id)
          where current_date between pp.starts_on and pp.ends_on and $1 = $1
            and exists (select 1 from actions a where a.partnership_id = p.partnership_id and a.deleted_at is null)",
        0,
    )
    .await;
    let own_action = first(
        db,
        "select min(action_id) from actions where partnership_id = $1 and deleted_at is null",
        current,
    )
    .await;
    let past_action = first(
        db,
        "select min(action_id) from actions where partnership_id = $1 and deleted_at is null",
        past,
    )
    .await;
    let agreement = first(
        db,
        "select min(agreement_id) from agreements where partnership_id = $1",
        past,
    )
    .await;
    let this_year = regie::web::format::today().format("%Y").to_string();
    let payment = first(db, "select min(payment_id) from payments where $1 = $1", 0).await;
    let paid_area = first(
        db,
        "select partnership_id from payments where payment_id = $1",
        payment,
    )
    .await;

    for (role, email, name) in [
        (Role::Admin, "klein@vlaanderen.be", "Kim Klein"),
        (Role::Ministry, "mia@vlaanderen.be", "Mia Minister"),
    ] {
        app.with_user(role).email(email).name(name).await;
    }
    app.with_user(Role::Regisseur)
        .email("rita@kortrijk.be")
        .name("Rita Regisseur")
        .regisseur_of(current)
        .await;
    app.with_user(Role::Vdab)
        .email("an@vdab.be")
        .name("An Accountmanager")
        .vdab_of(&[past])
        .await;
    let base = serve(&app).await;

    browser
        .client()
        .set_window_size(PHONE_WIDTH, 800)
        .await
        .unwrap();
    let width = browser
        .client()
        .execute("return document.documentElement.clientWidth", vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert_eq!(width, i64::from(PHONE_WIDTH), "the layout's width");

    let past_details = [
        format!("/werkingsgebieden/{past}"),
        format!("/jaarrapporten/{past}/2025"),
        format!("/jaarrapporten/{past}/2023/indieningen/1"),
        format!("/acties/{past_action}"),
        format!("/samenwerkingsovereenkomsten/{agreement}"),
    ];
    let everyone = ["/meldingen", "/over"];
    let roles: [(&str, &str, &str, Vec<String>); 4] = [
        (
            "admin",
            "klein@vlaanderen.be",
            "Welkom",
            paths(
                &[
                    "/",
                    "/overzicht",
                    "/jaarrapporten",
                    "/acties",
                    "/samenwerkingsovereenkomsten",
                    "/werkingsgebieden",
                    "/dekking",
                    "/dekking/simulatie",
                    "/prioriteiten",
                    "/aanstellingen",
                    "/budget",
                    "/budget/2023",
                    "/budget/simulatie",
                    "/gemeenten",
                    "/gemeenten/44021",
                    "/admin/beleidsperiodes",
                    "/admin/indiendata",
                    "/admin/gebruikers",
                    "/admin/gebruikers/nieuw",
                    "/admin/uitgaande-post",
                    "/admin/kwaliteit",
                    "/admin/audit",
                    "/wachtwoord",
                ],
                &[
                    &past_details[..],
                    &[
                        format!("/werkingsgebieden/{paid_area}/budget"),
                        format!(
                            "/werkingsgebieden/{paid_area}/budget/betalingen/{payment}/corrigeren"
                        ),
                    ],
                ]
                .concat(),
            ),
        ),
        (
            "ministry",
            "mia@vlaanderen.be",
            "Overzicht",
            paths(
                &[
                    "/overzicht",
                    "/jaarrapporten",
                    "/acties",
                    "/samenwerkingsovereenkomsten",
                    "/werkingsgebieden",
                    "/dekking",
                    "/prioriteiten",
                    "/aanstellingen",
                    "/budget",
                ],
                &past_details[1..],
            ),
        ),
        (
            "regisseur",
            "rita@kortrijk.be",
            "Welkom",
            paths(
                &[
                    "/",
                    "/jaarrapporten",
                    "/acties",
                    "/acties/nieuw",
                    "/samenwerkingsovereenkomsten",
                    "/werkingsgebieden",
                    "/dekking",
                    "/gemeenten",
                ],
                &[
                    format!("/werkingsgebieden/{current}"),
                    format!("/acties/{own_action}"),
                    format!("/acties/{own_action}/bewerken"),
                    format!("/jaarrapporten/{current}/{this_year}"),
                ],
            ),
        ),
        (
            "vdab",
            "an@vdab.be",
            "Welkom",
            paths(
                &["/", "/samenwerkingsovereenkomsten"],
                &[format!("/samenwerkingsovereenkomsten/{agreement}")],
            ),
        ),
    ];

    let mut too_wide = Vec::new();
    visit_all(
        &browser,
        &base,
        "a visitor",
        &paths(&["/login", "/over"], &[]),
        &mut too_wide,
    )
    .await;
    for (who, email, lands_on, pages) in &roles {
        browser.client().delete_all_cookies().await.unwrap();
        sign_in(&browser, &base, email, lands_on).await;
        let pages = paths(&everyone, pages);
        visit_all(&browser, &base, who, &pages, &mut too_wide).await;
    }
    browser.close().await;
    assert!(too_wide.is_empty(), "{too_wide:#?}");
}
