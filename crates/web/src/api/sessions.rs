//! Treatment sessions: create, events, vitals, read (issue 5, first slice).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::sessions::SessionView;
use ketaclinic_domain::ids::{CourseId, PatientId, SessionAlertId, TreatmentSessionId};
use ketaclinic_domain::session::checkpoint::NextCheckpoint;
use ketaclinic_domain::session::discharge::DischargeCheck;
use ketaclinic_domain::session::{Session, SessionAlert, VitalReading, Vitals};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A session to book.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionCreate {
    pub patient_id: uuid::Uuid,
    /// `iv_ketamine`, `im_ketamine` or `esketamine_nasal`.
    pub modality: String,
    /// The patient's signed, open treatment course of the same modality the session belongs to.
    pub course_id: Option<uuid::Uuid>,
    pub chair: Option<String>,
}

/// A session's summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    pub modality: String,
    pub chair: Option<String>,
    /// The treatment course the session belongs to, if any.
    pub course_id: Option<uuid::Uuid>,
    /// The protocol version its thresholds came from (0: the built-in defaults).
    pub protocol_version: u32,
    /// `scheduled`, `checked_in`, `prechecks_done`, `administering`, `paused`, `observing`,
    /// `discharged` or `stopped_early`.
    pub state: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

pub(crate) fn session_out(s: &Session) -> SessionOut {
    SessionOut {
        id: s.id.0,
        patient_id: s.patient_id.0,
        modality: s.modality.as_str().to_owned(),
        chair: s.chair.clone(),
        course_id: s.course_id.map(|c| c.0),
        protocol_version: s.protocol_version,
        state: name(&s.state),
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

/// An event: `type`, optional `at` (past times document after the fact), and its fields
/// (`dose_mg`, `product`, `lot`, `concentration_mg_per_ml`, `drawn_volume_ml`,
/// `rate_ml_per_hour`, `effect`, `severity`, `drug`, `dose`, `route`, `note`, `text`, `reason` …).
#[derive(Debug, Deserialize, ToSchema)]
pub struct EventRequest {
    /// `checked_in`, `administration_started`, `device_administered`,
    /// `administration_paused`, `administration_resumed`, `rate_changed`, `administration_stopped`,
    /// `side_effect`, `intervention`, `note`, `escort_confirmed`, `dissociation_resolved`,
    /// `stopped_early`. (Pre-checks and discharge have their own endpoints.)
    #[serde(rename = "type")]
    pub kind: String,
    pub at: Option<Timestamp>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub payload: serde_json::Map<String, serde_json::Value>,
}

/// One reading.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadingIn {
    pub at: Timestamp,
    pub systolic: Option<u32>,
    pub diastolic: Option<u32>,
    pub heart_rate: Option<u32>,
    pub spo2: Option<u32>,
    pub resp_rate: Option<u32>,
    /// Default `manual`.
    pub device_id: Option<String>,
}

/// A batch of readings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VitalsRequest {
    pub readings: Vec<ReadingIn>,
}

/// An alert raised by a reading, stored with it, and its acknowledgement.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertOut {
    pub id: uuid::Uuid,
    /// `bp_high`, `hr_high`, `hr_low`, `spo2_low` or `rr_low`.
    pub code: String,
    pub message: String,
    /// The reading's time.
    pub at: Timestamp,
    /// The reading's device (`manual` for hand entry).
    pub device_id: String,
    /// When the reading arrived.
    pub raised_at: Timestamp,
    /// Null while open.
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<uuid::Uuid>,
    pub acknowledgement_note: Option<String>,
}

pub(crate) fn alert_out(a: SessionAlert) -> AlertOut {
    let ack = a.acknowledgement;
    AlertOut {
        id: a.id.0,
        code: a.code.code().to_owned(),
        message: a.message,
        at: a.at,
        device_id: a.device_id,
        raised_at: a.raised_at,
        acknowledged_at: ack.as_ref().map(|k| k.at),
        acknowledged_by: ack.as_ref().map(|k| k.by.0),
        acknowledgement_note: ack.and_then(|k| k.note),
    }
}

/// Acknowledging an alert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertAckRequest {
    /// What was done (recheck, infusion slowed, prescriber called …); at most 2,000 characters.
    pub note: Option<String>,
}

