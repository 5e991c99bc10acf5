//! Treatment sessions over HTTP: the state machine (illegal events are 409, events documented
//! later are ordered by time), esketamine device spacing, vital-sign ingest (idempotent,
//! threshold alerts at exact boundaries, stored and acknowledged once), pre-checks with
//! prescriber overrides, the next due checkpoint, and role checks. The manual clock starts at
//! 2026-11-21T15:00:00Z.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::{Auth, TestApp};
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

/// A patient with a signed consent for `modality` and, for esketamine, a REMS enrolment.
async fn ready_patient(app: &TestApp, given: &str, modality: &str) -> String {
    let p = app.patient(given, "Chair").await;
    let pid = p["id"].as_str().unwrap().to_owned();
    let admin = app.token(Role::Admin).await;
    let nurse = app.token(Role::Nurse).await;
    let template = json!({"modality": modality, "title": "Treatment consent", "text": "Risks, benefits and alternatives were explained."});
    let t = app.call(Method::POST, "/api/v1/consent-templates", &admin, Some(template)).await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    let sign = json!({"template_id": t.json["id"], "template_version": 1, "typed_name": format!("{given} Chair"), "signature_path": "M10 10 L20 20"});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/consents"), &nurse, Some(sign)).await.status, StatusCode::CREATED);
    if modality == "esketamine_nasal" {
        let prescriber = app.token(Role::Prescriber).await;
        let enrol = json!({"enrolled_on": "2026-11-01", "patient_signed": true, "prescriber_signed": true});
        let r = app.call(Method::POST, &format!("/api/v1/patients/{pid}/rems-enrollment"), &prescriber, Some(enrol)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    pid
}

async fn session(app: &TestApp, nurse: &Auth, modality: &str) -> String {
    let pid = ready_patient(app, "Sam", modality).await;
    let r = app.call(Method::POST, "/api/v1/sessions", nurse, Some(json!({"patient_id": pid, "modality": modality, "chair": "Chair 2"}))).await;
    assert_eq!((r.status, r.json["state"].as_str()), (StatusCode::CREATED, Some("scheduled")), "{}", r.text);
    r.json["id"].as_str().unwrap().to_owned()
}

/// Every attestation, as a nurse confirms them.
fn attested() -> Value {
    json!({
        "identity_confirmed": true, "fasting_confirmed": true, "medications_reviewed": true, "pregnancy": "not_pregnant",
        "escort": {"name": "Rae Leave", "phone": "+12125550143"}
    })
}

/// Records a pre-dose BP and completes the pre-checks at `at` (a prescriber overrides the
/// eligibility check: these tests write no evaluation).
async fn prechecks(app: &TestApp, id: &str, reading_at: &str, at: &str) {
    let nurse = app.token(Role::Nurse).await;
    let v = json!({"readings": [{"at": reading_at, "systolic": 128, "diastolic": 82, "heart_rate": 76, "spo2": 98, "resp_rate": 14}]});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(v)).await.status, StatusCode::OK);
    let prescriber = app.token(Role::Prescriber).await;
    let mut body = attested();
    body["overrides"] = json!([{"check": "eligibility_current", "reason": "approved at the consult; the evaluation is on paper"}]);
    body["at"] = json!(at);
    let r = app.call(Method::POST, &format!("/api/v1/sessions/{id}/prechecks"), &prescriber, Some(body)).await;
    assert_eq!((r.status, r.json["state"].as_str()), (StatusCode::OK, Some("prechecks_done")), "{}", r.text);
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
    let early = app.call(Method::POST, &format!("/api/v1/sessions/{id}/prechecks"), &nurse, Some(attested())).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "pre-checks before check-in: {}", early.text);
    let (status, json) = event(&app, &nurse, &id, json!({"type": "prechecks_completed"})).await;
    assert_eq!((status, json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("type")), "pre-checks have their own endpoint");
    assert_eq!(event(&app, &nurse, &id, json!({"type": "checked_in", "at": "2026-11-21T14:00:00Z"})).await.0, StatusCode::CREATED);
    prechecks(&app, &id, "2026-11-21T14:05:00Z", "2026-11-21T14:10:00Z").await;
    for (body, state) in [
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
    assert_eq!(log.json["items"].as_array().unwrap().len(), 7, "every accepted event (pre-checks included) is audited");
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
/// The escort comes from the pre-checks (no separate `escort_confirmed` event).
async fn observed(app: &TestApp, nurse: &Auth, modality: &str, dosing: Vec<Value>) -> String {
    let pid = ready_patient(app, "Ida", modality).await;
    let r = app.call(Method::POST, "/api/v1/sessions", nurse, Some(json!({"patient_id": pid, "modality": modality}))).await;
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(event(app, nurse, &id, json!({"type": "checked_in", "at": "2026-11-21T14:00:00Z"})).await.0, StatusCode::CREATED);
    prechecks(app, &id, "2026-11-21T14:02:00Z", "2026-11-21T14:05:00Z").await;
    let mut steps = dosing;
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

fn fields(json: &Value) -> Vec<String> {
    json["errors"].as_array().map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect()).unwrap_or_default()
}

fn check<'a>(status: &'a Value, id: &str) -> &'a Value {
    status["checks"].as_array().unwrap().iter().find(|c| c["check"] == id).unwrap()
}

