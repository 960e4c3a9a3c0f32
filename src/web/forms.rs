//! Form validation results: a Dutch message per field, shown beside the field and summarised at
//! the top of the form. A form with errors is re-rendered with status 422 and the input kept.

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

/// Trims a text field and checks its length in characters.
pub fn text(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let value = value.trim().to_string();
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
