//! Coverage (dekkingsgraad): how many municipalities and inhabitants the werkingsgebieden of a
//! period reach, per province, compared with another period, on a map; a what-if simulator;
//! and the same figures as open data.
//!
//! Routes: `GET /dekking?periode=&jaar=&vergelijk=` (signed in),
//! `GET /dekking/simulatie?periode=&sim=1&gedekt=..` (ministry staff and admins),
//! `GET /api/v1/periods`, `GET /api/v1/coverage?period=&year=` (public, read-only, cacheable).

pub mod compute;
pub mod map;

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::auth::{SignedIn, StaffOnly};
use crate::error::{AppError, Result};
use crate::partnerships::db::{self as partnership_db, Summary};
use crate::periods::{self, Period};
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::layout::Layout;
use crate::web::{format, render};
use compute::{Comparison, Municipality, Totals};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dekking", get(show))
        .route("/dekking/simulatie", get(simulate))
        .route("/api/v1/periods", get(api_periods))
        .route("/api/v1/coverage", get(api_coverage))
}

/// The municipalities of `period`'s list with population in `year` and their werkingsgebied.
pub async fn load(db: &PgPool, period: &Period, year: i16) -> Result<Vec<Municipality>> {
    let rows = sqlx::query!(
        r#"select mu.nis_code, mu.name_nl, mu.province,
                  coalesce(pop.population, 0)::bigint as "population!",
                  pm.partnership_id as "partnership_id?"
           from municipalities mu
           left join municipality_populations pop
                  on pop.vintage = mu.vintage and pop.nis_code = mu.nis_code and pop.year = $2
           left join partnership_members pm
                  on pm.policy_period_id = $3 and pm.nis_code = mu.nis_code
           where mu.vintage = $1
           order by mu.name_nl, mu.nis_code"#,
        period.vintage,
        year,
        period.policy_period_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Municipality {
            nis_code: r.nis_code,
            name: r.name_nl,
            province: r.province,
            population: r.population,
            partnership_id: r.partnership_id,
        })
        .collect())
}

/// Population years with figures for a municipality list.
async fn population_years(db: &PgPool, vintage: &str) -> Result<Vec<i16>> {
    Ok(sqlx::query_scalar!(
        "select distinct year from municipality_populations where vintage = $1 order by year",
        vintage
    )
    .fetch_all(db)
    .await?)
}

/// Regisseurs appointed for the period: the people with an approved appointment for one of its
/// werkingsgebieden that overlaps it (also those ended since), each counted once.
async fn regisseurs(db: &PgPool, period: &Period) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(distinct lower(a.person_email)) as "n!" from appointments a
           join partnerships p on p.partnership_id = a.partnership_id
           where p.policy_period_id = $1 and a.status in ('goedgekeurd', 'beeindigd')
             and a.starts_on <= $3 and coalesce(a.ended_on, a.ends_on) >= $2"#,
        period.policy_period_id,
        period.starts_on as _,
        period.ends_on as _
    )
    .fetch_one(db)
    .await?)
}

/// Earlier list's NIS code -> later list's, for the municipalities that merged.
async fn mapping(db: &PgPool, from: &str, to: &str) -> Result<HashMap<String, String>> {
    if from == to {
        return Ok(HashMap::new());
    }
    Ok(sqlx::query!(
        "select from_nis_code, to_nis_code from municipality_mergers where from_vintage = $1 and to_vintage = $2",
        from,
        to
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.from_nis_code, r.to_nis_code))
    .collect())
}

/// Everything the coverage page and the API show for one period.
struct Snapshot {
    period: Period,
    year: i16,
    municipalities: Vec<Municipality>,
    totals: Totals,
    provinces: Vec<(String, Totals)>,
    partnerships: Vec<Summary>,
    regisseurs: i64,
}

