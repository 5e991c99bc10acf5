//! Evaluations, the eligibility check and eligibility decisions.
//!
//! The evaluation document is the domain's `Evaluation`, deserialized directly (so a bad field
//! is named with its full path, e.g. `evaluation.antidepressant_trials[0].outcome`); the
//! `*Doc` structs below only describe it in the OpenAPI document.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ketaclinic_app::evaluations::{DecisionInput, EligibilityView, EvaluationNotes};
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::chart::ChartKind;
use ketaclinic_domain::chart::consent::Override;
use ketaclinic_domain::eligibility::{EligibilityResult, Evaluation, Modality};
use ketaclinic_domain::ids::{ChartEntryId, PatientId};
use ketaclinic_domain::record::Version;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::chart::ChartEntryOut;
use super::path_id;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// One antidepressant trial in the current episode.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation schema only")]
pub struct TrialDoc {
    /// Generic or brand name; looked up in the bundled drug table (unknown names make the trial unassessable).
    drug: String,
    daily_dose_mg: f64,
    weeks: f64,
    adherent: bool,
    /// `no_response`, `partial_response`, `response` or `not_tolerated`.
    outcome: String,
}

/// Vital signs at the evaluation.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation schema only")]
pub struct VitalsDoc {
    /// mmHg.
    systolic: Option<u32>,
    /// mmHg.
    diastolic: Option<u32>,
    /// Beats per minute.
    heart_rate: Option<u32>,
}

/// A current medication.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation schema only")]
pub struct MedicationDoc {
    name: String,
    /// Any of `benzodiazepine`, `sedative_hypnotic`, `opioid`, `psychostimulant`, `maoi`,
    /// `lamotrigine`, `ssri`, `snri`, `tca`, `other_antidepressant`; the drug table adds the
    /// classes it knows for the name.
    classes: Vec<String>,
}

/// The structured evaluation (every field optional; absent = not yet known).
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation schema only")]
pub struct EvaluationDoc {
    age_years: Option<u32>,
    /// `female`, `male`, `other` or `unknown`.
    sex: Option<String>,
    /// `null` = unknown (a finding for women aged 12–55).
    pregnant: Option<bool>,
    breastfeeding: Option<bool>,
    /// ICD-10-CM, e.g. `F33.2`.
    primary_diagnosis: Option<String>,
    episode_duration_months: Option<u32>,
    /// `subsyndromal`, `mild`, `moderate`, `severe` or `severe_psychotic`.
    severity: Option<String>,
    antidepressant_trials: Vec<TrialDoc>,
    augmentation_used: bool,
    ect_used: bool,
    /// Condition keys: `aneurysmal_vascular_disease`, `arteriovenous_malformation`,
    /// `intracerebral_hemorrhage`, `hypersensitivity_ketamine`, `psychosis`, `schizophrenia`,
    /// `current_mania`, `substance_use_disorder_active`, `ketamine_misuse`,
    /// `uncontrolled_hypertension`, `unstable_cardiac_disease`, `raised_intracranial_pressure`,
    /// `bipolar_disorder`, `glaucoma`, `severe_hepatic_impairment`, `sleep_apnea_untreated`, `dementia`.
    history: Vec<String>,
    vitals: Option<VitalsDoc>,
    medications: Vec<MedicationDoc>,
    /// `none`, `low`, `moderate` or `high`.
    cssrs_risk: Option<String>,
}

/// One finding of the eligibility engine.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation schema only")]
pub struct FindingDoc {
    /// Stable rule id, e.g. `bp_elevated`, `not_trd`, `psychosis`.
    rule: String,
    /// `contraindication`, `exclusion`, `caution` or `missing`.
    kind: String,
    message: String,
    /// Where the rule comes from (REFERENCE section, label or clinic policy).
    source: String,
}

/// The eligibility result.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation schema only")]
pub struct EligibilityDoc {
    /// `eligible`, `eligible_with_cautions`, `not_eligible` or `incomplete`.
    decision: String,
    /// Every finding, in rule-table order.
    findings: Vec<FindingDoc>,
    /// Treatment resistance: adequate failed trials, unassessable trials, Maudsley score and
    /// band, Thase–Rush stage.
    #[schema(value_type = Object)]
    trd: serde_json::Value,
}

/// A stateless check.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// `iv_ketamine`, `im_ketamine` or `esketamine_nasal`.
    #[schema(value_type = String)]
    pub modality: Modality,
    #[schema(value_type = EvaluationDoc)]
    pub evaluation: Evaluation,
}

/// An evaluation to store (a draft until signed).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRequest {
    #[schema(value_type = EvaluationDoc)]
    pub evaluation: Evaluation,
    pub psychiatric_notes: Option<String>,
    pub medical_notes: Option<String>,
}

/// An edit of a draft or an amendment of a signed evaluation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationAmendment {
    pub version: u32,
    #[schema(value_type = EvaluationDoc)]
    pub evaluation: Evaluation,
    pub psychiatric_notes: Option<String>,
    pub medical_notes: Option<String>,
    pub reason: String,
}

/// Signs a version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    pub version: u32,
}

/// A finding overridden with a reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideRequest {
    pub rule: String,
    pub reason: String,
}

/// The prescriber's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    #[schema(value_type = String)]
    pub modality: Modality,
    /// A signed evaluation of this patient.
    pub evaluation_id: uuid::Uuid,
    /// `approved` or `declined`.
    pub outcome: String,
    /// Required when approving over a contraindication, exclusion or missing finding (one per finding).
    #[serde(default)]
    pub overrides: Vec<OverrideRequest>,
    pub note: Option<String>,
}

