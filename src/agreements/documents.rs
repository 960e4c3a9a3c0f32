//! The PDFs of an agreement: the signed agreement, council decisions and other documents.
//! They are stored in PostgreSQL (bytea, with size and SHA-256), so a database backup holds
//! everything; the name a file had on the uploader's computer is display text only, and
//! nothing is ever written to disk.
//!
//! Routes: `GET /samenwerkingsovereenkomsten/{id}/documenten/nieuw` and
//! `POST /samenwerkingsovereenkomsten/{id}/documenten` (the streaming upload, in [`upload`]),
//! `GET /documenten/{id}` (download), `POST /documenten/{id}/verwijderen`.

mod upload;

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::access::{self, Access};
use super::db::{self, Agreement};
use super::model::{AgreementStatus, DocumentKind};
use super::show::readable;
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::database::Timestamp;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::flash::{self, FlashKind};
use crate::web::format;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/documenten/{id}", get(download))
        .route("/documenten/{id}/verwijderen", post(delete))
        .merge(upload::router())
}

/// One document as the agreement page lists it.
pub struct DocumentLine {
    pub document_id: i64,
    pub kind: &'static str,
    /// The municipality of a council decision, or empty.
    pub municipality: String,
    pub file_name: String,
    pub size: String,
    /// The first 12 hex digits of the SHA-256, enough to compare two copies by eye.
    pub sha256_short: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// What the agreement page shows of this part (`templates/agreements/_documents.html`).
#[derive(Default)]
pub struct Section {
    pub documents: Vec<DocumentLine>,
}

/// The documents of `agreement`, oldest first. The caller has checked that the user may read it.
pub async fn section(state: &AppState, agreement: &Agreement, _access: Access) -> Result<Section> {
    let names: HashMap<String, String> = db::bindings(&state.db, agreement.agreement_id)
        .await?
        .into_iter()
        .map(|b| (b.nis_code, b.name))
        .collect();
    let rows = sqlx::query!(
        r#"select d.document_id, d.kind as "kind: DocumentKind", d.nis_code, d.file_name,
                  d.size_bytes, d.sha256, coalesce(u.full_name, '-') as "uploaded_by!",
                  d.uploaded_at as "uploaded_at: Timestamp"
           from agreement_documents d left join users u on u.user_id = d.uploaded_by
           where d.agreement_id = $1
           order by d.document_id"#,
        agreement.agreement_id
    )
    .fetch_all(&state.db)
    .await?;
    let documents = rows
        .into_iter()
        .map(|r| DocumentLine {
            document_id: r.document_id,
            kind: r.kind.label(),
            municipality: r
                .nis_code
                .map(|nis| names.get(&nis).cloned().unwrap_or(nis))
                .unwrap_or_default(),
            file_name: r.file_name,
            size: size(r.size_bytes),
            sha256_short: r.sha256.chars().take(12).collect(),
            uploaded_by: r.uploaded_by,
            uploaded_at: format::datetime(r.uploaded_at),
        })
        .collect();
    Ok(Section { documents })
}

/// A file size as people read it (nl-BE, 1024-based like the upload limit): `812 bytes`,
/// `245 kB`, `1,5 MB`.
pub fn size(bytes: i64) -> String {
    const KB: i64 = 1024;
    const MB: i64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        format!("{} kB", format::thousands((bytes + KB / 2) / KB))
    } else {
        let tenths = (bytes * 10 + MB / 2) / MB;
        match tenths % 10 {
            0 => format!("{} MB", format::thousands(tenths / 10)),
            rest => format!("{},{rest} MB", format::thousands(tenths / 10)),
        }
    }
}

