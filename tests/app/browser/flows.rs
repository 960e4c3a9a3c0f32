//! The main flows in the browser: signing in, a first password, logging an action, two-step
//! sign-in, uploading a signed agreement, overriding an allocation, paying and correcting.

use fantoccini::Locator;
use regie::identity::Role;

use super::{Browser, serve, sign_in};
use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn an_admin_signs_in_searches_the_municipalities_and_signs_out() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    app.with_user(Role::Admin)
        .email("e2e@vlaanderen.be")
        .name("Eva Tweede")
        .await;
    let base = serve(&app).await;

    browser.visit(&format!("{base}/gemeenten")).await;
    assert_eq!(browser.path().await, "/login?next=%2Fgemeenten");
    browser.fill("#email", "e2e@vlaanderen.be").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;

    browser.wait_for_text("h1", "Gemeenten").await;
    assert_eq!(browser.path().await, "/gemeenten");
    browser.wait_for_text("#aantal", "285").await;

    // Search as you type (htmx): the results narrow without a page load.
    browser.fill("#q", "Beveren").await;
    browser
        .wait_for_text("#resultaten", "Beveren-Kruibeke-Zwijndrecht")
        .await;
    browser.wait_for_text("#aantal", "1").await;
    assert!(
        browser.path().await.contains("q=Beveren"),
        "the search is in the URL"
    );

    // The same search without JavaScript: the form's submit button.
    browser.fill("#q", "Gent").await;
    browser.click("form.filters button[type=submit]").await;
    let results = browser.wait_for_text("#resultaten", "Gent").await;
    assert!(results.contains("44021"));

    browser.click("a[href='/gemeenten/44021']").await;
    browser.wait_for_text("h1", "Gent").await;

    browser.click("form[action='/logout'] button").await;
    browser.wait_for_text("main", "U bent afgemeld.").await;
    assert_eq!(browser.path().await, "/login");
    browser.visit(&format!("{base}/gemeenten")).await;
    assert_eq!(browser.path().await, "/login?next=%2Fgemeenten");
    browser.close().await;
}

#[tokio::test]
async fn a_new_user_replaces_the_one_time_password_in_the_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    app.with_user(Role::Regisseur)
        .email("eerste@kortrijk.be")
        .name("Els Eerste")
        .must_change_password()
        .await;
    let base = serve(&app).await;

    browser.visit(&format!("{base}/login")).await;
    browser.fill("#email", "eerste@kortrijk.be").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser
        .wait_for_text("main", "Kies nu een eigen wachtwoord")
        .await;

    browser.fill("#current_password", PASSWORD).await;
    browser.fill("#new_password", "kort").await;
    browser.fill("#confirmation", "kort").await;
    browser.click("form[action='/wachtwoord'] button").await;
    browser
        .wait_for_text(".error-summary", "minstens 12 tekens")
        .await;

    browser.fill("#current_password", PASSWORD).await;
    browser.fill("#new_password", "fietsen langs de leie").await;
    browser.fill("#confirmation", "fietsen langs de leie").await;
    browser.click("form[action='/wachtwoord'] button").await;
    browser
        .wait_for_text("main", "Uw wachtwoord is gewijzigd.")
        .await;
    assert_eq!(browser.path().await, "/");
    browser.close().await;
}

