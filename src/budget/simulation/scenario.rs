//! The what-if's scenario: what the URL asks to compute, read leniently (a value that is
//! missing or wrong takes the real one and, when wrong, a message), and the form that shows it
//! again.

use std::collections::HashSet;

use super::super::rule::{Area, Band, Boundary, Member, Rule};
use crate::web::money::{input_euro, parse_euro};
use crate::web::{format, forms};

/// Band rows the form shows at least (empty ones are ignored).
pub(super) const BAND_ROWS: usize = 10;
/// More bands than this are not read: no rule needs them, and the page stays bounded.
pub(super) const MAX_BANDS: usize = 30;
/// How many imagined werkingsgebieden the form offers.
pub(super) const IMAGINED: usize = 3;
pub(super) const MAX_NAME: usize = 100;

/// The query string as name-value pairs, control characters taken out of the values (as
/// [`crate::web::extract::Query`] does), in their order: the bands are repeated pairs.
pub(super) struct Params(pub(super) Vec<(String, String)>);

impl Params {
    pub(super) fn parse(raw: &str) -> Self {
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
    pub(super) fn value(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim())
    }

    pub(super) fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.trim())
    }
}

/// A form field as it is shown again: what was typed (or the real value), and why it was not
/// used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Field {
    pub(super) value: String,
    pub(super) error: Option<String>,
}

impl Field {
    pub(super) fn ok(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            error: None,
        }
    }

    pub(super) fn wrong(value: &str, message: impl Into<String>) -> Self {
        Self {
            value: value.to_string(),
            error: Some(message.into()),
        }
    }
}

/// One band row of the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct BandRow {
    pub(super) lower: String,
    pub(super) amount: String,
    pub(super) error: Option<String>,
}

/// One imagined werkingsgebied's row of the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct ImaginedRow {
    pub(super) n: usize,
    pub(super) name: String,
    pub(super) inhabitants: Field,
    pub(super) centre_city: Field,
}

/// The scenario as the form shows it again.
#[derive(Clone, Debug, Default)]
pub(super) struct ScenarioForm {
    pub(super) envelope: Field,
    pub(super) boundary: Field,
    pub(super) minimum: Field,
    pub(super) cap_without: Field,
    pub(super) cap_extra: Field,
    pub(super) bands: Vec<BandRow>,
    /// Why the table of bands as a whole was not used, or what an empty one means.
    pub(super) bands_error: Option<String>,
    pub(super) imagined: Vec<ImaginedRow>,
}

/// What the URL asks to compute.
#[derive(Clone, Debug)]
pub(super) struct Scenario {
    pub(super) envelope: Option<i64>,
    pub(super) rule: Rule,
    /// `None`: every werkingsgebied of the year takes part (the start state).
    pub(super) chosen: Option<HashSet<i64>>,
    pub(super) imagined: Vec<Area>,
    pub(super) form: ScenarioForm,
}

impl Scenario {
    /// The real werkingsgebieden that take part, then the imagined ones.
    pub(super) fn areas(&self, real: &[Area]) -> Vec<Area> {
        real.iter()
            .filter(|a| self.takes_part(a.id))
            .cloned()
            .chain(self.imagined.iter().cloned())
            .collect()
    }

    pub(super) fn takes_part(&self, id: i64) -> bool {
        self.chosen.as_ref().is_none_or(|c| c.contains(&id))
    }
}

/// A euro amount (at most [`crate::web::money::MAX_CENTS`]).
pub(super) fn amount(value: &str) -> Option<i64> {
    parse_euro(value)
}

pub(super) const AMOUNT_MESSAGE: &str = "Vul een bedrag in euro in, zoals 50.000 of 50000,00 (hoogstens 1 miljard); de simulatie rekent met het bedrag volgens de regel.";

/// A setting: absent or empty takes the real value, a wrong one gets a message and the real
/// value too.
pub(super) fn setting(
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
pub(super) fn read(params: &Params, real: &Rule, real_envelope: Option<i64>) -> Scenario {
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
                     vastgelegde envelop.",
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
        forms::parse_inhabitants,
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
pub(super) fn read_bands(params: &Params, real: &Rule, form: &mut ScenarioForm) -> Vec<Band> {
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
            match (forms::parse_inhabitants(lower), amount(money)) {
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
pub(super) fn read_imagined(params: &Params, n: usize) -> (ImaginedRow, Option<Area>) {
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
    let Some(total) = forms::parse_inhabitants(people).filter(|p| *p > 0) else {
        row.inhabitants = Field::wrong(
            people,
            "Vul het aantal inwoners in, zoals 75.000; zonder telt dit werkingsgebied niet mee.",
        );
        return (row, None);
    };
    let city = match centre {
        "" => None,
        typed => match forms::parse_inhabitants(typed).filter(|c| (1..=total).contains(c)) {
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
