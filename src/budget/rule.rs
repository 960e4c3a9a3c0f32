//! The allocation rule of the call (DOMAIN.md, "How the subsidy is sized"), as pure functions
//! over data: a rule version from the database or from the simulator's URL, and the
//! werkingsgebieden with their members. Every amount comes with the steps that led to it, in
//! Dutch, because a computed figure nobody can retrace is not one a ministry can publish.
//!
//! Money is whole cents (`i64`) throughout; rates are hundredths of a percent.

use serde::{Deserialize, Serialize};

use crate::web::format;

/// Where a population equal to a band's boundary falls. Stored as the enum `band_boundary`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "band_boundary", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// "tot en met": 80.000 inhabitants fall in the band that ends at 80.000.
    LagereSchijf,
    /// 80.000 inhabitants fall in the band that starts at 80.000.
    HogereSchijf,
}

impl Boundary {
    pub const ALL: [Self; 2] = [Self::LagereSchijf, Self::HogereSchijf];

    pub fn code(self) -> &'static str {
        match self {
            Self::LagereSchijf => "lagere_schijf",
            Self::HogereSchijf => "hogere_schijf",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.code() == code)
    }

    /// How the setting reads next to an amount.
    pub fn label(self) -> &'static str {
        match self {
            Self::LagereSchijf => "een grenswaarde telt bij de lagere schijf",
            Self::HogereSchijf => "een grenswaarde telt bij de hogere schijf",
        }
    }
}

/// A band starts at `lower_bound` inhabitants and runs to the next band's lower bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Band {
    pub lower_bound: i64,
    pub amount_cents: i64,
}

/// One version of the rule. `bands` are sorted by lower bound (see [`Rule::new`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub population_year: i16,
    pub unemployment_year: i16,
    pub boundary: Boundary,
    pub min_population_partnership: i64,
    pub cap_without_centre_city_cents: i64,
    pub cap_centre_city_extra_cents: i64,
    bands: Vec<Band>,
}

impl Rule {
    pub fn new(
        population_year: i16,
        unemployment_year: i16,
        boundary: Boundary,
        min_population_partnership: i64,
        cap_without_centre_city_cents: i64,
        cap_centre_city_extra_cents: i64,
        mut bands: Vec<Band>,
    ) -> Self {
        bands.sort_by_key(|b| b.lower_bound);
        bands.dedup_by_key(|b| b.lower_bound);
        Self {
            population_year,
            unemployment_year,
            boundary,
            min_population_partnership,
            cap_without_centre_city_cents,
            cap_centre_city_extra_cents,
            bands,
        }
    }

    pub fn bands(&self) -> &[Band] {
        &self.bands
    }

    /// The band a population falls in; `None` below the lowest band (or without bands).
    pub fn band_index(&self, population: i64) -> Option<usize> {
        let first = self.bands.first()?;
        if population < first.lower_bound {
            return None;
        }
        let started = match self.boundary {
            // A population equal to a boundary stays in the band below it (the first band
            // includes its own lower bound).
            Boundary::LagereSchijf => self
                .bands
                .iter()
                .filter(|b| b.lower_bound < population)
                .count()
                .max(1),
            Boundary::HogereSchijf => self
                .bands
                .iter()
                .filter(|b| b.lower_bound <= population)
                .count(),
        };
        Some(started - 1)
    }

    /// The band's range in words: `220.000-290.000`, `tot en met 80.000`, `meer dan 500.000`.
    pub fn band_label(&self, index: usize) -> String {
        let Some(band) = self.bands.get(index) else {
            return String::new();
        };
        let next = self.bands.get(index + 1).map(|b| b.lower_bound);
        let lower = format::thousands(band.lower_bound);
        match (index, next, self.boundary) {
            (0, Some(upper), Boundary::LagereSchijf) if band.lower_bound == 0 => {
                format!("tot en met {}", format::thousands(upper))
            }
            (0, Some(upper), Boundary::HogereSchijf) if band.lower_bound == 0 => {
                format!("minder dan {}", format::thousands(upper))
            }
            (_, Some(upper), _) => format!("{lower}-{}", format::thousands(upper)),
            (_, None, Boundary::LagereSchijf) if index > 0 => format!("meer dan {lower}"),
            (_, None, _) => format!("{lower} of meer"),
        }
    }
}

/// A member municipality as the rule sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// Inhabitants in the rule's population year; `None` when the figure is missing.
    pub population: Option<i64>,
    pub centre_city: bool,
    /// Unemployment rate in the rule's unemployment year, hundredths of a percent.
    pub unemployment_bp: Option<i64>,
}

/// A werkingsgebied (or, in the simulator, an imagined one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Area {
    pub id: i64,
    pub name: String,
    /// Demo data, labelled as such wherever it is shown.
    pub demo: bool,
    pub members: Vec<Member>,
}

impl Area {
    /// Total inhabitants, or the names of the members whose figure is missing.
    pub fn population(&self) -> Result<i64, Vec<&str>> {
        let missing: Vec<&str> = self
            .members
            .iter()
            .filter(|m| m.population.is_none())
            .map(|m| m.name.as_str())
            .collect();
        if missing.is_empty() && !self.members.is_empty() {
            Ok(self.members.iter().filter_map(|m| m.population).sum())
        } else {
            Err(missing)
        }
    }

