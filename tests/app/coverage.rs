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
    page.assert_contains(
        "Ten opzichte van 2020-2022: 43 gemeenten erbij, 20 gemeenten niet meer \
         (netto 23 gemeenten meer). Het aandeel gedekte gemeenten steeg met 7,67 procentpunt",
    );
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
    assert_eq!(
        page.body
            .matches("<use href=\"/kaart/2019-2024.svg?v=")
            .count(),
        300
    );
    page.assert_contains("<title>Kortrijk (34022): Regio Leie</title>");
    page.assert_contains("<title>Gent (44021): niet gedekt</title>");
    assert!(
        page.body.contains(r##"fill="#0072b2""##),
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
    assert_eq!(
        page.body.matches("<use href=\"/kaart/2025.svg?v=").count(),
        285
    );
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

/// (fill, NIS code, title) of each shape of the page's map.
fn shapes(body: &str) -> Vec<(String, String, String)> {
    body.split("<use href=\"")
        .skip(1)
        .map(|piece| {
            let fill = piece.split("fill=\"").nth(1).unwrap();
            let fill = &fill[..fill.find('"').unwrap()];
            let title = piece.split("<title>").nth(1).unwrap();
            let title = &title[..title.find("</title>").unwrap()];
            let nis = title.split(" (").nth(1).unwrap();
            (fill.into(), nis[..5].into(), title.into())
        })
        .collect()
}

/// Pairs of NIS codes whose boundaries share a point, straight from the seed GeoJSON.
fn seed_neighbours() -> HashSet<(String, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/seeds/municipalities_2019_2024.geojson"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut at: HashMap<String, HashSet<String>> = HashMap::new();
    for f in json["features"].as_array().unwrap() {
        let nis = f["properties"]["nis_code"].as_str().unwrap();
        let g = &f["geometry"];
        let polygons: Vec<&serde_json::Value> = if g["type"] == "Polygon" {
            vec![&g["coordinates"]]
        } else {
            g["coordinates"].as_array().unwrap().iter().collect()
        };
        for ring in polygons.iter().flat_map(|p| p.as_array().unwrap()) {
            for point in ring.as_array().unwrap() {
                at.entry(point.to_string()).or_default().insert(nis.into());
            }
        }
    }
    let mut pairs = HashSet::new();
    for codes in at.values() {
        for a in codes {
            for b in codes {
                if a < b {
                    pairs.insert((a.clone(), b.clone()));
                }
            }
        }
    }
    pairs
}

#[tokio::test]
async fn neighbouring_werkingsgebieden_get_different_colours_and_each_shape_names_its_own() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Ministry).await;
    let period = app.period_id("2023-2025").await;
    // Gent, De Pinte and Sint-Martens-Latem all border each other.
    app.with_partnership("Regio Gent").members(&["44021"]).await;
    app.with_partnership("Regio De Pinte")
        .members(&["44012"])
        .await;
    app.with_partnership("Regio Latem")
        .members(&["44064"])
        .await;
    let page = app.get(&format!("/dekking?periode={period}")).await;
    let fills: HashMap<String, String> = shapes(&page.body)
        .into_iter()
        .map(|(fill, nis, _)| (nis, fill))
        .collect();
    let three: HashSet<&String> = ["44021", "44012", "44064"]
        .iter()
        .map(|n| &fills[*n])
        .collect();
    assert_eq!(three.len(), 3, "three neighbours, three colours: {three:?}");
    page.assert_contains("<title>Gent (44021): Regio Gent</title>");
    page.assert_contains("<title>De Pinte (44012): Regio De Pinte</title>");
    page.assert_contains("<title>Sint-Martens-Latem (44064): Regio Latem</title>");
    // The legend names each werkingsgebied beside its swatch.
    page.assert_contains(&format!(
        r##"<rect width="14" height="14" fill="{}" stroke="#6b7280"/></svg> Regio Gent</li>"##,
        fills["44021"]
    ));
    page.assert_contains(r#"<p class="figure" id="werkingsgebieden">3</p><p>werkingsgebieden</p>"#);
    assert!(!page.body.contains("style="), "no inline styles (CSP)");
}

#[tokio::test]
async fn no_two_bordering_werkingsgebieden_of_the_demo_share_a_colour() {
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    app.sign_in_as(Role::Ministry).await;
    let period = app.period_id("2023-2025").await;
    let page = app.get(&format!("/dekking?periode={period}")).await;
    let shapes: HashMap<String, (String, String)> = shapes(&page.body)
        .into_iter()
        .map(|(fill, nis, title)| {
            let area = title.split("): ").nth(1).unwrap().to_string();
            (nis, (fill, area))
        })
        .collect();
    assert_eq!(shapes.len(), 300);
    let mut checked = 0;
    for (a, b) in seed_neighbours() {
        let ((fill_a, area_a), (fill_b, area_b)) = (&shapes[&a], &shapes[&b]);
        if area_a != area_b && area_a != "niet gedekt" && area_b != "niet gedekt" {
            assert_ne!(fill_a, fill_b, "{a} ({area_a}) and {b} ({area_b})");
            checked += 1;
        }
    }
    assert!(
        checked > 50,
        "the demo has many bordering werkingsgebieden: {checked}"
    );
}

#[tokio::test]
async fn the_comparison_counts_merged_municipalities_once_and_says_so_in_words() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    // 2023-2025: Antwerpen and Borsbeek, which merged into Antwerpen in 2025.
    app.with_partnership("Regio Antwerpen")
        .members(&["11002", "11007"])
        .await;
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
    app.with_partnership("Regio Gent")
        .members(&["44021"])
        .in_period(next)
        .await;

    let page = app.get(&format!("/dekking?periode={next}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // Gent joined, (the merged) Antwerpen left: net nothing, not 1 - 2.
    page.assert_contains(
        "Ten opzichte van 2023-2025: 1 gemeente erbij, 1 gemeente niet meer \
         (netto evenveel gemeenten).",
    );
    page.assert_contains(r#"<span id="nieuw">1</span> gemeente kwam erbij"#);
    page.assert_contains(r#"<span id="vertrokken">1</span> gemeente viel weg"#);
    page.assert_contains(r#"<td id="netto">0</td>"#);
    page.assert_contains("<td>1 <small>(2 in de gemeentelijst van toen)</small></td>");
    page.assert_contains(r#"<p class="figure" id="werkingsgebieden">1</p><p>werkingsgebied</p>"#);
    page.assert_contains(
        "De beleidsperiode 2026-2031 telt 1 werkingsgebied en 0 aangestelde regisseurs.",
    );
}

#[tokio::test]
async fn the_simulator_lists_municipalities_per_province_and_filtering_keeps_the_choice() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Ministry).await;
    let period = app.period_id("2023-2025").await;
    let all = app
        .get(&format!(
            "/dekking/simulatie?periode={period}&sim=1&gedekt=11002"
        ))
        .await;
    let legends: Vec<&str> = all
        .body
        .split("<legend>")
        .skip(1)
        .map(|l| l.split(" <small>").next().unwrap())
        .collect();
    assert_eq!(
        legends,
        [
            "Antwerpen",
            "Limburg",
            "Oost-Vlaanderen",
            "Vlaams-Brabant",
            "West-Vlaanderen"
        ]
    );
    all.assert_contains("<legend>Antwerpen <small>(1 van 69 aangevinkt)</small></legend>");
    let aartselaar = all.body.find(r#"value="11001""#).unwrap();
    let antwerpen = all.body.find(r#"value="11002""#).unwrap();
    assert!(aartselaar < antwerpen, "alphabetical within a province");

    // Filtering shows Gent only, and Antwerpen stays chosen as a hidden field.
    let filtered = app
        .get(&format!(
            "/dekking/simulatie?periode={period}&sim=1&gedekt=11002&gedekt=44021&zoek=gent"
        ))
        .await;
    filtered.assert_contains("1 gemeente van de 300 getoond voor ‘gent’.");
    filtered.assert_contains(r#"<input type="hidden" name="gedekt" value="11002">"#);
    filtered.assert_contains(r#"value="44021" checked>"#);
    assert!(
        !filtered
            .body
            .contains(r#"type="checkbox" name="gedekt" value="11002""#)
    );
    filtered.assert_contains(r#"<p class="figure" id="sim-gemeenten">2 / 300</p>"#);
    filtered.assert_contains(r#"<input type="search" id="zoek" name="zoek" value="gent""#);

    // Clearing the filter shows all again, still with both chosen.
    let cleared = app
        .get(&format!(
            "/dekking/simulatie?periode={period}&sim=1&gedekt=11002&gedekt=44021&zoek=gent&wis=1"
        ))
        .await;
    cleared.assert_contains(r#"value="11002" checked>"#);
    cleared.assert_contains(r#"value="44021" checked>"#);
    assert!(!cleared.body.contains("getoond voor"));
}

/// The map's shapes are one document that browsers keep: every shape a page points at is in it,
/// anyone may fetch it, and a request by its version may be kept for good.
#[tokio::test]
async fn the_map_document_holds_every_shape_a_page_points_at_and_browsers_keep_it() {
    let app = TestApp::new().await;
    app.sign_in_as(Role::Admin).await;
    let period = app.period_id("2023-2025").await;
    let page = app.get(&format!("/dekking?periode={period}")).await;
    let pointed: Vec<&str> = page
        .body
        .split("<use href=\"")
        .skip(1)
        .map(|piece| &piece[..piece.find('"').unwrap()])
        .collect();
    assert_eq!(pointed.len(), 300);
    let (href, _) = pointed[0].split_once('#').unwrap();
    assert!(pointed.iter().all(|p| p.starts_with(&format!("{href}#m"))));

    let anonymous = app.other_browser();
    let svg = anonymous.get(href).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(svg.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert_eq!(
        svg.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(svg.body.matches("<path id=\"m").count(), 300);
    for p in &pointed {
        let id = p.split_once('#').unwrap().1;
        assert!(
            svg.body.contains(&format!("<path id=\"{id}\" d=\"M")),
            "{id}"
        );
    }
    assert!(anonymous.cookie("regie_sessie").is_none());

    // Asked for without (or with an old) version, it is checked again each time; an unchanged
    // one is not sent twice.
    let unversioned = anonymous.get("/kaart/2019-2024.svg").await;
    assert_eq!(
        unversioned.headers[header::CACHE_CONTROL],
        "public, no-cache"
    );
    let etag = svg.headers[header::ETAG].to_str().unwrap();
    let again = anonymous
        .request(
            axum::http::Request::get(href)
                .header(header::IF_NONE_MATCH, etag)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());

    // Only the lists that periods use, and only as SVG.
    for missing in [
        "/kaart/1999.svg",
        "/kaart/2019-2024.png",
        "/kaart/2019-2024",
        "/kaart/..%2F2019-2024.svg",
    ] {
        assert_eq!(
            anonymous.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}
