//! Agreements: commitments (who writes them, validation, double submits, stale edits), progress
//! notes, links to actions (same werkingsgebied only, shown on both pages) and follow-up
//! meetings whose status snapshot stays as it was.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{self, TestApp};

fn fields<'a>(description: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("objective", "2"),
        ("description", description),
        ("owner_side", "vdab"),
        ("owner_name", "An Janssens"),
        ("indicator", "aantal bezochte werkgevers"),
        ("target_value", "25"),
        ("deadline", "2099-12-31"),
        ("status", "gepland"),
        ("idempotency_key", key),
    ]
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

/// A werkingsgebied with an agreement binding one of its municipalities.
async fn agreement(app: &TestApp, name: &str) -> (i64, i64) {
    let p = app
        .with_partnership(name)
        .members(&["44021", "44084"])
        .await;
    let a = app.with_agreement(p).binds(&["44021"]).await;
    (p, a)
}

async fn denied(app: &TestApp) -> i64 {
    count(
        app,
        "select count(*) from audit_events where action = 'access.denied'",
    )
    .await
}

#[tokio::test]
async fn the_regisseur_creates_a_commitment_that_ministry_staff_read_but_cannot_write() {
    let app = TestApp::new().await;
    let (p, a) = agreement(&app, "Regio Gent").await;
    app.sign_in_as_regisseur_of(p, "rita@gent.be").await;
    let new = app
        .get(&format!(
            "/samenwerkingsovereenkomsten/{a}/engagementen/nieuw"
        ))
        .await;
    assert_eq!(new.status, StatusCode::OK);
    new.assert_contains("Perspectief op talent voor elke werkgever");

    let r = app
        .post_form(
            &format!("/samenwerkingsovereenkomsten/{a}/engagementen/nieuw"),
            &fields(
                "Werkgeversbezoeken samen met VDAB",
                "6a1e0a43-2f1c-4b59-9a5e-000000000001",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        r.location().starts_with(&format!(
            "/samenwerkingsovereenkomsten/{a}?bewaard=1#engagement-"
        )),
        "{}",
        r.location()
    );
    app.assert_audited("commitment.created").await;
    // The audit trail says what happened, without the names a commitment holds.
    let audited_with_name = count(
        &app,
        "select count(*) from audit_events where action = 'commitment.created' and details::text like '%Janssens%'",
    )
    .await;
    assert_eq!(audited_with_name, 0);

    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    page.assert_contains("Werkgeversbezoeken samen met VDAB");
    page.assert_contains("VDAB · An Janssens");
    page.assert_contains("31/12/2099");
    // Objectives 1 and 3 have none yet, and the page says so.
    page.assert_contains("Nog geen engagementen voor deze doelstelling.");

    let ministry = app.other_browser();
    ministry.sign_in_as(Role::Ministry).await;
    let read = ministry
        .get(&format!("/samenwerkingsovereenkomsten/{a}"))
        .await;
    assert_eq!(read.status, StatusCode::OK);
    read.assert_contains("Werkgeversbezoeken samen met VDAB");
    assert!(!read.body.contains("Nieuw engagement"));
    let before = denied(&app).await;
    let refused = ministry
        .post_form(
            &format!("/samenwerkingsovereenkomsten/{a}/engagementen/nieuw"),
            &fields("Van het ministerie", "6a1e0a43-2f1c-4b59-9a5e-000000000002"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(denied(&app).await, before + 1);
    assert_eq!(count(&app, "select count(*) from commitments").await, 1);
}

#[tokio::test]
async fn wrong_input_gets_dutch_messages_and_is_kept() {
    let app = TestApp::new().await;
    let (p, a) = agreement(&app, "Regio Gent").await;
    app.sign_in_as_regisseur_of(p, "rita@gent.be").await;
    let mut wrong = fields(
        "Jobbeurs <voor> nieuwkomers",
        "6a1e0a43-2f1c-4b59-9a5e-000000000003",
    );
    wrong.retain(|(k, _)| !matches!(*k, "objective" | "deadline" | "owner_name"));
    wrong.push(("objective", "7"));
    wrong.push(("deadline", "31/02/2025"));
    wrong.push(("owner_name", "   "));
    let r = app
        .post_form(
            &format!("/samenwerkingsovereenkomsten/{a}/engagementen/nieuw"),
            &wrong,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Kies een van de drie doelstellingen van VDAB.");
    r.assert_contains("Vul een geldige deadline in");
    r.assert_contains("Vul de naam van de verantwoordelijke in.");
    r.assert_contains("Jobbeurs &#60;voor&#62; nieuwkomers");
    r.assert_contains("aantal bezochte werkgevers");
    assert_eq!(count(&app, "select count(*) from commitments").await, 0);
}

#[tokio::test]
async fn a_double_submit_makes_one_commitment() {
    let app = TestApp::new().await;
    let (p, a) = agreement(&app, "Regio Gent").await;
    app.sign_in_as_regisseur_of(p, "rita@gent.be").await;
    let path = format!("/samenwerkingsovereenkomsten/{a}/engagementen/nieuw");
    let form = fields("Eén keer", "6a1e0a43-2f1c-4b59-9a5e-000000000004");
    let first = app.post_form(&path, &form).await;
    let second = app.post_form(&path, &form).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(second.location(), first.location());
    assert_eq!(count(&app, "select count(*) from commitments").await, 1);
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'commitment.created'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_stale_edit_gets_the_conflict_page_and_overwrites_nothing() {
    let app = TestApp::new().await;
    let (p, a) = agreement(&app, "Regio Gent").await;
    let c = app.with_commitment(a).await;
    app.sign_in_as_regisseur_of(p, "rita@gent.be").await;
    let edit = app.get(&format!("/engagementen/{c}/bewerken")).await;
    assert_eq!(edit.status, StatusCode::OK);
    edit.assert_contains("Jobbeurs voor anderstaligen");

    let path = format!("/engagementen/{c}/bewerken");
    let mut first = fields("Versie van collega", "");
    first.push(("version", "1"));
    app.post_form(&path, &first)
        .await
        .assert_redirects_to(&format!(
            "/samenwerkingsovereenkomsten/{a}?bewaard=1#engagement-{c}"
        ));
    app.assert_audited("commitment.updated").await;

    let mut stale = fields("Mijn eigen versie", "");
    stale.push(("version", "1"));
    let r = app.post_form(&path, &stale).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Iemand anders wijzigde dit engagement");
    r.assert_contains("Versie van collega");
    r.assert_contains("Mijn eigen versie");
    // The user's input rides along to be saved against the current version.
    r.assert_contains(r#"name="version" value="2""#);
    let stored: String =
        sqlx::query_scalar("select description from commitments where commitment_id = $1")
            .bind(c)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, "Versie van collega");
}

#[tokio::test]
async fn another_werkingsgebieds_regisseur_cannot_write_commitments() {
    let app = TestApp::new().await;
    let (_, a) = agreement(&app, "Regio Gent").await;
    let c = app.with_commitment(a).await;
    let q = app.with_partnership("Regio Leie").await;
    app.sign_in_as_regisseur_of(q, "rik@leie.be").await;
    let new = app
        .get(&format!(
            "/samenwerkingsovereenkomsten/{a}/engagementen/nieuw"
        ))
        .await;
    assert_eq!(new.status, StatusCode::FORBIDDEN);
    let mut edit = fields("Overgenomen", "");
    edit.push(("version", "1"));
    let r = app
        .post_form(&format!("/engagementen/{c}/bewerken"), &edit)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let note = app
        .post_form(
            &format!("/engagementen/{c}/voortgang"),
            &[("noted_on", "2025-01-10"), ("body", "Niet van mij")],
        )
        .await;
    assert_eq!(note.status, StatusCode::FORBIDDEN);
    assert_eq!(denied(&app).await, 3);
    assert_eq!(
        count(&app, "select count(*) from commitment_notes").await,
        0
    );
}

#[tokio::test]
async fn an_assigned_vdab_account_manager_follows_up_but_writes_nothing_else() {
    let app = TestApp::new().await;
    let (p, a) = agreement(&app, "Regio Gent").await;
    let c = app.with_commitment(a).await;
    let action = app.with_action(p).title("Jobbeurs Gent").await;
    app.with_user(Role::Vdab)
        .email("v@vdab.be")
        .vdab_of(&[p])
        .await;
    app.sign_in("v@vdab.be", helpers::PASSWORD).await;

    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Voortgang toevoegen");
    assert!(!page.body.contains("Nieuw engagement"));
    assert!(!page.body.contains(&format!("/engagementen/{c}/bewerken")));

    let note = app
        .post_form(
            &format!("/engagementen/{c}/voortgang"),
            &[
                ("noted_on", "2025-01-10"),
                ("body", "Eerste jobbeurs gehouden: 32 deelnemers."),
                ("idempotency_key", "6a1e0a43-2f1c-4b59-9a5e-000000000005"),
            ],
        )
        .await;
    note.assert_redirects_to(&format!("/samenwerkingsovereenkomsten/{a}#engagement-{c}"));
    app.assert_audited("commitment.note_added").await;
    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    page.assert_contains("Eerste jobbeurs gehouden: 32 deelnemers.");
    page.assert_contains("10/01/2025");

    let form = app
        .get(&format!(
            "/samenwerkingsovereenkomsten/{a}/opvolgingsmomenten/nieuw"
        ))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("Jobbeurs voor anderstaligen");
    let status_field = format!("status_{c}");
    let meeting = app
        .post_form(
            &format!("/samenwerkingsovereenkomsten/{a}/opvolgingsmomenten/nieuw"),
            &[
                ("held_on", "2025-02-03"),
                ("participants", "Schepen van werk, VDAB-accountmanager"),
                ("minutes", "Stand van zaken overlopen."),
                ("decisions", "Tweede jobbeurs in het najaar."),
                (status_field.as_str(), "lopend"),
                ("idempotency_key", "6a1e0a43-2f1c-4b59-9a5e-000000000006"),
            ],
        )
        .await;
    assert_eq!(meeting.status, StatusCode::SEE_OTHER, "{}", meeting.body);
    app.assert_audited("agreement.meeting_recorded").await;

    let before = denied(&app).await;
    let new = app
        .get(&format!(
            "/samenwerkingsovereenkomsten/{a}/engagementen/nieuw"
        ))
        .await;
    assert_eq!(new.status, StatusCode::FORBIDDEN);
    let create = app
        .post_form(
            &format!("/samenwerkingsovereenkomsten/{a}/engagementen/nieuw"),
            &fields("Van VDAB", "6a1e0a43-2f1c-4b59-9a5e-000000000007"),
        )
        .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    let mut edit = fields("Gewijzigd door VDAB", "");
    edit.push(("version", "2"));
    let update = app
        .post_form(&format!("/engagementen/{c}/bewerken"), &edit)
        .await;
    assert_eq!(update.status, StatusCode::FORBIDDEN);
    let action_id = action.to_string();
    let link = app
        .post_form(
            &format!("/engagementen/{c}/acties"),
            &[("action_id", action_id.as_str())],
        )
        .await;
    assert_eq!(link.status, StatusCode::FORBIDDEN);
    assert_eq!(denied(&app).await, before + 4);
    assert_eq!(count(&app, "select count(*) from commitments").await, 1);
    assert_eq!(
        count(&app, "select count(*) from commitment_actions").await,
        0
    );
}

#[tokio::test]
async fn an_unassigned_vdab_account_manager_cannot_add_a_note() {
    let app = TestApp::new().await;
    let (_, a) = agreement(&app, "Regio Gent").await;
    let c = app.with_commitment(a).await;
    let other = app.with_partnership("Regio Leie").await;
    app.with_user(Role::Vdab)
        .email("v@vdab.be")
        .vdab_of(&[other])
        .await;
    app.sign_in("v@vdab.be", helpers::PASSWORD).await;
    let r = app
        .post_form(
            &format!("/engagementen/{c}/voortgang"),
            &[("noted_on", "2025-01-10"), ("body", "Niet toegewezen")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(denied(&app).await, 1);
    assert_eq!(
        count(&app, "select count(*) from commitment_notes").await,
        0
    );
}

#[tokio::test]
async fn a_note_without_text_is_refused_in_dutch() {
    let app = TestApp::new().await;
    let (p, a) = agreement(&app, "Regio Gent").await;
    let c = app.with_commitment(a).await;
    app.sign_in_as_regisseur_of(p, "rita@gent.be").await;
    let r = app
        .post_form(
            &format!("/engagementen/{c}/voortgang"),
            &[("noted_on", "2999-01-01"), ("body", "  ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Vul een geldige datum in");
    r.assert_contains("Vul de voortgang in.");
    assert_eq!(
        count(&app, "select count(*) from commitment_notes").await,
        0
    );
}

#[tokio::test]
async fn actions_of_the_same_werkingsgebied_link_and_show_on_both_pages() {
    let app = TestApp::new().await;
    let (p, a) = agreement(&app, "Regio Gent").await;
    let c = app.with_commitment(a).await;
    let own = app.with_action(p).title("Jobbeurs Gent").await;
    let q = app.with_partnership("Regio Leie").await;
    let foreign = app.with_action(q).title("Jobbeurs Kortrijk").await;
    app.sign_in_as_regisseur_of(p, "rita@gent.be").await;

    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    page.assert_contains("Jobbeurs Gent (01/01/2024)");
    assert!(!page.body.contains("Jobbeurs Kortrijk"));

    let own_id = own.to_string();
    app.post_form(
        &format!("/engagementen/{c}/acties"),
        &[("action_id", own_id.as_str())],
    )
    .await
    .assert_redirects_to(&format!("/samenwerkingsovereenkomsten/{a}#engagement-{c}"));
    app.assert_audited("commitment.action_linked").await;
    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    page.assert_contains(&format!(r#"<a href="/acties/{own}">Jobbeurs Gent</a>"#));
    let action_page = app.get(&format!("/acties/{own}")).await;
    action_page.assert_contains("Engagementen in een samenwerkingsovereenkomst");
    action_page.assert_contains("Jobbeurs voor anderstaligen");
    action_page.assert_contains(&format!(
        r#"<a href="/samenwerkingsovereenkomsten/{a}">Samen sterk voor lokaal werk</a>"#
    ));

    let foreign_id = foreign.to_string();
    let refused = app
        .post_form(
            &format!("/engagementen/{c}/acties"),
            &[("action_id", foreign_id.as_str())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("alleen acties van het werkingsgebied van deze overeenkomst");
    assert_eq!(
        count(&app, "select count(*) from commitment_actions").await,
        1
    );
    let other_page = app.get(&format!("/acties/{foreign}")).await;
    assert!(
        !other_page
            .body
            .contains("Engagementen in een samenwerkingsovereenkomst")
    );

    app.post_form(&format!("/engagementen/{c}/acties/{own}/ontkoppelen"), &[])
        .await
        .assert_redirects_to(&format!("/samenwerkingsovereenkomsten/{a}#engagement-{c}"));
    app.assert_audited("commitment.action_unlinked").await;
    assert_eq!(
        count(&app, "select count(*) from commitment_actions").await,
        0
    );
}

#[tokio::test]
async fn a_meeting_keeps_the_statuses_set_then_after_they_change() {
    let app = TestApp::new().await;
    let (p, a) = agreement(&app, "Regio Gent").await;
    let c = app.with_commitment(a).await;
    app.sign_in_as_regisseur_of(p, "rita@gent.be").await;
    let path = format!("/samenwerkingsovereenkomsten/{a}/opvolgingsmomenten/nieuw");
    let status_field = format!("status_{c}");
    let form = [
        ("held_on", "2025-02-03"),
        ("participants", "Stuurgroep"),
        (status_field.as_str(), "lopend"),
        ("idempotency_key", "6a1e0a43-2f1c-4b59-9a5e-000000000008"),
    ];
    app.post_form(&path, &form)
        .await
        .assert_redirects_to(&format!(
            "/samenwerkingsovereenkomsten/{a}?bewaard=1#opvolgingsmomenten"
        ));
    // A double submit records one meeting.
    app.post_form(&path, &form).await;
    assert_eq!(
        count(&app, "select count(*) from agreement_meetings").await,
        1
    );
    let (status, version): (String, i32) =
        sqlx::query_as("select status::text, version from commitments where commitment_id = $1")
            .bind(c)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((status.as_str(), version), ("lopend", 2));

    // Later the commitment is realised; the meeting still shows what was set then.
    let mut edit = fields("Jobbeurs voor anderstaligen", "");
    edit.retain(|(k, _)| !matches!(*k, "status" | "objective"));
    edit.push(("objective", "1"));
    edit.push(("status", "gerealiseerd"));
    edit.push(("version", "2"));
    app.post_form(&format!("/engagementen/{c}/bewerken"), &edit)
        .await
        .assert_redirects_to(&format!(
            "/samenwerkingsovereenkomsten/{a}?bewaard=1#engagement-{c}"
        ));
    let snapshot: String = sqlx::query_scalar(
        "select status::text from meeting_commitment_statuses where commitment_id = $1",
    )
    .bind(c)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(snapshot, "lopend");
    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    page.assert_contains("Opvolgingsmoment van 03/02/2025");
    page.assert_contains(
        "<td>Jobbeurs voor anderstaligen</td><td>Elk talent telt</td><td>lopend</td>",
    );
    page.assert_contains("<dt>Status</dt><dd>gerealiseerd</dd>");
}

#[tokio::test]
async fn an_overdue_open_commitment_shows_the_badge() {
    let app = TestApp::new().await;
    let (p, a) = agreement(&app, "Regio Gent").await;
    // Deadline 30/06/2025, gepland: past and still open, but a draft promises nothing yet.
    let c = app.with_commitment(a).await;
    app.sign_in_as_regisseur_of(p, "rita@gent.be").await;
    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    assert!(!page.body.contains("achterstand"));
    // Signed, it is overdue.
    sqlx::query("update agreements set status = 'in_opvolging', signed_on = '2023-02-01' where agreement_id = $1")
        .bind(a)
        .execute(&app.db)
        .await
        .unwrap();
    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    page.assert_contains("30/06/2025 <span class=\"badge-vacant\">achterstand</span>");

    sqlx::query("update commitments set status = 'gerealiseerd' where commitment_id = $1")
        .bind(c)
        .execute(&app.db)
        .await
        .unwrap();
    let page = app.get(&format!("/samenwerkingsovereenkomsten/{a}")).await;
    assert!(!page.body.contains("achterstand"));
}

#[tokio::test]
async fn a_stopped_agreement_takes_no_new_commitments() {
    let app = TestApp::new().await;
    let (p, a) = agreement(&app, "Regio Gent").await;
    sqlx::query("update agreements set status = 'stopgezet' where agreement_id = $1")
        .bind(a)
        .execute(&app.db)
        .await
        .unwrap();
    app.sign_in_as_regisseur_of(p, "rita@gent.be").await;
    let r = app
        .post_form(
            &format!("/samenwerkingsovereenkomsten/{a}/engagementen/nieuw"),
            &fields("Te laat", "6a1e0a43-2f1c-4b59-9a5e-000000000009"),
        )
        .await;
    r.assert_redirects_to(&format!("/samenwerkingsovereenkomsten/{a}"));
    app.get(&format!("/samenwerkingsovereenkomsten/{a}"))
        .await
        .assert_contains("Deze overeenkomst is stopgezet: er kunnen geen engagementen meer bij.");
    assert_eq!(count(&app, "select count(*) from commitments").await, 0);
}

#[tokio::test]
async fn a_meeting_does_not_revert_a_status_changed_while_its_form_was_open() {
    let app = TestApp::new().await;
    let (p, a) = agreement(&app, "Regio Gent").await;
    let c = app.with_commitment(a).await;
    app.sign_in_as_regisseur_of(p, "rita@gent.be").await;
    let path = format!("/samenwerkingsovereenkomsten/{a}/opvolgingsmomenten/nieuw");
    let form = app.get(&path).await;
    form.assert_contains(&format!("name=\"shown_{c}\" value=\"gepland\""));
    // Meanwhile someone marks the commitment as realised.
    sqlx::query("update commitments set status = 'gerealiseerd', version = version + 1 where commitment_id = $1")
        .bind(c)
        .execute(&app.db)
        .await
        .unwrap();
    // The meeting's form still shows (and sends) gepland: unchanged by the meeting.
    let (status_field, shown_field) = (format!("status_{c}"), format!("shown_{c}"));
    let response = app
        .post_form(
            &path,
            &[
                ("held_on", "2025-02-03"),
                ("participants", "Stuurgroep"),
                (status_field.as_str(), "gepland"),
                (shown_field.as_str(), "gepland"),
                ("idempotency_key", "6a1e0a43-2f1c-4b59-9a5e-000000000020"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let status: String =
        sqlx::query_scalar("select status::text from commitments where commitment_id = $1")
            .bind(c)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(status, "gerealiseerd", "the other change stands");
    let snapshot: String = sqlx::query_scalar(
        "select status::text from meeting_commitment_statuses where commitment_id = $1",
    )
    .bind(c)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(snapshot, "gepland", "the meeting's own record");
}
