//! The coverage page's comparison with an earlier period: who joined, who left, the change of
//! both shares, in a table and in words.

use sqlx::PgPool;

use super::compute::{self, Municipality};
use super::db::{self, Snapshot};
use super::words;
use crate::error::Result;
use crate::periods::Period;
use crate::web::format;

/// Which way a municipality's coverage changed from the earlier period to this one.
#[derive(Clone, Copy, Debug)]
pub enum MembershipChange {
    Joined,
    Left,
}

impl MembershipChange {
    /// The id of the count on the page.
    pub fn id(self) -> &'static str {
        match self {
            Self::Joined => "nieuw",
            Self::Left => "vertrokken",
        }
    }

    /// The words after the count of `n` municipalities.
    pub fn label(self, n: usize) -> &'static str {
        match (self, n == 1) {
            (Self::Joined, true) => "gemeente kwam erbij",
            (Self::Joined, false) => "gemeenten kwamen erbij",
            (Self::Left, true) => "gemeente viel weg",
            (Self::Left, false) => "gemeenten vielen weg",
        }
    }
}

/// The municipalities whose coverage changed one way, each linked to its page.
pub struct ChangeList<'a> {
    pub change: MembershipChange,
    pub municipalities: &'a [Municipality],
}

pub struct ComparisonView {
    pub earlier: String,
    pub joined: Vec<Municipality>,
    pub left: Vec<Municipality>,
    /// Joined minus left, signed: "+23".
    pub net: String,
    pub municipality_change: String,
    pub population_change: String,
    /// The earlier period's covered municipalities, counted in this period's list.
    pub earlier_covered: String,
    /// The same in the earlier period's own list, where that differs (after mergers).
    pub earlier_covered_own: Option<String>,
    pub earlier_municipality_share: String,
    pub earlier_population_share: String,
    /// "Ten opzichte van 2020-2022: 3 gemeenten erbij, ..."
    pub sentence: String,
}

impl ComparisonView {
    /// Those that joined, then those that left.
    pub fn changes(&self) -> [ChangeList<'_>; 2] {
        [
            ChangeList {
                change: MembershipChange::Joined,
                municipalities: &self.joined,
            },
            ChangeList {
                change: MembershipChange::Left,
                municipalities: &self.left,
            },
        ]
    }
}

/// The period of `s` compared with `earlier`, which counts at its own population year.
pub async fn compare(db: &PgPool, earlier: &Period, s: &Snapshot) -> Result<ComparisonView> {
    let es = db::snapshot(db, earlier, earlier.population_year).await?;
    let to_later = db::mapping(db, &earlier.vintage, &s.period.vintage).await?;
    let c = compute::compare(
        &es.municipalities,
        &es.totals,
        &s.municipalities,
        &s.totals,
        &to_later,
    );
    let sentence = format!(
        "{} Het aandeel gedekte gemeenten {}, het aandeel gedekte inwoners {}.",
        words::comparison(&earlier.name, c.joined.len() as i64, c.left.len() as i64),
        words::share_change(c.municipality_share_change),
        words::share_change(c.population_share_change),
    );
    let own = es.totals.covered_municipalities;
    Ok(ComparisonView {
        earlier: earlier.name.clone(),
        net: match c.net {
            0 => "0".to_string(),
            n => format!("{n:+}"),
        },
        municipality_change: compute::points(c.municipality_share_change),
        population_change: compute::points(c.population_share_change),
        earlier_covered: format::thousands(c.earlier_covered),
        earlier_covered_own: (own != c.earlier_covered).then(|| format::thousands(own)),
        earlier_municipality_share: es.totals.municipality_share(),
        earlier_population_share: es.totals.population_share(),
        sentence,
        joined: c.joined,
        left: c.left,
    })
}
