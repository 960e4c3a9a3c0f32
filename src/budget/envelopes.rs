//! The envelope of one year (the programme's total) and the history of every change to it,
//! with the change as its source states it next to the real difference: a press release that
//! says "+750.000" for 2.225.000 -> 3.000.000 shows up as € 25.000,00 nobody explained.
//!
//! Routes: `GET /budget/enveloppen/{year}` (staff), `POST /budget/enveloppen/{year}` (admins).
//! The year must fall in a policy period.
//!
//! Setting the amount the envelope already has is allowed: the reason is required anyway, and
//! the decision is still a line in the history (a confirmation by a later decision is a fact
//! worth keeping). Lowering an envelope below the year's allocations in force is refused by
//! PostgreSQL (constraint `allocations_within_envelope`).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::PgConnection;

use super::db;
use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn, StaffOnly};
use crate::database::Timestamp;
use crate::error::{AppError, Result, ResultExt};
use crate::identity::Role;
use crate::periods::{self, Period};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, FieldErrors};
use crate::web::layout::Layout;
use crate::web::money::{parse_euro, plain_euro};
use crate::web::{format, render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new().route("/budget/enveloppen/{year}", get(show).post(update))
}

/// The longest reason or source text, as the table's checks allow.
const MAX_TEXT: usize = 2000;

/// The form as typed. `version` is the envelope's version the form was made from (`0`: there
/// was none yet).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct EnvelopeForm {
    amount: String,
    decided_on: String,
    reason: String,
    source: String,
    stated_change: String,
    version: String,
}

/// One line of the history as the page shows it.
struct ChangeRow {
    decided_on: String,
    previous: String,
    amount: String,
    difference: String,
    stated: String,
    /// Where the stated change and the real difference part ways, in words.
    discrepancy: Option<String>,
    reason: String,
    source: String,
    changed_by: String,
    changed_at: String,
}

#[derive(Template)]
#[template(path = "budget/envelope.html")]
struct EnvelopePage {
    layout: Layout,
    year: i16,
    period: String,
    /// The amount in force, formatted; `None` when the year has no envelope yet.
    current: Option<String>,
    allocated: String,
    history: Vec<ChangeRow>,
    /// Admins get the form.
    may_edit: bool,
    form: EnvelopeForm,
    errors: FieldErrors,
}

/// The policy period of `year`, or 404: an envelope belongs to a year some period covers.
async fn period_of(state: &AppState, year: i16) -> Result<Period> {
    let all = periods::list(&state.db).await?;
    db::period_of(&all, year).cloned().ok_or(AppError::NotFound)
}

async fn show(
    State(state): State<AppState>,
    StaffOnly(signed_in): StaffOnly,
    Path(year): Path<i16>,
) -> Result<Response> {
    let period = period_of(&state, year).await?;
    let current = db::envelope(&state.db, year).await?;
    let form = EnvelopeForm {
        amount: current
            .as_ref()
            .map(|e| plain_euro(e.amount_cents))
            .unwrap_or_default(),
        version: current.as_ref().map_or(0, |e| e.version).to_string(),
        ..EnvelopeForm::default()
    };
    let page =
        EnvelopePage::build(&state, &signed_in, year, &period, form, FieldErrors::new()).await?;
    render(&page)
}

impl EnvelopePage {
    async fn build(
        state: &AppState,
        signed_in: &SignedIn,
        year: i16,
        period: &Period,
        form: EnvelopeForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let mut conn = state.db.acquire().await?;
        let current = db::envelope(&mut *conn, year).await?;
        let allocated = allocated(&mut conn, year).await?;
        let history = history(&mut conn, year).await?;
        drop(conn);
        Ok(Self {
            layout: signed_in.layout(format!("Budget {year}")).await?,
            year,
            period: period.name.clone(),
            current: current.map(|e| format::euro_cents(e.amount_cents)),
            allocated: format::euro_cents(allocated),
            history,
            may_edit: signed_in.user.role == Role::Admin,
            form,
            errors,
        })
    }
}

/// The sum of the year's allocations in force.
async fn allocated(conn: &mut PgConnection, year: i16) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select coalesce(sum(amount_cents), 0)::bigint as "total!" from allocations
           where year = $1 and superseded_at is null"#,
        year
    )
    .fetch_one(conn)
    .await?)
}

/// The year's changes, oldest first.
async fn history(conn: &mut PgConnection, year: i16) -> Result<Vec<ChangeRow>> {
    let rows = sqlx::query!(
        r#"select c.previous_cents, c.amount_cents, c.stated_change_cents,
                  c.decided_on as "decided_on: NaiveDate", c.reason, c.source,
                  u.full_name as "changed_by?", c.changed_at as "changed_at: Timestamp"
           from budget_envelope_changes c
           left join users u on u.user_id = c.changed_by
           where c.year = $1
           order by c.change_id"#,
        year
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let difference = r.previous_cents.map(|p| r.amount_cents - p);
            ChangeRow {
                decided_on: r.decided_on.map_or("onbekend".into(), format::date),
                previous: r.previous_cents.map_or("—".into(), format::euro_cents),
                amount: format::euro_cents(r.amount_cents),
                difference: difference.map_or("—".into(), format::euro_change),
                stated: r
                    .stated_change_cents
                    .map_or("—".into(), format::euro_change),
                discrepancy: discrepancy(r.stated_change_cents, difference),
                reason: r.reason,
                source: r.source,
                changed_by: r.changed_by.unwrap_or_else(|| "onbekend".into()),
                changed_at: format::datetime(r.changed_at),
            }
        })
        .collect())
}

