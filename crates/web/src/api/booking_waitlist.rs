//! The waitlist (issue 8 item 5): patients waiting with preferred days and times, and the
//! shortlist of those who fit a freed slot and are ready, most urgent first.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use jiff::civil::Time;
use ketaclinic_app::booking::kind_str;
use ketaclinic_app::booking_waitlist::{WaitlistInput, WaitlistRecord, urgency_str};
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::FieldError;
use ketaclinic_domain::booking::resource::SpaceId;
use ketaclinic_domain::booking::slot::Slot;
use ketaclinic_domain::ids::{PatientId, WaitlistEntryId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::booking::ReasonIn;
use super::booking_series::WindowIn;
use super::path_id;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A patient to put on the waitlist.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitlistIn {
    pub patient_id: uuid::Uuid,
    /// An appointment kind, e.g. `esketamine_session`.
    pub kind: String,
    /// Preferred weekday names; empty means any day.
    #[serde(default)]
    pub days: Vec<String>,
    /// Preferred clinic-local windows; empty means any time.
    #[serde(default)]
    pub windows: Vec<WindowIn>,
    /// `routine`, `soon` or `urgent`.
    pub urgency: String,
}

/// A waiting patient.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitlistOut {
    pub id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    pub kind: String,
    pub days: Vec<String>,
    /// `HH:MM-HH:MM`, clinic-local.
    pub windows: Vec<String>,
    pub urgency: String,
    pub added_by: uuid::Uuid,
    pub added_at: Timestamp,
}

fn out(r: WaitlistRecord) -> WaitlistOut {
    let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let hhmm = |t: Time| format!("{:02}:{:02}", t.hour(), t.minute());
    WaitlistOut {
        id: r.id.0,
        patient_id: r.patient.0,
        kind: kind_str(r.kind).to_owned(),
        days: r.days.iter().filter_map(|d| usize::try_from(d.to_monday_zero_offset()).ok().and_then(|i| names.get(i)).map(|n| (*n).to_owned())).collect(),
        windows: r.windows.iter().map(|w| format!("{}-{}", hhmm(w.from()), hhmm(w.to()))).collect(),
        urgency: urgency_str(r.urgency).to_owned(),
        added_by: r.added_by.0,
        added_at: r.added_at,
    }
}

/// The freed slot (required, though optional in the schema so that a role check comes first)
/// and the chair or room it holds.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CandidateParams {
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub space: Option<uuid::Uuid>,
}

/// Everyone on the waitlist, oldest first.
#[utoipa::path(get, path = "/api/v1/waitlist", tag = "scheduling", responses((status = 200, body = Vec<WaitlistOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<WaitlistOut>>> {
    let grant = state.app.authorize::<perm::ScheduleRead>(&actor).await?;
    Ok(Json(state.app.waitlist(&grant).await?.into_iter().map(out).collect()))
}

/// Puts a patient on the waitlist.
#[utoipa::path(post, path = "/api/v1/waitlist", tag = "scheduling", request_body = WaitlistIn,
    responses((status = 201, body = WaitlistOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiJson(body): ApiJson<WaitlistIn>) -> ApiResult<(StatusCode, Json<WaitlistOut>)> {
    let grant = state.app.authorize::<perm::ScheduleManage>(&actor).await?;
    let time = |raw: &str, i: usize| raw.parse::<Time>().map_err(|_| Problem::invalid(vec![FieldError::new(format!("windows[{i}]"), "must be times HH:MM")]));
    let windows = body.windows.iter().enumerate().map(|(i, w)| Ok((time(&w.from, i)?, time(&w.to, i)?))).collect::<ApiResult<Vec<_>>>()?;
    let input = WaitlistInput { patient: PatientId(body.patient_id), kind: body.kind, days: body.days, windows, urgency: body.urgency };
    Ok((StatusCode::CREATED, Json(out(state.app.add_to_waitlist(&grant, input).await?))))
}

/// Takes an entry off the waitlist, with the reason.
#[utoipa::path(post, path = "/api/v1/waitlist/{id}/remove", tag = "scheduling", params(("id" = uuid::Uuid, Path)), request_body = ReasonIn,
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReasonIn>,
) -> ApiResult<StatusCode> {
    let grant = state.app.authorize::<perm::ScheduleManage>(&actor).await?;
    state.app.remove_from_waitlist(&grant, WaitlistEntryId(path_id(&id)?), &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The waiting patients who fit a freed slot and are ready (consent, eligibility, REMS), most
/// urgent first, then longest waiting.
#[utoipa::path(get, path = "/api/v1/waitlist/candidates", tag = "scheduling", params(CandidateParams),
    responses((status = 200, body = Vec<WaitlistOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn candidates(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiQuery(p): ApiQuery<CandidateParams>) -> ApiResult<Json<Vec<WaitlistOut>>> {
    let grant = state.app.authorize::<perm::ScheduleRead>(&actor).await?;
    let (Some(start), Some(end)) = (p.start, p.end) else { return Err(Problem::invalid(vec![FieldError::new("slot", "start and end are required")])) };
    let slot = Slot::new(start, end).map_err(|e| Problem::invalid(vec![e]))?;
    Ok(Json(state.app.waitlist_candidates(&grant, slot, p.space.map(SpaceId)).await?.into_iter().map(out).collect()))
}
