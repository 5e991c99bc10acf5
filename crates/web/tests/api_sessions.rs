//! Treatment sessions over HTTP: the state machine (illegal events are 409, events documented
//! later are ordered by time), esketamine device spacing, vital-sign ingest (idempotent,
//! threshold alerts at exact boundaries) and role checks. The manual clock starts at
//! 2026-11-21T15:00:00Z.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use axum::http::{Method, StatusCode};
use common::{Auth, TestApp};
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

async fn session(app: &TestApp, nurse: &Auth, modality: &str) -> String {
    let p = app.patient("Sam", "Chair").await;
    let r = app.call(Method::POST, "/api/v1/sessions", nurse, Some(json!({"patient_id": p["id"], "modality": modality, "chair": "Chair 2"}))).await;
    assert_eq!((r.status, r.json["state"].as_str()), (StatusCode::CREATED, Some("scheduled")), "{}", r.text);
    r.json["id"].as_str().unwrap().to_owned()
}

async fn event(app: &TestApp, nurse: &Auth, id: &str, body: Value) -> (StatusCode, Value) {
    let r = app.call(Method::POST, &format!("/api/v1/sessions/{id}/events"), nurse, Some(body)).await;
    (r.status, r.json)
}

#[tokio::test]
async fn an_esketamine_session_follows_the_state_machine() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.token(Role::Nurse).await;
    let id = session(&app, &nurse, "esketamine_nasal").await;
    assert_eq!(event(&app, &nurse, &id, json!({"type": "prechecks_completed"})).await.0, StatusCode::CONFLICT, "pre-checks before check-in");
    for (body, state) in [
        (json!({"type": "checked_in", "at": "2026-11-21T14:00:00Z"}), "checked_in"),
        (json!({"type": "prechecks_completed", "at": "2026-11-21T14:10:00Z"}), "prechecks_done"),
        (json!({"type": "device_administered", "dose_mg": 28, "lot": "L123", "at": "2026-11-21T14:15:00Z"}), "administering"),
        (json!({"type": "device_administered", "dose_mg": 28, "lot": "L123", "at": "2026-11-21T14:18:00Z"}), "administering"),
        (json!({"type": "side_effect", "effect": "dissociation", "severity": "mild", "at": "2026-11-21T14:30:00Z"}), "administering"),
        (json!({"type": "administration_stopped", "at": "2026-11-21T14:19:00Z"}), "observing"),
    ] {
        let (status, json) = event(&app, &nurse, &id, body.clone()).await;
        assert_eq!((status, json["state"].as_str()), (StatusCode::CREATED, Some(state)), "{body}: {json}");
    }
    // Illegal now: pausing an administration that ended, or discharging twice.
    assert_eq!(event(&app, &nurse, &id, json!({"type": "administration_paused"})).await.0, StatusCode::CONFLICT);
    // A note documented later with an earlier time is placed in order.
    assert_eq!(
        event(&app, &nurse, &id, json!({"type": "note", "text": "escort confirmed by phone", "at": "2026-11-21T14:05:00Z"})).await.0,
        StatusCode::CREATED
    );
    // …but an administration start documented between check-in and pre-checks does not fit.
    let (status, json) = event(&app, &nurse, &id, json!({"type": "administration_started", "dose_mg": 56, "at": "2026-11-21T14:07:00Z"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{json}");
    for (body, field) in [
        (json!({"type": "party"}), "type"),
        (json!({"type": "side_effect", "effect": "hiccups", "severity": "mild"}), "effect"),
        (json!({"type": "note", "text": " "}), "text"),
        (json!({"type": "note", "text": "later", "at": "2026-11-22T15:00:00Z"}), "at"),
    ] {
        let (status, json) = event(&app, &nurse, &id, body.clone()).await;
        assert_eq!((status, json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{body}");
    }
    let (status, json) = event(&app, &nurse, &id, json!({"type": "discharged"})).await;
    assert_eq!((status, json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("type")), "discharge has its own endpoint");

    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    let kinds: Vec<&str> = view.json["timeline"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["checked_in", "note", "prechecks_completed", "device_administered", "device_administered", "administration_stopped", "side_effect"],
        "ordered by time"
    );
    assert_eq!(view.json["timeline"][4]["payload"]["warning"], "device_spacing_under_5_min", "devices 3 minutes apart");
    assert!(view.json["timeline"][3]["payload"].get("warning").is_none());
    let auditor = app.token(Role::Auditor).await;
    let log = app.call(Method::GET, "/api/v1/audit-events?limit=50&action=session.event", &auditor, None).await;
    assert_eq!(log.json["items"].as_array().unwrap().len(), 7, "every accepted event is audited");
}

#[tokio::test]
async fn vitals_are_idempotent_and_alert_at_the_exact_thresholds() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.token(Role::Nurse).await;
    let id = session(&app, &nurse, "iv_ketamine").await;
    let batch = json!({"readings": [
        {"at": "2026-11-21T14:40:00Z", "systolic": 181, "diastolic": 80, "heart_rate": 88, "spo2": 97, "device_id": "mon-1"},
        {"at": "2026-11-21T14:30:00Z", "systolic": 180, "diastolic": 110, "heart_rate": 120, "spo2": 92, "resp_rate": 8, "device_id": "mon-1"},
        {"at": "2026-11-21T14:50:00Z", "heart_rate": 49, "spo2": 91, "resp_rate": 7}
    ]});
    let r = app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(batch.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!((r.json["accepted"].as_u64(), r.json["duplicates"].as_u64()), (Some(3), Some(0)));
    let codes: Vec<&str> = r.json["alerts"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["bp_high", "hr_low", "spo2_low", "rr_low"], "180/110, HR 120, SpO2 92 and RR 8 do not alert; 181 does");
    let again = app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(batch)).await;
    assert_eq!(
        (again.json["accepted"].as_u64(), again.json["duplicates"].as_u64(), again.json["alerts"].as_array().map(Vec::len)),
        (Some(0), Some(3), Some(0))
    );
    let bad = json!({"readings": [{"at": "2026-11-21T14:55:00Z", "spo2": 150}]});
    let r = app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(bad)).await;
    assert_eq!((r.status, r.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("readings[0].spo2")));
    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    let times: Vec<&str> = view.json["vitals"].as_array().unwrap().iter().map(|v| v["at"].as_str().unwrap()).collect();
    assert_eq!(times, ["2026-11-21T14:30:00Z", "2026-11-21T14:40:00Z", "2026-11-21T14:50:00Z"], "out-of-order batches are stored in time order");
    let desk = app.token(Role::FrontDesk).await;
    assert_eq!(app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &desk, None).await.status, StatusCode::FORBIDDEN);
    let bad_modality =
        app.call(Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": "01900000-0000-7000-8000-00000000a1e7", "modality": "oral"}))).await;
    assert_eq!(bad_modality.json["errors"][0]["field"], "modality");
}

/// Prepares a session with every discharge criterion but the minimum time met: vitals after the
/// dose, MOAA/S 5 on the session, dissociation attested, escort confirmed.
async fn observed(app: &TestApp, nurse: &Auth, modality: &str, dosing: Vec<Value>) -> String {
    let p = app.patient("Ida", "Leave").await;
    let pid = p["id"].as_str().unwrap().to_owned();
    let r = app.call(Method::POST, "/api/v1/sessions", nurse, Some(json!({"patient_id": pid, "modality": modality}))).await;
    let id = r.json["id"].as_str().unwrap().to_owned();
    let mut steps = vec![
        json!({"type": "checked_in", "at": "2026-11-21T14:00:00Z"}),
        json!({"type": "escort_confirmed", "name": "Rae Leave", "phone": "+12125550143", "at": "2026-11-21T14:02:00Z"}),
        json!({"type": "prechecks_completed", "at": "2026-11-21T14:05:00Z"}),
    ];
    steps.extend(dosing);
    steps.push(json!({"type": "dissociation_resolved", "at": "2026-11-21T14:57:00Z"}));
    for body in steps {
        let (status, json) = event(app, nurse, &id, body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}: {json}");
    }
    let v = json!({"readings": [{"at": "2026-11-21T14:55:00Z", "systolic": 128, "diastolic": 82, "heart_rate": 80, "spo2": 98, "resp_rate": 14}]});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), nurse, Some(v)).await.status, StatusCode::OK);
    let moaas = json!({"instrument": "moaas", "answers": {"level": 5}, "session_id": id, "administered_at": "2026-11-21T14:56:00Z"});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), nurse, Some(moaas)).await.status, StatusCode::CREATED);
    id
}

