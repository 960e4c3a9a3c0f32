//! Coverage (dekkingsgraad): how many municipalities and inhabitants the werkingsgebieden of a
//! period reach, per province, compared with another period, on a map; a what-if simulator in
//! [`simulation`]; and the same figures as open data in [`api`]. Queries in [`db`], the
//! arithmetic in [`compute`], the SVG map in [`map`].
//!
//! Routes: `GET /dekking?periode=&jaar=&vergelijk=` (signed in),
//! `GET /dekking/simulatie?periode=&sim=1&gedekt=..&zoek=` (ministry staff and admins),
//! `GET /api/v1/periods`, `GET /api/v1/coverage?period=&year=` (public, read-only, cacheable).

pub(crate) mod api;
mod comparison;
pub mod compute;
pub(crate) mod db;
pub mod map;
pub mod palette;
mod simulation;
pub mod words;

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::periods::{self, Period};
use crate::reference::Reference;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::{Rendered, format, render};
use comparison::{ComparisonView, compare};
use compute::{Municipality, ProvinceTotals, Totals};
use db::Snapshot;
use map::{LegendItem, MapGeometry, MapView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dekking", get(show))
        .route("/kaart/{file}", get(map::document))
        .merge(simulation::router())
        .merge(api::router())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CoverageQuery {
    periode: Option<i64>,
    jaar: Option<i16>,
    /// Another period to compare with; 0 for none. Default: the period before.
    vergelijk: Option<i64>,
}

/// One province's line in the coverage and the simulator's table.
struct ProvinceRow {
    name: String,
    covered: String,
    total: String,
    municipality_share: String,
    covered_population: String,
    population_share: String,
}

fn province_rows(provinces: &[ProvinceTotals]) -> Vec<ProvinceRow> {
    provinces
        .iter()
        .map(|p| ProvinceRow {
            name: p.province.clone(),
            covered: format::thousands(p.totals.covered_municipalities),
            total: format::thousands(p.totals.municipalities),
            municipality_share: p.totals.municipality_share(),
            covered_population: format::thousands(p.totals.covered_population),
            population_share: p.totals.population_share(),
        })
        .collect()
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

#[derive(Template)]
#[template(path = "coverage/show.html")]
struct CoveragePage {
    layout: Layout,
    body: Rendered,
}

/// Everything on the page but the layout (see `show`).
#[derive(Template)]
#[template(path = "coverage/body.html")]
struct CoverageBody {
    period: Period,
    year: i16,
    periods: Vec<Choice>,
    years: Vec<Choice>,
    comparisons: Vec<Choice>,
    partnerships_count: usize,
    /// "werkingsgebied" or "werkingsgebieden", after the count.
    partnerships_noun: &'static str,
    regisseurs: i64,
    regisseurs_noun: &'static str,
    totals: Totals,
    covered_municipalities: String,
    total_municipalities: String,
    covered_population: String,
    total_population: String,
    provinces: Vec<ProvinceRow>,
    comparison: Option<ComparisonView>,
    sentence: String,
    map: MapView,
    partnerships: Vec<PartnershipRow>,
    municipalities: Vec<MunicipalityRow>,
    any_demo: bool,
    is_staff: bool,
}

/// Each werkingsgebied's fill: werkingsgebieden that border each other on the map differ.
fn colours(s: &Snapshot, geometry: &MapGeometry) -> HashMap<i64, &'static str> {
    let member: HashMap<&str, i64> = s
        .municipalities
        .iter()
        .filter_map(|m| Some((m.nis_code.as_str(), m.partnership_id?)))
        .collect();
    let of = |i: usize| {
        let shape = geometry.shapes.get(i)?;
        member.get(shape.nis_code.as_str()).copied()
    };
    let ids: Vec<i64> = s.partnerships.iter().map(|p| p.partnership_id).collect();
    let borders = geometry
        .borders
        .iter()
        .filter_map(|&(a, b)| Some((of(a)?, of(b)?)));
    palette::colours(&ids, borders)
}

/// The press-release sentence, from the figures.
fn sentence(s: &Snapshot, comparison: Option<&ComparisonView>) -> String {
    let mut text = format!(
        "De beleidsperiode {} telt {} en {} {}. Zij bereiken {} van de {} Vlaamse gemeenten \
         ({}) en {} van de Vlaamse bevolking (1/1/{}).",
        s.period.name,
        words::count(
            s.partnerships.len() as i64,
            "werkingsgebied",
            "werkingsgebieden"
        ),
        format::thousands(s.regisseurs),
        words::noun(
            s.regisseurs,
            "aangestelde regisseur",
            "aangestelde regisseurs"
        ),
        format::thousands(s.totals.covered_municipalities),
        format::thousands(s.totals.municipalities),
        s.totals.municipality_share(),
        s.totals.population_share(),
        s.year
    );
    if let Some(c) = comparison {
        text.push(' ');
        text.push_str(&c.sentence);
    }
    text
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    reference: Reference,
    Query(query): Query<CoverageQuery>,
) -> Result<Response> {
    let all = reference.periods(&state.db).await?;
    let period = periods::choose(&all, query.periode)
        .ok_or(AppError::NotFound)?
        .clone();
    let years = db::cached_population_years(&reference, &state.db, &period.vintage).await?;
    let year = query
        .jaar
        .filter(|y| years.contains(y))
        .unwrap_or(period.population_year);
    // Only earlier periods: "joined" and "left" read forward in time, and the merger mapping
    // runs from the old municipality list to the new one.
    let earlier_periods: Vec<Period> = all
        .iter()
        .filter(|p| p.ends_on < period.starts_on)
        .cloned()
        .collect();
    let earlier = match query.vergelijk {
        Some(0) => None,
        Some(id) => earlier_periods
            .iter()
            .find(|p| p.policy_period_id == id)
            .cloned(),
        None => earlier_periods.iter().max_by_key(|p| p.starts_on).cloned(),
    };
    let is_staff = signed_in.user.role != Role::Regisseur;

    // Everything below the header is reference data only: rendered once per period, year,
    // comparison and audience, until the reference data changes. The key holds the values as
    // chosen, never the raw query string, so no URL can fill the cache.
    let key = format!(
        "coverage-page:{}:{year}:{}:{is_staff}",
        period.policy_period_id,
        earlier.as_ref().map_or(0, |e| e.policy_period_id)
    );
    let title = format!("Dekking {}", period.name);
    let body = reference
        .get_or_load(key, || async {
            let s = db::cached_snapshot(&reference, &state.db, &period, year).await?;
            let body = build_body(
                &state,
                &reference,
                &s,
                &all,
                &years,
                &earlier_periods,
                earlier.as_ref(),
            )
            .await?;
            Rendered::of(&CoverageBody { is_staff, ..body })
        })
        .await?;
    render(&CoveragePage {
        layout: signed_in.layout(title).await?,
        body: (*body).clone(),
    })
}

/// The page's figures, map and tables for `s`, compared with `earlier`.
async fn build_body(
    state: &AppState,
    reference: &Reference,
    s: &Snapshot,
    all: &[Period],
    years: &[i16],
    earlier_periods: &[Period],
    earlier: Option<&Period>,
) -> Result<CoverageBody> {
    let period = s.period.clone();
    let year = s.year;
    let comparison = match earlier {
        Some(e) => Some(compare(&state.db, e, s).await?),
        None => None,
    };

    let geometry = map::geometry(reference, &state.db, &period.vintage).await?;
    let colours = colours(s, &geometry);
    let fill_of = |id: i64| colours.get(&id).copied().unwrap_or(palette::PALETTE[0]);
    let names: HashMap<i64, &str> = s
        .partnerships
        .iter()
        .map(|p| (p.partnership_id, p.name.as_str()))
        .collect();
    let name_of = |m: &Municipality| m.partnership_id.and_then(|id| names.get(&id).copied());
    let legend = s
        .partnerships
        .iter()
        .map(|p| LegendItem {
            fill: fill_of(p.partnership_id),
            label: p.name.clone(),
        })
        .chain(std::iter::once(LegendItem {
            fill: map::UNCOVERED,
            label: "niet gedekt".into(),
        }))
        .collect();
    let map = MapView::paint(
        &geometry,
        &s.municipalities,
        |m| {
            let fill = m.partnership_id.and_then(|id| colours.get(&id).copied());
            (
                fill.unwrap_or(map::UNCOVERED),
                name_of(m).unwrap_or("niet gedekt"),
            )
        },
        legend,
    );

    Ok(CoverageBody {
        periods: all
            .iter()
            .rev()
            .map(|p| {
                let selected = p.policy_period_id == period.policy_period_id;
                Choice::new(p.policy_period_id, &p.name, selected)
            })
            .collect(),
        years: years
            .iter()
            .map(|y| Choice::new(y, y.to_string(), *y == year))
            .collect(),
        comparisons: std::iter::once(Choice::new(0, "geen vergelijking", earlier.is_none()))
            .chain(earlier_periods.iter().rev().map(|p| {
                let selected = earlier.is_some_and(|e| e.policy_period_id == p.policy_period_id);
                Choice::new(p.policy_period_id, &p.name, selected)
            }))
            .collect(),
        partnerships_count: s.partnerships.len(),
        partnerships_noun: words::noun(
            s.partnerships.len() as i64,
            "werkingsgebied",
            "werkingsgebieden",
        ),
        regisseurs: s.regisseurs,
        regisseurs_noun: words::noun(
            s.regisseurs,
            "aangestelde regisseur",
            "aangestelde regisseurs",
        ),
        totals: s.totals,
        covered_municipalities: format::thousands(s.totals.covered_municipalities),
        total_municipalities: format::thousands(s.totals.municipalities),
        covered_population: format::thousands(s.totals.covered_population),
        total_population: format::thousands(s.totals.population),
        provinces: province_rows(&s.provinces),
        sentence: sentence(s, comparison.as_ref()),
        comparison,
        map,
        partnerships: s
            .partnerships
            .iter()
            .map(|p| PartnershipRow {
                id: p.partnership_id,
                name: p.name.clone(),
                fill: fill_of(p.partnership_id),
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
                partnership: name_of(m).unwrap_or("niet gedekt").to_string(),
            })
            .collect(),
        any_demo: s.partnerships.iter().any(|p| p.is_demo),
        is_staff: false,
        period,
        year,
    })
}
