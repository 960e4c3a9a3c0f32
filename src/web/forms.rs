//! Form validation results: a Dutch message per field, shown beside the field and summarised at
//! the top of the form. A form with errors is re-rendered with status 422 and the input kept.

use chrono::{Datelike, NaiveDate};

/// One Dutch message for one field, for errors known in advance (such as what a database
/// constraint means, see [`crate::error::ResultExt::on_constraint`]).
#[derive(Clone, Copy, Debug)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

/// Errors per field name, in the order they were found.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.add(error.field, error.message);
    }

    /// The message for one field, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All `(field, message)` pairs, for the summary at the top of a form.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(f, m)| (*f, m.as_str()))
    }
}

/// More inhabitants than this are a typing error (Flanders has fewer than seven million).
pub const MAX_INHABITANTS: i64 = 100_000_000;

/// A number of inhabitants as people type it: `80000`, `80.000` or `80 000` (points only
/// between groups of three digits); `None` for anything else or above [`MAX_INHABITANTS`].
pub fn parse_inhabitants(value: &str) -> Option<i64> {
    let value: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let mut groups = value.split('.');
    let first = groups.next()?;
    let rest: Vec<&str> = groups.collect();
    let digits = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    let grouped =
        rest.is_empty() || ((1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3));
    if !digits(first) || !rest.iter().all(|g| digits(g)) || !grouped {
        return None;
    }
    let number: i64 = value.replace('.', "").parse().ok()?;
    (number <= MAX_INHABITANTS).then_some(number)
}

/// The years a date in this application can fall in. Anything outside is a typing error, and
/// unbounded years would let one action fill the per-year priority counts with thousands of
/// rows (the database checks the same range).
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Parses a date to be stored, as the browser's date field sends it (2026-11-27) or as people
/// type it (27/11/2026); `None` for a date outside [`YEARS`].
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    parse_any_date(value).filter(|date| YEARS.contains(&date.year()))
}

/// Parses a date of any year, for filters that store nothing.
pub fn parse_any_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%d/%m/%Y"))
        .ok()
}

/// A required begin date (`starts_on`) and a required end date (`ends_on`) after it.
pub fn date_range(
    errors: &mut FieldErrors,
    starts_on: &str,
    ends_on: &str,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let starts = parse_date(starts_on);
    if starts.is_none() {
        errors.add(
            "starts_on",
            "Vul een geldige begindatum in (dd/mm/jjjj), tussen 2000 en 2100.",
        );
    }
    let ends = parse_date(ends_on);
    if ends.is_none() {
        errors.add(
            "ends_on",
            "Vul een geldige einddatum in (dd/mm/jjjj), tussen 2000 en 2100.",
        );
    }
    if let (Some(s), Some(e)) = (starts, ends)
        && e <= s
    {
        errors.add("ends_on", "De einddatum moet na de begindatum liggen.");
    }
    (starts, ends)
}

/// Trims a single-line text field, turns tabs and newlines into spaces, and checks its length
/// in characters.
pub fn text(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let value = value.replace(['\t', '\n', '\r'], " ").trim().to_string();
    if value.is_empty() {
        errors.add(field, format!("Vul {label} in."));
    } else if value.chars().count() > max {
        errors.add(
            field,
            format!("{label} mag hoogstens {max} tekens lang zijn."),
        );
    }
    value
}

/// One option of a select list, a group of checkboxes or of radio buttons: the value the form
/// sends, the label a person reads, and whether it is chosen now. Templates write `selected`
/// or `checked` from the one flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl Into<String>, selected: bool) -> Self {
        Self {
            value: value.to_string(),
            label: label.into(),
            selected,
        }
    }
}
