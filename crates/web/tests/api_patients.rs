//! Patients through the API: registration, MRNs, search and paging, versioned corrections,
//! entered-in-error, and the audit trail each access leaves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Auth, TestApp, email};
use ketaclinic_domain::staff::Role;
use serde_json::json;

#[tokio::test]
async fn register_read_and_find_a_patient() {
    let app = TestApp::new().await;
    let desk = app.token(Role::FrontDesk).await;
    let body = json!({"given_name": " Ada ", "family_name": "Quill", "birth_date": "1980-02-29", "sex": "female", "phone": "+1 (555) 010-0199", "email": "Ada.Quill@Example.org"});
    let created = app.call(Method::POST, "/api/v1/patients", &desk, Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    assert_eq!(created.headers.get(header::LOCATION).unwrap().to_str().unwrap(), format!("/api/v1/patients/{id}"));
    assert_eq!(created.json["mrn"], "KC-000001");
    assert_eq!(created.json["given_name"], "Ada");
    assert_eq!(created.json["phone"], "+15550100199");
    assert_eq!(created.json["email"], "ada.quill@example.org");
    assert_eq!((created.json["version"].as_u64(), created.json["status"].as_str()), (Some(1), Some("active")));
    assert!(created.json["created_at"].as_str().unwrap().ends_with('Z'), "RFC 3339 with offset");

    let nurse = app.token(Role::Nurse).await;
    let read = app.call(Method::GET, &format!("/api/v1/patients/{id}"), &nurse, None).await;
    assert_eq!(read.json, created.json);
    for q in ["qui", "ada%20quill", "kc-000001", "1980-02-29"] {
        let found = app.call(Method::GET, &format!("/api/v1/patients?q={q}"), &nurse, None).await;
        assert_eq!(found.json["items"][0]["id"], id, "search {q}");
    }
    let none = app.call(Method::GET, "/api/v1/patients?q=zzz", &nurse, None).await;
    assert_eq!(none.json, json!({"items": [], "next_cursor": null}));
}

#[tokio::test]
async fn given_mrns_are_kept_and_must_be_unique() {
    let app = TestApp::new().await;
    let desk = app.token(Role::FrontDesk).await;
    let body = json!({"given_name": "B", "family_name": "C", "birth_date": "1990-01-01", "sex": "male", "mrn": "ext-42"});
    let first = app.call(Method::POST, "/api/v1/patients", &desk, Some(body.clone())).await;
    assert_eq!(first.json["mrn"], "EXT-42");
    let second = app.call(Method::POST, "/api/v1/patients", &desk, Some(body)).await;
    assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(second.json["errors"][0], json!({"field": "mrn", "message": "is already assigned to another patient"}));
}

#[tokio::test]
async fn search_pages_with_a_cursor() {
    let app = TestApp::new().await;
    for family in ["Ash", "Birch", "Cedar", "Douglas", "Elm"] {
        app.patient("Pat", family).await;
    }
    let nurse = app.token(Role::Nurse).await;
    let mut names = Vec::new();
    let mut url = "/api/v1/patients?limit=2".to_owned();
    loop {
        let page = app.call(Method::GET, &url, &nurse, None).await;
        names.extend(page.json["items"].as_array().unwrap().iter().map(|p| p["family_name"].as_str().unwrap().to_owned()));
        match page.json["next_cursor"].as_str() {
            Some(cursor) => url = format!("/api/v1/patients?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(names, vec!["Ash", "Birch", "Cedar", "Douglas", "Elm"]);
}

#[tokio::test]
async fn corrections_are_new_versions_with_author_time_and_reason() {
    let app = TestApp::new().await;
    let created = app.patient("Eve", "Stone").await;
    let id = created["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    let update = json!({"given_name": "Eva", "family_name": "Stone", "birth_date": "1980-02-29", "sex": "female", "version": 1, "reason": "name misspelt at registration"});
    let updated = app.call(Method::PUT, &format!("/api/v1/patients/{id}"), &nurse, Some(update.clone())).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!((updated.json["version"].as_u64(), updated.json["given_name"].as_str()), (Some(2), Some("Eva")));
    let stale = app.call(Method::PUT, &format!("/api/v1/patients/{id}"), &nurse, Some(update)).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "a stale version is refused: {}", stale.text);
    let no_reason = json!({"given_name": "Eva", "family_name": "Stone", "birth_date": "1980-02-29", "sex": "female", "version": 2, "reason": " "});
    let refused = app.call(Method::PUT, &format!("/api/v1/patients/{id}"), &nurse, Some(no_reason)).await;
    assert_eq!(refused.json["errors"][0]["field"], "reason");

    let desk = app.token(Role::FrontDesk).await;
    let eie = app
        .call(
            Method::POST,
            &format!("/api/v1/patients/{id}/status"),
            &desk,
            Some(json!({"status": "entered_in_error", "version": 2, "reason": "duplicate of KC-000009"})),
        )
        .await;
    assert_eq!(eie.json["status"], "entered_in_error", "{}", eie.text);
    let history = app.call(Method::GET, &format!("/api/v1/patients/{id}/history"), &nurse, None).await;
    let versions = history.json.as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[0]["reason"], serde_json::Value::Null);
    assert_eq!(versions[0]["given_name"], "Eve", "the old version is kept");
    assert_eq!(versions[1]["reason"], "name misspelt at registration");
    assert_eq!(versions[2]["status"], "entered_in_error");
    let hidden = app.call(Method::GET, "/api/v1/patients?q=stone", &nurse, None).await;
    assert_eq!(hidden.json["items"].as_array().unwrap().len(), 0, "entered-in-error is not in default search");
    let shown = app.call(Method::GET, "/api/v1/patients?q=stone&include_entered_in_error=true", &nurse, None).await;
    assert_eq!(shown.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.call(Method::GET, &format!("/api/v1/patients/{id}"), &nurse, None).await.status, StatusCode::OK, "still readable");
}

#[tokio::test]
async fn every_read_and_write_is_on_the_access_report() {
    let app = TestApp::new().await;
    let created = app.patient("Fay", "Lind").await;
    let id = created["id"].as_str().unwrap();
    let nurse = app.login(Role::Nurse).await;
    app.call(Method::GET, &format!("/api/v1/patients/{id}"), &nurse, None).await;
    app.call(Method::GET, &format!("/api/v1/patients/{id}/history"), &nurse, None).await;
    let auditor = app.token(Role::Auditor).await;
    let report = app.call(Method::GET, &format!("/api/v1/patients/{id}/access-report"), &auditor, None).await;
    let rows: Vec<_> = report.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor_label"].as_str().unwrap().to_owned(), e["action"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (email(Role::Nurse), "patient.history".to_owned()),
            (email(Role::Nurse), "patient.read".to_owned()),
            (email(Role::FrontDesk), "patient.create".to_owned()),
        ]
    );
    let first = &report.json["items"][0];
    assert_eq!((first["actor_role"].as_str(), first["client_addr"].as_str(), first["outcome"].as_str()), (Some("nurse"), Some("127.0.0.1"), Some("success")));
    // The auditor's own look is logged too.
    let log = app.call(Method::GET, "/api/v1/audit-events?action=patient.access_report", &auditor, None).await;
    assert_eq!(log.json["items"][0]["patient_id"], id);
}

#[tokio::test]
async fn denied_requests_are_audited_and_write_nothing() {
    let app = TestApp::new().await;
    let therapist = app.token(Role::Therapist).await;
    let body = json!({"given_name": "No", "family_name": "Way", "birth_date": "1990-01-01", "sex": "male"});
    let reply = app.call(Method::POST, "/api/v1/patients", &therapist, Some(body)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json["detail"], "your role may not register patients");
    assert_eq!(app.count("patients").await, 0);
    let auditor = app.token(Role::Auditor).await;
    let log = app.call(Method::GET, "/api/v1/audit-events?action=access.denied", &auditor, None).await;
    assert_eq!(log.json["items"][0]["detail"], "missing permission patient.register");
    assert_eq!(log.json["items"][0]["outcome"], "denied");
}

#[tokio::test]
async fn unknown_patients_are_404_and_the_attempt_is_logged() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let ghost = "01900000-0000-7000-8000-00000000beef";
    let reply = app.call(Method::GET, &format!("/api/v1/patients/{ghost}"), &nurse, None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let auditor = app.token(Role::Auditor).await;
    let report = app.call(Method::GET, &format!("/api/v1/patients/{ghost}/access-report"), &auditor, None).await;
    assert_eq!(report.json["items"][0]["outcome"], "failure");
}

#[tokio::test]
async fn health_and_metrics_endpoints() {
    let app = TestApp::new().await;
    assert_eq!(app.call(Method::GET, "/healthz", &Auth::None, None).await.text, "ok");
    assert_eq!(app.call(Method::GET, "/readyz", &Auth::None, None).await.text, "ready");
}
