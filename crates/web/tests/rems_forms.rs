//! The SPRAVATO REMS Patient Monitoring Form over HTTP (issue 5, item 7): a full esketamine
//! session driven through the API — consent, REMS enrolment, pre-checks, three devices, vitals,
//! MOAA/S and CADSS on the session, discharge at 125 minutes — gives a complete form with exact
//! values; the queue shows its 7-day due date; it moves ready → submitted and stays submitted.
//! A session stopped early without a lot number gives an incomplete form.
//!
//! The manual clock starts at 2026-11-21T15:00:00Z and the session runs in real (test) time:
//! events default to "now" and the clock is advanced between them, as in `api_sessions.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::{Auth, TestApp};
use jiff::SignedDuration;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

async fn app() -> TestApp {
    TestApp::builder()
        .manual_clock()
        .settings(|s| {
            s.clinic = ketaclinic_app::settings::ClinicIdentity {
                name: "Riverside Ketamine Clinic".to_owned(),
                address_1: "1 Main Street".to_owned(),
                address_2: "Suite 200".to_owned(),
                city: "Springfield".to_owned(),
                state: "IL".to_owned(),
                zip: "62701".to_owned(),
                phone: "+12125550100".to_owned(),
            };
        })
        .build()
        .await
}

fn advance(app: &TestApp, minutes: i64) {
    app.clock.as_ref().unwrap().advance(SignedDuration::from_mins(minutes));
}

async fn ok(app: &TestApp, method: Method, path: &str, auth: &Auth, body: Value) -> Value {
    let r = app.call(method.clone(), path, auth, Some(body.clone())).await;
    assert!(r.status.is_success(), "{method} {path} {body}: {} {}", r.status, r.text);
    r.json
}

/// A patient with an esketamine consent, a REMS enrolment and a benzodiazepine on the
/// medication list.
async fn patient(app: &TestApp, given: &str, template: &str) -> String {
    let p = app.patient(given, "Rems").await;
    let pid = p["id"].as_str().unwrap().to_owned();
    let nurse = app.token(Role::Nurse).await;
    let prescriber = app.token(Role::Prescriber).await;
    let sign = json!({"template_id": template, "template_version": 1, "typed_name": format!("{given} Rems"), "signature_path": "M10 10 L20 20"});
    ok(app, Method::POST, &format!("/api/v1/patients/{pid}/consents"), &nurse, sign).await;
    let enrol = json!({"enrolled_on": "2026-11-01", "patient_signed": true, "prescriber_signed": true});
    ok(app, Method::POST, &format!("/api/v1/patients/{pid}/rems-enrollment"), &prescriber, enrol).await;
    let med = json!({"name": "Lorazepam", "dose": "0.5 mg at night", "classes": ["benzodiazepine"]});
    ok(app, Method::POST, &format!("/api/v1/patients/{pid}/chart/medication"), &nurse, med).await;
    pid
}

async fn assess(app: &TestApp, nurse: &Auth, pid: &str, sid: &str, instrument: &str, answers: Value, at: &str) {
    let body = json!({"instrument": instrument, "answers": answers, "session_id": sid, "administered_at": at});
    ok(app, Method::POST, &format!("/api/v1/patients/{pid}/assessments"), nurse, body).await;
}

fn cadss(total: u64) -> Value {
    let mut answers = serde_json::Map::new();
    let mut left = total;
    for item in 1..=23 {
        let v = left.min(4);
        left -= v;
        answers.insert(item.to_string(), json!(v));
    }
    Value::Object(answers)
}

async fn event(app: &TestApp, nurse: &Auth, sid: &str, body: Value) {
    ok(app, Method::POST, &format!("/api/v1/sessions/{sid}/events"), nurse, body).await;
}