/// The sentence that shows a source not adding up, or `None` when it does (or states nothing).
fn discrepancy(stated: Option<i64>, real: Option<i64>) -> Option<String> {
    match (stated, real) {
        (Some(stated), Some(real)) if stated != real => Some(format!(
            "Bron vermeldt {}, werkelijk verschil {}: {} niet verklaard",
            format::euro_change(stated),
            format::euro_change(real),
            format::euro_cents((real - stated).abs())
        )),
        (Some(stated), None) => Some(format!(
            "Bron vermeldt {}, maar er was geen vorig bedrag om het mee te vergelijken",
            format::euro_change(stated)
        )),
        _ => None,
    }
}

/// The form once it is valid.
struct ValidEnvelope {
    amount_cents: i64,
    decided_on: Option<NaiveDate>,
    reason: String,
    source: String,
    stated_change_cents: Option<i64>,
    version: i32,
}

fn validate(form: &EnvelopeForm) -> std::result::Result<ValidEnvelope, FieldErrors> {
    let mut errors = FieldErrors::new();
    let amount = parse_euro(&form.amount);
    if amount.is_none() {
        errors.add(
            "amount",
            "Vul het budget in euro in, bijvoorbeeld 3.000.000 of 2.225.000,00.",
        );
    }
    let decided_on = match form.decided_on.trim() {
        "" => None,
        text => {
            let date = forms::parse_date(text);
            if date.is_none() {
                errors.add(
                    "decided_on",
                    "Vul een geldige datum in (dd/mm/jjjj), tussen 2000 en 2100, of laat het veld leeg.",
                );
            }
            date
        }
    };
    let reason = form.reason.trim().to_string();
    if reason.is_empty() {
        errors.add("reason", "Vul de reden van deze beslissing in.");
    } else if reason.chars().count() > MAX_TEXT {
        errors.add(
            "reason",
            format!("De reden mag hoogstens {MAX_TEXT} tekens lang zijn."),
        );
    }
    let source = form.source.trim().to_string();
    if source.chars().count() > MAX_TEXT {
        errors.add(
            "source",
            format!("De bron mag hoogstens {MAX_TEXT} tekens lang zijn."),
        );
    }
    let stated = match form.stated_change.trim() {
        "" => Ok(None),
        text => parse_signed_euro(text).map(Some).ok_or(()),
    };
    if stated.is_err() {
        errors.add(
            "stated_change",
            "Schrijf de vermelde wijziging met haar teken, bijvoorbeeld +750.000 of -100.000,50, of laat het veld leeg.",
        );
    }
    // A version that does not parse is a form from nowhere; it cannot match the stored one.
    let version = form.version.trim().parse::<i32>().unwrap_or(-1);
    match (amount, stated) {
        (Some(amount_cents), Ok(stated_change_cents)) if errors.is_empty() => Ok(ValidEnvelope {
            amount_cents,
            decided_on,
            reason,
            source,
            stated_change_cents,
            version,
        }),
        _ => Err(errors),
    }
}

/// `+750.000`, `-100.000,50`, `750.000` (an increase), `−5` (a typographic minus) -> cents.
fn parse_signed_euro(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, rest) = if let Some(rest) = text.strip_prefix(['-', '−']) {
        (true, rest)
    } else {
        (false, text.strip_prefix('+').unwrap_or(text))
    };
    let cents = parse_euro(rest)?;
    Some(if negative { -cents } else { cents })
}

/// What saving came to.
enum Saved {
    /// Stored; the amount before (none for a new envelope).
    Stored(Option<i64>),
    /// Someone saved the envelope since this form was made.
    Stale,
    /// The new amount is below the year's allocations in force.
    BelowAllocations,
}

