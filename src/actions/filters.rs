//! The filters of the action lists and exports, exactly as in the URL so that a view can be
//! bookmarked and shared; the sort order; and the keyset cursor of the date orders.

use chrono::NaiveDate;
use serde::Deserialize;

use super::model::{Kind, Status, TARGET_GROUPS};
use crate::municipalities::PROVINCES;

/// The largest page number read from a URL. Search results stop sooner (`list::SEARCH_PAGES`:
/// deeper offsets cost a scan of every result before them); on the date orders, which go
/// deeper by keyset, the number is only what the pager shows beside the cursor.
pub const MAX_PAGE: i64 = 400;

/// The filters as the query string has them.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Filters {
    pub periode: String,
    pub jaar: String,
    pub prioriteit: String,
    pub soort: String,
    pub doelgroep: String,
    pub status: String,
    pub provincie: String,
    pub werkingsgebied: String,
    pub q: String,
    pub sortering: String,
    pub pagina: String,
    /// Keyset cursor of the date orders: `2024-05-01_123`.
    pub na: String,
}

/// The filters parsed; unknown values are ignored rather than failing the page.
#[derive(Clone)]
pub struct Parsed {
    pub period: Option<i64>,
    pub year: Option<i32>,
    pub priority: Option<i16>,
    pub kind: Option<Kind>,
    pub target_group: Option<String>,
    pub status: Option<Status>,
    pub province: Option<String>,
    pub partnership: Option<i64>,
    pub query: String,
    pub sort: Sort,
    pub page: i64,
}

impl Parsed {
    /// Whether pages follow a keyset cursor (the date orders without a search) rather than
    /// page numbers.
    pub fn keyset(&self) -> bool {
        matches!(self.sort, Sort::Newest | Sort::Oldest) && self.query.is_empty()
    }
}

impl Filters {
    pub fn parse(&self) -> Parsed {
        let query = self.q.trim().chars().take(200).collect::<String>();
        Parsed {
            period: self.periode.trim().parse().ok(),
            year: self
                .jaar
                .trim()
                .parse()
                .ok()
                .filter(|y| (1990..=2100).contains(y)),
            priority: self
                .prioriteit
                .trim()
                .parse()
                .ok()
                .filter(|p| (1..=4).contains(p)),
            kind: Kind::parse(self.soort.trim()),
            target_group: TARGET_GROUPS
                .iter()
                .find(|(c, _)| *c == self.doelgroep.trim())
                .map(|(c, _)| c.to_string()),
            status: Status::parse(self.status.trim()),
            province: PROVINCES
                .iter()
                .find(|p| **p == self.provincie.trim())
                .map(|p| p.to_string()),
            partnership: self.werkingsgebied.trim().parse().ok(),
            sort: Sort::parse(&self.sortering, !query.is_empty()),
            query,
            page: self
                .pagina
                .trim()
                .parse()
                .ok()
                .filter(|p| *p >= 1)
                .unwrap_or(1)
                .min(MAX_PAGE),
        }
    }

    /// The query string of these filters for another page.
    pub fn query_string(&self, page: i64, cursor: Option<Cursor>) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("periode", &self.periode),
            ("jaar", &self.jaar),
            ("prioriteit", &self.prioriteit),
            ("soort", &self.soort),
            ("doelgroep", &self.doelgroep),
            ("status", &self.status),
            ("provincie", &self.provincie),
            ("werkingsgebied", &self.werkingsgebied),
            ("q", &self.q),
            ("sortering", &self.sortering),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        if page > 1 {
            s.append_pair("pagina", &page.to_string());
        }
        if let Some(cursor) = cursor {
            s.append_pair("na", &cursor.encode());
        }
        s.finish()
    }
}

/// The order of a list, `sortering` in the URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Oldest,
    Relevance,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Self::Newest, Self::Oldest, Self::Relevance];

    /// The value in the URL.
    pub fn code(self) -> &'static str {
        match self {
            Self::Newest => "nieuwste",
            Self::Oldest => "oudste",
            Self::Relevance => "relevantie",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Newest => "nieuwste eerst",
            Self::Oldest => "oudste eerst",
            Self::Relevance => "relevantie (bij zoeken)",
        }
    }

    /// The order in words, as the result count says it: `gesorteerd op relevantie`.
    pub fn summary(self) -> &'static str {
        match self {
            Self::Newest => "datum, nieuwste eerst",
            Self::Oldest => "datum, oudste eerst",
            Self::Relevance => "relevantie",
        }
    }

    /// The order a `sortering` value asks for. Relevance needs a search, and is what a search
    /// gets when no order is given; anything else is newest first.
    pub fn parse(value: &str, searching: bool) -> Self {
        match value {
            "oudste" => Self::Oldest,
            "relevantie" | "" if searching => Self::Relevance,
            _ => Self::Newest,
        }
    }
}

/// Where the next page starts in a date order: after this action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub starts_on: NaiveDate,
    pub action_id: i64,
}

impl Cursor {
    pub fn parse(value: &str) -> Option<Self> {
        let (date, id) = value.split_once('_')?;
        Some(Self {
            starts_on: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
            action_id: id.parse().ok()?,
        })
    }

    pub fn encode(&self) -> String {
        format!("{}_{}", self.starts_on, self.action_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_sorts_by_relevance_unless_told_otherwise() {
        assert_eq!(Sort::parse("", true), Sort::Relevance);
        assert_eq!(Sort::parse("relevantie", true), Sort::Relevance);
        assert_eq!(Sort::parse("oudste", true), Sort::Oldest);
        assert_eq!(Sort::parse("nieuwste", true), Sort::Newest);
        assert_eq!(Sort::parse("relevantie", false), Sort::Newest);
        assert_eq!(Sort::parse("", false), Sort::Newest);
        assert_eq!(Sort::parse("oudste", false), Sort::Oldest);
        assert_eq!(Sort::parse("willekeurig", true), Sort::Newest);
        for sort in Sort::ALL {
            assert_eq!(Sort::parse(sort.code(), true), sort);
        }
    }

    #[test]
    fn a_cursor_survives_the_url() {
        let cursor = Cursor::parse("2024-01-26_25").unwrap();
        assert_eq!(cursor.action_id, 25);
        assert_eq!(cursor.encode(), "2024-01-26_25");
        assert_eq!(Cursor::parse("26/01/2024_25"), None);
        assert_eq!(Cursor::parse("2024-01-26"), None);
    }
}
