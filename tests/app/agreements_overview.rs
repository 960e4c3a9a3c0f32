//! The overview of the agreements (figure, filters, map, visibility), its exports, the section
//! on the werkingsgebied page and the demo agreements.

use axum::http::{StatusCode, header};
use regie::identity::Role;

use crate::helpers::{PASSWORD, TestApp};

/// Moves an agreement straight to `status` (with a signing date where it needs one); the
/// overview reads the status, not the history.
async fn set_status(app: &TestApp, agreement: i64, status: &str) {
    sqlx::query(
        "update agreements set status = $2::agreement_status, signed_on = case when $2 in ('ondertekend', 'in_opvolging', 'geevalueerd', 'stopgezet') then date '2023-06-01' end where agreement_id = $1",
    )
    .bind(agreement)
    .bind(status)
    .execute(&app.db)
    .await
    .unwrap();
}

/// Five werkingsgebieden of 2023-2025: Aalst signed (with an overdue commitment), Brugge a
/// draft (whose commitment is not overdue: not signed yet), Cluster none, Diest stopped after
/// signing, Eeklo a stopped one and one in follow-up.
struct Mix {
    signed: i64,
    draft: i64,
    none: i64,
    stopped: i64,
    two: i64,
    signed_agreement: i64,
}

async fn mix(app: &TestApp) -> Mix {
    let signed = app
        .with_partnership("Aalst en omstreken")
        .members(&["44021", "41002"])
        .await;
    let draft = app
        .with_partnership("Brugse regio")
        .members(&["11002"])
        .await;
    let none = app
        .with_partnership("Cluster zonder")
        .members(&["24062"])
        .await;
    let stopped = app
        .with_partnership("Diest gestopt")
        .members(&["44084"])
        .await;
    let two = app
        .with_partnership("Eeklo dubbel")
        .members(&["34022"])
        .await;

    let signed_agreement = app.with_agreement(signed).binds(&["44021"]).await;
    set_status(app, signed_agreement, "ondertekend").await;
    app.with_commitment(signed_agreement).await;
    let d = app
        .with_agreement(draft)
        .title("Ontwerp Brugge")
        .binds(&["11002"])
        .await;
    app.with_commitment(d).await;
    let s = app.with_agreement(stopped).title("Gestopt Diest").await;
    set_status(app, s, "stopgezet").await;
    let old = app.with_agreement(two).title("Oud Eeklo").await;
    set_status(app, old, "stopgezet").await;
    let new = app
        .with_agreement(two)
        .title("Nieuw Eeklo")
        .binds(&["34022"])
        .await;
    set_status(app, new, "in_opvolging").await;
    // Another period's werkingsgebied does not count.
    let p2020 = app.period_id("2020-2022").await;
    app.with_partnership("Vroeger").in_period(p2020).await;
    Mix {
        signed,
        draft,
        none,
        stopped,
        two,
        signed_agreement,
    }
}

