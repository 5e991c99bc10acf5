//! Enquiries: the public call-back form and the staff queue.
//!
//! `POST /api/v1/enquiries` is the one API write that needs no login. Without credentials it is
//! a public submission (rate limited per address; a filled `website` honeypot answers 201 but
//! stores nothing — see `ketaclinic_app::enquiries`); with valid credentials and the
//! `enquiry.manage` permission it is staff logging a call, and may carry `received_at`.
//!
//! Status codes: a well-formed request that the enquiry's current status does not allow (e.g.
//! closed → reached, an attempt on a closed enquiry) is **409**, because the same request
//! could succeed on an enquiry in another state; a bad value (unknown status, missing close
//! reason, `converted` through this endpoint) is **422** naming the field.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::enquiries::{EnquiryInput, EnquiryReceipt, EnquiryView, Submitter};
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::enquiry::ContactAttempt;
use ketaclinic_domain::ids::EnquiryId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::path_id;
use crate::auth::{ApiActor, Client, MaybeActor};
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A call-back request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnquiryRequest {
    pub name: String,
    /// Normalised to E.164; national numbers are read in the clinic's region (`clinic.phone_region`).
    pub phone: String,
    pub email: Option<String>,
    /// At most 2000 characters.
    pub message: Option<String>,
    /// Free text, at most 100 characters, e.g. "weekday evenings".
    pub best_time: Option<String>,
    /// Must be `true`.
    pub consent_to_contact: bool,
    /// Staff only (signed in): when a phone call or voicemail came in; not in the future.
    pub received_at: Option<Timestamp>,
    /// Honeypot: leave empty. A filled value gets a 201 that stores nothing.
    pub website: Option<String>,
}

/// The enquiry was received; it is due for a call-back by `contact_due_by`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnquiryCreated {
    pub id: uuid::Uuid,
    pub received_at: Timestamp,
    /// One business day after the clock starts, per the clinic calendar.
    pub contact_due_by: Timestamp,
}

impl From<EnquiryReceipt> for EnquiryCreated {
    fn from(r: EnquiryReceipt) -> Self {
        Self { id: r.id.0, received_at: r.received_at, contact_due_by: r.contact_due_by }
    }
}

/// A logged contact attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptOut {
    pub id: uuid::Uuid,
    pub at: Timestamp,
    /// `phone`, `sms` or `email`.
    pub channel: String,
    /// `reached`, `no_answer`, `left_voicemail`, `message_sent` or `wrong_number`.
    pub outcome: String,
    pub note: Option<String>,
    pub by: uuid::Uuid,
}

impl From<ContactAttempt> for AttemptOut {
    fn from(a: ContactAttempt) -> Self {
        Self { id: a.id.0, at: a.at, channel: a.channel.as_str().to_owned(), outcome: a.outcome.as_str().to_owned(), note: a.note, by: a.by.0 }
    }
}

/// An enquiry in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnquiryOut {
    pub id: uuid::Uuid,
    pub name: String,
    /// E.164.
    pub phone: String,
    pub email: Option<String>,
    pub message: Option<String>,
    pub best_time: Option<String>,
    pub consent_to_contact: bool,
    /// `web_form` or `staff`.
    pub source: String,
    pub recorded_by: Option<uuid::Uuid>,
    pub received_at: Timestamp,
    pub contact_due_by: Timestamp,
    /// Not yet reached and past `contact_due_by`.
    pub overdue: bool,
    /// `new`, `attempted`, `reached`, `consult_booked`, `converted` or `closed`.
    pub status: String,
    pub closed_reason: Option<String>,
    pub updated_at: Timestamp,
    /// Oldest first.
    pub attempts: Vec<AttemptOut>,
    /// The patient it was converted into.
    pub patient_id: Option<uuid::Uuid>,
}

impl From<EnquiryView> for EnquiryOut {
    fn from(v: EnquiryView) -> Self {
        let e = v.enquiry;
        let d = e.details;
        Self {
            id: e.id.0,
            name: d.name.as_str().to_owned(),
            phone: d.phone.as_str().to_owned(),
            email: d.email.map(String::from),
            message: d.message,
            best_time: d.best_time,
            consent_to_contact: d.consent_to_contact,
            source: e.source.as_str().to_owned(),
            recorded_by: e.recorded_by.map(|u| u.0),
            received_at: e.received_at,
            contact_due_by: e.contact_due_by,
            overdue: v.overdue,
            status: e.status.as_str().to_owned(),
            closed_reason: e.closed_reason,
            updated_at: e.updated_at,
            attempts: e.attempts.into_iter().map(AttemptOut::from).collect(),
            patient_id: e.patient_id.map(|p| p.0),
        }
    }
}

