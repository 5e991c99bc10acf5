//! Treatment protocols (versioned) and treatment courses: draft → sign → induction →
//! end-of-induction review with the PHQ-9 outcome → maintenance → completed; illegal moves are
//! 409; only prescribers manage courses. The manual clock starts at 2026-11-21T15:00:00Z.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use jiff::SignedDuration;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

fn fields(reply: &Value) -> Vec<&str> {
    reply["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn an_esketamine_course_runs_from_draft_through_the_review_to_maintenance() {
    let app = TestApp::builder().manual_clock().build().await;
    let p = app.patient("Cora", "Course").await;
    let pid = p["id"].as_str().unwrap();
    let (prescriber, nurse) = (app.token(Role::Prescriber).await, app.token(Role::Nurse).await);
    let create = json!({"modality": "esketamine_nasal"});

    let refused = app.call(Method::POST, &format!("/api/v1/patients/{pid}/courses"), &nurse, Some(create.clone())).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "a nurse does not draft courses");
    let draft = app.call(Method::POST, &format!("/api/v1/patients/{pid}/courses"), &prescriber, Some(create.clone())).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.text);
    assert_eq!(
        (draft.json["status"].as_str(), draft.json["phase"].as_str(), draft.json["protocol_version"].as_u64()),
        (Some("draft"), Some("induction"), Some(0))
    );
    assert_eq!(draft.json["dose"], json!({"kind": "fixed", "first_dose_mg": 56, "dose_mg": 56}));
    assert_eq!(draft.json["induction"], json!({"sessions": 8, "per_week": 2}));
    let cid = draft.json["id"].as_str().unwrap().to_owned();
    let second = app.call(Method::POST, &format!("/api/v1/patients/{pid}/courses"), &prescriber, Some(create)).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "one open course at a time");

    let phase = |to: &str, reason: &str| json!({"phase": to, "reason": reason});
    let early = app.call(Method::POST, &format!("/api/v1/courses/{cid}/phase"), &prescriber, Some(phase("end_of_induction_review", "too soon"))).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "a draft is signed before its phase changes");

    // PHQ-9 baseline 20 the day before the course starts.
    let nurse_phq9 = |total: u32, at: Option<String>| {
        let mut body = json!({"instrument": "phq9", "answers": common::phq9_answers(total)});
        if let Some(at) = at {
            body["administered_at"] = json!(at);
        }
        body
    };
    let baseline =
        app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(nurse_phq9(20, Some("2026-11-20T15:00:00Z".to_owned())))).await;
    assert_eq!(baseline.status, StatusCode::CREATED);

    assert_eq!(app.call(Method::POST, &format!("/api/v1/courses/{cid}/sign"), &nurse, None).await.status, StatusCode::FORBIDDEN);
    let signed = app.call(Method::POST, &format!("/api/v1/courses/{cid}/sign"), &prescriber, None).await;
    assert_eq!((signed.status, signed.json["status"].as_str()), (StatusCode::OK, Some("signed")));
    assert_eq!(app.call(Method::POST, &format!("/api/v1/courses/{cid}/sign"), &prescriber, None).await.status, StatusCode::CONFLICT);
    let due = app.call(Method::GET, &format!("/api/v1/patients/{pid}/due-assessments"), &nurse, None).await;
    assert!(!due.json.as_array().unwrap().is_empty(), "signing starts the course: baseline questionnaires are due");

    // Illegal moves and bad input.
    let skip = app.call(Method::POST, &format!("/api/v1/courses/{cid}/phase"), &prescriber, Some(phase("maintenance", "skip the review"))).await;
    assert_eq!(skip.status, StatusCode::CONFLICT, "{}", skip.text);
    assert!(skip.json["detail"].as_str().unwrap().contains("induction cannot move to maintenance"), "{}", skip.text);
    let bare = app.call(Method::POST, &format!("/api/v1/courses/{cid}/phase"), &prescriber, Some(phase("end_of_induction_review", " "))).await;
    assert_eq!((bare.status, fields(&bare.json)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason"]));
    let odd = app.call(Method::POST, &format!("/api/v1/courses/{cid}/phase"), &prescriber, Some(phase("holiday", "r"))).await;
    assert_eq!((odd.status, fields(&odd.json)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["phase"]));

    // Four weeks of twice-weekly sessions; PHQ-9 falls to 14, then 8 (≥ 50 % below 20: response).
    let clock = app.clock.as_ref().unwrap();
    for total in [14, 8] {
        clock.advance(SignedDuration::from_hours(24 * 14));
        assert_eq!(
            app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(nurse_phq9(total, None))).await.status,
            StatusCode::CREATED
        );
    }
    let review =
        app.call(Method::POST, &format!("/api/v1/courses/{cid}/phase"), &prescriber, Some(phase("end_of_induction_review", "week 4: evaluate benefit"))).await;
    assert_eq!((review.status, review.json["phase"].as_str()), (StatusCode::OK, Some("end_of_induction_review")), "{}", review.text);
    let outcome = &review.json["review"];
    assert_eq!((outcome["kind"].as_str(), outcome["instrument"].as_str()), (Some("measured"), Some("phq9")));
    assert_eq!((outcome["baseline_total"].as_u64(), outcome["latest_total"].as_u64()), (Some(20), Some(8)));
    assert_eq!((outcome["response"].as_bool(), outcome["remission"].as_bool(), outcome["latest_responding"].as_bool()), (Some(true), Some(false), Some(true)));
    assert_eq!(outcome["change_percent"].as_f64(), Some(-60.0));

    let maintenance =
        app.call(Method::POST, &format!("/api/v1/courses/{cid}/phase"), &prescriber, Some(phase("maintenance", "responding: weekly maintenance"))).await;
    assert_eq!((maintenance.status, maintenance.json["phase"].as_str()), (StatusCode::OK, Some("maintenance")));
    assert_eq!(maintenance.json["review"], *outcome, "the review stays on the course");

    // Nurses read; the events tell the story.
    let read = app.call(Method::GET, &format!("/api/v1/courses/{cid}"), &nurse, None).await;
    assert_eq!(read.status, StatusCode::OK);
    let kinds: Vec<&str> = read.json["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "signed", "phase_changed", "phase_changed"]);
    assert_eq!(read.json["events"][2]["review"], *outcome);
    assert_eq!(read.json["events"][3]["reason"], "responding: weekly maintenance");
    let list = app.call(Method::GET, &format!("/api/v1/patients/{pid}/courses"), &nurse, None).await;
    assert_eq!(list.json[0]["id"], cid.as_str());
    let desk = app.token(Role::FrontDesk).await;
    assert_eq!(app.call(Method::GET, &format!("/api/v1/patients/{pid}/courses"), &desk, None).await.status, StatusCode::FORBIDDEN);

    let done = app.call(Method::POST, &format!("/api/v1/courses/{cid}/phase"), &prescriber, Some(phase("completed", "six months in remission"))).await;
    assert_eq!(done.json["phase"], "completed");
    let after = app.call(Method::POST, &format!("/api/v1/courses/{cid}/phase"), &prescriber, Some(phase("stopped", "too late"))).await;
    assert_eq!(after.status, StatusCode::CONFLICT, "a completed course does not move");

    let auditor = app.token(Role::Auditor).await;
    let log = app.call(Method::GET, "/api/v1/audit-events?limit=50&action=course.phase", &auditor, None).await;
    assert_eq!(log.json["items"].as_array().unwrap().len(), 3, "every phase change is audited");
    let signs = app.call(Method::GET, "/api/v1/audit-events?limit=50&action=course.sign", &auditor, None).await;
    assert_eq!(signs.json["items"][0]["patient_id"], pid);
}

#[tokio::test]
async fn a_course_without_measurements_and_its_own_dose() {
    let app = TestApp::builder().manual_clock().build().await;
    let p = app.patient("Iv", "Course").await;
    let pid = p["id"].as_str().unwrap();
    let prescriber = app.token(Role::Prescriber).await;
    let too_much = json!({"modality": "iv_ketamine", "dose": {"kind": "weight_based", "mg_per_kg": 2.0, "infusion_minutes": 40}, "induction": {"sessions": 6, "per_week": 5}});
    let refused = app.call(Method::POST, &format!("/api/v1/patients/{pid}/courses"), &prescriber, Some(too_much)).await;
    assert_eq!((refused.status, fields(&refused.json)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["dose.mg_per_kg", "induction.per_week"]));
    let own = json!({"modality": "iv_ketamine", "dose": {"kind": "weight_based", "mg_per_kg": 0.75, "infusion_minutes": 40}});
    let course = app.call(Method::POST, &format!("/api/v1/patients/{pid}/courses"), &prescriber, Some(own)).await;
    assert_eq!(course.status, StatusCode::CREATED, "{}", course.text);
    assert_eq!(course.json["dose"]["mg_per_kg"], 0.75);
    assert_eq!(course.json["induction"], json!({"sessions": 6, "per_week": 3}), "the protocol's induction");
    let cid = course.json["id"].as_str().unwrap();
    app.call(Method::POST, &format!("/api/v1/courses/{cid}/sign"), &prescriber, None).await;
    let review = app
        .call(
            Method::POST,
            &format!("/api/v1/courses/{cid}/phase"),
            &prescriber,
            Some(json!({"phase": "end_of_induction_review", "reason": "six infusions given"})),
        )
        .await;
    assert_eq!(review.json["review"], json!({"kind": "no_measurements", "instrument": "phq9"}), "courses work without assessments");
    let stop = app.call(Method::POST, &format!("/api/v1/courses/{cid}/phase"), &prescriber, Some(json!({"phase": "stopped", "reason": "no benefit"}))).await;
    assert_eq!(stop.json["phase"], "stopped");
    let ghost = app.call(Method::POST, "/api/v1/courses/01900000-0000-7000-8000-00000000a1e7/sign", &prescriber, None).await;
    assert_eq!(ghost.status, StatusCode::NOT_FOUND);

    // The page: list with the review, and the prescriber's draft form (the course is stopped).
    let session = app.login(Role::Prescriber).await;
    let page = app.page_get(&format!("/patients/{pid}/courses"), &session).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("No phq9 measurements") && page.text.contains("Draft course"), "{}", page.text);
    let drafted = app.page_post(&format!("/patients/{pid}/courses"), &session, &[("modality", "im_ketamine"), ("mg_per_kg", "0.6")]).await;
    assert_eq!(drafted.status, StatusCode::SEE_OTHER);
    let page = app.page_get(&format!("/patients/{pid}/courses"), &session).await;
    assert!(page.text.contains("0.6 mg/kg IM") && page.text.contains("Sign and start the induction"), "{}", page.text);
    let patient_page = app.page_get(&format!("/patients/{pid}"), &session).await;
    assert!(patient_page.text.contains(&format!("/patients/{pid}/courses")), "the patient page links the courses");
}

