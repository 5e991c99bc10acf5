//! Due questionnaires from treatment events, and booster reviews proposed after a relapse.
//! The manual clock starts at 2026-11-21T15:00:00Z.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use jiff::SignedDuration;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

fn due_names(v: &Value) -> Vec<(String, bool)> {
    v.as_array().unwrap().iter().map(|i| (i["instrument"].as_str().unwrap().to_owned(), i["overdue"].as_bool().unwrap())).collect()
}

#[tokio::test]
async fn a_course_makes_baseline_questionnaires_due_and_sessions_add_more() {
    let app = TestApp::builder().manual_clock().build().await;
    let p = app.patient("Wes", "Work").await;
    let pid = p["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    let none = app.call(Method::GET, &format!("/api/v1/patients/{pid}/due-assessments"), &nurse, None).await;
    assert_eq!(none.json, json!([]), "no course, nothing due");

    let start = json!({"kind": "course_started", "at": "2026-11-21T14:00:00Z"});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/treatment-events"), &nurse, Some(start)).await.status, StatusCode::CREATED);
    let due = app.call(Method::GET, &format!("/api/v1/patients/{pid}/due-assessments"), &nurse, None).await;
    assert_eq!(due_names(&due.json), [("cssrs_screener", false), ("gad7", false), ("madrs", false), ("phq9", false)].map(|(i, o)| (i.to_owned(), o)).to_vec());
    let body = json!({"instrument": "phq9", "answers": common::phq9_answers(18)});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(body)).await.status, StatusCode::CREATED);
    app.clock.as_ref().unwrap().advance(SignedDuration::from_hours(24 * 8));
    let later = app.call(Method::GET, &format!("/api/v1/patients/{pid}/due-assessments"), &nurse, None).await;
    assert_eq!(due_names(&later.json), [("cssrs_screener", true), ("gad7", true), ("madrs", true)].map(|(i, o)| (i.to_owned(), o)).to_vec());

    // A session booked for tomorrow asks for a PHQ-9 beforehand (answers from 48 h before count).
    let session = json!({"kind": "session_scheduled", "at": "2026-11-30T15:00:00Z"});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/treatment-events"), &nurse, Some(session)).await.status, StatusCode::CREATED);
    let with_session = app.call(Method::GET, &format!("/api/v1/patients/{pid}/due-assessments"), &nurse, None).await;
    let reasons: Vec<&str> = with_session.json.as_array().unwrap().iter().map(|i| i["reason"].as_str().unwrap()).collect();
    assert!(reasons.contains(&"before the session"), "{reasons:?}");

    let clinic = app.call(Method::GET, "/api/v1/due-assessments", &nurse, None).await;
    assert_eq!(clinic.json[0]["patient_id"], pid);
    // Only a booked session may lie in the future; bad kinds are named.
    let future = json!({"kind": "course_ended", "at": "2027-01-01T00:00:00Z"});
    let refused = app.call(Method::POST, &format!("/api/v1/patients/{pid}/treatment-events"), &nurse, Some(future)).await;
    assert_eq!((refused.status, refused.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("at")));
    let unknown =
        app.call(Method::POST, &format!("/api/v1/patients/{pid}/treatment-events"), &nurse, Some(json!({"kind": "party", "at": "2026-11-21T14:00:00Z"}))).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let desk = app.token(Role::FrontDesk).await;
    assert_eq!(app.call(Method::GET, "/api/v1/due-assessments", &desk, None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_relapse_proposes_a_booster_review_for_the_prescriber() {
    let app = TestApp::builder().manual_clock().build().await;
    let p = app.patient("Xia", "Work").await;
    let pid = p["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    // The worked example of the issue: 20, 8, 4, 12, 14 — relapse at the fifth.
    for (days_ago, total) in [(40, 20), (33, 8), (26, 4), (19, 12), (12, 14)] {
        let now: jiff::Timestamp = "2026-11-21T15:00:00Z".parse().unwrap();
        let at = now.checked_sub(SignedDuration::from_hours(24 * days_ago)).unwrap();
        let body = json!({"instrument": "phq9", "answers": common::phq9_answers(total), "administered_at": at.to_string()});
        assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(body)).await.status, StatusCode::CREATED);
        let open = app.call(Method::GET, "/api/v1/tasks", &nurse, None).await;
        assert_eq!(open.json.as_array().unwrap().len(), usize::from(total == 14), "a task only once the relapse shows (after total {total})");
    }
    let tasks = app.call(Method::GET, "/api/v1/tasks", &nurse, None).await;
    let task = &tasks.json[0];
    assert_eq!((task["kind"].as_str(), task["status"].as_str()), (Some("booster_review"), Some("open")));
    assert!(task["detail"].as_str().unwrap().contains("12 then 14"), "{}", task["detail"]);
    let tid = task["id"].as_str().unwrap().to_owned();

    // A later, still-relapsed point does not propose a second review.
    let body = json!({"instrument": "phq9", "answers": common::phq9_answers(15)});
    app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(body)).await;
    assert_eq!(app.call(Method::GET, "/api/v1/tasks", &nurse, None).await.json.as_array().unwrap().len(), 1);

    let session = app.login(Role::Prescriber).await;
    let page = app.page_get("/worklist", &session).await;
    assert!(page.text.contains("consider a booster") && page.text.contains("Close review"));
    assert_eq!(app.call(Method::POST, &format!("/api/v1/tasks/{tid}/close"), &nurse, Some(json!({"outcome": "done"}))).await.status, StatusCode::FORBIDDEN);
    let prescriber = app.token(Role::Prescriber).await;
    let bare = app.call(Method::POST, &format!("/api/v1/tasks/{tid}/close"), &prescriber, Some(json!({"outcome": "declined"}))).await;
    assert_eq!((bare.status, bare.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("note")));
    let closed = app.page_post(&format!("/tasks/{tid}/close"), &session, &[("outcome", "done"), ("note", "Booster booked for Tuesday")]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let again = app.call(Method::POST, &format!("/api/v1/tasks/{tid}/close"), &prescriber, Some(json!({"outcome": "done"}))).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let all = app.call(Method::GET, "/api/v1/tasks?status=all", &nurse, None).await;
    assert_eq!((all.json[0]["status"].as_str(), all.json[0]["note"].as_str()), (Some("done"), Some("Booster booked for Tuesday")));
    assert!(app.call(Method::GET, "/api/v1/tasks", &nurse, None).await.json.as_array().unwrap().is_empty());
}
