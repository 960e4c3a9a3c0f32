//! The yearly report's whole loop in two browsers side by side: a regisseur writes and submits,
//! the reviewer takes it up and sends it back with a remark, the regisseur answers in the thread
//! and resubmits, the reviewer approves, and each side's notifications show each step.

use regie::identity::Role;

use super::{Browser, serve, sign_in};
use crate::helpers::TestApp;

/// Opens `path` and presses the review button (of the checklist form) that posts to
/// `action_suffix` there.
async fn press(browser: &Browser, base: &str, path: &str, action_suffix: &str) {
    browser.visit(&format!("{base}{path}")).await;
    browser
        .click(&format!("button[formaction$='{action_suffix}']"))
        .await;
}

/// From the report page: "Indienen…", then on the confirmation page "Definitief indienen".
async fn submit(regisseur: &Browser, year: i32) {
    regisseur
        .click("button[formaction$='/indienen/controleren']")
        .await;
    regisseur
        .wait_for_text("h1", &format!("Jaarrapport {year} indienen?"))
        .await;
    regisseur
        .click("form.report-submit button[type=submit]")
        .await;
    regisseur.wait_for_text("main", "Rapport ingediend.").await;
}

/// Regio Kortrijk (Kortrijk alone) and its regisseur Rita (rita@kortrijk.be).
async fn kortrijk_with_rita(app: &TestApp) -> i64 {
    let area = app
        .with_partnership("Regio Kortrijk")
        .members(&["34022"])
        .await;
    app.with_user(Role::Regisseur)
        .email("rita@kortrijk.be")
        .name("Rita Regisseur")
        .regisseur_of(area)
        .await;
    area
}

