//! Exports of the filtered action list, the same filters as the list page: CSV for Belgian Excel
//! (sent in chunks as it is written, cells neutralised against formula injection) and an Excel
//! workbook (cells written as strings or numbers, never formulas). A user runs at most
//! [`spreadsheet::EXPORTS_PER_USER`] exports at a time.
//!
//! Routes: `GET /acties/export.csv`, `GET /acties/export.xlsx` (signed in).

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use futures_util::{Stream, StreamExt, TryStreamExt};
use sqlx::PgConnection;

use super::filters::{Filters, Parsed};
use super::model::{Kind, Origin, Status, priorities_label, target_group_label};
use crate::auth::SignedIn;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::format;
use crate::web::money::plain_euro;
use crate::web::spreadsheet::{self, CSV_START, csv_line, download};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/acties/export.csv", get(export_csv))
        .route("/acties/export.xlsx", get(export_xlsx))
}

/// The header of both exports.
const EXPORT_HEADER: [&str; 18] = [
    "id",
    "werkingsgebied",
    "beleidsperiode",
    "titel",
    "prioriteiten",
    "soort",
    "doelgroepen",
    "status",
    "begindatum",
    "einddatum",
    "kostprijs (EUR)",
    "deelnemers gepland",
    "deelnemers bereikt",
    "gemeenten (NIS)",
    "partners",
    "beschrijving",
    "resultaten",
    "herkomst",
];

/// At most this many rows per export: the file is built in memory (an XLSX keeps every cell),
/// and 20,000 rows keep a download within tens of megabytes. The list page says so.
pub const EXPORT_LIMIT: i64 = 20_000;

/// The filtered actions as export rows, newest first, as the database returns them.
fn export_rows<'a>(
    conn: &'a mut PgConnection,
    parsed: &'a Parsed,
) -> impl Stream<Item = Result<[String; 18]>> + 'a {
    sqlx::query!(
        r#"select a.action_id as "action_id!", p.name as partnership, pp.name as period,
                  a.title as "title!", a.description as "description!", a.priorities as "priorities!",
                  a.kind as "kind!: Kind", a.target_groups as "target_groups!",
                  a.status as "status!: Status", a.starts_on as "starts_on!: NaiveDate",
                  a.ends_on as "ends_on: NaiveDate", a.cost_cents, a.results as "results!",
                  a.origin as "origin!: Origin",
                  coalesce((select sum(planned) from action_participants ap where ap.action_id = a.action_id), 0)::bigint as "planned!",
                  coalesce((select sum(reached) from action_participants ap where ap.action_id = a.action_id), 0)::bigint as "reached!",
                  coalesce((select string_agg(am.nis_code, ',' order by am.nis_code) from action_municipalities am where am.action_id = a.action_id), '') as "municipalities!",
                  coalesce((select string_agg(ap.name, ', ' order by ap.position) from action_partners ap where ap.action_id = a.action_id), '') as "partners!"
           from filtered_actions($1, $2, $3, $4, $5, $6, $7, $8, $9) a
           join partnerships p on p.partnership_id = a.partnership_id
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           order by a.starts_on desc, a.action_id desc
           limit $10"#,
        parsed.period,
        parsed.year,
        parsed.priority,
        parsed.kind as Option<Kind>,
        parsed.target_group,
        parsed.status as Option<Status>,
        parsed.province,
        parsed.partnership,
        parsed.query,
        EXPORT_LIMIT,
    )
    .fetch(conn)
    .map_err(Into::into)
    .map_ok(|r| {
        [
                r.action_id.to_string(),
                r.partnership,
                r.period,
                r.title,
                priorities_label(&r.priorities),
                r.kind.label().to_string(),
                r.target_groups
                    .iter()
                    .map(|t| target_group_label(t))
                    .collect::<Vec<_>>()
                    .join(", "),
                r.status.code().to_string(),
                format::date(r.starts_on),
                r.ends_on.map(format::date).unwrap_or_default(),
                r.cost_cents.map(plain_euro).unwrap_or_default(),
                r.planned.to_string(),
                r.reached.to_string(),
                r.municipalities,
                r.partners,
                r.description,
                r.results,
                match r.origin {
                    Origin::Real => "echt".to_string(),
                    other => other.label().to_string(),
                },
            ]
    })
}

/// The filtered list as CSV for Belgian Excel: UTF-8 with a byte-order mark, `;` between fields.
///
/// The rows (at most [`EXPORT_LIMIT`]) are read in one short statement, then the file is sent
/// in chunks as it is written. The database is not held while a slow browser downloads: a
/// statement open for the whole download would hold a connection, and could outlast the
/// statement timeout.
async fn export_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let Some(mut tx) = spreadsheet::begin_export(&state.db, signed_in.user.user_id).await? else {
        return Ok(spreadsheet::busy());
    };
    let parsed = filters.parse();
    let rows: Vec<[String; 18]> = export_rows(&mut tx, &parsed).try_collect().await?;
    // Ends the transaction and frees the export slot.
    tx.commit().await?;

    let header = futures_util::stream::once(async {
        let mut start = CSV_START.to_vec();
        start.extend(csv_line(EXPORT_HEADER)?);
        Ok(start)
    });
    let mut rows = rows.into_iter();
    let chunks = std::iter::from_fn(move || {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        (!chunk.is_empty()).then_some(chunk)
    });
    let lines = futures_util::stream::iter(chunks).map(|chunk| -> Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(chunk.len() * 256);
        for row in &chunk {
            bytes.extend(csv_line(row)?);
        }
        Ok(bytes)
    });
    let body = header.chain(lines).map(|chunk| {
        chunk.map_err(|err| {
            tracing::error!(error = ?err, "csv export failed");
            std::io::Error::other("export failed")
        })
    });
    Ok(download(
        "text/csv; charset=utf-8",
        "attachment; filename=\"acties.csv\"",
        Body::from_stream(body),
    ))
}

/// The filtered list as an Excel workbook, numbers as numbers.
async fn export_xlsx(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let Some(mut tx) = spreadsheet::begin_export(&state.db, signed_in.user.user_id).await? else {
        return Ok(spreadsheet::busy());
    };
    let parsed = filters.parse();
    let rows: Vec<[String; 18]> = export_rows(&mut tx, &parsed).try_collect().await?;
    // Columns that hold numbers: id, cost, participants planned and reached.
    let body =
        spreadsheet::workbook("Acties", &EXPORT_HEADER, &[0, 10, 11, 12], &[8, 9], rows).await?;
    // Ends the transaction and frees the export slot.
    tx.commit().await?;
    Ok(download(
        spreadsheet::XLSX,
        "attachment; filename=\"acties.xlsx\"",
        Body::from(body),
    ))
}
