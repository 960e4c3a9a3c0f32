//! The what-if simulator (ministry staff and admins): the coverage figures and map for a chosen
//! set of municipalities, without saving anything.
//!
//! Route: `GET /dekking/simulatie?periode=&sim=1&gedekt=..&zoek=`. The municipalities are
//! listed per province; `zoek` narrows the list (by name, province or NIS code) while the
//! municipalities it hides stay chosen as hidden fields, so filtering works without a script.

use std::collections::{BTreeMap, HashSet};

use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;

use super::compute::{self, Municipality};
use super::map::{self, LegendItem, MapView};
use super::{ProvinceRow, db, province_rows, words};
use crate::auth::StaffOnly;
use crate::error::{AppError, Result};
use crate::periods::{self, Period};
use crate::reference::Reference;
use crate::state::AppState;
use crate::web::layout::Layout;
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/dekking/simulatie", get(simulate))
}

/// A municipality in the simulation, compared with the real coverage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// Covered now and in the simulation.
    Covered,
    /// Not covered now, covered in the simulation.
    Added,
    /// Covered now, not in the simulation.
    Removed,
    /// Covered neither now nor in the simulation.
    Uncovered,
}

impl Status {
    const ALL: [Self; 4] = [Self::Covered, Self::Added, Self::Removed, Self::Uncovered];

    fn of(covered_now: bool, simulated: bool) -> Self {
        match (covered_now, simulated) {
            (true, true) => Self::Covered,
            (false, true) => Self::Added,
            (true, false) => Self::Removed,
            (false, false) => Self::Uncovered,
        }
    }

    /// What the simulation changed: the list marks these.
    fn is_change(self) -> bool {
        matches!(self, Self::Added | Self::Removed)
    }

    /// The words after a municipality's name, on the map and in the list.
    fn label(self) -> &'static str {
        match self {
            Self::Covered => "gedekt",
            Self::Added => "toegevoegd",
            Self::Removed => "weggelaten",
            Self::Uncovered => "niet gedekt",
        }
    }

    fn fill(self) -> &'static str {
        match self {
            Self::Covered => "#4e79a7",
            Self::Added => "#009e73",
            Self::Removed => "#d55e00",
            Self::Uncovered => map::UNCOVERED,
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Self::Covered => "gedekt (nu)",
            Self::Added => "toegevoegd in de simulatie",
            Self::Removed => "weggelaten in de simulatie",
            Self::Uncovered => "niet gedekt",
        }
    }
}

/// One municipality's checkbox in the simulator's list.
struct SimulationRow {
    nis_code: String,
    name: String,
    population: String,
    selected: bool,
    status: Status,
}

/// A province's municipalities in the list (alphabetical), with how many are ticked.
struct ProvinceGroup {
    province: String,
    rows: Vec<SimulationRow>,
    ticked: String,
}

/// Whether `m` matches the (lowercased, trimmed) filter; everything matches an empty one.
fn matches(m: &Municipality, filter: &str) -> bool {
    filter.is_empty()
        || m.name.to_lowercase().contains(filter)
        || m.province.to_lowercase().contains(filter)
        || m.nis_code == filter
}

/// The list grouped by province (alphabetical, as `municipalities`' names are).
fn groups(
    municipalities: &[Municipality],
    filter: &str,
    row: impl Fn(&Municipality) -> SimulationRow,
) -> Vec<ProvinceGroup> {
    let mut by_province: BTreeMap<&str, Vec<SimulationRow>> = BTreeMap::new();
    for m in municipalities.iter().filter(|m| matches(m, filter)) {
        by_province.entry(&m.province).or_default().push(row(m));
    }
    by_province
        .into_iter()
        .map(|(province, rows)| {
            let ticked = rows.iter().filter(|r| r.selected).count() as i64;
            ProvinceGroup {
                province: province.to_string(),
                ticked: format!("{} van {} aangevinkt", ticked, rows.len()),
                rows,
            }
        })
        .collect()
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
    map: MapView,
    /// The filter as typed.
    filter: String,
    groups: Vec<ProvinceGroup>,
    /// "12 gemeenten van de 300" when a filter hides some.
    shown: Option<String>,
    /// Chosen municipalities the filter hides: sent along as hidden fields.
    hidden: Vec<String>,
}

