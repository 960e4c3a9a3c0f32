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
//! Real and simulated amounts come from the same pure function, [`rule::distribute`], once
//! with the stored rule and envelope and once with the scenario's.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;

use super::db;
use super::rule::{self, Area, Band, Boundary, Distribution, Funding, Line, Member, Rule};
use crate::auth::StaffOnly;
use crate::error::{AppError, Result};
use crate::periods;
use crate::state::AppState;
use crate::web::money::{input_euro, parse_euro};
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/budget/simulatie", get(simulate))
}

/// Band rows the form shows at least (empty ones are ignored).
const BAND_ROWS: usize = 10;
/// More bands than this are not read: no rule needs them, and the page stays bounded.
const MAX_BANDS: usize = 30;
/// How many imagined werkingsgebieden the form offers.
const IMAGINED: usize = 3;
/// More inhabitants than this are typing errors (Flanders has fewer than seven million).
const MAX_INHABITANTS: i64 = 100_000_000;
const MAX_NAME: usize = 100;

/// The query string as name-value pairs, control characters taken out of the values (as
/// [`crate::web::extract::Query`] does), in their order: the bands are repeated pairs.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: &str) -> Self {
        Self(
            form_urlencoded::parse(raw.as_bytes())
                .map(|(name, value)| {
                    let value: String = value.chars().filter(|c| !c.is_control()).collect();
                    (name.into_owned(), value)
                })
                .collect(),
        )
    }

    /// The first value of `key`, trimmed.
    fn value(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim())
    }

    fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.trim())
    }
}

/// A form field as it is shown again: what was typed (or the real value), and why it was not
/// used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Field {
    value: String,
    error: Option<String>,
}

impl Field {
    fn ok(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            error: None,
        }
    }

    fn wrong(value: &str, message: impl Into<String>) -> Self {
        Self {
            value: value.to_string(),
            error: Some(message.into()),
        }
    }
}

/// One band row of the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct BandRow {
    lower: String,
    amount: String,
    error: Option<String>,
}

/// One imagined werkingsgebied's row of the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ImaginedRow {
    n: usize,
    name: String,
    inhabitants: Field,
    centre_city: Field,
}

/// The scenario as the form shows it again.
#[derive(Clone, Debug, Default)]
struct ScenarioForm {
    envelope: Field,
    boundary: Field,
    minimum: Field,
    cap_without: Field,
    cap_extra: Field,
    bands: Vec<BandRow>,
    /// Why the table of bands as a whole was not used, or what an empty one means.
    bands_error: Option<String>,
    imagined: Vec<ImaginedRow>,
}

/// What the URL asks to compute.
#[derive(Clone, Debug)]
struct Scenario {
    envelope: Option<i64>,
    rule: Rule,
    /// `None`: every werkingsgebied of the year takes part (the start state).
    chosen: Option<HashSet<i64>>,
    imagined: Vec<Area>,
    form: ScenarioForm,
}

impl Scenario {
    /// The real werkingsgebieden that take part, then the imagined ones.
    fn areas(&self, real: &[Area]) -> Vec<Area> {
        real.iter()
            .filter(|a| self.takes_part(a.id))
            .cloned()
            .chain(self.imagined.iter().cloned())
            .collect()
    }

    fn takes_part(&self, id: i64) -> bool {
        self.chosen.as_ref().is_none_or(|c| c.contains(&id))
    }
}

/// A euro amount (at most [`crate::web::money::MAX_CENTS`]).
fn amount(value: &str) -> Option<i64> {
    parse_euro(value)
}

/// A number of inhabitants as people type it: `60000`, `60.000` or `60 000`.
fn inhabitants(value: &str) -> Option<i64> {
    let digits: String = value
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n <= MAX_INHABITANTS)
}

const AMOUNT_MESSAGE: &str = "Vul een bedrag in euro in, zoals 50.000 of 50000,00 (hoogstens 1 miljard); de simulatie rekent met het werkelijke bedrag.";

/// A setting: absent or empty takes the real value, a wrong one gets a message and the real
/// value too.
fn setting(
    params: &Params,
    key: &str,
    real: i64,
    show: fn(i64) -> String,
    parse: fn(&str) -> Option<i64>,
    message: &str,
) -> (i64, Field) {
    match params.value(key) {
        None | Some("") => (real, Field::ok(show(real))),
        Some(typed) => match parse(typed) {
            Some(value) => (value, Field::ok(typed)),
            None => (real, Field::wrong(typed, message)),
        },
    }
}

