//! Calendar feeds (issue 8 item 7): secret iCalendar URLs for a staff member, a chair or room,
//! or a patient, and the public `GET /calendar/{secret}.ics` that calendar clients poll.
//!
//! The secret appears once, inside `url`, in the 201 answer; listings show only the feed's id,
//! target and dates. The `.ics` route needs no session (phone calendars cannot log in): the
//! secret is the credential, so an unknown and a revoked secret both answer a plain 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use ketaclinic_app::AppError;
use ketaclinic_app::calendar_feeds::{CalendarFeedRecord, feed_kind_str};
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ids::CalendarFeedId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::path_id;
use crate::auth::{ApiActor, Client};
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A feed to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarFeedIn {
    /// `staff`, `space` (a chair or room) or `patient`.
    pub kind: String,
    /// The staff member's user id, the chair's or room's id, or the patient's id.
    pub target_id: uuid::Uuid,
}

/// A feed, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeedOut {
    pub id: uuid::Uuid,
    pub kind: String,
    pub target_id: uuid::Uuid,
    pub created_by: uuid::Uuid,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A feed just made, with its URL: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewCalendarFeedOut {
    #[serde(flatten)]
    pub feed: CalendarFeedOut,
    /// `{public_url}/calendar/{secret}.ics`; hand it to the calendar's "subscribe" field.
    pub url: String,
}

fn feed_out(f: CalendarFeedRecord) -> CalendarFeedOut {
    CalendarFeedOut {
        id: f.id.0,
        kind: feed_kind_str(f.kind).to_owned(),
        target_id: f.target,
        created_by: f.created_by.0,
        created_at: f.created_at,
        revoked_at: f.revoked_at,
    }
}

/// Makes a secret calendar feed for a staff member, a chair or room, or a patient.
#[utoipa::path(post, path = "/api/v1/calendar-feeds", tag = "scheduling", request_body = CalendarFeedIn,
    responses((status = 201, body = NewCalendarFeedOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<CalendarFeedIn>,
) -> ApiResult<(StatusCode, Json<NewCalendarFeedOut>)> {
    let grant = state.app.authorize::<perm::ScheduleManage>(&actor).await?;
    let made = state.app.create_calendar_feed(&grant, &body.kind, body.target_id).await?;
    let url = format!("{}/calendar/{}.ics", state.web.public_url.trim_end_matches('/'), made.secret);
    Ok((StatusCode::CREATED, Json(NewCalendarFeedOut { feed: feed_out(made.record), url })))
}

/// Every calendar feed, revoked or not, newest first (secrets are never shown again).
#[utoipa::path(get, path = "/api/v1/calendar-feeds", tag = "scheduling",
    responses((status = 200, body = Vec<CalendarFeedOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<CalendarFeedOut>>> {
    let grant = state.app.authorize::<perm::ScheduleManage>(&actor).await?;
    Ok(Json(state.app.calendar_feeds(&grant).await?.into_iter().map(feed_out).collect()))
}

/// Revokes a calendar feed: its URL answers 404 from now on.
#[utoipa::path(post, path = "/api/v1/calendar-feeds/{id}/revoke", tag = "scheduling", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn revoke(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let grant = state.app.authorize::<perm::ScheduleManage>(&actor).await?;
    state.app.revoke_calendar_feed(&grant, CalendarFeedId(path_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The feed as iCalendar (RFC 5545); the secret in the path is the only credential.
#[utoipa::path(get, path = "/calendar/{file}", tag = "scheduling", params(("file" = String, Path, description = "`{secret}.ics`")),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = Problem)))]
pub async fn ics(State(state): State<AppState>, Client(client): Client, Path(file): Path<String>) -> ApiResult<Response> {
    let secret = file.strip_suffix(".ics").ok_or(Problem::from(AppError::NotFound))?;
    let text = state.app.calendar_feed_ics(secret, &client).await?;
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], text).into_response())
}
