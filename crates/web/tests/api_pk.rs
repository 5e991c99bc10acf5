//! Pharmacokinetic estimates over HTTP: the published Domino example, and precise refusals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use ketaclinic_domain::staff::Role;
use serde_json::json;

#[tokio::test]
async fn domino_infusion_matches_the_published_oracle() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    // PK.md §5: 35 mg over 40 min at 70 kg; the plasma level at the end of the infusion is 240.33 ng/mL.
    let body = json!({"model": "domino1984", "patient": {"weight_kg": 70}, "regimen": [{"route": "iv_infusion", "dose_mg": 35, "start_min": 0, "duration_min": 40}], "end_min": 240, "step_min": 1});
    let reply = app.call(Method::POST, "/api/v1/pk/simulate", &nurse, Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let at_40 = reply.json["plasma_ng_ml"][40].as_f64().unwrap();
    assert!((at_40 - 240.33).abs() < 0.01, "plasma at 40 min {at_40}");
    assert_eq!(reply.json["times_min"].as_array().unwrap().len(), 241);
    let cmax = reply.json["cmax_ng_ml"].as_f64().unwrap();
    assert!((cmax - at_40).abs() < 0.5, "the peak is at the end of the infusion: {cmax}");
    assert!(reply.json["label"].as_str().unwrap().contains("model estimate"));
}

#[tokio::test]
async fn the_model_list_names_every_published_model() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let list = app.call(Method::GET, "/api/v1/pk/models", &nurse, None).await;
    let mut ids: Vec<_> = list.json.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    assert_eq!(ids, vec!["clements1981", "domino1984", "hijazi2003", "kamp2020", "perez_ruixo2021"]);
}

#[tokio::test]
async fn bad_requests_are_422_naming_the_field() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let base = json!({"model": "domino1984", "patient": {"weight_kg": 70}, "regimen": [{"route": "iv_bolus", "dose_mg": 10, "start_min": 0}], "end_min": 60, "step_min": 1});
    let mut cases = Vec::new();
    let mut unknown = base.clone();
    unknown["model"] = json!("guesswork2025");
    cases.push((unknown, "model"));
    let mut heavy = base.clone();
    heavy["patient"]["weight_kg"] = json!(900);
    cases.push((heavy, "patient.weight_kg"));
    let mut negative = base.clone();
    negative["regimen"][0]["dose_mg"] = json!(-5);
    cases.push((negative, "regimen[0].dose_mg"));
    let mut grid = base.clone();
    grid["end_min"] = json!(1440);
    grid["step_min"] = json!(0.01);
    cases.push((grid, "step_min"));
    let mut im_esketamine = base.clone();
    im_esketamine["model"] = json!("perez_ruixo2021");
    im_esketamine["regimen"][0]["route"] = json!("im");
    cases.push((im_esketamine, "regimen[0].route"));
    let mut route = base;
    route["regimen"][0]["route"] = json!("teleport");
    cases.push((route, "regimen[0].route"));
    for (body, field) in cases {
        let reply = app.call(Method::POST, "/api/v1/pk/simulate", &nurse, Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
        assert_eq!(reply.json["errors"][0]["field"], field, "{}", reply.text);
    }
}
