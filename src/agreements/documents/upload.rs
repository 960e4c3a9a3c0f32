//! Uploading a PDF to an agreement (writers only): the form page and the multipart POST.
//!
//! The body is read as a stream and never held beyond the limit (`REGIE_MAX_UPLOAD_MB`): a
//! declared `Content-Length` over the limit is refused without reading the file at all, and
//! otherwise the file's bytes are counted as they arrive and reading stops as soon as they pass
//! the limit. The CSRF token (the form's first field) was checked by the middleware, which read
//! only that part. A file counts as a PDF by its first bytes (`%PDF-`), never by its name or
//! the browser's content type.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::multipart::Field;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::super::access;
use super::super::db::{self, Agreement, Binding};
use super::super::model::DocumentKind;
use super::super::show::readable;
use super::display_name;
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::{Result, ResultExt};
use crate::state::AppState;
use crate::web::extract::{Path, Query, clean_text};
use crate::web::forms::{Choice, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{render, render_with_status};

/// Room for the form's other fields and the multipart framing, beside the file itself.
const OVERHEAD: usize = 64 * 1024;
/// Longest value of a small field (kind, municipality, key); they come from the form's own
/// selects and hidden inputs.
const MAX_FIELD_BYTES: usize = 1024;
const PDF_MAGIC: &[u8] = b"%PDF-";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/samenwerkingsovereenkomsten/{id}/documenten/nieuw",
            get(new),
        )
        .route(
            "/samenwerkingsovereenkomsten/{id}/documenten",
            // The site-wide 1 MiB body limit is for forms; this route counts against the
            // configured upload limit itself (see `receive`).
            axum::routing::post(create).layer(DefaultBodyLimit::disable()),
        )
}

/// What the user chose, kept as text so that a refused upload shows it again.
#[derive(Clone, Debug, Default)]
struct UploadForm {
    kind: String,
    nis_code: String,
    idempotency_key: String,
}

#[derive(Template)]
#[template(path = "agreements/document_form.html")]
struct DocumentFormPage {
    layout: Layout,
    a: Agreement,
    form: UploadForm,
    kinds: Vec<Choice>,
    municipalities: Vec<Choice>,
    errors: FieldErrors,
    max_mb: u32,
}

impl DocumentFormPage {
    async fn build(
        state: &AppState,
        signed_in: &SignedIn,
        a: Agreement,
        bindings: &[Binding],
        form: UploadForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        Ok(Self {
            layout: signed_in
                .layout(format!("Document opladen: {}", a.title))
                .await?,
            kinds: DocumentKind::ALL
                .into_iter()
                .map(|k| Choice::new(k.code(), k.label(), form.kind == k.code()))
                .collect(),
            municipalities: bindings
                .iter()
                .map(|b| Choice::new(&b.nis_code, &b.name, form.nis_code == b.nis_code))
                .collect(),
            max_mb: state.config.max_upload_mb,
            a,
            form,
            errors,
        })
    }
}

