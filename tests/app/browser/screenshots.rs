//! The README's screenshots: the main pages at 1280 and 390 CSS pixels wide, on the demo data,
//! saved as PNG files in `static/screenshots/` (files in the repository for the README; the app
//! does not serve them). Ignored in a normal run; `scripts/screenshots` runs it.

use std::path::PathBuf;

use regie::identity::Role;

use super::{Browser, serve, sign_in};
use crate::helpers::TestApp;

/// Window widths (CSS pixels) and the height of the visible part that is saved.
const SIZES: [(u32, u32); 2] = [(1280, 800), (390, 844)];

/// Saves the visible part of the page as `static/screenshots/<name>-<width>.png`.
async fn save(browser: &Browser, name: &str, width: u32) {
    browser
        .client()
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();
    let png = browser.client().screenshot().await.unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("static/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
}

#[tokio::test]
#[ignore = "writes the README's screenshots; run by scripts/screenshots"]
async fn take_screenshots() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    // A regisseur of a werkingsgebied of the current period that has actions.
    let (area, action): (i64, i64) = sqlx::query_as(
        "select a.partnership_id, min(a.action_id) from actions a
           join partnerships p using (partnership_id) join policy_periods pp using (policy_period_id)
          where current_date between pp.starts_on and pp.ends_on and a.deleted_at is null
          group by a.partnership_id order by a.partnership_id limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    app.with_user(Role::Regisseur)
        .email("rita@kortrijk.be")
        .name("Rita Regisseur")
        .regisseur_of(area)
        .await;
    app.with_user(Role::Ministry)
        .email("mia@vlaanderen.be")
        .name("Mia Minister")
        .await;
    let base = serve(&app).await;
    let action = format!("/acties/{action}");

    // Each account signs in once: a second sign-in without two-step verification is refused.
    let regisseur_pages = [
        ("/", "start-regisseur"),
        ("/acties", "acties"),
        (action.as_str(), "actie"),
        ("/dekking", "dekking"),
    ];
    for (email, lands_on, pages) in [
        (None, "", &[("/login", "aanmelden")][..]),
        (Some("rita@kortrijk.be"), "Welkom", &regisseur_pages[..]),
        (
            Some("mia@vlaanderen.be"),
            "Overzicht",
            &[("/overzicht", "overzicht-ministerie")][..],
        ),
    ] {
        browser.client().delete_all_cookies().await.unwrap();
        if let Some(email) = email {
            sign_in(&browser, &base, email, lands_on).await;
        }
        for (width, height) in SIZES {
            browser
                .client()
                .set_window_size(width, height)
                .await
                .unwrap();
            for (path, name) in pages {
                browser.visit(&format!("{base}{path}")).await;
                save(&browser, name, width).await;
            }
        }
    }
    browser.close().await;
}