/// Reads the scenario from the URL; every value it lacks, or cannot read, is the real one.
fn read(params: &Params, real: &Rule, real_envelope: Option<i64>) -> Scenario {
    let mut form = ScenarioForm::default();

    // An empty envelope is a choice: no envelope, so no ranking.
    let envelope = match params.value("envelop") {
        None => {
            form.envelope = Field::ok(real_envelope.map(input_euro).unwrap_or_default());
            real_envelope
        }
        Some("") => {
            form.envelope = Field::ok("");
            None
        }
        Some(typed) => match amount(typed) {
            Some(cents) => {
                form.envelope = Field::ok(typed);
                Some(cents)
            }
            None => {
                form.envelope = Field::wrong(
                    typed,
                    "Vul het budget in euro in, zoals 3.000.000 (hoogstens 1 miljard), of laat \
                     het veld leeg voor een simulatie zonder envelop; de simulatie rekent met de \
                     werkelijke envelop.",
                );
                real_envelope
            }
        },
    };

    let boundary = match params.value("grens") {
        None | Some("") => {
            form.boundary = Field::ok(real.boundary.code());
            real.boundary
        }
        Some(typed) => match Boundary::parse(typed) {
            Some(b) => {
                form.boundary = Field::ok(b.code());
                b
            }
            None => {
                form.boundary = Field::wrong(
                    real.boundary.code(),
                    "Kies de lagere of de hogere schijf; de simulatie volgt de regel.",
                );
                real.boundary
            }
        },
    };

    let (minimum, field) = setting(
        params,
        "minimum",
        real.min_population_partnership,
        format::thousands,
        inhabitants,
        "Vul een aantal inwoners in, zoals 60.000; de simulatie rekent met het minimum van de regel.",
    );
    form.minimum = field;
    let (cap_without, field) = setting(
        params,
        "plafond_zonder",
        real.cap_without_centre_city_cents,
        input_euro,
        amount,
        AMOUNT_MESSAGE,
    );
    form.cap_without = field;
    let (cap_extra, field) = setting(
        params,
        "plafond_extra",
        real.cap_centre_city_extra_cents,
        input_euro,
        amount,
        AMOUNT_MESSAGE,
    );
    form.cap_extra = field;

    let bands = read_bands(params, real, &mut form);
    let rule = Rule::new(
        real.population_year,
        real.unemployment_year,
        boundary,
        minimum,
        cap_without,
        cap_extra,
        bands,
    );

    let chosen = (params.value("sim") == Some("1")).then(|| {
        params
            .all("wg")
            .filter_map(|v| v.parse::<i64>().ok())
            .collect()
    });

    let mut imagined = Vec::new();
    for n in 1..=IMAGINED {
        let (row, area) = read_imagined(params, n);
        form.imagined.push(row);
        imagined.extend(area);
    }

    Scenario {
        envelope,
        rule,
        chosen,
        imagined,
        form,
    }
}

