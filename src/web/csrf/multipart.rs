//! The first part of a `multipart/form-data` body, where an upload form carries its CSRF
//! token (see the parent module). Browsers send the fields in the form's order and no
//! preamble, so the token input placed first in the form is the first part.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};
use futures_util::StreamExt;

/// Most of a multipart body read to find the token in its first part (a token is 64 bytes;
/// the part's headers and the boundary add a few hundred). Small on purpose: the part is
/// searched again after every chunk, and this runs before sign-in, so a client sending one
/// byte at a time must not be able to make that search expensive.
const MAX_FIRST_PART_BYTES: usize = 4 * 1024;

pub(crate) fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The `boundary` parameter of a multipart Content-Type, unquoted.
pub(super) fn boundary(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    value
        .split(';')
        .skip(1)
        .filter_map(|param| param.trim().split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, b)| b.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty() && b.len() <= 70)
}

/// Reads `body` only until its first part is complete (at most [`MAX_FIRST_PART_BYTES`]).
/// When that part is the field `name`: its value, and a body that replays the bytes read so
/// far followed by the rest of the stream, so nothing is buffered beyond the first part.
pub(super) async fn first_field(body: Body, boundary: &str, name: &str) -> Option<(String, Body)> {
    let mut stream = body.into_data_stream();
    let mut read: Vec<u8> = Vec::new();
    let value = loop {
        match first_part(&read, boundary) {
            FirstPart::Incomplete if read.len() < MAX_FIRST_PART_BYTES => {}
            FirstPart::Field { name: n, value } if n == name.as_bytes() => {
                break String::from_utf8(value.to_vec()).ok()?;
            }
            _ => return None,
        }
        match stream.next().await {
            Some(Ok(chunk)) => read.extend_from_slice(&chunk),
            // Ended or broke off before the first part was complete.
            _ => return None,
        }
    };
    let replayed = futures_util::stream::iter([Ok(Bytes::from(read))]).chain(stream);
    Some((value, Body::from_stream(replayed)))
}

/// What the start of a multipart body says about its first part.
#[derive(Debug, PartialEq, Eq)]
enum FirstPart<'a> {
    /// More bytes are needed to see the whole first part.
    Incomplete,
    /// Not a multipart body as browsers send it (they send no preamble).
    Invalid,
    /// The first part: its field name and value.
    Field { name: &'a [u8], value: &'a [u8] },
}

fn first_part<'a>(body: &'a [u8], boundary: &str) -> FirstPart<'a> {
    let opening = format!("--{boundary}\r\n");
    if body.len() < opening.len() {
        return if opening.as_bytes().starts_with(body) {
            FirstPart::Incomplete
        } else {
            FirstPart::Invalid
        };
    }
    let Some(rest) = body.strip_prefix(opening.as_bytes()) else {
        return FirstPart::Invalid;
    };
    let Some(headers_end) = find(rest, b"\r\n\r\n") else {
        return FirstPart::Incomplete;
    };
    let name = rest[..headers_end]
        .split(|b| *b == b'\n')
        .filter_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let colon = line.iter().position(|b| *b == b':')?;
            let (header_name, value) = (&line[..colon], &line[colon + 1..]);
            header_name
                .eq_ignore_ascii_case(b"content-disposition")
                .then_some(value)
        })
        .find_map(disposition_name);
    let Some(name) = name else {
        return FirstPart::Invalid;
    };
    let content = &rest[headers_end + 4..];
    let closing = format!("\r\n--{boundary}");
    match find(content, closing.as_bytes()) {
        Some(end) => FirstPart::Field {
            name,
            value: &content[..end],
        },
        None => FirstPart::Incomplete,
    }
}

