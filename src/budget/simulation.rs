//! The what-if (ministry staff and admins): one year's allocation under another envelope, other
//! bands, caps or minimum, with werkingsgebieden dropped or imagined, next to the real
//! computation. Nothing is saved and nothing is written: the URL holds the whole scenario, so a
//! bookmark reproduces it (like the coverage simulator, `sim=1` tells a submitted scenario from
//! the start state, in which every werkingsgebied of the year takes part).
//!
//! Route: `GET /budget/simulatie` with `jaar`, `sim=1`, `envelop`, `grens`, `minimum`,
//! `plafond_zonder`, `plafond_extra`, repeated `ondergrens`/`schijfbedrag` pairs, `wg=<id>` per
//! werkingsgebied taking part and `nieuw_naam_N`, `nieuw_inwoners_N`, `nieuw_centrumstad_N`
//! (N = 1..3) for imagined ones. A parameter that is absent takes the real value; one that does
//! not parse gets a Dutch message beside its field and the real value is used instead.
//!
//! The amounts "volgens de regel" and the simulated ones come from the same pure function,
//! [`rule::distribute`], once with the stored rule and envelope and once with the scenario's.
//! Beside them stands what is "toegekend": the allocation in force, which an admin may have
//! fixed at another amount than the rule's (with a motivation), so the two are not the same.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;

use super::db::{self, Allocation};
use super::rule::{self, Area, Boundary, Distribution, Funding, Line, Rule};
use crate::auth::StaffOnly;
use crate::error::{AppError, Result};
use crate::periods;
use crate::state::AppState;
use crate::web::{format, render};

mod scenario;

use scenario::*;

pub fn router() -> Router<AppState> {
    Router::new().route("/budget/simulatie", get(simulate))
}

/// The year to show: the one asked for if it has a policy period, else the current year if it
/// has one, else the latest that has one; with a message when the one asked for was not usable.
fn choose_year(years: &[i16], asked: Option<&str>, today: i16) -> Option<(i16, Option<String>)> {
    let default = if years.contains(&today) {
        today
    } else {
        *years.last()?
    };
    match asked {
        None | Some("") => Some((default, None)),
        Some(typed) => match typed.parse::<i16>() {
            Ok(year) if years.contains(&year) => Some((year, None)),
            _ => Some((
                default,
                Some(format!(
                    "Kies een jaar van een beleidsperiode ({}-{}); nu wordt {default} getoond.",
                    years.first().copied().unwrap_or(default),
                    years.last().copied().unwrap_or(default)
                )),
            )),
        },
    }
}

/// What a werkingsgebied receives: its amount when funded, nothing otherwise; `None` when no
/// amount can be computed.
fn received(line: Option<&Line>) -> Option<i64> {
    match line {
        None => Some(0),
        Some(l) if l.funding == Funding::Unknown => None,
        Some(l) => Some(l.funded_cents()),
    }
}

/// One side (real or simulated) of a werkingsgebied's row.
struct Cell {
    amount: String,
    note: String,
}

impl Cell {
    fn of(line: Option<&Line>, absent: &str) -> Self {
        let (amount, note) = match line {
            None => ("—".to_string(), absent.to_string()),
            Some(l) => match &l.funding {
                Funding::Funded => (format::euro_cents(l.funded_cents()), String::new()),
                Funding::Outside(_) => (
                    format::euro_cents(0),
                    format!(
                        "buiten het budget (berekend {})",
                        format::euro_cents(l.proposal.amount_cents.unwrap_or(0))
                    ),
                ),
                Funding::NotEligible => ("—".into(), "komt niet in aanmerking".into()),
                Funding::Unknown => ("—".into(), "niet te berekenen".into()),
            },
        };
        Self { amount, note }
    }
}

/// A werkingsgebied's row: real against simulated.
struct AreaRow {
    id: i64,
    name: String,
    demo: bool,
    imagined: bool,
    taking_part: bool,
    inhabitants: String,
    real: Cell,
    /// The allocation in force, or "—".
    allocated: String,
    simulated: Cell,
    difference: String,
    changed: bool,
    rank: String,
    explanation: String,
}