    pub fn has_centre_city(&self) -> bool {
        self.members.iter().any(|m| m.centre_city)
    }

    /// The population-weighted average unemployment rate of the members (hundredths of a
    /// percent, rounded half up), or `None` when a member's rate or population is missing:
    /// a missing rate is never assumed.
    pub fn unemployment_bp(&self) -> Option<i64> {
        let mut weighted: i128 = 0;
        let mut people: i128 = 0;
        for m in &self.members {
            let (population, rate) = (m.population?, m.unemployment_bp?);
            weighted += i128::from(population) * i128::from(rate);
            people += i128::from(population);
        }
        if people == 0 {
            return None;
        }
        Some(((2 * weighted + people) / (2 * people)) as i64)
    }

    /// Members without a rate, for the page to name.
    pub fn missing_rates(&self) -> Vec<&str> {
        self.members
            .iter()
            .filter(|m| m.unemployment_bp.is_none())
            .map(|m| m.name.as_str())
            .collect()
    }
}

/// What the rule gives one werkingsgebied, with its steps in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// `None`: not eligible, or not computable (missing population).
    pub amount_cents: Option<i64>,
    pub eligible: bool,
    pub steps: Vec<String>,
}

impl Proposal {
    /// The steps as one line: `241.322 inwoners (2020) → schijf 220.000-290.000 → € 100.000,00;
    /// zonder centrumstad: plafond € 50.000,00`.
    pub fn explanation(&self) -> String {
        self.steps.join("; ")
    }
}

/// 7,35% for 735.
pub fn rate_label(bp: i64) -> String {
    format!("{},{:02}%", bp / 100, bp % 100)
}

/// The rule applied to one werkingsgebied.
pub fn propose(rule: &Rule, area: &Area) -> Proposal {
    let year = rule.population_year;
    let population = match area.population() {
        Ok(p) => p,
        Err(missing) => {
            let who = if missing.is_empty() {
                "het werkingsgebied heeft geen gemeenten".to_string()
            } else {
                format!("bevolking {year} ontbreekt voor {}", missing.join(", "))
            };
            return Proposal {
                amount_cents: None,
                eligible: true,
                steps: vec![format!("{who} → geen bedrag te berekenen")],
            };
        }
    };
    let inhabitants = format!("{} inwoners ({year})", format::thousands(population));
    let several = area.members.len() > 1;
    let not_eligible = |why: String| Proposal {
        amount_cents: None,
        eligible: false,
        steps: vec![format!("{inhabitants} → {why} → komt niet in aanmerking")],
    };
    if !several && !area.has_centre_city() {
        return not_eligible("één gemeente die geen centrumstad is".into());
    }
    if several && population < rule.min_population_partnership {
        return not_eligible(format!(
            "minder dan {} inwoners voor een samenwerkingsverband",
            format::thousands(rule.min_population_partnership)
        ));
    }
    let Some(index) = rule.band_index(population) else {
        return not_eligible("onder de laagste schijf".into());
    };
    let band_amount = rule.bands[index].amount_cents;
    let mut steps = vec![format!(
        "{inhabitants} → schijf {} → {}",
        rule.band_label(index),
        format::euro_cents(band_amount)
    )];
    let mut amount = band_amount;
    if !area.has_centre_city() {
        let cap = rule.cap_without_centre_city_cents;
        if amount > cap {
            amount = cap;
            steps.push(format!(
                "zonder centrumstad: plafond {}",
                format::euro_cents(cap)
            ));
        }
    } else if several {
        // With two centre cities (not seen in practice) the larger amount alone counts.
        let alone = area
            .members
            .iter()
            .filter(|m| m.centre_city)
            .filter_map(|m| {
                let p = m.population?;
                let band = rule.band_index(p).unwrap_or(0);
                Some((m, p, rule.bands[band].amount_cents))
            })
            .max_by_key(|(_, _, amount)| *amount);
        if let Some((city, city_population, alone_amount)) = alone {
            let cap = alone_amount + rule.cap_centre_city_extra_cents;
            if amount > cap {
                amount = cap;
                steps.push(format!(
                    "centrumstad {} alleen ({} inwoners) kreeg {}: plafond {} + {} = {}",
                    city.name,
                    format::thousands(city_population),
                    format::euro_cents(alone_amount),
                    format::euro_cents(alone_amount),
                    format::euro_cents(rule.cap_centre_city_extra_cents),
                    format::euro_cents(cap)
                ));
            }
        }
    } else {
        steps.push("centrumstad alleen".into());
    }
    Proposal {
        amount_cents: Some(amount),
        eligible: true,
        steps,
    }
}

/// Where a werkingsgebied stands after the envelope is shared out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Funding {
    /// Gets its amount.
    Funded,
    /// Eligible, but the envelope ran out before its turn; the words say why.
    Outside(String),
    NotEligible,
    /// No amount could be computed (missing population).
    Unknown,
}

