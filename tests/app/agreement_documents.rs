//! PDF attachments of an agreement: streaming uploads with their limit and PDF check, the CSRF
//! check of a multipart form, downloads with their headers, deletion, and who may do what.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode, header};
use regie::identity::Role;
use sha2::{Digest, Sha256};

use crate::helpers::{PASSWORD, TestApp, TestResponse};

const BOUNDARY: &str = "----regieTestBoundary7MA4YWxkTrZu0gW";

/// One part of a multipart body: a field, or a file with its name and content type.
pub struct Part<'a> {
    name: &'a str,
    file: Option<(&'a str, &'a str)>,
    value: &'a [u8],
}

pub fn field<'a>(name: &'a str, value: &'a str) -> Part<'a> {
    Part {
        name,
        file: None,
        value: value.as_bytes(),
    }
}

pub fn file<'a>(file_name: &'a str, content_type: &'a str, content: &'a [u8]) -> Part<'a> {
    Part {
        name: "file",
        file: Some((file_name, content_type)),
        value: content,
    }
}

/// The head of a part: its boundary line and headers.
fn part_head(part: &Part) -> Vec<u8> {
    let disposition = match part.file {
        Some((file_name, content_type)) => format!(
            "Content-Disposition: form-data; name=\"{}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}",
            part.name
        ),
        None => format!("Content-Disposition: form-data; name=\"{}\"", part.name),
    };
    format!("--{BOUNDARY}\r\n{disposition}\r\n\r\n").into_bytes()
}

/// A multipart/form-data body as a browser builds it.
fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend(part_head(part));
        body.extend_from_slice(part.value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").into_bytes());
    body
}

fn multipart_request(path: &str, body: Body, content_length: Option<usize>) -> Request<Body> {
    let mut request = Request::builder().method(Method::POST).uri(path).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    if let Some(length) = content_length {
        request = request.header(header::CONTENT_LENGTH, length);
    }
    request.body(body).unwrap()
}

/// POSTs `parts` as a browser would: with a Content-Length and nothing else added.
async fn post_multipart(app: &TestApp, path: &str, parts: &[Part<'_>]) -> TestResponse {
    let body = multipart(parts);
    let length = body.len();
    app.request(multipart_request(path, Body::from(body), Some(length)))
        .await
}

/// The upload form as the page sends it: token first, the file last.
pub async fn upload(
    app: &TestApp,
    agreement: i64,
    fields: &[(&str, &str)],
    file_part: Part<'_>,
) -> TestResponse {
    let token = app.csrf_token().await;
    let mut parts = vec![field("csrf_token", &token)];
    parts.extend(fields.iter().map(|(n, v)| field(n, v)));
    parts.push(file_part);
    post_multipart(
        app,
        &format!("/samenwerkingsovereenkomsten/{agreement}/documenten"),
        &parts,
    )
    .await
}

pub const KEY: &str = "idempotency_key";

pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A small but real PDF, with bytes of every value in a comment so a download must be exact.
pub fn real_pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend_from_slice(
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
          2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n\
          3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n%",
    );
    for _ in 0..600 {
        pdf.extend(0u8..=255);
    }
    pdf.extend_from_slice(b"\ntrailer\n<< /Root 1 0 R /Size 4 >>\n%%EOF\n");
    pdf
}

/// A werkingsgebied with two members, an agreement binding one of them (44021), and its
/// regisseur signed in.
pub async fn signed_in_regisseur(app: &TestApp) -> (i64, i64) {
    let p = app
        .with_partnership("Regio Leie")
        .members(&["44021", "44084"])
        .await;
    let agreement = app.with_agreement(p).binds(&["44021"]).await;
    app.sign_in_as_regisseur_of(p, "rita@leie.be").await;
    (p, agreement)
}

