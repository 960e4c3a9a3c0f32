//! Payments to (and recoveries from) a werkingsgebied, recorded by admins, by accounting rules:
//! - a payment is never edited or deleted (the database refuses it); a wrong one is reversed by
//!   a correction that names it ([`super::corrections`]), and both stay in the history;
//! - zero, negative and absurd amounts (above the year's whole envelope) get a field error;
//! - a payment that would take the net paid of the werkingsgebied and year above its
//!   allocation in force is refused, unless it is marked as an overpayment with a motivation
//!   (kept only then), and a recovery that would take it below zero is refused ([`admit`]; the
//!   database checks the same, `payments_within_allocation` and `payments_not_below_zero`);
//! - a form sent twice records one payment ([`crate::web::idempotency`]).
//!
//! Route: `POST /werkingsgebieden/{id}/budget/betalingen`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use chrono::NaiveDate;
use serde::Deserialize;

use std::collections::BTreeMap;

use sqlx::PgConnection;

use super::db;
use super::partnership::{self, Submitted};
use super::signals;
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::{Result, ResultExt};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, FieldError, FieldErrors};
use crate::web::idempotency::{self, Claim};
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

    /// The label with its article, as a sentence names one: "het voorschot".
    pub fn with_article(self) -> &'static str {
        match self {
            Self::Voorschot => "het voorschot",
            Self::Saldo => "het saldo",
            Self::Terugvordering => "de terugvordering",
        }
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
    /// `1` when the admin pays more than allocated on purpose.
    pub overbetaling: String,
    /// Why, when it is an overpayment.
    pub motivering: String,
    pub idempotency_key: String,
}

struct ValidPayment {
    year: i16,
    kind: PaymentKind,
    paid_on: NaiveDate,
    amount_cents: i64,
    note: String,
    /// Empty unless marked as an overpayment.
    overpayment_reason: String,
}

impl ValidPayment {
    fn entry(&self, partnership_id: i64) -> Entry<'_> {
        Entry {
            partnership_id,
            year: self.year,
            kind: self.kind,
            paid_on: self.paid_on,
            amount_cents: self.amount_cents,
            note: &self.note,
            corrects: None,
            overpayment_reason: &self.overpayment_reason,
        }
    }
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