#[tokio::test]
async fn prechecks_gate_dosing_and_only_a_prescriber_overrides() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.token(Role::Nurse).await;
    let prescriber = app.token(Role::Prescriber).await;
    let pid = ready_patient(&app, "Pia", "esketamine_nasal").await;
    let med = json!({"name": "Lorazepam", "dose": "0.5 mg at night", "classes": ["benzodiazepine"]});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/chart/medication"), &nurse, Some(med)).await.status, StatusCode::CREATED);
    let r = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": pid, "modality": "esketamine_nasal"}))).await;
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(event(&app, &nurse, &id, json!({"type": "checked_in", "at": "2026-11-21T14:40:00Z"})).await.0, StatusCode::CREATED);
    let url = format!("/api/v1/sessions/{id}/prechecks");

    // Before anything is attested: the chart facts are known, the attestations are not.
    let status = app.call(Method::GET, &url, &nurse, None).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text);
    let outcomes: Vec<(&str, &str)> =
        status.json["checks"].as_array().unwrap().iter().map(|c| (c["check"].as_str().unwrap(), c["outcome"].as_str().unwrap())).collect();
    assert_eq!(
        outcomes,
        [
            ("identity_confirmed", "failed"),
            ("consent_valid", "passed"),
            ("rems_enrolled", "passed"),
            ("eligibility_current", "failed"),
            ("fasting", "failed"),
            ("escort_confirmed", "failed"),
            ("medications_reviewed", "failed"),
            ("pregnancy_status", "failed"),
            ("pre_session_phq9", "not_applicable"),
            ("pre_dose_vitals", "failed"),
        ]
    );
    assert_eq!((status.json["ready"].as_bool(), check(&status.json, "consent_valid")["overridable"].as_bool()), (Some(false), Some(false)));

    // Pre-dose BP 161/80: above the 160/100 hold line.
    let bp = |at: &str, s: u32| json!({"readings": [{"at": at, "systolic": s, "diastolic": 80, "heart_rate": 80, "spo2": 98}]});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(bp("2026-11-21T14:50:00Z", 161))).await.status, StatusCode::OK);
    let refused = app.call(Method::POST, &url, &nurse, Some(attested())).await;
    assert_eq!((refused.status, fields(&refused.json)), (StatusCode::CONFLICT, vec!["eligibility_current".to_owned(), "pre_dose_vitals".to_owned()]));
    assert_eq!(refused.json["errors"][1]["message"], "BP 161/80 above the hold line 160/100: do not dose");

    // Overrides are the prescriber's; some checks cannot be overridden; a reason is required.
    let mut with = attested();
    with["overrides"] =
        json!([{"check": "eligibility_current", "reason": "approved at consult"}, {"check": "pre_dose_vitals", "reason": "rechecked manually 150/85"}]);
    assert_eq!(app.call(Method::POST, &url, &nurse, Some(with.clone())).await.status, StatusCode::FORBIDDEN, "a nurse does not override");
    for (overrides, field) in [
        (json!([{"check": "identity_confirmed", "reason": "known to staff"}]), "overrides[0].check"),
        (json!([{"check": "fasting", "reason": "x"}]), "overrides[0].check"),
        (json!([{"check": "pre_dose_vitals", "reason": "  "}]), "overrides[0].reason"),
    ] {
        let mut body = attested();
        body["overrides"] = overrides;
        let r = app.call(Method::POST, &url, &prescriber, Some(body)).await;
        assert_eq!((r.status, fields(&r.json)), (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_owned()]), "{}", r.text);
    }
    for (body, field) in [
        (json!({"identity_confirmed": true, "medications_reviewed": true, "pregnancy": "maybe"}), "pregnancy"),
        (json!({"identity_confirmed": true, "medications_reviewed": true, "escort": {"name": "Rae", "phone": "call me"}}), "escort.phone"),
    ] {
        let r = app.call(Method::POST, &url, &nurse, Some(body)).await;
        assert_eq!((r.status, fields(&r.json)), (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_owned()]), "{}", r.text);
    }

    // SBP 160 is at the hold line: it passes, with the caution shown; eligibility still blocks.
    assert_eq!(app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(bp("2026-11-21T14:55:00Z", 160))).await.status, StatusCode::OK);
    let refused = app.call(Method::POST, &url, &nurse, Some(attested())).await;
    assert_eq!((refused.status, fields(&refused.json)), (StatusCode::CONFLICT, vec!["eligibility_current".to_owned()]));
    let mut with = attested();
    with["overrides"] = json!([{"check": "eligibility_current", "reason": "approved at consult; evaluation on paper"}]);
    let done = app.call(Method::POST, &url, &prescriber, Some(with)).await;
    assert_eq!((done.status, done.json["state"].as_str()), (StatusCode::OK, Some("prechecks_done")), "{}", done.text);
    assert_eq!(app.call(Method::POST, &url, &prescriber, Some(attested())).await.status, StatusCode::CONFLICT, "completed once");

    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    let pre = &view.json["prechecks"];
    assert_eq!((pre["ready"].as_bool(), pre["completed_at"].as_str()), (Some(true), Some("2026-11-21T15:00:00Z")));
    assert_eq!(
        (pre["overrides"][0]["check"].as_str(), pre["overrides"][0]["reason"].as_str()),
        (Some("eligibility_current"), Some("approved at consult; evaluation on paper"))
    );
    assert_eq!(check(pre, "pre_dose_vitals")["outcome"], "passed_with_warning");
    assert!(check(pre, "pre_dose_vitals")["message"].as_str().unwrap().starts_with("BP 160/80 above 140/90"));
    assert_eq!(check(pre, "medications_reviewed")["outcome"], "passed_with_warning");
    assert!(check(pre, "medications_reviewed")["message"].as_str().unwrap().ends_with("Lorazepam (benzodiazepine)"));
    let record = &view.json["timeline"].as_array().unwrap().iter().find(|e| e["type"] == "prechecks_completed").unwrap()["payload"];
    assert_eq!(record["attestations"]["escort"]["phone"], "+12125550143");
    assert_eq!(record["checks"].as_array().map(Vec::len), Some(10), "every outcome is recorded");
    assert_eq!((record["overrides"][0]["check"].as_str(), record["overrides"][0]["by_name"].is_string()), (Some("eligibility_current"), true));
    // The escort confirmed at pre-check counts for discharge.
    assert!(view.json["discharge"]["met"].as_array().unwrap().iter().any(|m| m == "escort_confirmed"), "{}", view.json["discharge"]);
}

