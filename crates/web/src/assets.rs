//! Static assets (CSS, htmx, a little JS), embedded in the binary and served under
//! content-hashed names, so browsers cache them forever and a new release is never mixed with
//! an old stylesheet. No CDN: the clinic's network may be closed, and patient pages must not
//! call third parties.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::state::AppState;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Embedded;

/// Logical name → hashed URL, and hashed file name → logical name.
#[derive(Debug, Default)]
pub struct Assets {
    urls: HashMap<String, String>,
    files: HashMap<String, String>,
}

impl Assets {
    /// Hashes every embedded file once at start-up.
    pub fn load() -> Self {
        let mut assets = Self::default();
        for name in Embedded::iter() {
            let Some(file) = Embedded::get(&name) else { continue };
            let hash = hex::encode(&Sha256::digest(&file.data)[..6]);
            let hashed = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                None => format!("{name}.{hash}"),
            };
            assets.urls.insert(name.to_string(), format!("/assets/{hashed}"));
            assets.files.insert(hashed, name.to_string());
        }
        assets
    }

    /// The URL of a logical asset (`app.css`), or `/assets/missing` if there is none.
    pub fn url(&self, name: &str) -> &str {
        self.urls.get(name).map_or("/assets/missing", String::as_str)
    }
}

/// Serves a hashed asset with a year-long immutable cache.
pub async fn serve(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(logical) = state.assets.files.get(&file) else { return StatusCode::NOT_FOUND.into_response() };
    let Some(content) = Embedded::get(logical) else { return StatusCode::NOT_FOUND.into_response() };
    let mime = match logical.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(mime)), (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"))],
        content.data.into_owned(),
    )
        .into_response()
}