#[tokio::test]
async fn a_regisseur_logs_an_action_and_finds_it_in_the_catalogue() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    let partnership = app
        .with_partnership("Regio Leie")
        .members(&["34022", "34041"])
        .await;
    app.sign_in_as_regisseur_of(partnership, "rita@kortrijk.be")
        .await;
    let base = serve(&app).await;

    browser.visit(&format!("{base}/login")).await;
    browser.fill("#email", "rita@kortrijk.be").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_for_text("main", "Uw werkingsgebied").await;

    browser.visit(&format!("{base}/acties/nieuw")).await;
    browser.fill("#title", "Fietslessen voor nieuwkomers").await;
    browser
        .fill(
            "#description",
            "Fietslessen zodat nieuwkomers zelfstandig naar hun opleiding kunnen.",
        )
        .await;
    browser.click("input[name=prioriteit][value='2']").await;
    browser
        .client()
        .find(Locator::Css("#kind"))
        .await
        .unwrap()
        .select_by_value("opleiding")
        .await
        .unwrap();
    // A date field takes the keyboard: day, month, year in the browser's own order.
    browser
        .client()
        .execute(
            "document.getElementById('starts_on').value = '2025-04-01'",
            vec![],
        )
        .await
        .unwrap();
    browser.click("input[name=gemeente][value='34041']").await;
    browser.fill("#partner_naam_0", "VDAB Kortrijk").await;
    browser
        .client()
        .find(Locator::Css("#partner_soort_0"))
        .await
        .unwrap()
        .select_by_value("vdab")
        .await
        .unwrap();
    browser.click("form.action-form button[type=submit]").await;
    browser.wait_for_text("main", "Actie bewaard.").await;
    browser
        .wait_for_text("h1", "Fietslessen voor nieuwkomers")
        .await;

    // The catalogue finds it through another form of a word in its description.
    browser.visit(&format!("{base}/acties?q=opleidingen")).await;
    let results = browser.wait_for_text("#resultaten", "nieuwkomers").await;
    assert!(results.contains("Regio Leie"), "{results}");
    let marked = browser
        .client()
        .find(Locator::Css("#resultaten mark"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(marked.to_lowercase(), "opleiding");
    browser.close().await;
}

#[tokio::test]
async fn an_admin_sets_up_two_step_sign_in_and_signs_in_with_a_code_and_a_recovery_code() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    app.with_user(Role::Admin)
        .email("twee@vlaanderen.be")
        .name("Tom Twee")
        .await;
    let base = serve(&app).await;
    let c = browser.client();

    let sign_in = || async {
        browser.visit(&format!("{base}/login")).await;
        browser.fill("#email", "twee@vlaanderen.be").await;
        browser.fill("#password", PASSWORD).await;
        browser
            .click("form[action='/login'] button[type=submit]")
            .await;
    };
    let sign_out = || async {
        browser.click("form[action='/logout'] button").await;
        browser.wait_for_text("main", "U bent afgemeld.").await;
    };

    // The sign-in of grace, then set-up from the password page's link.
    sign_in().await;
    browser.wait_for_text("h1", "Welkom").await;
    browser.visit(&format!("{base}/wachtwoord")).await;
    browser.click("a[href='/tweestapsverificatie']").await;
    browser.wait_for_text("h1", "Tweestapsverificatie").await;
    let qr = c
        .find(Locator::Css("figure.qr-code svg path"))
        .await
        .unwrap();
    assert!(
        qr.attr("d")
            .await
            .unwrap()
            .unwrap_or_default()
            .starts_with('M')
    );
    let secret = crate::two_step::secret_on(&c.source().await.unwrap());
    browser
        .fill("#code", &crate::two_step::code(&secret, 0))
        .await;
    browser
        .click("form[action='/tweestapsverificatie'] button[type=submit]")
        .await;
    let codes = browser.wait_for_text("main", "Herstelcodes").await;
    let recovery = codes
        .split_whitespace()
        .find(|w| w.len() == 11 && w.as_bytes()[5] == b'-')
        .expect("a recovery code on the page")
        .to_string();
    browser.visit(&format!("{base}/")).await;
    sign_out().await;

    // With a code from the app.
    sign_in().await;
    browser.wait_for_text("h1", "Verificatiecode").await;
    assert_eq!(browser.path().await, "/aanmelden/code");
    browser
        .fill("#code", &crate::two_step::code(&secret, 1))
        .await;
    browser
        .click("form[action='/aanmelden/code'] button[type=submit]")
        .await;
    browser.wait_for_text("h1", "Welkom").await;
    sign_out().await;

    // With a recovery code instead.
    sign_in().await;
    browser.wait_for_text("h1", "Verificatiecode").await;
    browser.fill("#code", &recovery).await;
    browser
        .click("form[action='/aanmelden/code'] button[type=submit]")
        .await;
    browser.wait_for_text("h1", "Welkom").await;
    browser.visit(&format!("{base}/admin/gebruikers")).await;
    browser.wait_for_text("h1", "Gebruikers").await;
    browser.close().await;
}