#[tokio::test]
async fn consent_cannot_be_overridden() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.token(Role::Nurse).await;
    let prescriber = app.token(Role::Prescriber).await;
    let p = app.patient("Noe", "Consent").await;
    let r = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": p["id"], "modality": "iv_ketamine"}))).await;
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(event(&app, &nurse, &id, json!({"type": "checked_in"})).await.0, StatusCode::CREATED);
    let v = json!({"readings": [{"at": "2026-11-21T14:58:00Z", "systolic": 120, "diastolic": 80}]});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(v)).await.status, StatusCode::OK);
    let url = format!("/api/v1/sessions/{id}/prechecks");
    let status = app.call(Method::GET, &url, &nurse, None).await;
    assert_eq!(
        (check(&status.json, "rems_enrolled")["outcome"].as_str(), check(&status.json, "fasting")["outcome"].as_str()),
        (Some("not_applicable"), Some("not_applicable")),
        "IV ketamine"
    );
    let mut body =
        json!({"identity_confirmed": true, "medications_reviewed": true, "pregnancy": "not_applicable", "escort": {"name": "Al", "phone": "+12125550143"}});
    let refused = app.call(Method::POST, &url, &nurse, Some(body.clone())).await;
    assert_eq!((refused.status, fields(&refused.json)), (StatusCode::CONFLICT, vec!["consent_valid".to_owned(), "eligibility_current".to_owned()]));
    body["overrides"] = json!([{"check": "consent_valid", "reason": "verbal consent"}, {"check": "eligibility_current", "reason": "seen"}]);
    let r = app.call(Method::POST, &url, &prescriber, Some(body)).await;
    assert_eq!((r.status, fields(&r.json)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["overrides[0].check".to_owned()]), "{}", r.text);
}