fn rows(
    areas: &[Area],
    scenario: &Scenario,
    (real, sim): (&Distribution, &Distribution),
    allocations: &BTreeMap<i64, Allocation>,
) -> Vec<AreaRow> {
    let real_lines: HashMap<i64, &Line> = real.lines.iter().map(|l| (l.area.id, l)).collect();
    let row = |area: &Area, sim_line: Option<&Line>| {
        let real_line = real_lines.get(&area.id).copied();
        let imagined = area.id < 0;
        let taking_part = sim_line.is_some();
        let (difference, moved) = match (received(sim_line), received(real_line)) {
            (Some(s), Some(r)) => (format::euro_change(s - r), s != r),
            _ => ("onbekend".to_string(), false),
        };
        let explanation = match (sim_line, real_line) {
            (Some(l), _) => match &l.funding {
                Funding::Outside(why) => format!("{}; {why}", l.proposal.explanation()),
                _ => l.proposal.explanation(),
            },
            (None, Some(l)) => format!("volgens de regel: {}", l.proposal.explanation()),
            (None, None) => String::new(),
        };
        AreaRow {
            id: area.id,
            name: area.name.clone(),
            demo: area.demo,
            imagined,
            taking_part,
            inhabitants: area
                .population()
                .map_or_else(|_| "onbekend".to_string(), format::thousands),
            real: Cell::of(real_line, if imagined { "bestaat niet" } else { "" }),
            allocated: allocations
                .get(&area.id)
                .map_or_else(|| "—".into(), |a| format::euro_cents(a.amount_cents)),
            simulated: Cell::of(sim_line, "weggelaten in de simulatie"),
            difference,
            changed: moved || imagined || !taking_part,
            rank: sim_line
                .and_then(|l| l.rank)
                .map(|r| r.to_string())
                .unwrap_or_default(),
            explanation,
        }
    };
    let mut out: Vec<AreaRow> = sim.lines.iter().map(|l| row(&l.area, Some(l))).collect();
    out.extend(
        areas
            .iter()
            .filter(|a| !scenario.takes_part(a.id))
            .map(|a| row(a, None)),
    );
    out
}

/// A line of the totals: real, simulated, the change.
struct TotalRow {
    id: &'static str,
    label: &'static str,
    real: String,
    simulated: String,
    change: String,
}

fn totals(real: &Distribution, sim: &Distribution) -> Vec<TotalRow> {
    let money = |id, label, r: Option<i64>, s: Option<i64>, none: &str| TotalRow {
        id,
        label,
        real: r.map_or_else(|| none.to_string(), format::euro_cents),
        simulated: s.map_or_else(|| none.to_string(), format::euro_cents),
        change: match (r, s) {
            (Some(r), Some(s)) => format::euro_change(s - r),
            _ => "—".into(),
        },
    };
    let count = |id, label, r: usize, s: usize| TotalRow {
        id,
        label,
        real: r.to_string(),
        simulated: s.to_string(),
        change: match s as i64 - r as i64 {
            d if d > 0 => format!("+{d}"),
            d => d.to_string(),
        },
    };
    let funded = |d: &Distribution| {
        d.lines
            .iter()
            .filter(|l| l.funding == Funding::Funded)
            .count()
    };
    let outside = |d: &Distribution| {
        d.lines
            .iter()
            .filter(|l| matches!(l.funding, Funding::Outside(_)))
            .count()
    };
    vec![
        money(
            "envelop",
            "Budget (envelop)",
            real.envelope_cents,
            sim.envelope_cents,
            "geen envelop",
        ),
        money(
            "regel",
            "Wat de regel vraagt (totaal)",
            Some(real.proposed_cents),
            Some(sim.proposed_cents),
            "",
        ),
        money(
            "gefinancierd",
            "Binnen het budget toegekend",
            Some(real.funded_cents),
            Some(sim.funded_cents),
            "",
        ),
        money(
            "ruimte",
            "Budget min wat de regel vraagt (negatief: tekort)",
            real.gap_cents(),
            sim.gap_cents(),
            "geen envelop",
        ),
        count(
            "aantal",
            "Werkingsgebieden met een bedrag",
            funded(real),
            funded(sim),
        ),
        count("buiten", "Buiten het budget", outside(real), outside(sim)),
    ]
}