pub(super) fn capitalised(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The motivation of an overpayment, when the form marks one: required, at most [`MAX_NOTE`]
/// characters.
pub(super) fn overpayment(errors: &mut FieldErrors, marked: &str, motivation: &str) -> String {
    let motivation = motivation.trim();
    if marked.trim() != "1" {
        return String::new();
    }
    if motivation.is_empty() {
        errors.add(
            "motivering",
            "Schrijf waarom u bewust meer betaalt dan toegekend.",
        );
    } else if motivation.chars().count() > MAX_NOTE {
        errors.add(
            "motivering",
            format!("Een motivering mag hoogstens {MAX_NOTE} tekens lang zijn."),
        );
    }
    motivation.to_string()
}

/// Refuses an amount above the year's whole envelope: no werkingsgebied gets that, so it is a
/// typing error (a zero too many).
fn within_envelope(errors: &mut FieldErrors, year: i16, amount_cents: i64, envelope: Option<i64>) {
    if let Some(envelope) = envelope.filter(|e| amount_cents > *e) {
        errors.add(
            "bedrag",
            format!(
                "Het bedrag ({}) is groter dan het hele budget van {year} ({}): controleer het \
                 bedrag.",
                format::euro_cents(amount_cents),
                format::euro_cents(envelope)
            ),
        );
    }
}

/// Whether an entry (a payment or a correction) with `effect` on the net paid of `year` may be
/// stored against the werkingsgebied's (allocation in force, net paid): the overpayment
/// motivation to keep with it, or why it is refused. Above the allocation it needs the
/// `motivation` of a deliberate overpayment (kept only then); below zero, more recovered than
/// was paid, it is refused whatever is ticked.
pub(super) fn admit(
    year: i16,
    effect: i64,
    (allocated, paid): (Option<i64>, i64),
    motivation: &str,
) -> std::result::Result<String, String> {
    let after = paid + effect;
    if effect < 0 && after < 0 {
        return Err(format!(
            "Er kan niet meer teruggevorderd worden dan er betaald is: het netto betaalde voor \
             {year} is {}, dit zou {} worden.",
            format::euro_cents(paid),
            format::euro_cents(after)
        ));
    }
    if effect <= 0 || after <= allocated.unwrap_or(0) {
        return Ok(String::new());
    }
    if !motivation.is_empty() {
        return Ok(motivation.to_string());
    }
    let hint = "Is dat bewust, vink dan „Overbetaling” aan en schrijf waarom.";
    Err(match allocated {
        Some(allocated) => format!(
            "Hiermee komt het netto betaalde voor {year} op {}, {} meer dan de toekenning van \
             {}. {hint}",
            format::euro_cents(after),
            format::euro_cents(after - allocated),
            format::euro_cents(allocated)
        ),
        None => format!(
            "Voor {year} is er nog niets toegekend: dit bedrag zou helemaal te veel betaald zijn. \
             Leg eerst de toekenning vast. {hint}"
        ),
    })
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

fn validate(
    form: &PaymentForm,
    years: &[i16],
    envelopes: &BTreeMap<i16, i64>,
) -> (Option<ValidPayment>, FieldErrors) {
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
    if let (Some(year), Some(cents)) = (year, amount_cents) {
        within_envelope(&mut errors, year, cents, envelopes.get(&year).copied());
    }
    let note = note(&mut errors, &form.opmerking);
    let overpayment_reason = overpayment(&mut errors, &form.overbetaling, &form.motivering);
    let valid = match (year, kind, paid_on, amount_cents) {
        (Some(year), Some(kind), Some(paid_on), Some(amount_cents)) if errors.is_empty() => {
            Some(ValidPayment {
                year,
                kind,
                paid_on,
                amount_cents,
                note,
                overpayment_reason,
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
    (
        "payments_within_allocation",
        FieldError {
            field: "bedrag",
            message: "Hiermee komt het netto betaalde boven de toekenning (intussen werd een \
                      andere betaling geregistreerd). Is dat bewust, vink dan „Overbetaling” aan \
                      en schrijf waarom.",
        },
    ),
    (
        "payments_not_below_zero",
        FieldError {
            field: "bedrag",
            message: "Er kan niet meer teruggevorderd worden dan er betaald is (intussen \
                      veranderde wat er betaald is).",
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
    let envelopes = envelopes(&state).await?;
    let (valid, mut errors) = validate(&form, &target.years(), &envelopes);
    if let Some(v) = valid {
        let user_id = signed_in.user.user_id;
        let submission = idempotency::Submission::new(
            &form.idempotency_key,
            &(
                v.year,
                v.kind.code(),
                v.paid_on,
                v.amount_cents,
                &v.note,
                &v.overpayment_reason,
            ),
        );
        let mut tx = state.db.begin().await?;
        if let Claim::Answered { location } =
            idempotency::claim(&mut tx, user_id, &submission).await?
        {
            drop(tx);
            return Ok(idempotency::replay(&location));
        }
        let position = signals::paid_against_allocation(&mut *tx, id, v.year).await?;
        let effect = v.kind.signed(v.amount_cents);
        let admitted =
            admit(v.year, effect, position, &v.overpayment_reason).map(|overpayment_reason| {
                ValidPayment {
                    overpayment_reason,
                    ..v
                }
            });
        match admitted {
            Err(message) => errors.add("bedrag", message),
            Ok(v) => match record(&mut tx, &signed_in, &v.entry(id), CONSTRAINT_ERRORS).await? {
                Ok(()) => {
                    let location = format!("{}#betalingen", partnership::path(id));
                    idempotency::answer(&mut tx, user_id, &submission, &location).await?;
                    tx.commit().await?;
                    let message = format!(
                        "Betaling geregistreerd: {} {} voor {}.",
                        v.kind.label(),
                        format::euro_cents(v.amount_cents),
                        v.year
                    );
                    return flash::redirect(
                        &signed_in.session,
                        FlashKind::Success,
                        message,
                        &location,
                    )
                    .await;
                }
                Err(error) => errors.push(error),
            },
        }
        // The failed transaction gives its connection back before the page renders.
        drop(tx);
    }
    let page =
        partnership::page(&state, &signed_in, target, Submitted::Payment(form, errors)).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// Every envelope by year.
async fn envelopes(state: &AppState) -> Result<BTreeMap<i16, i64>> {
    Ok(db::envelopes(&state.db)
        .await?
        .into_iter()
        .map(|e| (e.year, e.amount_cents))
        .collect())
}

/// A row of `payments` about to be stored: a payment, or the correction of one.
pub(super) struct Entry<'a> {
    pub partnership_id: i64,
    pub year: i16,
    pub kind: PaymentKind,
    pub paid_on: NaiveDate,
    pub amount_cents: i64,
    pub note: &'a str,
    /// The payment it corrects, with the reason.
    pub corrects: Option<(i64, &'a str)>,
    /// Empty unless it is a deliberate overpayment ([`admit`]).
    pub overpayment_reason: &'a str,
}

/// Stores `entry` and audits it (a payment, or with `corrects` a correction), in the caller's
/// transaction; a constraint of `known` comes back as the form's field error. The note, the
/// reason and the motivation stay out of the audit trail: they may name people.
pub(super) async fn record(
    conn: &mut PgConnection,
    signed_in: &SignedIn,
    entry: &Entry<'_>,
    known: &[(&str, FieldError)],
) -> Result<std::result::Result<(), FieldError>> {
    let (corrects, reason) = entry.corrects.unzip();
    let inserted = sqlx::query_scalar!(
        r#"insert into payments (partnership_id, year, kind, paid_on, amount_cents, note,
                                 corrects_payment_id, reason, overpayment_reason, recorded_by)
           values ($1, $2, $3, $4, $5, $6, $7, coalesce($8, ''), $9, $10)
           returning payment_id"#,
        entry.partnership_id,
        entry.year,
        entry.kind as PaymentKind,
        entry.paid_on,
        entry.amount_cents,
        entry.note,
        corrects,
        reason,
        entry.overpayment_reason,
        signed_in.user.user_id
    )
    .fetch_one(&mut *conn)
    .await
    .on_constraint(known)?;
    let payment_id = match inserted {
        Ok(payment_id) => payment_id,
        Err(error) => return Ok(Err(error)),
    };
    let action = match corrects {
        Some(_) => Action::PaymentCorrected,
        None => Action::PaymentRecorded,
    };
    audit::Entry::new(action)
        .actor(&signed_in.user)
        .object("payment", payment_id)
        .details(serde_json::json!({
            "partnership_id": entry.partnership_id,
            "year": entry.year,
            "kind": entry.kind.code(),
            "paid_on": entry.paid_on,
            "amount_cents": entry.amount_cents,
            "corrects": corrects,
            "overpayment": !entry.overpayment_reason.is_empty(),
        }))
        .record(&mut *conn, &signed_in.ctx)
        .await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests;
