//! The agreement form: read from the raw form body (one checkbox per municipality plus its
//! council decision fields), kept as typed text for re-rendering, and validated into an
//! [`AgreementInput`] with a Dutch message per wrong field.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::db::{Agreement, Binding};
use crate::actions::db::Member;
use crate::web::forms::{FieldErrors, date_range, parse_date, text};

const MAX_NOTES: usize = 10_000;
const MAX_URL: usize = 2_000;

/// A municipality's part of the form, as typed.
#[derive(Clone, Debug, Default)]
pub struct BindingForm {
    pub bound: bool,
    pub decision_on: String,
    pub decision_url: String,
}

/// What the user typed, kept as text so that a form with errors shows it again.
#[derive(Clone, Debug, Default)]
pub struct AgreementForm {
    pub partnership_id: String,
    pub title: String,
    pub vdab_service: String,
    pub vdab_contact: String,
    pub local_contact: String,
    pub starts_on: String,
    pub ends_on: String,
    pub signed_on: String,
    pub notes: String,
    /// Per NIS code of a member municipality; codes that are no member are kept too, so that
    /// validation can refuse them.
    pub bindings: BTreeMap<String, BindingForm>,
    pub version: String,
    pub idempotency_key: String,
}

/// A validated municipality binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingInput {
    pub nis_code: String,
    pub decision_on: Option<NaiveDate>,
    pub decision_url: String,
}

/// A validated agreement, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgreementInput {
    pub title: String,
    pub vdab_service: String,
    pub vdab_contact: String,
    pub local_contact: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub signed_on: Option<NaiveDate>,
    pub notes: String,
    pub bindings: Vec<BindingInput>,
}

impl AgreementForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let one = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut bindings: BTreeMap<String, BindingForm> = BTreeMap::new();
        for (key, value) in pairs {
            if key == "gemeente" {
                bindings.entry(value.trim().to_string()).or_default().bound = true;
            } else if let Some(nis) = key.strip_prefix("raad_") {
                bindings.entry(nis.to_string()).or_default().decision_on = value.clone();
            } else if let Some(nis) = key.strip_prefix("url_") {
                bindings.entry(nis.to_string()).or_default().decision_url = value.clone();
            }
        }
        Self {
            partnership_id: one("partnership_id"),
            title: one("title"),
            vdab_service: one("vdab_service"),
            vdab_contact: one("vdab_contact"),
            local_contact: one("local_contact"),
            starts_on: one("starts_on"),
            ends_on: one("ends_on"),
            signed_on: one("signed_on"),
            notes: one("notes"),
            bindings,
            version: one("version"),
            idempotency_key: one("idempotency_key"),
        }
    }

    /// The form as it would show a stored agreement.
    pub fn of(agreement: &Agreement, bindings: &[Binding]) -> Self {
        Self {
            partnership_id: agreement.partnership_id.to_string(),
            title: agreement.title.clone(),
            vdab_service: agreement.vdab_service.clone(),
            vdab_contact: agreement.vdab_contact.clone(),
            local_contact: agreement.local_contact.clone(),
            starts_on: agreement.starts_on.to_string(),
            ends_on: agreement.ends_on.to_string(),
            signed_on: agreement
                .signed_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            notes: agreement.notes.clone(),
            bindings: bindings
                .iter()
                .map(|b| {
                    let form = BindingForm {
                        bound: true,
                        decision_on: b
                            .council_decision_on
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        decision_url: b.council_decision_url.clone(),
                    };
                    (b.nis_code.clone(), form)
                })
                .collect(),
            version: agreement.version.to_string(),
            idempotency_key: String::new(),
        }
    }

    /// The typed part for one municipality, empty when it has none.
    pub fn binding(&self, nis_code: &str) -> BindingForm {
        self.bindings.get(nis_code).cloned().unwrap_or_default()
    }
}

/// An optional single-line text of at most 200 characters.
fn optional_text(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
) -> String {
    let value = value.replace(['\t', '\n', '\r'], " ").trim().to_string();
    if value.chars().count() > 200 {
        errors.add(
            field,
            format!("{label} mag hoogstens 200 tekens lang zijn."),
        );
    }
    value
}

/// A link to a published council decision: empty, or a web address without spaces.
fn decision_url(value: &str) -> Result<String, ()> {
    let value = value.trim();
    let ok = value.is_empty()
        || ((value.starts_with("https://") || value.starts_with("http://"))
            && value.len() <= MAX_URL
            && value.len() > "https://".len()
            && !value.chars().any(|c| c.is_whitespace() || c.is_control()));
    if ok { Ok(value.to_string()) } else { Err(()) }
}

