//! What every export for spreadsheets shares: CSV for Belgian Excel with cells that cannot be
//! formulas, streamed in chunks, and a limit on how many exports one user runs at a time.

use std::borrow::Cow;

use anyhow::Context;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sqlx::{PgPool, Postgres, Transaction};

use crate::error::{ErrorText, Result, error_page};

/// The content type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An Excel workbook of one sheet: the header in bold, every cell as text except in the
/// `numeric` columns, where a value that reads as a number (decimal comma or point) is written
/// as one, and in the `dates` columns, where a `27/11/2026` or `27/11/2026 21:05` (as
/// [`crate::web::format`] writes them) becomes an Excel date shown as `dd/mm/yyyy` (with
/// `hh:mm` for an instant), so a spreadsheet sorts and filters it as a date. Text is never a
/// formula: it is written as a string cell. A filter on the header and the header frozen.
/// Built on the blocking pool.
pub async fn workbook<R>(
    sheet_name: &'static str,
    header: &'static [&'static str],
    numeric: &'static [usize],
    dates: &'static [usize],
    rows: Vec<R>,
) -> Result<Vec<u8>>
where
    R: AsRef<[String]> + Send + 'static,
{
    let body = tokio::task::spawn_blocking(
        move || -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            sheet.set_name(sheet_name)?;
            let bold = rust_xlsxwriter::Format::new().set_bold();
            let day = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
            let instant = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy hh:mm");
            for (col, title) in header.iter().enumerate() {
                sheet.write_string_with_format(0, col as u16, *title, &bold)?;
            }
            for col in dates {
                // Wide enough for `27/11/2026 21:05`; a narrower column shows ####.
                sheet.set_column_width(*col as u16, 16)?;
            }
            for (i, row) in rows.iter().enumerate() {
                let r = i as u32 + 1;
                for (col, value) in row.as_ref().iter().enumerate() {
                    let c = col as u16;
                    if let Some((when, has_time)) =
                        dates.contains(&col).then(|| excel_date(value)).flatten()
                    {
                        let format = if has_time { &instant } else { &day };
                        sheet.write_datetime_with_format(r, c, &when, format)?;
                        continue;
                    }
                    let number = numeric
                        .contains(&col)
                        .then(|| value.replace(',', ".").parse::<f64>().ok())
                        .flatten();
                    match number {
                        Some(n) => sheet.write_number(r, c, n)?,
                        None => sheet.write_string(r, c, value)?,
                    };
                }
            }
            sheet.autofilter(0, 0, rows.len() as u32, header.len() as u16 - 1)?;
            sheet.set_freeze_panes(1, 0)?;
            workbook.save_to_buffer()
        },
    )
    .await
    .context("xlsx task")?
    .context("xlsx")?;
    Ok(body)
}

/// `27/11/2026` or `27/11/2026 21:05` as an Excel date, and whether it has a time of day.
fn excel_date(value: &str) -> Option<(rust_xlsxwriter::ExcelDateTime, bool)> {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
    let (date, time) = match NaiveDateTime::parse_from_str(value, "%d/%m/%Y %H:%M") {
        Ok(t) => (t.date(), Some(t.time())),
        Err(_) => (NaiveDate::parse_from_str(value, "%d/%m/%Y").ok()?, None),
    };
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(date.year()).ok()?,
        date.month() as u8,
        date.day() as u8,
    )
    .ok()?;
    match time {
        None => Some((day, false)),
        Some(t) => Some((
            day.and_hms(t.hour() as u16, t.minute() as u8, 0).ok()?,
            true,
        )),
    }
}

/// How many exports one user may run at the same time (across instances: the slots are
/// PostgreSQL advisory locks).
pub const EXPORTS_PER_USER: i32 = 2;

/// A cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return before one) gets a leading `'`, as OWASP advises against CSV injection; a plain
/// number such as `-12,50` stays a number.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit())
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// The byte-order mark that makes Excel read the file as UTF-8.
pub const CSV_START: &[u8] = "\u{feff}".as_bytes();

/// One CSV line (`;` between fields, quoted where needed), every cell neutralised.
pub fn csv_line<I, S>(cells: I) -> Result<Vec<u8>>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::with_capacity(256));
    for cell in cells {
        writer
            .write_field(neutralise(cell.as_ref()).as_ref())
            .context("csv")?;
    }
    writer.write_record(None::<&[u8]>).context("csv")?;
    Ok(writer
        .into_inner()
        .map_err(|e| e.into_error())
        .context("csv")?)
}

/// Begins an export: a transaction that holds one of the user's export slots until it ends;
/// `None` when all slots are taken (then answer with [`busy`]).
pub async fn begin_export(
    db: &PgPool,
    user_id: i64,
) -> Result<Option<Transaction<'static, Postgres>>> {
    let mut tx = db.begin().await?;
    for slot in 1..=EXPORTS_PER_USER {
        let taken = sqlx::query_scalar!(
            r#"select pg_try_advisory_xact_lock(hashtext('regie.export:' || $1::bigint), $2) as "taken!""#,
            user_id,
            slot
        )
        .fetch_one(&mut *tx)
        .await?;
        if taken {
            return Ok(Some(tx));
        }
    }
    Ok(None)
}

/// The answer when a user already runs [`EXPORTS_PER_USER`] exports.
pub fn busy() -> Response {
    error_page(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorText {
            heading: "Even geduld",
            message: "U hebt al twee exports lopen. Wacht tot die klaar zijn en probeer het dan opnieuw.",
        },
    )
}

/// A file download.
pub fn download(content_type: &'static str, filename: &'static str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, filename),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_a_formula_are_neutralised_and_numbers_stay_numbers() {
        for risky in [
            "=HYPERLINK(\"http://x\",\"klik\")",
            "+32 2 553 00 00",
            "-1+1",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "-",
        ] {
            assert_eq!(neutralise(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["Jobbeurs", "12,50", "-12,50", "2024-05-01", "", "a=b"] {
            assert_eq!(neutralise(plain), plain);
        }
    }

    #[test]
    fn belgian_dates_and_instants_become_excel_dates() {
        let (day, has_time) = excel_date("27/11/2026").unwrap();
        assert!(!has_time);
        // Excel's serial number of 27 November 2026.
        assert_eq!(day.to_excel(), 46_353.0);
        let (instant, has_time) = excel_date("27/11/2026 18:00").unwrap();
        assert!(has_time);
        assert_eq!(instant.to_excel(), 46_353.75);
        for not_a_date in ["", "31/02/2026", "2026-11-27", "=1+1"] {
            assert!(excel_date(not_a_date).is_none(), "{not_a_date}");
        }
    }

    #[test]
    fn a_csv_line_quotes_and_neutralises() {
        let line = csv_line(["=1+1", "a;b", "gewoon"]).unwrap();
        assert_eq!(String::from_utf8(line).unwrap(), "'=1+1;\"a;b\";gewoon\n");
    }
}
