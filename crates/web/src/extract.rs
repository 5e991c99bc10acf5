//! Request extractors that turn bad input into precise problems.
//!
//! axum's own `Json` and `Query` answer with plain-text errors; these answer with
//! `problem+json`, name the offending field (via `serde_path_to_error`) and separate malformed
//! syntax (400) from well-formed input that breaks a rule (422).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use ketaclinic_domain::FieldError;
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// Largest accepted request body (1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body parsed into `T`.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

/// Turns a `serde_json` error at `path` into a problem.
fn json_problem(path: &str, err: &serde_json::Error) -> Problem {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => Problem::malformed(format!("the body is not valid JSON: {err}")),
        Category::Data => Problem::invalid(vec![field_error(path, &err.to_string())]),
    }
}

/// Names the field of a serde data error: the path, or for a missing / unknown field the name
/// inside the message.
pub(crate) fn field_error(path: &str, message: &str) -> FieldError {
    let message = message.split(" at line ").next().unwrap_or(message).to_owned();
    let quoted = message.split('`').nth(1).map(str::to_owned);
    let field = if path.is_empty() || path == "." {
        match quoted {
            Some(name) if message.starts_with("missing field") || message.starts_with("unknown field") => name,
            _ => "body".to_owned(),
        }
    } else {
        path.to_owned()
    };
    FieldError::new(field, message)
}

pub(crate) fn bytes_problem(rejection: &BytesRejection) -> Problem {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE { Problem::too_large(BODY_LIMIT) } else { Problem::malformed(rejection.body_text()) }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
        if !is_json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| bytes_problem(&r))?;
        // Syntax first: `{} trailing` is malformed (400) even though `{}` alone would only lack
        // fields (422).
        serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).map_err(|e| json_problem("", &e))?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| json_problem(&e.path().to_string(), e.inner()))?;
        de.end().map_err(|e| json_problem("", &e))?;
        Ok(Self(value))
    }
}

/// Query parameters parsed into `T`; a bad parameter is a 422 naming it.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Self).map_err(|e| Problem::invalid(vec![field_error(&e.path().to_string(), &e.inner().to_string())]))
    }
}