/// The form sends every municipality it counts as covered (`gedekt`), so a bookmark reproduces
/// the scenario. Without `sim=1` the simulation starts from the real coverage.
async fn simulate(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    reference: Reference,
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
    let all = reference.periods(&state.db).await?;
    let period = periods::choose(&all, value("periode").and_then(|v| v.parse().ok()))
        .ok_or(AppError::NotFound)?
        .clone();
    let year = period.population_year;
    let snapshot = db::cached_snapshot(&reference, &state.db, &period, year).await?;
    let municipalities = &snapshot.municipalities;
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
    // "Filter wissen" shows the whole list again, keeping the choice.
    let filter = match value("wis") {
        Some(_) => String::new(),
        None => value("zoek").unwrap_or_default().trim().to_string(),
    };
    let needle = filter.to_lowercase();
    let is_chosen = |m: &Municipality| chosen.contains(m.nis_code.as_str());
    let status = |m: &Municipality| Status::of(m.partnership_id.is_some(), is_chosen(m));
    let (actual, _) = compute::totals(municipalities, |m| m.partnership_id.is_some());
    let (simulated, provinces) = compute::totals(municipalities, is_chosen);
    let names_with = |wanted: Status| -> Vec<String> {
        municipalities
            .iter()
            .filter(|m| status(m) == wanted)
            .map(|m| m.name.clone())
            .collect()
    };

    let geometry = map::geometry(&reference, &state.db, &period.vintage).await?;
    let legend = Status::ALL
        .iter()
        .map(|s| LegendItem {
            fill: s.fill(),
            label: s.legend().into(),
        })
        .collect();
    let map = MapView::paint(
        &geometry,
        municipalities,
        |m| {
            let s = status(m);
            (s.fill(), s.label())
        },
        legend,
    );

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
        added: names_with(Status::Added),
        removed: names_with(Status::Removed),
        provinces: province_rows(&provinces),
        map,
        groups: groups(municipalities, &needle, |m| SimulationRow {
            nis_code: m.nis_code.clone(),
            name: m.name.clone(),
            population: format::thousands(m.population),
            selected: is_chosen(m),
            status: status(m),
        }),
        shown: (!needle.is_empty()).then(|| {
            let shown = municipalities
                .iter()
                .filter(|m| matches(m, &needle))
                .count();
            format!(
                "{} van de {}",
                words::count(shown as i64, "gemeente", "gemeenten"),
                format::thousands(municipalities.len() as i64)
            )
        }),
        hidden: municipalities
            .iter()
            .filter(|m| is_chosen(m) && !matches(m, &needle))
            .map(|m| m.nis_code.clone())
            .collect(),
        filter,
        period,
        year,
    };
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulation_marks_only_what_it_changed() {
        assert_eq!(Status::of(false, true), Status::Added);
        assert_eq!(Status::of(true, false), Status::Removed);
        assert!(!Status::of(true, true).is_change());
        assert!(!Status::of(false, false).is_change());
        assert!(Status::Added.is_change() && Status::Removed.is_change());
    }

    #[test]
    fn the_filter_matches_name_province_or_nis_code() {
        let gent = Municipality {
            nis_code: "44021".into(),
            name: "Gent".into(),
            province: "Oost-Vlaanderen".into(),
            population: 1,
            partnership_id: None,
        };
        for filter in ["", "gen", "oost-vl", "44021"] {
            assert!(matches(&gent, filter), "{filter}");
        }
        assert!(!matches(&gent, "kortrijk"));
        assert!(!matches(&gent, "4402"), "a NIS code matches whole");
    }
}
