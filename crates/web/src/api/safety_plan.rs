//! The patient's suicide safety plan (Stanley–Brown style, REFERENCE §10): one current plan
//! per patient, saved as versions of a chart entry of kind `safety_plan`. Earlier versions are
//! read through `GET /api/v1/chart-entries/{id}/history`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ketaclinic_app::AppError;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::FieldError;
use ketaclinic_domain::chart::SafetyPlan;
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::record::Version;
use serde::Deserialize;
use utoipa::ToSchema;

use super::chart::ChartEntryOut;
use super::path_id;
use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A person, place or service on a safety plan.
#[derive(Debug, ToSchema)]
pub struct PlanContactDoc {
    /// A person's name, a place or a service (at most 200 characters).
    pub name: String,
    /// Stored E.164 (national numbers are read with the clinic's region). Required for
    /// `help_contacts` and `crisis_contacts`, where a 3–6 digit service number such as `988`
    /// is accepted too; optional for `distractions`.
    pub phone: Option<String>,
    /// e.g. "call or text, any time" (at most 100 characters).
    pub note: Option<String>,
}

/// A safety plan. Every list holds at most 20 entries; lines are trimmed, blank ones dropped,
/// at most 300 characters each. At least one warning sign or reason for living is required.
#[derive(Debug, ToSchema)]
pub struct SafetyPlanDoc {
    /// Section 1: Signs that a crisis may be starting (thoughts, moods, situations, behaviour).
    #[schema(required = false)]
    pub warning_signs: Vec<String>,
    /// Section 2: What the patient can do alone to get through it.
    #[schema(required = false)]
    pub coping_strategies: Vec<String>,
    /// Section 3: People and places that take the patient's mind off things (phone optional).
    #[schema(required = false)]
    pub distractions: Vec<PlanContactDoc>,
    /// Section 4: People the patient can ask for help (phone required).
    #[schema(required = false)]
    pub help_contacts: Vec<PlanContactDoc>,
    /// Section 5: Clinicians, services and crisis lines to call in a crisis. When the field is
    /// absent it holds the 988 Suicide & Crisis Lifeline and 911; send `[]` for none.
    #[schema(required = false)]
    pub crisis_contacts: Vec<PlanContactDoc>,
    /// Section 6: How the surroundings are made safer.
    #[schema(required = false)]
    pub safe_environment: Vec<String>,
    /// Section 7: Reasons for living: what matters most to the patient.
    #[schema(required = false)]
    pub reasons_for_living: Vec<String>,
    /// Who made the plan with the patient.
    pub made_with: Option<String>,
    /// When the plan was gone through with the patient (`YYYY-MM-DD`, not in the future);
    /// today when absent.
    #[schema(value_type = Option<String>, format = Date)]
    pub reviewed_on: Option<jiff::civil::Date>,
}

/// Saves the plan: the first save starts it; later saves revise it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SafetyPlanSave {
    #[schema(value_type = SafetyPlanDoc)]
    pub plan: SafetyPlan,
    /// The version being revised; omit on the first save, required afterwards (a stale
    /// version is a 409).
    pub version: Option<u32>,
    /// Why the plan changed, e.g. "reviewed with patient"; required when revising.
    pub reason: Option<String>,
}

/// Plan fields are reported under `plan.` (as serde names them in the body).
fn in_body(err: AppError) -> Problem {
    match err {
        AppError::Invalid(errors) => Problem::invalid(
            errors.0.into_iter().map(|e| if e.field == "reason" { e } else { FieldError::new(format!("plan.{}", e.field), e.message) }).collect(),
        ),
        other => other.into(),
    }
}

/// The patient's current safety plan (404 when there is none yet).
#[utoipa::path(get, path = "/api/v1/patients/{id}/safety-plan", tag = "chart", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn read(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<ChartEntryOut>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let entry = state.app.safety_plan(&grant, PatientId(path_id(&id)?)).await?.ok_or(AppError::NotFound)?;
    Ok(Json(entry.into()))
}

/// Saves the patient's safety plan: 201 with version 1 the first time, 200 with the new
/// version afterwards (then `version` and `reason` are required).
#[utoipa::path(put, path = "/api/v1/patients/{id}/safety-plan", tag = "chart", params(("id" = uuid::Uuid, Path)), request_body = SafetyPlanSave,
    responses((status = 200, body = ChartEntryOut), (status = 201, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SafetyPlanSave>,
) -> ApiResult<(StatusCode, Json<ChartEntryOut>)> {
    let grant = state.app.authorize::<perm::SafetyPlanWrite>(&actor).await?;
    let patient = PatientId(path_id(&id)?);
    let saved = state.app.save_safety_plan(&grant, patient, body.plan, body.version.map(Version), body.reason.as_deref()).await.map_err(in_body)?;
    let status = if saved.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(saved.entry.into())))
}
