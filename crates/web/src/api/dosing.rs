//! `POST /api/v1/dose-calculations`: the dose calculator (pure; nothing stored).

use axum::Json;
use axum::extract::State;
use ketaclinic_app::AppError;
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::dosing::{EsketamineRequest, KetamineRequest, esketamine_dose, ketamine_dose};
use ketaclinic_domain::eligibility::Modality;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::ApiActor;
use crate::extract::{ApiJson, field_error};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// The request: `modality` plus the fields of that modality.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation schema only")]
pub struct DoseRequestDoc {
    /// `iv_ketamine`, `im_ketamine` or `esketamine_nasal`.
    modality: String,
    /// Ketamine: kg (1–400).
    weight_kg: Option<f64>,
    /// Ketamine, ideal/adjusted weight: cm (100–250).
    height_cm: Option<f64>,
    /// Ketamine, ideal/adjusted weight: `male` or `female`.
    sex: Option<String>,
    /// Ketamine: `actual`, `ideal` (Devine, capped at actual) or `adjusted` (IBW + 0.4 × excess).
    weight_basis: Option<String>,
    /// Ketamine: mg/kg (0.01–5; warning outside 0.1–1.0).
    dose_mg_per_kg: Option<f64>,
    /// IV ketamine: minutes; absent for IM (no rate).
    infusion_minutes: Option<f64>,
    /// Ketamine: mg/mL (e.g. 10, 50, 100).
    vial_concentration_mg_per_ml: Option<f64>,
    /// Ketamine: diluent bag in mL (0 or absent: undiluted).
    bag_volume_ml: Option<f64>,
    /// Ketamine: the order's cap in mg.
    max_dose_mg: Option<f64>,
    /// Esketamine: 28, 56 or 84. Ketamine: not used.
    dose_mg: Option<u32>,
    /// Esketamine: `trd` (default) or `mdsi`.
    indication: Option<String>,
    /// Esketamine: the highest earlier dose (84 mg needs an earlier 56 mg for TRD).
    highest_previous_dose_mg: Option<u32>,
    /// Esketamine: flags a first dose above 28 mg at 65 or over.
    age_years: Option<u32>,
}

/// The answer. Ketamine: `{modality, dose_weight_kg, dose_mg, drug_volume_ml, total_volume_ml,
/// rate_ml_per_hour, warnings}`; esketamine: `{modality, dose_mg, devices, schedule_min, warnings}`.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation schema only")]
pub struct DoseDoc {
    modality: String,
    dose_mg: f64,
    dose_weight_kg: Option<f64>,
    drug_volume_ml: Option<f64>,
    total_volume_ml: Option<f64>,
    rate_ml_per_hour: Option<f64>,
    devices: Option<u32>,
    schedule_min: Option<Vec<u32>>,
    /// `dose_outside_usual_range`, `capped_at_max_dose`, `undiluted_high_concentration`, `geriatric_starting_dose`.
    warnings: Vec<String>,
}

fn invalid(e: ValidationErrors) -> Problem {
    Problem::from(AppError::Invalid(e))
}

fn parse<T: DeserializeOwned>(body: Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize(body).map_err(|e| Problem::invalid(vec![field_error(&e.path().to_string(), &e.inner().to_string())]))
}

fn with_modality(modality: Modality, mut v: Value) -> Value {
    if let Some(map) = v.as_object_mut() {
        map.insert("modality".to_owned(), Value::from(modality.as_str()));
    }
    v
}

/// Calculates a dose (nothing is stored).
#[utoipa::path(post, path = "/api/v1/dose-calculations", tag = "dosing", request_body = DoseRequestDoc,
    responses((status = 200, body = DoseDoc), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn calculate(State(_state): State<AppState>, ApiActor(_actor): ApiActor, ApiJson(mut body): ApiJson<Value>) -> ApiResult<Json<Value>> {
    let modality = body.as_object_mut().and_then(|m| m.remove("modality"));
    let modality = match modality.as_ref().and_then(Value::as_str) {
        Some(raw) => Modality::parse(raw).map_err(|e| invalid(ValidationErrors(vec![e])))?,
        None => return Err(invalid(ValidationErrors::one("modality", "is required: iv_ketamine, im_ketamine or esketamine_nasal"))),
    };
    let answer = if modality.is_esketamine() {
        let r: EsketamineRequest = parse(body)?;
        serde_json::to_value(esketamine_dose(&r).map_err(invalid)?)
    } else {
        let r: KetamineRequest = parse(body)?;
        serde_json::to_value(ketamine_dose(&r).map_err(invalid)?)
    };
    let answer = answer.map_err(|e| Problem::from(AppError::Unavailable(e.to_string())))?;
    Ok(Json(with_modality(modality, answer)))
}
