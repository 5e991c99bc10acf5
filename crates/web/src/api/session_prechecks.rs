//! A session's pre-checks over HTTP: the status now, and completing them (nurse attestations,
//! prescriber overrides). Failed checks without an override are 409 listing each one, like
//! discharge.

use axum::Json;
use axum::extract::{Path, State};
use jiff::Timestamp;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::session_prechecks::{PrecheckInput, PrecheckStatus};
use ketaclinic_domain::ids::TreatmentSessionId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::path_id;
use super::sessions::{SessionOut, session_out};
use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// One check and how it came out.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrecheckOut {
    /// `identity_confirmed`, `consent_valid`, `rems_enrolled`, `eligibility_current`, `fasting`,
    /// `escort_confirmed`, `medications_reviewed`, `pregnancy_status`, `pre_session_phq9` or
    /// `pre_dose_vitals`.
    pub check: String,
    /// `passed`, `passed_with_warning`, `failed` or `not_applicable`.
    pub outcome: String,
    /// The warning or the failure, in words.
    pub message: Option<String>,
    /// Whether a prescriber may override a failure (identity, consent, REMS enrolment and the
    /// medication review cannot be overridden).
    pub overridable: bool,
}

/// A recorded override.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrecheckOverrideOut {
    pub check: String,
    pub reason: String,
    pub by: uuid::Uuid,
    pub by_name: String,
}

/// The pre-checks of a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrecheckStatusOut {
    /// No failed check left (before completion the attestation checks show as failed: not
    /// confirmed yet).
    pub ready: bool,
    pub checks: Vec<PrecheckOut>,
    /// When they were completed (null before).
    pub completed_at: Option<Timestamp>,
    pub completed_by: Option<uuid::Uuid>,
    pub overrides: Vec<PrecheckOverrideOut>,
}

pub(crate) fn precheck_status_out(s: PrecheckStatus) -> PrecheckStatusOut {
    let overridden = |id: &str| s.completed.as_ref().is_some_and(|c| c.overrides.iter().any(|o| o.check == id));
    PrecheckStatusOut {
        ready: s.checks.iter().all(|c| !c.outcome.is_failed() || overridden(c.check.id())),
        checks: s
            .checks
            .iter()
            .map(|c| PrecheckOut {
                check: c.check.id().to_owned(),
                outcome: c.outcome.name().to_owned(),
                message: c.outcome.message().map(str::to_owned),
                overridable: c.check.overridable(),
            })
            .collect(),
        completed_at: s.completed.as_ref().map(|c| c.at),
        completed_by: s.completed.as_ref().map(|c| c.by.0),
        overrides: s
            .completed
            .map(|c| c.overrides.into_iter().map(|o| PrecheckOverrideOut { check: o.check, reason: o.reason, by: o.by.0, by_name: o.by_name }).collect())
            .unwrap_or_default(),
    }
}

/// The escort who drives the patient home.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscortIn {
    pub name: String,
    pub phone: String,
}

/// A prescriber's override of a failed check.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideIn {
    pub check: String,
    pub reason: String,
}

/// Completing the pre-checks.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrechecksRequest {
    /// The nurse confirmed the patient's identity.
    pub identity_confirmed: bool,
    /// Esketamine: no food for 2 h and no liquids for 30 min (SPRAVATO label).
    pub fasting_confirmed: Option<bool>,
    pub escort: Option<EscortIn>,
    /// The medication list was reviewed (flagged CNS depressants, stimulants and MAOIs warn).
    pub medications_reviewed: bool,
    /// `not_pregnant` or `not_applicable`.
    pub pregnancy: Option<String>,
    /// Overrides of failed checks, each with a reason (prescriber only).
    #[serde(default)]
    pub overrides: Vec<OverrideIn>,
    /// When they were completed, if documented after the fact (default now).
    pub at: Option<Timestamp>,
}

/// The pre-checks as they stand.
#[utoipa::path(get, path = "/api/v1/sessions/{id}/prechecks", tag = "sessions", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = PrecheckStatusOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn status(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<PrecheckStatusOut>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    Ok(Json(precheck_status_out(state.app.precheck_status(&grant, TreatmentSessionId(path_id(&id)?)).await?)))
}

/// Completes the pre-checks and moves the session to `prechecks_done`; 409 listing each failed
/// check without an override.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/prechecks", tag = "sessions", params(("id" = uuid::Uuid, Path)), request_body = PrechecksRequest,
    responses((status = 200, body = SessionOut), (status = 401, body = Problem), (status = 403, body = Problem, description = "overrides need a prescriber"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not checked in, or failed checks: `errors` lists each (field = check id)"),
        (status = 422, body = Problem)))]
pub async fn complete(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PrechecksRequest>,
) -> ApiResult<Json<SessionOut>> {
    let grant = state.app.authorize::<perm::ClinicalWrite>(&actor).await?;
    let input = PrecheckInput {
        identity_confirmed: body.identity_confirmed,
        fasting_confirmed: body.fasting_confirmed,
        escort: body.escort.map(|e| (e.name, e.phone)),
        medications_reviewed: body.medications_reviewed,
        pregnancy: body.pregnancy,
        overrides: body.overrides.into_iter().map(|o| (o.check, o.reason)).collect(),
        at: body.at,
    };
    match state.app.complete_prechecks(&grant, TreatmentSessionId(path_id(&id)?), &input).await? {
        Ok(s) => Ok(Json(session_out(&s))),
        Err(refused) => {
            let mut problem = Problem::from(ketaclinic_app::AppError::Conflict(
                "pre-checks failed: the checks below block dosing (a prescriber may override those that allow it, with a reason)".to_owned(),
            ));
            problem.errors = refused
                .unmet
                .into_iter()
                .map(|r| ketaclinic_domain::FieldError::new(r.check.id(), r.outcome.message().unwrap_or("failed").to_owned()))
                .collect();
            Err(problem)
        }
    }
}