fn row(id: i64) -> String {
    format!(r#"id="werkingsgebied-{id}""#)
}

#[tokio::test]
async fn the_figure_counts_werkingsgebieden_with_a_signed_agreement_in_the_period() {
    let app = TestApp::new().await;
    let m = mix(&app).await;
    app.sign_in_as(Role::Ministry).await;
    let period = app.period_id("2023-2025").await;
    let page = app
        .get(&format!("/samenwerkingsovereenkomsten?periode={period}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(r#"<strong class="figure">2 van 5</strong> werkingsgebieden hebben een ondertekende samenwerkingsovereenkomst (40,00%)"#);
    page.assert_contains("<strong>3</strong> werkingsgebieden zonder ondertekende overeenkomst");
    page.assert_contains(r#"<strong id="aantal-rijen">5</strong>"#);
    assert!(!page.body.contains("Vroeger"));
    // Each row's agreements with their status, and the mark for no signed one.
    page.assert_contains(&format!(
        r#"<a href="/samenwerkingsovereenkomsten/{}">Samen sterk voor lokaal werk</a> <span class="status status-ondertekend">ondertekend</span>"#,
        m.signed_agreement
    ));
    page.assert_contains(
        r#"Nieuw Eeklo</a> <span class="status status-in_opvolging">in opvolging</span>"#,
    );
    page.assert_contains(r#"Oud Eeklo</a> <span class="status status-stopgezet">stopgezet</span>"#);
    assert_eq!(
        page.body
            .matches("geen ondertekende overeenkomst</strong>")
            .count(),
        3
    );
    // Ministry staff do not write agreements.
    assert!(!page.body.contains("Nieuwe overeenkomst"));
    let _ = (m.draft, m.none, m.stopped, m.two);
}

#[tokio::test]
async fn the_filters_in_the_url_choose_the_rows() {
    let app = TestApp::new().await;
    let m = mix(&app).await;
    app.sign_in_as(Role::Ministry).await;
    let period = app.period_id("2023-2025").await;
    let rows_of = |body: &str| -> Vec<i64> {
        [m.signed, m.draft, m.none, m.stopped, m.two]
            .into_iter()
            .filter(|id| body.contains(&row(*id)))
            .collect()
    };
    let get = |query: String| {
        let app = &app;
        async move {
            app.get(&format!(
                "/samenwerkingsovereenkomsten?periode={period}&{query}"
            ))
            .await
            .body
        }
    };
    assert_eq!(rows_of(&get("status=ontwerp".into()).await), vec![m.draft]);
    assert_eq!(rows_of(&get("status=geen".into()).await), vec![m.none]);
    assert_eq!(
        rows_of(&get("status=stopgezet".into()).await),
        vec![m.stopped, m.two]
    );
    // Only the signed agreement's commitment is late; the draft's deadline is no promise yet.
    let late = get("achterstand=1".into()).await;
    assert_eq!(rows_of(&late), vec![m.signed]);
    assert!(late.contains(r#"<td class="num"><strong>1</strong></td>"#));
    assert_eq!(
        rows_of(&get("provincie=Antwerpen".into()).await),
        vec![m.draft]
    );
    assert_eq!(
        rows_of(&get(format!("werkingsgebied={}", m.two)).await),
        vec![m.two]
    );
    // Unknown values are ignored; the figure stays that of the period.
    let all = get("status=onzin&provincie=Atlantis".into()).await;
    assert_eq!(rows_of(&all).len(), 5);
    assert!(all.contains("2 van 5</strong>"));
    // The filters carry over to the exports.
    assert!(get("status=geen".into()).await.contains(&format!(
        "/samenwerkingsovereenkomsten/export.csv?periode={period}&#38;status=geen"
    )));
}

#[tokio::test]
async fn a_vdab_account_manager_sees_only_assigned_werkingsgebieden_also_in_exports() {
    let app = TestApp::new().await;
    let m = mix(&app).await;
    app.with_user(Role::Vdab)
        .email("v@vdab.be")
        .vdab_of(&[m.signed])
        .await;
    app.sign_in("v@vdab.be", PASSWORD).await;
    let period = app.period_id("2023-2025").await;
    let page = app
        .get(&format!("/samenwerkingsovereenkomsten?periode={period}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Aalst en omstreken");
    page.assert_contains(r#"<strong class="figure">1 van 1</strong>"#);
    page.assert_contains("<title>Gent (44021): Aalst en omstreken: ondertekend</title>");
    page.assert_contains("<title>Antwerpen (11002): niet in uw werkingsgebieden</title>");
    // (Eeklo and Diest are municipalities too: the map names them.)
    for other in [
        "Brugse regio",
        "Cluster zonder",
        "Diest gestopt",
        "Eeklo dubbel",
        "Nieuw Eeklo",
        "Ontwerp Brugge",
    ] {
        assert!(!page.body.contains(other), "{other} on the page");
    }
    // Asking for another werkingsgebied shows nothing of it.
    let asked = app
        .get(&format!(
            "/samenwerkingsovereenkomsten?periode={period}&werkingsgebied={}",
            m.draft
        ))
        .await;
    assert!(!asked.body.contains("Brugse regio"));
    assert!(!asked.body.contains(&row(m.draft)));

    let csv = app
        .get(&format!(
            "/samenwerkingsovereenkomsten/export.csv?periode={period}"
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    csv.assert_contains("Aalst en omstreken");
    for other in [
        "Brugse regio",
        "Cluster zonder",
        "Diest gestopt",
        "Eeklo dubbel",
    ] {
        assert!(!csv.body.contains(other), "{other} in the CSV");
    }
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
}

#[tokio::test]
async fn the_csv_export_neutralises_formulas_and_the_xlsx_is_a_workbook() {
    let app = TestApp::new().await;
    let p = app
        .with_partnership("Formuleland")
        .members(&["44021"])
        .await;
    app.with_agreement(p)
        .title(r#"=HYPERLINK("http://x","klik")"#)
        .binds(&["44021"])
        .await;
    app.with_partnership("Zonder overeenkomst").await;
    app.sign_in_as(Role::Ministry).await;
    let period = app.period_id("2023-2025").await;

    let csv = app
        .get(&format!(
            "/samenwerkingsovereenkomsten/export.csv?periode={period}"
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(
        csv.bytes
            .starts_with("\u{feff}id;werkingsgebied;".as_bytes())
    );
    csv.assert_contains(r#";"'=HYPERLINK(""http://x"",""klik"")";"#);
    assert!(!csv.body.contains(";\"=HYPERLINK"));
    // Bound municipalities and the line for a werkingsgebied without agreement.
    csv.assert_contains(";Gent;1;0;0;");
    csv.assert_contains("Zonder overeenkomst;2023-2025;(geen samenwerkingsovereenkomst);");

    let xlsx = app
        .get(&format!(
            "/samenwerkingsovereenkomsten/export.xlsx?periode={period}"
        ))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"));
    assert_eq!(
        xlsx.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"samenwerkingsovereenkomsten.xlsx\""
    );
}

#[tokio::test]
async fn the_map_colours_each_municipality_by_its_werkingsgebieds_agreement() {
    let app = TestApp::new().await;
    let m = mix(&app).await;
    app.sign_in_as(Role::Ministry).await;
    let period = app.period_id("2023-2025").await;
    let page = app
        .get(&format!("/samenwerkingsovereenkomsten?periode={period}"))
        .await;
    assert_eq!(
        page.body
            .matches("<use href=\"/kaart/2019-2024.svg?v=")
            .count(),
        300
    );
    let shape = |nis: &str| -> String {
        let title = page
            .body
            .find(&format!("<title>{nis}"))
            .unwrap_or_else(|| panic!("no shape for {nis}"));
        let start = page.body[..title].rfind("<use").unwrap();
        page.body[start..title].to_string()
    };
    assert!(shape("Gent (44021)").contains(r#"class="kaart-ondertekend""#));
    assert!(shape("Antwerpen (11002)").contains(r#"class="kaart-ontwerp""#));
    assert!(shape("Kortrijk (34022)").contains(r#"class="kaart-in_opvolging""#));
    assert!(shape("Mechelen (12025)").contains(r#"class="kaart-buiten""#));
    // A member that no agreement binds has none, whatever its werkingsgebied's other members have.
    assert!(shape("Aalst (41002)").contains(r#"class="kaart-geen""#));
    page.assert_contains("<title>Aalst (41002): Aalst en omstreken: geen overeenkomst</title>");
    page.assert_contains("<title>Gent (44021): Aalst en omstreken: ondertekend</title>");
    page.assert_contains("<title>Mechelen (12025): geen werkingsgebied</title>");
    // The legend names every state.
    for label in [
        "geen overeenkomst",
        "goedgekeurd door de raad",
        "geëvalueerd",
        "geen werkingsgebied",
    ] {
        page.assert_contains(&format!("</svg> {label}</li>"));
    }
    let _ = m;
}

#[tokio::test]
async fn only_who_may_write_gets_the_new_agreement_link() {
    let app = TestApp::new().await;
    let m = mix(&app).await;
    app.sign_in_as_regisseur_of(m.none, "regisseur@cluster.be")
        .await;
    let period = app.period_id("2023-2025").await;
    let page = app
        .get(&format!("/samenwerkingsovereenkomsten?periode={period}"))
        .await;
    assert_eq!(page.body.matches("Nieuwe overeenkomst").count(), 1);
    page.assert_contains(&format!(
        "/samenwerkingsovereenkomsten/nieuw?werkingsgebied={}",
        m.none
    ));

    let admin = app.other_browser();
    admin.sign_in_as(Role::Admin).await;
    let page = admin
        .get(&format!("/samenwerkingsovereenkomsten?periode={period}"))
        .await;
    assert_eq!(page.body.matches("Nieuwe overeenkomst").count(), 5);
}

#[tokio::test]
async fn the_werkingsgebied_page_lists_its_agreements() {
    let app = TestApp::new().await;
    let m = mix(&app).await;
    app.sign_in_as(Role::Ministry).await;
    let page = app.get(&format!("/werkingsgebieden/{}", m.two)).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Samenwerkingsovereenkomsten met VDAB");
    page.assert_contains(r#"Oud Eeklo</a> <span class="status status-stopgezet">stopgezet</span> · 01/01/2023 - 31/12/2025"#);
    page.assert_contains(
        r#"Nieuw Eeklo</a> <span class="status status-in_opvolging">in opvolging</span>"#,
    );
    assert!(!page.body.contains("Nieuwe overeenkomst"));
    let none = app.get(&format!("/werkingsgebieden/{}", m.none)).await;
    none.assert_contains("Nog geen samenwerkingsovereenkomst.");

    let admin = app.other_browser();
    admin.sign_in_as(Role::Admin).await;
    admin
        .get(&format!("/werkingsgebieden/{}", m.none))
        .await
        .assert_contains(&format!(
            r#"<a href="/samenwerkingsovereenkomsten/nieuw?werkingsgebied={}" role="button" class="secondary">Nieuwe overeenkomst</a>"#,
            m.none
        ));
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn the_demo_has_agreements_in_a_realistic_spread_once() {
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    let agreements = count(
        &app,
        "select count(*) from agreements where origin = 'demo'",
    )
    .await;
    assert!(agreements >= 20, "{agreements} demo agreements");
    assert!(
        count(
            &app,
            "select count(distinct status) from agreements where origin = 'demo'"
        )
        .await
            >= 4
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from agreements where status = 'stopgezet'"
        )
        .await,
        1
    );
    // Signed ones have a signing date and a PDF that says it is demo data.
    assert_eq!(
        count(
            &app,
            "select count(*) from agreements a where status in ('ondertekend', 'in_opvolging', 'geevalueerd') and (signed_on is null or not exists (select 1 from agreement_documents d where d.agreement_id = a.agreement_id and d.kind = 'ondertekende_overeenkomst' and position('DEMOGEGEVENS' in convert_from(d.content, 'LATIN1')) > 0 and d.sha256 = encode(sha256(d.content), 'hex')))"
        )
        .await,
        0
    );
    assert!(
        count(&app, "select count(*) from agreements where status in ('ondertekend', 'in_opvolging', 'geevalueerd')").await
            >= 10
    );
    // The history ends in the status; stopping has a reason; every step is dated in order.
    assert_eq!(
        count(
            &app,
            "select count(*) from agreements a where status <> (select to_status from agreement_status_changes c where c.agreement_id = a.agreement_id order by agreement_status_change_id desc limit 1)"
        )
        .await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from agreement_status_changes where to_status = 'stopgezet' and reason <> ''").await,
        1
    );
    // Commitments over all three objectives, some overdue, notes, meetings with snapshots.
    assert_eq!(
        count(&app, "select count(*) from agreements a where (select count(distinct objective) from commitments c where c.agreement_id = a.agreement_id) <> 3").await,
        0
    );
    assert!(count(&app, "select count(*) from commitments where deadline < current_date and status in ('gepland', 'lopend')").await > 0);
    assert!(count(&app, "select count(*) from commitment_notes").await > 0);
    assert!(count(&app, "select count(*) from meeting_commitment_statuses").await > 0);
    assert_eq!(
        count(
            &app,
            "select count(*) from commitments where owner_name not like 'Demo %'"
        )
        .await,
        0
    );
    // Several werkingsgebieden have none; the bindings hold council decisions once approved.
    assert!(
        count(&app, "select count(*) from partnerships p join policy_periods pp using (policy_period_id) where pp.name = '2023-2025' and not exists (select 1 from agreements a where a.partnership_id = p.partnership_id)").await
            >= 4
    );
    assert!(
        count(
            &app,
            "select count(*) from agreement_municipalities where council_decision_on is not null"
        )
        .await
            > 0
    );

    // Loading again adds nothing.
    assert!(!regie::demo::load(&app.db).await.unwrap());
    assert_eq!(
        count(&app, "select count(*) from agreements").await,
        agreements
    );

    // The overview shows the demo figure.
    app.sign_in_as(Role::Ministry).await;
    let period = app.period_id("2023-2025").await;
    let page = app
        .get(&format!("/samenwerkingsovereenkomsten?periode={period}"))
        .await;
    page.assert_contains(" van 39</strong>");
    page.assert_contains("Demogegevens.");
}

#[tokio::test]
async fn a_demo_loaded_before_agreements_existed_gets_them_once() {
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    let before = count(&app, "select count(*) from agreements").await;
    // As it was before this version: the demo without agreements.
    for sql in [
        "delete from agreement_documents",
        "delete from meeting_commitment_statuses",
        "delete from agreement_meetings",
        "delete from commitment_notes",
        "delete from commitments",
        "delete from agreement_status_changes",
        "delete from agreement_municipalities",
        "delete from agreements",
        "delete from seed_runs where name = 'demo-agreements'",
    ] {
        sqlx::query(sql).execute(&app.db).await.unwrap();
    }
    assert!(regie::demo::load(&app.db).await.unwrap());
    assert_eq!(count(&app, "select count(*) from agreements").await, before);
    assert!(!regie::demo::load(&app.db).await.unwrap());
    assert_eq!(count(&app, "select count(*) from agreements").await, before);
}
