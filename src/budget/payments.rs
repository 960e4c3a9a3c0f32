//! Payments to (and recoveries from) a werkingsgebied, recorded by admins. A payment is never
//! edited or deleted (the database refuses it): a wrong one is corrected with a recovery
//! (terugvordering), so what was paid and corrected stays visible.
//!
//! Route: `POST /werkingsgebieden/{id}/budget/betalingen`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use chrono::NaiveDate;
use serde::Deserialize;

use super::partnership::{self, Submitted};
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::{Result, ResultExt};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, FieldError, FieldErrors};
use crate::web::money::{MAX_CENTS, parse_euro_unbounded};
use crate::web::{format, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new().route("/werkingsgebieden/{id}/budget/betalingen", post(create))
}

/// The longest note on a payment or a spending report (the database checks the same).
pub(super) const MAX_NOTE: usize = 2000;

/// Stored as the PostgreSQL enum `payment_kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "payment_kind", rename_all = "snake_case")]
pub enum PaymentKind {
    Voorschot,
    Saldo,
    Terugvordering,
}

impl PaymentKind {
    pub const ALL: [Self; 3] = [Self::Voorschot, Self::Saldo, Self::Terugvordering];

    pub fn code(self) -> &'static str {
        match self {
            Self::Voorschot => "voorschot",
            Self::Saldo => "saldo",
            Self::Terugvordering => "terugvordering",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Voorschot => "voorschot",
            Self::Saldo => "saldo",
            Self::Terugvordering => "terugvordering",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    /// What the payment adds to the net amount paid: a recovery counts against it.
    pub fn signed(self, amount_cents: i64) -> i64 {
        match self {
            Self::Terugvordering => -amount_cents,
            Self::Voorschot | Self::Saldo => amount_cents,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PaymentForm {
    pub jaar: String,
    pub soort: String,
    pub datum: String,
    pub bedrag: String,
    pub opmerking: String,
}

struct ValidPayment {
    year: i16,
    kind: PaymentKind,
    paid_on: NaiveDate,
    amount_cents: i64,
    note: String,
}

/// The year a form names, if it is one of `years` (the werkingsgebied's policy period); the
/// error names the years that are.
pub(super) fn year_of_period(errors: &mut FieldErrors, value: &str, years: &[i16]) -> Option<i16> {
    let year = value
        .trim()
        .parse::<i16>()
        .ok()
        .filter(|y| years.contains(y));
    if year.is_none() {
        errors.add("jaar", year_message(years));
    }
    year
}

fn year_message(years: &[i16]) -> String {
    let list: Vec<String> = years.iter().map(i16::to_string).collect();
    format!(
        "Kies een jaar van de beleidsperiode van dit werkingsgebied: {}.",
        list.join(", ")
    )
}

/// A required amount in euro: `label` names it in the message. `positive` refuses zero.
pub(super) fn amount(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    positive: bool,
) -> Option<i64> {
    let value = value.trim();
    let message = if value.is_empty() {
        format!("Vul {label} in, in euro (bv. 12.500,00).")
    } else if value.starts_with('-') {
        format!("{} kan niet negatief zijn.", capitalised(label))
    } else {
        match parse_euro_unbounded(value) {
            Some(cents) if cents > MAX_CENTS => {
                format!(
                    "{} is te groot (hoogstens {}).",
                    capitalised(label),
                    format::euro_cents(MAX_CENTS)
                )
            }
            Some(0) if positive => format!("{} moet groter dan nul zijn.", capitalised(label)),
            Some(cents) => return Some(cents),
            None => format!("Vul {label} in met cijfers, bv. 12.500,00."),
        }
    };
    errors.add(field, message);
    None
}

fn capitalised(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An optional note of at most [`MAX_NOTE`] characters, trimmed.
pub(super) fn note(errors: &mut FieldErrors, value: &str) -> String {
    let value = value.trim().to_string();
    if value.chars().count() > MAX_NOTE {
        errors.add(
            "opmerking",
            format!("Een opmerking mag hoogstens {MAX_NOTE} tekens lang zijn."),
        );
    }
    value
}

fn validate(form: &PaymentForm, years: &[i16]) -> (Option<ValidPayment>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let year = year_of_period(&mut errors, &form.jaar, years);
    let kind = PaymentKind::parse(&form.soort);
    if kind.is_none() {
        errors.add("soort", "Kies voorschot, saldo of terugvordering.");
    }
    let paid_on = forms::parse_date(&form.datum);
    if paid_on.is_none() {
        errors.add(
            "datum",
            "Vul een geldige datum in (dd/mm/jjjj), tussen 2000 en 2100.",
        );
    }
    let amount_cents = amount(&mut errors, "bedrag", "het bedrag", &form.bedrag, true);
    let note = note(&mut errors, &form.opmerking);
    let valid = match (year, kind, paid_on, amount_cents) {
        (Some(year), Some(kind), Some(paid_on), Some(amount_cents)) if errors.is_empty() => {
            Some(ValidPayment {
                year,
                kind,
                paid_on,
                amount_cents,
                note,
            })
        }
        _ => None,
    };
    (valid, errors)
}

/// What the named constraints of `payments` mean on the form. The form checks all of them
/// first; the database has the last word (the period's dates could change meanwhile).
const CONSTRAINT_ERRORS: &[(&str, FieldError)] = &[
    (
        "budget_year_in_period",
        FieldError {
            field: "jaar",
            message: "Dit jaar valt buiten de beleidsperiode van dit werkingsgebied.",
        },
    ),
    (
        "payments_paid_on",
        FieldError {
            field: "datum",
            message: "Vul een datum tussen 2000 en 2100 in.",
        },
    ),
    (
        "payments_amount",
        FieldError {
            field: "bedrag",
            message: "Het bedrag moet groter dan nul zijn.",
        },
    ),
];

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<PaymentForm>,
) -> Result<Response> {
    let target = partnership::target(&state, &signed_in, id, |a| a.pay).await?;
    let (valid, mut errors) = validate(&form, &target.years());
    if let Some(v) = valid {
        let mut tx = state.db.begin().await?;
        let inserted = sqlx::query_scalar!(
            r#"insert into payments (partnership_id, year, kind, paid_on, amount_cents, note,
                                     recorded_by)
               values ($1, $2, $3, $4, $5, $6, $7)
               returning payment_id"#,
            id,
            v.year,
            v.kind as PaymentKind,
            v.paid_on as NaiveDate,
            v.amount_cents,
            v.note,
            signed_in.user.user_id
        )
        .fetch_one(&mut *tx)
        .await
        .on_constraint(CONSTRAINT_ERRORS)?;
        match inserted {
            Ok(payment_id) => {
                // The note stays out of the audit trail: it may name people.
                audit::Entry::new(Action::PaymentRecorded)
                    .actor(&signed_in.user)
                    .object("payment", payment_id)
                    .details(serde_json::json!({
                        "partnership_id": id,
                        "year": v.year,
                        "kind": v.kind.code(),
                        "paid_on": v.paid_on,
                        "amount_cents": v.amount_cents,
                    }))
                    .record(&mut *tx, &signed_in.ctx)
                    .await?;
                tx.commit().await?;
                return flash::redirect(
                    &signed_in.session,
                    FlashKind::Success,
                    format!(
                        "Betaling geregistreerd: {} {} voor {}.",
                        v.kind.label(),
                        format::euro_cents(v.amount_cents),
                        v.year
                    ),
                    &format!("{}#betalingen", partnership::path(id)),
                )
                .await;
            }
            Err(error) => {
                // The failed transaction gives its connection back before the page renders.
                drop(tx);
                errors.push(error);
            }
        }
    }
    let page =
        partnership::page(&state, &signed_in, target, Submitted::Payment(form, errors)).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(jaar: &str, soort: &str, datum: &str, bedrag: &str) -> PaymentForm {
        PaymentForm {
            jaar: jaar.into(),
            soort: soort.into(),
            datum: datum.into(),
            bedrag: bedrag.into(),
            opmerking: String::new(),
        }
    }

    #[test]
    fn a_payment_in_a_year_of_the_period_is_accepted() {
        let (valid, errors) = validate(
            &form("2024", "voorschot", "15/03/2024", "25.000,00"),
            &[2023, 2024, 2025],
        );
        assert!(errors.is_empty(), "{errors:?}");
        let v = valid.unwrap();
        assert_eq!(
            (v.year, v.kind, v.amount_cents),
            (2024, PaymentKind::Voorschot, 2_500_000)
        );
    }

    #[test]
    fn wrong_years_kinds_dates_and_amounts_get_a_message_each() {
        let (valid, errors) = validate(&form("2022", "gift", "31/02/2024", "-5"), &[2023, 2024]);
        assert!(valid.is_none());
        assert!(errors.get("jaar").unwrap().contains("2023, 2024"));
        assert!(errors.get("soort").is_some());
        assert!(errors.get("datum").is_some());
        assert_eq!(
            errors.get("bedrag"),
            Some("Het bedrag kan niet negatief zijn.")
        );
        for bad in ["0", "0,00", "abc", "", "2.000.000.000,00"] {
            let (_, errors) = validate(&form("2023", "saldo", "2023-05-01", bad), &[2023]);
            assert!(errors.get("bedrag").is_some(), "{bad:?}");
        }
    }

    #[test]
    fn a_recovery_counts_against_what_was_paid() {
        let net: i64 = [
            (PaymentKind::Voorschot, 10),
            (PaymentKind::Saldo, 20),
            (PaymentKind::Terugvordering, 7),
        ]
        .iter()
        .map(|(k, c)| k.signed(*c))
        .sum();
        assert_eq!(net, 23);
    }
}