async fn vitals(app: &TestApp, nurse: &Auth, sid: &str, at: &str, bp: (u32, u32)) {
    let body = json!({"readings": [{"at": at, "systolic": bp.0, "diastolic": bp.1, "heart_rate": 76, "spo2": 98, "resp_rate": 14, "device_id": "mon-1"}]});
    ok(app, Method::POST, &format!("/api/v1/sessions/{sid}/vitals"), nurse, body).await;
}

/// Checks in, records pre-dose vitals and CADSS, completes the pre-checks (a prescriber
/// overrides the eligibility check: no evaluation in this test) and gives three devices from
/// now (`lot` on each when given). The clock ends 10 minutes later, at the third device.
async fn dose(app: &TestApp, pid: &str, lot: Option<&str>) -> String {
    let nurse = app.token(Role::Nurse).await;
    let prescriber = app.token(Role::Prescriber).await;
    let sid =
        ok(app, Method::POST, "/api/v1/sessions", &nurse, json!({"patient_id": pid, "modality": "esketamine_nasal"})).await["id"].as_str().unwrap().to_owned();
    let now = app.app.now();
    let ago = |m: i64| (now - SignedDuration::from_mins(m)).to_string();
    event(app, &nurse, &sid, json!({"type": "checked_in", "at": ago(20)})).await;
    vitals(app, &nurse, &sid, &ago(10), (128, 82)).await;
    assess(app, &nurse, pid, &sid, "cadss", cadss(2), &ago(5)).await;
    let status = app.call(Method::GET, &format!("/api/v1/sessions/{sid}/prechecks"), &prescriber, None).await;
    let overrides: Vec<Value> = status.json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "failed" && ["eligibility_current", "pre_session_phq9"].contains(&c["check"].as_str().unwrap()))
        .map(|c| json!({"check": c["check"], "reason": "reviewed by the prescriber in clinic today"}))
        .collect();
    let prechecks = json!({
        "identity_confirmed": true, "fasting_confirmed": true, "medications_reviewed": true, "pregnancy": "not_pregnant",
        "escort": {"name": "Rae Rems", "phone": "+12125550143"}, "overrides": overrides
    });
    ok(app, Method::POST, &format!("/api/v1/sessions/{sid}/prechecks"), &prescriber, prechecks).await;
    for i in 0..3 {
        let mut device = json!({"type": "device_administered", "dose_mg": 28, "at": app.app.now().to_string()});
        if let Some(lot) = lot {
            device["lot"] = json!(lot);
        }
        event(app, &nurse, &sid, device).await;
        if i < 2 {
            advance(app, 5);
        }
    }
    sid
}

