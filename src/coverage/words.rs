//! The coverage pages' words for numbers: a count with the right singular or plural
//! ("1 gemeente", "2 gemeenten") and the comparison in a sentence a person reads.

use super::compute;
pub use crate::web::format::{count, noun};

/// "Ten opzichte van 2020-2022: 3 gemeenten erbij, 1 gemeente niet meer (netto 2 gemeenten
/// meer)."
pub fn comparison(earlier: &str, joined: i64, left: i64) -> String {
    let net = joined - left;
    let net = match net {
        0 => "netto evenveel gemeenten".to_string(),
        n if n > 0 => format!("netto {} meer", count(n, "gemeente", "gemeenten")),
        n => format!("netto {} minder", count(-n, "gemeente", "gemeenten")),
    };
    format!(
        "Ten opzichte van {earlier}: {} erbij, {} niet meer ({net}).",
        count(joined, "gemeente", "gemeenten"),
        count(left, "gemeente", "gemeenten"),
    )
}

/// How a share changed, after its subject: "steeg met 7,67 procentpunt", "daalde met 0,05
/// procentpunt", "bleef gelijk".
pub fn share_change(basis_points: i64) -> String {
    let size = compute::points(basis_points.abs());
    let size = size.trim_start_matches('+');
    match basis_points {
        0 => "bleef gelijk".to_string(),
        b if b > 0 => format!("steeg met {size}"),
        _ => format!("daalde met {size}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(count(0, "gemeente", "gemeenten"), "0 gemeenten");
        assert_eq!(count(1, "gemeente", "gemeenten"), "1 gemeente");
        assert_eq!(
            count(2, "werkingsgebied", "werkingsgebieden"),
            "2 werkingsgebieden"
        );
        assert_eq!(
            count(6_629_143, "inwoner", "inwoners"),
            "6.629.143 inwoners"
        );
    }

    #[test]
    fn the_comparison_reads_as_a_sentence() {
        assert_eq!(
            comparison("2020-2022", 3, 2),
            "Ten opzichte van 2020-2022: 3 gemeenten erbij, 2 gemeenten niet meer \
             (netto 1 gemeente meer)."
        );
        assert_eq!(
            comparison("2023-2025", 0, 243),
            "Ten opzichte van 2023-2025: 0 gemeenten erbij, 243 gemeenten niet meer \
             (netto 243 gemeenten minder)."
        );
        assert_eq!(
            comparison("2023-2025", 1, 1),
            "Ten opzichte van 2023-2025: 1 gemeente erbij, 1 gemeente niet meer \
             (netto evenveel gemeenten)."
        );
        assert_eq!(share_change(767), "steeg met 7,67 procentpunt");
        assert_eq!(share_change(-5), "daalde met 0,05 procentpunt");
        assert_eq!(share_change(0), "bleef gelijk");
    }
}