/// Sets the envelope and writes its history line, if nobody changed it since `version`. The
/// row lock taken first makes the check and the update one step for concurrent admins.
async fn store(
    tx: &mut PgConnection,
    year: i16,
    valid: &ValidEnvelope,
    user_id: i64,
) -> Result<Saved> {
    let current = sqlx::query!(
        "select amount_cents, version from budget_envelopes where year = $1 for update",
        year
    )
    .fetch_optional(&mut *tx)
    .await?;
    let previous = match current {
        None if valid.version == 0 => {
            // Two admins creating the same year: the second meets the primary key.
            let inserted = sqlx::query!(
                "insert into budget_envelopes (year, amount_cents) values ($1, $2)",
                year,
                valid.amount_cents
            )
            .execute(&mut *tx)
            .await
            .on_constraint(&[("budget_envelopes_pkey", ())])?;
            if inserted.is_err() {
                return Ok(Saved::Stale);
            }
            None
        }
        Some(c) if c.version == valid.version => {
            // The trigger `envelope_covers_allocations` refuses an amount below what the
            // year's allocations in force add up to.
            let updated = sqlx::query!(
                r#"update budget_envelopes
                   set amount_cents = $2, version = version + 1, updated_at = now()
                   where year = $1"#,
                year,
                valid.amount_cents
            )
            .execute(&mut *tx)
            .await
            .on_constraint(&[("allocations_within_envelope", ())])?;
            if updated.is_err() {
                return Ok(Saved::BelowAllocations);
            }
            Some(c.amount_cents)
        }
        _ => return Ok(Saved::Stale),
    };
    sqlx::query!(
        r#"insert into budget_envelope_changes
               (year, previous_cents, amount_cents, stated_change_cents, decided_on, reason,
                source, changed_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        year,
        previous,
        valid.amount_cents,
        valid.stated_change_cents,
        valid.decided_on as Option<NaiveDate>,
        valid.reason,
        valid.source,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    Ok(Saved::Stored(previous))
}

async fn update(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(year): Path<i16>,
    Form(mut form): Form<EnvelopeForm>,
) -> Result<Response> {
    let period = period_of(&state, year).await?;
    let valid = match validate(&form) {
        Ok(valid) => valid,
        Err(errors) => {
            let page = EnvelopePage::build(&state, &admin, year, &period, form, errors).await?;
            return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let mut errors = FieldErrors::new();
    let status =
        match store(&mut tx, year, &valid, admin.user.user_id).await? {
            Saved::Stored(previous) => {
                audit::Entry::new(Action::EnvelopeSet)
                    .actor(&admin.user)
                    .object("budget_envelope", year)
                    .details(serde_json::json!({
                        "year": year,
                        "previous_cents": previous,
                        "amount_cents": valid.amount_cents,
                        "stated_change_cents": valid.stated_change_cents,
                    }))
                    .record(&mut *tx, &admin.ctx)
                    .await?;
                tx.commit().await?;
                return flash::redirect(
                    &admin.session,
                    FlashKind::Success,
                    format!(
                        "Budget {year} bewaard: {}.",
                        format::euro_cents(valid.amount_cents)
                    ),
                    &format!("/budget/enveloppen/{year}"),
                )
                .await;
            }
            Saved::Stale => {
                // The failed transaction gives its connection back before the page renders.
                drop(tx);
                let now = db::envelope(&state.db, year).await?;
                form.version = now.as_ref().map_or(0, |e| e.version).to_string();
                errors.add(
                "amount",
                format!(
                    "Iemand anders bewaarde het budget van {year} terwijl u dit formulier invulde \
                     (het bedrag is nu {}). Uw wijziging is niet bewaard: controleer het bedrag \
                     en bewaar opnieuw om het te vervangen.",
                    now.map_or("niet ingesteld".into(), |e| format::euro_cents(e.amount_cents))
                ),
            );
                StatusCode::CONFLICT
            }
            Saved::BelowAllocations => {
                drop(tx);
                let mut conn = state.db.acquire().await?;
                let allocated = allocated(&mut conn, year).await?;
                drop(conn);
                errors.add(
                    "amount",
                    format!(
                        "Voor {year} is al {} toegekend aan werkingsgebieden. Het budget kan niet \
                     lager zijn dan dat bedrag: verlaag eerst de toekenningen.",
                        format::euro_cents(allocated)
                    ),
                );
                StatusCode::UNPROCESSABLE_ENTITY
            }
        };
    let page = EnvelopePage::build(&state, &admin, year, &period, form, errors).await?;
    render_with_status(status, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stated_change_is_read_with_its_sign() {
        assert_eq!(parse_signed_euro("+750.000"), Some(75_000_000));
        assert_eq!(parse_signed_euro("-100.000,50"), Some(-10_000_050));
        assert_eq!(parse_signed_euro("− 5"), Some(-500));
        assert_eq!(parse_signed_euro("750000"), Some(75_000_000));
        assert_eq!(parse_signed_euro("+-5"), None);
        assert_eq!(parse_signed_euro("veel"), None);
    }

    #[test]
    fn a_source_that_does_not_add_up_is_put_in_words() {
        assert_eq!(
            discrepancy(Some(75_000_000), Some(77_500_000)).as_deref(),
            Some(
                "Bron vermeldt € +750.000,00, werkelijk verschil € +775.000,00: € 25.000,00 niet verklaard"
            )
        );
        assert_eq!(discrepancy(Some(5), Some(5)), None);
        assert_eq!(discrepancy(None, Some(5)), None);
        assert!(discrepancy(Some(-5), None).is_some());
    }
}
