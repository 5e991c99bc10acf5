//! Predicted plasma curves on the session and course pages (issue 9, build item 5): the
//! infusion as recorded (a pause makes two running stretches, the drug infused follows the pump,
//! an unknown bag volume is said), the band of the racemic models behind the line, and the
//! course's series of sessions at their dates. The manual clock starts at 2026-11-21T15:00:00Z.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::{Auth, TestApp};
use jiff::SignedDuration;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

/// A patient with a signed IV ketamine consent.
async fn ready_patient(app: &TestApp, given: &str) -> String {
    let p = app.patient(given, "Curve").await;
    let pid = p["id"].as_str().unwrap().to_owned();
    let (admin, nurse) = (app.token(Role::Admin).await, app.token(Role::Nurse).await);
    let template = json!({"modality": "iv_ketamine", "title": "Treatment consent", "text": "Risks, benefits and alternatives were explained."});
    let t = app.call(Method::POST, "/api/v1/consent-templates", &admin, Some(template)).await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    let sign = json!({"template_id": t.json["id"], "template_version": 1, "typed_name": format!("{given} Curve"), "signature_path": "M10 10 L20 20"});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/consents"), &nurse, Some(sign)).await.status, StatusCode::CREATED);
    pid
}

async fn post(app: &TestApp, nurse: &Auth, id: &str, body: Value) {
    let r = app.call(Method::POST, &format!("/api/v1/sessions/{id}/events"), nurse, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{body}: {}", r.text);
}

/// Books an IV session (in `course` if given), checks in and completes the pre-checks at
/// `day`T`hh:00`…`hh:05`, then records `steps` (each `(type, minute after hh:10, extra fields)`).
async fn dosed_session(app: &TestApp, nurse: &Auth, pid: &str, course: Option<&str>, (day, hour): (&str, u32), steps: &[(&str, u32, Value)]) -> String {
    let mut book = json!({"patient_id": pid, "modality": "iv_ketamine", "chair": "Chair 4"});
    if let Some(c) = course {
        book["course_id"] = json!(c);
    }
    let r = app.call(Method::POST, "/api/v1/sessions", nurse, Some(book)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let at = |minute: u32| format!("{day}T{:02}:{:02}:00Z", hour + minute / 60, minute % 60);
    post(app, nurse, &id, json!({"type": "checked_in", "at": at(0)})).await;
    let v = json!({"readings": [{"at": at(2), "systolic": 128, "diastolic": 82, "heart_rate": 76, "spo2": 98, "resp_rate": 14}]});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), nurse, Some(v)).await.status, StatusCode::OK);
    let prescriber = app.token(Role::Prescriber).await;
    let checks = json!({
        "identity_confirmed": true, "fasting_confirmed": true, "medications_reviewed": true, "pregnancy": "not_pregnant",
        "escort": {"name": "Rae Leave", "phone": "+12125550143"},
        "overrides": [{"check": "eligibility_current", "reason": "approved at the consult; the evaluation is on paper"}],
        "at": at(5)
    });
    let r = app.call(Method::POST, &format!("/api/v1/sessions/{id}/prechecks"), &prescriber, Some(checks)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for (kind, minute, extra) in steps {
        let mut body = extra.clone();
        body["type"] = json!(kind);
        body["at"] = json!(at(10 + minute));
        post(app, nurse, &id, body).await;
    }
    id
}

/// 40 mg in a 96 mL bag plus 4 mL of drug at 150 mL/h: 40 minutes unpaused.
fn started() -> Value {
    json!({"dose_mg": 40, "concentration_mg_per_ml": 10, "drawn_volume_ml": 4, "bag_volume_ml": 96, "rate_ml_per_hour": 150, "weight_kg": 80, "lot": "K7"})
}

