//! The allocations as open data: subsidies to local governments are public. Public, read-only
//! JSON, cacheable for five minutes like the coverage API; a bad parameter gets a JSON error.
//! Money is integer cents, never a float. Motivations and the names of the people who decided
//! are left out: they may hold personal data.
//!
//! Route: `GET /api/v1/allocations?period=` (without `period`: the period running today, else
//! the latest).

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use serde::Serialize;

use super::db;
use crate::coverage::api::{ApiPeriod, api_error, public_json};
use crate::error::Result;
use crate::periods;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/allocations", get(allocations))
}

#[derive(Serialize)]
struct ApiYear {
    year: i16,
    /// `null` when the year has no envelope yet.
    envelope_cents: Option<i64>,
    allocated_cents: i64,
    allocations: Vec<ApiAllocation>,
}

#[derive(Serialize)]
struct ApiAllocation {
    partnership_id: i64,
    name: String,
    demo: bool,
    amount_cents: i64,
    /// What the rule computed; `null` when it could not.
    computed_cents: Option<i64>,
    /// The amount differs from what the rule computed.
    overridden: bool,
    version: i32,
    /// The day the version in force was decided (Belgian time).
    decided_on: NaiveDate,
}

/// The `period` parameter: `Ok(None)` when absent or empty, `Err` when it is not a number.
fn period_parameter(raw: &str) -> std::result::Result<Option<i64>, ()> {
    let value = form_urlencoded::parse(raw.as_bytes())
        .find(|(k, _)| k == "period")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty());
    match value {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| ()),
    }
}

async fn allocations(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response> {
    // Parsed by hand so that a bad parameter gets a JSON answer, not an HTML page.
    let Ok(asked) = period_parameter(raw.as_deref().unwrap_or_default()) else {
        return Ok(api_error(
            StatusCode::BAD_REQUEST,
            "parameter 'period' must be a period id from /api/v1/periods",
        ));
    };
    let all = periods::list(&state.db).await?;
    let Some(period) = periods::choose(&all, asked) else {
        return Ok(api_error(StatusCode::NOT_FOUND, "no such period"));
    };
    let envelopes = db::envelopes(&state.db).await?;
    let rows = sqlx::query!(
        r#"select a.year, a.partnership_id, p.name, p.is_demo or a.is_demo as "demo!",
                  a.amount_cents, a.computed_cents, a.version,
                  (a.decided_at at time zone 'Europe/Brussels')::date as "decided_on!: NaiveDate"
           from allocations a join partnerships p on p.partnership_id = a.partnership_id
           where p.policy_period_id = $1 and a.superseded_at is null
           order by a.year, p.name, a.partnership_id"#,
        period.policy_period_id
    )
    .fetch_all(&state.db)
    .await?;
    let mut years: Vec<ApiYear> = db::years(std::slice::from_ref(period))
        .into_iter()
        .map(|year| ApiYear {
            year,
            envelope_cents: envelopes
                .iter()
                .find(|e| e.year == year)
                .map(|e| e.amount_cents),
            allocated_cents: 0,
            allocations: Vec::new(),
        })
        .collect();
    for r in rows {
        let Some(y) = years.iter_mut().find(|y| y.year == r.year) else {
            continue;
        };
        // Integer addition: the sum is exact to the cent (the database keeps it within the
        // envelope, so it cannot overflow).
        y.allocated_cents += r.amount_cents;
        y.allocations.push(ApiAllocation {
            partnership_id: r.partnership_id,
            name: r.name,
            demo: r.demo,
            amount_cents: r.amount_cents,
            overridden: r.computed_cents != Some(r.amount_cents),
            computed_cents: r.computed_cents,
            version: r.version,
            decided_on: r.decided_on,
        });
    }
    Ok(public_json(serde_json::json!({
        "period": ApiPeriod::from(period),
        "currency": "EUR",
        "years": years,
        "source": "allocations fixed by the department in regie; amounts in euro cents",
    })))
}

#[cfg(test)]
mod tests {
    use super::period_parameter;

    #[test]
    fn the_period_parameter_is_a_number_or_absent() {
        assert_eq!(period_parameter("period=2"), Ok(Some(2)));
        assert_eq!(period_parameter("x=1&period=%202%20"), Ok(Some(2)));
        assert_eq!(period_parameter(""), Ok(None));
        assert_eq!(period_parameter("period="), Ok(None));
        assert_eq!(period_parameter("period=abc"), Err(()));
        assert_eq!(period_parameter("period=1.5"), Err(()));
    }
}
