//! The overview's map: the coverage map ([`crate::coverage::map`]) with each municipality of a
//! werkingsgebied in the colour of the most advanced agreement that binds it (a member no
//! agreement binds has none, even when its werkingsgebied has one for other members), and a
//! class per state on each shape.

use std::collections::HashMap;

use super::AreaRow;
use crate::agreements::model::AgreementStatus;
use crate::coverage::db::Snapshot;
use crate::coverage::map::{self, LegendItem, MapView};
use crate::error::Result;
use crate::reference::Reference;
use crate::state::AppState;

/// How far a werkingsgebied got: its most advanced agreement, a stopped one only when it has
/// nothing else, or none at all. Colours the map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    NoAgreement,
    Status(AgreementStatus),
}

impl Reach {
    /// Stopped counts below a draft: a draft is still on its way.
    pub fn of(statuses: impl IntoIterator<Item = AgreementStatus>) -> Self {
        let rank = |s: &AgreementStatus| {
            if *s == AgreementStatus::Stopgezet {
                0
            } else {
                1 + AgreementStatus::ALL
                    .iter()
                    .position(|x| x == s)
                    .unwrap_or(0)
            }
        };
        statuses
            .into_iter()
            .max_by_key(rank)
            .map_or(Self::NoAgreement, Self::Status)
    }

    /// All, in legend order: from nothing to evaluated, stopped last.
    fn all() -> impl Iterator<Item = Self> {
        std::iter::once(Self::NoAgreement).chain(AgreementStatus::ALL.map(Self::Status))
    }

    fn label(self) -> &'static str {
        match self {
            Self::NoAgreement => "geen overeenkomst",
            Self::Status(s) => s.label(),
        }
    }

    /// The fill on the map: warm for nothing yet, blue on the way, greens once signed.
    fn fill(self) -> &'static str {
        match self {
            Self::NoAgreement => "#f4a6a6",
            Self::Status(AgreementStatus::Ontwerp) => "#fde68a",
            Self::Status(AgreementStatus::Onderhandeld) => "#f6c64f",
            Self::Status(AgreementStatus::Goedgekeurd) => "#93c5fd",
            Self::Status(AgreementStatus::Ondertekend) => "#86d99a",
            Self::Status(AgreementStatus::InOpvolging) => "#3fae5a",
            Self::Status(AgreementStatus::Geevalueerd) => "#1f7a3a",
            Self::Status(AgreementStatus::Stopgezet) => "#9c755f",
        }
    }

    /// The class of a shape, so a test (or a stylesheet) can tell the states apart.
    fn class(self) -> &'static str {
        match self {
            Self::NoAgreement => "kaart-geen",
            Self::Status(AgreementStatus::Ontwerp) => "kaart-ontwerp",
            Self::Status(AgreementStatus::Onderhandeld) => "kaart-onderhandeld",
            Self::Status(AgreementStatus::Goedgekeurd) => "kaart-goedgekeurd",
            Self::Status(AgreementStatus::Ondertekend) => "kaart-ondertekend",
            Self::Status(AgreementStatus::InOpvolging) => "kaart-in_opvolging",
            Self::Status(AgreementStatus::Geevalueerd) => "kaart-geevalueerd",
            Self::Status(AgreementStatus::Stopgezet) => "kaart-stopgezet",
        }
    }
}

/// The map as this page shows it: the coverage map's shapes with a class per state.
pub struct StatusMap {
    pub width: i64,
    pub height: i64,
    /// The SVG document of the shapes (see [`crate::coverage::map`]).
    pub href: String,
    pub shapes: Vec<StatusShape>,
    pub legend: Vec<LegendItem>,
}

pub struct StatusShape {
    pub nis_code: String,
    pub fill: &'static str,
    pub class: &'static str,
    pub label: String,
}

/// Each municipality of a (visible) werkingsgebied takes the colour of the most advanced
/// agreement binding it; the others are grey. The members come from the cached coverage
/// figures of the period, the bindings with the overview's rows: no statement of its own.
pub async fn status_map(
    state: &AppState,
    reference: &Reference,
    snapshot: &Snapshot,
    areas: &[AreaRow],
    restricted: bool,
) -> Result<StatusMap> {
    let geometry = map::geometry(reference, &state.db, &snapshot.period.vintage).await?;
    let areas: HashMap<i64, &AreaRow> = areas.iter().map(|a| (a.partnership_id, a)).collect();
    // Per municipality of a visible werkingsgebied: how far the agreements binding it got, and
    // the text of its shape.
    let mut reach_by_nis: HashMap<&str, (Reach, String)> = HashMap::new();
    for m in &snapshot.municipalities {
        let Some(area) = m.partnership_id.and_then(|id| areas.get(&id)) else {
            continue;
        };
        let reach = Reach::of(
            area.bindings
                .iter()
                .filter(|(nis, _)| *nis == m.nis_code)
                .map(|(_, status)| *status),
        );
        let label = format!("{}: {}", area.name, reach.label());
        reach_by_nis.insert(&m.nis_code, (reach, label));
    }
    let outside = if restricted {
        "niet in uw werkingsgebieden"
    } else {
        "geen werkingsgebied"
    };
    let reach_of = |nis_code: &str| reach_by_nis.get(nis_code);
    let legend = Reach::all()
        .map(|r| LegendItem {
            fill: r.fill(),
            label: r.label().to_string(),
        })
        .chain(std::iter::once(LegendItem {
            fill: map::UNCOVERED,
            label: outside.to_string(),
        }))
        .collect();
    let view = MapView::paint(
        &geometry,
        &snapshot.municipalities,
        |m| match reach_of(&m.nis_code) {
            Some((reach, label)) => (reach.fill(), label.as_str()),
            None => (map::UNCOVERED, outside),
        },
        legend,
    );
    // The painted shapes follow the geometry's order: the class comes from the same lookup.
    let shapes = view
        .shapes
        .into_iter()
        .map(|s| StatusShape {
            class: reach_of(&s.nis_code).map_or("kaart-buiten", |(reach, _)| reach.class()),
            nis_code: s.nis_code,
            fill: s.fill,
            label: s.label,
        })
        .collect();
    Ok(StatusMap {
        width: view.width,
        height: view.height,
        href: view.href,
        shapes,
        legend: view.legend,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use AgreementStatus::*;

    #[test]
    fn the_most_advanced_agreement_colours_a_werkingsgebied() {
        assert_eq!(Reach::of([]), Reach::NoAgreement);
        assert_eq!(Reach::of([Stopgezet]), Reach::Status(Stopgezet));
        assert_eq!(Reach::of([Stopgezet, Ontwerp]), Reach::Status(Ontwerp));
        assert_eq!(
            Reach::of([Ondertekend, Geevalueerd, Goedgekeurd]),
            Reach::Status(Geevalueerd)
        );
    }

    #[test]
    fn every_state_has_its_own_colour_and_class() {
        let fills: HashSet<&str> = Reach::all().map(Reach::fill).collect();
        let classes: HashSet<&str> = Reach::all().map(Reach::class).collect();
        assert_eq!(fills.len(), 8);
        assert_eq!(classes.len(), 8);
        assert!(!fills.contains(map::UNCOVERED));
    }
}
