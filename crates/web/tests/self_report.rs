//! Patient self-report links: creation, the public form (first name only, no-store), single
//! use, expiry, revocation, the rate limit on guessing, alerts from self-reported answers, and
//! kiosk mode.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Auth, TestApp};
use jiff::SignedDuration;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

async fn app(limit: u32) -> TestApp {
    TestApp::builder().manual_clock().settings(|s| s.self_report_per_minute_per_ip = limit).build().await
}

async fn link(app: &TestApp, patient: &str, instruments: Value) -> Value {
    let nurse = app.token(Role::Nurse).await;
    let reply = app.call(Method::POST, &format!("/api/v1/patients/{patient}/self-report-links"), &nurse, Some(json!({"instruments": instruments}))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json
}

/// Every PHQ-9 item answered `value`, item 9 as given, as the form posts them.
fn phq9_form(value: u32, item9: u32) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = (1..=8).map(|i| (format!("phq9__item_{i}"), value.to_string())).collect();
    out.push(("phq9__item_9".to_owned(), item9.to_string()));
    out
}

async fn audit_of(app: &TestApp, action: &str) -> Vec<Value> {
    let auditor = app.token(Role::Auditor).await;
    app.call(Method::GET, &format!("/api/v1/audit-events?limit=100&action={action}"), &auditor, None).await.json["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_patient_answers_once_and_the_page_shows_only_their_first_name() {
    let app = app(30).await;
    let p = app.patient("Juniper", "Ashdownshire").await;
    let pid = p["id"].as_str().unwrap();
    let made = link(&app, pid, json!(["phq9"])).await;
    let token = made["token"].as_str().unwrap();
    assert_eq!(token.len(), 64, "256 bits as hex");
    assert_eq!(made["path"], format!("/r/{token}"));
    assert_eq!((made["state"].as_str(), made["expires_at"].as_str()), (Some("open"), Some("2026-11-24T15:00:00Z")), "72 hours by default");

    let page = app.page_get(&format!("/r/{token}"), &Auth::None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Hello Juniper"));
    for secret in ["Ashdownshire", p["mrn"].as_str().unwrap(), "1980", "Patients", "Sign out"] {
        assert!(!page.text.contains(secret), "the public page must not show {secret}");
    }
    assert_eq!(page.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    assert_eq!(page.headers.get(header::REFERRER_POLICY).unwrap(), "no-referrer");

    let missing = app.page_post(&format!("/r/{token}"), &Auth::None, &phq9_form(1, 0)[..5]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "unanswered items are named");
    assert!(missing.text.contains("Please answer every question"));

    let sent = app.page_post(&format!("/r/{token}"), &Auth::None, &phq9_form(1, 1)).await;
    assert_eq!((sent.status, sent.headers.get(header::LOCATION).unwrap().to_str().unwrap()), (StatusCode::SEE_OTHER, "/r/done"));
    let nurse = app.token(Role::Nurse).await;
    let stored = app.call(Method::GET, &format!("/api/v1/patients/{pid}/assessments"), &nurse, None).await;
    let list = stored.json["items"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0]["source"].as_str(), list[0]["total"].as_u64()), (Some("patient"), Some(9)));
    let prescriber = app.token(Role::Prescriber).await;
    let alerts = app.call(Method::GET, "/api/v1/alerts", &prescriber, None).await;
    assert_eq!(alerts.json[0]["kind"], "suicidal_ideation", "item 9 above 0 raises the alert: {}", alerts.text);

    let again = app.page_post(&format!("/r/{token}"), &Auth::None, &phq9_form(0, 0)).await;
    assert_eq!(again.status, StatusCode::GONE, "single use");
    assert_eq!(app.call(Method::GET, &format!("/api/v1/patients/{pid}/assessments"), &nurse, None).await.json["items"].as_array().unwrap().len(), 1);
    let reopened = app.page_get(&format!("/r/{token}"), &Auth::None).await;
    assert_eq!(reopened.status, StatusCode::GONE);
    assert_eq!(audit_of(&app, "self_report.submit").await.len(), 1);
    let listed = app.call(Method::GET, &format!("/api/v1/patients/{pid}/self-report-links"), &nurse, None).await;
    assert_eq!(listed.json[0]["state"], "used");
    assert!(listed.json[0].get("token").is_none(), "the token is shown once, at creation");
}

#[tokio::test]
async fn links_expire_and_can_be_revoked() {
    let app = app(30).await;
    let p = app.patient("Tobias", "Wren").await;
    let pid = p["id"].as_str().unwrap();
    let expiring = link(&app, pid, json!(["gad7"])).await;
    let revoked = link(&app, pid, json!(["phq9", "gad7"])).await;
    let nurse = app.token(Role::Nurse).await;
    let rid = revoked["id"].as_str().unwrap();
    assert_eq!(app.call(Method::POST, &format!("/api/v1/self-report-links/{rid}/revoke"), &nurse, None).await.status, StatusCode::OK);
    assert_eq!(app.call(Method::POST, &format!("/api/v1/self-report-links/{rid}/revoke"), &nurse, None).await.status, StatusCode::CONFLICT);
    let page = app.page_get(&format!("/r/{}", revoked["token"].as_str().unwrap()), &Auth::None).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.text.contains("no longer in use"));

    app.clock.as_ref().unwrap().advance(SignedDuration::from_hours(72));
    let page = app.page_get(&format!("/r/{}", expiring["token"].as_str().unwrap()), &Auth::None).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.text.contains("expired"));
    let answers: Vec<(String, String)> = (1..=7).map(|i| (format!("gad7__item_{i}"), "0".to_owned())).collect();
    let late = app.page_post(&format!("/r/{}", expiring["token"].as_str().unwrap()), &Auth::None, &answers).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert_eq!(app.call(Method::GET, &format!("/api/v1/patients/{pid}/assessments"), &nurse, None).await.json["items"], json!([]));
}

