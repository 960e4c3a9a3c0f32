//! Exports of the overview, with its filters and its visibility (a VDAB account manager gets
//! only their werkingsgebieden): one line per agreement, and one per werkingsgebied without
//! any. CSV for Belgian Excel (cells neutralised against formula injection) and an Excel
//! workbook (cells written as strings or numbers, never formulas). A user runs at most
//! [`spreadsheet::EXPORTS_PER_USER`] exports at a time.
//!
//! Routes: `GET /samenwerkingsovereenkomsten/export.csv`, `GET /samenwerkingsovereenkomsten/export.xlsx`.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use super::access;
use super::model::AgreementStatus;
use super::overview::{self, Filters};
use crate::actions::model::Origin;
use crate::auth::SignedIn;
use crate::error::Result;
use crate::periods;
use crate::reference::Reference;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::format;
use crate::web::spreadsheet::{self, CSV_START, csv_line, download};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/samenwerkingsovereenkomsten/export.csv", get(export_csv))
        .route("/samenwerkingsovereenkomsten/export.xlsx", get(export_xlsx))
}

/// The header of both exports.
const HEADER: [&str; 14] = [
    "id",
    "werkingsgebied",
    "beleidsperiode",
    "titel",
    "status",
    "begindatum",
    "einddatum",
    "ondertekend op",
    "gebonden gemeenten",
    "aantal gebonden gemeenten",
    "engagementen",
    "engagementen achterstallig",
    "laatste opvolgingsmoment",
    "herkomst",
];

/// Columns the workbook writes as numbers: id, bound municipalities, commitments, overdue.
const NUMERIC: [usize; 4] = [0, 9, 10, 11];

/// Columns the workbook writes as dates: start, end, signed, last meeting.
const DATES: [usize; 4] = [5, 6, 7, 12];

type Line = [String; 14];

/// The export lines: the overview's werkingsgebieden (same filters, same visibility) in its
/// order, each with its agreements, or one line without agreement. Two statements.
async fn lines(
    conn: &mut PgConnection,
    db: &PgPool,
    reference: &Reference,
    signed_in: &SignedIn,
    filters: &Filters,
) -> Result<Vec<Line>> {
    let all = periods::list(&mut *conn).await?;
    let parsed = filters.parse(&all)?;
    let visible = access::visible_partnerships(&mut *conn, &signed_in.user).await?;
    let provinces = overview::provinces(db, reference, &parsed.period).await?;
    let areas = overview::rows(conn, &parsed, &provinces, visible.as_deref()).await?;
    let ids: Vec<i64> = areas
        .iter()
        .flat_map(|a| a.agreements.iter().map(|g| g.agreement_id))
        .collect();
    let details: HashMap<i64, Line> = sqlx::query!(
        r#"select a.agreement_id, a.title, a.status as "status: AgreementStatus",
                  a.starts_on as "starts_on: NaiveDate", a.ends_on as "ends_on: NaiveDate",
                  a.signed_on as "signed_on: NaiveDate", a.origin as "origin: Origin",
                  coalesce(b.names, '') as "names!", coalesce(b.n, 0) as "bound!",
                  coalesce(c.total, 0) as "commitments!", coalesce(c.overdue, 0) as "overdue!",
                  m.last_meeting as "last_meeting?: NaiveDate"
           from agreements a
           left join lateral (
               select string_agg(mu.name_nl, ', ' order by mu.name_nl) as names, count(*) as n
               from agreement_municipalities am
               join partnership_members pm
                 on pm.partnership_id = am.partnership_id and pm.nis_code = am.nis_code
               join municipalities mu on mu.vintage = pm.vintage and mu.nis_code = pm.nis_code
               where am.agreement_id = a.agreement_id
           ) b on true
           left join lateral (
               select count(*) as total,
                      -- Overdue as in the overview (`AreaRow::overdue`).
                      count(*) filter (
                          where a.status in ('ondertekend', 'in_opvolging', 'geevalueerd')
                            and c.deadline < $2 and c.status in ('gepland', 'lopend')
                      ) as overdue
               from commitments c where c.agreement_id = a.agreement_id
           ) c on true
           left join lateral (
               select max(held_on) as last_meeting from agreement_meetings
               where agreement_id = a.agreement_id
           ) m on true
           where a.agreement_id = any($1)"#,
        &ids,
        crate::web::format::today() as NaiveDate
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| {
        let line = [
            r.agreement_id.to_string(),
            String::new(),
            String::new(),
            r.title,
            r.status.label().to_string(),
            format::date(r.starts_on),
            format::date(r.ends_on),
            r.signed_on.map(format::date).unwrap_or_default(),
            r.names,
            r.bound.to_string(),
            r.commitments.to_string(),
            r.overdue.to_string(),
            r.last_meeting.map(format::date).unwrap_or_default(),
            match r.origin {
                Origin::Real => "echt".to_string(),
                other => other.label().to_string(),
            },
        ];
        (r.agreement_id, line)
    })
    .collect();

    let mut out = Vec::with_capacity(areas.len().max(ids.len()));
    for area in &areas {
        let of_area = area
            .agreements
            .iter()
            .filter_map(|g| details.get(&g.agreement_id).cloned());
        let mut any = false;
        for mut line in of_area {
            any = true;
            line[1] = area.name.clone();
            line[2] = parsed.period.name.clone();
            out.push(line);
        }
        if !any {
            let mut line: Line = Default::default();
            line[1] = area.name.clone();
            line[2] = parsed.period.name.clone();
            line[3] = "(geen samenwerkingsovereenkomst)".into();
            line[9] = "0".into();
            line[10] = "0".into();
            line[11] = "0".into();
            line[13] = if area.is_demo { "demo" } else { "echt" }.into();
            out.push(line);
        }
    }
    Ok(out)
}

/// The overview as CSV for Belgian Excel: UTF-8 with a byte-order mark, `;` between fields.
/// A period has tens of werkingsgebieden, not thousands: the file is written in one piece.
async fn export_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    reference: Reference,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let Some(mut tx) = spreadsheet::begin_export(&state.db, signed_in.user.user_id).await? else {
        return Ok(spreadsheet::busy());
    };
    let lines = lines(&mut tx, &state.db, &reference, &signed_in, &filters).await?;
    // Ends the transaction and frees the export slot.
    tx.commit().await?;
    let mut body = CSV_START.to_vec();
    body.extend(csv_line(HEADER)?);
    for line in &lines {
        body.extend(csv_line(line)?);
    }
    Ok(download(
        "text/csv; charset=utf-8",
        "attachment; filename=\"samenwerkingsovereenkomsten.csv\"",
        Body::from(body),
    ))
}

/// The overview as an Excel workbook, numbers as numbers.
async fn export_xlsx(
    State(state): State<AppState>,
    signed_in: SignedIn,
    reference: Reference,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let Some(mut tx) = spreadsheet::begin_export(&state.db, signed_in.user.user_id).await? else {
        return Ok(spreadsheet::busy());
    };
    let lines = lines(&mut tx, &state.db, &reference, &signed_in, &filters).await?;
    let body = spreadsheet::workbook("Overeenkomsten", &HEADER, &NUMERIC, &DATES, lines).await?;
    // Ends the transaction and frees the export slot.
    tx.commit().await?;
    Ok(download(
        spreadsheet::XLSX,
        "attachment; filename=\"samenwerkingsovereenkomsten.xlsx\"",
        Body::from(body),
    ))
}
