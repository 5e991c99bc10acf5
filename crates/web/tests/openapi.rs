//! The OpenAPI document is part of the contract: a snapshot shows every change in review.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::{Auth, TestApp};

#[tokio::test]
async fn openapi_document_snapshot() {
    let app = TestApp::new().await;
    let reply = app.call(Method::GET, "/api/openapi.json", &Auth::None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", reply.json);
}

#[tokio::test]
async fn problem_responses_are_documented_on_every_api_operation() {
    let app = TestApp::new().await;
    let doc = app.call(Method::GET, "/api/openapi.json", &Auth::None, None).await.json;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|k| k.starts_with('4')), "{method} {path} documents its refusals");
        }
    }
}
