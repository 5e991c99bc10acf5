//! The outcome dashboard over HTTP: groups by approved modality, end-of-induction rates, the
//! relapse curve, CSV export, the page, and role checks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::TestApp;
use jiff::{SignedDuration, Timestamp};
use ketaclinic_domain::staff::Role;
use serde_json::json;

async fn course(app: &TestApp, pid: &str, points: &[(i64, u32)]) {
    let nurse = app.token(Role::Nurse).await;
    let start: Timestamp = "2026-09-01T15:00:00Z".parse().unwrap();
    for (day, total) in points {
        let at = start.checked_add(SignedDuration::from_hours(24 * day)).unwrap();
        let body = json!({"instrument": "phq9", "answers": common::phq9_answers(*total), "administered_at": at.to_string()});
        let r = app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
}

/// An approved IV ketamine decision on a signed, eligible evaluation.
async fn approve_iv(app: &TestApp, pid: &str) {
    let prescriber = app.token(Role::Prescriber).await;
    let evaluation = json!({
        "age_years": 40, "sex": "male", "primary_diagnosis": "F33.2",
        "antidepressant_trials": [
            {"drug": "sertraline", "daily_dose_mg": 150, "weeks": 8, "adherent": true, "outcome": "no_response"},
            {"drug": "venlafaxine", "daily_dose_mg": 225, "weeks": 8, "adherent": true, "outcome": "no_response"}],
        "vitals": {"systolic": 120, "diastolic": 80, "heart_rate": 70}
    });
    let e = app.call(Method::POST, &format!("/api/v1/patients/{pid}/evaluations"), &prescriber, Some(json!({"evaluation": evaluation}))).await;
    let eid = e.json["id"].as_str().unwrap().to_owned();
    app.call(Method::POST, &format!("/api/v1/evaluations/{eid}/sign"), &prescriber, Some(json!({"version": 1}))).await;
    let d = json!({"modality": "iv_ketamine", "evaluation_id": eid, "outcome": "approved"});
    let r = app.call(Method::POST, &format!("/api/v1/patients/{pid}/eligibility-decisions"), &prescriber, Some(d)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test]
async fn the_dashboard_groups_by_modality_and_exports_csv() {
    let app = TestApp::new().await;
    let a = app.patient("Ana", "Dash").await["id"].as_str().unwrap().to_owned();
    let b = app.patient("Ben", "Dash").await["id"].as_str().unwrap().to_owned();
    let c = app.patient("Cai", "Dash").await["id"].as_str().unwrap().to_owned();
    approve_iv(&app, &a).await;
    approve_iv(&app, &b).await;
    // A responds on day 7, remits by day 14 (end of induction), relapses on day 47.
    course(&app, &a, &[(0, 20), (7, 8), (14, 4), (40, 12), (47, 14)]).await;
    // B does not respond within 21 days.
    course(&app, &b, &[(0, 18), (10, 15), (20, 12)]).await;
    // C has no approved decision: unassigned.
    course(&app, &c, &[(0, 16), (14, 7)]).await;

    let nurse = app.token(Role::Nurse).await;
    let d = app.call(Method::GET, "/api/v1/dashboard/outcomes?instrument=phq9", &nurse, None).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    let groups = d.json["groups"].as_array().unwrap();
    assert_eq!(groups.iter().map(|g| g["group"].as_str().unwrap()).collect::<Vec<_>>(), ["iv_ketamine", "unassigned"]);
    let iv = &groups[0];
    assert_eq!((iv["patients"].as_u64(), iv["evaluable"].as_u64(), iv["responders"].as_u64(), iv["remitters"].as_u64()), (Some(2), Some(2), Some(1), Some(1)));
    assert_eq!((iv["response_rate"].as_f64(), iv["median_days_to_response"].as_f64()), (Some(50.0), Some(7.0)));
    assert_eq!((iv["relapse_curve"][0]["day"].as_u64(), iv["relapse_curve"][0]["survival"].as_f64()), (Some(40), Some(0.0)));
    assert_eq!(groups[1]["responders"], 1, "16 → 7 is a response");

    let csv = app.call(Method::GET, "/api/v1/dashboard/outcomes?format=csv", &nurse, None).await;
    assert_eq!(csv.headers.get(header::CONTENT_TYPE).unwrap(), "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "instrument,group,patients,evaluable,responders,remitters,response_rate,remission_rate,median_days_to_response");
    assert_eq!(lines[1], "phq9,iv_ketamine,2,2,1,1,50,50,7");
    let curve = app.call(Method::GET, "/api/v1/dashboard/outcomes?format=csv&table=relapse_curve", &nurse, None).await;
    assert!(curve.text.contains("phq9,iv_ketamine,40,1,1,0,0.0000"), "{}", curve.text);
    let bad = app.call(Method::GET, "/api/v1/dashboard/outcomes?instrument=cadss", &nurse, None).await;
    assert_eq!((bad.status, bad.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("instrument")));
    let desk = app.token(Role::FrontDesk).await;
    assert_eq!(app.call(Method::GET, "/api/v1/dashboard/outcomes", &desk, None).await.status, StatusCode::FORBIDDEN);

    let admin = app.login(Role::Admin).await;
    let page = app.page_get("/outcomes", &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("iv ketamine") && page.text.contains("50.0 % (1 of 2)") && page.text.contains("<polyline"));
    assert!(!page.text.contains("Dash"), "the dashboard names no patient");
}
