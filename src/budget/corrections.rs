//! Correcting a payment. A payment is never edited or deleted: a mistake is reversed by a
//! correction (a storno) that names the payment, with a reason, the same kind and amount and the
//! opposite effect on the net paid, dated the day it is entered. Both stay in the history; a
//! right payment, if one is due, is then entered as a new one. A payment is corrected once; a
//! correction is not corrected (the database checks both).
//!
//! Routes (admins, as payments): `GET /werkingsgebieden/{id}/budget/betalingen/{payment}/corrigeren`
//! (what the correction does, and its form) and `POST` to the same address (`reden`; for the
//! correction of a recovery, which raises the net paid, the overpayment fields of a payment).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::{PgConnection, PgExecutor};

use super::partnership::{self, Target};
use super::payments::{Entry, MAX_NOTE, PaymentKind, admit, overpayment, record};
use super::signals;
use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::format::today;
use crate::web::forms::{FieldError, FieldErrors};
use crate::web::idempotency::{self, Claim};
use crate::web::layout::Layout;
use crate::web::{format, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/werkingsgebieden/{id}/budget/betalingen/{payment}/corrigeren",
        get(show).post(create),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CorrectionForm {
    reden: String,
    overbetaling: String,
    motivering: String,
    idempotency_key: String,
}

/// The payment to correct, as stored.
struct Original {
    payment_id: i64,
    year: i16,
    kind: PaymentKind,
    paid_on: NaiveDate,
    amount_cents: i64,
    /// It is itself a correction.
    is_correction: bool,
    /// The day it was corrected, if it was.
    corrected_on: Option<NaiveDate>,
}

impl Original {
    /// What its correction adds to the net paid.
    fn reversal(&self) -> i64 {
        -self.kind.signed(self.amount_cents)
    }

    /// Why it cannot be corrected, if it cannot.
    fn refusal(&self) -> Option<String> {
        if self.is_correction {
            return Some(
                "Dit is zelf een correctie; een correctie wordt niet gecorrigeerd. Registreer \
                 zo nodig een nieuwe, juiste betaling."
                    .into(),
            );
        }
        self.corrected_on.map(|on| {
            format!(
                "Deze betaling werd al gecorrigeerd op {}; dat gebeurt maar één keer.",
                format::date(on)
            )
        })
    }
}

/// Payment `payment` of werkingsgebied `partnership_id`, or 404.
async fn original(db: impl PgExecutor<'_>, partnership_id: i64, payment: i64) -> Result<Original> {
    sqlx::query_as!(
        Original,
        r#"select p.payment_id, p.year, p.kind as "kind: PaymentKind",
                  p.paid_on as "paid_on: NaiveDate", p.amount_cents,
                  p.corrects_payment_id is not null as "is_correction!",
                  c.paid_on as "corrected_on?: NaiveDate"
           from payments p left join payments c on c.corrects_payment_id = p.payment_id
           where p.payment_id = $2 and p.partnership_id = $1"#,
        partnership_id,
        payment
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "budget/correction.html")]
struct CorrectionPage {
    layout: Layout,
    target: Target,
    payment_id: i64,
    /// "voorschot van € 25.000,00 voor 2026, betaald op 15/03/2026".
    payment: String,
    /// What the correction does to the net paid.
    effect: String,
    /// Why it cannot be corrected, if it cannot; then there is no form.
    refusal: String,
    /// The correction raises the net paid (it reverses a recovery): the overpayment fields.
    raises: bool,
    form: CorrectionForm,
    errors: FieldErrors,
}

impl CorrectionPage {
    async fn build(
        signed_in: &SignedIn,
        target: Target,
        o: &Original,
        form: CorrectionForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let form = CorrectionForm {
            idempotency_key: idempotency::keep_or_new(&form.idempotency_key),
            ..form
        };
        Ok(Self {
            layout: signed_in
                .layout(format!("Betaling corrigeren · {}", target.p.name))
                .await?,
            payment_id: o.payment_id,
            payment: format!(
                "{} van {} voor {}, betaald op {}",
                o.kind.label(),
                format::euro_cents(o.amount_cents),
                o.year,
                format::date(o.paid_on)
            ),
            effect: format!(
                "De correctie {} het netto betaalde van {} met {}; de betaling en haar \
                 correctie blijven allebei in de geschiedenis.",
                if o.reversal() < 0 {
                    "verlaagt"
                } else {
                    "verhoogt"
                },
                o.year,
                format::euro_cents(o.reversal().abs())
            ),
            refusal: o.refusal().unwrap_or_default(),
            raises: o.reversal() > 0,
            target,
            form,
            errors,
        })
    }
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, payment)): Path<(i64, i64)>,
) -> Result<Response> {
    let target = partnership::target(&state, &signed_in, id, |a| a.pay).await?;
    let o = original(&state.db, id, payment).await?;
    let page = CorrectionPage::build(
        &signed_in,
        target,
        &o,
        CorrectionForm::default(),
        FieldErrors::new(),
    )
    .await?;
    render_with_status(StatusCode::OK, &page)
}

/// The reason and, for a correction that raises the net paid, the overpayment's motivation.
fn validate(form: &CorrectionForm) -> std::result::Result<(String, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let reason = form.reden.trim();
    if reason.is_empty() {
        errors.add("reden", "Schrijf waarom deze betaling gecorrigeerd wordt.");
    } else if reason.chars().count() > MAX_NOTE {
        errors.add(
            "reden",
            format!("De reden mag hoogstens {MAX_NOTE} tekens lang zijn."),
        );
    }
    let motivation = overpayment(&mut errors, &form.overbetaling, &form.motivering);
    if errors.is_empty() {
        Ok((reason.to_string(), motivation))
    } else {
        Err(errors)
    }
}