/// What a batch did.
#[derive(Debug, Serialize, ToSchema)]
pub struct VitalsReceiptOut {
    pub accepted: u32,
    pub duplicates: u32,
    pub alerts: Vec<AlertOut>,
}

/// One timeline entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineOut {
    pub id: uuid::Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub at: Timestamp,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub recorded_by: uuid::Uuid,
    pub recorded_at: Timestamp,
}

/// An unmet discharge criterion.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnmetOut {
    /// `minimum_observation`, `vitals_acceptable`, `moaas_5`, `dissociation_resolved` or `escort_confirmed`.
    pub criterion: String,
    pub message: String,
}

/// The discharge criteria now.
#[derive(Debug, Serialize, ToSchema)]
pub struct DischargeOut {
    pub ready: bool,
    pub met: Vec<String>,
    pub unmet: Vec<UnmetOut>,
    /// When everything but the minimum time was first met.
    pub ready_to_leave_at: Option<Timestamp>,
    /// When the minimum observation ends (esketamine: 120 min after the first device).
    pub minimum_until: Option<Timestamp>,
}

fn discharge_out(c: DischargeCheck) -> DischargeOut {
    DischargeOut {
        ready: c.ready,
        met: c.met.iter().map(|m| m.id().to_owned()).collect(),
        unmet: c.unmet.into_iter().map(|(k, m)| UnmetOut { criterion: k.id().to_owned(), message: m }).collect(),
        ready_to_leave_at: c.ready_to_leave_at,
        minimum_until: c.minimum_until,
    }
}

/// A session in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDetail {
    #[serde(flatten)]
    pub session: SessionOut,
    pub timeline: Vec<TimelineOut>,
    #[schema(value_type = Vec<Object>)]
    pub vitals: Vec<VitalReading>,
    pub alerts: Vec<AlertOut>,
    pub discharge: DischargeOut,
    pub prechecks: super::session_prechecks::PrecheckStatusOut,
    /// The next observation due; null before check-in and once the session is closed.
    pub next_checkpoint: Option<CheckpointOut>,
}

/// The next observation due (BP per the modality's schedule; MOAA/S and CADSS pre-dose, at
/// about 40 min and before discharge).
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointOut {
    pub due_at: Timestamp,
    /// Any of `blood_pressure`, `moaas`, `cadss`.
    pub what: Vec<String>,
    /// Which checkpoint, in words ("40 min after the first device").
    pub label: String,
    /// More than 5 minutes past due with nothing recorded (clinic default).
    pub overdue: bool,
}

fn checkpoint_out(c: NextCheckpoint) -> CheckpointOut {
    CheckpointOut { due_at: c.due_at, what: c.what.iter().map(name).collect(), label: c.label, overdue: c.overdue }
}

/// Discharging.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DischargeRequest {
    /// A prescriber's reason to discharge over unmet clinic-policy criteria (never over
    /// esketamine's 120-minute label minimum).
    pub override_reason: Option<String>,
}

impl From<SessionView> for SessionDetail {
    fn from(v: SessionView) -> Self {
        Self {
            session: session_out(&v.session),
            timeline: v
                .events
                .into_iter()
                .map(|e| TimelineOut {
                    id: e.id.0,
                    kind: name(&e.event),
                    at: e.at,
                    payload: e.payload,
                    recorded_by: e.recorded_by.0,
                    recorded_at: e.recorded_at,
                })
                .collect(),
            vitals: v.vitals,
            alerts: v.alerts.into_iter().map(alert_out).collect(),
            discharge: discharge_out(v.discharge),
            prechecks: super::session_prechecks::precheck_status_out(v.prechecks),
            next_checkpoint: v.next_checkpoint.map(checkpoint_out),
        }
    }
}

/// Books a session.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", request_body = SessionCreate,
    responses((status = 201, body = SessionOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<SessionCreate>,
) -> ApiResult<(StatusCode, Json<SessionOut>)> {
    let grant = state.app.authorize::<perm::ClinicalWrite>(&actor).await?;
    let s = state.app.create_session(&grant, PatientId(body.patient_id), &body.modality, body.course_id.map(CourseId), body.chair.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(session_out(&s))))
}