#[tokio::test]
async fn a_report_goes_round_the_whole_loop_and_both_sides_are_told_each_step() {
    let Some(regisseur) = Browser::start().await else {
        return;
    };
    let Some(reviewer) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    let area = kortrijk_with_rita(&app).await;
    let mia = app
        .with_user(Role::Ministry)
        .email("mia@vlaanderen.be")
        .name("Mia Beoordelaar")
        .await;
    app.with_reviewer(area, mia).await;
    app.with_action(area)
        .title("Jobbeurs Kortrijk")
        .priorities(&[1, 3])
        .starts_on(crate::helpers::date(2025, 4, 1))
        .await;
    let base = serve(&app).await;
    let report = format!("/jaarrapporten/{area}/2025");

    // The regisseur writes the context and submits.
    sign_in(&regisseur, &base, "rita@kortrijk.be", "Welkom").await;
    regisseur.visit(&format!("{base}{report}")).await;
    regisseur
        .wait_for_text("h1", "Jaarrapport 2025 · Regio Kortrijk")
        .await;
    regisseur.wait_for_text("main", "Jobbeurs Kortrijk").await;
    regisseur
        .fill("#context", "Een jaar met een nieuwe jobbeurs.")
        .await;
    regisseur
        .click("form.report-form button[type=submit]")
        .await;
    regisseur
        .wait_for_text("main", "Toelichting bewaard.")
        .await;
    submit(&regisseur, 2025).await;

    // The reviewer starts on the dashboard, is told, takes it up and sends it back.
    sign_in(&reviewer, &base, "mia@vlaanderen.be", "Overzicht").await;
    reviewer.wait_for_text("header", "Meldingen 1").await;
    reviewer.visit(&format!("{base}/meldingen")).await;
    reviewer
        .wait_for_text("main", "Jaarrapport 2025 van Regio Kortrijk is ingediend")
        .await;
    press(&reviewer, &base, &report, "/in-behandeling").await;
    reviewer
        .wait_for_text("main", "Rapport in behandeling genomen.")
        .await;
    reviewer
        .fill("#reason", "Vul het bereik per doelgroep aan.")
        .await;
    reviewer.click("button[formaction$='/terugsturen']").await;
    reviewer
        .wait_for_text("main", "Rapport teruggestuurd naar het werkingsgebied.")
        .await;

    // The regisseur reads why, answers in the thread, completes the text and resubmits.
    regisseur.visit(&format!("{base}/meldingen")).await;
    let told = regisseur
        .wait_for_text(
            "main",
            "Jaarrapport 2025 van Regio Kortrijk is teruggestuurd",
        )
        .await;
    assert!(told.contains("Vul het bereik per doelgroep aan."), "{told}");
    assert!(told.contains("is in behandeling genomen"), "{told}");
    // On the report the remarks come first, above the form, each to be answered.
    regisseur.visit(&format!("{base}{report}")).await;
    let remarks = regisseur
        .wait_for_text(".alert-sent-back", "Vul het bereik per doelgroep aan.")
        .await;
    assert!(remarks.contains("Mia Beoordelaar"), "{remarks}");
    regisseur
        .click("#opmerking-terugsturen a[href*='antwoord=terugsturen']")
        .await;
    regisseur
        .wait_for_text(".answering", "Vul het bereik per doelgroep aan.")
        .await;
    regisseur
        .fill("#body", "Het bereik staat nu bij de context.")
        .await;
    regisseur
        .click("form.report-message-form button[type=submit]")
        .await;
    regisseur.wait_for_text("main", "Bericht geplaatst.").await;
    regisseur
        .wait_for_text(".alert-sent-back", "beantwoord op")
        .await;
    regisseur
        .wait_for_text(
            ".report-messages",
            "Antwoord op de opmerkingen bij het terugsturen",
        )
        .await;
    regisseur
        .fill(
            "#context",
            "Een jaar met een nieuwe jobbeurs. 40 werkzoekenden bereikt.",
        )
        .await;
    regisseur
        .click("form.report-form button[type=submit]")
        .await;
    regisseur
        .wait_for_text("main", "Toelichting bewaard.")
        .await;
    submit(&regisseur, 2025).await;

    // The reviewer sees the answer and the difference, takes it up again and approves.
    reviewer.visit(&format!("{base}/meldingen")).await;
    reviewer
        .wait_for_text(
            "main",
            "Nieuw bericht bij het jaarrapport 2025 van Regio Kortrijk",
        )
        .await;
    reviewer
        .visit(&format!("{base}{report}/verschillen?van=1&naar=2"))
        .await;
    reviewer
        .wait_for_text("main", "40 werkzoekenden bereikt.")
        .await;
    press(&reviewer, &base, &report, "/in-behandeling").await;
    reviewer
        .wait_for_text("main", "Rapport in behandeling genomen.")
        .await;
    // The checklist is still open and the report incomplete: approving asks first.
    reviewer.click("button[formaction$='/goedkeuren']").await;
    reviewer
        .wait_for_text("h1", "Jaarrapport 2025 goedkeuren?")
        .await;
    reviewer.wait_for_text("main", "nog niet bekeken").await;
    reviewer
        .fill(
            "#reason",
            "Bereik nagekeken in het bericht van de regisseur.",
        )
        .await;
    reviewer
        .click("form.report-approve button[type=submit]")
        .await;
    reviewer.wait_for_text("main", "Rapport goedgekeurd.").await;
    reviewer
        .wait_for_text("main", "Bereik nagekeken in het bericht van de regisseur.")
        .await;
    reviewer.wait_for_text("main", "Goedgekeurd").await;

    // The regisseur's notifications tell the whole story.
    regisseur.visit(&format!("{base}/meldingen")).await;
    let story = regisseur
        .wait_for_text("main", "Jaarrapport 2025 van Regio Kortrijk is goedgekeurd")
        .await;
    for step in ["is in behandeling genomen", "is teruggestuurd"] {
        assert!(story.contains(step), "{step} in {story}");
    }
    regisseur.close().await;
    reviewer.close().await;

    let submissions: i64 = sqlx::query_scalar(
        "select count(*) from report_submissions s join reports r using (report_id) where r.partnership_id = $1",
    )
    .bind(area)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(submissions, 2);
    let mails: i64 = sqlx::query_scalar(
        "select count(*) from outbox where recipient in ('rita@kortrijk.be', 'mia@vlaanderen.be')",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    // To Mia: submitted twice, one message. To Rita: taken up twice, sent back, approved.
    assert_eq!(mails, 7);
}

#[tokio::test]
async fn indienen_without_saving_first_freezes_the_text_just_typed() {
    let Some(regisseur) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    let area = kortrijk_with_rita(&app).await;
    let base = serve(&app).await;
    let report = format!("/jaarrapporten/{area}/2025");

    // One section saved, then more typed in another and "Indienen…" clicked without saving.
    sign_in(&regisseur, &base, "rita@kortrijk.be", "Welkom").await;
    regisseur.visit(&format!("{base}{report}")).await;
    regisseur.fill("#context", "Een jaar van opbouw.").await;
    regisseur
        .click("form.report-form button[type=submit]")
        .await;
    regisseur
        .wait_for_text("main", "Toelichting bewaard.")
        .await;
    regisseur
        .fill(
            "#worked",
            "De jobbeurs trok 40 werkzoekenden.\nDe tweede regel.",
        )
        .await;
    regisseur
        .click("button[formaction$='/indienen/controleren']")
        .await;

    // The confirmation shows what will be frozen and what is missing, in plain Dutch.
    let page = regisseur
        .wait_for_text("main", "De jobbeurs trok 40 werkzoekenden.")
        .await;
    for gap in [
        "De sectie „Plannen” van de toelichting is leeg.",
        "WSE-LR1 (",
        "De uitgaven van 2025 zijn nog niet gerapporteerd.",
    ] {
        assert!(page.contains(gap), "{gap} in {page}");
    }
    regisseur
        .click("form.report-submit button[type=submit]")
        .await;
    regisseur.wait_for_text("main", "Rapport ingediend.").await;
    regisseur.close().await;

    let (worked, status): (String, String) =
        sqlx::query_as("select worked, status::text from reports where partnership_id = $1")
            .bind(area)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(status, "ingediend");
    assert_eq!(
        worked,
        "De jobbeurs trok 40 werkzoekenden.\nDe tweede regel."
    );
    let frozen: serde_json::Value = sqlx::query_scalar(
        "select snapshot->'narrative' from report_submissions s join reports r using (report_id) where r.partnership_id = $1",
    )
    .bind(area)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(frozen["context"], "Een jaar van opbouw.");
    assert_eq!(
        frozen["worked"],
        "De jobbeurs trok 40 werkzoekenden.\nDe tweede regel."
    );
}
