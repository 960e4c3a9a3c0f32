//! The coverage figures (dekkingsgraad), computed from membership and population, never typed
//! in. Pure functions over rows loaded by `super::db::load`, so they are easy to check.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::web::format;

/// One municipality of a period's list, with its population in the chosen year and the
/// werkingsgebied it belongs to in that period (if any).
#[derive(Clone, Debug)]
pub struct Municipality {
    pub nis_code: String,
    pub name: String,
    pub province: String,
    pub population: i64,
    pub partnership_id: Option<i64>,
}

/// Covered versus all, for municipalities and inhabitants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub municipalities: i64,
    pub covered_municipalities: i64,
    pub population: i64,
    pub covered_population: i64,
}

/// A share in hundredths of a percent (basis points), rounded half up: 9313 is 93,13%.
pub fn basis_points(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    (part as i128 * 20_000 + whole as i128).div_euclid(whole as i128 * 2) as i64
}

impl Totals {
    pub fn add(&mut self, m: &Municipality, covered: bool) {
        self.municipalities += 1;
        self.population += m.population;
        if covered {
            self.covered_municipalities += 1;
            self.covered_population += m.population;
        }
    }

    pub fn municipality_share(&self) -> String {
        format::percent(self.covered_municipalities, self.municipalities)
    }

    pub fn population_share(&self) -> String {
        format::percent(self.covered_population, self.population)
    }

    pub fn municipality_basis_points(&self) -> i64 {
        basis_points(self.covered_municipalities, self.municipalities)
    }

    pub fn population_basis_points(&self) -> i64 {
        basis_points(self.covered_population, self.population)
    }
}

/// The totals of one province.
#[derive(Clone, Debug)]
pub struct ProvinceTotals {
    pub province: String,
    pub totals: Totals,
}

/// Totals for all municipalities and per province (alphabetical), where `covered` decides.
pub fn totals(
    municipalities: &[Municipality],
    covered: impl Fn(&Municipality) -> bool,
) -> (Totals, Vec<ProvinceTotals>) {
    let mut all = Totals::default();
    let mut provinces: BTreeMap<String, Totals> = BTreeMap::new();
    for m in municipalities {
        let c = covered(m);
        all.add(m, c);
        provinces.entry(m.province.clone()).or_default().add(m, c);
    }
    let provinces = provinces
        .into_iter()
        .map(|(province, totals)| ProvinceTotals { province, totals })
        .collect();
    (all, provinces)
}

/// How coverage changed between an earlier and a later period.
#[derive(Debug)]
pub struct Comparison {
    /// Covered later, not earlier (as in the later list).
    pub joined: Vec<Municipality>,
    /// Covered earlier, not later (as in the later list; a merged municipality counts as its
    /// 2025 municipality).
    pub left: Vec<Municipality>,
    /// The municipalities covered earlier, counted in the later list (merged ones once).
    pub earlier_covered: i64,
    /// Joined minus left: the change in covered municipalities, in the later list. (Not the
    /// two periods' own counts subtracted: after the 2025 mergers the earlier list is longer,
    /// which once showed "0 joined, 243 left, net -256".)
    pub net: i64,
    pub municipality_share_change: i64,
    pub population_share_change: i64,
}

/// Compares two periods. `to_later` maps an earlier NIS code to the later list's code (the
/// 2025 mergers); codes not in it are the same in both lists.
pub fn compare(
    earlier: &[Municipality],
    earlier_totals: &Totals,
    later: &[Municipality],
    later_totals: &Totals,
    to_later: &HashMap<String, String>,
) -> Comparison {
    let earlier_covered: HashSet<&str> = earlier
        .iter()
        .filter(|m| m.partnership_id.is_some())
        .map(|m| to_later.get(&m.nis_code).unwrap_or(&m.nis_code).as_str())
        .collect();
    let mut joined = Vec::new();
    let mut left = Vec::new();
    let mut before_count = 0;
    for m in later {
        let now = m.partnership_id.is_some();
        let before = earlier_covered.contains(m.nis_code.as_str());
        before_count += i64::from(before);
        if now && !before {
            joined.push(m.clone());
        } else if before && !now {
            left.push(m.clone());
        }
    }
    Comparison {
        net: joined.len() as i64 - left.len() as i64,
        earlier_covered: before_count,
        joined,
        left,
        municipality_share_change: later_totals.municipality_basis_points()
            - earlier_totals.municipality_basis_points(),
        population_share_change: later_totals.population_basis_points()
            - earlier_totals.population_basis_points(),
    }
}

/// A change in percentage points: `+4,13 procentpunt`.
pub fn points(basis_points: i64) -> String {
    let sign = if basis_points > 0 {
        "+"
    } else if basis_points < 0 {
        "-"
    } else {
        ""
    };
    let abs = basis_points.abs();
    format!("{sign}{},{:02} procentpunt", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(nis: &str, province: &str, population: i64, partnership: Option<i64>) -> Municipality {
        Municipality {
            nis_code: nis.into(),
            name: format!("G{nis}"),
            province: province.into(),
            population,
            partnership_id: partnership,
        }
    }

    #[test]
    fn totals_count_covered_municipalities_and_inhabitants_per_province() {
        let list = vec![
            m("1", "A", 100, Some(1)),
            m("2", "A", 300, None),
            m("3", "B", 600, Some(2)),
        ];
        let (all, provinces) = totals(&list, |m| m.partnership_id.is_some());
        assert_eq!(
            all,
            Totals {
                municipalities: 3,
                covered_municipalities: 2,
                population: 1000,
                covered_population: 700
            }
        );
        assert_eq!(all.population_share(), "70,00%");
        assert_eq!(all.municipality_share(), "66,67%");
        assert_eq!(provinces[0].province, "A");
        assert_eq!(provinces[0].totals.covered_population, 100);
    }

    #[test]
    fn a_comparison_follows_mergers_and_reports_joined_and_left() {
        // Earlier: 10 and 11 covered, 12 not. 10 and 11 merged into 20 later.
        let earlier = vec![
            m("10", "A", 10, Some(1)),
            m("11", "A", 10, Some(1)),
            m("12", "A", 10, None),
            m("13", "A", 10, Some(1)),
        ];
        let later = vec![
            m("20", "A", 20, Some(5)),
            m("12", "A", 10, Some(5)),
            m("13", "A", 10, None),
        ];
        let mapping: HashMap<String, String> = [("10", "20"), ("11", "20")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let (te, _) = totals(&earlier, |m| m.partnership_id.is_some());
        let (tl, _) = totals(&later, |m| m.partnership_id.is_some());
        let c = compare(&earlier, &te, &later, &tl, &mapping);
        let codes = |list: &[Municipality]| -> Vec<String> {
            list.iter().map(|m| m.nis_code.clone()).collect()
        };
        assert_eq!(codes(&c.joined), ["12"]);
        assert_eq!(codes(&c.left), ["13"]);
        // Earlier 3 covered (10, 11, 13), which are 2 in the later list (20, 13); later 2.
        assert_eq!(c.earlier_covered, 2);
        assert_eq!(c.net, 0, "one joined, one left");
    }

    #[test]
    fn shares_and_changes_are_exact_to_the_hundredth() {
        assert_eq!(basis_points(261, 300), 8700);
        assert_eq!(basis_points(238, 300), 7933);
        assert_eq!(points(8700 - 7933), "+7,67 procentpunt");
        assert_eq!(points(-5), "-0,05 procentpunt");
    }
}
