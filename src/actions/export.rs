//! Exports of the filtered action list, the same filters as the list page: CSV for Belgian Excel
//! and an Excel workbook.
//!
//! Routes: `GET /acties/export.csv`, `GET /acties/export.xlsx` (signed in).

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;

use super::filters::Filters;
use super::form::plain_euro;
use super::model::{Kind, Origin, Status, priorities_label, target_group_label};
use crate::auth::SignedIn;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::format;

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

/// The filtered actions as export rows, newest first.
async fn export_rows(state: &AppState, filters: &Filters) -> Result<Vec<[String; 18]>> {
    let parsed = filters.parse();
    let rows = sqlx::query!(
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
    .fetch_all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
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
        .collect())
}

fn download(content_type: &'static str, filename: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, filename),
        ],
        body,
    )
        .into_response()
}

/// The filtered list as CSV for Belgian Excel: UTF-8 with a byte-order mark, `;` between fields.
async fn export_csv(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    writer.write_record(EXPORT_HEADER).context("csv")?;
    for row in export_rows(&state, &filters).await? {
        writer.write_record(&row).context("csv")?;
    }
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(
        writer
            .into_inner()
            .map_err(|e| e.into_error())
            .context("csv")?,
    );
    Ok(download(
        "text/csv; charset=utf-8",
        "attachment; filename=\"acties.csv\"",
        body,
    ))
}

/// The filtered list as an Excel workbook, numbers as numbers.
async fn export_xlsx(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let rows = export_rows(&state, &filters).await?;
    let body =
        tokio::task::spawn_blocking(move || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            sheet.set_name("Acties")?;
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (col, title) in EXPORT_HEADER.iter().enumerate() {
                sheet.write_string_with_format(0, col as u16, *title, &bold)?;
            }
            // Columns that hold numbers: id, cost, participants planned and reached.
            let numeric = [0usize, 10, 11, 12];
            for (i, row) in rows.iter().enumerate() {
                let r = i as u32 + 1;
                for (col, value) in row.iter().enumerate() {
                    let number = numeric
                        .contains(&col)
                        .then(|| value.replace(',', ".").parse::<f64>().ok())
                        .flatten();
                    match number {
                        Some(n) => sheet.write_number(r, col as u16, n)?,
                        None => sheet.write_string(r, col as u16, value)?,
                    };
                }
            }
            sheet.autofilter(0, 0, rows.len() as u32, EXPORT_HEADER.len() as u16 - 1)?;
            sheet.set_freeze_panes(1, 0)?;
            workbook.save_to_buffer()
        })
        .await
        .context("xlsx task")?
        .context("xlsx")?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment; filename=\"acties.xlsx\"",
        body,
    ))
}
