//! The dashboard's filters as the URL carries them (`?jaar=&sorteer=&signaal=&dimensie=&provincie=`),
//! so a view is shared by its address and a saved filter is only its query string.
//!
//! The page reads them leniently (an unknown value is ignored, as on the other overviews); a
//! filter someone saves is checked strictly by [`Filters::parse_strict`].

use serde::Deserialize;

use super::health::{Dimension, HealthRow, Signal};
use crate::municipalities::PROVINCES;
use crate::web::forms::Choice;

/// The query string as typed.
#[derive(Deserialize, Default, Clone, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct Filters {
    pub jaar: String,
    /// `naam` (default) or `aandacht` (most red signals first).
    pub sorteer: String,
    /// `rood`: only rows with a red signal; `aandacht`: a red or orange one.
    pub signaal: String,
    /// One dimension the signal filter looks at (all five without it).
    pub dimensie: String,
    pub provincie: String,
}

/// How the health view is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Name,
    Attention,
    /// By one dimension's signal, the worst first (red, orange, grey, green), then by name.
    By(Dimension),
}

/// Which rows the health view keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalFilter {
    /// A red signal.
    Red,
    /// A red or an orange signal.
    Attention,
}

/// The filters parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub year: Option<i16>,
    pub sort: Sort,
    pub signal: Option<SignalFilter>,
    pub dimension: Option<Dimension>,
    pub province: Option<&'static str>,
}

/// The keys a dashboard URL may carry.
const KEYS: [&str; 5] = ["jaar", "sorteer", "signaal", "dimensie", "provincie"];

fn year(value: &str) -> Option<i16> {
    value.parse().ok().filter(|y| (2000..=2100).contains(y))
}

fn sort(value: &str) -> Option<Sort> {
    match value {
        "naam" => Some(Sort::Name),
        "aandacht" => Some(Sort::Attention),
        other => Dimension::parse(other).map(Sort::By),
    }
}

fn signal(value: &str) -> Option<SignalFilter> {
    match value {
        "rood" => Some(SignalFilter::Red),
        "aandacht" => Some(SignalFilter::Attention),
        _ => None,
    }
}

fn province(value: &str) -> Option<&'static str> {
    PROVINCES.iter().copied().find(|p| *p == value)
}

impl Filters {
    /// Unknown or empty values fall back to the defaults.
    pub fn parse(&self) -> Parsed {
        Parsed {
            year: year(self.jaar.trim()),
            sort: sort(self.sorteer.trim()).unwrap_or(Sort::Name),
            signal: signal(self.signaal.trim()),
            dimension: Dimension::parse(self.dimensie.trim()),
            province: province(self.provincie.trim()),
        }
    }

    /// A query string as a saved filter must be: only the dashboard's keys, each at most once,
    /// each empty or a value the page knows. `None` otherwise.
    pub fn parse_strict(query: &str) -> Option<Filters> {
        let query = query.trim().trim_start_matches('?');
        let mut filters = Filters::default();
        let mut seen = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if !KEYS.contains(&key.as_ref()) || seen.contains(&key) {
                return None;
            }
            let value = value.trim().to_string();
            let known = value.is_empty()
                || match key.as_ref() {
                    "jaar" => year(&value).is_some(),
                    "sorteer" => sort(&value).is_some(),
                    "signaal" => signal(&value).is_some(),
                    "dimensie" => Dimension::parse(&value).is_some(),
                    _ => province(&value).is_some(),
                };
            if !known {
                return None;
            }
            match key.as_ref() {
                "jaar" => filters.jaar = value,
                "sorteer" => filters.sorteer = value,
                "signaal" => filters.signaal = value,
                "dimensie" => filters.dimensie = value,
                _ => filters.provincie = value,
            }
            seen.push(key);
        }
        Some(filters)
    }

    /// The non-empty filters other than the year, as (name, value).
    pub fn without_year(&self) -> Vec<(&'static str, String)> {
        [
            ("sorteer", &self.sorteer),
            ("signaal", &self.signaal),
            ("dimensie", &self.dimensie),
            ("provincie", &self.provincie),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_string()))
        .collect()
    }

    /// The query string of the non-empty filters (without `?`), in a fixed order.
    pub fn query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("jaar", &self.jaar),
            ("sorteer", &self.sorteer),
            ("signaal", &self.signaal),
            ("dimensie", &self.dimensie),
            ("provincie", &self.provincie),
        ] {
            if !value.trim().is_empty() {
                s.append_pair(key, value.trim());
            }
        }
        s.finish()
    }
}

