//! Consent templates, signed consents and the SPRAVATO REMS patient enrolment.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ketaclinic_app::consents::SignatureInput;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ids::{ChartEntryId, PatientId};
use ketaclinic_domain::record::Version;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::chart::ChartEntryOut;
use super::path_id;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A consent template.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    /// `iv_ketamine`, `im_ketamine` or `esketamine_nasal`.
    #[schema(value_type = String)]
    pub modality: ketaclinic_domain::eligibility::Modality,
    pub title: String,
    /// The text the patient reads (plain text, paragraphs separated by blank lines).
    pub text: String,
    /// Only active templates are offered for signing (default true).
    pub active: Option<bool>,
}

/// A revision of a template.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRevision {
    pub version: u32,
    pub template: TemplateBody,
    pub reason: String,
}

/// Which templates.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TemplateParams {
    /// Also list inactive templates.
    #[serde(default)]
    pub include_inactive: bool,
}

fn template_json(t: TemplateBody) -> serde_json::Value {
    serde_json::json!({ "modality": t.modality, "title": t.title, "text": t.text, "active": t.active.unwrap_or(true) })
}

/// A consent the patient signs on the tablet; the signed-in user is the witness.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    pub template_id: uuid::Uuid,
    /// The template version the patient was shown.
    pub template_version: u32,
    /// The patient's name as they type it.
    pub typed_name: String,
    /// Optional drawn signature: SVG path data of `M`/`L` commands.
    pub signature_path: Option<String>,
}

/// The SPRAVATO REMS patient enrolment form (signed by the patient and the prescriber; the
/// prescriber is the signed-in user).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemsEnrollmentRequest {
    /// `YYYY-MM-DD`, not in the future.
    #[schema(value_type = String, format = Date)]
    pub enrolled_on: jiff::civil::Date,
    pub patient_signed: bool,
    pub prescriber_signed: bool,
    pub rems_patient_id: Option<String>,
}

/// The clinic's consent templates.
#[utoipa::path(get, path = "/api/v1/consent-templates", tag = "consents", params(TemplateParams),
    responses((status = 200, body = Vec<ChartEntryOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_templates(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(p): ApiQuery<TemplateParams>,
) -> ApiResult<Json<Vec<ChartEntryOut>>> {
    Ok(Json(state.app.consent_templates(&actor, p.include_inactive).await?.into_iter().map(ChartEntryOut::from).collect()))
}

/// Writes a consent template.
#[utoipa::path(post, path = "/api/v1/consent-templates", tag = "consents", request_body = TemplateBody,
    responses((status = 201, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_template(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<TemplateBody>,
) -> ApiResult<(StatusCode, Json<ChartEntryOut>)> {
    let grant = state.app.authorize::<perm::ConsentTemplateManage>(&actor).await?;
    let entry = state.app.create_consent_template(&grant, template_json(body)).await?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}

/// Revises a consent template (a new version; signed consents keep theirs).
#[utoipa::path(put, path = "/api/v1/consent-templates/{id}", tag = "consents", params(("id" = uuid::Uuid, Path)), request_body = TemplateRevision,
    responses((status = 200, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revise_template(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TemplateRevision>,
) -> ApiResult<Json<ChartEntryOut>> {
    let grant = state.app.authorize::<perm::ConsentTemplateManage>(&actor).await?;
    let entry =
        state.app.revise_consent_template(&grant, ChartEntryId(path_id(&id)?), Version(body.version), template_json(body.template), &body.reason).await?;
    Ok(Json(entry.into()))
}

/// Records a consent signed by the patient.
#[utoipa::path(post, path = "/api/v1/patients/{id}/consents", tag = "consents", params(("id" = uuid::Uuid, Path)), request_body = ConsentRequest,
    responses((status = 201, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn sign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConsentRequest>,
) -> ApiResult<(StatusCode, Json<ChartEntryOut>)> {
    let grant = state.app.authorize::<perm::ConsentWitness>(&actor).await?;
    let input = SignatureInput {
        template_id: ChartEntryId(body.template_id),
        template_version: Version(body.template_version),
        typed_name: body.typed_name,
        signature_path: body.signature_path,
    };
    let entry = state.app.sign_consent(&grant, PatientId(path_id(&id)?), &input).await?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}

/// Records the SPRAVATO REMS patient enrolment.
#[utoipa::path(post, path = "/api/v1/patients/{id}/rems-enrollment", tag = "consents", params(("id" = uuid::Uuid, Path)), request_body = RemsEnrollmentRequest,
    responses((status = 201, body = ChartEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn rems_enrollment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RemsEnrollmentRequest>,
) -> ApiResult<(StatusCode, Json<ChartEntryOut>)> {
    let grant = state.app.authorize::<perm::RemsEnroll>(&actor).await?;
    let json = serde_json::json!({
        "enrolled_on": body.enrolled_on, "patient_signed": body.patient_signed, "prescriber_signed": body.prescriber_signed,
        "rems_patient_id": body.rems_patient_id,
    });
    let entry = state.app.record_rems_enrollment(&grant, PatientId(path_id(&id)?), json).await?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}