/// A file name as it is kept: no control characters, no bidirectional overrides (which can
/// make `fdp.exe` read as `exe.pdf`), trimmed, at most 255 characters. Display text only.
pub fn display_name(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let name: String = cleaned.trim().chars().take(255).collect();
    let name = name.trim_end().to_string();
    if name.is_empty() {
        "document.pdf".into()
    } else {
        name
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `attachment` with a plain ASCII name for old clients and the exact name (RFC 5987) for the
/// rest. The ASCII name has no quotes, slashes, backslashes or control characters, so it
/// cannot end the header parameter or name a folder. Both end in `.pdf`: the bytes are a PDF,
/// and a file saved as `x.html` would open as a web page, outside this site's protections.
fn content_disposition(file_name: &str) -> String {
    let file_name = &if file_name.to_ascii_lowercase().ends_with(".pdf") {
        file_name.to_string()
    } else {
        format!("{file_name}.pdf")
    };
    let fallback: String = file_name
        .chars()
        .map(|c| match c {
            ' '..='~' if !matches!(c, '"' | '\\' | '/' | ';' | '%') => c,
            _ => '_',
        })
        .collect();
    let stem = &fallback[..fallback.len() - ".pdf".len()];
    let fallback = if stem.trim_matches(['_', '.', ' ']).is_empty() {
        "document.pdf".to_string()
    } else {
        fallback
    };
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        // RFC 5987 attr-char: sent as is; everything else percent-encoded.
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The agreement a document belongs to, or 404.
async fn agreement_of(state: &AppState, document_id: i64) -> Result<i64> {
    sqlx::query_scalar!(
        "select agreement_id from agreement_documents where document_id = $1",
        document_id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)
}

async fn download(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    // Who may read the agreement may read its documents; the bytes are loaded only then.
    readable(&state, &signed_in, agreement_of(&state, id).await?).await?;
    let doc = sqlx::query!(
        "select file_name, content from agreement_documents where document_id = $1",
        id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let disposition = HeaderValue::from_str(&content_disposition(&doc.file_name))
        .map_err(|e| AppError::Internal(e.into()))?;
    // Served as a download that the browser may not sniff, render in the site's origin or keep.
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pdf"),
        ),
        (header::CONTENT_DISPOSITION, disposition),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ),
    ];
    Ok((headers, doc.content).into_response())
}

async fn delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let agreement_id = agreement_of(&state, id).await?;
    let (_, access) = readable(&state, &signed_in, agreement_id).await?;
    access::require(&state, &signed_in, access.write).await?;
    let back = format!("/samenwerkingsovereenkomsten/{agreement_id}#documenten");

    let mut tx = state.db.begin().await?;
    // The agreement's row lock orders this deletion and a status change that relies on the
    // signed document: one of the two sees the other's outcome.
    let status = sqlx::query_scalar!(
        r#"select status as "status: AgreementStatus" from agreements
           where agreement_id = $1 for update"#,
        agreement_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let deleted = sqlx::query!(
        r#"delete from agreement_documents where document_id = $1
           returning kind as "kind: DocumentKind", nis_code, file_name, size_bytes, sha256"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if deleted.kind == DocumentKind::OndertekendeOvereenkomst && status.is_signed() {
        let left = sqlx::query_scalar!(
            r#"select count(*) as "count!" from agreement_documents
               where agreement_id = $1 and kind = 'ondertekende_overeenkomst'"#,
            agreement_id
        )
        .fetch_one(&mut *tx)
        .await?;
        if left == 0 {
            tx.rollback().await?;
            return flash::redirect(
                &signed_in.session,
                FlashKind::Error,
                format!(
                    "Dit document is niet verwijderd: het is de enige ondertekende overeenkomst, \
                     en een overeenkomst met status {} heeft die nodig. Laad eerst de juiste \
                     versie op.",
                    status.label()
                ),
                &back,
            )
            .await;
        }
    }
    audit::Entry::new(Action::DocumentDeleted)
        .actor(&signed_in.user)
        .object("agreement", agreement_id)
        .details(serde_json::json!({
            "document_id": id,
            "kind": deleted.kind.code(),
            "nis_code": deleted.nis_code,
            "size_bytes": deleted.size_bytes,
            "sha256": deleted.sha256,
        }))
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    tx.commit().await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Document verwijderd.",
        &back,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_the_belgian_way() {
        assert_eq!(size(812), "812 bytes");
        assert_eq!(size(245 * 1024 + 100), "245 kB");
        assert_eq!(size(1024 * 1024), "1 MB");
        assert_eq!(size(1024 * 1024 * 3 / 2), "1,5 MB");
        assert_eq!(size(10 * 1024 * 1024), "10 MB");
    }

    #[test]
    fn a_file_name_is_display_text_without_control_characters() {
        assert_eq!(display_name("../../etc/passwd.pdf"), "../../etc/passwd.pdf");
        assert_eq!(display_name(" a\u{0}b\r\n.pdf "), "ab.pdf");
        assert_eq!(display_name("x\u{202e}fdp.exe"), "xfdp.exe");
        assert_eq!(display_name("\u{7}"), "document.pdf");
        assert_eq!(display_name(&"é".repeat(300)).chars().count(), 255);
    }

    #[test]
    fn the_download_name_is_safe_ascii_plus_the_exact_name_encoded() {
        assert_eq!(
            content_disposition("Overeenkomst \"Leie\" ø/2024.pdf"),
            "attachment; filename=\"Overeenkomst _Leie_ __2024.pdf\"; \
             filename*=UTF-8''Overeenkomst%20%22Leie%22%20%C3%B8%2F2024.pdf"
        );
        assert_eq!(
            content_disposition("../../etc/passwd.pdf"),
            "attachment; filename=\".._.._etc_passwd.pdf\"; \
             filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.pdf"
        );
        assert!(content_disposition("ééé").starts_with("attachment; filename=\"document.pdf\""));
        assert!(
            content_disposition("polyglot.html")
                .starts_with("attachment; filename=\"polyglot.html.pdf\"; ")
        );
    }
}
