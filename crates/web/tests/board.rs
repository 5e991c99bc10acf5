//! The chair board and the chairside session page: the board lists open sessions by chair with
//! initials only, its live stream pushes a changed session's row, closed sessions leave it,
//! opening it is audited once; the session page's forms drive the same state machine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Auth, TestApp};
use http_body_util::BodyExt;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn session(app: &TestApp, nurse: &Auth, given: &str, family: &str, chair: &str) -> String {
    let p = app.patient(given, family).await;
    let r = app.call(Method::POST, "/api/v1/sessions", nurse, Some(json!({"patient_id": p["id"], "modality": "iv_ketamine", "chair": chair}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["id"].as_str().unwrap().to_owned()
}

/// Audit events of `action` (newest first, up to 100).
async fn audit_count(app: &TestApp, action: &str) -> usize {
    let auditor = app.token(Role::Auditor).await;
    let r = app.call(Method::GET, &format!("/api/v1/audit-events?action={action}&limit=100"), &auditor, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn the_board_lists_open_sessions_by_chair_with_initials_only() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let ten = session(&app, &nurse, "Quinn", "Ortega", "Chair 10").await;
    let two = session(&app, &nurse, "ada", "Byron", "Chair 2").await;
    let before = audit_count(&app, "board.read").await;
    let r = app.call(Method::GET, "/api/v1/board", &nurse, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rows = r.json["sessions"].as_array().unwrap();
    assert_eq!(rows.iter().map(|s| s["chair"].as_str().unwrap()).collect::<Vec<_>>(), ["Chair 2", "Chair 10"], "natural chair order");
    assert_eq!(rows[0]["initials"], "A. B.");
    assert_eq!(rows[0]["session_id"].as_str(), Some(two.as_str()));
    assert!(!r.text.contains("Byron") && !r.text.contains("Ortega"), "no names on the board: {}", r.text);
    assert_eq!((rows[1]["state"].as_str(), rows[1]["state_label"].as_str()), (Some("scheduled"), Some("Scheduled")));
    assert_eq!(audit_count(&app, "board.read").await, before + 1, "one audit event per viewing");

    // A closed session leaves the board.
    for body in [json!({"type": "checked_in"}), json!({"type": "stopped_early", "reason": "patient unwell on arrival"})] {
        let r = app.call(Method::POST, &format!("/api/v1/sessions/{ten}/events"), &nurse, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let r = app.call(Method::GET, "/api/v1/board", &nurse, None).await;
    assert_eq!(r.json["sessions"].as_array().unwrap().len(), 1);

    // Front desk does not see clinical sessions.
    let desk = app.token(Role::FrontDesk).await;
    assert_eq!(app.call(Method::GET, "/api/v1/board", &desk, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.call(Method::GET, "/api/v1/board/stream", &desk, None).await.status, StatusCode::FORBIDDEN);
}

/// Reads server-sent events from `body` until one named `name` arrives (or the wait ends).
async fn next_event(body: &mut Body, buffer: &mut String, name: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let event = block.lines().find_map(|l| l.strip_prefix("event: ").or_else(|| l.strip_prefix("event:"))).unwrap_or("message");
            let data: String = block.lines().filter_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:"))).collect::<Vec<_>>().join("\n");
            if event == name {
                return serde_json::from_str(&data).unwrap();
            }
        }
        let frame = tokio::time::timeout_at(deadline, body.frame()).await.unwrap_or_else(|_| panic!("no `{name}` event within 5 s; got {buffer:?}"));
        let frame = frame.expect("stream ended").unwrap();
        if let Ok(data) = frame.into_data() {
            buffer.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

#[tokio::test]
async fn the_stream_starts_with_a_snapshot_and_pushes_changed_rows() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let id = session(&app, &nurse, "Rae", "Lindqvist", "Chair 1").await;
    let Auth::Bearer(token) = &nurse else { panic!("bearer") };
    let req = Request::builder()
        .method(Method::GET)
        .uri("/api/v1/board/stream")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get(header::CONTENT_TYPE).unwrap(), "text/event-stream");
    let mut body = res.into_body();
    let mut buffer = String::new();
    let snapshot = next_event(&mut body, &mut buffer, "snapshot").await;
    assert_eq!(snapshot["sessions"][0]["session_id"].as_str(), Some(id.as_str()));
    assert!(snapshot["sessions"][0]["last_vitals"].is_null());

    // A reading (with an alert) arrives: the board hears the row with it.
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/sessions/{id}/vitals"),
            &nurse,
            Some(json!({"readings": [{"at": app.app.now(), "systolic": 186, "diastolic": 95, "heart_rate": 88, "spo2": 97}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let row = next_event(&mut body, &mut buffer, "session").await;
    assert_eq!(row["session_id"].as_str(), Some(id.as_str()));
    assert_eq!((row["last_vitals"]["systolic"].as_u64(), row["last_vitals"]["spo2"].as_u64()), (Some(186), Some(97)));
    assert_eq!(row["alerts"], json!(["bp_high"]));

    // Check-in moves the state; the row follows.
    let r = app.call(Method::POST, &format!("/api/v1/sessions/{id}/events"), &nurse, Some(json!({"type": "checked_in"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let row = next_event(&mut body, &mut buffer, "session").await;
    assert_eq!((row["state"].as_str(), row["closed"].as_bool()), (Some("checked_in"), Some(false)));
    assert!(row["checked_in_at"].is_string());
}

#[tokio::test]
async fn the_session_page_books_checks_in_and_takes_readings() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.login(Role::Nurse).await;
    let p = app.patient("Noor", "Haddad").await;
    let pid = p["id"].as_str().unwrap();

    // Booked from the patient page.
    let page = app.page_get(&format!("/patients/{pid}"), &nurse).await;
    assert!(page.text.contains("Open session"), "booking form on the patient page");
    let r = app.page_post(&format!("/patients/{pid}/sessions"), &nurse, &[("modality", "iv_ketamine"), ("chair", "Chair 4")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let location = r.headers.get(header::LOCATION).unwrap().to_str().unwrap().to_owned();
    let id = location.trim_start_matches("/sessions/").to_owned();

    let page = app.page_get(&location, &nurse).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Check in") && page.text.contains("Chair 4") && page.text.contains("Noor"), "{}", page.text);
    assert!(page.text.contains("No readings yet"));

    let post = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        let nurse = &nurse;
        let id = id.clone();
        async move { app.page_post(&format!("/sessions/{id}/events"), nurse, &fields).await }
    };
    assert_eq!(post(vec![("type", "checked_in".to_owned())]).await.status, StatusCode::SEE_OTHER);
    // A reading from the quick-entry form, then a bad one refused with the field named.
    let r = app
        .page_post(
            &format!("/sessions/{id}/vitals"),
            &nurse,
            &[("systolic", "132"), ("diastolic", "84"), ("heart_rate", "76"), ("spo2", "98"), ("resp_rate", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = app.page_post(&format!("/sessions/{id}/vitals"), &nurse, &[("systolic", "13o")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Systolic must be a whole number"), "{}", r.text);
    let page = app.page_get(&location, &nurse).await;
    assert!(page.text.contains("132/84") && page.text.contains("<svg"), "latest reading and the chart");

    // An illegal step is refused in words with 409, and nothing moves.
    let r = post(vec![("type", "administration_stopped".to_owned())]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // The live region alone, for the page's script.
    let live = app.page_get(&format!("/sessions/{id}/live"), &nurse).await;
    assert_eq!(live.status, StatusCode::OK);
    assert!(live.text.starts_with("<div class=\"session-live\"") && !live.text.contains("<html"), "{}", &live.text[..200.min(live.text.len())]);

    // A checkpoint from the assessment form, opened from the session, is recorded on it and goes
    // back to the chair; a session of another patient is refused.
    let form = app.page_get(&format!("/patients/{pid}/assessments/new?instrument=moaas&session_id={id}"), &nurse).await;
    assert!(form.text.contains(&format!("name=\"session_id\" value=\"{id}\"")), "{}", form.text);
    let r = app.page_post(&format!("/patients/{pid}/assessments"), &nurse, &[("instrument", "moaas"), ("item_level", "4"), ("session_id", id.as_str())]).await;
    assert_eq!(
        (r.status, r.headers.get(header::LOCATION).and_then(|l| l.to_str().ok())),
        (StatusCode::SEE_OTHER, Some(format!("/sessions/{id}#checkpoints").as_str())),
        "{}",
        r.text
    );
    let other = app.patient("Otto", "Elsewhere").await["id"].as_str().unwrap().to_owned();
    let r =
        app.page_post(&format!("/patients/{other}/assessments"), &nurse, &[("instrument", "moaas"), ("item_level", "5"), ("session_id", id.as_str())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let live = app.page_get(&format!("/sessions/{id}/live"), &nurse).await;
    assert!(live.text.contains("MOAA/S is 4, not 5"), "{}", live.text);

    // The board page carries the board for its script.
    let board = app.page_get("/board", &nurse).await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(board.text.contains("data-board=") && board.text.contains("N. H."), "{}", board.text);
}

/// A patient with a signed IV ketamine consent (the pre-check that nobody may override).
async fn consented_patient(app: &TestApp, given: &str, family: &str) -> String {
    let pid = app.patient(given, family).await["id"].as_str().unwrap().to_owned();
    let admin = app.token(Role::Admin).await;
    let nurse = app.token(Role::Nurse).await;
    let template = json!({"modality": "iv_ketamine", "title": "IV ketamine consent", "text": "Risks, benefits and alternatives were explained."});
    let t = app.call(Method::POST, "/api/v1/consent-templates", &admin, Some(template)).await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    let sign = json!({"template_id": t.json["id"], "template_version": 1, "typed_name": format!("{given} {family}"), "signature_path": "M10 10 L20 20"});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/consents"), &nurse, Some(sign)).await.status, StatusCode::CREATED);
    pid
}

#[tokio::test]
async fn the_page_gates_dosing_on_prechecks_and_acknowledges_alerts() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.login(Role::Nurse).await;
    let prescriber = app.login(Role::Prescriber).await;
    let pid = consented_patient(&app, "Ines", "Varga").await;
    let r = app.page_post(&format!("/patients/{pid}/sessions"), &nurse, &[("modality", "iv_ketamine"), ("chair", "Chair 5")]).await;
    let page_url = r.headers.get(header::LOCATION).unwrap().to_str().unwrap().to_owned();
    let id = page_url.trim_start_matches("/sessions/").to_owned();
    assert_eq!(app.page_post(&format!("/sessions/{id}/events"), &nurse, &[("type", "checked_in")]).await.status, StatusCode::SEE_OTHER);

    // Nothing confirmed yet: refused with each check in words; the session stays checked in.
    let page = app.page_get(&page_url, &nurse).await;
    assert!(page.text.contains("Complete pre-checks") && page.text.contains("Consent valid"), "{}", page.text);
    let r = app.page_post(&format!("/sessions/{id}/prechecks"), &nurse, &[("identity_confirmed", "")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("Identity confirmed:") && r.text.contains("Pre-dose vital signs:"), "{}", r.text);

    // Pre-dose vitals, every confirmation: only the eligibility decision is missing, which a
    // nurse cannot override and a prescriber can, with a reason.
    let vitals = [("systolic", "128"), ("diastolic", "82"), ("heart_rate", "76"), ("spo2", "98"), ("resp_rate", "14")];
    assert_eq!(app.page_post(&format!("/sessions/{id}/vitals"), &nurse, &vitals).await.status, StatusCode::SEE_OTHER);
    let confirmed = vec![
        ("identity_confirmed", "yes"),
        ("medications_reviewed", "yes"),
        ("escort_name", "Pia Varga"),
        ("escort_phone", "+1 212 555 0177"),
        ("pregnancy", "not_applicable"),
    ];
    let r = app.page_post(&format!("/sessions/{id}/prechecks"), &nurse, &confirmed).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("Eligibility decision current:") && !r.text.contains("Identity confirmed:"), "{}", r.text);
    let mut overridden = confirmed.clone();
    overridden.push(("override_eligibility_current", "Approved at today's consult; evaluation being typed up."));
    let r = app.page_post(&format!("/sessions/{id}/prechecks"), &prescriber, &overridden).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = app.page_get(&page_url, &nurse).await;
    assert!(page.text.contains("Start administration") && page.text.contains("Ready to dose"), "{}", page.text);

    // The dose for today's weight, on the session: 0.5 mg/kg × 80 kg, 10 mg/mL into 100 mL over
    // 40 min (the worked example with a 10 mg/mL vial), filled into the start form.
    let calc = [("weight_kg", "80"), ("dose_mg_per_kg", "0.5"), ("infusion_minutes", "40"), ("concentration_mg_per_ml", "10"), ("bag_volume_ml", "100")];
    let r = app.page_post(&format!("/sessions/{id}/dose"), &nurse, &calc).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("0.5 mg/kg × 80.00 kg = 40.0 mg: 4.00 mL of 10 mg/mL in 104.00 mL at 156.0 mL/h over 40 min"), "{}", r.text);
    assert!(r.text.contains("name=\"dose_mg\" inputmode=\"decimal\" required value=\"40.0\""), "the start form is filled in");
    let r = app.page_post(&format!("/sessions/{id}/dose"), &nurse, &[("weight_kg", "eighty")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Weight (kg) must be a number."), "{}", r.text);

    // Dosing, then a reading above the alert line: the alert waits for a nurse's acknowledgement.
    app.clock.as_ref().unwrap().advance(jiff::SignedDuration::from_mins(5));
    let start = [("type", "administration_started"), ("dose_mg", "40"), ("lot", "KX-2291"), ("concentration_mg_per_ml", "10"), ("drawn_volume_ml", "4")];
    assert_eq!(app.page_post(&format!("/sessions/{id}/events"), &nurse, &start).await.status, StatusCode::SEE_OTHER);
    // The rate is halved with a reason; a change without a rate is refused with the field named.
    let r = app.page_post(&format!("/sessions/{id}/events"), &nurse, &[("type", "rate_changed"), ("note", "BP rising")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("rate in mL/h"), "{}", r.text);
    let rate = [("type", "rate_changed"), ("rate_ml_per_hour", "75.6"), ("note", "BP rising")];
    assert_eq!(app.page_post(&format!("/sessions/{id}/events"), &nurse, &rate).await.status, StatusCode::SEE_OTHER);
    app.clock.as_ref().unwrap().advance(jiff::SignedDuration::from_mins(10));
    let high = [("systolic", "186"), ("diastolic", "96"), ("heart_rate", "92"), ("spo2", "97")];
    assert_eq!(app.page_post(&format!("/sessions/{id}/vitals"), &nurse, &high).await.status, StatusCode::SEE_OTHER);
    let page = app.page_get(&page_url, &nurse).await;
    assert!(page.text.contains("1 to acknowledge"), "{}", page.text);
    let alert_action = page.text.split("action=\"").find(|s| s.contains("/acknowledge\"")).and_then(|s| s.split('"').next()).unwrap().to_owned();
    let r = app.page_post(&alert_action, &nurse, &[("note", "Rechecked after 5 min, infusion slowed")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = app.page_get(&page_url, &nurse).await;
    assert!(!page.text.contains("to acknowledge") && page.text.contains("Rechecked after 5 min"), "{}", page.text);
    assert!(page.text.contains("KX-2291"), "the lot on the timeline");
    assert!(page.text.contains("Rate changed") && page.text.contains("rate ml per hour: 75.6"), "the rate change on the timeline");
    // The predicted plasma curve of what was given, labelled a model estimate.
    assert!(page.text.contains("Predicted plasma ketamine concentration") && page.text.contains("Domino et al. 1984 model: Cmax"), "{}", page.text);
    assert!(page.text.contains("A model estimate, not a measurement."));
    // A second acknowledgement is refused.
    assert_eq!(app.page_post(&alert_action, &nurse, &[("note", "again")]).await.status, StatusCode::CONFLICT);
}