async fn snapshot(db: &PgPool, period: &Period, year: i16) -> Result<Snapshot> {
    let municipalities = load(db, period, year).await?;
    let (totals, provinces) = compute::totals(&municipalities, |m| m.partnership_id.is_some());
    Ok(Snapshot {
        partnerships: partnership_db::summaries(db, period.policy_period_id, year, None).await?,
        regisseurs: regisseurs(db, period).await?,
        period: period.clone(),
        year,
        municipalities,
        totals,
        provinces,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CoverageQuery {
    periode: Option<i64>,
    jaar: Option<i16>,
    /// Another period to compare with; 0 for none. Default: the period before.
    vergelijk: Option<i64>,
}

struct ProvinceRow {
    name: String,
    covered: String,
    total: String,
    municipality_share: String,
    covered_population: String,
    population_share: String,
}

fn province_rows(provinces: &[(String, Totals)]) -> Vec<ProvinceRow> {
    provinces
        .iter()
        .map(|(name, t)| ProvinceRow {
            name: name.clone(),
            covered: format::thousands(t.covered_municipalities),
            total: format::thousands(t.municipalities),
            municipality_share: t.municipality_share(),
            covered_population: format::thousands(t.covered_population),
            population_share: t.population_share(),
        })
        .collect()
}

pub struct MapShape {
    pub d: String,
    pub fill: &'static str,
    pub label: String,
}

pub struct LegendItem {
    pub fill: &'static str,
    pub label: String,
}

struct PartnershipRow {
    id: i64,
    name: String,
    fill: &'static str,
    members: String,
    population: String,
    regisseurs: String,
    vacant: bool,
    is_demo: bool,
}

struct MunicipalityRow {
    nis_code: String,
    name: String,
    province: String,
    population: String,
    partnership: String,
}

struct ComparisonView {
    earlier: String,
    joined: Vec<(String, String)>,
    left: Vec<(String, String)>,
    net: String,
    municipality_change: String,
    population_change: String,
    earlier_covered: String,
    earlier_municipality_share: String,
    earlier_population_share: String,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "coverage/show.html")]
struct CoveragePage {
    layout: Layout,
    period: Period,
    year: i16,
    periods: Vec<Choice>,
    years: Vec<Choice>,
    comparisons: Vec<Choice>,
    partnerships_count: usize,
    regisseurs: i64,
    totals: Totals,
    covered_municipalities: String,
    total_municipalities: String,
    covered_population: String,
    total_population: String,
    provinces: Vec<ProvinceRow>,
    comparison: Option<ComparisonView>,
    sentence: String,
    map_width: i64,
    map_height: i64,
    shapes: Vec<MapShape>,
    legend: Vec<LegendItem>,
    partnerships: Vec<PartnershipRow>,
    municipalities: Vec<MunicipalityRow>,
    any_demo: bool,
    is_staff: bool,
}

fn colour_of(partnerships: &[Summary]) -> HashMap<i64, &'static str> {
    partnerships
        .iter()
        .enumerate()
        .map(|(i, p)| (p.partnership_id, map::PALETTE[i % map::PALETTE.len()]))
        .collect()
}

/// The press-release sentence, from the figures.
fn sentence(s: &Snapshot, comparison: Option<&ComparisonView>) -> String {
    let mut text = format!(
        "In de beleidsperiode {} zijn er {} werkingsgebieden en {} aangestelde regisseurs. \
         Zij bereiken {} van de {} Vlaamse gemeenten ({}) en {} van de Vlaamse bevolking \
         (1/1/{}).",
        s.period.name,
        s.partnerships.len(),
        s.regisseurs,
        format::thousands(s.totals.covered_municipalities),
        format::thousands(s.totals.municipalities),
        s.totals.municipality_share(),
        s.totals.population_share(),
        s.year
    );
    if let Some(c) = comparison {
        text.push_str(&format!(
            " Ten opzichte van {} kwamen er {} gemeenten bij en vielen er {} weg (netto {}); \
             het aandeel gemeenten {} en het aandeel inwoners {}.",
            c.earlier,
            c.joined.len(),
            c.left.len(),
            c.net,
            c.municipality_change,
            c.population_change
        ));
    }
    text
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<CoverageQuery>,
) -> Result<Response> {
    let all = periods::list(&state.db).await?;
    let period = periods::choose(&all, query.periode)
        .ok_or(AppError::NotFound)?
        .clone();
    let years = population_years(&state.db, &period.vintage).await?;
    let year = query
        .jaar
        .filter(|y| years.contains(y))
        .unwrap_or(period.population_year);
    let s = snapshot(&state.db, &period, year).await?;

    // Only earlier periods: "joined" and "left" read forward in time, and the merger mapping
    // runs from the old municipality list to the new one.
    let earlier_periods: Vec<&Period> = all
        .iter()
        .filter(|p| p.ends_on < period.starts_on)
        .collect();
    let earlier = match query.vergelijk {
        Some(0) => None,
        Some(id) => earlier_periods
            .iter()
            .copied()
            .find(|p| p.policy_period_id == id),
        None => earlier_periods.iter().copied().max_by_key(|p| p.starts_on),
    };
    let comparison = match earlier {
        Some(e) => {
            let es = snapshot(&state.db, e, e.population_year).await?;
            let to_later = mapping(&state.db, &e.vintage, &period.vintage).await?;
            let Comparison {
                joined,
                left,
                net,
                municipality_share_change,
                population_share_change,
            } = compute::compare(
                &es.municipalities,
                &es.totals,
                &s.municipalities,
                &s.totals,
                &to_later,
            );
            Some(ComparisonView {
                earlier: e.name.clone(),
                joined,
                left,
                net: format!("{net:+}"),
                municipality_change: compute::points(municipality_share_change),
                population_change: compute::points(population_share_change),
                earlier_covered: format::thousands(es.totals.covered_municipalities),
                earlier_municipality_share: es.totals.municipality_share(),
                earlier_population_share: es.totals.population_share(),
            })
        }
        None => None,
    };

    let colours = colour_of(&s.partnerships);
    let names: HashMap<i64, &str> = s
        .partnerships
        .iter()
        .map(|p| (p.partnership_id, p.name.as_str()))
        .collect();
    let by_nis: HashMap<&str, &Municipality> = s
        .municipalities
        .iter()
        .map(|m| (m.nis_code.as_str(), m))
        .collect();
    let geometry = state.maps.get(&state.db, &period.vintage).await?;
    let shapes = geometry
        .shapes
        .iter()
        .map(|shape| {
            let partnership = by_nis
                .get(shape.nis_code.as_str())
                .and_then(|m| m.partnership_id);
            MapShape {
                d: shape.d.clone(),
                fill: partnership
                    .and_then(|id| colours.get(&id).copied())
                    .unwrap_or(map::UNCOVERED),
                label: match partnership.and_then(|id| names.get(&id)) {
                    Some(name) => format!("{} ({}): {name}", shape.name, shape.nis_code),
                    None => format!("{} ({}): niet gedekt", shape.name, shape.nis_code),
                },
            }
        })
        .collect();
    let mut legend: Vec<LegendItem> = s
        .partnerships
        .iter()
        .map(|p| LegendItem {
            fill: colours[&p.partnership_id],
            label: p.name.clone(),
        })
        .collect();
    legend.push(LegendItem {
        fill: map::UNCOVERED,
        label: "niet gedekt".into(),
    });

    let page = CoveragePage {
        layout: signed_in.layout(format!("Dekking {}", period.name)).await?,
        periods: all
            .iter()
            .rev()
            .map(|p| Choice {
                value: p.policy_period_id.to_string(),
                label: p.name.clone(),
                selected: p.policy_period_id == period.policy_period_id,
            })
            .collect(),
        years: years
            .iter()
            .map(|y| Choice {
                value: y.to_string(),
                label: y.to_string(),
                selected: *y == year,
            })
            .collect(),
        comparisons: std::iter::once(Choice {
            value: "0".into(),
            label: "geen vergelijking".into(),
            selected: earlier.is_none(),
        })
        .chain(earlier_periods.iter().rev().map(|p| Choice {
            value: p.policy_period_id.to_string(),
            label: p.name.clone(),
            selected: earlier.is_some_and(|e| e.policy_period_id == p.policy_period_id),
        }))
        .collect(),
        partnerships_count: s.partnerships.len(),
        regisseurs: s.regisseurs,
        totals: s.totals,
        covered_municipalities: format::thousands(s.totals.covered_municipalities),
        total_municipalities: format::thousands(s.totals.municipalities),
        covered_population: format::thousands(s.totals.covered_population),
        total_population: format::thousands(s.totals.population),
        provinces: province_rows(&s.provinces),
        sentence: sentence(&s, comparison.as_ref()),
        comparison,
        map_width: geometry.width,
        map_height: geometry.height,
        shapes,
        legend,
        partnerships: s
            .partnerships
            .iter()
            .map(|p| PartnershipRow {
                id: p.partnership_id,
                name: p.name.clone(),
                fill: colours[&p.partnership_id],
                members: format::thousands(p.members),
                population: format::thousands(p.population),
                regisseurs: p.regisseurs.join(", "),
                vacant: p.is_vacant(),
                is_demo: p.is_demo,
            })
            .collect(),
        municipalities: s
            .municipalities
            .iter()
            .map(|m| MunicipalityRow {
                nis_code: m.nis_code.clone(),
                name: m.name.clone(),
                province: m.province.clone(),
                population: format::thousands(m.population),
                partnership: m
                    .partnership_id
                    .and_then(|id| names.get(&id))
                    .map_or_else(|| "niet gedekt".to_string(), |n| n.to_string()),
            })
            .collect(),
        any_demo: s.partnerships.iter().any(|p| p.is_demo),
        is_staff: signed_in.user.role != crate::identity::Role::Regisseur,
        period,
        year,
    };
    render(&page)
}

struct SimulationRow {
    nis_code: String,
    name: String,
    province: String,
    population: String,
    checked: bool,
    change: &'static str,
}

#[derive(Template)]
#[template(path = "coverage/simulation.html")]
struct SimulationPage {
    layout: Layout,
    period: Period,
    year: i16,
    actual_municipalities: String,
    actual_population: String,
    simulated_covered: String,
    simulated_total: String,
    simulated_municipalities: String,
    simulated_population: String,
    municipality_change: String,
    population_change: String,
    added: Vec<String>,
    removed: Vec<String>,
    provinces: Vec<ProvinceRow>,
    map_width: i64,
    map_height: i64,
    shapes: Vec<MapShape>,
    legend: Vec<LegendItem>,
    rows: Vec<SimulationRow>,
}

const SIM_ACTUAL: &str = "#4e79a7";
const SIM_ADDED: &str = "#009e73";
const SIM_REMOVED: &str = "#d55e00";

/// The simulator: the coverage figures and map for a chosen set of municipalities, without
/// saving anything. The form sends every municipality it counts as covered (`gedekt`), so a
/// bookmark reproduces the scenario.
async fn simulate(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let all = periods::list(&state.db).await?;
    let period = periods::choose(&all, value("periode").and_then(|v| v.parse().ok()))
        .ok_or(AppError::NotFound)?
        .clone();
    let year = period.population_year;
    let municipalities = load(&state.db, &period, year).await?;
    let simulating = value("sim") == Some("1");
    let chosen: HashSet<&str> = if simulating {
        pairs
            .iter()
            .filter(|(k, _)| k == "gedekt")
            .map(|(_, v)| v.as_str())
            .collect()
    } else {
        municipalities
            .iter()
            .filter(|m| m.partnership_id.is_some())
            .map(|m| m.nis_code.as_str())
            .collect()
    };
    let (actual, _) = compute::totals(&municipalities, |m| m.partnership_id.is_some());
    let (simulated, provinces) =
        compute::totals(&municipalities, |m| chosen.contains(m.nis_code.as_str()));

    let change = |m: &Municipality| -> &'static str {
        match (
            m.partnership_id.is_some(),
            chosen.contains(m.nis_code.as_str()),
        ) {
            (false, true) => "toegevoegd",
            (true, false) => "weggelaten",
            _ => "",
        }
    };
    let by_nis: HashMap<&str, &Municipality> = municipalities
        .iter()
        .map(|m| (m.nis_code.as_str(), m))
        .collect();
    let geometry = state.maps.get(&state.db, &period.vintage).await?;
    let shapes = geometry
        .shapes
        .iter()
        .filter_map(|shape| {
            let m = by_nis.get(shape.nis_code.as_str())?;
            let (fill, state) = match change(m) {
                "toegevoegd" => (SIM_ADDED, "toegevoegd"),
                "weggelaten" => (SIM_REMOVED, "weggelaten"),
                _ if m.partnership_id.is_some() => (SIM_ACTUAL, "gedekt"),
                _ => (map::UNCOVERED, "niet gedekt"),
            };
            Some(MapShape {
                d: shape.d.clone(),
                fill,
                label: format!("{} ({}): {state}", m.name, m.nis_code),
            })
        })
        .collect();

    let page = SimulationPage {
        layout: staff.layout(format!("Simulatie {}", period.name)).await?,
        actual_municipalities: actual.municipality_share(),
        actual_population: actual.population_share(),
        simulated_covered: format::thousands(simulated.covered_municipalities),
        simulated_total: format::thousands(simulated.municipalities),
        simulated_municipalities: simulated.municipality_share(),
        simulated_population: simulated.population_share(),
        municipality_change: compute::points(
            simulated.municipality_basis_points() - actual.municipality_basis_points(),
        ),
        population_change: compute::points(
            simulated.population_basis_points() - actual.population_basis_points(),
        ),
        added: municipalities
            .iter()
            .filter(|m| change(m) == "toegevoegd")
            .map(|m| m.name.clone())
            .collect(),
        removed: municipalities
            .iter()
            .filter(|m| change(m) == "weggelaten")
            .map(|m| m.name.clone())
            .collect(),
        provinces: province_rows(&provinces),
        map_width: geometry.width,
        map_height: geometry.height,
        shapes,
        legend: vec![
            LegendItem {
                fill: SIM_ACTUAL,
                label: "gedekt (nu)".into(),
            },
            LegendItem {
                fill: SIM_ADDED,
                label: "toegevoegd in de simulatie".into(),
            },
            LegendItem {
                fill: SIM_REMOVED,
                label: "weggelaten in de simulatie".into(),
            },
            LegendItem {
                fill: map::UNCOVERED,
                label: "niet gedekt".into(),
            },
        ],
        rows: municipalities
            .iter()
            .map(|m| SimulationRow {
                nis_code: m.nis_code.clone(),
                name: m.name.clone(),
                province: m.province.clone(),
                population: format::thousands(m.population),
                checked: chosen.contains(m.nis_code.as_str()),
                change: change(m),
            })
            .collect(),
        period,
        year,
    };
    render(&page)
}

