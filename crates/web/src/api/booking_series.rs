//! Series booking (issue 8 item 3): `POST /api/v1/courses/{id}/series` proposes
//! (`?dry_run=true`) or books a course's induction series, all sessions or none.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::civil::{Date, Time};
use ketaclinic_app::booking_series::{PatternInput, SeriesInput};
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::FieldError;
use ketaclinic_domain::ids::CourseId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::booking::{FindingOut, SlotIo, finding_out};
use super::path_id;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Which days: `count` sessions on the listed weekdays, or `per_week` sessions in each of
/// `weeks` weeks (counted from `start`) on them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatternIn {
    /// Weekday names, `monday` … `sunday`.
    pub days: Vec<String>,
    pub count: Option<u16>,
    pub per_week: Option<u8>,
    pub weeks: Option<u8>,
}

/// A preferred part of the day, clinic-local `HH:MM`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowIn {
    pub from: String,
    pub to: String,
}

/// The series to propose or book.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesIn {
    pub pattern: PatternIn,
    /// First date a session may fall on.
    pub start: Date,
    /// Last date a session may fall on (at most 62 days after `start`).
    pub horizon: Date,
    pub window: Option<WindowIn>,
    /// Spacing of candidate start times in minutes, dividing the hour (default 15).
    pub grid_minutes: Option<u8>,
}

/// `dry_run=true` proposes without booking.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SeriesParams {
    pub dry_run: Option<bool>,
}

/// One session of the series; `id` once booked.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesSessionOut {
    pub id: Option<uuid::Uuid>,
    pub slot: SlotIo,
    pub space_id: Option<uuid::Uuid>,
    pub nurse: Option<uuid::Uuid>,
    pub prescriber: Option<uuid::Uuid>,
}

/// The proposed or booked series and the readiness warnings for each session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesOut {
    pub booked: bool,
    pub sessions: Vec<SeriesSessionOut>,
    pub warnings: Vec<FindingOut>,
}

fn pattern(p: PatternIn) -> ApiResult<PatternInput> {
    match (p.count, p.per_week, p.weeks) {
        (Some(count), None, None) => Ok(PatternInput::Weekdays { days: p.days, count }),
        (None, Some(per_week), Some(weeks)) => Ok(PatternInput::TimesPerWeek { per_week, weeks, days: p.days }),
        _ => Err(Problem::invalid(vec![FieldError::new("pattern", "give either count, or per_week and weeks")])),
    }
}

fn window(w: Option<WindowIn>) -> ApiResult<Option<(Time, Time)>> {
    let time =
        |raw: &str, field: &str| raw.parse::<Time>().map_err(|_| Problem::invalid(vec![FieldError::new(format!("window.{field}"), "must be a time HH:MM")]));
    w.map(|w| Ok((time(&w.from, "from")?, time(&w.to, "to")?))).transpose()
}

/// Proposes (`?dry_run=true`, 200) or books (201) a course's induction series: the earliest
/// slots meeting every constraint, all booked or none. 422 when the series cannot be placed by
/// the horizon; 409 when the schedule changed between proposal and booking (nothing written).
#[utoipa::path(post, path = "/api/v1/courses/{id}/series", tag = "scheduling", params(("id" = uuid::Uuid, Path), SeriesParams), request_body = SeriesIn,
    responses((status = 200, body = SeriesOut), (status = 201, body = SeriesOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn series(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<SeriesParams>,
    ApiJson(body): ApiJson<SeriesIn>,
) -> ApiResult<(StatusCode, Json<SeriesOut>)> {
    let grant = state.app.authorize::<perm::ScheduleManage>(&actor).await?;
    let dry_run = params.dry_run.unwrap_or(false);
    let input = SeriesInput {
        pattern: pattern(body.pattern)?,
        start: body.start,
        horizon: body.horizon,
        window: window(body.window)?,
        grid_minutes: body.grid_minutes,
    };
    let outcome = state.app.book_series(&grant, CourseId(path_id(&id)?), input, dry_run).await?;
    let ids: Vec<Option<uuid::Uuid>> =
        if outcome.booked.is_empty() { vec![None; outcome.sessions.len()] } else { outcome.booked.iter().map(|r| Some(r.booking.id.0)).collect() };
    let sessions = outcome
        .sessions
        .iter()
        .zip(ids)
        .map(|(a, id)| SeriesSessionOut {
            id,
            slot: SlotIo { start: a.slot.start(), end: a.slot.end() },
            space_id: a.space.map(|s| s.0),
            nurse: a.nurse.map(|u| u.0),
            prescriber: a.prescriber.map(|u| u.0),
        })
        .collect();
    let status = if dry_run { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(SeriesOut { booked: !dry_run, sessions, warnings: outcome.warnings.iter().map(finding_out).collect() })))
}
