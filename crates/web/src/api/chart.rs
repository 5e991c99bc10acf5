//! The patient chart's list entries: contacts, emergency contacts, escorts, diagnoses,
//! allergies, medications and the care team. Each entry is versioned: a correction or an
//! "entered in error" is a new version with a reason, and the history keeps every version.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::chart::{ChartEntry, ChartKind};
use ketaclinic_domain::ids::{ChartEntryId, PatientId};
use ketaclinic_domain::record::Version;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// One version of a chart entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChartEntryOut {
    pub id: uuid::Uuid,
    /// Absent for clinic documents (consent templates).
    pub patient_id: Option<uuid::Uuid>,
    /// `contact`, `emergency_contact`, `escort`, `diagnosis`, `allergy`, `medication`,
    /// `care_team_member`, `evaluation`, `eligibility_decision`, `consent`, `rems_enrollment`,
    /// `consent_template` or `safety_plan`.
    pub kind: String,
    pub version: u32,
    /// `active` or `entered_in_error`.
    pub status: String,
    /// The kind's record (see the kind's request schema).
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// Why this version was written (every version after the first has one).
    pub reason: Option<String>,
    pub recorded_by: uuid::Uuid,
    pub recorded_at: Timestamp,
}

impl From<ChartEntry> for ChartEntryOut {
    fn from(e: ChartEntry) -> Self {
        Self {
            id: e.id.0,
            patient_id: e.patient_id.map(|p| p.0),
            kind: e.kind().as_str().to_owned(),
            version: e.version.0,
            status: e.status.as_str().to_owned(),
            body: e.body.to_json(),
            reason: e.reason.map(|r| r.as_str().to_owned()),
            recorded_by: e.recorded_by.0,
            recorded_at: e.recorded_at,
        }
    }
}

/// Which entries.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChartParams {
    /// One kind; without it, every kind your role may read.
    pub kind: Option<String>,
    /// Also list entries marked entered in error.
    #[serde(default)]
    pub include_entered_in_error: bool,
}

/// A correction or status change of an entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartEntryRevision {
    /// The version being corrected (optimistic concurrency).
    pub version: u32,
    /// The full corrected record; omit to change only the status.
    #[schema(value_type = Option<Object>)]
    pub body: Option<serde_json::Value>,
    /// `entered_in_error` or `active`; omit to keep the status.
    pub status: Option<String>,
    pub reason: String,
}

pub(crate) fn parse_kind(raw: &str) -> Result<ChartKind, Problem> {
    ChartKind::parse(raw).map_err(|e| Problem::from(ketaclinic_app::AppError::Invalid(ValidationErrors(vec![e]))))
}

/// A patient's current chart entries.
#[utoipa::path(get, path = "/api/v1/patients/{id}/chart", tag = "chart", params(("id" = uuid::Uuid, Path), ChartParams),
    responses((status = 200, body = Vec<ChartEntryOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<ChartParams>,
) -> ApiResult<Json<Vec<ChartEntryOut>>> {
    let kinds = p.kind.as_deref().map(parse_kind).transpose()?.into_iter().collect::<Vec<_>>();
    let entries = state.app.chart_entries(&actor, PatientId(path_id(&id)?), &kinds, p.include_entered_in_error).await?;
    Ok(Json(entries.into_iter().map(ChartEntryOut::from).collect()))
}

/// Adds an entry of `kind` (`contact`, `emergency_contact`, `escort`, `diagnosis`, `allergy`,
/// `medication`, `care_team_member`). Bodies:
/// contact `{system: phone|email|address, value, label?, preferred?}`;
/// emergency_contact `{name, relationship?, phone}`; escort `{name, relationship?, phone, note?}`;
/// diagnosis `{icd10cm, display?, primary?, status: active|resolved, onset?}` (display and
/// SNOMED CT come from the bundled table for known codes); allergy `{substance, reaction?,
/// severity: mild|moderate|severe|unknown}`; medication `{name, dose?, classes?, started_on?,
/// status}` (classes known for the name are added); care_team_member `{name, role, user_id?, phone?}`.
#[utoipa::path(post, path = "/api/v1/patients/{id}/chart/{kind}", tag = "chart", params(("id" = uuid::Uuid, Path), ("kind" = String, Path)),
    request_body = Object,
    responses((status = 201, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, kind)): Path<(String, String)>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<(StatusCode, Json<ChartEntryOut>)> {
    let kind = parse_kind(&kind)?;
    let entry = state.app.add_chart_entry(&actor, PatientId(path_id(&id)?), kind, body).await?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}

/// Corrects an entry or marks it entered in error: a new version with the reason.
#[utoipa::path(put, path = "/api/v1/chart-entries/{id}", tag = "chart", params(("id" = uuid::Uuid, Path)), request_body = ChartEntryRevision,
    responses((status = 200, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revise(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChartEntryRevision>,
) -> ApiResult<Json<ChartEntryOut>> {
    let entry =
        state.app.revise_chart_entry(&actor, ChartEntryId(path_id(&id)?), Version(body.version), body.body, body.status.as_deref(), &body.reason).await?;
    Ok(Json(entry.into()))
}

/// Every version of an entry, oldest first.
#[utoipa::path(get, path = "/api/v1/chart-entries/{id}/history", tag = "chart", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ChartEntryOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn history(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<Vec<ChartEntryOut>>> {
    let versions = state.app.chart_entry_history(&actor, ChartEntryId(path_id(&id)?)).await?;
    Ok(Json(versions.into_iter().map(ChartEntryOut::from).collect()))
}
