//! Patients: register, search, open, correct, mark entered in error, history.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use ketaclinic_app::patients::PatientInput;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::patient::{Patient, PatientDetails, PatientVersion};
use ketaclinic_domain::record::{RecordStatus, Version};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A patient to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientCreate {
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`, not in the future.
    pub birth_date: String,
    /// `female`, `male`, `other` or `unknown`.
    pub sex: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Given by another system; generated from the clinic prefix when absent.
    pub mrn: Option<String>,
}

/// A correction: the full details, the version it corrects, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientUpdate {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub sex: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The version being corrected (optimistic concurrency).
    pub version: u32,
    pub reason: String,
}

/// A status change (`entered_in_error` or back to `active`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientStatusChange {
    pub status: String,
    pub version: u32,
    pub reason: String,
}

/// A patient record as it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatientOut {
    pub id: uuid::Uuid,
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub sex: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub version: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn details_out(d: &PatientDetails) -> (String, String, String, String, Option<String>, Option<String>) {
    (
        d.given_name.as_str().to_owned(),
        d.family_name.as_str().to_owned(),
        d.birth_date.date().to_string(),
        d.sex.as_str().to_owned(),
        d.phone.as_ref().map(|p| p.as_str().to_owned()),
        d.email.as_ref().map(|e| e.as_str().to_owned()),
    )
}

impl From<&Patient> for PatientOut {
    fn from(p: &Patient) -> Self {
        let (given_name, family_name, birth_date, sex, phone, email) = details_out(&p.details);
        Self {
            id: p.id.0,
            mrn: p.mrn.as_str().to_owned(),
            given_name,
            family_name,
            birth_date,
            sex,
            phone,
            email,
            status: p.status.as_str().to_owned(),
            version: p.version.0,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A page of patients.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatientPage {
    pub items: Vec<PatientOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One version of a patient record.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatientVersionOut {
    pub version: u32,
    pub recorded_at: Timestamp,
    pub recorded_by: uuid::Uuid,
    /// Absent for the first version.
    pub reason: Option<String>,
    pub status: String,
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub sex: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl From<&PatientVersion> for PatientVersionOut {
    fn from(v: &PatientVersion) -> Self {
        let (given_name, family_name, birth_date, sex, phone, email) = details_out(&v.details);
        Self {
            version: v.version.0,
            recorded_at: v.recorded_at,
            recorded_by: v.recorded_by.0,
            reason: v.reason.as_ref().map(|r| r.as_str().to_owned()),
            status: v.status.as_str().to_owned(),
            mrn: v.mrn.as_str().to_owned(),
            given_name,
            family_name,
            birth_date,
            sex,
            phone,
            email,
        }
    }
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Name words (prefix of family or given name), an MRN, or a birth date `YYYY-MM-DD`.
    pub q: Option<String>,
    pub cursor: Option<String>,
    /// 1–100, default 25.
    pub limit: Option<u32>,
    /// Include records marked entered in error.
    #[serde(default)]
    pub include_entered_in_error: bool,
}

/// Registers a patient.
#[utoipa::path(post, path = "/api/v1/patients", tag = "patients", request_body = PatientCreate,
    responses((status = 201, body = PatientOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn create(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiJson(body): ApiJson<PatientCreate>) -> ApiResult<Response> {
    let grant = state.app.authorize::<perm::PatientRegister>(&actor).await?;
    let input = PatientInput {
        given_name: body.given_name,
        family_name: body.family_name,
        birth_date: body.birth_date,
        sex: body.sex,
        phone: body.phone,
        email: body.email,
    };
    let patient = state.app.register_patient(&grant, &input, body.mrn.as_deref()).await?;
    let location = format!("/api/v1/patients/{}", patient.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(PatientOut::from(&patient))).into_response())
}

/// Finds patients.
#[utoipa::path(get, path = "/api/v1/patients", tag = "patients", params(SearchParams),
    responses((status = 200, body = PatientPage), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn search(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiQuery(params): ApiQuery<SearchParams>) -> ApiResult<Json<PatientPage>> {
    let grant = state.app.authorize::<perm::PatientRead>(&actor).await?;
    let page =
        state.app.search_patients(&grant, params.q.as_deref().unwrap_or(""), params.cursor.as_deref(), params.limit, params.include_entered_in_error).await?;
    Ok(Json(PatientPage { items: page.items.iter().map(PatientOut::from).collect(), next_cursor: page.next_cursor }))
}

/// Opens a patient record.
#[utoipa::path(get, path = "/api/v1/patients/{id}", tag = "patients", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = PatientOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn read(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<PatientOut>> {
    let grant = state.app.authorize::<perm::PatientRead>(&actor).await?;
    let patient = state.app.patient(&grant, PatientId(path_id(&id)?)).await?;
    Ok(Json(PatientOut::from(&patient)))
}

/// Corrects a patient's details (a new version).
#[utoipa::path(put, path = "/api/v1/patients/{id}", tag = "patients", params(("id" = uuid::Uuid, Path)), request_body = PatientUpdate,
    responses((status = 200, body = PatientOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatientUpdate>,
) -> ApiResult<Json<PatientOut>> {
    let grant = state.app.authorize::<perm::PatientUpdate>(&actor).await?;
    let input = PatientInput {
        given_name: body.given_name,
        family_name: body.family_name,
        birth_date: body.birth_date,
        sex: body.sex,
        phone: body.phone,
        email: body.email,
    };
    let patient = state.app.update_patient(&grant, PatientId(path_id(&id)?), &input, Version(body.version), &body.reason).await?;
    Ok(Json(PatientOut::from(&patient)))
}

/// Marks a record entered in error (or active again).
#[utoipa::path(post, path = "/api/v1/patients/{id}/status", tag = "patients", params(("id" = uuid::Uuid, Path)), request_body = PatientStatusChange,
    responses((status = 200, body = PatientOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_status(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatientStatusChange>,
) -> ApiResult<Json<PatientOut>> {
    let grant = state.app.authorize::<perm::PatientMarkEnteredInError>(&actor).await?;
    let status = RecordStatus::parse(&body.status).map_err(|e| Problem::from(ketaclinic_app::AppError::Invalid(ValidationErrors::from(e))))?;
    let patient = state.app.set_patient_status(&grant, PatientId(path_id(&id)?), status, Version(body.version), &body.reason).await?;
    Ok(Json(PatientOut::from(&patient)))
}

/// Every version of a record, oldest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/history", tag = "patients", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<PatientVersionOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn history(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<Vec<PatientVersionOut>>> {
    let grant = state.app.authorize::<perm::PatientRead>(&actor).await?;
    let versions = state.app.patient_history(&grant, PatientId(path_id(&id)?)).await?;
    Ok(Json(versions.iter().map(PatientVersionOut::from).collect()))
}
