//! The reference data against the checks in seeds/SOURCES.md, and the pages that show it.

use axum::http::StatusCode;
use regie::identity::Role;
use regie::municipalities::seed;

use crate::helpers::TestApp;

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn the_seeds_hold_300_and_285_municipalities_with_the_official_totals() {
    let app = TestApp::new().await;
    assert_eq!(
        scalar(
            &app,
            "select count(*) from municipalities where vintage = '2019-2024'"
        )
        .await,
        300
    );
    assert_eq!(
        scalar(
            &app,
            "select count(*) from municipalities where vintage = '2025'"
        )
        .await,
        285
    );
    assert_eq!(
        scalar(
            &app,
            "select sum(population) from municipality_populations where vintage = '2019-2024' and year = 2020"
        )
        .await,
        6_629_143
    );
    assert_eq!(
        scalar(&app, "select count(*) from municipality_mergers").await,
        28
    );
    assert_eq!(
        scalar(
            &app,
            "select count(distinct to_nis_code) from municipality_mergers"
        )
        .await,
        13
    );
    assert_eq!(
        scalar(
            &app,
            "select count(*) from municipalities where boundary is null"
        )
        .await,
        0
    );

    let per_province: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "select m.vintage, m.province, count(*), sum(p.population)::bigint
         from municipalities m join municipality_populations p using (vintage, nis_code)
         group by 1, 2 order by 1, 2",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let expected_2019 = [
        ("Antwerpen", 69, 1_869_730),
        ("Limburg", 42, 877_370),
        ("Oost-Vlaanderen", 60, 1_525_255),
        ("Vlaams-Brabant", 65, 1_155_843),
        ("West-Vlaanderen", 64, 1_200_945),
    ];
    let expected_2025 = [
        ("Antwerpen", 67),
        ("Limburg", 38),
        ("Oost-Vlaanderen", 55),
        ("Vlaams-Brabant", 63),
        ("West-Vlaanderen", 62),
    ];
    for (province, count, population) in expected_2019 {
        assert!(
            per_province.contains(&("2019-2024".into(), province.into(), count, population)),
            "{province} 2019-2024: {per_province:?}"
        );
    }
    for (province, count) in expected_2025 {
        assert!(
            per_province
                .iter()
                .any(|(v, p, c, _)| v == "2025" && p == province && *c == count),
            "{province} 2025: {per_province:?}"
        );
    }
    // Zwijndrecht (Antwerpen) is part of Beveren-Kruibeke-Zwijndrecht (Oost-Vlaanderen) since 2025.
    let into: String = sqlx::query_scalar(
        "select m.province from municipality_mergers mm join municipalities m on m.vintage = mm.to_vintage and m.nis_code = mm.to_nis_code where mm.from_nis_code = '11056'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(into, "Oost-Vlaanderen");
}

#[tokio::test]
async fn loading_the_seeds_again_changes_nothing() {
    let app = TestApp::new().await;
    let fingerprint = "select count(*) + sum(population) from municipality_populations";
    let before = scalar(&app, fingerprint).await;
    assert!(
        !seed::load(&app.db).await.unwrap(),
        "unchanged seeds are skipped"
    );

    // Even a forced reload (as after a change of the files) upserts without duplicates.
    sqlx::query("delete from seed_runs")
        .execute(&app.db)
        .await
        .unwrap();
    assert!(seed::load(&app.db).await.unwrap());
    assert_eq!(scalar(&app, fingerprint).await, before);
    assert_eq!(
        scalar(&app, "select count(*) from municipalities").await,
        585
    );
}

#[tokio::test]
async fn the_list_shows_the_285_municipalities_of_2025_and_the_300_before() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Regisseur).await;

    let now = app.get("/gemeenten").await;
    assert_eq!(now.status, StatusCode::OK);
    now.assert_contains(r#"<strong id="aantal">285</strong> gemeenten (vanaf 2025)"#);
    // The 2025 population is the sum of the 2020 figures, so the total is the same.
    now.assert_contains(r#"<strong id="inwoners">6.629.143</strong> inwoners op 1/1/2020"#);
    now.assert_contains("Beveren-Kruibeke-Zwijndrecht");
    now.assert_contains("ontstaan uit Beveren, Kruibeke, Zwijndrecht");

    let before = app.get("/gemeenten?indeling=2019-2024").await;
    before.assert_contains(r#"<strong id="aantal">300</strong> gemeenten (2019-2024)"#);
    before.assert_contains(r#"<strong id="inwoners">6.629.143</strong>"#);
    before.assert_contains("fusie 2025: Beveren-Kruibeke-Zwijndrecht");

    let limburg = app
        .get("/gemeenten?provincie=Limburg&indeling=2019-2024")
        .await;
    limburg.assert_contains(r#"<strong id="aantal">42</strong> gemeenten (2019-2024, gefilterd)"#);
    limburg.assert_contains(r#"<strong id="inwoners">877.370</strong>"#);
    let limburg_2025 = app.get("/gemeenten?provincie=Limburg").await;
    limburg_2025.assert_contains(r#"<strong id="aantal">38</strong>"#);
}

#[tokio::test]
async fn searching_finds_municipalities_by_name_and_by_nis_code() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Ministry).await;

    let by_name = app.get("/gemeenten?q=GENT").await;
    by_name.assert_contains(r#"<a href="/gemeenten/44021">Gent</a>"#);
    assert!(!by_name.body.contains("Antwerpen</a>"));

    let by_code = app.get("/gemeenten?q=44021").await;
    by_code.assert_contains(r#"<strong id="aantal">1</strong>"#);
    by_code.assert_contains("Gent");

    let nothing = app.get("/gemeenten?q=Brussel").await;
    nothing.assert_contains(r#"<strong id="aantal">0</strong>"#);
    nothing.assert_contains("Geen gemeenten gevonden.");

    // Markup in a search is shown as text, never run.
    let hostile = app
        .get("/gemeenten?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert!(!hostile.body.contains("<script>alert(1)</script>"));
    hostile.assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;");

    // An unknown province or vintage falls back to all / the current list.
    let odd = app.get("/gemeenten?provincie=Brabant&indeling=1830").await;
    odd.assert_contains(r#"<strong id="aantal">285</strong>"#);
}

#[tokio::test]
async fn a_municipality_page_shows_its_population_and_merger() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Ministry).await;

    let borsbeek = app.get("/gemeenten/11007").await;
    assert_eq!(borsbeek.status, StatusCode::OK);
    borsbeek.assert_contains("Borsbeek");
    borsbeek.assert_contains("Vanaf 1/1/2025 deel van");
    borsbeek.assert_contains(r#"<a href="/gemeenten/11002">Antwerpen (11002)</a>"#);

    let antwerpen = app.get("/gemeenten/11002").await;
    antwerpen.assert_contains("Indeling vanaf 2025");
    antwerpen.assert_contains("Indeling 2019-2024");
    antwerpen.assert_contains("540.196");
    antwerpen.assert_contains("529.247");
    antwerpen.assert_contains("som van de gemeenten vóór de fusie");
    antwerpen.assert_contains(r#"<a href="/gemeenten/11007">Borsbeek (11007)</a>"#);

    for unknown in ["/gemeenten/99999", "/gemeenten/21004", "/gemeenten/abc"] {
        let r = app.get(unknown).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{unknown}");
        r.assert_contains("Pagina niet gevonden");
    }
}
