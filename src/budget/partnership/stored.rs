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
    pub(super) year: i16,
    pub(super) kind: PaymentKind,
    pub(super) paid_on: chrono::NaiveDate,
    pub(super) amount_cents: i64,
    pub(super) note: String,
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
    let payments = sqlx::query_as!(
        StoredPayment,
        r#"select p.year, p.kind as "kind: PaymentKind",
                  p.paid_on as "paid_on: chrono::NaiveDate", p.amount_cents, p.note,
                  u.full_name as "recorded_by?", p.recorded_at as "recorded_at: Timestamp"
           from payments p left join users u on u.user_id = p.recorded_by
           where p.partnership_id = $1
           order by p.year, p.paid_on, p.payment_id"#,
        partnership_id
    )
    .fetch_all(&state.db)
    .await?;
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
