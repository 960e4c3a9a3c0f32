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
/// as one; a filter on the header and the header frozen. Built on the blocking pool.
pub async fn workbook<R>(
    sheet_name: &'static str,
    header: &'static [&'static str],
    numeric: &'static [usize],
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
            for (col, title) in header.iter().enumerate() {
                sheet.write_string_with_format(0, col as u16, *title, &bold)?;
            }
            for (i, row) in rows.iter().enumerate() {
                let r = i as u32 + 1;
                for (col, value) in row.as_ref().iter().enumerate() {
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
    fn a_csv_line_quotes_and_neutralises() {
        let line = csv_line(["=1+1", "a;b", "gewoon"]).unwrap();
        assert_eq!(String::from_utf8(line).unwrap(), "'=1+1;\"a;b\";gewoon\n");
    }
}
