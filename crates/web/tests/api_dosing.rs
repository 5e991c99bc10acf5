//! The dose calculator over HTTP: the worked example, esketamine devices and label refusals,
//! and bad input named by field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::{Auth, TestApp};
use ketaclinic_domain::staff::Role;
use serde_json::json;

#[tokio::test]
async fn ketamine_and_esketamine_doses() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let iv = json!({"modality": "iv_ketamine", "weight_kg": 80, "weight_basis": "actual", "dose_mg_per_kg": 0.5, "infusion_minutes": 40,
        "vial_concentration_mg_per_ml": 50, "bag_volume_ml": 100});
    let r = app.call(Method::POST, "/api/v1/dose-calculations", &nurse, Some(iv)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"modality": "iv_ketamine", "dose_weight_kg": 80.0, "dose_mg": 40.0, "drug_volume_ml": 0.8, "total_volume_ml": 100.8, "rate_ml_per_hour": 151.2, "warnings": []})
    );

    let esk = app
        .call(Method::POST, "/api/v1/dose-calculations", &nurse, Some(json!({"modality": "esketamine_nasal", "dose_mg": 84, "highest_previous_dose_mg": 56})))
        .await;
    assert_eq!((esk.json["devices"].as_u64(), esk.json["schedule_min"].clone()), (Some(3), json!([0, 5, 10])));
    let first_84 = app.call(Method::POST, "/api/v1/dose-calculations", &nurse, Some(json!({"modality": "esketamine_nasal", "dose_mg": 84}))).await;
    assert_eq!((first_84.status, first_84.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("dose_mg")));

    for (body, field) in [
        (json!({"weight_kg": 80}), "modality"),
        (json!({"modality": "oral", "weight_kg": 80}), "modality"),
        (
            json!({"modality": "iv_ketamine", "weight_kg": 80, "weight_basis": "actual", "dose_mg_per_kg": 0.5, "vial_concentration_mg_per_ml": 50, "bag": 1}),
            "bag",
        ),
        (
            json!({"modality": "iv_ketamine", "weight_kg": "heavy", "weight_basis": "actual", "dose_mg_per_kg": 0.5, "vial_concentration_mg_per_ml": 50}),
            "weight_kg",
        ),
        (
            json!({"modality": "iv_ketamine", "weight_kg": 900, "weight_basis": "actual", "dose_mg_per_kg": 0.5, "vial_concentration_mg_per_ml": 50}),
            "weight_kg",
        ),
        (json!({"modality": "im_ketamine", "weight_kg": 80, "weight_basis": "ideal", "dose_mg_per_kg": 0.5, "vial_concentration_mg_per_ml": 50}), "height_cm"),
    ] {
        let r = app.call(Method::POST, "/api/v1/dose-calculations", &nurse, Some(body.clone())).await;
        assert_eq!((r.status, r.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{body}: {}", r.text);
    }
    assert_eq!(
        app.call(Method::POST, "/api/v1/dose-calculations", &Auth::None, Some(json!({"modality": "esketamine_nasal", "dose_mg": 56}))).await.status,
        StatusCode::UNAUTHORIZED
    );
}