/// The bands from the repeated `ondergrens`/`schijfbedrag` pairs (empty pairs ignored). Without
/// any, or when one row is wrong, the rule's bands are used: a table missing a row would give
/// amounts nobody asked for.
fn read_bands(params: &Params, real: &Rule, form: &mut ScenarioForm) -> Vec<Band> {
    let lowers: Vec<&str> = params.all("ondergrens").collect();
    let amounts: Vec<&str> = params.all("schijfbedrag").collect();
    let shown = |bands: &[Band]| -> Vec<BandRow> {
        bands
            .iter()
            .map(|b| BandRow {
                lower: format::thousands(b.lower_bound),
                amount: input_euro(b.amount_cents),
                error: None,
            })
            .collect()
    };
    let bands = if lowers.is_empty() && amounts.is_empty() {
        form.bands = shown(real.bands());
        real.bands().to_vec()
    } else {
        let mut bands: Vec<Band> = Vec::new();
        let mut wrong = false;
        let pairs = lowers.len().max(amounts.len());
        for i in 0..pairs {
            let lower = lowers.get(i).copied().unwrap_or("");
            let money = amounts.get(i).copied().unwrap_or("");
            if lower.is_empty() && money.is_empty() {
                continue;
            }
            let mut row = BandRow {
                lower: lower.to_string(),
                amount: money.to_string(),
                error: None,
            };
            match (inhabitants(lower), amount(money)) {
                (Some(lower_bound), Some(amount_cents)) => {
                    if bands.iter().any(|b| b.lower_bound == lower_bound) {
                        row.error = Some(format!(
                            "Er begint al een schijf bij {} inwoners.",
                            format::thousands(lower_bound)
                        ));
                        wrong = true;
                    } else {
                        bands.push(Band {
                            lower_bound,
                            amount_cents,
                        });
                    }
                }
                (None, _) => {
                    row.error = Some(
                        "Vul de ondergrens in als aantal inwoners, zoals 80.000, of laat de rij leeg."
                            .into(),
                    );
                    wrong = true;
                }
                (_, None) => {
                    row.error = Some(
                        "Vul het bedrag van de schijf in euro in, zoals 50.000, of laat de rij leeg."
                            .into(),
                    );
                    wrong = true;
                }
            }
            form.bands.push(row);
            if form.bands.len() == MAX_BANDS {
                if (i + 1..pairs).any(|j| {
                    !lowers.get(j).copied().unwrap_or("").is_empty()
                        || !amounts.get(j).copied().unwrap_or("").is_empty()
                }) {
                    form.bands_error = Some(format!(
                        "Hoogstens {MAX_BANDS} schijven; de rest is niet meegerekend."
                    ));
                }
                break;
            }
        }
        if wrong {
            form.bands_error = Some(
                "Niet elke schijf is geldig: de simulatie rekent met de schijven van de regel \
                 tot de fout verbeterd is."
                    .into(),
            );
            real.bands().to_vec()
        } else {
            if bands.is_empty() {
                form.bands_error =
                    Some("Zonder schijven komt geen enkel werkingsgebied in aanmerking.".into());
            }
            bands
        }
    };
    let rows = BAND_ROWS.max(form.bands.len() + 1);
    form.bands.resize(rows, BandRow::default());
    bands
}