/// Which modality.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ModalityParams {
    /// `iv_ketamine`, `im_ketamine` or `esketamine_nasal`.
    #[param(value_type = String)]
    pub modality: Modality,
}

/// A patient's eligibility for one modality.
#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityOut {
    #[schema(value_type = String)]
    pub modality: Modality,
    /// The newest evaluation.
    pub evaluation: Option<ChartEntryOut>,
    /// The engine's result on it.
    #[schema(value_type = Option<EligibilityDoc>)]
    pub result: Option<EligibilityResult>,
    /// The latest decision for this modality.
    pub decision: Option<ChartEntryOut>,
    /// The decision was made on the evaluation version shown.
    pub decision_current: bool,
}

impl From<EligibilityView> for EligibilityOut {
    fn from(v: EligibilityView) -> Self {
        Self {
            modality: v.modality,
            evaluation: v.evaluation.map(ChartEntryOut::from),
            result: v.result,
            decision: v.decision.map(ChartEntryOut::from),
            decision_current: v.decision_current,
        }
    }
}

/// Checks an evaluation document against the eligibility rules (nothing stored).
#[utoipa::path(post, path = "/api/v1/eligibility/check", tag = "eligibility", request_body = CheckRequest,
    responses((status = 200, body = EligibilityDoc), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn check(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiJson(body): ApiJson<CheckRequest>) -> ApiResult<Json<EligibilityResult>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    Ok(Json(state.app.check_eligibility(&grant, body.modality, &body.evaluation).await?))
}

/// Stores an evaluation (an unsigned draft).
#[utoipa::path(post, path = "/api/v1/patients/{id}/evaluations", tag = "eligibility", params(("id" = uuid::Uuid, Path)), request_body = EvaluationRequest,
    responses((status = 201, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EvaluationRequest>,
) -> ApiResult<(StatusCode, Json<ChartEntryOut>)> {
    let grant = state.app.authorize::<perm::ClinicalWrite>(&actor).await?;
    let notes = EvaluationNotes { psychiatric: body.psychiatric_notes, medical: body.medical_notes };
    let entry = state.app.create_evaluation(&grant, PatientId(path_id(&id)?), body.evaluation, &notes).await?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}

/// A patient's evaluations (current versions, newest last).
#[utoipa::path(get, path = "/api/v1/patients/{id}/evaluations", tag = "eligibility", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ChartEntryOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<Vec<ChartEntryOut>>> {
    let entries = state.app.chart_entries(&actor, PatientId(path_id(&id)?), &[ChartKind::Evaluation], false).await?;
    Ok(Json(entries.into_iter().map(ChartEntryOut::from).collect()))
}

/// Edits a draft or amends a signed evaluation (a new, unsigned version with a reason).
#[utoipa::path(put, path = "/api/v1/evaluations/{id}", tag = "eligibility", params(("id" = uuid::Uuid, Path)), request_body = EvaluationAmendment,
    responses((status = 200, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn amend(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EvaluationAmendment>,
) -> ApiResult<Json<ChartEntryOut>> {
    let grant = state.app.authorize::<perm::ClinicalWrite>(&actor).await?;
    let notes = EvaluationNotes { psychiatric: body.psychiatric_notes, medical: body.medical_notes };
    let entry = state.app.amend_evaluation(&grant, ChartEntryId(path_id(&id)?), Version(body.version), body.evaluation, &notes, &body.reason).await?;
    Ok(Json(entry.into()))
}

/// Signs (and so locks) the current version of an evaluation.
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/sign", tag = "eligibility", params(("id" = uuid::Uuid, Path)), request_body = SignRequest,
    responses((status = 200, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn sign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SignRequest>,
) -> ApiResult<Json<ChartEntryOut>> {
    let grant = state.app.authorize::<perm::EvaluationSign>(&actor).await?;
    Ok(Json(state.app.sign_evaluation(&grant, ChartEntryId(path_id(&id)?), Version(body.version)).await?.into()))
}

/// The patient's eligibility for a modality on the newest evaluation, with the latest decision.
#[utoipa::path(get, path = "/api/v1/patients/{id}/eligibility", tag = "eligibility", params(("id" = uuid::Uuid, Path), ModalityParams),
    responses((status = 200, body = EligibilityOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn patient_eligibility(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<ModalityParams>,
) -> ApiResult<Json<EligibilityOut>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    Ok(Json(state.app.patient_eligibility(&grant, PatientId(path_id(&id)?), p.modality).await?.into()))
}

/// Records the prescriber's eligibility decision for a modality.
#[utoipa::path(post, path = "/api/v1/patients/{id}/eligibility-decisions", tag = "eligibility", params(("id" = uuid::Uuid, Path)), request_body = DecisionRequest,
    responses((status = 201, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> ApiResult<(StatusCode, Json<ChartEntryOut>)> {
    let grant = state.app.authorize::<perm::EligibilityDecide>(&actor).await?;
    let input = DecisionInput {
        modality: body.modality,
        evaluation_id: ChartEntryId(body.evaluation_id),
        outcome: body.outcome,
        overrides: body.overrides.into_iter().map(|o| Override { rule: o.rule, reason: o.reason }).collect(),
        note: body.note,
    };
    let entry = state.app.decide_eligibility(&grant, PatientId(path_id(&id)?), &input).await?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}