#[tokio::test]
async fn a_discharged_esketamine_session_gives_a_complete_form_that_is_queued_and_submitted() {
    let app = app().await;
    let admin = app.token(Role::Admin).await;
    let template = json!({"modality": "esketamine_nasal", "title": "SPRAVATO consent", "text": "Esketamine is given under supervision."});
    let tid = ok(&app, Method::POST, "/api/v1/consent-templates", &admin, template).await["id"].as_str().unwrap().to_owned();
    let pid = patient(&app, "Ada", &tid).await;
    let nurse = app.token(Role::Nurse).await;
    let prescriber = app.token(Role::Prescriber).await;

    // First device 15:00, then 15:05 and 15:10.
    let sid = dose(&app, &pid, Some("LOT-A1")).await;
    advance(&app, 1);
    event(&app, &nurse, &sid, json!({"type": "administration_stopped"})).await;
    advance(&app, 34); // 15:45
    vitals(&app, &nurse, &sid, "2026-11-21T15:38:00Z", (150, 92)).await;
    vitals(&app, &nurse, &sid, "2026-11-21T15:42:00Z", (146, 90)).await;
    assess(&app, &nurse, &pid, &sid, "moaas", json!({"level": 4}), "2026-11-21T15:40:00Z").await;
    assess(&app, &nurse, &pid, &sid, "cadss", cadss(18), "2026-11-21T15:40:00Z").await;
    advance(&app, 50); // 16:35
    assess(&app, &nurse, &pid, &sid, "moaas", json!({"level": 5}), "2026-11-21T16:30:00Z").await;
    assess(&app, &nurse, &pid, &sid, "cadss", cadss(2), "2026-11-21T16:30:00Z").await;
    advance(&app, 25); // 17:00
    vitals(&app, &nurse, &sid, "2026-11-21T16:55:00Z", (130, 84)).await;

    // Before discharge the form is a preview: no duration yet.
    let preview = app.call(Method::GET, &format!("/api/v1/sessions/{sid}/rems-form"), &nurse, None).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    assert!(preview.json["missing"].as_array().unwrap().iter().any(|m| m["field"] == "treatment.duration_minutes"));
    assert!(app.call(Method::GET, "/api/v1/rems-forms", &nurse, None).await.json["items"].as_array().unwrap().is_empty(), "an open session is not queued");

    advance(&app, 5); // 17:05: 125 minutes after the first device
    ok(&app, Method::POST, &format!("/api/v1/sessions/{sid}/discharge"), &nurse, json!({})).await;

    let r = app.call(Method::GET, &format!("/api/v1/sessions/{sid}/rems-form"), &nurse, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let missing: Vec<&str> = r.json["missing"].as_array().unwrap().iter().map(|m| m["field"].as_str().unwrap()).collect();
    assert_eq!(missing, ["serious_adverse_event"], "only staff's answer to item 10 is missing");
    let refused = app.call(Method::POST, &format!("/api/v1/rems-forms/{sid}/status"), &nurse, Some(json!({"status": "ready"}))).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.json["errors"][0]["field"], "serious_adverse_event");
    let bad = app.call(Method::PUT, &format!("/api/v1/rems-forms/{sid}/answers"), &nurse, Some(json!({"serious_adverse_event": true}))).await;
    assert_eq!((bad.status, bad.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("sae_description")));
    let answered = ok(&app, Method::PUT, &format!("/api/v1/rems-forms/{sid}/answers"), &nurse, json!({"serious_adverse_event": false})).await;
    assert_eq!((answered["complete"].as_bool(), answered["status"].as_str()), (Some(true), Some("draft")), "{answered}");

    let f = &answered["form"];
    assert_eq!(
        f["patient"],
        json!({"first_name": "Ada", "middle_initial": null, "last_name": "Rems", "birth_date": "1980-02-29", "sex": "female", "first_treatment": true, "rems_enrolled": true})
    );
    assert_eq!(
        f["concomitant_medications"],
        json!({"benzodiazepines": true, "non_benzodiazepine_sedative_hypnotics": false, "psychostimulants": false, "maois": false, "opioids": false})
    );
    assert_eq!(f["hcp"], json!({"first_name": "Test", "last_name": "Nurse", "telephone": "+12125550100", "email": "nurse@test.example.org"}));
    assert_eq!(
        f["setting"],
        json!({"name": "Riverside Ketamine Clinic", "address_1": "1 Main Street", "address_2": "Suite 200", "city": "Springfield", "state": "IL", "zip": "62701"})
    );
    assert_eq!(
        f["treatment"],
        json!({
            "date": "2026-11-21", "dose": {"mg": 84, "devices": 3, "choice": "84"}, "lot_numbers": ["LOT-A1"],
            "first_administration_at": "2026-11-21T15:00:00Z", "monitoring_ended_at": "2026-11-21T17:05:00Z", "duration_minutes": 125
        })
    );
    assert_eq!(f["ready_to_leave_minutes"], 90, "every criterion but the minimum time met at 16:30 (MOAA/S 5, CADSS back to 2)");
    assert_eq!(f["vitals_acceptable"], json!({"before_administration": true, "before_completion": true}));
    assert_eq!(f["blood_pressure"]["before_administration"]["systolic"], 128);
    assert_eq!(
        f["blood_pressure"]["post_administration_40_min"],
        json!({"systolic": 150, "diastolic": 92, "at": "2026-11-21T15:38:00Z", "minutes_after_administration": 38})
    );
    assert_eq!(f["blood_pressure"]["before_completion"]["systolic"], 130);
    let yes_resolved = json!({"occurred": true, "resolved_before_discharge": true});
    assert_eq!(
        f["adverse_events"],
        json!({"sedation": yes_resolved, "dissociation": yes_resolved, "respiratory_depression": {"occurred": false, "resolved_before_discharge": null}})
    );
    assert_eq!(f["serious_adverse_event"], json!({"occurred": false, "description": null, "source": "staff"}));

    // The queue: due 7 days after the treatment date.
    let q = app.call(Method::GET, "/api/v1/rems-forms", &nurse, None).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text);
    let item = &q.json["items"][0];
    assert_eq!(
        (item["session_id"].as_str(), item["patient_name"].as_str(), item["treatment_date"].as_str(), item["due_on"].as_str()),
        (Some(sid.as_str()), Some("Ada Rems"), Some("2026-11-21"), Some("2026-11-28"))
    );
    assert_eq!(
        (item["days_left"].as_i64(), item["overdue"].as_bool(), item["status"].as_str(), item["complete"].as_bool()),
        (Some(7), Some(false), Some("draft"), Some(true))
    );
    assert_eq!(app.call(Method::GET, "/api/v1/rems-forms?status=later", &nurse, None).await.json["errors"][0]["field"], "status");
    let desk = app.token(Role::FrontDesk).await;
    assert_eq!(app.call(Method::GET, "/api/v1/rems-forms", &desk, None).await.status, StatusCode::FORBIDDEN);

    // ready → submitted (with a confirmation number and a date not in the future) → final.
    let ready = ok(&app, Method::POST, &format!("/api/v1/rems-forms/{sid}/status"), &nurse, json!({"status": "ready"})).await;
    assert_eq!(ready["status"], "ready");
    let status_path = format!("/api/v1/rems-forms/{sid}/status");
    let submit = |body: Value| app.call(Method::POST, &status_path, &prescriber, Some(body));
    let r = submit(json!({"status": "submitted", "submitted_on": "2026-11-21"})).await;
    assert_eq!((r.status, r.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("confirmation_number")));
    let r = submit(json!({"status": "submitted", "confirmation_number": "RMS-12345", "submitted_on": "2026-11-22"})).await;
    assert_eq!((r.status, r.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("submitted_on")), "tomorrow");
    let r = submit(json!({"status": "submitted", "confirmation_number": " RMS-12345 ", "submitted_on": "2026-11-21"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.json["status"].as_str(), r.json["confirmation_number"].as_str(), r.json["submitted_on"].as_str()),
        (Some("submitted"), Some("RMS-12345"), Some("2026-11-21"))
    );
    let back = app.call(Method::POST, &format!("/api/v1/rems-forms/{sid}/status"), &nurse, Some(json!({"status": "draft"}))).await;
    assert_eq!(back.status, StatusCode::CONFLICT, "a submitted form cannot go back");
    let again = app.call(Method::PUT, &format!("/api/v1/rems-forms/{sid}/answers"), &nurse, Some(json!({"serious_adverse_event": false}))).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(app.call(Method::GET, "/api/v1/rems-forms", &nurse, None).await.json["items"].as_array().unwrap().is_empty(), "nothing left to submit");
    let done = app.call(Method::GET, "/api/v1/rems-forms?status=submitted", &nurse, None).await;
    assert_eq!(done.json["items"][0]["confirmation_number"], "RMS-12345");

    // The pages: the queue with the submission, and the printable form in sections 1–10.
    let browser = app.login(Role::Nurse).await;
    let page = app.page_get("/rems-forms?status=submitted", &browser).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Ada Rems") && page.text.contains("RMS-12345") && page.text.contains("11/28/2026"), "{}", page.text);
    let printable = app.page_get(&format!("/sessions/{sid}/rems-form"), &browser).await;
    assert_eq!(printable.status, StatusCode::OK, "{}", printable.text);
    for text in ["Patient Monitoring Form", "84 mg (3 devices)", "LOT-A1", "125", "150/92 mmHg", "Riverside Ketamine Clinic", "The form is complete."] {
        assert!(printable.text.contains(text), "{text} on the printable page");
    }
    assert!(!printable.text.contains("Record submission"), "a submitted form offers no more changes");
    let auditor = app.token(Role::Auditor).await;
    let log = app.call(Method::GET, "/api/v1/audit-events?limit=50&action=rems_form.update", &auditor, None).await;
    assert_eq!(log.json["items"].as_array().unwrap().len(), 3, "answer, ready, submitted: every change is audited");
    let html = app.call(Method::GET, &format!("/api/v1/sessions/{sid}/rems-form?format=html"), &nurse, None).await;
    assert_eq!(html.status, StatusCode::SEE_OTHER);
    let pdf = app.call(Method::GET, &format!("/api/v1/sessions/{sid}/rems-form?format=pdf"), &nurse, None).await;
    assert_eq!((pdf.status, pdf.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("format")));
}

