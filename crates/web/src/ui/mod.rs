//! Server-rendered pages (askama + htmx).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;

use crate::state::AppState;

/// Every page route.
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// A plain error page.
pub fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    (status, Html(format!("<!doctype html><title>{title}</title><h1>{title}</h1><p>{detail}</p>"))).into_response()
}