/// Loads an agreement that `signed_in` may write; refuses (403, audited) otherwise.
async fn writable(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<Agreement> {
    let (agreement, access) = readable(state, signed_in, id).await?;
    access::require(state, signed_in, access.write).await?;
    Ok(agreement)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    soort: Option<String>,
}

async fn new(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<NewQuery>,
) -> Result<Response> {
    let a = writable(&state, &signed_in, id).await?;
    let bindings = db::bindings(&state.db, id).await?;
    let form = UploadForm {
        kind: query
            .soort
            .as_deref()
            .and_then(DocumentKind::parse)
            .unwrap_or(DocumentKind::OndertekendeOvereenkomst)
            .code()
            .into(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    let page =
        DocumentFormPage::build(&state, &signed_in, a, &bindings, form, FieldErrors::new()).await?;
    render(&page)
}

/// Why the file could not be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Problem {
    TooLarge,
    /// Not a multipart body, or a broken one.
    Unreadable,
}

/// A file as received: its display name, bytes and SHA-256 (hex).
struct File {
    name: String,
    content: Vec<u8>,
    sha256: String,
}

/// What the POST carried, read as far as it needed to be.
#[derive(Default)]
struct Received {
    form: UploadForm,
    file: Option<File>,
    problem: Option<Problem>,
}

/// Reads the upload's fields; the file is read only while it stays within `limit` bytes.
async fn receive(state: &AppState, request: Request, limit: usize) -> Received {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let declared_too_large = declared.is_some_and(|n| n > limit.saturating_add(OVERHEAD));
    // Already known to be too large: read no more than the small fields before the file.
    let cap = if declared_too_large {
        OVERHEAD
    } else {
        limit + OVERHEAD
    };
    let tripped = Arc::new(AtomicBool::new(false));
    let request = capped(request, cap, Arc::clone(&tripped));
    let mut received = Received::default();
    let Ok(mut multipart) = Multipart::from_request(request, state).await else {
        received.problem = Some(Problem::Unreadable);
        return received;
    };
    let outcome: std::result::Result<(), Problem> = async {
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| Problem::Unreadable)?
        {
            let form = &mut received.form;
            match field.name().unwrap_or_default() {
                "kind" => form.kind = small(field).await?,
                "nis_code" => form.nis_code = small(field).await?,
                "idempotency_key" => form.idempotency_key = small(field).await?,
                "file" if declared_too_large => return Err(Problem::TooLarge),
                "file" => {
                    let name = field
                        .file_name()
                        .filter(|n| !n.is_empty())
                        .map(display_name);
                    let initial = declared.unwrap_or(OVERHEAD).min(limit);
                    let (content, sha256) = read_file(field, limit, initial).await?;
                    // A browser sends an empty part without a name when no file was chosen.
                    if !(content.is_empty() && name.is_none()) {
                        received.file = Some(File {
                            name: name.unwrap_or_else(|| display_name("")),
                            content,
                            sha256,
                        });
                    }
                }
                // The CSRF token (checked by the middleware) and anything unknown.
                _ => {}
            }
        }
        Ok(())
    }
    .await;
    if let Err(problem) = outcome {
        // A broken stream because it passed the cap is a file too large, not a broken form.
        received.problem = Some(if tripped.load(Ordering::Relaxed) {
            Problem::TooLarge
        } else {
            problem
        });
    }
    received
}

/// The request with a body that stops after `cap` bytes (and sets `tripped` if there were more).
/// It ends rather than fails, and cuts the chunk that crosses the cap, so the small fields in
/// front of the file are still parsed and shown again; the parser then finds the body cut off.
fn capped(request: Request, cap: usize, tripped: Arc<AtomicBool>) -> Request {
    let (parts, body) = request.into_parts();
    let stream = futures_util::stream::unfold(
        (body.into_data_stream(), 0usize, false),
        move |(mut inner, read, done)| {
            let tripped = Arc::clone(&tripped);
            async move {
                if done {
                    return None;
                }
                let chunk = match inner.next().await? {
                    Ok(chunk) => chunk,
                    Err(err) => return Some((Err(err), (inner, read, true))),
                };
                let room = cap - read;
                if chunk.len() <= room {
                    let read = read + chunk.len();
                    Some((Ok(chunk), (inner, read, false)))
                } else {
                    tripped.store(true, Ordering::Relaxed);
                    Some((Ok(chunk.slice(..room)), (inner, cap, true)))
                }
            }
        },
    );
    Request::from_parts(parts, Body::from_stream(stream))
}

/// A small text field's value, cleaned of control characters.
async fn small(mut field: Field<'_>) -> std::result::Result<String, Problem> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| Problem::Unreadable)? {
        if bytes.len() + chunk.len() > MAX_FIELD_BYTES {
            return Err(Problem::Unreadable);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(clean_text(&String::from_utf8_lossy(&bytes))
        .trim()
        .to_string())
}

/// The file's bytes and SHA-256, or `TooLarge` as soon as they pass `limit`: memory never
/// holds more than the limit (plus the one chunk in hand).
async fn read_file(
    mut field: Field<'_>,
    limit: usize,
    initial: usize,
) -> std::result::Result<(Vec<u8>, String), Problem> {
    let mut content: Vec<u8> = Vec::with_capacity(initial);
    let mut hasher = Sha256::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| Problem::Unreadable)? {
        let len = content.len() + chunk.len();
        if len > limit {
            return Err(Problem::TooLarge);
        }
        if content.capacity() < len {
            // Doubling, but never past the limit.
            let target = (content.capacity() * 2).max(len).min(limit);
            content.reserve_exact(target - content.len());
        }
        hasher.update(&chunk);
        content.extend_from_slice(&chunk);
    }
    Ok((content, data_encoding::HEXLOWER.encode(&hasher.finalize())))
}

/// A checked upload, ready to store.
struct Input {
    kind: DocumentKind,
    nis_code: Option<String>,
    file: File,
}

fn validate(received: Received, bindings: &[Binding], max_mb: u32) -> (Option<Input>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let form = &received.form;
    let kind = DocumentKind::parse(&form.kind);
    if kind.is_none() {
        errors.add("kind", "Kies wat voor document dit is.");
    }
    let nis_code = match kind {
        Some(DocumentKind::Raadsbeslissing) if form.nis_code.is_empty() => {
            errors.add("nis_code", "Kies de gemeente van deze raadsbeslissing.");
            None
        }
        Some(DocumentKind::Raadsbeslissing) => {
            if !bindings.iter().any(|b| b.nis_code == form.nis_code) {
                errors.add(
                    "nis_code",
                    "Deze gemeente is niet gebonden door deze overeenkomst.",
                );
            }
            Some(form.nis_code.clone())
        }
        _ => None,
    };
    match (received.problem, &received.file) {
        (Some(Problem::TooLarge), _) => {
            errors.add("file", format!("Het bestand is groter dan {max_mb} MB."))
        }
        (Some(Problem::Unreadable), _) => errors.add(
            "file",
            "Het formulier kon niet gelezen worden. Kies het bestand opnieuw en probeer nog eens.",
        ),
        (None, None) => errors.add("file", "Kies een PDF-bestand."),
        (None, Some(file)) if file.content.is_empty() => errors.add("file", "Het bestand is leeg."),
        (None, Some(file)) if !file.content.starts_with(PDF_MAGIC) => {
            errors.add("file", "Het bestand is geen PDF.")
        }
        (None, Some(_)) => {}
    }
    match (kind, received.file) {
        (Some(kind), Some(file)) if errors.is_empty() => (
            Some(Input {
                kind,
                nis_code,
                file,
            }),
            errors,
        ),
        _ => (None, errors),
    }
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response> {
    let a = writable(&state, &signed_in, id).await?;
    let received = receive(&state, request, state.config.max_upload_bytes()).await;
    let mut form = received.form.clone();
    let too_large = received.problem == Some(Problem::TooLarge);
    let bindings = db::bindings(&state.db, id).await?;
    let (input, mut errors) = validate(received, &bindings, state.config.max_upload_mb);
    if let Some(input) = input {
        let key = uuid::Uuid::parse_str(form.idempotency_key.trim()).ok();
        match store(&state, &signed_in, id, input, key).await? {
            Ok(()) => {
                return Ok(Redirect::to(&format!(
                    "/samenwerkingsovereenkomsten/{id}?bewaard=1#documenten"
                ))
                .into_response());
            }
            Err(()) => errors.add(
                "nis_code",
                "Deze gemeente is niet (meer) gebonden door deze overeenkomst.",
            ),
        }
    }
    if form.idempotency_key.is_empty() {
        form.idempotency_key = uuid::Uuid::new_v4().to_string();
    }
    let page = DocumentFormPage::build(&state, &signed_in, a, &bindings, form, errors).await?;
    let status = if too_large {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_with_status(status, &page)
}

/// Stores the document and its audit entry in one transaction; a second submit with the same
/// key stores nothing. `Err(())` when the municipality is no longer bound.
async fn store(
    state: &AppState,
    signed_in: &SignedIn,
    agreement_id: i64,
    input: Input,
    key: Option<uuid::Uuid>,
) -> Result<std::result::Result<(), ()>> {
    let mut tx = state.db.begin().await?;
    let file = &input.file;
    let inserted = sqlx::query_scalar!(
        r#"insert into agreement_documents
               (agreement_id, kind, nis_code, file_name, size_bytes, sha256, content,
                idempotency_key, uploaded_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           on conflict on constraint agreement_documents_idempotency_key do nothing
           returning document_id"#,
        agreement_id,
        input.kind as DocumentKind,
        input.nis_code,
        file.name,
        file.content.len() as i64,
        file.sha256,
        &file.content,
        key,
        signed_in.user.user_id
    )
    .fetch_optional(&mut *tx)
    .await
    .on_constraint(&[("agreement_documents_agreement_id_nis_code_fkey", ())])?;
    let document_id = match inserted {
        Err(()) => return Ok(Err(())),
        // The same form sent twice: the first one stored it.
        Ok(None) => return Ok(Ok(())),
        Ok(Some(id)) => id,
    };
    audit::Entry::new(Action::DocumentUploaded)
        .actor(&signed_in.user)
        .object("agreement", agreement_id)
        .details(serde_json::json!({
            "document_id": document_id,
            "kind": input.kind.code(),
            "nis_code": input.nis_code,
            "size_bytes": file.content.len(),
            "sha256": file.sha256,
        }))
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    tx.commit().await?;
    Ok(Ok(()))
}
