//! Errors as `application/problem+json` (RFC 9457).
//!
//! Policy: every refusal reaches the client as a problem document with a stable `type`, a short
//! `title`, a `detail` sentence a person can act on, and — for validation failures — one
//! `errors` entry per field. Causes from storage are logged with `tracing` and never sent to the
//! client. Nothing here decides *whether* to refuse; that is the use cases' job.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ketaclinic_app::AppError;
use ketaclinic_domain::FieldError;
use serde::Serialize;

/// A problem document and the headers that go with it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:ketaclinic:problem:…`).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field errors of a validation failure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<FieldErrorDoc>)]
    pub errors: Vec<FieldError>,
    #[serde(skip)]
    retry_after: Option<u64>,
    #[serde(skip)]
    challenge: bool,
}

/// One refused field (schema for the OpenAPI document).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldErrorDoc {
    pub field: String,
    pub message: String,
}

impl Problem {
    /// A problem of kind `slug` with HTTP status `status`.
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:ketaclinic:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            challenge: false,
        }
    }

    /// 400: the body is not well-formed JSON (or form data).
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed-request", "Malformed request", detail)
    }

    /// 422 with field errors.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{} {}", one.field, one.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        Self { errors, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation-error", "Invalid input", detail) }
    }

    /// 413: the body is larger than the limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Request body too large", format!("bodies are limited to {limit} bytes"))
    }

    /// 401: credentials are missing or no longer valid.
    pub fn unauthenticated() -> Self {
        Self { challenge: true, ..Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication required", "log in, or send a valid bearer token") }
    }

    /// 403: the CSRF token is missing or wrong.
    pub fn csrf() -> Self {
        Self::new(StatusCode::FORBIDDEN, "csrf", "Request refused", "the form or request lacks this session's CSRF token; reload the page and try again")
    }

    /// 404 for a path id that is not an id.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", "no such record")
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<AppError> for Problem {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Unauthenticated => Self::unauthenticated(),
            AppError::BadCredentials => Self::new(StatusCode::UNAUTHORIZED, "bad-credentials", "Login failed", "the e-mail or password is wrong"),
            AppError::Locked { until } => {
                Self::new(StatusCode::LOCKED, "account-locked", "Account locked", format!("too many failed logins; try again after {until} or ask an admin"))
            }
            AppError::RateLimited { retry_after_secs } => Self {
                retry_after: Some(retry_after_secs),
                ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Too many requests", format!("wait {retry_after_secs} s and try again"))
            },
            AppError::Forbidden(what) => Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", format!("your role may not {what}")),
            AppError::NotFound => Self::not_found(),
            AppError::Invalid(errors) => Self::invalid(errors.0),
            AppError::Conflict(detail) => Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail),
            AppError::Unavailable(cause) => {
                tracing::error!(%cause, "storage unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable", "the database is unavailable; try again shortly")
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, axum::Json(&self)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.challenge {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"ketaclinic\""));
        }
        response
    }
}

/// Result of a JSON handler.
pub type ApiResult<T> = Result<T, Problem>;