/// Which enquiries.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// One status; without it, every open enquiry (new, attempted, reached, consult_booked).
    pub status: Option<String>,
}

/// A contact attempt.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttemptRequest {
    /// `phone`, `sms` or `email`.
    pub channel: String,
    /// `reached`, `no_answer`, `left_voicemail`, `message_sent` or `wrong_number`.
    pub outcome: String,
    pub note: Option<String>,
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `attempted`, `reached`, `consult_booked` or `closed` (`converted` comes with converting).
    pub status: String,
    /// Required with `closed`, refused otherwise.
    pub reason: Option<String>,
}

/// Submits an enquiry: public (no login) or staff logging a call.
#[utoipa::path(post, path = "/api/v1/enquiries", tag = "enquiries", request_body = EnquiryRequest, security((), ("bearer" = []), ("session" = [])),
    responses((status = 201, body = EnquiryCreated), (status = 403, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    Client(client): Client,
    ApiJson(body): ApiJson<EnquiryRequest>,
) -> ApiResult<(StatusCode, Json<EnquiryCreated>)> {
    let input = EnquiryInput {
        name: body.name,
        phone: body.phone,
        email: body.email,
        message: body.message,
        best_time: body.best_time,
        consent_to_contact: body.consent_to_contact,
        received_at: body.received_at,
        website: body.website,
    };
    let receipt = match actor {
        Some(actor) => {
            let grant = state.app.authorize::<perm::EnquiryManage>(&actor).await?;
            state.app.submit_enquiry(&input, Submitter::Staff(&grant)).await?
        }
        None => state.app.submit_enquiry(&input, Submitter::Public(&client)).await?,
    };
    Ok((StatusCode::CREATED, Json(receipt.into())))
}

/// The call-back queue, earliest due first.
#[utoipa::path(get, path = "/api/v1/enquiries", tag = "enquiries", params(QueueParams),
    responses((status = 200, body = Vec<EnquiryOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiQuery(p): ApiQuery<QueueParams>) -> ApiResult<Json<Vec<EnquiryOut>>> {
    let grant = state.app.authorize::<perm::EnquiryManage>(&actor).await?;
    Ok(Json(state.app.enquiry_queue(&grant, p.status.as_deref()).await?.into_iter().map(EnquiryOut::from).collect()))
}

/// Logs a contact attempt.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/attempts", tag = "enquiries", params(("id" = uuid::Uuid, Path)), request_body = AttemptRequest,
    responses((status = 201, body = EnquiryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn attempt(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AttemptRequest>,
) -> ApiResult<(StatusCode, Json<EnquiryOut>)> {
    let grant = state.app.authorize::<perm::EnquiryManage>(&actor).await?;
    let view = state.app.record_contact_attempt(&grant, EnquiryId(path_id(&id)?), &body.channel, &body.outcome, body.note.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// Changes an enquiry's status.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/status", tag = "enquiries", params(("id" = uuid::Uuid, Path)), request_body = StatusRequest,
    responses((status = 200, body = EnquiryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_status(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusRequest>,
) -> ApiResult<Json<EnquiryOut>> {
    let grant = state.app.authorize::<perm::EnquiryManage>(&actor).await?;
    let view = state.app.change_enquiry_status(&grant, EnquiryId(path_id(&id)?), &body.status, body.reason.as_deref()).await?;
    Ok(Json(view.into()))
}

/// The patient an enquiry becomes. Phone and e-mail default to the enquiry's.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertRequest {
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`, not in the future.
    pub birth_date: String,
    /// `female`, `male`, `other` or `unknown`.
    pub sex: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The new patient and the converted enquiry.
#[derive(Debug, Serialize, ToSchema)]
pub struct Converted {
    pub patient: super::patients::PatientOut,
    pub enquiry: EnquiryOut,
}

/// Converts an enquiry (status `consult_booked`) into a patient.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/convert", tag = "enquiries", params(("id" = uuid::Uuid, Path)), request_body = ConvertRequest,
    responses((status = 201, body = Converted), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn convert(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConvertRequest>,
) -> ApiResult<(StatusCode, Json<Converted>)> {
    let grant = state.app.authorize::<perm::EnquiryManage>(&actor).await?;
    let register = state.app.authorize::<perm::PatientRegister>(&actor).await?;
    let input = ketaclinic_app::patients::PatientInput {
        given_name: body.given_name,
        family_name: body.family_name,
        birth_date: body.birth_date,
        sex: body.sex,
        phone: body.phone,
        email: body.email,
    };
    let (patient, view) = state.app.convert_enquiry(&grant, &register, EnquiryId(path_id(&id)?), &input).await?;
    Ok((StatusCode::CREATED, Json(Converted { patient: (&patient).into(), enquiry: view.into() })))
}
