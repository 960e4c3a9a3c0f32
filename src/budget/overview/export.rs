//! The allocations of every year as CSV for Belgian Excel (`;`, cells neutralised against
//! formula injection, amounts as `1250,50`) and as an Excel workbook (amounts, years and
//! versions as numbers). By default the allocations in force; `?versies=alle` adds every
//! earlier version, with the moment it was superseded.
//!
//! Routes (staff): `GET /budget/export.csv`, `GET /budget/export.xlsx`.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use sqlx::PgConnection;

use crate::auth::StaffOnly;
use crate::database::Timestamp;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::format;
use crate::web::money::plain_euro;
use crate::web::spreadsheet::{self, CSV_START, csv_line, download};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/budget/export.csv", get(export_csv))
        .route("/budget/export.xlsx", get(export_xlsx))
}

/// `?versies=alle`: every version, not only those in force.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ExportQuery {
    versies: String,
}

impl ExportQuery {
    fn all_versions(&self) -> bool {
        self.versies.trim() == "alle"
    }
}

const HEADER: [&str; 12] = [
    "jaar",
    "werkingsgebied",
    "beleidsperiode",
    "demo",
    "bedrag",
    "berekend bedrag",
    "afwijking gemotiveerd",
    "motivatie",
    "versie",
    "vastgelegd door",
    "vastgelegd op",
    "vervangen op",
];

/// Columns the workbook writes as numbers: year, amount, computed amount (in euros), version.
const NUMERIC: [usize; 4] = [0, 4, 5, 8];

/// Columns the workbook writes as dates with their time: decided, superseded.
const DATES: [usize; 2] = [10, 11];

type Line = [String; 12];

/// The export lines by year, werkingsgebied and version. One statement; a few hundred rows.
async fn lines(conn: &mut PgConnection, all_versions: bool) -> Result<Vec<Line>> {
    let rows = sqlx::query!(
        r#"select a.year, p.name as partnership, pp.name as period, (p.is_demo or a.is_demo) as "demo!",
                  a.amount_cents, a.computed_cents, a.motivation, a.version,
                  u.full_name as "decided_by?", a.decided_at as "decided_at: Timestamp",
                  a.superseded_at as "superseded_at: Timestamp"
           from allocations a
           join partnerships p on p.partnership_id = a.partnership_id
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           left join users u on u.user_id = a.decided_by
           where $1 or a.superseded_at is null
           order by a.year, p.name, p.partnership_id, a.version"#,
        all_versions
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            // An amount other than the computed one (or without one) needs a motivation.
            let deviates = r.computed_cents != Some(r.amount_cents);
            let motivated = deviates && !r.motivation.trim().is_empty();
            [
                r.year.to_string(),
                r.partnership,
                r.period,
                if r.demo { "ja" } else { "nee" }.into(),
                plain_euro(r.amount_cents),
                r.computed_cents.map(plain_euro).unwrap_or_default(),
                if motivated { "ja" } else { "nee" }.into(),
                r.motivation,
                r.version.to_string(),
                r.decided_by.unwrap_or_default(),
                format::datetime(r.decided_at),
                r.superseded_at.map(format::datetime).unwrap_or_default(),
            ]
        })
        .collect())
}

async fn export_csv(
    State(state): State<AppState>,
    StaffOnly(signed_in): StaffOnly,
    Query(query): Query<ExportQuery>,
) -> Result<Response> {
    let Some(mut tx) = spreadsheet::begin_export(&state.db, signed_in.user.user_id).await? else {
        return Ok(spreadsheet::busy());
    };
    let lines = lines(&mut tx, query.all_versions()).await?;
    // Ends the transaction and frees the export slot.
    tx.commit().await?;
    let mut body = CSV_START.to_vec();
    body.extend(csv_line(HEADER)?);
    for line in &lines {
        body.extend(csv_line(line)?);
    }
    Ok(download(
        "text/csv; charset=utf-8",
        if query.all_versions() {
            "attachment; filename=\"toekenningen-alle-versies.csv\""
        } else {
            "attachment; filename=\"toekenningen.csv\""
        },
        Body::from(body),
    ))
}

async fn export_xlsx(
    State(state): State<AppState>,
    StaffOnly(signed_in): StaffOnly,
    Query(query): Query<ExportQuery>,
) -> Result<Response> {
    let Some(mut tx) = spreadsheet::begin_export(&state.db, signed_in.user.user_id).await? else {
        return Ok(spreadsheet::busy());
    };
    let lines = lines(&mut tx, query.all_versions()).await?;
    let body = spreadsheet::workbook("Toekenningen", &HEADER, &NUMERIC, &DATES, lines).await?;
    // Ends the transaction and frees the export slot.
    tx.commit().await?;
    Ok(download(
        spreadsheet::XLSX,
        if query.all_versions() {
            "attachment; filename=\"toekenningen-alle-versies.xlsx\""
        } else {
            "attachment; filename=\"toekenningen.xlsx\""
        },
        Body::from(body),
    ))
}
