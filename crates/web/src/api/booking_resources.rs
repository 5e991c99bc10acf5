//! Scheduling resources (issue 8 item 1): chairs and rooms, and staff working hours and
//! presence. Read with `schedule.read`; changed by the admin with `schedule.resources`, each
//! change with a reason kept in the audit log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::booking::{SpaceInput, SpaceRecord, StaffHoursInput, StaffHoursRecord, WorkingDayInput, presence_str, space_kind_str};
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::booking::resource::SpaceId;
use ketaclinic_domain::ids::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A chair or room to add or change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpaceIn {
    /// 1–60 characters, e.g. `Chair 2`.
    pub name: String,
    /// `chair` (drug sessions) or `room` (therapy, consults).
    pub kind: String,
    /// Retired spaces keep their bookings but take no new ones.
    pub active: bool,
    /// Why (kept in the audit log).
    pub reason: String,
}

/// A chair or room.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpaceOut {
    pub id: uuid::Uuid,
    pub name: String,
    pub kind: String,
    pub active: bool,
    pub updated_by: uuid::Uuid,
    pub updated_at: Timestamp,
}

fn space_out(r: SpaceRecord) -> SpaceOut {
    SpaceOut {
        id: r.space.id.0,
        name: r.space.name.as_str().to_owned(),
        kind: space_kind_str(r.space.kind).to_owned(),
        active: r.active,
        updated_by: r.by.0,
        updated_at: r.at,
    }
}

/// One working day, clinic-local.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkingDay {
    /// `monday` … `sunday`.
    pub day: String,
    /// `HH:MM`.
    pub open: String,
    /// `HH:MM`, after `open`.
    pub close: String,
}

/// A staff member's working week (days not listed are off) and presence.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffHoursIn {
    pub days: Vec<WorkingDay>,
    /// `on_site` or `remote`; only an on-site prescriber can supervise esketamine (REMS).
    pub presence: String,
    /// Why (kept in the audit log).
    pub reason: String,
}

/// A staff member's scheduling settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffHoursOut {
    pub user_id: uuid::Uuid,
    pub days: Vec<WorkingDay>,
    pub presence: String,
    pub updated_by: uuid::Uuid,
    pub updated_at: Timestamp,
}

fn staff_out(r: StaffHoursRecord) -> StaffHoursOut {
    let hhmm = |t: jiff::civil::Time| format!("{:02}:{:02}", t.hour(), t.minute());
    let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let days = jiff::civil::Weekday::Monday
        .cycle_forward()
        .zip(names)
        .filter_map(|(d, name)| r.hours.on_day(d).map(|h| WorkingDay { day: name.to_owned(), open: hhmm(h.open()), close: hhmm(h.close()) }))
        .collect();
    StaffHoursOut { user_id: r.user_id.0, days, presence: presence_str(r.presence).to_owned(), updated_by: r.by.0, updated_at: r.at }
}

fn space_input(body: SpaceIn) -> SpaceInput {
    SpaceInput { name: body.name, kind: body.kind, active: body.active, reason: body.reason }
}

/// Every chair and room, retired ones included.
#[utoipa::path(get, path = "/api/v1/schedule/spaces", tag = "scheduling",
    responses((status = 200, body = Vec<SpaceOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn spaces(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<SpaceOut>>> {
    let grant = state.app.authorize::<perm::ScheduleRead>(&actor).await?;
    Ok(Json(state.app.spaces(&grant).await?.into_iter().map(space_out).collect()))
}

/// Adds a chair or room.
#[utoipa::path(post, path = "/api/v1/schedule/spaces", tag = "scheduling", request_body = SpaceIn,
    responses((status = 201, body = SpaceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_space(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiJson(body): ApiJson<SpaceIn>) -> ApiResult<(StatusCode, Json<SpaceOut>)> {
    let grant = state.app.authorize::<perm::ScheduleResources>(&actor).await?;
    Ok((StatusCode::CREATED, Json(space_out(state.app.save_space(&grant, None, space_input(body)).await?))))
}

/// Renames, re-kinds, retires or restores a chair or room.
#[utoipa::path(put, path = "/api/v1/schedule/spaces/{id}", tag = "scheduling", params(("id" = uuid::Uuid, Path)), request_body = SpaceIn,
    responses((status = 200, body = SpaceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_space(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SpaceIn>,
) -> ApiResult<Json<SpaceOut>> {
    let grant = state.app.authorize::<perm::ScheduleResources>(&actor).await?;
    Ok(Json(space_out(state.app.save_space(&grant, Some(SpaceId(path_id(&id)?)), space_input(body)).await?)))
}

/// Every staff member's working hours and presence.
#[utoipa::path(get, path = "/api/v1/schedule/staff", tag = "scheduling",
    responses((status = 200, body = Vec<StaffHoursOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn staff(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<StaffHoursOut>>> {
    let grant = state.app.authorize::<perm::ScheduleRead>(&actor).await?;
    Ok(Json(state.app.staff_hours(&grant).await?.into_iter().map(staff_out).collect()))
}

/// Sets a staff member's working hours and presence.
#[utoipa::path(put, path = "/api/v1/schedule/staff/{id}", tag = "scheduling", params(("id" = uuid::Uuid, Path)), request_body = StaffHoursIn,
    responses((status = 200, body = StaffHoursOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_staff(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StaffHoursIn>,
) -> ApiResult<Json<StaffHoursOut>> {
    let grant = state.app.authorize::<perm::ScheduleResources>(&actor).await?;
    let days = body.days.into_iter().map(|d| WorkingDayInput { day: d.day, open: d.open, close: d.close }).collect();
    let input = StaffHoursInput { days, presence: body.presence, reason: body.reason };
    Ok(Json(staff_out(state.app.save_staff_hours(&grant, UserId(path_id(&id)?), input).await?)))
}