#[derive(Serialize)]
struct ApiPeriod {
    id: i64,
    name: String,
    starts_on: String,
    ends_on: String,
    municipality_list: String,
    population_year: i16,
}

impl From<&Period> for ApiPeriod {
    fn from(p: &Period) -> Self {
        Self {
            id: p.policy_period_id,
            name: p.name.clone(),
            starts_on: p.starts_on.to_string(),
            ends_on: p.ends_on.to_string(),
            municipality_list: p.vintage.clone(),
            population_year: p.population_year,
        }
    }
}

/// Open data may be cached by anyone for five minutes.
fn public_json(body: impl Serialize) -> Response {
    ([(header::CACHE_CONTROL, "public, max-age=300")], Json(body)).into_response()
}

fn api_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

async fn api_periods(State(state): State<AppState>) -> Result<Response> {
    let all: Vec<ApiPeriod> = periods::list(&state.db)
        .await?
        .iter()
        .map(Into::into)
        .collect();
    Ok(public_json(serde_json::json!({ "periods": all })))
}

#[derive(Serialize)]
struct ApiTotals {
    municipalities_covered: i64,
    municipalities_total: i64,
    municipality_share_percent: f64,
    population_covered: i64,
    population_total: i64,
    population_share_percent: f64,
}

impl From<&Totals> for ApiTotals {
    fn from(t: &Totals) -> Self {
        Self {
            municipalities_covered: t.covered_municipalities,
            municipalities_total: t.municipalities,
            municipality_share_percent: t.municipality_basis_points() as f64 / 100.0,
            population_covered: t.covered_population,
            population_total: t.population,
            population_share_percent: t.population_basis_points() as f64 / 100.0,
        }
    }
}