/// A year in the year chooser.
struct YearOption {
    year: i16,
    selected: bool,
}

#[derive(Template)]
#[template(path = "budget/simulation.html")]
struct SimulationPage {
    layout: crate::web::layout::Layout,
    year: i16,
    years: Vec<YearOption>,
    year_error: Option<String>,
    /// The stored rule for the year: `name (first-last)`; `None` when no rule covers it.
    rule_name: Option<String>,
    population_year: i16,
    unemployment_year: i16,
    real_boundary: &'static str,
    real_envelope: String,
    real_minimum: String,
    real_cap_without: String,
    real_cap_extra: String,
    form: ScenarioForm,
    boundaries: Vec<(&'static str, &'static str)>,
    totals: Vec<TotalRow>,
    rows: Vec<AreaRow>,
    any_demo: bool,
    real_short: bool,
    simulated_short: bool,
    ranked_without_rate: Vec<String>,
    /// "€ 2.290.000,00 voor 39 werkingsgebieden": the allocations in force of the year.
    allocated: String,
}

async fn simulate(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let params = Params::parse(raw.as_deref().unwrap_or_default());
    let all = periods::list(&state.db).await?;
    let years = db::years(&all);
    let today = i16::try_from(chrono::Utc::now().year()).unwrap_or(i16::MAX);
    let (year, year_error) =
        choose_year(&years, params.value("jaar"), today).ok_or(AppError::NotFound)?;
    let period = db::period_of(&all, year).ok_or(AppError::NotFound)?;
    let rules = db::rules(&state.db).await?;
    let version = db::rule_for(&rules, year);
    // Without a stored rule the year has nothing to compare with: an empty rule (no bands)
    // makes that visible, and the simulation can still be filled in by hand.
    let real_rule = version.map_or_else(
        || {
            Rule::new(
                period.population_year,
                period.population_year,
                Boundary::LagereSchijf,
                0,
                0,
                0,
                Vec::new(),
            )
        },
        |v| v.rule.clone(),
    );
    let real_envelope = db::envelope(&state.db, year).await?.map(|e| e.amount_cents);
    let areas = db::areas(&state.db, period, &real_rule).await?;

    let allocations = db::current_allocations(&state.db, year).await?;
    let scenario = read(&params, &real_rule, real_envelope);
    let real = rule::distribute(&real_rule, areas.clone(), real_envelope);
    let simulated = rule::distribute(&scenario.rule, scenario.areas(&areas), scenario.envelope);

    let page = SimulationPage {
        layout: staff.layout(format!("Budget: simulatie {year}")).await?,
        years: years
            .iter()
            .map(|&y| YearOption {
                year: y,
                selected: y == year,
            })
            .collect(),
        year,
        year_error,
        rule_name: version.map(|v| format!("{} ({}-{})", v.name, v.first_year, v.last_year)),
        population_year: real_rule.population_year,
        unemployment_year: real_rule.unemployment_year,
        real_boundary: real_rule.boundary.label(),
        real_envelope: real_envelope.map_or_else(|| "geen envelop".into(), format::euro_cents),
        real_minimum: format::thousands(real_rule.min_population_partnership),
        real_cap_without: format::euro_cents(real_rule.cap_without_centre_city_cents),
        real_cap_extra: format::euro_cents(real_rule.cap_centre_city_extra_cents),
        boundaries: Boundary::ALL
            .iter()
            .map(|b| (b.code(), b.label()))
            .collect(),
        totals: totals(&real, &simulated),
        rows: rows(&areas, &scenario, (&real, &simulated), &allocations),
        allocated: format!(
            "{} voor {}",
            format::euro_cents(allocations.values().map(|a| a.amount_cents).sum()),
            format::count(
                allocations.len() as i64,
                "werkingsgebied",
                "werkingsgebieden"
            )
        ),
        any_demo: areas.iter().any(|a| a.demo),
        real_short: real.short,
        simulated_short: simulated.short,
        ranked_without_rate: simulated.ranked_without_rate.clone(),
        form: scenario.form,
    };
    render(&page)
}

#[cfg(test)]
mod tests;
