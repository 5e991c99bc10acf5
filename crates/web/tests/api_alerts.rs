//! The safety-alert lifecycle: raised by a flagged assessment, escalated when nobody
//! acknowledges in time, acknowledged once by a prescriber with a documented action.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use jiff::SignedDuration;
use ketaclinic_domain::staff::Role;
use serde_json::json;

fn phq9_item9(item9: u32) -> serde_json::Value {
    json!({"instrument": "phq9", "answers": {"1": 2, "2": 2, "3": 1, "4": 1, "5": 1, "6": 1, "7": 0, "8": 0, "9": item9}})
}

#[tokio::test]
async fn raise_escalate_and_acknowledge() {
    let app = TestApp::builder().manual_clock().build().await;
    let patient = app.patient("Ivy", "Alert").await;
    let id = patient["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    let prescriber = app.token(Role::Prescriber).await;
    let admin = app.token(Role::Admin).await;

    let calm = app.call(Method::POST, &format!("/api/v1/patients/{id}/assessments"), &nurse, Some(phq9_item9(0))).await;
    assert_eq!(calm.status, StatusCode::CREATED);
    assert_eq!(app.call(Method::GET, "/api/v1/alerts", &prescriber, None).await.json, json!([]), "no flag, no alert");

    let flagged = app.call(Method::POST, &format!("/api/v1/patients/{id}/assessments"), &nurse, Some(phq9_item9(1))).await;
    assert_eq!(flagged.json["flags"], json!(["suicidal_ideation"]));
    let open = app.call(Method::GET, "/api/v1/alerts", &prescriber, None).await;
    assert_eq!(open.json.as_array().unwrap().len(), 1, "{}", open.text);
    let alert = &open.json[0];
    assert_eq!((alert["kind"].as_str(), alert["patient_id"].as_str(), alert["escalated"].as_bool()), (Some("suicidal_ideation"), Some(id), Some(false)));
    assert_eq!(alert["assessment_id"], flagged.json["id"]);
    let alert_id = alert["id"].as_str().unwrap().to_owned();

    app.clock.as_ref().unwrap().advance(SignedDuration::from_mins(15));
    let late = app.call(Method::GET, "/api/v1/alerts", &admin, None).await;
    assert_eq!(late.json[0]["escalated"], true, "unacknowledged for 15 minutes: escalated, and admins see it");
    let nurse_view = app.call(Method::GET, "/api/v1/alerts", &nurse, None).await;
    assert_eq!(nurse_view.json[0]["id"], alert_id.as_str(), "nurses see alerts");

    let url = format!("/api/v1/alerts/{alert_id}/acknowledge");
    let by_nurse = app.call(Method::POST, &url, &nurse, Some(json!({"action": "crisis_line_given"}))).await;
    assert_eq!(by_nurse.status, StatusCode::FORBIDDEN, "policy: prescribers acknowledge");
    let no_note = app.call(Method::POST, &url, &prescriber, Some(json!({"action": "other"}))).await;
    assert_eq!(no_note.json["errors"][0]["field"], "note");
    let bad_action = app.call(Method::POST, &url, &prescriber, Some(json!({"action": "ignored"}))).await;
    assert_eq!(bad_action.json["errors"][0]["field"], "action");
    let done = app.call(Method::POST, &url, &prescriber, Some(json!({"action": "crisis_line_given", "note": "988 given; safe with partner tonight"}))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!((done.json["action"].as_str(), done.json["escalated"].as_bool()), (Some("crisis_line_given"), Some(false)));
    let again = app.call(Method::POST, &url, &prescriber, Some(json!({"action": "safety_plan_reviewed"}))).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "an acknowledgement is never overwritten");

    assert_eq!(app.call(Method::GET, "/api/v1/alerts", &prescriber, None).await.json, json!([]));
    let all = app.call(Method::GET, "/api/v1/alerts?status=all", &prescriber, None).await;
    assert_eq!(all.json[0]["note"], "988 given; safe with partner tonight");
    assert_eq!(app.call(Method::GET, "/api/v1/alerts?status=closed", &prescriber, None).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let auditor = app.token(Role::Auditor).await;
    let report = app.call(Method::GET, &format!("/api/v1/patients/{id}/access-report?limit=100"), &auditor, None).await;
    let actions: Vec<_> = report.json["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    for expected in ["alert.raise", "alert.acknowledge", "alert.list"] {
        assert!(actions.iter().any(|a| a == expected), "{expected} on the access report: {actions:?}");
    }
}

#[tokio::test]
async fn cssrs_moderate_risk_and_moaas_unconsciousness_raise_their_kinds() {
    let app = TestApp::new().await;
    let patient = app.patient("Jon", "Kinds").await;
    let id = patient["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    let cssrs = json!({"instrument": "cssrs_screener", "answers": {"1": true, "2": true, "3": true, "4": false, "5": false, "6": false}});
    app.call(Method::POST, &format!("/api/v1/patients/{id}/assessments"), &nurse, Some(cssrs)).await;
    let moaas = json!({"instrument": "moaas", "answers": {"level": 0}});
    app.call(Method::POST, &format!("/api/v1/patients/{id}/assessments"), &nurse, Some(moaas)).await;
    let prescriber = app.token(Role::Prescriber).await;
    let kinds: Vec<_> = app
        .call(Method::GET, "/api/v1/alerts", &prescriber, None)
        .await
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, vec!["loss_of_consciousness", "suicide_risk"], "newest first");
    let therapist = app.token(Role::Therapist).await;
    assert_eq!(app.call(Method::GET, "/api/v1/alerts", &therapist, None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_home_page_counts_alerts_without_auditing_patient_reads() {
    let app = TestApp::new().await;
    let patient = app.patient("Kai", "Count").await;
    let id = patient["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    app.call(Method::POST, &format!("/api/v1/patients/{id}/assessments"), &nurse, Some(phq9_item9(2))).await;
    let prescriber = app.login(Role::Prescriber).await;
    let before = app.count("audit_events").await;
    let home = app.call(Method::GET, "/", &prescriber, None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("1 open safety alert"), "the card counts the alert");
    assert_eq!(app.count("audit_events").await, before, "a count names no patient and is not an access to a record");
}