#[tokio::test]
async fn a_regisseur_uploads_the_signed_agreement_and_ministry_staff_download_the_same_bytes() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    let partnership = app
        .with_partnership("Regio Kortrijk")
        .members(&["34022"])
        .await;
    app.with_user(Role::Regisseur)
        .email("rita@kortrijk.be")
        .name("Rita Regisseur")
        .regisseur_of(partnership)
        .await;
    let agreement = app.with_agreement(partnership).binds(&["34022"]).await;
    // Approved by the council and signed on paper: what is left is the upload and the status.
    sqlx::query(
        "update agreements set status = 'goedgekeurd', signed_on = '2023-02-01' where agreement_id = $1",
    )
    .bind(agreement)
    .execute(&app.db)
    .await
    .unwrap();
    let pdf = format!(
        "%PDF-1.4\n% ondertekende overeenkomst {}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        uuid::Uuid::new_v4()
    );
    let file = std::env::temp_dir().join(format!("overeenkomst-{}.pdf", std::process::id()));
    std::fs::write(&file, &pdf).unwrap();
    let base = serve(&app).await;
    let c = browser.client();

    browser.visit(&format!("{base}/login")).await;
    browser.fill("#email", "rita@kortrijk.be").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_for_text("h1", "Welkom").await;

    browser
        .visit(&format!("{base}/samenwerkingsovereenkomsten/{agreement}"))
        .await;
    browser
        .wait_for_text("h1", "Samen sterk voor lokaal werk")
        .await;
    browser
        .click(&format!(
            "a[href='/samenwerkingsovereenkomsten/{agreement}/documenten/nieuw']"
        ))
        .await;
    browser.wait_for_text("h1", "Document opladen").await;
    browser
        .click("#kind option[value='ondertekende_overeenkomst']")
        .await;
    c.find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    browser
        .click("form[enctype='multipart/form-data'] button[type=submit]")
        .await;
    let file_name = file.file_name().unwrap().to_string_lossy().to_string();
    browser.wait_for_text("main", &file_name).await;

    browser
        .click("input[name='status'][value='ondertekend']")
        .await;
    browser
        .fill("#reason", "Getekend door beide partijen")
        .await;
    browser
        .click(&format!(
            "form[action='/samenwerkingsovereenkomsten/{agreement}/status'] button[type=submit]"
        ))
        .await;
    browser
        .wait_for_text("main", "goedgekeurd door de raad → ondertekend")
        .await;
    browser.close().await;
    std::fs::remove_file(&file).ok();

    let ministry = app.other_browser();
    ministry.sign_in_as(Role::Ministry).await;
    let document: i64 =
        sqlx::query_scalar("select document_id from agreement_documents where agreement_id = $1")
            .bind(agreement)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let download = ministry.get(&format!("/documenten/{document}")).await;
    assert_eq!(download.status, axum::http::StatusCode::OK);
    assert_eq!(download.bytes, pdf.as_bytes());
    assert!(
        download.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
}

#[tokio::test]
async fn an_admin_overrides_an_allocation_and_cannot_exceed_the_envelope() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    // Antwerpen alone: € 200.000,00 by the rule; Gent alone: € 100.000.
    let antwerpen = app
        .with_partnership("Regio Antwerpen")
        .members(&["11002"])
        .await;
    let gent = app.with_partnership("Regio Gent").members(&["44021"]).await;
    app.with_envelope(2023, 3_000_000).await;
    app.with_user(Role::Admin)
        .email("budget@vlaanderen.be")
        .name("Bea Budget")
        .await;
    let base = serve(&app).await;
    let c = browser.client();

    browser.visit(&format!("{base}/login")).await;
    browser.fill("#email", "budget@vlaanderen.be").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_for_text("h1", "Welkom").await;

    browser.visit(&format!("{base}/budget/2023")).await;
    browser.wait_for_text("h1", "Budget 2023").await;
    browser
        .wait_for_text("#voorstel-tabel", "263.927 inwoners (2020)")
        .await;
    browser.fill(&format!("#bedrag_{gent}"), "90.000").await;
    browser
        .fill(&format!("#motivatie_{gent}"), "Kleinere ploeg dan gepland")
        .await;
    browser.click("form#toekenningen button[type=submit]").await;
    browser
        .wait_for_text(
            "main",
            "Toekenningen voor 2023 bewaard (2 werkingsgebieden).",
        )
        .await;
    let row = browser
        .wait_for_text(&format!("#werkingsgebied-{gent}"), "€ 90.000,00")
        .await;
    assert!(row.contains("Kleinere ploeg dan gepland"), "{row}");
    assert_eq!(browser.path().await, "/budget/2023");

    // 2.950.000 + 90.000 is more than the envelope: refused, nothing saved, input kept.
    browser
        .fill(&format!("#bedrag_{antwerpen}"), "2.950.000")
        .await;
    browser
        .fill(&format!("#motivatie_{antwerpen}"), "Extra voor de stad")
        .await;
    browser.click("form#toekenningen button[type=submit]").await;
    browser
        .wait_for_text(
            ".error-summary",
            "De toekenningen voor 2023 komen samen op € 3.040.000,00, meer dan het budget van € 3.000.000,00. Er is niets opgeslagen.",
        )
        .await;
    let kept = c
        .find(Locator::Css(&format!("#bedrag_{antwerpen}")))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("2.950.000"));
    let motivation = c
        .find(Locator::Css(&format!("#motivatie_{antwerpen}")))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(motivation.as_deref(), Some("Extra voor de stad"));
    browser
        .wait_for_text(&format!("#werkingsgebied-{antwerpen}"), "€ 200.000,00")
        .await;
    browser.close().await;

    let in_force: i64 = sqlx::query_scalar(
        "select sum(amount_cents)::bigint from allocations where year = 2023 and superseded_at is null",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(in_force, 29_000_000);
}