/// What the named constraints of a correction mean on the form.
const CONSTRAINT_ERRORS: &[(&str, FieldError)] = &[
    (
        "payments_corrected_once",
        FieldError {
            field: "reden",
            message: "Deze betaling werd intussen al gecorrigeerd.",
        },
    ),
    (
        "payments_within_allocation",
        FieldError {
            field: "reden",
            message: "Hiermee komt het netto betaalde boven de toekenning. Is dat bewust, vink \
                      dan „Overbetaling” aan en schrijf waarom.",
        },
    ),
    (
        "payments_not_below_zero",
        FieldError {
            field: "reden",
            message: "Er kan niet meer teruggevorderd worden dan er betaald is (intussen \
                      veranderde wat er betaald is).",
        },
    ),
];

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, payment)): Path<(i64, i64)>,
    Form(form): Form<CorrectionForm>,
) -> Result<Response> {
    let target = partnership::target(&state, &signed_in, id, |a| a.pay).await?;
    let o = original(&state.db, id, payment).await?;
    let user_id = signed_in.user.user_id;
    let submission = idempotency::Submission::new(
        &form.idempotency_key,
        &(payment, &form.reden, &form.overbetaling, &form.motivering),
    );
    let (status, errors) = match validate(&form) {
        Err(refused) => (StatusCode::UNPROCESSABLE_ENTITY, refused),
        Ok((reason, motivation)) => {
            let mut tx = state.db.begin().await?;
            if let Claim::Answered { location } =
                idempotency::claim(&mut tx, user_id, &submission).await?
            {
                return Ok(idempotency::replay(&location));
            }
            match correct(&mut tx, &signed_in, id, &o, (&reason, &motivation)).await? {
                Err(refused) => refused,
                Ok(()) => {
                    let location = format!("{}#betalingen", partnership::path(id));
                    idempotency::answer(&mut tx, user_id, &submission, &location).await?;
                    tx.commit().await?;
                    let message = format!(
                        "Betaling gecorrigeerd: {} van {} voor {}.",
                        o.kind.with_article(),
                        format::euro_cents(o.amount_cents),
                        o.year
                    );
                    return flash::redirect(
                        &signed_in.session,
                        FlashKind::Success,
                        message,
                        &location,
                    )
                    .await;
                }
            }
        }
    };
    let page = CorrectionPage::build(&signed_in, target, &o, form, errors).await?;
    render_with_status(status, &page)
}

/// Checks and stores the correction of `o` in the caller's transaction; a refusal comes back
/// with its status and the form's errors.
async fn correct(
    conn: &mut PgConnection,
    signed_in: &SignedIn,
    id: i64,
    o: &Original,
    (reason, motivation): (&str, &str),
) -> Result<std::result::Result<(), (StatusCode, FieldErrors)>> {
    let mut errors = FieldErrors::new();
    if let Some(refusal) = o.refusal() {
        errors.add("reden", refusal);
        return Ok(Err((StatusCode::CONFLICT, errors)));
    }
    let position = signals::paid_against_allocation(&mut *conn, id, o.year).await?;
    let overpayment = match admit(o.year, o.reversal(), position, motivation) {
        Ok(overpayment) => overpayment,
        Err(message) => {
            errors.add("reden", message);
            return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, errors)));
        }
    };
    let entry = Entry {
        partnership_id: id,
        year: o.year,
        kind: o.kind,
        paid_on: today(),
        amount_cents: o.amount_cents,
        note: "",
        corrects: Some((o.payment_id, reason)),
        overpayment_reason: &overpayment,
    };
    Ok(record(conn, signed_in, &entry, CONSTRAINT_ERRORS)
        .await?
        .map_err(|error| {
            errors.push(error);
            (StatusCode::UNPROCESSABLE_ENTITY, errors)
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn original(kind: PaymentKind, corrected: bool, is_correction: bool) -> Original {
        Original {
            payment_id: 7,
            year: 2026,
            kind,
            paid_on: NaiveDate::from_ymd_opt(2026, 3, 15).unwrap(),
            amount_cents: 2_500_000,
            is_correction,
            corrected_on: corrected.then(|| NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()),
        }
    }

    #[test]
    fn a_correction_reverses_its_payment_once() {
        assert_eq!(
            original(PaymentKind::Voorschot, false, false).reversal(),
            -2_500_000
        );
        assert_eq!(
            original(PaymentKind::Terugvordering, false, false).reversal(),
            2_500_000
        );
        assert_eq!(original(PaymentKind::Saldo, false, false).refusal(), None);
        assert!(
            original(PaymentKind::Saldo, true, false)
                .refusal()
                .unwrap()
                .contains("al gecorrigeerd op 01/04/2026")
        );
        assert!(
            original(PaymentKind::Saldo, false, true)
                .refusal()
                .unwrap()
                .contains("zelf een correctie")
        );
    }

    #[test]
    fn a_correction_needs_a_reason() {
        let form = |reden: &str| CorrectionForm {
            reden: reden.into(),
            ..CorrectionForm::default()
        };
        assert!(validate(&form("  ")).unwrap_err().get("reden").is_some());
        assert_eq!(
            validate(&form(" Dubbel betaald. ")).unwrap(),
            ("Dubbel betaald.".to_string(), String::new())
        );
    }
}