#[derive(Serialize)]
struct ApiPartnership {
    id: i64,
    name: String,
    legal_form: partnership_db::LegalForm,
    lead_organisation: String,
    population: i64,
    nis_codes: Vec<String>,
    demo: bool,
}

#[derive(Default)]
struct ApiQuery {
    period: Option<String>,
    year: Option<String>,
}

async fn api_coverage(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response> {
    // Parsed by hand so that a bad parameter gets a JSON answer, not an HTML page.
    let query = parse_api_query(raw.as_deref().unwrap_or_default());
    let Some(period_id) = query
        .period
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
    else {
        return Ok(api_error(
            StatusCode::BAD_REQUEST,
            "parameter 'period' (a period id from /api/v1/periods) is required",
        ));
    };
    let all = periods::list(&state.db).await?;
    let Some(period) = all.iter().find(|p| p.policy_period_id == period_id) else {
        return Ok(api_error(StatusCode::NOT_FOUND, "no such period"));
    };
    let years = population_years(&state.db, &period.vintage).await?;
    let year = match query.year.as_deref().map(|y| y.trim().parse::<i16>()) {
        None => period.population_year,
        Some(Ok(y)) if years.contains(&y) => y,
        Some(_) => {
            return Ok(api_error(
                StatusCode::BAD_REQUEST,
                "no population figures for that year in this period's municipality list",
            ));
        }
    };
    let s = snapshot(&state.db, period, year).await?;
    let mut members: HashMap<i64, Vec<String>> = HashMap::new();
    for m in &s.municipalities {
        if let Some(id) = m.partnership_id {
            members.entry(id).or_default().push(m.nis_code.clone());
        }
    }
    let partnerships: Vec<ApiPartnership> = s
        .partnerships
        .iter()
        .map(|p| {
            let mut nis_codes = members.remove(&p.partnership_id).unwrap_or_default();
            nis_codes.sort();
            ApiPartnership {
                id: p.partnership_id,
                name: p.name.clone(),
                legal_form: p.legal_form,
                lead_organisation: p.lead_organisation.clone(),
                population: p.population,
                nis_codes,
                demo: p.is_demo,
            }
        })
        .collect();
    let provinces: Vec<serde_json::Value> = s
        .provinces
        .iter()
        .map(|(name, t)| serde_json::json!({ "province": name, "totals": ApiTotals::from(t) }))
        .collect();
    Ok(public_json(serde_json::json!({
        "period": ApiPeriod::from(period),
        "population_year": year,
        "werkingsgebieden": s.partnerships.len(),
        "regisseurs": s.regisseurs,
        "totals": ApiTotals::from(&s.totals),
        "provinces": provinces,
        "partnerships": partnerships,
        "source": "computed by regie from partnership membership and Statbel population figures",
    })))
}

/// `period=1&year=2020` into [`ApiQuery`]; unknown keys are ignored.
fn parse_api_query(raw: &str) -> ApiQuery {
    let mut query = ApiQuery::default();
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        match k.as_ref() {
            "period" => query.period = Some(v.into_owned()),
            "year" => query.year = Some(v.into_owned()),
            _ => {}
        }
    }
    query
}
