//! The forms and payment lines of a werkingsgebied's budget page, as the template reads them:
//! each payment with its correction, and the spending and payment forms with what a refused
//! form sent.

use super::*;

pub(super) struct PaymentLine {
    pub(super) id: i64,
    pub(super) date: String,
    /// "voorschot", or "correctie van het voorschot van 15/03/2026".
    pub(super) kind: String,
    /// Its effect on the net paid: negative for a recovery and a correction of a payment.
    pub(super) amount: String,
    pub(super) note: String,
    /// The reason of a correction, the motivation of an overpayment.
    pub(super) reason: String,
    pub(super) overpayment: String,
    /// "gecorrigeerd op ..." once corrected.
    pub(super) corrected: String,
    /// Not corrected and no correction itself: the "Corrigeren" link (for who may pay).
    pub(super) correctable: bool,
    pub(super) recorded: String,
}

impl From<StoredPayment> for PaymentLine {
    fn from(p: StoredPayment) -> Self {
        Self {
            id: p.payment_id,
            date: format::date(p.paid_on),
            kind: match p.corrects {
                Some((_, on)) => {
                    format!(
                        "correctie van {} van {}",
                        p.kind.with_article(),
                        format::date(on)
                    )
                }
                None => p.kind.label().to_string(),
            },
            amount: format::euro_cents(p.net_cents),
            note: p.note,
            reason: p.reason,
            overpayment: p.overpayment_reason,
            corrected: p
                .corrected_on
                .map(|on| format!("gecorrigeerd op {}", format::date(on)))
                .unwrap_or_default(),
            correctable: p.corrects.is_none() && p.corrected_on.is_none(),
            recorded: who_when(p.recorded_by, p.recorded_at),
        }
    }
}

/// The spending form of one year, with the input and errors of a failed save.
pub(super) struct SpendingFormView {
    pub(super) year: i16,
    pub(super) version: String,
    pub(super) idempotency_key: String,
    /// Personeel, werking, acties.
    pub(super) amounts: [AmountField; 3],
    pub(super) note: String,
    /// The logged action costs, offered as the amount for actions.
    pub(super) suggestion: String,
    pub(super) errors: FieldErrors,
    /// Open when it carries an error.
    pub(super) open: bool,
}

/// One amount field of the spending form.
pub(super) struct AmountField {
    pub(super) name: &'static str,
    pub(super) label: &'static str,
    pub(super) value: String,
}

fn amount_fields(staff: String, operating: String, actions: String) -> [AmountField; 3] {
    [
        AmountField {
            name: "personeel",
            label: "Personeel",
            value: staff,
        },
        AmountField {
            name: "werking",
            label: "Werking",
            value: operating,
        },
        AmountField {
            name: "acties",
            label: "Acties",
            value: actions,
        },
    ]
}

/// The payment form, shown once below the years.
pub(super) struct PaymentFormView {
    pub(super) years: Vec<Choice>,
    pub(super) kinds: Vec<Choice>,
    pub(super) date: String,
    pub(super) amount: String,
    pub(super) note: String,
    pub(super) overpayment: bool,
    pub(super) motivation: String,
    pub(super) idempotency_key: String,
    pub(super) errors: FieldErrors,
}

pub(super) fn spending_form_view(
    year: i16,
    report: Option<&StoredReport>,
    logged_cents: i64,
    submitted: Option<&(SpendingForm, FieldErrors, bool)>,
) -> SpendingFormView {
    let suggestion = format!(
        "Gelogde actiekosten {year}: {} (wordt voorgesteld zolang er geen rapport is).",
        format::euro_cents(logged_cents)
    );
    let stored_version = report.map_or(0, |r| r.version).to_string();
    match submitted {
        Some((form, errors, conflict)) => SpendingFormView {
            year,
            // After a conflict the form names the stored version: saving again overwrites it.
            version: if *conflict {
                stored_version
            } else {
                form.version.clone()
            },
            // A refused form did not act: it keeps its key.
            idempotency_key: idempotency::keep_or_new(&form.idempotency_key),
            amounts: amount_fields(
                form.personeel.clone(),
                form.werking.clone(),
                form.acties.clone(),
            ),
            note: form.opmerking.clone(),
            suggestion,
            errors: errors.clone(),
            open: true,
        },
        None => match report {
            Some(r) => SpendingFormView {
                year,
                version: stored_version,
                idempotency_key: idempotency::new_key(),
                amounts: amount_fields(
                    plain_euro(r.staff_cents),
                    plain_euro(r.operating_cents),
                    plain_euro(r.actions_cents),
                ),
                note: r.note.clone(),
                suggestion,
                errors: FieldErrors::new(),
                open: false,
            },
            None => SpendingFormView {
                year,
                version: stored_version,
                idempotency_key: idempotency::new_key(),
                amounts: amount_fields(String::new(), String::new(), plain_euro(logged_cents)),
                note: String::new(),
                suggestion,
                errors: FieldErrors::new(),
                open: false,
            },
        },
    }
}

pub(super) fn payment_form_view(
    years: &[i16],
    input: Option<PaymentForm>,
    errors: FieldErrors,
) -> PaymentFormView {
    let form = input.unwrap_or_default();
    PaymentFormView {
        years: years
            .iter()
            .map(|y| Choice::new(y, y.to_string(), form.jaar.trim() == y.to_string()))
            .collect(),
        kinds: PaymentKind::ALL
            .into_iter()
            .map(|k| Choice::new(k.code(), k.label(), form.soort == k.code()))
            .collect(),
        date: form.datum,
        amount: form.bedrag,
        note: form.opmerking,
        overpayment: form.overbetaling == "1",
        motivation: form.motivering,
        // A refused form keeps its key: it did not act, so sending it again is still once.
        idempotency_key: idempotency::keep_or_new(&form.idempotency_key),
        errors,
    }
}
