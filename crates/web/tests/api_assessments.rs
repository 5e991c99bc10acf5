//! Assessments on a patient and their outcomes, over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

/// PHQ-9 answers that add up to `total` (items 1–8 filled in order, item 9 as given).
fn phq9(total: u32, item9: u32) -> Value {
    let mut left = total - item9;
    let mut answers = serde_json::Map::new();
    for item in 1..=8 {
        let v = left.min(3);
        left -= v;
        answers.insert(item.to_string(), json!(v));
    }
    answers.insert("9".to_owned(), json!(item9));
    Value::Object(answers)
}

#[tokio::test]
async fn the_issue_worked_example_gives_response_then_remission_then_relapse() {
    let app = TestApp::new().await;
    let patient = app.patient("Olive", "Series").await;
    let id = patient["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    for (day, total) in [(1, 20), (8, 8), (15, 4), (22, 12), (29, 14)] {
        let body = json!({"instrument": "phq9", "answers": phq9(total, 0), "administered_at": format!("2026-10-{day:02}T10:00:00Z")});
        let created = app.call(Method::POST, &format!("/api/v1/patients/{id}/assessments"), &nurse, Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        assert_eq!(created.json["total"], total);
    }
    let out = app.call(Method::GET, &format!("/api/v1/patients/{id}/outcomes?instrument=phq9"), &nurse, None).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.text);
    assert_eq!((out.json["baseline"]["total"].as_u64(), out.json["latest"]["total"].as_u64()), (Some(20), Some(14)));
    assert_eq!(out.json["change_percent"], -30.0);
    assert_eq!((out.json["response"].as_bool(), out.json["remission"].as_bool(), out.json["relapse"].as_bool()), (Some(true), Some(true), Some(true)));
    assert_eq!(out.json["response_at"], "2026-10-08T10:00:00Z");
    assert_eq!(out.json["remission_at"], "2026-10-15T10:00:00Z");
    assert_eq!(out.json["relapse_at"], "2026-10-29T10:00:00Z");
    let states: Vec<_> = out.json["series"].as_array().unwrap().iter().map(|p| p["state"].as_str().unwrap().to_owned()).collect();
    assert_eq!(states, vec!["baseline", "response", "remission", "no_response", "relapse"]);
}

#[tokio::test]
async fn stored_scores_equal_the_stateless_score_and_are_audited() {
    let app = TestApp::new().await;
    let patient = app.patient("Pia", "Same").await;
    let id = patient["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    let answers = phq9(13, 2);
    let stateless = app.call(Method::POST, "/api/v1/instruments/phq9/score", &nurse, Some(json!({"answers": answers.clone()}))).await;
    let stored = app.call(Method::POST, &format!("/api/v1/patients/{id}/assessments"), &nurse, Some(json!({"instrument": "phq9", "answers": answers}))).await;
    for key in ["instrument", "total", "severity", "flags"] {
        assert_eq!(stored.json[key], stateless.json[key], "{key}");
    }
    assert_eq!(stored.json["flags"], json!(["suicidal_ideation"]));
    assert_eq!(stored.json["source"], "staff");
    let listed = app.call(Method::GET, &format!("/api/v1/patients/{id}/assessments?instrument=phq9"), &nurse, None).await;
    assert_eq!(listed.json["items"][0]["id"], stored.json["id"]);
    assert_eq!(listed.json["items"][0]["answers"]["9"], 2);
    let auditor = app.token(Role::Auditor).await;
    let report = app.call(Method::GET, &format!("/api/v1/patients/{id}/access-report"), &auditor, None).await;
    let actions: Vec<_> = report.json["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, vec!["assessment.list", "alert.raise", "assessment.create", "patient.create"], "the flagged answer raised an alert in the same write");
}

#[tokio::test]
async fn bad_assessments_are_refused_and_write_nothing() {
    let app = TestApp::new().await;
    let patient = app.patient("Quin", "Refused").await;
    let id = patient["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    let url = format!("/api/v1/patients/{id}/assessments");
    let cases = [
        (json!({"instrument": "bdi", "answers": {}}), "instrument"),
        (json!({"instrument": "gad7", "answers": {"1": 1}}), "answers.2"),
        (json!({"instrument": "phq9", "answers": phq9(5, 0), "administered_at": "2999-01-01T00:00:00Z"}), "administered_at"),
        (json!({"instrument": "phq9", "answers": phq9(5, 0), "administered_at": "yesterday"}), "administered_at"),
    ];
    for (body, field) in cases {
        let reply = app.call(Method::POST, &url, &nurse, Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
        assert_eq!(reply.json["errors"][0]["field"], field, "{}", reply.text);
    }
    let ghost = "/api/v1/patients/01900000-0000-7000-8000-000000000001/assessments";
    assert_eq!(app.call(Method::POST, ghost, &nurse, Some(json!({"instrument": "phq9", "answers": phq9(5, 0)}))).await.status, StatusCode::NOT_FOUND);
    let desk = app.token(Role::FrontDesk).await;
    assert_eq!(app.call(Method::POST, &url, &desk, Some(json!({"instrument": "phq9", "answers": phq9(5, 0)}))).await.status, StatusCode::FORBIDDEN);
    let listed = app.call(Method::GET, &url, &nurse, None).await;
    assert_eq!(listed.json["items"], json!([]), "nothing was written");
    let missing = app.call(Method::GET, &format!("/api/v1/patients/{id}/outcomes"), &nurse, None).await;
    assert_eq!(missing.json["errors"][0]["field"], "instrument");
}