#[tokio::test]
async fn alerts_are_stored_with_their_reading_and_acknowledged_once() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.token(Role::Nurse).await;
    let id = session(&app, &nurse, "iv_ketamine").await;
    let batch = json!({"readings": [
        {"at": "2026-11-21T14:40:00Z", "systolic": 181, "diastolic": 80, "heart_rate": 125, "device_id": "mon-1"},
        {"at": "2026-11-21T14:45:00Z", "systolic": 130, "diastolic": 80, "device_id": "mon-1"}
    ]});
    let r = app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(batch)).await;
    let receipt: Vec<(String, String)> =
        r.json["alerts"].as_array().unwrap().iter().map(|a| (a["code"].as_str().unwrap().to_owned(), a["id"].as_str().unwrap().to_owned())).collect();
    assert_eq!(receipt.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), ["bp_high", "hr_high"]);
    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    let alerts = view.json["alerts"].as_array().unwrap();
    assert_eq!(
        alerts.iter().map(|a| a["id"].as_str().unwrap()).collect::<Vec<_>>(),
        receipt.iter().map(|(_, i)| i.as_str()).collect::<Vec<_>>(),
        "the stored alerts"
    );
    assert_eq!((alerts[0]["message"].as_str(), alerts[0]["device_id"].as_str()), (Some("BP 181/80 above 180/110"), Some("mon-1")));
    assert!(alerts[0]["acknowledged_at"].is_null() && alerts[0]["acknowledged_by"].is_null());

    let bp = &receipt[0].1;
    let ack = format!("/api/v1/sessions/{id}/alerts/{bp}/acknowledge");
    let long = json!({"note": "x".repeat(2001)});
    assert_eq!(fields(&app.call(Method::POST, &ack, &nurse, Some(long)).await.json), ["note"]);
    let done = app.call(Method::POST, &ack, &nurse, Some(json!({"note": "recheck 150/85 after 5 min"}))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!((done.json["id"].as_str(), done.json["acknowledged_at"].as_str()), (Some(bp.as_str()), Some("2026-11-21T15:00:00Z")));
    assert_eq!(done.json["acknowledgement_note"], "recheck 150/85 after 5 min");
    assert!(done.json["acknowledged_by"].is_string());
    assert_eq!(app.call(Method::POST, &ack, &nurse, Some(json!({}))).await.status, StatusCode::CONFLICT, "acknowledged once");
    let unknown = format!("/api/v1/sessions/{id}/alerts/01900000-0000-7000-8000-00000000a1e8/acknowledge");
    assert_eq!(app.call(Method::POST, &unknown, &nurse, Some(json!({}))).await.status, StatusCode::NOT_FOUND);
    let therapist = app.token(Role::Therapist).await;
    assert_eq!(app.call(Method::POST, &ack, &therapist, Some(json!({}))).await.status, StatusCode::FORBIDDEN);

    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    let acked: Vec<bool> = view.json["alerts"].as_array().unwrap().iter().map(|a| a["acknowledged_at"].is_string()).collect();
    assert_eq!(acked, [true, false], "the other alert stays open");
    let auditor = app.token(Role::Auditor).await;
    let log = app.call(Method::GET, "/api/v1/audit-events?limit=50&action=session.alert_ack", &auditor, None).await;
    assert_eq!(log.json["items"].as_array().unwrap().len(), 1, "the acknowledgement is audited, refusals write nothing");
}

#[tokio::test]
async fn the_next_checkpoint_follows_the_esketamine_schedule() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.token(Role::Nurse).await;
    let id = session(&app, &nurse, "esketamine_nasal").await;
    let next = |view: &Value| view["next_checkpoint"].clone();
    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    assert!(next(&view.json).is_null(), "nothing due before check-in");
    assert_eq!(event(&app, &nurse, &id, json!({"type": "checked_in", "at": "2026-11-21T14:00:00Z"})).await.0, StatusCode::CREATED);
    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    assert_eq!(
        next(&view.json),
        json!({"due_at": "2026-11-21T14:00:00Z", "what": ["blood_pressure", "moaas", "cadss"], "label": "before dosing", "overdue": false})
    );
    prechecks(&app, &id, "2026-11-21T14:05:00Z", "2026-11-21T14:10:00Z").await;
    for at in ["2026-11-21T14:15:00Z", "2026-11-21T14:20:00Z"] {
        assert_eq!(event(&app, &nurse, &id, json!({"type": "device_administered", "dose_mg": 28, "at": at})).await.0, StatusCode::CREATED);
    }
    // 15:00: BP, MOAA/S and CADSS were due at 14:55 (40 min after the first device); 5 minutes'
    // grace, so not overdue yet.
    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    assert_eq!(
        next(&view.json),
        json!({"due_at": "2026-11-21T14:55:00Z", "what": ["blood_pressure", "moaas", "cadss"], "label": "40 min after the first device", "overdue": false})
    );
    app.clock.as_ref().unwrap().advance(jiff::SignedDuration::from_mins(1));
    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    assert_eq!(next(&view.json)["overdue"], true, "15:01");
    let v = json!({"readings": [{"at": "2026-11-21T15:00:30Z", "systolic": 150, "diastolic": 88}]});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(v)).await.status, StatusCode::OK);
    let view = app.call(Method::GET, &format!("/api/v1/sessions/{id}"), &nurse, None).await;
    assert_eq!(next(&view.json)["what"], json!(["moaas", "cadss"]), "a late BP still counts");
}

