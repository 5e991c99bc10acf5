//! Assessments on a patient and their outcomes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use ketaclinic_app::assessments::AssessmentInput;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::assessment::Assessment;
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::outcome::Outcome;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::instruments::ScoreOut;
use super::path_id;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// An assessment to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentCreate {
    /// `phq9`, `gad7`, `qids_sr16`, `madrs`, `cssrs_screener`, `pcl5`, `cadss`, `moaas`.
    pub instrument: String,
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    /// When it was filled in (RFC 3339); defaults to now.
    pub administered_at: Option<Timestamp>,
    pub session_id: Option<uuid::Uuid>,
}

/// A stored assessment: its score plus who, when and how.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentOut {
    pub id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    #[serde(flatten)]
    pub score: ScoreOut,
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    pub administered_at: Timestamp,
    pub session_id: Option<uuid::Uuid>,
    /// `staff` or `patient`.
    pub source: String,
    pub recorded_by: Option<uuid::Uuid>,
    pub recorded_at: Timestamp,
    /// Marked entered in error (listed only with `include_entered_in_error=true`).
    pub entered_in_error: bool,
    pub correction_reason: Option<String>,
}

impl From<Assessment> for AssessmentOut {
    fn from(a: Assessment) -> Self {
        Self {
            id: a.id.0,
            patient_id: a.patient_id.0,
            score: ScoreOut::from(a.score),
            answers: a.answers,
            administered_at: a.administered_at,
            session_id: a.session_id,
            source: a.source.as_str().to_owned(),
            recorded_by: a.recorded_by.map(|u| u.0),
            recorded_at: a.recorded_at,
            entered_in_error: false,
            correction_reason: None,
        }
    }
}

/// Marking an assessment entered in error.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    pub reason: String,
}

/// A patient's assessments.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentList {
    pub items: Vec<AssessmentOut>,
}

/// Which instrument.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InstrumentParam {
    pub instrument: Option<String>,
    /// Also list assessments marked entered in error (outcomes and charts never use them).
    #[serde(default)]
    pub include_entered_in_error: bool,
}

/// Records a scored assessment on a patient.
#[utoipa::path(post, path = "/api/v1/patients/{id}/assessments", tag = "assessments", params(("id" = uuid::Uuid, Path)), request_body = AssessmentCreate,
    responses((status = 201, body = AssessmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssessmentCreate>,
) -> ApiResult<Response> {
    let grant = state.app.authorize::<perm::AssessmentRecord>(&actor).await?;
    let input = AssessmentInput { instrument: body.instrument, answers: body.answers, administered_at: body.administered_at, session_id: body.session_id };
    let assessment = state.app.record_assessment(&grant, PatientId(path_id(&id)?), input).await?;
    Ok((StatusCode::CREATED, Json(AssessmentOut::from(assessment))).into_response())
}

/// A patient's assessments in time order.
#[utoipa::path(get, path = "/api/v1/patients/{id}/assessments", tag = "assessments", params(("id" = uuid::Uuid, Path), InstrumentParam),
    responses((status = 200, body = AssessmentList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<InstrumentParam>,
) -> ApiResult<Json<AssessmentList>> {
    let grant = state.app.authorize::<perm::PatientRead>(&actor).await?;
    let patient = PatientId(path_id(&id)?);
    if q.include_entered_in_error {
        let all = state.app.assessment_history(&grant, patient, q.instrument.as_deref()).await?;
        let items = all
            .into_iter()
            .map(|(a, c)| AssessmentOut { entered_in_error: c.is_some(), correction_reason: c.map(|c| c.reason.as_str().to_owned()), ..AssessmentOut::from(a) })
            .collect();
        return Ok(Json(AssessmentList { items }));
    }
    let list = state.app.assessments(&grant, patient, q.instrument.as_deref()).await?;
    Ok(Json(AssessmentList { items: list.into_iter().map(AssessmentOut::from).collect() }))
}

/// Marks an assessment entered in error (the record stays; outcomes and charts leave it out).
#[utoipa::path(post, path = "/api/v1/patients/{id}/assessments/{assessment_id}/entered-in-error", tag = "assessments",
    params(("id" = uuid::Uuid, Path), ("assessment_id" = uuid::Uuid, Path)), request_body = CorrectionRequest,
    responses((status = 200, body = Object), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn mark_entered_in_error(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, assessment_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<CorrectionRequest>,
) -> ApiResult<Json<serde_json::Value>> {
    let grant = state.app.authorize::<perm::AssessmentRecord>(&actor).await?;
    let c = state
        .app
        .mark_assessment_entered_in_error(&grant, PatientId(path_id(&id)?), ketaclinic_domain::ids::AssessmentId(path_id(&assessment_id)?), &body.reason)
        .await?;
    Ok(Json(serde_json::json!({"assessment_id": c.assessment_id, "entered_in_error": true, "reason": c.reason.as_str(), "by": c.by, "at": c.at})))
}

/// Baseline, latest, change, response, remission and relapse for one instrument.
#[utoipa::path(get, path = "/api/v1/patients/{id}/outcomes", tag = "assessments", params(("id" = uuid::Uuid, Path), InstrumentParam),
    responses((status = 200, body = Object), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn outcomes(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<InstrumentParam>,
) -> ApiResult<Json<Outcome>> {
    let grant = state.app.authorize::<perm::PatientRead>(&actor).await?;
    let instrument = q.instrument.ok_or_else(|| Problem::invalid(vec![ketaclinic_domain::FieldError::new("instrument", "is required (e.g. phq9)")]))?;
    Ok(Json(state.app.outcome(&grant, PatientId(path_id(&id)?), &instrument).await?))
}