#[tokio::test]
async fn a_paused_infusion_is_drawn_as_recorded_over_the_band_of_the_models() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.token(Role::Nurse).await;
    let pid = ready_patient(&app, "Paula").await;
    let steps = [
        ("administration_started", 0, started()),
        ("administration_paused", 20, json!({})),
        ("administration_resumed", 30, json!({})),
        ("administration_stopped", 45, json!({})),
    ];
    let id = dosed_session(&app, &nurse, &pid, None, ("2026-11-21", 13), &steps).await;
    let web = app.login(Role::Nurse).await;
    let page = app.page_get(&format!("/sessions/{id}"), &web).await;
    assert_eq!(page.status, StatusCode::OK);
    let t = &page.text;
    assert!(t.contains(r#"<figure class="pk-curve" id="pk-curve">"#), "{t}");
    assert_eq!(t.matches(r#"<rect class="pk-curve__window""#).count(), 2, "two running stretches: {t}");
    assert!(t.contains(r#"<polygon class="pk-curve__band" points=""#), "{t}");
    assert!(t.contains("The shaded band is the range of 4 published models (Domino et al. 1984, Kamp et al. 2020, Clements et al. 1981 and Hijazi et al. 2003); the line is Domino et al. 1984."), "{t}");
    assert!(t.contains("A shaded band shows the range of 4 published models"), "the band is in the text alternative: {t}");
    assert!(t.contains("model estimate, not a measured level</text>") && t.contains("ng/mL. Model estimate, not a measured level.</desc>"), "{t}");
    // Stopped 5 minutes before the bag was empty (0–20 and 30–45 running: 35 of 40 minutes).
    assert!(t.contains("Drug infused: 35 mg of the 40 mg in the bag"), "{t}");
    assert!(t.contains("The pale columns mark when the pump was running (2 stretches).") && t.contains("A model estimate, not a measurement."), "{t}");
    // The live region alone carries the same figure.
    let live = app.page_get(&format!("/sessions/{id}/live"), &web).await;
    assert!(live.text.contains("pk-curve__band") && live.text.matches(r#"<rect class="pk-curve__window""#).count() == 2, "{}", live.text);
}

#[tokio::test]
async fn without_the_bag_volume_the_rate_change_still_shapes_the_curve_and_the_caption_says_so() {
    let app = TestApp::builder().manual_clock().build().await;
    let nurse = app.token(Role::Nurse).await;
    let pid = ready_patient(&app, "Rita").await;
    let mut start = started();
    start.as_object_mut().unwrap().remove("bag_volume_ml");
    let steps = [("administration_started", 0, start), ("rate_changed", 20, json!({"rate_ml_per_hour": 75})), ("administration_stopped", 40, json!({}))];
    let id = dosed_session(&app, &nurse, &pid, None, ("2026-11-21", 13), &steps).await;
    let t = app.page_get(&format!("/sessions/{id}"), &app.login(Role::Nurse).await).await.text;
    assert!(t.contains("The bag volume was not recorded, so the whole dose is spread over the running time (by pump rate where recorded)"), "{t}");
    assert_eq!(t.matches(r#"<rect class="pk-curve__window""#).count(), 2, "a stretch per rate: {t}");
}

#[tokio::test]
async fn the_course_page_draws_each_dosed_session_at_its_date() {
    let app = TestApp::builder().manual_clock().build().await;
    let clock = app.clock.clone().unwrap();
    let (prescriber, nurse) = (app.token(Role::Prescriber).await, app.token(Role::Nurse).await);
    let pid = ready_patient(&app, "Cora").await;
    let course = app.call(Method::POST, &format!("/api/v1/patients/{pid}/courses"), &prescriber, Some(json!({"modality": "iv_ketamine"}))).await;
    assert_eq!(course.status, StatusCode::CREATED, "{}", course.text);
    let cid = course.json["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call(Method::POST, &format!("/api/v1/courses/{cid}/sign"), &prescriber, None).await.status, StatusCode::OK);

    let web = app.login(Role::Nurse).await;
    let empty = app.page_get(&format!("/patients/{pid}/courses"), &web).await;
    assert!(!empty.text.contains("pk-series"), "no figure before the first dose");

    // Day 0 at 16:10 and day 3 at 16:10 (the clock moves on past each).
    clock.advance(SignedDuration::from_hours(4));
    let full = [("administration_started", 0, started()), ("administration_stopped", 40, json!({}))];
    let first = dosed_session(&app, &nurse, &pid, Some(&cid), ("2026-11-21", 16), &full).await;
    let r = app
        .call(Method::POST, &format!("/api/v1/sessions/{first}/events"), &nurse, Some(json!({"type": "stopped_early", "reason": "test: close the chair"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    clock.advance(SignedDuration::from_hours(72));
    let nurse = app.token(Role::Nurse).await;
    let short = [("administration_started", 0, started()), ("administration_stopped", 20, json!({}))];
    dosed_session(&app, &nurse, &pid, Some(&cid), ("2026-11-24", 16), &short).await;

    let page = app.page_get(&format!("/patients/{pid}/courses"), &app.login(Role::Nurse).await).await;
    assert_eq!(page.status, StatusCode::OK);
    let t = &page.text;
    assert!(t.contains(&format!(r#"id="pk-series-{cid}""#)), "{t}");
    assert_eq!(t.matches(r#"<polyline class="pk-series__line""#).count(), 2, "{t}");
    assert!(t.contains("Predicted plasma ketamine concentration across the course") && t.contains("days from the first dose"), "{t}");
    assert!(t.contains("2 sessions, each drawn at its date") && t.contains("Model estimate, not a measured level."), "{t}");
    // The table: 40 mg given the first day, 20 mg (stopped at half the bag) the second.
    assert!(t.contains("<td>40 mg</td>") && t.contains("<td>20 mg</td>"), "{t}");
    assert!(t.contains("<td>2026-11-21 ") && t.contains("<td>2026-11-24 "), "{t}");
}