fn unmet(json: &Value) -> Vec<String> {
    json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn iv_discharge_waits_for_the_clinic_minimum_unless_a_prescriber_overrides() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.token(Role::Nurse).await;
    let dosing = vec![
        json!({"type": "administration_started", "dose_mg": 40, "lot": "K1", "at": "2026-11-21T14:10:00Z"}),
        json!({"type": "administration_stopped", "at": "2026-11-21T14:50:00Z"}),
    ];
    let id = observed(&app, &nurse, "iv_ketamine", dosing).await;
    // 15:00: everything met but the 30 minutes after the stop (until 15:20).
    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    assert_eq!(view.json["discharge"]["ready_to_leave_at"], "2026-11-21T14:57:00Z", "the last criterion met: dissociation at 14:57");
    assert_eq!(view.json["discharge"]["minimum_until"], "2026-11-21T15:20:00Z");
    let refused = app.call(Method::POST, &format!("/api/v1/sessions/{id}/discharge"), &nurse, Some(json!({}))).await;
    assert_eq!((refused.status, unmet(&refused.json)), (StatusCode::CONFLICT, vec!["minimum_observation".to_owned()]));
    let nurse_override = app.call(Method::POST, &format!("/api/v1/sessions/{id}/discharge"), &nurse, Some(json!({"override_reason": "ride waiting"}))).await;
    assert_eq!(nurse_override.status, StatusCode::FORBIDDEN, "only a prescriber overrides");
    let prescriber = app.token(Role::Prescriber).await;
    let done = app
        .call(Method::POST, &format!("/api/v1/sessions/{id}/discharge"), &prescriber, Some(json!({"override_reason": "stable, escort present, seen by me"})))
        .await;
    assert_eq!((done.status, done.json["state"].as_str()), (StatusCode::OK, Some("discharged")), "{}", done.text);
    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    let last = view.json["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["type"].as_str(), last["payload"]["override_reason"].as_str()), (Some("discharged"), Some("stable, escort present, seen by me")));
    assert_eq!(last["payload"]["ready_to_leave_at"], "2026-11-21T14:57:00Z");
}

#[tokio::test]
async fn esketamine_discharge_never_comes_before_120_minutes() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.token(Role::Nurse).await;
    let dosing = vec![
        json!({"type": "device_administered", "dose_mg": 28, "at": "2026-11-21T14:10:00Z"}),
        json!({"type": "device_administered", "dose_mg": 28, "at": "2026-11-21T14:15:00Z"}),
        json!({"type": "administration_stopped", "at": "2026-11-21T14:16:00Z"}),
    ];
    let id = observed(&app, &nurse, "esketamine_nasal", dosing).await;
    let prescriber = app.token(Role::Prescriber).await;
    // Perfect vitals and a prescriber's reason still do not shorten the label minimum.
    let refused = app.call(Method::POST, &format!("/api/v1/sessions/{id}/discharge"), &prescriber, Some(json!({"override_reason": "patient insists"}))).await;
    assert_eq!((refused.status, unmet(&refused.json)), (StatusCode::CONFLICT, vec!["minimum_observation".to_owned()]));
    assert!(refused.json["detail"].as_str().unwrap().contains("120 minutes"));
    app.clock.as_ref().unwrap().advance(jiff::SignedDuration::from_mins(69));
    let early = app.call(Method::POST, &format!("/api/v1/sessions/{id}/discharge"), &nurse, Some(json!({}))).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "16:09 is 119 minutes after the first device");
    app.clock.as_ref().unwrap().advance(jiff::SignedDuration::from_mins(1));
    let done = app.call(Method::POST, &format!("/api/v1/sessions/{id}/discharge"), &nurse, Some(json!({}))).await;
    assert_eq!((done.status, done.json["state"].as_str()), (StatusCode::OK, Some("discharged")), "{}", done.text);
}
