//! The werkingsgebieden's colours on the coverage map: two werkingsgebieden that border each
//! other never share a colour, from a small fixed palette. Greedy graph colouring
//! (Welsh-Powell) over the borders of the map geometry, computed per request: linear in the
//! number of borders, and the same data always gives the same colours.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Eight fills that differ in hue and lightness, each with a contrast of at least 3:1 against
/// the white outlines between shapes and clearly apart from the light grey of uncovered
/// municipalities (Okabe-Ito and ColorBrewer tones).
pub const PALETTE: [&str; 8] = [
    "#0072b2", "#d55e00", "#1b7837", "#6a3d9a", "#a6761d", "#c51b7d", "#35978f", "#8c564b",
];

/// A colour from [`PALETTE`] for each of `partnerships`, given the pairs of werkingsgebieden
/// that border each other (`borders`, in any order, repeats allowed). Werkingsgebieden with
/// the most neighbours choose first (ties by id), each taking the first colour none of its
/// coloured neighbours has. A map of Flanders needs four or five; should more than eight ever
/// be needed, the colours repeat (neighbours could then share one).
pub fn colours(
    partnerships: &[i64],
    borders: impl IntoIterator<Item = (i64, i64)>,
) -> HashMap<i64, &'static str> {
    let mut neighbours: BTreeMap<i64, BTreeSet<i64>> =
        partnerships.iter().map(|&p| (p, BTreeSet::new())).collect();
    for (a, b) in borders {
        if a != b && neighbours.contains_key(&a) && neighbours.contains_key(&b) {
            neighbours.entry(a).or_default().insert(b);
            neighbours.entry(b).or_default().insert(a);
        }
    }
    let mut order: Vec<i64> = neighbours.keys().copied().collect();
    order.sort_by_key(|p| (std::cmp::Reverse(neighbours[p].len()), *p));
    let mut chosen: HashMap<i64, usize> = HashMap::new();
    for p in order {
        let taken: BTreeSet<usize> = neighbours[&p]
            .iter()
            .filter_map(|n| chosen.get(n).copied())
            .collect();
        let free = (0..).find(|c| !taken.contains(c)).unwrap_or(0);
        chosen.insert(p, free);
    }
    chosen
        .into_iter()
        .map(|(p, c)| (p, PALETTE[c % PALETTE.len()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_differ_and_others_may_share_a_colour() {
        // 1-2-3 in a row, 4 alone, and a triangle 5-6-7.
        let ids = [1, 2, 3, 4, 5, 6, 7];
        let borders = [(1, 2), (2, 3), (2, 1), (5, 6), (6, 7), (7, 5)];
        let c = colours(&ids, borders);
        assert_eq!(c.len(), 7);
        for (a, b) in borders {
            assert_ne!(c[&a], c[&b], "{a} and {b}");
        }
        // Few colours: the middle of the row first, then both ends the same.
        assert_eq!(c[&2], PALETTE[0]);
        assert_eq!(c[&1], c[&3]);
        assert_eq!(c[&4], PALETTE[0]);
        assert_eq!(colours(&ids, borders), c, "the same data, the same colours");
    }

    #[test]
    fn borders_with_unknown_or_the_same_werkingsgebied_are_ignored() {
        let c = colours(&[1, 2], [(1, 1), (1, 9)]);
        assert_eq!(c[&1], PALETTE[0]);
        assert_eq!(c[&2], PALETTE[0]);
    }
}