#[tokio::test]
async fn a_session_stopped_early_without_a_lot_gives_an_incomplete_form() {
    let app = app().await;
    let admin = app.token(Role::Admin).await;
    let template = json!({"modality": "esketamine_nasal", "title": "SPRAVATO consent", "text": "Esketamine is given under supervision."});
    let tid = ok(&app, Method::POST, "/api/v1/consent-templates", &admin, template).await["id"].as_str().unwrap().to_owned();
    let pid = patient(&app, "Bea", &tid).await;
    let nurse = app.token(Role::Nurse).await;
    let sid = dose(&app, &pid, None).await;
    advance(&app, 20); // 15:30
    event(&app, &nurse, &sid, json!({"type": "stopped_early", "reason": "transferred to the emergency department"})).await;
    let r = app.call(Method::GET, &format!("/api/v1/sessions/{sid}/rems-form"), &nurse, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!((r.json["complete"].as_bool(), r.json["form"]["treatment"]["duration_minutes"].as_i64()), (Some(false), Some(30)));
    let missing: Vec<&str> = r.json["missing"].as_array().unwrap().iter().map(|m| m["field"].as_str().unwrap()).collect();
    for field in ["treatment.lot_numbers", "treatment.duration_minutes", "ready_to_leave_minutes", "serious_adverse_event"] {
        assert!(missing.contains(&field), "{field} missing: {missing:?}");
    }
    let q = app.call(Method::GET, "/api/v1/rems-forms", &nurse, None).await;
    let item = &q.json["items"][0];
    assert_eq!((item["session_state"].as_str(), item["complete"].as_bool()), (Some("stopped_early"), Some(false)), "stopped after dosing: queued");
    let refused = app.call(Method::POST, &format!("/api/v1/rems-forms/{sid}/status"), &nurse, Some(json!({"status": "ready"}))).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let fields: Vec<&str> = refused.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"treatment.duration_minutes") && fields.contains(&"treatment.lot_numbers"), "{fields:?}");

    let browser = app.login(Role::Nurse).await;
    let printable = app.page_get(&format!("/sessions/{sid}/rems-form"), &browser).await;
    assert_eq!(printable.status, StatusCode::OK, "{}", printable.text);
    assert!(printable.text.contains("Not complete") && printable.text.contains("treatment.lot_numbers"), "missing items are shown");
    let refused = app.page_post(&format!("/rems-forms/{sid}/status"), &browser, &[("status", "ready"), ("back", "form")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);

    let iv = ok(&app, Method::POST, "/api/v1/sessions", &nurse, json!({"patient_id": pid, "modality": "iv_ketamine"})).await;
    let r = app.call(Method::GET, &format!("/api/v1/sessions/{}/rems-form", iv["id"].as_str().unwrap()), &nurse, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "racemic ketamine has no REMS form");
}