#[tokio::test]
async fn guessing_tokens_is_rate_limited_and_logged() {
    let app = app(3).await;
    for i in 0..3 {
        let guess = format!("{i:064x}");
        assert_eq!(app.page_get(&format!("/r/{guess}"), &Auth::None).await.status, StatusCode::NOT_FOUND);
    }
    let limited = app.page_get(&format!("/r/{:064x}", 9), &Auth::None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.get(header::RETRY_AFTER).is_some());
    let failures = audit_of(&app, "self_report.open").await;
    assert_eq!(failures.len(), 3, "every failed guess is on the log");
    assert!(failures.iter().all(|e| e["outcome"] == "failure" && e["client_addr"] == "127.0.0.1"));
}

#[tokio::test]
async fn staff_choose_self_report_questionnaires_and_roles_are_checked() {
    let app = app(30).await;
    let p = app.patient("Casimir", "Dun").await;
    let pid = p["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    let desk = app.token(Role::FrontDesk).await;
    let body = json!({"instruments": ["phq9"]});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/self-report-links"), &desk, Some(body)).await.status, StatusCode::FORBIDDEN);
    for (bad, field) in [
        (json!({"instruments": ["madrs"]}), "instruments"),
        (json!({"instruments": []}), "instruments"),
        (json!({"instruments": ["phq9"], "expires_in_hours": 500}), "expires_in_hours"),
    ] {
        let reply = app.call(Method::POST, &format!("/api/v1/patients/{pid}/self-report-links"), &nurse, Some(bad)).await;
        assert_eq!((reply.status, reply.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)));
    }
    // Kiosk: the nurse opens the form straight on the clinic tablet.
    let session = app.login(Role::Nurse).await;
    let kiosk = app.page_post(&format!("/patients/{pid}/self-report"), &session, &[("instrument", "gad7"), ("kiosk", "1")]).await;
    assert_eq!(kiosk.status, StatusCode::SEE_OTHER, "{}", kiosk.text);
    let to = kiosk.headers.get(header::LOCATION).unwrap().to_str().unwrap().to_owned();
    assert!(to.starts_with("/r/"));
    let answers: Vec<(String, String)> = (1..=7).map(|i| (format!("gad7__item_{i}"), "1".to_owned())).collect();
    let sent = app.page_post(&to, &Auth::None, &answers).await;
    assert_eq!(sent.headers.get(header::LOCATION).unwrap(), "/r/done?kiosk=1");
    assert!(app.page_get("/r/done?kiosk=1", &Auth::None).await.text.contains("hand the tablet back"));
    let listed = app.page_get(&format!("/patients/{pid}/self-report"), &session).await;
    assert!(listed.text.contains("used") && listed.text.contains("tablet"));
}