#[tokio::test]
async fn eligibility_and_the_pre_session_phq9_come_from_the_chart() {
    let app = TestApp::builder().manual_clock().settings(|s| s.pre_session_phq9 = true).build().await;
    let nurse = app.token(Role::Nurse).await;
    let prescriber = app.token(Role::Prescriber).await;
    let pid = ready_patient(&app, "Eli", "iv_ketamine").await;
    let evaluation = json!({
        "age_years": 45, "sex": "male", "primary_diagnosis": "F33.2", "episode_duration_months": 18, "severity": "severe",
        "antidepressant_trials": [
            {"drug": "sertraline", "daily_dose_mg": 150, "weeks": 8, "adherent": true, "outcome": "no_response"},
            {"drug": "Effexor XR", "daily_dose_mg": 225, "weeks": 10, "adherent": true, "outcome": "partial_response"}
        ],
        "augmentation_used": true, "ect_used": false, "history": [],
        "vitals": {"systolic": 128, "diastolic": 82, "heart_rate": 72}, "medications": [], "cssrs_risk": "low"
    });
    let draft = app.call(Method::POST, &format!("/api/v1/patients/{pid}/evaluations"), &nurse, Some(json!({"evaluation": evaluation.clone()}))).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.text);
    let eid = draft.json["id"].as_str().unwrap().to_owned();
    let signed = app.call(Method::POST, &format!("/api/v1/evaluations/{eid}/sign"), &prescriber, Some(json!({"version": 1}))).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.text);
    let decision = json!({"modality": "iv_ketamine", "evaluation_id": eid, "outcome": "approved", "overrides": []});
    let approved = app.call(Method::POST, &format!("/api/v1/patients/{pid}/eligibility-decisions"), &prescriber, Some(decision)).await;
    assert_eq!(approved.status, StatusCode::CREATED, "{}", approved.text);

    let r = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": pid, "modality": "iv_ketamine"}))).await;
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(event(&app, &nurse, &id, json!({"type": "checked_in"})).await.0, StatusCode::CREATED);
    let url = format!("/api/v1/sessions/{id}/prechecks");
    let status = app.call(Method::GET, &url, &nurse, None).await;
    assert_eq!(check(&status.json, "eligibility_current")["outcome"], "passed", "approved on the signed evaluation");
    assert_eq!(check(&status.json, "pre_session_phq9")["outcome"], "failed", "the protocol asks for a PHQ-9 today");
    let phq9 = json!({"instrument": "phq9", "answers": common::phq9_answers(6), "administered_at": "2026-11-21T14:30:00Z"});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(phq9)).await.status, StatusCode::CREATED);
    let status = app.call(Method::GET, &url, &nurse, None).await;
    assert_eq!(check(&status.json, "pre_session_phq9")["outcome"], "passed");

    // An amendment after the decision makes it stale: a new decision is needed.
    let amend = json!({"version": 2, "evaluation": evaluation, "reason": "episode length corrected"});
    assert_eq!(app.call(Method::PUT, &format!("/api/v1/evaluations/{eid}"), &nurse, Some(amend)).await.status, StatusCode::OK);
    let status = app.call(Method::GET, &url, &nurse, None).await;
    assert_eq!(check(&status.json, "eligibility_current")["message"], "the evaluation changed after the eligibility decision: a new decision is needed");
    let v = json!({"readings": [{"at": "2026-11-21T14:58:00Z", "systolic": 120, "diastolic": 80}]});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(v)).await.status, StatusCode::OK);
    let mut body = attested();
    body["pregnancy"] = json!("not_applicable");
    let refused = app.call(Method::POST, &url, &nurse, Some(body)).await;
    assert_eq!((refused.status, fields(&refused.json)), (StatusCode::CONFLICT, vec!["eligibility_current".to_owned()]));
}
