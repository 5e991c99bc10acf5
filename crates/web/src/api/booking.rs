//! Appointments (issue 8 items 2 and 4): booking after the constraint check, the listing the
//! day-by-chair, week-by-staff and patient views read, moves, cancellations and no-shows.
//!
//! A booking the constraints refuse answers 422 problem+json with one `errors` entry per
//! violation, its `field` the violation code (`chair_double_booked` …) and its `message` the
//! violation as JSON. Readiness findings (consent, eligibility, REMS) do not refuse: they come
//! back as `warnings` in the 201 body.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::booking::{AppointmentInput, Booked, BookingQuery, BookingRecord, kind_str, status_str};
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::FieldError;
use ketaclinic_domain::booking::appointment::{BookingId, BookingStatus};
use ketaclinic_domain::booking::resource::SpaceId;
use ketaclinic_domain::booking::slot::Slot;
use ketaclinic_domain::booking::violation::Violation;
use ketaclinic_domain::ids::{PatientId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A time slot, half-open `[start, end)`, in UTC instants.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotIo {
    pub start: Timestamp,
    pub end: Timestamp,
}

fn slot(io: SlotIo) -> ApiResult<Slot> {
    Slot::new(io.start, io.end).map_err(|e| Problem::invalid(vec![e]))
}

/// An appointment to book.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentIn {
    pub patient_id: uuid::Uuid,
    /// `consult`, `evaluation`, `iv_ketamine_session`, `esketamine_session`,
    /// `integration_therapy` or `follow_up`.
    pub kind: String,
    pub slot: SlotIo,
    /// The chair or room.
    pub space_id: Option<uuid::Uuid>,
    /// The therapist or evaluating prescriber, who attends exclusively.
    pub attending: Option<uuid::Uuid>,
    /// The nurse running the chair of a drug session.
    pub nurse: Option<uuid::Uuid>,
    /// The prescriber on site supervising an esketamine session.
    pub prescriber: Option<uuid::Uuid>,
}

/// A finding of the constraint check: its code and the whole finding.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingOut {
    /// e.g. `consent_missing`.
    pub code: String,
    /// The finding with its details, tagged by `code`.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

pub(crate) fn finding_out(v: &Violation) -> FindingOut {
    FindingOut { code: v.code().as_str().to_owned(), detail: serde_json::to_value(v).unwrap_or_default() }
}

/// A stored appointment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentOut {
    pub id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    pub kind: String,
    pub slot: SlotIo,
    pub space_id: Option<uuid::Uuid>,
    pub attending: Option<uuid::Uuid>,
    pub nurse: Option<uuid::Uuid>,
    pub prescriber: Option<uuid::Uuid>,
    /// `booked`, `cancelled` or `no_show`.
    pub status: String,
    /// Why it was cancelled or missed.
    pub reason: Option<String>,
    pub booked_by: uuid::Uuid,
    pub booked_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A booked (or moved) appointment and the readiness warnings to act on before check-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookedOut {
    pub appointment: AppointmentOut,
    pub warnings: Vec<FindingOut>,
}

fn appointment_out(r: BookingRecord) -> AppointmentOut {
    let a = r.booking.appointment;
    AppointmentOut {
        id: r.booking.id.0,
        patient_id: a.patient.0,
        kind: kind_str(a.kind).to_owned(),
        slot: SlotIo { start: a.slot.start(), end: a.slot.end() },
        space_id: a.space.map(|s| s.0),
        attending: a.attending.map(|u| u.0),
        nurse: a.nurse.map(|u| u.0),
        prescriber: a.prescriber.map(|u| u.0),
        status: status_str(r.booking.status).to_owned(),
        reason: r.reason,
        booked_by: r.booked_by.0,
        booked_at: r.booked_at,
        updated_at: r.updated_at,
    }
}

fn booked_out(b: Booked) -> BookedOut {
    BookedOut { warnings: b.warnings.iter().map(finding_out).collect(), appointment: appointment_out(b.record) }
}

/// How far a listing without `to` reaches: the week view.
const DEFAULT_RANGE_DAYS: i64 = 7;

