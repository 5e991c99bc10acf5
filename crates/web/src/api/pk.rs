//! Pharmacokinetic model estimates.

use axum::Json;
use axum::extract::State;
use ketaclinic_pk::{ModelInfo, SimulationRequest, SimulationResult};

use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// The published models (population, source, confidence, routes, parameters, caveats).
#[utoipa::path(get, path = "/api/v1/pk/models", tag = "pk", responses((status = 200, body = Vec<Object>), (status = 401, body = Problem)))]
pub async fn models(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Json<Vec<ModelInfo>> {
    Json(state.app.pk_models(&actor))
}

/// Predicted plasma concentrations for a regimen: `{model, patient: {weight_kg, age_years?},
/// regimen: [{route, dose_mg, start_min, duration_min?}], end_min, step_min, threshold_ng_ml?,
/// ke0_per_min?, population?: {subjects, seed}}`. A model estimate, not a measured level.
#[utoipa::path(post, path = "/api/v1/pk/simulate", tag = "pk", request_body = Object,
    responses((status = 200, body = Object), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn simulate(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(request): ApiJson<SimulationRequest>,
) -> ApiResult<Json<SimulationResult>> {
    Ok(Json(state.app.pk_simulate(&actor, &request)?))
}