#[tokio::test]
async fn protocols_are_versioned_and_esketamine_keeps_the_label_minimum() {
    let app = TestApp::builder().manual_clock().build().await;
    let (prescriber, nurse) = (app.token(Role::Prescriber).await, app.token(Role::Nurse).await);
    let current = app.call(Method::GET, "/api/v1/protocols", &nurse, None).await;
    assert_eq!(current.status, StatusCode::OK);
    let list = current.json.as_array().unwrap();
    assert_eq!(
        list.iter().map(|p| (p["modality"].as_str().unwrap(), p["version"].as_u64().unwrap())).collect::<Vec<_>>(),
        [("iv_ketamine", 0), ("im_ketamine", 0), ("esketamine_nasal", 0)]
    );
    let esk = &list[2];
    assert_eq!(
        (esk["min_observation_minutes"].as_u64(), esk["min_observation_editable"].as_bool(), esk["observation_from"].as_str()),
        (Some(120), Some(false), Some("first_device"))
    );
    assert_eq!(list[0]["dose"], json!({"kind": "weight_based", "mg_per_kg": 0.5, "infusion_minutes": 40}));

    let mut body = list[0].clone();
    for key in ["modality", "version", "observation_from", "min_observation_editable", "reason", "created_by", "created_at"] {
        body.as_object_mut().unwrap().remove(key);
    }
    body["min_observation_minutes"] = json!(45);
    body["reason"] = json!("longer observation after two late hypotension episodes");
    assert_eq!(app.call(Method::PUT, "/api/v1/protocols/iv_ketamine", &nurse, Some(body.clone())).await.status, StatusCode::FORBIDDEN);
    let v1 = app.call(Method::PUT, "/api/v1/protocols/iv_ketamine", &prescriber, Some(body.clone())).await;
    assert_eq!((v1.status, v1.json["version"].as_u64()), (StatusCode::CREATED, Some(1)), "{}", v1.text);
    body["thresholds"]["alert_systolic"] = json!(170);
    body["reason"] = json!("alert earlier on blood pressure");
    let v2 = app.call(Method::PUT, "/api/v1/protocols/iv_ketamine", &prescriber, Some(body.clone())).await;
    assert_eq!((v2.status, v2.json["version"].as_u64(), v2.json["reason"].as_str()), (StatusCode::CREATED, Some(2), Some("alert earlier on blood pressure")));
    body["reason"] = json!("");
    let no_reason = app.call(Method::PUT, "/api/v1/protocols/iv_ketamine", &prescriber, Some(body)).await;
    assert_eq!((no_reason.status, fields(&no_reason.json)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason"]));
    let versions = app.call(Method::GET, "/api/v1/protocols/iv_ketamine/versions", &nurse, None).await;
    let seen: Vec<(u64, Value)> = versions.json.as_array().unwrap().iter().map(|v| (v["version"].as_u64().unwrap(), v["reason"].clone())).collect();
    assert_eq!(seen, [(0, Value::Null), (1, json!("longer observation after two late hypotension episodes")), (2, json!("alert earlier on blood pressure"))]);
    assert_eq!(app.call(Method::GET, "/api/v1/protocols/oral_ketamine/versions", &nurse, None).await.status, StatusCode::NOT_FOUND);

    // Esketamine: the label's 120 minutes from the first device cannot be changed.
    let mut esk_body = esk.clone();
    for key in ["modality", "version", "observation_from", "min_observation_editable", "reason", "created_by", "created_at"] {
        esk_body.as_object_mut().unwrap().remove(key);
    }
    esk_body["min_observation_minutes"] = json!(90);
    esk_body["reason"] = json!("shorter chair time");
    let shorter = app.call(Method::PUT, "/api/v1/protocols/esketamine_nasal", &prescriber, Some(esk_body)).await;
    assert_eq!((shorter.status, fields(&shorter.json)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["min_observation_minutes"]));
    let again = app.call(Method::GET, "/api/v1/protocols", &nurse, None).await;
    assert_eq!(again.json[2]["version"], 0, "nothing was written");

    // A course drafted now follows version 2.
    let p = app.patient("Vera", "Version").await;
    let course =
        app.call(Method::POST, &format!("/api/v1/patients/{}/courses", p["id"].as_str().unwrap()), &prescriber, Some(json!({"modality": "iv_ketamine"}))).await;
    assert_eq!(course.json["protocol_version"], 2);
    let auditor = app.token(Role::Auditor).await;
    let log = app.call(Method::GET, "/api/v1/audit-events?limit=10&action=protocol.revise", &auditor, None).await;
    assert_eq!(log.json["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn sessions_are_booked_in_a_signed_course_with_the_current_protocol() {
    let app = TestApp::builder().manual_clock().build().await;
    let (prescriber, nurse) = (app.token(Role::Prescriber).await, app.token(Role::Nurse).await);
    let p = app.patient("Sam", "Session").await;
    let pid = p["id"].as_str().unwrap();
    let other = app.patient("Olive", "Other").await;
    let oid = other["id"].as_str().unwrap();

    // Version 1 of the IV protocol alerts above SBP 170 instead of 180.
    let mut body = app.call(Method::GET, "/api/v1/protocols", &nurse, None).await.json[0].clone();
    for key in ["modality", "version", "observation_from", "min_observation_editable", "reason", "created_by", "created_at"] {
        body.as_object_mut().unwrap().remove(key);
    }
    body["thresholds"]["alert_systolic"] = json!(170);
    body["reason"] = json!("alert earlier on blood pressure");
    assert_eq!(app.call(Method::PUT, "/api/v1/protocols/iv_ketamine", &prescriber, Some(body)).await.status, StatusCode::CREATED);

    let course = app.call(Method::POST, &format!("/api/v1/patients/{pid}/courses"), &prescriber, Some(json!({"modality": "iv_ketamine"}))).await;
    let cid = course.json["id"].as_str().unwrap().to_owned();
    let book = |patient: &str, modality: &str, course: &str| json!({"patient_id": patient, "modality": modality, "course_id": course, "chair": "Chair 1"});
    let draft = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(book(pid, "iv_ketamine", &cid))).await;
    assert_eq!(draft.status, StatusCode::CONFLICT, "a draft course books no session: {}", draft.text);
    app.call(Method::POST, &format!("/api/v1/courses/{cid}/sign"), &prescriber, None).await;
    let theirs = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(book(oid, "iv_ketamine", &cid))).await;
    assert_eq!((theirs.status, fields(&theirs.json)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["course_id"]), "another patient's course");
    let mismatch = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(book(pid, "esketamine_nasal", &cid))).await;
    assert_eq!((mismatch.status, fields(&mismatch.json)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["course_id"]), "another modality");
    let unknown = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(book(pid, "iv_ketamine", "01900000-0000-7000-8000-00000000a1e7"))).await;
    assert_eq!((unknown.status, fields(&unknown.json)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["course_id"]));

    let booked = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(book(pid, "iv_ketamine", &cid))).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    assert_eq!((booked.json["course_id"].as_str(), booked.json["protocol_version"].as_u64()), (Some(cid.as_str()), Some(1)));
    let sid = booked.json["id"].as_str().unwrap();
    // SBP 175: no alert under the built-in 180, an alert under version 1's 170.
    let reading = json!({"readings": [{"at": "2026-11-21T14:59:00Z", "systolic": 175, "diastolic": 85}]});
    let vitals = app.call(Method::POST, &format!("/api/v1/sessions/{sid}/vitals"), &nurse, Some(reading)).await;
    assert_eq!(vitals.json["alerts"][0]["code"], "bp_high", "{}", vitals.text);

    // Without a course: the current protocol still applies, and no course is recorded.
    let loose = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": oid, "modality": "esketamine_nasal"}))).await;
    assert_eq!((loose.json["course_id"].clone(), loose.json["protocol_version"].as_u64()), (Value::Null, Some(0)));
    // The patient page offers the running course when booking a chair.
    let page_nurse = app.login(Role::Nurse).await;
    let page = app.page_get(&format!("/patients/{pid}"), &page_nurse).await;
    assert!(page.text.contains(&format!("<option value=\"{cid}\">IV ketamine course, induction")), "{}", page.text);
    let r = app
        .page_post(&format!("/patients/{pid}/sessions"), &page_nurse, &[("modality", "iv_ketamine"), ("chair", "Chair 2"), ("course_id", cid.as_str())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let sid = r.headers.get(axum::http::header::LOCATION).unwrap().to_str().unwrap().trim_start_matches("/sessions/").to_owned();
    let s = app.call(Method::GET, &format!("/api/v1/sessions/{sid}"), &nurse, None).await;
    assert_eq!(s.json["course_id"].as_str(), Some(cid.as_str()), "{}", s.text);

    let stop = app.call(Method::POST, &format!("/api/v1/courses/{cid}/phase"), &prescriber, Some(json!({"phase": "stopped", "reason": "moved away"}))).await;
    assert_eq!(stop.status, StatusCode::OK);
    let closed = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(book(pid, "iv_ketamine", &cid))).await;
    assert_eq!(closed.status, StatusCode::CONFLICT, "a stopped course books no session");
}
