//! Treatment protocols (issue 5, item 1): the current version per modality, a modality's
//! versions, and revising one. Reading needs a sign-in (clinic settings, no patient data);
//! revising needs `protocol.manage`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::protocols::modality_in_path;
use ketaclinic_domain::course::{DoseRule, Induction, MaintenanceSteps, OptionalPrechecks, Protocol, ProtocolBody};
use ketaclinic_domain::session::Thresholds;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// One version of a modality's protocol.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProtocolOut {
    /// `iv_ketamine`, `im_ketamine` or `esketamine_nasal`.
    pub modality: String,
    /// 0 = the built-in defaults (no revision stored yet), then 1, 2 …
    pub version: u32,
    /// `{kind: "weight_based", mg_per_kg, infusion_minutes?}` (IV/IM ketamine; IM without
    /// infusion) or `{kind: "fixed", first_dose_mg, dose_mg}` (esketamine).
    #[schema(value_type = Object)]
    pub dose: DoseRule,
    /// `{sessions, per_week}`.
    #[schema(value_type = Object)]
    pub induction: Induction,
    /// Steps `{from_week, to_week?, every_weeks?: {min, max}}`; no `every_weeks`: booster when
    /// symptoms return.
    #[schema(value_type = Vec<Object>)]
    pub maintenance: MaintenanceSteps,
    /// Vital-sign thresholds of the sessions (`caution_systolic`, `hold_systolic`,
    /// `alert_systolic`, the diastolic three, `alert_hr_high`, `alert_hr_low`,
    /// `alert_spo2_low`, `alert_rr_low`).
    #[schema(value_type = Object)]
    pub thresholds: Thresholds,
    pub min_observation_minutes: u32,
    /// `first_device` (esketamine) or `administration_stopped` (IV/IM).
    pub observation_from: String,
    /// False for esketamine: the label's 120 minutes cannot be changed.
    pub min_observation_editable: bool,
    /// `{pre_session_phq9}`.
    #[schema(value_type = Object)]
    pub prechecks: OptionalPrechecks,
    /// Why this version was written (absent on version 0).
    pub reason: Option<String>,
    pub created_by: Option<uuid::Uuid>,
    pub created_at: Option<Timestamp>,
}

pub(crate) fn protocol_out(p: Protocol) -> ProtocolOut {
    let observation_from = serde_json::to_value(p.observation_from()).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let b = p.body;
    ProtocolOut {
        modality: p.modality.as_str().to_owned(),
        version: p.version,
        dose: b.dose,
        induction: b.induction,
        maintenance: b.maintenance,
        thresholds: b.thresholds,
        min_observation_minutes: b.min_observation_minutes,
        observation_from,
        min_observation_editable: !p.modality.is_esketamine(),
        prechecks: b.prechecks,
        reason: p.revision.as_ref().map(|r| r.reason.as_str().to_owned()),
        created_by: p.revision.as_ref().map(|r| r.by.0),
        created_at: p.revision.as_ref().map(|r| r.at),
    }
}

/// A new version: the whole body and the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtocolRevise {
    #[schema(value_type = Object)]
    pub dose: DoseRule,
    #[schema(value_type = Object)]
    pub induction: Induction,
    #[schema(value_type = Vec<Object>)]
    pub maintenance: MaintenanceSteps,
    /// Thresholds left out keep their defaults.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub thresholds: Thresholds,
    /// Esketamine: must be 120.
    pub min_observation_minutes: u32,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub prechecks: OptionalPrechecks,
    /// Required: why the protocol changes.
    pub reason: String,
}

/// The current protocol of every modality.
#[utoipa::path(get, path = "/api/v1/protocols", tag = "courses",
    responses((status = 200, body = Vec<ProtocolOut>), (status = 401, body = Problem)))]
pub async fn current(State(state): State<AppState>, ApiActor(_actor): ApiActor) -> ApiResult<Json<Vec<ProtocolOut>>> {
    Ok(Json(state.app.protocols().await?.into_iter().map(protocol_out).collect()))
}

/// Every version of one modality's protocol, oldest first (version 0 first).
#[utoipa::path(get, path = "/api/v1/protocols/{modality}/versions", tag = "courses", params(("modality" = String, Path, description = "iv_ketamine, im_ketamine or esketamine_nasal")),
    responses((status = 200, body = Vec<ProtocolOut>), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn versions(State(state): State<AppState>, ApiActor(_actor): ApiActor, Path(modality): Path<String>) -> ApiResult<Json<Vec<ProtocolOut>>> {
    let modality = modality_in_path(&modality)?;
    Ok(Json(state.app.protocol_history(modality).await?.into_iter().map(protocol_out).collect()))
}

/// Writes the next version of a modality's protocol.
#[utoipa::path(put, path = "/api/v1/protocols/{modality}", tag = "courses", params(("modality" = String, Path, description = "iv_ketamine, im_ketamine or esketamine_nasal")),
    request_body = ProtocolRevise,
    responses((status = 201, body = ProtocolOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revise(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(modality): Path<String>,
    ApiJson(body): ApiJson<ProtocolRevise>,
) -> ApiResult<(StatusCode, Json<ProtocolOut>)> {
    let grant = state.app.authorize::<perm::ProtocolManage>(&actor).await?;
    let modality = modality_in_path(&modality)?;
    let new = ProtocolBody {
        dose: body.dose,
        induction: body.induction,
        maintenance: body.maintenance,
        thresholds: body.thresholds,
        min_observation_minutes: body.min_observation_minutes,
        prechecks: body.prechecks,
    };
    let protocol = state.app.revise_protocol(&grant, modality, new, &body.reason).await?;
    Ok((StatusCode::CREATED, Json(protocol_out(protocol))))
}
