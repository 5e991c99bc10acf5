//! Instruments over HTTP: definitions and stateless scoring with worked examples.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

fn phq9(values: [u32; 9]) -> Value {
    let answers: serde_json::Map<String, Value> = values.iter().enumerate().map(|(i, v)| ((i + 1).to_string(), json!(v))).collect();
    json!({ "answers": answers })
}

#[tokio::test]
async fn the_library_lists_every_instrument_of_the_api_contract() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let list = app.call(Method::GET, "/api/v1/instruments", &nurse, None).await;
    let ids: Vec<_> = list.json.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, vec!["phq9", "gad7", "qids_sr16", "madrs", "cssrs_screener", "pcl5", "cadss", "moaas"]);
    let one = app.call(Method::GET, "/api/v1/instruments/phq9", &nurse, None).await;
    assert_eq!(one.json["items"].as_array().unwrap().len(), 10, "nine scored items and the difficulty item");
    assert_eq!(one.json["bands"][4], json!({"id": "severe", "min": 20, "max": 27}));
    assert_eq!(app.call(Method::GET, "/api/v1/instruments/bdi", &nurse, None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn phq9_scores_bands_and_flags_item_nine() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    // 2+2+2+2+1+1+1+1+1 = 13 → moderate (10–14), item 9 = 1 → suicidal ideation.
    let scored = app.call(Method::POST, "/api/v1/instruments/phq9/score", &nurse, Some(phq9([2, 2, 2, 2, 1, 1, 1, 1, 1]))).await;
    assert_eq!(scored.status, StatusCode::OK, "{}", scored.text);
    assert_eq!(scored.json, json!({"instrument": "phq9", "total": 13, "severity": "moderate", "flags": ["suicidal_ideation"]}));
    let boundary = app.call(Method::POST, "/api/v1/instruments/phq9/score", &nurse, Some(phq9([3, 3, 3, 3, 3, 3, 2, 0, 0]))).await;
    assert_eq!((boundary.json["total"].as_u64(), boundary.json["severity"].as_str()), (Some(20), Some("severe")));
    assert_eq!(boundary.json["flags"], json!([]));
}

#[tokio::test]
async fn cssrs_triage_returns_a_risk_level() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let answers = json!({"answers": {"1": true, "2": true, "3": false, "4": false, "5": false, "6": true, "6_past_3_months": true}});
    let scored = app.call(Method::POST, "/api/v1/instruments/cssrs_screener/score", &nurse, Some(answers)).await;
    assert_eq!(scored.json["risk_level"], "high", "{}", scored.text);
    assert_eq!(scored.json["total"], Value::Null);
    assert!(scored.json["flags"].as_array().unwrap().contains(&json!("suicidal_ideation")));
}

#[tokio::test]
async fn invalid_answers_are_422_naming_each_item() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let bad = json!({"answers": {"1": 0, "2": 4, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0, "11": 1}});
    let reply = app.call(Method::POST, "/api/v1/instruments/phq9/score", &nurse, Some(bad)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    let mut fields: Vec<_> = reply.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    fields.sort();
    assert_eq!(fields, vec!["answers.11", "answers.2", "answers.9"], "out of range, unknown and missing items are all named");
    let not_object = app.call(Method::POST, "/api/v1/instruments/phq9/score", &nurse, Some(json!({"answers": [1, 2]}))).await;
    assert_eq!(not_object.json["errors"][0]["field"], "answers");
}
