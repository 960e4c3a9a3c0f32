//! What a werkingsgebied reports it spent in a year: staff, operating costs and actions (the
//! form offers the cost of the actions logged that year). One report per year, corrected in
//! place with optimistic locking; the audit trail keeps every version's amounts.
//!
//! Route: `POST /werkingsgebieden/{id}/budget/uitgaven` (admins and the werkingsgebied's own
//! current regisseur).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use sqlx::PgConnection;

use super::partnership::{self, Submitted};
use super::payments::{amount, note, year_of_period};
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::{Result, ResultExt};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{FieldError, FieldErrors};
use crate::web::idempotency::{self, Claim};
use crate::web::render_with_status;

pub fn router() -> Router<AppState> {
    Router::new().route("/werkingsgebieden/{id}/budget/uitgaven", post(create))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SpendingForm {
    pub jaar: String,
    pub personeel: String,
    pub werking: String,
    pub acties: String,
    pub opmerking: String,
    /// The version of the report the form was opened on; 0 for a first report.
    pub version: String,
    pub idempotency_key: String,
}

/// The three amounts of a report, in cents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Amounts {
    staff: i64,
    operating: i64,
    actions: i64,
}

impl Amounts {
    fn json(self) -> serde_json::Value {
        serde_json::json!({
            "staff_cents": self.staff,
            "operating_cents": self.operating,
            "actions_cents": self.actions,
        })
    }
}

struct ValidReport {
    year: i16,
    amounts: Amounts,
    note: String,
    version: i32,
}

fn validate(form: &SpendingForm, years: &[i16]) -> (Option<ValidReport>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let year = year_of_period(&mut errors, &form.jaar, years);
    let staff = amount(
        &mut errors,
        "personeel",
        "het bedrag voor personeel",
        &form.personeel,
        false,
    );
    let operating = amount(
        &mut errors,
        "werking",
        "het bedrag voor werking",
        &form.werking,
        false,
    );
    let actions = amount(
        &mut errors,
        "acties",
        "het bedrag voor acties",
        &form.acties,
        false,
    );
    let note = note(&mut errors, &form.opmerking);
    let version = form.version.trim().parse::<i32>().ok().filter(|v| *v >= 0);
    if version.is_none() {
        errors.add(
            "version",
            "Dit formulier is onvolledig; laad de pagina opnieuw en probeer nog eens.",
        );
    }
    let valid = match (year, staff, operating, actions, version) {
        (Some(year), Some(staff), Some(operating), Some(actions), Some(version))
            if errors.is_empty() =>
        {
            Some(ValidReport {
                year,
                amounts: Amounts {
                    staff,
                    operating,
                    actions,
                },
                note,
                version,
            })
        }
        _ => None,
    };
    (valid, errors)
}

const CONSTRAINT_ERRORS: &[(&str, FieldError)] = &[(
    "budget_year_in_period",
    FieldError {
        field: "jaar",
        message: "Dit jaar valt buiten de beleidsperiode van dit werkingsgebied.",
    },
)];

enum Saved {
    /// The new version, and the amounts it replaced (none for a first report).
    Stored {
        version: i32,
        previous: Option<Amounts>,
    },
    /// Someone reported since the form was opened.
    Stale,
}

