//! Instrument definitions and stateless scoring.

use axum::Json;
use axum::extract::{Path, State};
use ketaclinic_domain::instruments::{Instrument, Score};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Answers to score: item id → value (numbers; booleans for the C-SSRS screener).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreRequest {
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
}

/// A scored response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreOut {
    pub instrument: String,
    /// Absent for the C-SSRS screener, which has no total.
    pub total: Option<u32>,
    /// Severity band id, absent where the instrument has no bands.
    pub severity: Option<String>,
    /// Safety and pattern flags: `suicidal_ideation`, `sedation`, `loss_of_consciousness`, `dsm5_symptom_pattern`.
    pub flags: Vec<String>,
    /// C-SSRS screener triage: `none`, `low`, `moderate`, `high`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_level: Option<String>,
    /// QIDS-SR16 domains or PCL-5 clusters.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub domains: Option<std::collections::BTreeMap<String, u32>>,
}

impl From<Score> for ScoreOut {
    fn from(score: Score) -> Self {
        // The risk level serialises to its wire id (`none`, `low` …).
        let risk_level = score.risk_level.and_then(|level| serde_json::to_value(level).ok()).and_then(|v| v.as_str().map(str::to_owned));
        Self { instrument: score.instrument, total: score.total, severity: score.severity, flags: score.flags, risk_level, domains: score.domains }
    }
}

/// The definition with the clinic's settings applied to its severity bands.
fn definition(state: &AppState, instrument: &Instrument) -> serde_json::Value {
    let mut value = serde_json::to_value(instrument).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        let bands = serde_json::to_value(instrument.bands(&state.app.settings().scoring)).unwrap_or_default();
        object.insert("bands".to_owned(), bands);
    }
    value
}

/// Every instrument definition (items, options, scoring, bands, codes, licence, source).
#[utoipa::path(get, path = "/api/v1/instruments", tag = "instruments",
    responses((status = 200, body = Vec<Object>), (status = 401, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Json<Vec<serde_json::Value>> {
    Json(state.app.instruments(&actor).iter().map(|i| definition(&state, i)).collect())
}

/// One instrument definition.
#[utoipa::path(get, path = "/api/v1/instruments/{instrument}", tag = "instruments", params(("instrument" = String, Path, description = "phq9, gad7, qids_sr16, madrs, cssrs_screener, pcl5, cadss, moaas")),
    responses((status = 200, body = Object), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn read(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<serde_json::Value>> {
    let instrument = state.app.instrument(&actor, &id)?;
    Ok(Json(definition(&state, instrument)))
}

/// Scores answers without storing anything.
#[utoipa::path(post, path = "/api/v1/instruments/{instrument}/score", tag = "instruments", params(("instrument" = String, Path)), request_body = ScoreRequest,
    responses((status = 200, body = ScoreOut), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn score(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ScoreRequest>,
) -> ApiResult<Json<ScoreOut>> {
    let score = state.app.score_instrument(&actor, &id, &body.answers)?;
    Ok(Json(ScoreOut::from(score)))
}