/// The `name` parameter of a `Content-Disposition: form-data; name="..."` header value.
fn disposition_name(value: &[u8]) -> Option<&[u8]> {
    value.split(|b| *b == b';').skip(1).find_map(|param| {
        let param = param.trim_ascii();
        let eq = param.iter().position(|b| *b == b'=')?;
        let (key, value) = (param[..eq].trim_ascii(), param[eq + 1..].trim_ascii());
        key.eq_ignore_ascii_case(b"name").then(|| {
            value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(value)
        })
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;
    use axum::extract::Request;
    use axum::http::Method;

    use super::super::{HEADER, checked};
    use super::*;

    const BOUNDARY: &str = "----WebKitFormBoundaryX7a";

    /// A multipart body with these (name, value) fields, in order, as a browser sends it.
    fn multipart(fields: &[(&str, &str)]) -> Vec<u8> {
        let mut body = String::new();
        for (name, value) in fields {
            body.push_str(&format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!("--{BOUNDARY}--\r\n"));
        body.into_bytes()
    }

    #[test]
    fn the_first_part_of_a_multipart_body_is_found_once_it_is_complete() {
        let body = multipart(&[("csrf_token", "abc123"), ("kind", "ander")]);
        assert_eq!(
            first_part(&body, BOUNDARY),
            FirstPart::Field {
                name: b"csrf_token",
                value: b"abc123"
            }
        );
        // Every shorter prefix, wherever a chunk ends (inside the boundary too): not yet.
        let complete =
            find(&body, format!("\r\n--{BOUNDARY}").as_bytes()).unwrap() + BOUNDARY.len() + 4;
        for end in 0..complete {
            assert_eq!(
                first_part(&body[..end], BOUNDARY),
                FirstPart::Incomplete,
                "{end}"
            );
        }
    }

    #[test]
    fn a_multipart_body_whose_first_part_is_another_field_or_none_is_not_the_token() {
        let body = multipart(&[("kind", "ander"), ("csrf_token", "abc123")]);
        assert!(matches!(
            first_part(&body, BOUNDARY),
            FirstPart::Field { name: b"kind", .. }
        ));
        let body = multipart(&[]);
        assert_eq!(first_part(&body, BOUNDARY), FirstPart::Invalid);
        assert_eq!(
            first_part(b"preamble\r\n--x\r\n", BOUNDARY),
            FirstPart::Invalid
        );
        let nameless =
            format!("--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nabc\r\n--{BOUNDARY}--");
        assert_eq!(
            first_part(nameless.as_bytes(), BOUNDARY),
            FirstPart::Invalid
        );
        // `filename=` is not `name=`.
        assert_eq!(
            disposition_name(b" form-data; filename=\"csrf_token\"; name=\"file\""),
            Some(&b"file"[..])
        );
    }

    fn multipart_request(chunks: Vec<Vec<u8>>, header: Option<&str>) -> Request {
        let stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
        let mut builder = Request::builder().method(Method::POST).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
        if let Some(token) = header {
            builder = builder.header(HEADER, token);
        }
        builder.body(Body::from_stream(stream)).unwrap()
    }

    #[tokio::test]
    async fn a_multipart_body_with_the_token_first_passes_whole_even_split_inside_its_boundary() {
        let body = multipart(&[("csrf_token", "abc123"), ("file", "%PDF-1.7 ...")]);
        // Chunks of 7 bytes: the boundary after the token is cut in two.
        let chunks: Vec<Vec<u8>> = body.chunks(7).map(<[u8]>::to_vec).collect();
        let request = checked(multipart_request(chunks, None), "abc123")
            .await
            .expect("the token is the first part");
        let passed = to_bytes(request.into_body(), usize::MAX).await.unwrap();
        assert_eq!(&passed[..], &body[..], "the handler sees every byte, once");
    }

    #[tokio::test]
    async fn a_multipart_body_without_the_right_token_first_is_refused() {
        let refused = |fields: &[(&str, &str)]| multipart_request(vec![multipart(fields)], None);
        for request in [
            refused(&[("csrf_token", "wrong"), ("kind", "ander")]),
            refused(&[("kind", "ander"), ("csrf_token", "abc123")]),
            refused(&[("kind", "ander")]),
            refused(&[]),
        ] {
            let response = checked(request, "abc123").await.unwrap_err();
            assert_eq!(response.status(), axum::http::StatusCode::FORBIDDEN);
        }
        // A first part that never ends is not read past the bound.
        let pulled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&pulled);
        let opening =
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n")
                .into_bytes();
        let endless = futures_util::stream::iter([opening])
            .chain(futures_util::stream::repeat(vec![b'a'; 1024]))
            .map(move |chunk| {
                counter.fetch_add(chunk.len(), std::sync::atomic::Ordering::Relaxed);
                Ok::<_, std::io::Error>(chunk)
            });
        let request = Request::builder()
            .method(Method::POST)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from_stream(endless))
            .unwrap();
        assert!(checked(request, "abc123").await.is_err());
        let pulled = pulled.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            pulled <= MAX_FIRST_PART_BYTES + 2 * 1024,
            "read {pulled} bytes of an endless first part"
        );
        // The header is enough, and then the body is not read here at all.
        let request = multipart_request(vec![multipart(&[("kind", "ander")])], Some("abc123"));
        assert!(checked(request, "abc123").await.is_ok());
    }
}
