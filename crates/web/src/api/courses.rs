//! Treatment courses (issue 5, item 2): draft, list, read, sign, change phase. Writes need
//! `course.manage` (prescribers); reads need `clinical.read`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::courses::{CourseInput, CourseView};
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::course::{Course, CourseEvent, CourseEventKind, DoseRule, Induction, ReviewOutcome};
use ketaclinic_domain::ids::{CourseId, PatientId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A course to draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseCreate {
    /// `iv_ketamine`, `im_ketamine` or `esketamine_nasal`.
    pub modality: String,
    /// The prescriber's own dose rule (same shape as the protocol's); absent: the protocol's.
    #[schema(value_type = Option<Object>)]
    pub dose: Option<DoseRule>,
    /// `{sessions, per_week}`; absent: the protocol's.
    #[schema(value_type = Option<Object>)]
    pub induction: Option<Induction>,
}

/// A phase change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseChange {
    /// `end_of_induction_review`, `maintenance`, `completed` or `stopped`.
    pub phase: String,
    /// Required: why the course moves on.
    pub reason: String,
    /// The review's instrument (default `phq9`); used when entering the review.
    pub instrument: Option<String>,
}

/// One event of a course.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseEventOut {
    pub id: uuid::Uuid,
    /// `created`, `signed` or `phase_changed`.
    pub kind: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: Option<String>,
    /// The review outcome recorded with the change into the review.
    #[schema(value_type = Option<Object>)]
    pub review: Option<ReviewOutcome>,
    pub by: uuid::Uuid,
    pub at: Timestamp,
}

/// A course.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseOut {
    pub id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    pub modality: String,
    /// The protocol version it follows (0: the built-in defaults).
    pub protocol_version: u32,
    #[schema(value_type = Object)]
    pub dose: DoseRule,
    #[schema(value_type = Object)]
    pub induction: Induction,
    /// `draft` or `signed`.
    pub status: String,
    /// `induction`, `end_of_induction_review`, `maintenance`, `completed` or `stopped`.
    pub phase: String,
    /// The end-of-induction review: `{kind: "no_measurements", instrument}` or `{kind:
    /// "measured", instrument, baseline_total, baseline_at, latest_total, latest_at,
    /// change_percent, response, remission, latest_responding}`.
    #[schema(value_type = Option<Object>)]
    pub review: Option<ReviewOutcome>,
    pub created_by: uuid::Uuid,
    pub created_at: Timestamp,
    pub signed_by: Option<uuid::Uuid>,
    pub signed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// The course's events, oldest first (on `GET /api/v1/courses/{id}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<CourseEventOut>>,
}

pub(crate) fn course_out(c: Course) -> CourseOut {
    CourseOut {
        id: c.id.0,
        patient_id: c.patient_id.0,
        modality: c.modality.as_str().to_owned(),
        protocol_version: c.protocol_version,
        dose: c.dose,
        induction: c.induction,
        status: c.status.as_str().to_owned(),
        phase: c.phase.as_str().to_owned(),
        review: c.review,
        created_by: c.created_by.0,
        created_at: c.created_at,
        signed_by: c.signed_by.map(|u| u.0),
        signed_at: c.signed_at,
        updated_at: c.updated_at,
        events: None,
    }
}

fn event_out(e: CourseEvent) -> CourseEventOut {
    let kind = e.kind.as_str().to_owned();
    let (from, to, reason, review) = match e.kind {
        CourseEventKind::PhaseChanged { from, to, reason, review } => {
            (Some(from.as_str().to_owned()), Some(to.as_str().to_owned()), Some(reason.as_str().to_owned()), review)
        }
        CourseEventKind::Created | CourseEventKind::Signed => (None, None, None, None),
    };
    CourseEventOut { id: e.id.0, kind, from, to, reason, review, by: e.by.0, at: e.at }
}

/// Drafts a course under the modality's current protocol.
#[utoipa::path(post, path = "/api/v1/patients/{id}/courses", tag = "courses", params(("id" = uuid::Uuid, Path)), request_body = CourseCreate,
    responses((status = 201, body = CourseOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CourseCreate>,
) -> ApiResult<(StatusCode, Json<CourseOut>)> {
    let grant = state.app.authorize::<perm::CourseManage>(&actor).await?;
    let input = CourseInput { modality: body.modality, dose: body.dose, induction: body.induction };
    let course = state.app.create_course(&grant, PatientId(path_id(&id)?), input).await?;
    Ok((StatusCode::CREATED, Json(course_out(course))))
}

/// A patient's courses, newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/courses", tag = "courses", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<CourseOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<Vec<CourseOut>>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    Ok(Json(state.app.patient_courses(&grant, PatientId(path_id(&id)?)).await?.into_iter().map(course_out).collect()))
}

/// One course with its events.
#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "courses", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CourseOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn read(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<CourseOut>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let CourseView { course, events } = state.app.course(&grant, CourseId(path_id(&id)?)).await?;
    Ok(Json(CourseOut { events: Some(events.into_iter().map(event_out).collect()), ..course_out(course) }))
}

/// Signs a draft course: it starts in induction.
#[utoipa::path(post, path = "/api/v1/courses/{id}/sign", tag = "courses", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CourseOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn sign(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<CourseOut>> {
    let grant = state.app.authorize::<perm::CourseManage>(&actor).await?;
    Ok(Json(course_out(state.app.sign_course(&grant, CourseId(path_id(&id)?)).await?)))
}

/// Moves a course to its next phase (or stops it), with a reason.
#[utoipa::path(post, path = "/api/v1/courses/{id}/phase", tag = "courses", params(("id" = uuid::Uuid, Path)), request_body = PhaseChange,
    responses((status = 200, body = CourseOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn phase(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PhaseChange>,
) -> ApiResult<Json<CourseOut>> {
    let grant = state.app.authorize::<perm::CourseManage>(&actor).await?;
    let course = state.app.change_course_phase(&grant, CourseId(path_id(&id)?), &body.phase, &body.reason, body.instrument.as_deref()).await?;
    Ok(Json(course_out(course)))
}
