//! `POST /fhir/Observation`: a vital sign posted as FHIR lands on the patient's open session
//! through the same thresholds, alerts and idempotency as typed vitals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::TestApp;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

fn heart_rate(patient: &str, bpm: Value, at: &str) -> Value {
    json!({
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": at,
        "device": {"display": "gateway-3"},
        "valueQuantity": {"value": bpm, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}
    })
}

fn blood_pressure(patient: &str, systolic: u32, diastolic: u32) -> Value {
    let part = |code: &str, v: u32| json!({"code": {"coding": [{"system": "http://loinc.org", "code": code}]}, "valueQuantity": {"value": v, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}});
    json!({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": "2026-11-21T14:50:00Z",
        "component": [part("8480-6", systolic), part("8462-4", diastolic)]
    })
}

/// A patient with an open (booked) IV session; returns (patient, session).
async fn patient_in_session(app: &TestApp) -> (String, String) {
    let nurse = app.token(Role::Nurse).await;
    let pid = app.patient("Posy", "Posted").await["id"].as_str().unwrap().to_owned();
    let s = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": pid, "modality": "iv_ketamine"}))).await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text);
    (pid, s.json["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_posted_vital_sign_is_recorded_once_and_reads_back() {
    let app = TestApp::builder().manual_clock().build().await;
    let (pid, sid) = patient_in_session(&app).await;
    let nurse = app.token(Role::Nurse).await;

    let created = app.call(Method::POST, "/fhir/Observation", &nurse, Some(heart_rate(&pid, json!(72), "2026-11-21T14:45:00Z"))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let location = created.headers.get(header::LOCATION).unwrap().to_str().unwrap().to_owned();
    let id = created.json["id"].as_str().unwrap();
    assert_eq!(location, format!("http://127.0.0.1:8080/fhir/Observation/{id}"));
    assert_eq!(created.json["valueQuantity"]["value"], 72);
    assert_eq!(created.json["encounter"]["reference"], format!("Encounter/{sid}"), "attached to the open session");
    assert_eq!(created.json["device"]["display"], "gateway-3");

    let read = app.call(Method::GET, location.trim_start_matches("http://127.0.0.1:8080"), &nurse, None).await;
    assert_eq!((read.status, &read.json), (StatusCode::OK, &created.json), "the stored Observation is what was answered");

    // 72.0 is the same reading: a repeat is 200 and records nothing new.
    let again = app.call(Method::POST, "/fhir/Observation", &nurse, Some(heart_rate(&pid, json!(72.0), "2026-11-21T14:45:00Z"))).await;
    assert_eq!((again.status, again.json["id"].as_str()), (StatusCode::OK, Some(id)));
    let vitals = app.call(Method::GET, &format!("/api/v1/sessions/{sid}"), &nurse, None).await;
    assert_eq!(vitals.json["vitals"].as_array().map(Vec::len), Some(1), "{}", vitals.text);
}

#[tokio::test]
async fn a_systolic_of_190_raises_bp_high_on_the_session() {
    let app = TestApp::builder().manual_clock().build().await;
    let (pid, sid) = patient_in_session(&app).await;
    let nurse = app.token(Role::Nurse).await;
    let created = app.call(Method::POST, "/fhir/Observation", &nurse, Some(blood_pressure(&pid, 190, 95))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let vitals = app.call(Method::GET, &format!("/api/v1/sessions/{sid}"), &nurse, None).await;
    let codes: Vec<&str> = vitals.json["alerts"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["bp_high"], "{}", vitals.text);
}

#[tokio::test]
async fn what_cannot_be_recorded_is_refused_with_a_reason() {
    let app = TestApp::builder().manual_clock().build().await;
    let (pid, sid) = patient_in_session(&app).await;
    let nurse = app.token(Role::Nurse).await;
    let post = |body: Value| {
        let app = &app;
        let nurse = &nurse;
        async move { app.call(Method::POST, "/fhir/Observation", nurse, Some(body)).await }
    };

    let outcome =
        |r: &common::Reply| (r.status, r.json["issue"][0]["code"].as_str().map(str::to_owned), r.json["issue"][0]["expression"][0].as_str().map(str::to_owned));
    let no_session = app.patient("Nell", "Nosession").await["id"].as_str().unwrap().to_owned();
    let r = post(heart_rate(&no_session, json!(70), "2026-11-21T14:45:00Z")).await;
    assert_eq!(outcome(&r), (StatusCode::UNPROCESSABLE_ENTITY, Some("processing".to_owned()), Some("Observation.subject".to_owned())));
    let r = post(heart_rate("01900000-0000-7000-8000-000000000099", json!(70), "2026-11-21T14:45:00Z")).await;
    assert_eq!(outcome(&r), (StatusCode::UNPROCESSABLE_ENTITY, Some("not-found".to_owned()), Some("Observation.subject".to_owned())));
    let r = post(heart_rate(&pid, json!(400), "2026-11-21T14:45:00Z")).await;
    assert_eq!((r.status, r.json["issue"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("value")), "{}", r.text);
    let r = post(heart_rate(&pid, json!(70.5), "2026-11-21")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let at: Vec<&str> = r.json["issue"].as_array().unwrap().iter().map(|i| i["expression"][0].as_str().unwrap()).collect();
    assert_eq!(at, ["Observation.effectiveDateTime", "Observation.valueQuantity.value"]);
    let r = post(json!({"resourceType": "Patient", "id": "x"})).await;
    assert_eq!((r.status, r.json["resourceType"].as_str()), (StatusCode::BAD_REQUEST, Some("OperationOutcome")));
    let r = post(json!({"resourceType": "Observation", "status": 7})).await;
    assert_eq!((r.status, r.json["issue"][0]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("structure")));

    let desk = app.token(Role::FrontDesk).await;
    let refused = app.call(Method::POST, "/fhir/Observation", &desk, Some(heart_rate(&pid, json!(70), "2026-11-21T14:45:00Z"))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let vitals = app.call(Method::GET, &format!("/api/v1/sessions/{sid}"), &nurse, None).await;
    assert_eq!(vitals.json["vitals"], json!([]), "nothing refused was written");
}