impl Parsed {
    /// Whether `row` passes the signal, dimension and province filters.
    pub fn keeps(&self, row: &HealthRow) -> bool {
        if let Some(p) = self.province
            && !row.provinces.iter().any(|rp| rp == p)
        {
            return false;
        }
        let signals: Vec<Signal> = match self.dimension {
            Some(d) => vec![row.signal(d)],
            None => Dimension::ALL.iter().map(|d| row.signal(*d)).collect(),
        };
        match (self.signal, self.dimension) {
            (Some(SignalFilter::Red), _) => signals.contains(&Signal::Red),
            // A dimension alone means: where it needs attention.
            (Some(SignalFilter::Attention), _) | (None, Some(_)) => signals
                .iter()
                .any(|s| matches!(s, Signal::Red | Signal::Orange)),
            (None, None) => true,
        }
    }

    /// Sorts the rows in place.
    pub fn sort(&self, rows: &mut [HealthRow]) {
        match self.sort {
            Sort::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
            Sort::Attention => rows.sort_by(|a, b| {
                (b.count(Signal::Red), b.count(Signal::Orange))
                    .cmp(&(a.count(Signal::Red), a.count(Signal::Orange)))
                    .then_with(|| a.name.cmp(&b.name))
            }),
            Sort::By(d) => rows.sort_by(|a, b| {
                a.signal(d)
                    .severity()
                    .cmp(&b.signal(d).severity())
                    .then_with(|| a.name.cmp(&b.name))
            }),
        }
    }
}

/// The select lists of the filter form.
pub struct FilterChoices {
    pub sorts: Vec<Choice>,
    pub signals: Vec<Choice>,
    pub dimensions: Vec<Choice>,
    pub provinces: Vec<Choice>,
}

impl FilterChoices {
    pub fn of(parsed: &Parsed) -> Self {
        Self {
            sorts: vec![
                Choice::new("naam", "op naam", parsed.sort == Sort::Name),
                Choice::new(
                    "aandacht",
                    "meeste rode signalen eerst",
                    parsed.sort == Sort::Attention,
                ),
            ]
            .into_iter()
            .chain(Dimension::ALL.iter().map(|&d| {
                Choice::new(
                    d.code(),
                    format!("{}: rood eerst", d.label()),
                    parsed.sort == Sort::By(d),
                )
            }))
            .collect(),
            signals: vec![
                Choice::new("", "alle werkingsgebieden", parsed.signal.is_none()),
                Choice::new(
                    "rood",
                    "met een rood signaal",
                    parsed.signal == Some(SignalFilter::Red),
                ),
                Choice::new(
                    "aandacht",
                    "met een rood of oranje signaal",
                    parsed.signal == Some(SignalFilter::Attention),
                ),
            ],
            dimensions: std::iter::once(Choice::new(
                "",
                "alle dimensies",
                parsed.dimension.is_none(),
            ))
            .chain(
                Dimension::ALL
                    .iter()
                    .map(|d| Choice::new(d.code(), d.label(), parsed.dimension == Some(*d))),
            )
            .collect(),
            provinces: std::iter::once(Choice::new(
                "",
                "alle provincies",
                parsed.province.is_none(),
            ))
            .chain(
                PROVINCES
                    .iter()
                    .map(|p| Choice::new(p, *p, parsed.province == Some(*p))),
            )
            .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_query_must_use_only_the_dashboards_filters() {
        let f = Filters::parse_strict("jaar=2025&signaal=rood&dimensie=rapport").unwrap();
        assert_eq!(f.jaar, "2025");
        assert_eq!(f.parse().signal, Some(SignalFilter::Red));
        assert_eq!(f.parse().dimension, Some(Dimension::Report));
        assert!(Filters::parse_strict("").is_some());
        assert!(Filters::parse_strict("?sorteer=aandacht&provincie=").is_some());
        assert!(Filters::parse_strict("jaar=twintig").is_none());
        assert!(Filters::parse_strict("signaal=paars").is_none());
        assert!(Filters::parse_strict("pagina=2").is_none());
        assert!(Filters::parse_strict("jaar=2024&jaar=2025").is_none());
        assert!(Filters::parse_strict("provincie=Brussel").is_none());
    }

    #[test]
    fn the_query_string_keeps_only_what_is_set_in_a_fixed_order() {
        let f = Filters {
            provincie: "Limburg".into(),
            sorteer: "aandacht".into(),
            ..Filters::default()
        };
        assert_eq!(f.query_string(), "sorteer=aandacht&provincie=Limburg");
        assert_eq!(Filters::parse_strict(&f.query_string()), Some(f));
    }

    #[test]
    fn unknown_values_on_the_page_fall_back_to_the_defaults() {
        let p = Filters {
            jaar: "1800".into(),
            sorteer: "willekeurig".into(),
            ..Filters::default()
        }
        .parse();
        assert_eq!(p.year, None);
        assert_eq!(p.sort, Sort::Name);
    }
}