/// Checks the form against the werkingsgebied's `members`; `signed` says whether the agreement
/// is signed already (then it keeps a signing date).
pub fn validate(
    form: &AgreementForm,
    members: &[Member],
    signed: bool,
) -> (Option<AgreementInput>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let title = text(&mut errors, "title", "de titel", &form.title, 200);
    let vdab_service = optional_text(
        &mut errors,
        "vdab_service",
        "De VDAB-dienst",
        &form.vdab_service,
    );
    let vdab_contact = optional_text(
        &mut errors,
        "vdab_contact",
        "De contactpersoon bij VDAB",
        &form.vdab_contact,
    );
    let local_contact = optional_text(
        &mut errors,
        "local_contact",
        "De lokale contactpersoon",
        &form.local_contact,
    );
    let (starts_on, ends_on) = date_range(&mut errors, &form.starts_on, &form.ends_on);
    let signed_on = match form.signed_on.trim() {
        "" if signed => {
            errors.add(
                "signed_on",
                "Een ondertekende overeenkomst heeft een datum van ondertekening.",
            );
            None
        }
        "" => None,
        value => {
            let date = parse_date(value);
            if date.is_none() {
                errors.add(
                    "signed_on",
                    "Vul een geldige datum van ondertekening in (dd/mm/jjjj), tussen 2000 en 2100.",
                );
            }
            date
        }
    };
    let notes = form.notes.trim().to_string();
    if notes.chars().count() > MAX_NOTES {
        errors.add(
            "notes",
            format!("De notities mogen hoogstens {MAX_NOTES} tekens lang zijn."),
        );
    }

    let mut bindings = Vec::new();
    for (nis, typed) in &form.bindings {
        let Some(member) = members.iter().find(|m| &m.nis_code == nis) else {
            errors.add("gemeente", "Kies alleen gemeenten van dit werkingsgebied.");
            continue;
        };
        if !typed.bound {
            if !typed.decision_on.trim().is_empty() || !typed.decision_url.trim().is_empty() {
                errors.add(
                    "gemeente",
                    format!(
                        "U vulde een raadsbeslissing in voor {}, maar vinkte de gemeente niet aan.",
                        member.name
                    ),
                );
            }
            continue;
        }
        let decision_on = match typed.decision_on.trim() {
            "" => None,
            value => {
                let date = parse_date(value);
                if date.is_none() {
                    errors.add(
                        "gemeente",
                        format!(
                            "Vul voor {} een geldige datum van de raadsbeslissing in (dd/mm/jjjj).",
                            member.name
                        ),
                    );
                }
                date
            }
        };
        let Ok(decision_url) = decision_url(&typed.decision_url) else {
            errors.add(
                "gemeente",
                format!(
                    "De link naar de raadsbeslissing van {} moet een webadres zijn dat begint met https://.",
                    member.name
                ),
            );
            continue;
        };
        bindings.push(BindingInput {
            nis_code: nis.clone(),
            decision_on,
            decision_url,
        });
    }

    if bindings.is_empty() && errors.get("gemeente").is_none() {
        errors.add(
            "gemeente",
            "Vink minstens één gemeente aan die de overeenkomst bindt.",
        );
    }

    let input = match (starts_on, ends_on) {
        (Some(starts_on), Some(ends_on)) if errors.is_empty() => Some(AgreementInput {
            title,
            vdab_service,
            vdab_contact,
            local_contact,
            starts_on,
            ends_on,
            signed_on,
            notes,
            bindings,
        }),
        _ => None,
    };
    (input, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> Vec<Member> {
        vec![
            Member {
                nis_code: "44021".into(),
                name: "Gent".into(),
            },
            Member {
                nis_code: "44084".into(),
                name: "Lochristi".into(),
            },
        ]
    }

    fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn valid() -> Vec<(String, String)> {
        pairs(&[
            ("title", " Samen sterk voor lokaal werk "),
            ("starts_on", "2023-01-01"),
            ("ends_on", "31/12/2025"),
            ("gemeente", "44021"),
            ("raad_44021", "2022-12-19"),
            ("url_44021", "https://gent.be/besluit/1"),
            ("raad_44084", ""),
        ])
    }

    #[test]
    fn a_valid_form_binds_the_ticked_municipalities() {
        let form = AgreementForm::from_pairs(&valid());
        let (input, errors) = validate(&form, &members(), false);
        assert!(errors.is_empty(), "{errors:?}");
        let input = input.unwrap();
        assert_eq!(input.title, "Samen sterk voor lokaal werk");
        assert_eq!(
            input.bindings,
            vec![BindingInput {
                nis_code: "44021".into(),
                decision_on: NaiveDate::from_ymd_opt(2022, 12, 19),
                decision_url: "https://gent.be/besluit/1".into(),
            }]
        );
    }

    #[test]
    fn only_members_may_be_bound() {
        let mut fields = valid();
        fields.push(("gemeente".into(), "11002".into()));
        let (input, errors) = validate(&AgreementForm::from_pairs(&fields), &members(), false);
        assert!(input.is_none());
        assert_eq!(
            errors.get("gemeente"),
            Some("Kies alleen gemeenten van dit werkingsgebied.")
        );
    }

    #[test]
    fn links_must_be_web_addresses() {
        for bad in ["javascript:alert(1)", "https://a b", "ftp://x", "https://"] {
            let mut fields = valid();
            fields.retain(|(k, _)| k != "url_44021");
            fields.push(("url_44021".into(), bad.into()));
            let (input, errors) = validate(&AgreementForm::from_pairs(&fields), &members(), false);
            assert!(input.is_none(), "{bad}");
            assert!(errors.get("gemeente").unwrap().contains("Gent"), "{bad}");
        }
    }

    #[test]
    fn an_agreement_binds_at_least_one_municipality() {
        let mut fields = valid();
        fields.retain(|(k, _)| k != "gemeente");
        fields.retain(|(k, _)| !k.starts_with("raad_") && !k.starts_with("url_"));
        let (input, errors) = validate(&AgreementForm::from_pairs(&fields), &members(), false);
        assert!(input.is_none());
        assert_eq!(
            errors.get("gemeente"),
            Some("Vink minstens één gemeente aan die de overeenkomst bindt.")
        );
    }

    #[test]
    fn a_signed_agreement_keeps_its_signing_date() {
        let form = AgreementForm::from_pairs(&valid());
        let (input, errors) = validate(&form, &members(), true);
        assert!(input.is_none());
        assert!(errors.get("signed_on").is_some());
    }

    #[test]
    fn a_decision_for_an_unticked_municipality_is_not_silently_dropped() {
        let mut fields = valid();
        fields.push(("raad_44084".into(), "2023-01-10".into()));
        let (input, errors) = validate(&AgreementForm::from_pairs(&fields), &members(), false);
        assert!(input.is_none());
        assert!(errors.get("gemeente").unwrap().contains("Lochristi"));
    }
}
