//! The coverage figures as open data: public, read-only JSON that anyone may cache for five
//! minutes. A bad parameter gets a JSON error, not an HTML page.
//!
//! Routes: `GET /api/v1/periods`, `GET /api/v1/coverage?period=&year=` (`period` an id or a
//! name such as `2023-2025`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::compute::Totals;
use super::db::{self, Snapshot};
use crate::error::Result;
use crate::partnerships::db::LegalForm;
use crate::periods::Period;
use crate::reference::Reference;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/periods", get(periods))
        .route("/api/v1/coverage", get(coverage))
}

/// A policy period as every open-data answer names it.
#[derive(Serialize)]
pub(crate) struct ApiPeriod {
    id: i64,
    name: String,
    starts_on: String,
    ends_on: String,
    municipality_list: String,
    population_year: i16,
}

impl From<&Period> for ApiPeriod {
    fn from(p: &Period) -> Self {
        Self {
            id: p.policy_period_id,
            name: p.name.clone(),
            starts_on: p.starts_on.to_string(),
            ends_on: p.ends_on.to_string(),
            municipality_list: p.vintage.clone(),
            population_year: p.population_year,
        }
    }
}

/// Open data may be cached by anyone for five minutes.
pub(crate) fn public_json(body: impl Serialize) -> Response {
    ([(header::CACHE_CONTROL, "public, max-age=300")], Json(body)).into_response()
}

/// [`public_json`] for a body serialised already (and cached).
fn public_json_bytes(body: Bytes) -> Response {
    (
        [
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::CONTENT_TYPE, "application/json"),
        ],
        body,
    )
        .into_response()
}

/// A JSON error that nobody caches.
pub(crate) fn api_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

async fn periods(State(state): State<AppState>, reference: Reference) -> Result<Response> {
    let all: Vec<ApiPeriod> = reference
        .periods(&state.db)
        .await?
        .iter()
        .map(Into::into)
        .collect();
    Ok(public_json(serde_json::json!({ "periods": all })))
}

#[derive(Serialize)]
struct ApiTotals {
    municipalities_covered: i64,
    municipalities_total: i64,
    municipality_share_percent: f64,
    population_covered: i64,
    population_total: i64,
    population_share_percent: f64,
}

impl From<&Totals> for ApiTotals {
    fn from(t: &Totals) -> Self {
        Self {
            municipalities_covered: t.covered_municipalities,
            municipalities_total: t.municipalities,
            municipality_share_percent: t.municipality_basis_points() as f64 / 100.0,
            population_covered: t.covered_population,
            population_total: t.population,
            population_share_percent: t.population_basis_points() as f64 / 100.0,
        }
    }
}

#[derive(Serialize)]
struct ApiPartnership {
    id: i64,
    name: String,
    legal_form: LegalForm,
    lead_organisation: String,
    population: i64,
    nis_codes: Vec<String>,
    demo: bool,
}

/// The query string of `/api/v1/coverage`, unparsed values.
#[derive(Default)]
struct ApiQuery {
    period: Option<String>,
    year: Option<String>,
}

impl ApiQuery {
    /// `period=1&year=2020`; unknown keys are ignored.
    fn parse(raw: &str) -> Self {
        let mut query = Self::default();
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            match k.as_ref() {
                "period" => query.period = Some(v.into_owned()),
                "year" => query.year = Some(v.into_owned()),
                _ => {}
            }
        }
        query
    }
}

async fn coverage(
    State(state): State<AppState>,
    reference: Reference,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    // Parsed by hand so that a bad parameter gets a JSON answer, not an HTML page.
    let query = ApiQuery::parse(raw.as_deref().unwrap_or_default());
    let Some(wanted) = query
        .period
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    else {
        return Ok(api_error(
            StatusCode::BAD_REQUEST,
            "parameter 'period' (a period id or name from /api/v1/periods) is required",
        ));
    };
    let all = reference.periods(&state.db).await?;
    // An id (`2`) or a name (`2023-2025`); a name is never a bare number.
    let Some(period) = all.iter().find(|p| match wanted.parse::<i64>() {
        Ok(id) => p.policy_period_id == id,
        Err(_) => p.name == wanted,
    }) else {
        return Ok(api_error(StatusCode::NOT_FOUND, "no such period"));
    };
    let years = db::cached_population_years(&reference, &state.db, &period.vintage).await?;
    let year = match query.year.as_deref().map(|y| y.trim().parse::<i16>()) {
        None => period.population_year,
        Some(Ok(y)) if years.contains(&y) => y,
        Some(_) => {
            return Ok(api_error(
                StatusCode::BAD_REQUEST,
                "no population figures for that year in this period's municipality list",
            ));
        }
    };
    // Anyone may ask, without signing in: the answer is built once per period, year and
    // reference data version, and then costs one small query (the version).
    let key = format!("api-coverage:{}:{year}", period.policy_period_id);
    let body = reference
        .get_or_load(key, || async {
            let s = db::cached_snapshot(&reference, &state.db, period, year).await?;
            let json = serde_json::to_vec(&coverage_json(&s)).map_err(anyhow::Error::from)?;
            Ok(Bytes::from(json))
        })
        .await?;
    Ok(public_json_bytes((*body).clone()))
}

/// The answer of `/api/v1/coverage` for one snapshot.
fn coverage_json(s: &Snapshot) -> serde_json::Value {
    let (period, year) = (&s.period, s.year);
    let mut members: HashMap<i64, Vec<String>> = HashMap::new();
    for m in &s.municipalities {
        if let Some(id) = m.partnership_id {
            members.entry(id).or_default().push(m.nis_code.clone());
        }
    }
    let partnerships: Vec<ApiPartnership> = s
        .partnerships
        .iter()
        .map(|p| {
            let mut nis_codes = members.remove(&p.partnership_id).unwrap_or_default();
            nis_codes.sort();
            ApiPartnership {
                id: p.partnership_id,
                name: p.name.clone(),
                legal_form: p.legal_form,
                lead_organisation: p.lead_organisation.clone(),
                population: p.population,
                nis_codes,
                demo: p.is_demo,
            }
        })
        .collect();
    let provinces: Vec<serde_json::Value> = s
        .provinces
        .iter()
        .map(
            |p| serde_json::json!({ "province": p.province, "totals": ApiTotals::from(&p.totals) }),
        )
        .collect();
    serde_json::json!({
        "period": ApiPeriod::from(period),
        "population_year": year,
        "werkingsgebieden": s.partnerships.len(),
        "regisseurs": s.regisseurs,
        "totals": ApiTotals::from(&s.totals),
        "provinces": provinces,
        "partnerships": partnerships,
        "source": "computed by regie from partnership membership and Statbel population figures",
    })
}