/// Issue #24 in the browser: an advance above the allocation is refused with the figures and
/// the amount kept; marked as an overpayment with a motivation it is recorded and flagged; a
/// wrong payment is corrected from its row, and both stay.
#[tokio::test]
async fn an_admin_pays_above_the_allocation_only_on_purpose_and_corrects_a_payment() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    let gent = app
        .with_partnership("Regio Gent 2")
        .members(&["44021"])
        .await;
    app.with_envelope(2024, 3_000_000).await;
    app.with_allocation(gent, 2024, 50_000).await;
    app.with_user(Role::Admin)
        .email("betaal@vlaanderen.be")
        .name("Bert Betaal")
        .await;
    let base = serve(&app).await;
    sign_in(&browser, &base, "betaal@vlaanderen.be", "Welkom").await;

    let budget = format!("{base}/werkingsgebieden/{gent}/budget");
    browser.visit(&budget).await;
    // A date field takes what the browser's locale types; its value is the ISO date.
    browser
        .client()
        .execute(
            "document.querySelector('#betaling-datum').value = '2024-03-01'; \
             document.querySelector('#betaling-jaar').value = '2024'",
            vec![],
        )
        .await
        .unwrap();
    browser.fill("#betaling-bedrag", "500.000").await;
    let pay = "form[action$='/budget/betalingen'] button[type=submit]";
    browser.click(pay).await;
    browser
        .wait_for_text(
            ".error-summary",
            "Hiermee komt het netto betaalde voor 2024 op € 500.000,00, € 450.000,00 meer dan de toekenning van € 50.000,00.",
        )
        .await;
    let kept = browser
        .client()
        .find(Locator::Css("#betaling-bedrag"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("500.000"));
    browser.fill("#betaling-bedrag", "60.000").await;
    browser.click("input[name=overbetaling]").await;
    browser
        .fill(
            "#betaling-motivering",
            "Voorschot op een herziene toekenning.",
        )
        .await;
    browser.click(pay).await;
    browser
        .wait_for_text(
            "main",
            "Betaling geregistreerd: voorschot € 60.000,00 voor 2024.",
        )
        .await;
    browser
        .wait_for_text(
            "main",
            "Te veel betaald: € 60.000,00 netto betaald, € 10.000,00 meer dan de toekenning van € 50.000,00.",
        )
        .await;

    // The advance was wrong after all: corrected from its row, with a reason.
    browser.click("a[href$='/corrigeren']").await;
    browser.wait_for_text("h1", "Betaling corrigeren").await;
    browser
        .wait_for_text(
            "main",
            "De correctie verlaagt het netto betaalde van 2024 met € 60.000,00",
        )
        .await;
    browser.fill("#reden", "Verkeerd werkingsgebied.").await;
    browser
        .click("form[action$='/corrigeren'] button[type=submit]")
        .await;
    browser
        .wait_for_text(
            "main",
            "Betaling gecorrigeerd: het voorschot van € 60.000,00 voor 2024.",
        )
        .await;
    let history = browser
        .wait_for_text("main", "correctie van het voorschot van 01/03/2024")
        .await;
    assert!(
        history.contains("Reden: Verkeerd werkingsgebied."),
        "{history}"
    );
    assert!(history.contains("gecorrigeerd op"), "{history}");
    browser.close().await;

    let net: i64 = sqlx::query_scalar(
        "select coalesce(sum(net_cents), 0)::bigint from payments where partnership_id = $1",
    )
    .bind(gent)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(net, 0);
}