/// Imagined werkingsgebied `n`: its row as shown, and the area when its inhabitants are known.
/// The rule needs members: a centrumstad alone is one member, a centrumstad with others two, and
/// a partnership without centrumstad two (one municipality alone would not be eligible).
fn read_imagined(params: &Params, n: usize) -> (ImaginedRow, Option<Area>) {
    let name: String = params
        .value(&format!("nieuw_naam_{n}"))
        .unwrap_or("")
        .chars()
        .take(MAX_NAME)
        .collect();
    let people = params.value(&format!("nieuw_inwoners_{n}")).unwrap_or("");
    let centre = params
        .value(&format!("nieuw_centrumstad_{n}"))
        .unwrap_or("");
    let mut row = ImaginedRow {
        n,
        name: name.clone(),
        inhabitants: Field::ok(people),
        centre_city: Field::ok(centre),
    };
    if name.is_empty() && people.is_empty() && centre.is_empty() {
        return (row, None);
    }
    let Some(total) = inhabitants(people).filter(|p| *p > 0) else {
        row.inhabitants = Field::wrong(
            people,
            "Vul het aantal inwoners in, zoals 75.000; zonder telt dit werkingsgebied niet mee.",
        );
        return (row, None);
    };
    let city = match centre {
        "" => None,
        typed => match inhabitants(typed).filter(|c| (1..=total).contains(c)) {
            Some(city) => Some(city),
            None => {
                row.centre_city = Field::wrong(
                    typed,
                    "Vul de inwoners van de centrumstad in (hoogstens het totaal), of laat leeg; \
                     nu telt het als werkingsgebied zonder centrumstad.",
                );
                None
            }
        },
    };
    let name = if name.is_empty() {
        format!("Nieuw werkingsgebied {n}")
    } else {
        name
    };
    let member = |name: String, population: i64, centre_city: bool| Member {
        name,
        population: Some(population),
        centre_city,
        unemployment_bp: None,
    };
    let members = match city {
        Some(city) if city == total => vec![member(name.clone(), city, true)],
        Some(city) => vec![
            member(name.clone(), city, true),
            member("overige gemeenten".into(), total - city, false),
        ],
        None => vec![
            member("gemeenten (deel 1)".into(), total / 2, false),
            member("gemeenten (deel 2)".into(), total - total / 2, false),
        ],
    };
    let area = Area {
        // Negative: never a werkingsgebied's id.
        id: -(n as i64),
        name,
        demo: false,
        members,
    };
    (row, Some(area))
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

/// `€ +25.000,00`, `€ -25.000,00`, `€ 0,00`.
fn signed(cents: i64) -> String {
    if cents > 0 {
        format!("€ +{}", format::euro(cents).trim_start_matches("€ "))
    } else {
        format::euro(cents)
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
                Funding::Funded => (format::euro(l.funded_cents()), String::new()),
                Funding::Outside(_) => (
                    format::euro(0),
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
    simulated: Cell,
    difference: String,
    changed: bool,
    rank: String,
    explanation: String,
}

fn rows(
    areas: &[Area],
    scenario: &Scenario,
    real: &Distribution,
    sim: &Distribution,
) -> Vec<AreaRow> {
    let real_lines: HashMap<i64, &Line> = real.lines.iter().map(|l| (l.area.id, l)).collect();
    let row = |area: &Area, sim_line: Option<&Line>| {
        let real_line = real_lines.get(&area.id).copied();
        let imagined = area.id < 0;
        let taking_part = sim_line.is_some();
        let (difference, moved) = match (received(sim_line), received(real_line)) {
            (Some(s), Some(r)) => (signed(s - r), s != r),
            _ => ("onbekend".to_string(), false),
        };
        let explanation = match (sim_line, real_line) {
            (Some(l), _) => match &l.funding {
                Funding::Outside(why) => format!("{}; {why}", l.proposal.explanation()),
                _ => l.proposal.explanation(),
            },
            (None, Some(l)) => format!("werkelijk: {}", l.proposal.explanation()),
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
        real: r.map_or_else(|| none.to_string(), format::euro),
        simulated: s.map_or_else(|| none.to_string(), format::euro),
        change: match (r, s) {
            (Some(r), Some(s)) => signed(s - r),
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
        rows: rows(&areas, &scenario, &real, &simulated),
        any_demo: areas.iter().any(|a| a.demo),
        real_short: real.short,
        simulated_short: simulated.short,
        ranked_without_rate: simulated.ranked_without_rate.clone(),
        form: scenario.form,
    };
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> Rule {
        crate::budget::rule::published_2020()
    }

    fn read_query(query: &str) -> Scenario {
        read(&Params::parse(query), &rule(), Some(300_000_000))
    }

    #[test]
    fn without_parameters_the_scenario_is_the_real_rule_and_envelope() {
        let s = read_query("");
        assert_eq!(s.rule, rule());
        assert_eq!(s.envelope, Some(300_000_000));
        assert!(s.chosen.is_none() && s.imagined.is_empty());
        assert_eq!(s.form.envelope.value, "3.000.000");
        assert_eq!(s.form.cap_without.value, "50.000");
        assert_eq!(s.form.minimum.value, "60.000");
        assert_eq!(s.form.bands[1].lower, "80.000");
        assert_eq!(s.form.bands.len(), BAND_ROWS);
    }

    #[test]
    fn the_form_shows_amounts_it_reads_back() {
        for cents in [0, 5, 2_500_000, 222_500_007, 300_000_000] {
            assert_eq!(parse_euro(&input_euro(cents)), Some(cents), "{cents}");
        }
        assert_eq!(inhabitants("60.000"), Some(60_000));
        assert_eq!(inhabitants("60 000"), Some(60_000));
        assert_eq!(inhabitants("-5"), None);
        assert_eq!(inhabitants("6e4"), None);
        assert_eq!(signed(2_500_000), "€ +25.000,00");
        assert_eq!(signed(-2_500_000), "€ -25.000,00");
        assert_eq!(signed(0), "€ 0,00");
    }

    #[test]
    fn settings_bands_and_werkingsgebieden_come_from_the_url() {
        let s = read_query(
            "sim=1&envelop=1.000.000&grens=hogere_schijf&minimum=50000&plafond_zonder=40.000\
             &plafond_extra=10000&ondergrens=0&schijfbedrag=20000&ondergrens=&schijfbedrag=\
             &ondergrens=100.000&schijfbedrag=60.000&wg=4&wg=7&wg=x",
        );
        assert_eq!(s.envelope, Some(100_000_000));
        assert_eq!(s.rule.boundary, Boundary::HogereSchijf);
        assert_eq!(s.rule.min_population_partnership, 50_000);
        assert_eq!(s.rule.cap_without_centre_city_cents, 4_000_000);
        assert_eq!(s.rule.cap_centre_city_extra_cents, 1_000_000);
        assert_eq!(
            s.rule.bands(),
            &[
                Band {
                    lower_bound: 0,
                    amount_cents: 2_000_000
                },
                Band {
                    lower_bound: 100_000,
                    amount_cents: 6_000_000
                }
            ]
        );
        assert_eq!(s.rule.population_year, 2020, "stays the rule's");
        assert_eq!(s.chosen, Some(HashSet::from([4, 7])));
        assert!(s.form.bands_error.is_none());
    }

    #[test]
    fn wrong_values_get_a_dutch_message_and_the_real_value() {
        let s = read_query(
            "envelop=veel&grens=midden&minimum=-1&plafond_zonder=1,234&plafond_extra=2e9\
             &ondergrens=0&schijfbedrag=abc",
        );
        assert_eq!(s.rule, rule());
        assert_eq!(s.envelope, Some(300_000_000));
        for field in [
            &s.form.envelope,
            &s.form.boundary,
            &s.form.minimum,
            &s.form.cap_without,
            &s.form.cap_extra,
        ] {
            assert!(field.error.is_some(), "{field:?}");
        }
        assert_eq!(s.form.envelope.value, "veel", "kept as typed");
        assert!(s.form.bands[0].error.as_deref().unwrap().contains("bedrag"));
        assert!(s.form.bands_error.is_some());
        // An amount beyond a billion euro is refused too.
        let big = read_query("envelop=99999999999999");
        assert!(big.form.envelope.error.is_some());
        // An empty envelope means: none.
        assert_eq!(read_query("envelop=").envelope, None);
    }

    #[test]
    fn a_band_starting_twice_falls_back_to_the_rules_bands() {
        let s = read_query("ondergrens=0&schijfbedrag=1&ondergrens=0&schijfbedrag=2");
        assert_eq!(s.rule.bands(), rule().bands());
        assert!(s.form.bands[1].error.is_some());
    }

    #[test]
    fn imagined_werkingsgebieden_are_shaped_so_the_rule_applies() {
        let s = read_query(
            "nieuw_naam_1=Nieuwe+regio&nieuw_inwoners_1=100.000\
             &nieuw_naam_2=Stad&nieuw_inwoners_2=90000&nieuw_centrumstad_2=90000\
             &nieuw_inwoners_3=300000&nieuw_centrumstad_3=86000",
        );
        assert_eq!(s.imagined.len(), 3);
        let amounts: Vec<Option<i64>> = s
            .imagined
            .iter()
            .map(|a| rule::propose(&s.rule, a).amount_cents)
            .collect();
        // 100.000 without centrumstad: 50.000; a centrumstad of 90.000 alone: 50.000;
        // 300.000 with a centrumstad of 86.000: 125.000 capped at 50.000 + 50.000.
        assert_eq!(
            amounts,
            vec![Some(5_000_000), Some(5_000_000), Some(10_000_000)]
        );
        assert_eq!(s.imagined[2].name, "Nieuw werkingsgebied 3");
        assert!(s.imagined.iter().all(|a| a.id < 0));
    }

    #[test]
    fn a_wrong_imagined_werkingsgebied_gets_a_message() {
        let s = read_query("nieuw_naam_1=Leeg&nieuw_inwoners_2=80000&nieuw_centrumstad_2=90000");
        assert!(s.form.imagined[0].inhabitants.error.is_some());
        assert!(s.form.imagined[1].centre_city.error.is_some());
        // The second still counts, without centrumstad.
        assert_eq!(s.imagined.len(), 1);
        assert!(!s.imagined[0].has_centre_city());
    }

    #[test]
    fn the_year_is_asked_else_the_current_else_the_latest() {
        let years = [2020, 2021, 2022, 2023, 2024, 2025];
        assert_eq!(choose_year(&years, None, 2024), Some((2024, None)));
        assert_eq!(choose_year(&years, None, 2030), Some((2025, None)));
        assert_eq!(choose_year(&years, Some("2021"), 2030), Some((2021, None)));
        let (year, message) = choose_year(&years, Some("1999"), 2024).unwrap();
        assert_eq!(year, 2024);
        assert!(message.unwrap().contains("2020-2025"));
        assert_eq!(choose_year(&[], None, 2024), None);
    }
}