/// Which appointments to list: those overlapping `[from, to)` (at most 62 days).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AppointmentParams {
    /// Default: now.
    pub from: Option<Timestamp>,
    /// Default: seven days after `from`.
    pub to: Option<Timestamp>,
    /// One chair or room (the day-by-chair view).
    pub chair: Option<uuid::Uuid>,
    /// One staff member, in any duty (the week-by-staff view).
    pub staff: Option<uuid::Uuid>,
    /// One patient (their upcoming list).
    pub patient: Option<uuid::Uuid>,
}

/// Why an appointment is cancelled or was missed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    pub reason: String,
}

/// Where an appointment moves to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveIn {
    pub slot: SlotIo,
}

/// Books one appointment after checking every constraint.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "scheduling", request_body = AppointmentIn,
    responses((status = 201, body = BookedOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn book(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiJson(body): ApiJson<AppointmentIn>) -> ApiResult<(StatusCode, Json<BookedOut>)> {
    let grant = state.app.authorize::<perm::ScheduleManage>(&actor).await?;
    let input = AppointmentInput {
        patient: PatientId(body.patient_id),
        kind: body.kind,
        slot: slot(body.slot)?,
        space: body.space_id.map(SpaceId),
        attending: body.attending.map(UserId),
        nurse: body.nurse.map(UserId),
        prescriber: body.prescriber.map(UserId),
    };
    Ok((StatusCode::CREATED, Json(booked_out(state.app.book_appointment(&grant, input).await?))))
}

/// Appointments overlapping a range, of every status, by start time.
#[utoipa::path(get, path = "/api/v1/appointments", tag = "scheduling", params(AppointmentParams),
    responses((status = 200, body = Vec<AppointmentOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiQuery(p): ApiQuery<AppointmentParams>) -> ApiResult<Json<Vec<AppointmentOut>>> {
    let grant = state.app.authorize::<perm::ScheduleRead>(&actor).await?;
    let from = p.from.unwrap_or_else(|| state.app.now());
    let to = match p.to {
        Some(to) => to,
        None => from
            .checked_add(jiff::SignedDuration::from_hours(24 * DEFAULT_RANGE_DAYS))
            .map_err(|_| Problem::invalid(vec![FieldError::new("from", "is too late")]))?,
    };
    let query = BookingQuery { from, to, space: p.chair.map(SpaceId), staff: p.staff.map(UserId), patient: p.patient.map(PatientId) };
    Ok(Json(state.app.appointments(&grant, query).await?.into_iter().map(appointment_out).collect()))
}

async fn close(state: AppState, actor: ketaclinic_app::Actor, id: &str, status: BookingStatus, body: ReasonIn) -> ApiResult<Json<AppointmentOut>> {
    let grant = state.app.authorize::<perm::ScheduleManage>(&actor).await?;
    let id = BookingId(path_id(id)?);
    Ok(Json(appointment_out(state.app.close_appointment(&grant, id, status, &body.reason).await?)))
}

/// Cancels a booked appointment, with the reason; frees its chair, room and staff.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/cancel", tag = "scheduling", params(("id" = uuid::Uuid, Path)), request_body = ReasonIn,
    responses((status = 200, body = AppointmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReasonIn>,
) -> ApiResult<Json<AppointmentOut>> {
    close(state, actor, &id, BookingStatus::Cancelled, body).await
}

/// Records that the patient did not come, with the reason.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/no-show", tag = "scheduling", params(("id" = uuid::Uuid, Path)), request_body = ReasonIn,
    responses((status = 200, body = AppointmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn no_show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReasonIn>,
) -> ApiResult<Json<AppointmentOut>> {
    close(state, actor, &id, BookingStatus::NoShow, body).await
}

/// Moves a booked appointment to another slot, re-checked like a new booking.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/move", tag = "scheduling", params(("id" = uuid::Uuid, Path)), request_body = MoveIn,
    responses((status = 200, body = BookedOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn move_to(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MoveIn>,
) -> ApiResult<Json<BookedOut>> {
    let grant = state.app.authorize::<perm::ScheduleManage>(&actor).await?;
    let id = BookingId(path_id(&id)?);
    let target = slot(body.slot)?;
    Ok(Json(booked_out(state.app.move_appointment(&grant, id, target).await?)))
}
