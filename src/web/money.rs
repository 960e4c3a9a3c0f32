//! Money as people type it and as forms and exports show it again. Amounts are whole cents in
//! `i64` everywhere; nothing here goes through floating point, where 0,10 + 0,20 is not 0,30.
//! How pages show an amount is [`crate::web::format::euro_cents`].

use crate::web::format;

/// The largest amount anyone may type: one billion euro. The whole programme is a few million
/// a year, so more is a typing error; the bound also keeps every sum of amounts (and every
/// difference of two) far from overflowing `i64`. The budget tables check the same bound.
pub const MAX_CENTS: i64 = 100_000_000_000;

/// Cents as plain decimal text, `1250,50` or `-12,05`: what a form shows again and
/// [`parse_euro`] reads, and what the exports write.
pub fn plain_euro(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

/// `1.234,50`, `1234.5`, `€ 250` -> cents. Belgian notation: a point groups thousands, a comma
/// separates cents; a lone point with one or two digits after it is read as decimals. Negative
/// amounts are refused (`None`), as is anything above [`MAX_CENTS`].
pub fn parse_euro(value: &str) -> Option<i64> {
    parse_euro_unbounded(value).filter(|c| *c <= MAX_CENTS)
}

/// [`parse_euro`] without the upper bound, for a form that says "too large" instead of "not an
/// amount".
pub fn parse_euro_unbounded(value: &str) -> Option<i64> {
    let cleaned: String = value
        .trim()
        .trim_start_matches('€')
        .trim_end_matches("EUR")
        .trim_end_matches("euro")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    let normalised = if cleaned.contains(',') {
        cleaned.replace('.', "").replace(',', ".")
    } else {
        match cleaned.rsplit_once('.') {
            Some((_, decimals)) if decimals.len() <= 2 => cleaned.clone(),
            _ => cleaned.replace('.', ""),
        }
    };
    let (euros, cents) = normalised.split_once('.').unwrap_or((&normalised, ""));
    if cents.len() > 2
        || !cents.chars().all(|c| c.is_ascii_digit())
        || !euros.chars().all(|c| c.is_ascii_digit())
        || euros.is_empty()
    {
        return None;
    }
    let euros: i64 = euros.parse().ok()?;
    let cents: i64 = if cents.is_empty() {
        0
    } else {
        format!("{cents:0<2}").parse().ok()?
    };
    euros.checked_mul(100)?.checked_add(cents)
}

/// An amount as a form shows it again, grouped for reading: `2.225.000` or `2.225.000,50`;
/// [`parse_euro`] reads it back.
pub fn input_euro(cents: i64) -> String {
    let euros = format::thousands(cents / 100);
    match cents % 100 {
        0 => euros,
        rest => format!("{euros},{:02}", rest.abs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn belgian_and_plain_notations_are_read() {
        assert_eq!(parse_euro("1.234,50"), Some(123_450));
        assert_eq!(parse_euro("€ 3.000.000"), Some(300_000_000));
        assert_eq!(parse_euro("3.000.000,00 euro"), Some(300_000_000));
        assert_eq!(parse_euro("1234.5"), Some(123_450));
        assert_eq!(parse_euro("0,1"), Some(10));
        assert_eq!(parse_euro("250"), Some(25_000));
    }

    #[test]
    fn nonsense_negative_and_overflowing_amounts_are_refused() {
        for bad in [
            "",
            "abc",
            "-5",
            "1,234",
            "1,2a",
            "12,-5",
            "99999999999999999999",
        ] {
            assert_eq!(parse_euro(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn plain_text_round_trips_also_for_negative_amounts() {
        assert_eq!(plain_euro(125_050), "1250,50");
        assert_eq!(plain_euro(-1_205), "-12,05");
        assert_eq!(plain_euro(5), "0,05");
        assert_eq!(parse_euro(&plain_euro(300_000_007)), Some(300_000_007));
    }

    #[test]
    fn input_text_is_grouped_and_reads_back() {
        assert_eq!(input_euro(222_500_000), "2.225.000");
        assert_eq!(input_euro(222_500_050), "2.225.000,50");
        for cents in [0, 7, 10, 20, 30, 123_450, 222_500_007, MAX_CENTS] {
            assert_eq!(parse_euro(&input_euro(cents)), Some(cents), "{cents}");
        }
    }

    /// 0,10 + 0,20 is 0,30 here (as f64 it is 0.30000000000000004), and a sum of many cents
    /// stays exact at the size of the envelope.
    #[test]
    fn sums_of_typed_amounts_are_exact() {
        let sum: i64 = ["0,10", "0,20"].iter().filter_map(|v| parse_euro(v)).sum();
        assert_eq!(plain_euro(sum), "0,30");
        let many: i64 = std::iter::repeat_n("0,10", 30_000_000)
            .take(1000)
            .filter_map(parse_euro)
            .sum();
        assert_eq!(plain_euro(many), "100,00");
    }
}