/// Stores `report` if the stored report is still at `report.version` (0: there is none yet).
async fn save(
    tx: &mut PgConnection,
    partnership_id: i64,
    report: &ValidReport,
    user_id: i64,
) -> Result<std::result::Result<Saved, FieldError>> {
    let a = report.amounts;
    if report.version == 0 {
        // Two first reports at once: the primary key lets one in, the other is stale.
        let inserted = sqlx::query_scalar!(
            r#"insert into spending_reports (partnership_id, year, staff_cents, operating_cents,
                                             actions_cents, note, reported_by)
               values ($1, $2, $3, $4, $5, $6, $7)
               on conflict (partnership_id, year) do nothing
               returning version"#,
            partnership_id,
            report.year,
            a.staff,
            a.operating,
            a.actions,
            report.note,
            user_id
        )
        .fetch_optional(&mut *tx)
        .await
        .on_constraint(CONSTRAINT_ERRORS)?;
        return Ok(inserted.map(|found| match found {
            Some(version) => Saved::Stored {
                version,
                previous: None,
            },
            None => Saved::Stale,
        }));
    }
    // The version check is in the statement: of two saves from the same version, the second
    // waits for the first's row lock, then finds the version moved on and changes nothing.
    let updated = sqlx::query!(
        r#"with prev as (
               select staff_cents, operating_cents, actions_cents
               from spending_reports
               where partnership_id = $1 and year = $2 and version = $3
               for update
           )
           update spending_reports s
           set staff_cents = $4, operating_cents = $5, actions_cents = $6, note = $7,
               version = s.version + 1, reported_by = $8, reported_at = now()
           from prev
           where s.partnership_id = $1 and s.year = $2
           returning s.version, prev.staff_cents as prev_staff, prev.operating_cents as prev_operating,
                     prev.actions_cents as prev_actions"#,
        partnership_id,
        report.year,
        report.version,
        a.staff,
        a.operating,
        a.actions,
        report.note,
        user_id
    )
    .fetch_optional(&mut *tx)
    .await
    .on_constraint(CONSTRAINT_ERRORS)?;
    Ok(updated.map(|found| match found {
        Some(r) => Saved::Stored {
            version: r.version,
            previous: Some(Amounts {
                staff: r.prev_staff,
                operating: r.prev_operating,
                actions: r.prev_actions,
            }),
        },
        None => Saved::Stale,
    }))
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<SpendingForm>,
) -> Result<Response> {
    let target = partnership::target(&state, &signed_in, id, |a| a.report).await?;
    let (valid, mut errors) = validate(&form, &target.years());
    let mut conflict = false;
    if let Some(report) = valid {
        let user_id = signed_in.user.user_id;
        let submission = idempotency::Submission::new(
            &form.idempotency_key,
            &(
                report.year,
                report.version,
                report.amounts.json(),
                &report.note,
            ),
        );
        let mut tx = state.db.begin().await?;
        // A form sent twice: the second would find its version taken by the first (a stale
        // form); it is answered as the first was instead.
        if let Claim::Answered { location } =
            idempotency::claim(&mut tx, user_id, &submission).await?
        {
            drop(tx);
            return Ok(idempotency::replay(&location));
        }
        match save(&mut tx, id, &report, user_id).await? {
            Ok(Saved::Stored { version, previous }) => {
                // The note stays out of the audit trail: it may name people.
                audit::Entry::new(Action::SpendingReported)
                    .actor(&signed_in.user)
                    .object("partnership", id)
                    .details(serde_json::json!({
                        "year": report.year,
                        "version": version,
                        "amounts": report.amounts.json(),
                        "previous": previous.map(Amounts::json),
                    }))
                    .record(&mut *tx, &signed_in.ctx)
                    .await?;
                let message = format!("Uitgaven van {} bewaard (versie {version}).", report.year);
                let location = format!("{}#jaar-{}", partnership::path(id), report.year);
                idempotency::answer(&mut tx, user_id, &submission, &location).await?;
                tx.commit().await?;
                return flash::redirect(&signed_in.session, FlashKind::Success, message, &location)
                    .await;
            }
            Ok(Saved::Stale) => {
                drop(tx);
                conflict = true;
                errors.add(
                    "version",
                    format!(
                        "Iemand anders rapporteerde de uitgaven van {} terwijl u dit formulier \
                         invulde. Uw bedragen zijn nog niet bewaard: vergelijk ze met het \
                         bewaarde rapport en bewaar opnieuw om het te vervangen.",
                        report.year
                    ),
                );
            }
            Err(error) => {
                drop(tx);
                errors.push(error);
            }
        }
    }
    let status = if conflict {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = partnership::page(
        &state,
        &signed_in,
        target,
        Submitted::Spending {
            form,
            errors,
            conflict,
        },
    )
    .await?;
    render_with_status(status, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(personeel: &str, werking: &str, acties: &str, version: &str) -> SpendingForm {
        SpendingForm {
            jaar: "2024".into(),
            personeel: personeel.into(),
            werking: werking.into(),
            acties: acties.into(),
            opmerking: String::new(),
            version: version.into(),
            idempotency_key: String::new(),
        }
    }

    #[test]
    fn a_report_may_hold_zero_amounts_but_no_negative_or_missing_ones() {
        let (valid, errors) = validate(&form("40.000", "0", "1.234,56", "0"), &[2024]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            valid.unwrap().amounts,
            Amounts {
                staff: 4_000_000,
                operating: 0,
                actions: 123_456
            }
        );
        let (valid, errors) = validate(&form("-1", "", "x", "2"), &[2024]);
        assert!(valid.is_none());
        assert_eq!(
            errors.get("personeel"),
            Some("Het bedrag voor personeel kan niet negatief zijn.")
        );
        assert!(errors.get("werking").is_some());
        assert!(errors.get("acties").is_some());
    }

    #[test]
    fn a_form_without_a_valid_version_is_refused() {
        for bad in ["", "-1", "twee"] {
            let (_, errors) = validate(&form("1", "1", "1", bad), &[2024]);
            assert!(errors.get("version").is_some(), "{bad:?}");
        }
    }
}
