//! The form of a new rule version: its fields as typed and their validation, bands included.

use serde::Deserialize;

use crate::budget::db::RuleVersion;
use crate::budget::rule::Boundary;
use crate::web::format;
use crate::web::forms::{self, FieldErrors};
use crate::web::money::{input_euro, parse_euro};

/// The longest source or note (the database checks the same).
const MAX_TEXT: usize = 2000;

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub(super) struct RuleForm {
    pub(super) naam: String,
    pub(super) eerste_jaar: String,
    pub(super) laatste_jaar: String,
    pub(super) bevolkingsjaar: String,
    pub(super) werkloosheidsjaar: String,
    pub(super) grenswaarde: String,
    pub(super) minimum: String,
    pub(super) plafond_zonder: String,
    pub(super) plafond_extra: String,
    pub(super) bron: String,
    pub(super) toelichting: String,
    /// One band a line: `ondergrens;bedrag`.
    pub(super) schijven: String,
}

impl RuleForm {
    /// The form prefilled from `latest`, for the years after it.
    pub(super) fn from_latest(latest: Option<&RuleVersion>) -> Self {
        let Some(v) = latest else {
            return Self {
                grenswaarde: Boundary::LagereSchijf.code().into(),
                ..Self::default()
            };
        };
        let rule = &v.rule;
        let first = v.last_year.saturating_add(1);
        Self {
            naam: v.name.clone(),
            eerste_jaar: first.to_string(),
            laatste_jaar: first.saturating_add(v.last_year - v.first_year).to_string(),
            bevolkingsjaar: rule.population_year.to_string(),
            werkloosheidsjaar: rule.unemployment_year.to_string(),
            grenswaarde: rule.boundary.code().into(),
            minimum: format::thousands(rule.min_population_partnership),
            plafond_zonder: input_euro(rule.cap_without_centre_city_cents),
            plafond_extra: input_euro(rule.cap_centre_city_extra_cents),
            bron: v.source.clone(),
            toelichting: v.note.clone(),
            schijven: rule
                .bands()
                .iter()
                .map(|b| {
                    format!(
                        "{};{}",
                        format::thousands(b.lower_bound),
                        input_euro(b.amount_cents)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// A band as typed on one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct BandInput {
    pub(super) lower_bound: i32,
    pub(super) amount_cents: i64,
}

/// Reads the bands, one a line (`ondergrens;bedrag`); empty lines are skipped. Returns the
/// bands or a Dutch message per wrong line.
pub(super) fn parse_bands(text: &str) -> std::result::Result<Vec<BandInput>, Vec<String>> {
    let mut bands: Vec<(usize, BandInput)> = Vec::new();
    let mut wrong = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((lower, amount)) = line.split_once(';') else {
            wrong.push(format!(
                "Regel {number}: schrijf „ondergrens;bedrag”, bijvoorbeeld 80.000;50.000."
            ));
            continue;
        };
        let (lower, amount) = (lower.trim(), amount.trim());
        let lower_bound = match forms::parse_inhabitants(lower) {
            Some(n) => i32::try_from(n).ok(),
            None => None,
        };
        let Some(lower_bound) = lower_bound else {
            wrong.push(if lower.starts_with('-') {
                format!("Regel {number}: de ondergrens mag niet negatief zijn.")
            } else {
                format!(
                    "Regel {number}: „{lower}” is geen aantal inwoners (een geheel getal, bijvoorbeeld 80.000)."
                )
            });
            continue;
        };
        let Some(amount_cents) = parse_euro(amount) else {
            wrong.push(if amount.starts_with('-') {
                format!("Regel {number}: het bedrag mag niet negatief zijn.")
            } else {
                format!(
                    "Regel {number}: „{amount}” is geen bedrag in euro (bijvoorbeeld 50.000 of 50.000,00)."
                )
            });
            continue;
        };
        if let Some((earlier, _)) = bands.iter().find(|(_, b)| b.lower_bound == lower_bound) {
            wrong.push(format!(
                "Regel {number}: de ondergrens {} staat al op regel {earlier}; elke schijf heeft haar eigen ondergrens.",
                format::thousands(i64::from(lower_bound))
            ));
            continue;
        }
        bands.push((
            number,
            BandInput {
                lower_bound,
                amount_cents,
            },
        ));
    }
    if !wrong.is_empty() {
        return Err(wrong);
    }
    if bands.is_empty() {
        return Err(vec![
            "Geef minstens één schijf, één per regel: ondergrens;bedrag.".into(),
        ]);
    }
    let mut bands: Vec<BandInput> = bands.into_iter().map(|(_, b)| b).collect();
    bands.sort_by_key(|b| b.lower_bound);
    Ok(bands)
}

/// A checked form, ready to store.
pub(super) struct ValidRule {
    pub(super) name: String,
    pub(super) first_year: i16,
    pub(super) last_year: i16,
    pub(super) population_year: i16,
    pub(super) unemployment_year: i16,
    pub(super) boundary: Boundary,
    pub(super) minimum: i32,
    pub(super) cap_without_cents: i64,
    pub(super) cap_extra_cents: i64,
    pub(super) source: String,
    pub(super) note: String,
    pub(super) bands: Vec<BandInput>,
}

fn year(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str) -> Option<i16> {
    let year = value
        .trim()
        .parse::<i16>()
        .ok()
        .filter(|y| (2000..=2100).contains(y));
    if year.is_none() {
        errors.add(
            field,
            format!("Vul {label} in: een jaar tussen 2000 en 2100."),
        );
    }
    year
}

fn money(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str) -> Option<i64> {
    let cents = parse_euro(value);
    if cents.is_none() {
        errors.add(
            field,
            format!("Vul {label} in als bedrag in euro, bijvoorbeeld 50.000 (niet negatief)."),
        );
    }
    cents
}

fn long_text(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str) -> String {
    let value = value.trim().to_string();
    if value.chars().count() > MAX_TEXT {
        errors.add(
            field,
            format!("{label} mag hoogstens {MAX_TEXT} tekens lang zijn."),
        );
    }
    value
}

/// Checks the form; `population_years` are the years with population figures. Wrong band
/// lines come back one message each.
pub(super) fn validate(
    form: &RuleForm,
    population_years: &[i16],
) -> (Option<ValidRule>, FieldErrors, Vec<String>) {
    let mut errors = FieldErrors::new();
    let name = forms::text(&mut errors, "naam", "de naam", &form.naam, 200);
    let first_year = year(
        &mut errors,
        "eerste_jaar",
        "het eerste jaar",
        &form.eerste_jaar,
    );
    let last_year = year(
        &mut errors,
        "laatste_jaar",
        "het laatste jaar",
        &form.laatste_jaar,
    );
    if let (Some(first), Some(last)) = (first_year, last_year)
        && last < first
    {
        errors.add(
            "laatste_jaar",
            "Het laatste jaar mag niet voor het eerste jaar liggen.",
        );
    }
    let population_year = year(
        &mut errors,
        "bevolkingsjaar",
        "het bevolkingsjaar",
        &form.bevolkingsjaar,
    );
    if population_year.is_some_and(|y| !population_years.contains(&y)) {
        let known: Vec<String> = population_years.iter().map(i16::to_string).collect();
        errors.add(
            "bevolkingsjaar",
            format!(
                "Voor dat jaar zijn er geen bevolkingscijfers; kies {}.",
                if known.is_empty() {
                    "een jaar met cijfers".to_string()
                } else {
                    known.join(" of ")
                }
            ),
        );
    }
    let unemployment_year = year(
        &mut errors,
        "werkloosheidsjaar",
        "het jaar van de werkloosheidsgraad",
        &form.werkloosheidsjaar,
    );
    let boundary = Boundary::parse(form.grenswaarde.trim());
    if boundary.is_none() {
        errors.add("grenswaarde", "Kies bij welke schijf een grenswaarde telt.");
    }
    let minimum = forms::parse_inhabitants(&form.minimum).and_then(|n| i32::try_from(n).ok());
    if minimum.is_none() {
        errors.add(
            "minimum",
            "Vul het minimum aantal inwoners in als geheel getal, bijvoorbeeld 60.000.",
        );
    }
    let cap_without = money(
        &mut errors,
        "plafond_zonder",
        "het plafond zonder centrumstad",
        &form.plafond_zonder,
    );
    let cap_extra = money(
        &mut errors,
        "plafond_extra",
        "het plafond voor een centrumstad",
        &form.plafond_extra,
    );
    let source = long_text(&mut errors, "bron", "De bron", &form.bron);
    let note = long_text(
        &mut errors,
        "toelichting",
        "De toelichting",
        &form.toelichting,
    );
    let (bands, band_errors) = match parse_bands(&form.schijven) {
        Ok(bands) => (bands, Vec::new()),
        Err(wrong) => {
            let summary = if wrong.len() == 1 {
                wrong[0].clone()
            } else {
                format!(
                    "{} regels van de schijven kloppen niet; zie de lijst onder het tekstvak.",
                    wrong.len()
                )
            };
            errors.add("schijven", summary);
            (Vec::new(), wrong)
        }
    };
    let valid = match (
        first_year,
        last_year,
        population_year,
        unemployment_year,
        boundary,
        minimum,
        cap_without,
        cap_extra,
    ) {
        (
            Some(first_year),
            Some(last_year),
            Some(population_year),
            Some(unemployment_year),
            Some(boundary),
            Some(minimum),
            Some(cap_without_cents),
            Some(cap_extra_cents),
        ) if errors.is_empty() => Some(ValidRule {
            name,
            first_year,
            last_year,
            population_year,
            unemployment_year,
            boundary,
            minimum,
            cap_without_cents,
            cap_extra_cents,
            source,
            note,
            bands,
        }),
        _ => None,
    };
    (valid, errors, band_errors)
}
