//! Coverage figures, checked against an independent computation straight from the seed CSV
//! (not the application's SQL), the demo's published counts, the map and the open-data API.

use std::collections::{HashMap, HashSet};

use axum::http::{StatusCode, header};
use regie::identity::Role;

use crate::helpers::TestApp;

/// NIS code -> (province, population 2020), read from the seed file itself.
fn seed_population() -> HashMap<String, (String, i64)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/seeds/municipalities_2019_2024.csv"
    );
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (nis, province, population) = (col("nis_code"), col("province"), col("population"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[nis].to_string(),
                (r[province].to_string(), r[population].parse().unwrap()),
            )
        })
        .collect()
}

/// "93,13%" for part/whole, computed here with floating point and formatted independently.
fn percent(part: i64, whole: i64) -> String {
    format!("{:.2}%", part as f64 * 100.0 / whole as f64).replace('.', ",")
}

async fn api(app: &TestApp, period: i64) -> serde_json::Value {
    let r = app.get(&format!("/api/v1/coverage?period={period}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

#[tokio::test]
async fn coverage_equals_an_independent_computation_from_the_seed_csv() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let period = app.period_id("2023-2025").await;
    app.with_partnership("Gent").members(&["44021"]).await;
    app.with_partnership("Leie")
        .members(&["34022", "34041", "34027", "34013"])
        .await;
    app.with_partnership("Maasland")
        .members(&["72018", "72021", "72041", "73107", "73042"])
        .await;

    let seed = seed_population();
    let json = api(&app, period).await;
    let members: Vec<String> = json["partnerships"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["nis_codes"].as_array().unwrap().iter())
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert_eq!(members.len(), 10);
    let covered_population: i64 = members.iter().map(|n| seed[n].1).sum();
    let total_population: i64 = seed.values().map(|(_, p)| p).sum();
    assert_eq!(total_population, 6_629_143);

    let totals = &json["totals"];
    assert_eq!(totals["municipalities_covered"], 10);
    assert_eq!(totals["municipalities_total"], 300);
    assert_eq!(totals["population_covered"], covered_population);
    assert_eq!(totals["population_total"], total_population);
    let share = (covered_population as f64 * 10_000.0 / total_population as f64).round() / 100.0;
    assert_eq!(totals["population_share_percent"].as_f64().unwrap(), share);

    // Per province, from the CSV.
    let mut limburg = (0, 0);
    for (nis, (province, population)) in &seed {
        if province == "Limburg" && members.contains(nis) {
            limburg.0 += 1;
            limburg.1 += population;
        }
    }
    let api_limburg = json["provinces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["province"] == "Limburg")
        .unwrap();
    assert_eq!(api_limburg["totals"]["municipalities_covered"], limburg.0);
    assert_eq!(api_limburg["totals"]["population_covered"], limburg.1);

    // The page shows the same figures, formatted the Belgian way.
    let page = app
        .get(&format!("/dekking?periode={period}&vergelijk=0"))
        .await;
    page.assert_contains(r#"<p class="figure" id="gemeenten">10 / 300</p>"#);
    page.assert_contains(&format!(
        r#"<p class="figure" id="bevolking">{}</p>"#,
        percent(covered_population, total_population)
    ));
}

#[tokio::test]
async fn the_demo_produces_the_press_release_figures_from_data() {
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    assert!(!regie::demo::load(&app.db).await.unwrap(), "loaded once");
    app.sign_in_as(Role::Ministry).await;
    let p2020 = app.period_id("2020-2022").await;
    let p2023 = app.period_id("2023-2025").await;

    let page = app.get(&format!("/dekking?periode={p2023}")).await;
    page.assert_contains("Demogegevens.");
    page.assert_contains(r#"<p class="figure" id="werkingsgebieden">39</p>"#);
    page.assert_contains(r#"<p class="figure" id="regisseurs">39</p>"#);
    page.assert_contains(r#"<p class="figure" id="gemeenten">261 / 300</p>"#);
    page.assert_contains("gemeenten (87,00%)");
    page.assert_contains("Vergelijking met 2020-2022");
    page.assert_contains(r#"<span id="nieuw">43</span> gemeenten kwamen erbij"#);
    page.assert_contains(r#"<span id="vertrokken">20</span> gemeenten vielen weg"#);
    page.assert_contains(r#"<td id="netto">+23</td>"#);
    page.assert_contains("+7,67 procentpunt");
    page.assert_contains("Zij bereiken 261 van de 300 Vlaamse gemeenten (87,00%)");

    let earlier = app.get(&format!("/dekking?periode={p2020}")).await;
    earlier.assert_contains(r#"<p class="figure" id="werkingsgebieden">37</p>"#);
    earlier.assert_contains(r#"<p class="figure" id="gemeenten">238 / 300</p>"#);
    // Comparing only looks back in time.
    let backwards = app
        .get(&format!("/dekking?periode={p2020}&vergelijk={p2023}"))
        .await;
    assert_eq!(backwards.status, StatusCode::OK);
    backwards.assert_contains(r#"<p class="figure" id="gemeenten">238 / 300</p>"#);
    assert!(!backwards.body.contains("Vergelijking met"));

    // The population share is computed, and agrees with the CSV.
    let seed = seed_population();
    let json = api(&app, p2023).await;
    let covered: HashSet<String> = json["partnerships"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["nis_codes"].as_array().unwrap().iter())
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert_eq!(covered.len(), 261);
    let population: i64 = covered.iter().map(|n| seed[n].1).sum();
    page.assert_contains(&format!(
        r#"<p class="figure" id="bevolking">{}</p>"#,
        percent(population, 6_629_143)
    ));
    assert!(
        json["partnerships"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["demo"] == true)
    );
}

#[tokio::test]
async fn the_map_has_one_shape_per_municipality_with_a_title() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let period = app.period_id("2023-2025").await;
    app.with_partnership("Regio Leie").members(&["34022"]).await;
    let page = app.get(&format!("/dekking?periode={period}")).await;
    assert_eq!(page.body.matches("<path d=\"M").count(), 300);
    page.assert_contains("<title>Kortrijk (34022): Regio Leie</title>");
    page.assert_contains("<title>Gent (44021): niet gedekt</title>");
    assert!(
        page.body.contains(r##"fill="#4e79a7""##),
        "the werkingsgebied has a colour"
    );

    app.post_form(
        "/admin/beleidsperiodes/nieuw",
        &[
            ("name", "2026-2031"),
            ("starts_on", "2026-01-01"),
            ("ends_on", "2031-12-31"),
            ("vintage", "2025"),
            ("population_year", "2020"),
        ],
    )
    .await;
    let next = app.period_id("2026-2031").await;
    let page = app.get(&format!("/dekking?periode={next}")).await;
    assert_eq!(page.body.matches("<path d=\"M").count(), 285);
    page.assert_contains("Beveren-Kruibeke-Zwijndrecht (46030): niet gedekt");
}

#[tokio::test]
async fn the_simulator_recomputes_without_saving() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Ministry).await;
    let period = app.period_id("2023-2025").await;
    let page = app
        .get(&format!(
            "/dekking/simulatie?periode={period}&sim=1&gedekt=44021&gedekt=11002"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let seed = seed_population();
    let population = seed["44021"].1 + seed["11002"].1;
    page.assert_contains(r#"<p class="figure" id="sim-gemeenten">2 / 300</p>"#);
    page.assert_contains(&format!(
        r#"<p class="figure" id="sim-bevolking">{}</p>"#,
        percent(population, 6_629_143)
    ));
    page.assert_contains("<strong>Toegevoegd:</strong> Antwerpen, Gent");
    page.assert_contains("Gent (44021): toegevoegd");
    let saved: i64 = sqlx::query_scalar("select count(*) from partnership_members")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(saved, 0);
}

#[tokio::test]
async fn the_open_data_api_is_public_cacheable_and_answers_errors_in_json() {
    let app = TestApp::new().await;
    let r = app.get("/api/v1/periods").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CACHE_CONTROL], "public, max-age=300");
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let names: Vec<&str> = json["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["2020-2022", "2023-2025"]);

    let period = json["periods"][1]["id"].as_i64().unwrap();
    let coverage = api(&app, period).await;
    assert_eq!(coverage["period"]["name"], "2023-2025");
    assert_eq!(coverage["population_year"], 2020);
    assert_eq!(coverage["totals"]["municipalities_total"], 300);

    for (query, status) in [
        ("", StatusCode::BAD_REQUEST),
        ("?period=", StatusCode::BAD_REQUEST),
        ("?period=abc", StatusCode::NOT_FOUND),
        ("?period=999999", StatusCode::NOT_FOUND),
        (
            &format!("?period={period}&year=1900") as &str,
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let r = app.get(&format!("/api/v1/coverage{query}")).await;
        assert_eq!(r.status, status, "{query}");
        let error: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(error["error"].is_string());
    }
    assert!(
        app.cookie("regie_sessie").is_none(),
        "the API needs no session"
    );
}
