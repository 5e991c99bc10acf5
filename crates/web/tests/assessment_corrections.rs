//! Assessments entered in error: the record stays (listed on request, with the reason), while
//! outcomes, relapse checks and the dashboard leave it out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use ketaclinic_domain::staff::Role;
use serde_json::json;

#[tokio::test]
async fn a_mistyped_score_leaves_the_outcome_but_not_the_history() {
    let app = TestApp::new().await;
    let p = app.patient("Yara", "Fix").await;
    let pid = p["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    let mut ids = Vec::new();
    for (hours_ago, total) in [(72, 20), (48, 8), (24, 24)] {
        let at = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(hours_ago)).unwrap();
        let body = json!({"instrument": "phq9", "answers": common::phq9_answers(total), "administered_at": at.to_string()});
        let r = app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(body)).await;
        ids.push(r.json["id"].as_str().unwrap().to_owned());
    }
    let outcome = app.call(Method::GET, &format!("/api/v1/patients/{pid}/outcomes?instrument=phq9"), &nurse, None).await;
    assert_eq!(outcome.json["latest"]["total"], 24);

    let typo = &ids[2];
    let desk = app.token(Role::FrontDesk).await;
    let path = format!("/api/v1/patients/{pid}/assessments/{typo}/entered-in-error");
    assert_eq!(app.call(Method::POST, &path, &desk, Some(json!({"reason": "x"}))).await.status, StatusCode::FORBIDDEN);
    let no_reason = app.call(Method::POST, &path, &nurse, Some(json!({"reason": " "}))).await;
    assert_eq!((no_reason.status, no_reason.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")));
    let marked = app.call(Method::POST, &path, &nurse, Some(json!({"reason": "typed 24 instead of 4"}))).await;
    assert_eq!(marked.status, StatusCode::OK, "{}", marked.text);
    assert_eq!(app.call(Method::POST, &path, &nurse, Some(json!({"reason": "again"}))).await.status, StatusCode::CONFLICT);
    let other = app.patient("Zed", "Fix").await;
    let wrong = format!("/api/v1/patients/{}/assessments/{}/entered-in-error", other["id"].as_str().unwrap(), ids[1]);
    assert_eq!(
        app.call(Method::POST, &wrong, &nurse, Some(json!({"reason": "x"}))).await.status,
        StatusCode::NOT_FOUND,
        "the assessment belongs to another patient"
    );

    let outcome = app.call(Method::GET, &format!("/api/v1/patients/{pid}/outcomes?instrument=phq9"), &nurse, None).await;
    assert_eq!((outcome.json["latest"]["total"].as_u64(), outcome.json["response"].as_bool()), (Some(8), Some(true)), "the outcome leaves it out");
    let standing = app.call(Method::GET, &format!("/api/v1/patients/{pid}/assessments"), &nurse, None).await;
    assert_eq!(standing.json["items"].as_array().unwrap().len(), 2);
    let all = app.call(Method::GET, &format!("/api/v1/patients/{pid}/assessments?include_entered_in_error=true"), &nurse, None).await;
    let items = all.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "history hides nothing");
    let corrected = items.iter().find(|i| i["id"] == typo.as_str()).unwrap();
    assert_eq!((corrected["entered_in_error"].as_bool(), corrected["correction_reason"].as_str()), (Some(true), Some("typed 24 instead of 4")));
}

#[tokio::test]
async fn the_patient_page_marks_an_entry_entered_in_error() {
    let app = TestApp::new().await;
    let p = app.patient("Ula", "Fix").await;
    let pid = p["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    let body = json!({"instrument": "phq9", "answers": common::phq9_answers(12)});
    let made = app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(body)).await;
    let aid = made.json["id"].as_str().unwrap();
    let session = app.login(Role::Nurse).await;
    let page = app.page_get(&format!("/patients/{pid}"), &session).await;
    assert!(page.text.contains("entered in error") && page.text.contains(aid), "the form lists the entry");
    let refused = app.page_post(&format!("/patients/{pid}/assessments/entered-in-error"), &session, &[("assessment_id", aid), ("reason", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = app.page_post(&format!("/patients/{pid}/assessments/entered-in-error"), &session, &[("assessment_id", aid), ("reason", "wrong patient")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let standing = app.call(Method::GET, &format!("/api/v1/patients/{pid}/assessments"), &nurse, None).await;
    assert_eq!(standing.json["items"], json!([]));
    let after = app.page_get(&format!("/patients/{pid}"), &session).await;
    assert!(after.text.contains("No assessments yet"), "the chart no longer shows it");
}
