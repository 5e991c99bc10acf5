//! The HTTP edge of ketaclinic: JSON API and its OpenAPI document, the FHIR endpoint, server-rendered pages,
//! authentication, CSRF, metrics and security headers.
//!
//! Handlers are thin: they parse input into the app's terms, call one use case, and render the
//! result. Business rules live in `app` and `domain`.

pub mod api;
pub mod assets;
pub mod auth;
pub mod board_hub;
pub mod extract;
pub mod fhir;
pub mod fhir_chart;
pub mod fhir_encounters;
pub mod fhir_export;
pub mod fhir_export_job;
pub mod fhir_export_types;
pub mod fhir_instruments;
pub mod fhir_observation_create;
pub mod fhir_observations;
pub mod fhir_paging;
pub mod fhir_patients;
pub mod fhir_questionnaires;
pub mod fhir_search;
pub mod openapi;
pub mod ops;
pub mod problem;
pub mod state;
pub mod ui;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, middleware};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

pub use state::{AppState, WebConfig};

use crate::problem::Problem;

/// Content-Security-Policy: only our own origin; no inline script (htmx config comes from a
/// file), inline styles allowed for htmx's indicator rules.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The whole application router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(ui::routes())
        .merge(fhir::routes())
        .route("/api/openapi.json", get(openapi::document))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/assets/{file}", get(assets::serve))
        .fallback(not_found)
        .layer(middleware::from_fn(auth::csrf_guard))
        .layer(middleware::from_fn_with_state(state.clone(), auth::resolve_actor))
        .layer(middleware::from_fn(ops::track))
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(CatchPanicLayer::custom(|_| internal_error()))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .with_state(state)
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/fhir") {
        fhir::unsupported().await.into_response()
    } else if uri.path().starts_with("/api/") {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", "no such endpoint").into_response()
    } else {
        ui::error_page(StatusCode::NOT_FOUND, "Page not found", "Check the address, or go back to the start page.")
    }
}

fn internal_error() -> Response {
    Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "something went wrong; the error was logged").into_response()
}
