//! Belgian Dutch (nl-BE) formatting of numbers, dates, percentages and money.
//!
//! Templates show what these functions return; they do no formatting themselves.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Brussels;

/// `6629143` -> `6.629.143`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `part / whole` as a percentage with two decimals: `93,13%`. Computed in integers, rounded
/// half up, so the published figure does not depend on floating point.
pub fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        return "-".into();
    }
    let hundredths = (part as i128 * 10_000 * 2 + whole as i128) / (whole as i128 * 2);
    format!(
        "{},{:02}%",
        thousands((hundredths / 100) as i64),
        (hundredths % 100).abs()
    )
}

/// Money in cents, the one way every page writes an amount: always with its cents, so a
/// column lines up and "€ 120" and "€ 120,00" never stand side by side: `€ 3.000.000,00`,
/// `€ 1.234,50`, `€ -25.000,00`.
pub fn euro_cents(cents: i64) -> String {
    let (sign, abs) = split_sign(cents);
    format!("€ {sign}{},{:02}", thousands((abs / 100) as i64), abs % 100)
}

/// A change of an amount with its sign, written like [`euro_cents`]: `€ +750.000,00`,
/// `€ -100.000,50`, `€ 0,00`.
pub fn euro_change(cents: i64) -> String {
    if cents > 0 {
        format!("€ +{}", euro_cents(cents).trim_start_matches("€ "))
    } else {
        euro_cents(cents)
    }
}

fn split_sign(cents: i64) -> (&'static str, u64) {
    (if cents < 0 { "-" } else { "" }, cents.unsigned_abs())
}

/// `27/11/2026`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// An instant shown in Belgian local time: `27/11/2026 21:05`.
pub fn datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&Brussels)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// An instant with seconds, for audit trails: `27/11/2026 21:05:09`.
pub fn datetime_seconds(t: DateTime<Utc>) -> String {
    t.with_timezone(&Brussels)
        .format("%d/%m/%Y %H:%M:%S")
        .to_string()
}

/// Today in Belgium: what a deadline is compared with and a date field starts at (a due date
/// is a Belgian calendar day, whatever the server's time zone).
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&Brussels).date_naive()
}

/// `one` for 1 (and -1), `many` otherwise: "0 gemeenten", "1 gemeente".
pub fn noun(n: i64, one: &'static str, many: &'static str) -> &'static str {
    if n.abs() == 1 { one } else { many }
}

/// A count with its noun, thousands separated: `count(1, "gemeente", "gemeenten")` is
/// "1 gemeente", `count(1200, ..)` "1.200 gemeenten".
pub fn count(n: i64, one: &'static str, many: &'static str) -> String {
    format!("{} {}", thousands(n), noun(n, one, many))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn numbers_use_points_between_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1.000");
        assert_eq!(thousands(6_629_143), "6.629.143");
        assert_eq!(thousands(-1_234_567), "-1.234.567");
    }

    #[test]
    fn percentages_have_a_decimal_comma_and_two_decimals() {
        assert_eq!(percent(9313, 10000), "93,13%");
        assert_eq!(percent(261, 300), "87,00%");
        assert_eq!(percent(1, 3), "33,33%");
        assert_eq!(percent(2, 3), "66,67%");
        assert_eq!(percent(5, 0), "-");
    }

    #[test]
    fn money_is_written_the_belgian_way() {
        assert_eq!(euro_cents(300_000_000), "€ 3.000.000,00");
        assert_eq!(euro_cents(12_000), "€ 120,00");
        assert_eq!(euro_cents(123_450), "€ 1.234,50");
        assert_eq!(euro_cents(-50), "€ -0,50");
        assert_eq!(euro_cents(-2_500_005), "€ -25.000,05");
        assert_eq!(euro_cents(7), "€ 0,07");
        assert_eq!(euro_change(75_000_000), "€ +750.000,00");
        assert_eq!(euro_change(-10_000_050), "€ -100.000,50");
        assert_eq!(euro_change(0), "€ 0,00");
    }

    #[test]
    fn dates_are_day_month_year_and_instants_use_brussels_time() {
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()),
            "27/11/2026"
        );
        // 20:05 UTC is 21:05 in Brussels in winter, 22:05 in summer.
        let winter = Utc.with_ymd_and_hms(2026, 11, 27, 20, 5, 0).unwrap();
        assert_eq!(datetime(winter), "27/11/2026 21:05");
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 20, 5, 0).unwrap();
        assert_eq!(datetime(summer), "01/07/2026 22:05");
    }
}
