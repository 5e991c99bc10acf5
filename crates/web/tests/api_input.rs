//! Bad input gets a precise problem+json answer and writes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Auth, TestApp};
use ketaclinic_domain::staff::Role;
use serde_json::json;

fn valid() -> serde_json::Value {
    json!({"given_name": "Noa", "family_name": "Keller", "birth_date": "1980-02-29", "sex": "female"})
}

async fn post_raw(app: &TestApp, auth: &Auth, content_type: &str, body: Vec<u8>) -> common::Reply {
    let Auth::Bearer(token) = auth else { unreachable!() };
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/patients")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

fn assert_problem(reply: &common::Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.headers.get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
    assert_eq!(reply.json["status"], status.as_u16());
    assert!(reply.json["type"].as_str().unwrap().starts_with("urn:ketaclinic:problem:"));
    assert!(!reply.json["detail"].as_str().unwrap().is_empty());
}

/// The field named by a 422.
fn field(reply: &common::Reply) -> &str {
    reply.json["errors"][0]["field"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::new().await;
    let auth = app.token(Role::FrontDesk).await;
    for body in [&b"{\"given_name\": "[..], b"not json", b"{} trailing", b""] {
        let reply = post_raw(&app, &auth, "application/json", body.to_vec()).await;
        assert_problem(&reply, StatusCode::BAD_REQUEST);
    }
    assert_eq!(app.count("patients").await, 0);
}

#[tokio::test]
async fn wrong_types_missing_and_unknown_fields_are_422_naming_the_field() {
    let app = TestApp::new().await;
    let auth = app.token(Role::FrontDesk).await;
    let cases = [
        (json!({"given_name": 5, "family_name": "K", "birth_date": "1980-01-01", "sex": "male"}), "given_name"),
        (json!({"given_name": "N", "family_name": "K", "birth_date": "1980-01-01"}), "sex"),
        (json!({"given_name": "N", "family_name": "K", "birth_date": "1980-01-01", "sex": "male", "shoe_size": 9}), "shoe_size"),
        (json!({"given_name": "N", "family_name": "K", "birth_date": "1980-01-01", "sex": "male", "phone": ["1"]}), "phone"),
        (json!(["not", "an", "object"]), "body"),
    ];
    for (body, expected) in cases {
        let reply = app.call(Method::POST, "/api/v1/patients", &auth, Some(body)).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field(&reply), expected, "{}", reply.text);
    }
    assert_eq!(app.count("patients").await, 0);
}

#[tokio::test]
async fn impossible_dates_and_bad_values_are_422_naming_the_field() {
    let app = TestApp::new().await;
    let auth = app.token(Role::FrontDesk).await;
    let mut cases = Vec::new();
    for (key, value) in [
        ("birth_date", json!("1980-02-30")),
        ("birth_date", json!("1981-02-29")),
        ("birth_date", json!("2999-01-01")),
        ("birth_date", json!("30/01/1980")),
        ("sex", json!("f")),
        ("given_name", json!("x".repeat(101))),
        ("family_name", json!("   ")),
        ("email", json!("not-an-email")),
        ("phone", json!("call me maybe")),
        ("mrn", json!("has spaces")),
        ("mrn", json!("M".repeat(33))),
    ] {
        let mut body = valid();
        body[key] = value;
        cases.push((key, body));
    }
    for (key, body) in cases {
        let reply = app.call(Method::POST, "/api/v1/patients", &auth, Some(body)).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field(&reply), key, "{}", reply.text);
    }
    assert_eq!(app.count("patients").await, 0, "nothing was written");
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once() {
    let app = TestApp::new().await;
    let auth = app.token(Role::FrontDesk).await;
    let body = json!({"given_name": "", "family_name": "K", "birth_date": "1980-02-30", "sex": "x"});
    let reply = app.call(Method::POST, "/api/v1/patients", &auth, Some(body)).await;
    let fields: Vec<_> = reply.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, vec!["given_name", "birth_date", "sex"]);
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_413() {
    let app = TestApp::new().await;
    let auth = app.token(Role::FrontDesk).await;
    let mut body = valid();
    body["given_name"] = json!("a".repeat(1024 * 1024 + 10));
    let reply = post_raw(&app, &auth, "application/json", body.to_string().into_bytes()).await;
    assert_problem(&reply, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.count("patients").await, 0);
}

#[tokio::test]
async fn other_media_types_are_415() {
    let app = TestApp::new().await;
    let auth = app.token(Role::FrontDesk).await;
    let reply = post_raw(&app, &auth, "text/plain", valid().to_string().into_bytes()).await;
    assert_problem(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn bad_query_parameters_and_ids_are_precise() {
    let app = TestApp::new().await;
    let auth = app.token(Role::Nurse).await;
    let reply = app.call(Method::GET, "/api/v1/patients?limit=many", &auth, None).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field(&reply), "limit");
    let reply = app.call(Method::GET, "/api/v1/patients?limit=1000", &auth, None).await;
    assert_eq!(field(&reply), "limit");
    let reply = app.call(Method::GET, "/api/v1/patients?cursor=zz", &auth, None).await;
    assert_eq!(field(&reply), "cursor");
    let reply = app.call(Method::GET, &format!("/api/v1/patients?q={}", "a".repeat(101)), &auth, None).await;
    assert_eq!(field(&reply), "q");
    let reply = app.call(Method::GET, "/api/v1/patients/not-a-uuid", &auth, None).await;
    assert_problem(&reply, StatusCode::NOT_FOUND);
    let reply = app.call(Method::GET, "/api/v1/nothing-here", &auth, None).await;
    assert_problem(&reply, StatusCode::NOT_FOUND);
}
