//! What the budget page of a werkingsgebied reads: its allocations, payments, spending
//! reports and logged action costs as stored, and the rule's proposal for each year.

use super::*;

/// Everything stored about the budget of one werkingsgebied, all years at once.
pub(super) struct Stored {
    pub(super) allocations: Vec<StoredAllocation>,
    pub(super) payments: Vec<StoredPayment>,
    pub(super) reports: Vec<StoredReport>,
    pub(super) logged: Vec<LoggedCosts>,
}

pub(super) struct StoredAllocation {
    pub(super) year: i16,
    pub(super) version: i32,
    pub(super) amount_cents: i64,
    pub(super) computed_cents: Option<i64>,
    pub(super) motivation: String,
    pub(super) decided_by: Option<String>,
    pub(super) decided_at: Timestamp,
    pub(super) superseded_at: Option<Timestamp>,
}

pub(super) struct StoredPayment {
    pub(super) payment_id: i64,
    pub(super) year: i16,
    pub(super) kind: PaymentKind,
    pub(super) paid_on: chrono::NaiveDate,
    /// What it adds to the net paid (negative for a recovery and a correction of a payment).
    pub(super) net_cents: i64,
    pub(super) note: String,
    /// The payment this one corrects, with the reason and that payment's date.
    pub(super) corrects: Option<(i64, chrono::NaiveDate)>,
    pub(super) reason: String,
    pub(super) overpayment_reason: String,
    /// The day it was corrected, if it was.
    pub(super) corrected_on: Option<chrono::NaiveDate>,
    pub(super) recorded_by: Option<String>,
    pub(super) recorded_at: Timestamp,
}

pub(super) struct StoredReport {
    pub(super) year: i16,
    pub(super) staff_cents: i64,
    pub(super) operating_cents: i64,
    pub(super) actions_cents: i64,
    pub(super) note: String,
    pub(super) version: i32,
    pub(super) reported_by: Option<String>,
    pub(super) reported_at: Timestamp,
}

impl StoredReport {
    pub(super) fn total_cents(&self) -> i64 {
        self.staff_cents + self.operating_cents + self.actions_cents
    }
}

/// The actions logged for the werkingsgebied that start in `year`.
pub(super) struct LoggedCosts {
    pub(super) year: i16,
    pub(super) cost_cents: i64,
    pub(super) with_cost: i64,
    pub(super) actions: i64,
}

pub(super) async fn stored(state: &AppState, partnership_id: i64) -> Result<Stored> {
    let allocations = sqlx::query_as!(
        StoredAllocation,
        r#"select a.year, a.version, a.amount_cents, a.computed_cents, a.motivation,
                  u.full_name as "decided_by?", a.decided_at as "decided_at: Timestamp",
                  a.superseded_at as "superseded_at: Timestamp"
           from allocations a left join users u on u.user_id = a.decided_by
           where a.partnership_id = $1
           order by a.year, a.version desc"#,
        partnership_id
    )
    .fetch_all(&state.db)
    .await?;
    let payments = sqlx::query!(
        r#"select p.payment_id, p.year, p.kind as "kind: PaymentKind",
                  p.paid_on as "paid_on: chrono::NaiveDate", p.net_cents as "net_cents!", p.note, p.corrects_payment_id, p.reason,
                  p.overpayment_reason, o.paid_on as "original_paid_on?: chrono::NaiveDate",
                  c.paid_on as "corrected_on?: chrono::NaiveDate",
                  u.full_name as "recorded_by?", p.recorded_at as "recorded_at: Timestamp"
           from payments p
           left join users u on u.user_id = p.recorded_by
           left join payments o on o.payment_id = p.corrects_payment_id
           left join payments c on c.corrects_payment_id = p.payment_id
           where p.partnership_id = $1
           order by p.year, p.paid_on, p.payment_id"#,
        partnership_id
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| StoredPayment {
        payment_id: r.payment_id,
        year: r.year,
        kind: r.kind,
        paid_on: r.paid_on,
        net_cents: r.net_cents,
        note: r.note,
        corrects: r.corrects_payment_id.zip(r.original_paid_on),
        reason: r.reason,
        overpayment_reason: r.overpayment_reason,
        corrected_on: r.corrected_on,
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at,
    })
    .collect();
    let reports = sqlx::query_as!(
        StoredReport,
        r#"select s.year, s.staff_cents, s.operating_cents, s.actions_cents, s.note, s.version,
                  u.full_name as "reported_by?", s.reported_at as "reported_at: Timestamp"
           from spending_reports s left join users u on u.user_id = s.reported_by
           where s.partnership_id = $1"#,
        partnership_id
    )
    .fetch_all(&state.db)
    .await?;
    Ok(Stored {
        allocations,
        payments,
        reports,
        logged: logged_costs(state, partnership_id).await?,
    })
}

/// The cost of the actions logged for the werkingsgebied, per year the action starts in. Every
/// action that is not deleted counts, whatever its status; one without a cost adds nothing.
pub(super) async fn logged_costs(
    state: &AppState,
    partnership_id: i64,
) -> Result<Vec<LoggedCosts>> {
    Ok(sqlx::query_as!(
        LoggedCosts,
        r#"select extract(year from starts_on)::smallint as "year!",
                  coalesce(sum(cost_cents), 0)::bigint as "cost_cents!",
                  count(cost_cents) as "with_cost!", count(*) as "actions!"
           from actions
           where partnership_id = $1 and deleted_at is null
           group by 1"#,
        partnership_id
    )
    .fetch_all(&state.db)
    .await?)
}