/// Records an event; one that does not fit the session's history is 409.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/events", tag = "sessions", params(("id" = uuid::Uuid, Path)), request_body = EventRequest,
    responses((status = 201, body = SessionOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn event(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EventRequest>,
) -> ApiResult<(StatusCode, Json<SessionOut>)> {
    let grant = state.app.authorize::<perm::ClinicalWrite>(&actor).await?;
    let s = state.app.record_session_event(&grant, TreatmentSessionId(path_id(&id)?), &body.kind, body.at, serde_json::Value::Object(body.payload)).await?;
    Ok((StatusCode::CREATED, Json(session_out(&s))))
}

/// Ingests vital signs (idempotent on device and time).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/vitals", tag = "sessions", params(("id" = uuid::Uuid, Path)), request_body = VitalsRequest,
    responses((status = 200, body = VitalsReceiptOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn vitals(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VitalsRequest>,
) -> ApiResult<Json<VitalsReceiptOut>> {
    let grant = state.app.authorize::<perm::ClinicalWrite>(&actor).await?;
    let readings = body
        .readings
        .into_iter()
        .map(|r| VitalReading {
            at: r.at,
            device_id: r.device_id.unwrap_or_else(|| "manual".to_owned()),
            vitals: Vitals { systolic: r.systolic, diastolic: r.diastolic, heart_rate: r.heart_rate, spo2: r.spo2, resp_rate: r.resp_rate },
        })
        .collect();
    let receipt = state.app.record_vitals(&grant, TreatmentSessionId(path_id(&id)?), readings).await?;
    Ok(Json(VitalsReceiptOut { accepted: receipt.accepted, duplicates: receipt.duplicates, alerts: receipt.alerts.into_iter().map(alert_out).collect() }))
}

/// A session with its timeline, readings and alerts.
#[utoipa::path(get, path = "/api/v1/sessions/{id}", tag = "sessions", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = SessionDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn read(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<SessionDetail>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    Ok(Json(state.app.session_view(&grant, TreatmentSessionId(path_id(&id)?)).await?.into()))
}

/// Discharges the patient: 409 listing the unmet criteria unless all are met, or a prescriber
/// overrides clinic-policy criteria with a reason.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/discharge", tag = "sessions", params(("id" = uuid::Uuid, Path)), request_body = DischargeRequest,
    responses((status = 200, body = SessionOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not ready: `errors` lists each unmet criterion (field = criterion id)")))]
pub async fn discharge(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DischargeRequest>,
) -> ApiResult<Json<SessionOut>> {
    let grant = state.app.authorize::<perm::ClinicalWrite>(&actor).await?;
    match state.app.discharge(&grant, TreatmentSessionId(path_id(&id)?), body.override_reason.as_deref()).await? {
        Ok(s) => Ok(Json(session_out(&s))),
        Err(refused) => {
            let detail = if refused.label_minimum {
                "not ready to leave: the SPRAVATO label requires 120 minutes of observation from the first device, which no override shortens"
            } else {
                "not ready to leave: the criteria below are unmet (a prescriber may override clinic-policy criteria with a reason)"
            };
            let mut problem = Problem::from(ketaclinic_app::AppError::Conflict(detail.to_owned()));
            problem.errors = refused.check.unmet.into_iter().map(|(c, m)| ketaclinic_domain::FieldError::new(c.id(), m)).collect();
            Err(problem)
        }
    }
}

/// Acknowledges a vital-sign alert of the session (once: a second acknowledgement is 409).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/alerts/{alert_id}/acknowledge", tag = "sessions",
    params(("id" = uuid::Uuid, Path), ("alert_id" = uuid::Uuid, Path)), request_body = AlertAckRequest,
    responses((status = 200, body = AlertOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "already acknowledged"), (status = 422, body = Problem)))]
pub async fn acknowledge_alert(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, alert_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<AlertAckRequest>,
) -> ApiResult<Json<AlertOut>> {
    let grant = state.app.authorize::<perm::ClinicalWrite>(&actor).await?;
    let alert =
        state.app.acknowledge_session_alert(&grant, TreatmentSessionId(path_id(&id)?), SessionAlertId(path_id(&alert_id)?), body.note.as_deref()).await?;
    Ok(Json(alert_out(alert)))
}