/// One werkingsgebied's line in a distribution.
#[derive(Clone, Debug)]
pub struct Line {
    pub area: Area,
    pub proposal: Proposal,
    pub unemployment_bp: Option<i64>,
    /// 1-based place in the ranking; only when the envelope is short.
    pub rank: Option<usize>,
    pub funding: Funding,
}

impl Line {
    /// What it gets from the envelope: its amount when funded, else nothing.
    pub fn funded_cents(&self) -> i64 {
        match self.funding {
            Funding::Funded => self.proposal.amount_cents.unwrap_or(0),
            _ => 0,
        }
    }
}

/// The rule applied to every werkingsgebied of a year, against that year's envelope.
#[derive(Clone, Debug)]
pub struct Distribution {
    /// In the areas' order when the envelope suffices, in ranking order when it is short.
    pub lines: Vec<Line>,
    /// The sum of every computed amount: what the rule asks for.
    pub proposed_cents: i64,
    /// The sum of what the funded ones get.
    pub funded_cents: i64,
    pub envelope_cents: Option<i64>,
    /// Whether the ranking had to be applied.
    pub short: bool,
    /// Names of the werkingsgebieden whose place in the ranking rests on a missing rate.
    pub ranked_without_rate: Vec<String>,
}

impl Distribution {
    /// Envelope minus what the rule asks for: positive is money the rule leaves unused.
    pub fn gap_cents(&self) -> Option<i64> {
        self.envelope_cents.map(|e| e - self.proposed_cents)
    }
}

/// Applies the rule to every area and, when the envelope cannot pay all that the rule asks for,
/// the published ranking: werkingsgebieden with a centrumstad first, then the others by their
/// average unemployment rate, highest first. Areas are served strictly in that order: once one
/// does not fit, it and everyone after it fall outside (skipping ahead to a smaller amount
/// would break the order the call prescribes). A missing rate ranks last, and is named.
pub fn distribute(rule: &Rule, areas: Vec<Area>, envelope_cents: Option<i64>) -> Distribution {
    let mut lines: Vec<Line> = areas
        .into_iter()
        .map(|area| {
            let proposal = propose(rule, &area);
            let funding = match (proposal.eligible, proposal.amount_cents) {
                (false, _) => Funding::NotEligible,
                (true, None) => Funding::Unknown,
                (true, Some(_)) => Funding::Funded,
            };
            Line {
                unemployment_bp: area.unemployment_bp(),
                area,
                proposal,
                rank: None,
                funding,
            }
        })
        .collect();
    let proposed_cents: i64 = lines.iter().filter_map(|l| l.proposal.amount_cents).sum();
    let short = envelope_cents.is_some_and(|e| proposed_cents > e);
    let mut ranked_without_rate = Vec::new();
    if let (true, Some(envelope)) = (short, envelope_cents) {
        lines.sort_by(|a, b| {
            let key = |l: &Line| {
                (
                    l.funding != Funding::Funded,
                    !l.area.has_centre_city(),
                    std::cmp::Reverse(l.unemployment_bp.map_or(i64::MIN, |r| r)),
                )
            };
            key(a)
                .cmp(&key(b))
                .then_with(|| a.area.name.cmp(&b.area.name))
        });
        let mut remaining = envelope;
        let mut ran_out: Option<usize> = None;
        for (i, line) in lines.iter_mut().enumerate() {
            if line.funding != Funding::Funded {
                continue;
            }
            let rank = i + 1;
            line.rank = Some(rank);
            if line.unemployment_bp.is_none() && !line.area.has_centre_city() {
                ranked_without_rate.push(line.area.name.clone());
            }
            let amount = line.proposal.amount_cents.unwrap_or(0);
            match ran_out {
                None if amount <= remaining => remaining -= amount,
                None => {
                    ran_out = Some(rank);
                    line.funding = Funding::Outside(format!(
                        "rang {rank}: na de vorige blijft {} over, te weinig voor {}",
                        format::euro_cents(remaining),
                        format::euro_cents(amount)
                    ));
                }
                Some(first) => {
                    line.funding = Funding::Outside(format!(
                        "rang {rank}: het budget is op vanaf rang {first}"
                    ));
                }
            }
        }
    }
    let funded_cents = lines.iter().map(Line::funded_cents).sum();
    Distribution {
        lines,
        proposed_cents,
        funded_cents,
        envelope_cents,
        short,
        ranked_without_rate,
    }
}

/// The 2020-2025 rule as DOMAIN.md gives it, for tests.
#[cfg(test)]
pub fn published_2020() -> Rule {
    let bands = [
        (0, 25_000),
        (80_000, 50_000),
        (150_000, 75_000),
        (220_000, 100_000),
        (290_000, 125_000),
        (360_000, 150_000),
        (430_000, 175_000),
        (500_000, 200_000),
    ]
    .into_iter()
    .map(|(lower_bound, euros)| Band {
        lower_bound,
        amount_cents: euros * 100,
    })
    .collect();
    Rule::new(
        2020,
        2020,
        Boundary::LagereSchijf,
        60_000,
        5_000_000,
        5_000_000,
        bands,
    )
}

#[cfg(test)]
mod tests;