async fn document_count(app: &TestApp, agreement: i64) -> i64 {
    sqlx::query_scalar("select count(*) from agreement_documents where agreement_id = $1")
        .bind(agreement)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_real_pdf_is_stored_with_its_size_and_hash_and_downloads_byte_for_byte() {
    let app = TestApp::new().await;
    let (_, agreement) = signed_in_regisseur(&app).await;
    let form = app
        .get(&format!(
            "/samenwerkingsovereenkomsten/{agreement}/documenten/nieuw"
        ))
        .await;
    form.assert_contains("Document opladen");
    // The middleware reads only the first part of an upload: the token must come first.
    let form_html = &form.body[form.body.find("enctype=\"multipart/form-data\"").unwrap()..];
    let first_input = &form_html[form_html.find("<input").unwrap()..];
    assert!(first_input.starts_with(r#"<input type="hidden" name="csrf_token""#));
    let pdf = real_pdf();
    let response = upload(
        &app,
        agreement,
        &[("kind", "ondertekende_overeenkomst"), (KEY, &new_key())],
        file("Overeenkomst Leie.pdf", "application/pdf", &pdf),
    )
    .await;
    response.assert_redirects_to(&format!(
        "/samenwerkingsovereenkomsten/{agreement}?bewaard=1#documenten"
    ));

    let (id, size, sha256, name): (i64, i64, String, String) = sqlx::query_as(
        "select document_id, size_bytes, sha256, file_name from agreement_documents where agreement_id = $1",
    )
    .bind(agreement)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let expected_sha = data_encoding::HEXLOWER.encode(&Sha256::digest(&pdf));
    assert_eq!(size, pdf.len() as i64);
    assert_eq!(sha256, expected_sha);
    assert_eq!(name, "Overeenkomst Leie.pdf");
    app.assert_audited("agreement.document_uploaded").await;

    let page = app
        .get(&format!("/samenwerkingsovereenkomsten/{agreement}"))
        .await;
    page.assert_contains("Overeenkomst Leie.pdf");
    page.assert_contains("ondertekende overeenkomst");
    page.assert_contains(&regie::agreements::documents::size(pdf.len() as i64));
    page.assert_contains(&expected_sha[..12]);
    page.assert_contains(&format!("/documenten/{id}"));

    let download = app.get(&format!("/documenten/{id}")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.bytes, pdf, "the same bytes as uploaded");
    let h = |name: header::HeaderName| download.headers[name].to_str().unwrap().to_string();
    assert_eq!(h(header::CONTENT_TYPE), "application/pdf");
    assert_eq!(
        h(header::CONTENT_DISPOSITION),
        "attachment; filename=\"Overeenkomst Leie.pdf\"; filename*=UTF-8''Overeenkomst%20Leie.pdf"
    );
    assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(
        h(header::CONTENT_SECURITY_POLICY),
        "default-src 'none'; sandbox"
    );
    assert_eq!(h(header::CACHE_CONTROL), "private, no-store");
}

#[tokio::test]
async fn html_named_pdf_is_refused_with_the_form_kept_and_nothing_stored() {
    let app = TestApp::new().await;
    let (_, agreement) = signed_in_regisseur(&app).await;
    let response = upload(
        &app,
        agreement,
        &[
            ("kind", "raadsbeslissing"),
            ("nis_code", "44021"),
            (KEY, &new_key()),
        ],
        file(
            "beslissing.pdf",
            "application/pdf",
            b"<html><script>alert(1)</script></html>",
        ),
    )
    .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Het bestand is geen PDF.");
    response.assert_contains(r#"<option value="raadsbeslissing" selected>"#);
    response.assert_contains(r#"<option value="44021" selected>"#);
    assert_eq!(document_count(&app, agreement).await, 0);
}

#[tokio::test]
async fn an_empty_file_or_no_file_is_refused() {
    let app = TestApp::new().await;
    let (_, agreement) = signed_in_regisseur(&app).await;
    let fields = [("kind", "ander"), (KEY, "")];
    let response = upload(
        &app,
        agreement,
        &fields,
        file("leeg.pdf", "application/pdf", b""),
    )
    .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Het bestand is leeg.");
    // What a browser sends when no file was chosen.
    let response = upload(
        &app,
        agreement,
        &fields,
        file("", "application/octet-stream", b""),
    )
    .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Kies een PDF-bestand.");
    assert_eq!(document_count(&app, agreement).await, 0);
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_with_the_form_kept() {
    let app = TestApp::with_settings(&[("REGIE_MAX_UPLOAD_MB", "1")]).await;
    let (_, agreement) = signed_in_regisseur(&app).await;
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(2 * 1024 * 1024, b'x');
    let response = upload(
        &app,
        agreement,
        &[("kind", "ander"), (KEY, &new_key())],
        file("groot.pdf", "application/pdf", &big),
    )
    .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    response.assert_contains("Het bestand is groter dan 1 MB.");
    response.assert_contains(r#"<option value="ander" selected>"#);
    assert_eq!(document_count(&app, agreement).await, 0);

    // Just under the limit is fine.
    big.truncate(1024 * 1024);
    upload(
        &app,
        agreement,
        &[("kind", "ander"), (KEY, &new_key())],
        file("net.pdf", "application/pdf", &big),
    )
    .await
    .assert_redirects_to(&format!(
        "/samenwerkingsovereenkomsten/{agreement}?bewaard=1#documenten"
    ));
}

/// A body of `total` bytes: the form's fields, a file that starts like a PDF and then zeros,
/// produced on demand in chunks of 64 KiB; `pulled` counts what the server read.
fn endless_upload(token: &str, total: usize, pulled: Arc<AtomicUsize>) -> Body {
    let mut head = Vec::new();
    for part in [
        field("csrf_token", token),
        field("kind", "ander"),
        field(KEY, "6b0f0d1e-8f3a-4c39-9a55-1f2e3d4c5b6a"),
    ] {
        head.extend(part_head(&part));
        head.extend_from_slice(part.value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend(part_head(&file("groot.pdf", "application/pdf", b"")));
    head.extend_from_slice(b"%PDF-1.7\n");
    const CHUNK: usize = 64 * 1024;
    let chunks = std::iter::once(Bytes::from(head)).chain(std::iter::repeat_n(
        Bytes::from(vec![0u8; CHUNK]),
        total / CHUNK,
    ));
    let stream = futures_util::stream::iter(chunks.map(move |chunk| {
        pulled.fetch_add(chunk.len(), Ordering::SeqCst);
        Ok::<_, std::io::Error>(chunk)
    }));
    Body::from_stream(stream)
}

#[tokio::test]
async fn a_one_gigabyte_stream_is_refused_after_reading_little_more_than_the_limit() {
    let app = TestApp::with_settings(&[("REGIE_MAX_UPLOAD_MB", "1")]).await;
    let (_, agreement) = signed_in_regisseur(&app).await;
    let path = format!("/samenwerkingsovereenkomsten/{agreement}/documenten");
    const GIGABYTE: usize = 1024 * 1024 * 1024;

    // No Content-Length (chunked): the file's bytes are counted as they come.
    let pulled = Arc::new(AtomicUsize::new(0));
    let token = app.csrf_token().await;
    let body = endless_upload(&token, GIGABYTE, Arc::clone(&pulled));
    let response = app.request(multipart_request(&path, body, None)).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    response.assert_contains("Het bestand is groter dan 1 MB.");
    let read = pulled.load(Ordering::SeqCst);
    assert!(
        read < 2 * 1024 * 1024,
        "read {read} bytes of a 1 GB body with a 1 MB limit"
    );

    // A Content-Length that says 1 GB: the file is not read at all.
    let pulled = Arc::new(AtomicUsize::new(0));
    let token = app.csrf_token().await;
    let body = endless_upload(&token, GIGABYTE, Arc::clone(&pulled));
    let response = app
        .request(multipart_request(&path, body, Some(GIGABYTE)))
        .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    let read = pulled.load(Ordering::SeqCst);
    assert!(read <= 192 * 1024, "read {read} bytes of a declared 1 GB");
    assert_eq!(document_count(&app, agreement).await, 0);
}

#[tokio::test]
async fn a_file_name_with_a_path_is_kept_as_text_only_and_shown_escaped() {
    let app = TestApp::new().await;
    let (_, agreement) = signed_in_regisseur(&app).await;
    let pdf = real_pdf();
    for name in ["../../etc/passwd.pdf", "<img src=x onerror=alert(1)>.pdf"] {
        upload(
            &app,
            agreement,
            &[("kind", "ander"), (KEY, &new_key())],
            file(name, "application/pdf", &pdf),
        )
        .await
        .assert_redirects_to(&format!(
            "/samenwerkingsovereenkomsten/{agreement}?bewaard=1#documenten"
        ));
    }
    let names: Vec<String> = sqlx::query_scalar(
        "select file_name from agreement_documents where agreement_id = $1 order by document_id",
    )
    .bind(agreement)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        names,
        ["../../etc/passwd.pdf", "<img src=x onerror=alert(1)>.pdf"]
    );
    let page = app
        .get(&format!("/samenwerkingsovereenkomsten/{agreement}"))
        .await;
    assert!(!page.body.contains("<img src=x"), "escaped");
    page.assert_contains("&#60;img src=x onerror=alert(1)&#62;.pdf");
    page.assert_contains("etc");
    let id: i64 = sqlx::query_scalar(
        "select min(document_id) from agreement_documents where agreement_id = $1",
    )
    .bind(agreement)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let download = app.get(&format!("/documenten/{id}")).await;
    assert_eq!(
        download.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\".._.._etc_passwd.pdf\"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.pdf"
    );
}

#[tokio::test]
async fn a_council_decision_needs_a_bound_municipality() {
    let app = TestApp::new().await;
    let (_, agreement) = signed_in_regisseur(&app).await;
    let pdf = real_pdf();
    let response = upload(
        &app,
        agreement,
        &[
            ("kind", "raadsbeslissing"),
            ("nis_code", ""),
            (KEY, &new_key()),
        ],
        file("raad.pdf", "application/pdf", &pdf),
    )
    .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    response.assert_contains("Kies de gemeente van deze raadsbeslissing.");
    // 44084 is a member of the werkingsgebied, but this agreement does not bind it.
    for nis in ["44084", "11002"] {
        let response = upload(
            &app,
            agreement,
            &[
                ("kind", "raadsbeslissing"),
                ("nis_code", nis),
                (KEY, &new_key()),
            ],
            file("raad.pdf", "application/pdf", &pdf),
        )
        .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{nis}");
        response.assert_contains("Deze gemeente is niet gebonden door deze overeenkomst.");
    }
    assert_eq!(document_count(&app, agreement).await, 0);

    upload(
        &app,
        agreement,
        &[
            ("kind", "raadsbeslissing"),
            ("nis_code", "44021"),
            (KEY, &new_key()),
        ],
        file("raad.pdf", "application/pdf", &pdf),
    )
    .await
    .assert_redirects_to(&format!(
        "/samenwerkingsovereenkomsten/{agreement}?bewaard=1#documenten"
    ));
    let nis: Option<String> =
        sqlx::query_scalar("select nis_code from agreement_documents where agreement_id = $1")
            .bind(agreement)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(nis.as_deref(), Some("44021"));
    app.get(&format!("/samenwerkingsovereenkomsten/{agreement}"))
        .await
        .assert_contains("beslissing van de gemeenteraad (Gent)");
}

#[tokio::test]
async fn the_same_upload_sent_twice_stores_one_document() {
    let app = TestApp::new().await;
    let (_, agreement) = signed_in_regisseur(&app).await;
    let pdf = real_pdf();
    let key = new_key();
    for _ in 0..2 {
        upload(
            &app,
            agreement,
            &[("kind", "ander"), (KEY, &key)],
            file("bijlage.pdf", "application/pdf", &pdf),
        )
        .await
        .assert_redirects_to(&format!(
            "/samenwerkingsovereenkomsten/{agreement}?bewaard=1#documenten"
        ));
    }
    assert_eq!(document_count(&app, agreement).await, 1);
    let uploads = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|a| a == "agreement.document_uploaded")
        .count();
    assert_eq!(uploads, 1);
}

#[tokio::test]
async fn a_multipart_post_without_the_token_as_its_first_field_is_refused() {
    let app = TestApp::new().await;
    let (_, agreement) = signed_in_regisseur(&app).await;
    let path = format!("/samenwerkingsovereenkomsten/{agreement}/documenten");
    let token = app.csrf_token().await;
    let pdf = real_pdf();
    let key = new_key();
    let cases: [Vec<Part>; 3] = [
        vec![
            field("kind", "ander"),
            file("a.pdf", "application/pdf", &pdf),
        ],
        vec![
            field("csrf_token", "0000"),
            field("kind", "ander"),
            file("a.pdf", "application/pdf", &pdf),
        ],
        vec![
            field("kind", "ander"),
            field(KEY, &key),
            field("csrf_token", &token),
            file("a.pdf", "application/pdf", &pdf),
        ],
    ];
    for (i, parts) in cases.iter().enumerate() {
        let response = post_multipart(&app, &path, parts).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "case {i}");
        response.assert_contains("Dit formulier is verlopen of komt niet van deze website.");
    }
    assert_eq!(document_count(&app, agreement).await, 0);
}

#[tokio::test]
async fn ministry_staff_download_but_cannot_upload() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    let agreement = app.with_agreement(p).await;
    let document = app.with_document(agreement).await;
    app.sign_in_as(Role::Ministry).await;

    let download = app.get(&format!("/documenten/{document}")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(download.bytes.starts_with(b"%PDF-"));
    let page = app
        .get(&format!("/samenwerkingsovereenkomsten/{agreement}"))
        .await;
    page.assert_contains("minimal.pdf");
    assert!(!page.body.contains("/documenten/nieuw"));
    assert!(!page.body.contains("/verwijderen"));

    let response = upload(
        &app,
        agreement,
        &[("kind", "ander"), (KEY, &new_key())],
        file("a.pdf", "application/pdf", &real_pdf()),
    )
    .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    app.assert_audited("access.denied").await;
    let form = app
        .get(&format!(
            "/samenwerkingsovereenkomsten/{agreement}/documenten/nieuw"
        ))
        .await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    assert_eq!(document_count(&app, agreement).await, 1);
}

#[tokio::test]
async fn a_regisseur_of_another_werkingsgebied_cannot_upload_or_delete() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio Leie").await;
    let agreement = app.with_agreement(p).await;
    let document = app.with_document(agreement).await;
    let other = app.with_partnership("Regio Kempen").await;
    app.sign_in_as_regisseur_of(other, "karel@kempen.be").await;

    let response = upload(
        &app,
        agreement,
        &[("kind", "ander"), (KEY, &new_key())],
        file("a.pdf", "application/pdf", &real_pdf()),
    )
    .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let response = app
        .post_form(&format!("/documenten/{document}/verwijderen"), &[])
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(document_count(&app, agreement).await, 1);
    // Reading is open to every regisseur.
    assert_eq!(
        app.get(&format!("/documenten/{document}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_vdab_account_manager_downloads_only_from_assigned_werkingsgebieden() {
    let app = TestApp::new().await;
    let assigned = app.with_partnership("Regio Leie").await;
    let other = app.with_partnership("Regio Kempen").await;
    let mine = app.with_document(app.with_agreement(assigned).await).await;
    let theirs = app.with_document(app.with_agreement(other).await).await;
    app.with_user(Role::Vdab)
        .email("v@vdab.be")
        .vdab_of(&[assigned])
        .await;
    app.sign_in("v@vdab.be", PASSWORD)
        .await
        .assert_redirects_to("/");

    assert_eq!(
        app.get(&format!("/documenten/{mine}")).await.status,
        StatusCode::OK
    );
    let refused = app.get(&format!("/documenten/{theirs}")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.bytes.starts_with(b"%PDF-"));
    app.assert_audited("access.denied").await;
}

async fn set_status(app: &TestApp, agreement: i64, status: &str) {
    sqlx::query(
        "update agreements set status = $2::text::agreement_status, signed_on = '2024-03-01' where agreement_id = $1",
    )
    .bind(agreement)
    .bind(status)
    .execute(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_only_signed_document_of_a_signed_agreement_cannot_be_deleted() {
    let app = TestApp::new().await;
    let (_, agreement) = signed_in_regisseur(&app).await;
    let signed = app.with_document(agreement).await;
    set_status(&app, agreement, "ondertekend").await;
    let back = format!("/samenwerkingsovereenkomsten/{agreement}#documenten");

    app.post_form(&format!("/documenten/{signed}/verwijderen"), &[])
        .await
        .assert_redirects_to(&back);
    assert_eq!(document_count(&app, agreement).await, 1);
    app.get(&format!("/samenwerkingsovereenkomsten/{agreement}"))
        .await
        .assert_contains("Dit document is niet verwijderd");

    // With a second signed copy, one of the two may go.
    let copy = app.with_document(agreement).await;
    app.post_form(&format!("/documenten/{copy}/verwijderen"), &[])
        .await
        .assert_redirects_to(&back);
    assert_eq!(document_count(&app, agreement).await, 1);
    app.assert_audited("agreement.document_deleted").await;
    app.get(&format!("/samenwerkingsovereenkomsten/{agreement}"))
        .await
        .assert_contains("Document verwijderd.");

    // Before signing, the only copy may go too.
    set_status(&app, agreement, "goedgekeurd").await;
    app.post_form(&format!("/documenten/{signed}/verwijderen"), &[])
        .await
        .assert_redirects_to(&back);
    assert_eq!(document_count(&app, agreement).await, 0);
}

#[tokio::test]
async fn pdf_downloads_are_not_gzipped_again() {
    let app = TestApp::new().await;
    let p = app.with_partnership("Regio").members(&["34022"]).await;
    let a = app.with_agreement(p).await;
    let document = app.with_document(a).await;
    app.sign_in_as(Role::Ministry).await;
    let request = Request::get(format!("/documenten/{document}"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let response = app.request(request).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.headers.get("content-encoding").is_none());
    assert!(response.bytes.starts_with(b"%PDF-"));
    // A page still is.
    let request = Request::get("/samenwerkingsovereenkomsten")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let response = app.request(request).await;
    assert_eq!(response.headers["content-encoding"], "gzip");
}
