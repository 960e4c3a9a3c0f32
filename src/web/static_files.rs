//! `/static/*`: the stylesheet, Appuniversum (compiled by `scripts/vendor-appuniversum`) and htmx, compiled into the binary so the server needs
//! no files next to it and no CDN. Vendored files carry their version in the name.

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::AppError;
use crate::state::AppState;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/app.css"),
    },
    Asset {
        name: "vendor/appuniversum-4.4.1.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/vendor/appuniversum-4.4.1.css"),
    },
    Asset {
        name: "vendor/htmx-2.0.11.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/vendor/htmx-2.0.11.min.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../static/favicon.svg"),
    },
    Asset {
        name: "coverage-filter.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/coverage-filter.js"),
    },
    Asset {
        name: "confirm-dialog.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/confirm-dialog.js"),
    },
];

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{*path}", get(show))
}

async fn show(Path(path): Path<String>) -> Result<Response, AppError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == path)
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        asset.bytes,
    )
        .into_response())
}
