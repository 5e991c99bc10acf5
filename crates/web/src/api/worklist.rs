//! Treatment events, due questionnaires and care-team tasks.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ids::{PatientId, TaskId};
use ketaclinic_domain::schedule::{DueItem, TreatmentEvent};
use ketaclinic_domain::task::Task;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A treatment event (documentation of `TreatmentEvent`).
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation schema only")]
pub struct TreatmentEventDoc {
    /// `course_started`, `session_scheduled`, `session_completed`, `induction_ended`,
    /// `maintenance_started` or `course_ended`.
    kind: String,
    /// RFC 3339. Only `session_scheduled` may lie in the future.
    at: Timestamp,
    /// `session_completed` only: the first session of the induction.
    first_of_induction: Option<bool>,
    /// `session_completed` only: the last session of the induction.
    last_of_induction: Option<bool>,
}

/// A recorded event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    #[schema(value_type = TreatmentEventDoc)]
    pub event: TreatmentEvent,
    pub recorded_at: Timestamp,
}

/// A questionnaire that is due.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueOut {
    pub instrument: String,
    pub reason: String,
    /// Answers from this moment on count.
    pub window_start: Timestamp,
    pub due_at: Timestamp,
    pub overdue: bool,
}

fn due_out(d: DueItem) -> DueOut {
    DueOut { instrument: d.instrument.to_owned(), reason: d.reason.to_owned(), window_start: d.window_start, due_at: d.due_at, overdue: d.overdue }
}

/// A patient with questionnaires due.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatientDueOut {
    pub patient_id: uuid::Uuid,
    pub name: String,
    pub mrn: String,
    pub items: Vec<DueOut>,
}

/// A care-team task.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskOut {
    pub id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    /// `booster_review`.
    pub kind: String,
    pub detail: String,
    pub source_assessment: uuid::Uuid,
    pub created_at: Timestamp,
    /// `open`, `done` or `declined`.
    pub status: String,
    pub note: Option<String>,
    pub closed_by: Option<uuid::Uuid>,
    pub closed_at: Option<Timestamp>,
}

pub(crate) fn task_out(t: Task) -> TaskOut {
    let closure = t.closure;
    TaskOut {
        id: t.id.0,
        patient_id: t.patient_id.0,
        kind: t.kind.as_str().to_owned(),
        detail: t.detail,
        source_assessment: t.source_assessment.0,
        created_at: t.created_at,
        status: closure.as_ref().map_or("open", |c| c.outcome.as_str()).to_owned(),
        note: closure.as_ref().and_then(|c| c.note.clone()),
        closed_by: closure.as_ref().map(|c| c.by.0),
        closed_at: closure.as_ref().map(|c| c.at),
    }
}

/// Which tasks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TaskParams {
    /// `open` (default) or `all`.
    pub status: Option<String>,
}

/// Closing a task.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// `done` (e.g. booster booked) or `declined` (note required).
    pub outcome: String,
    pub note: Option<String>,
}

/// Records a treatment event (the seam the session module and outside systems use).
#[utoipa::path(post, path = "/api/v1/patients/{id}/treatment-events", tag = "assessments", params(("id" = uuid::Uuid, Path)), request_body = TreatmentEventDoc,
    responses((status = 201, body = EventOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_event(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TreatmentEvent>,
) -> ApiResult<(StatusCode, Json<EventOut>)> {
    let grant = state.app.authorize::<perm::ClinicalWrite>(&actor).await?;
    let r = state.app.record_treatment_event(&grant, PatientId(path_id(&id)?), body).await?;
    Ok((StatusCode::CREATED, Json(EventOut { id: r.id.0, patient_id: r.patient_id.0, event: r.event, recorded_at: r.recorded_at })))
}

/// Questionnaires due or overdue for a patient.
#[utoipa::path(get, path = "/api/v1/patients/{id}/due-assessments", tag = "assessments", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<DueOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn patient_due(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<Vec<DueOut>>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    Ok(Json(state.app.due_assessments(&grant, PatientId(path_id(&id)?)).await?.into_iter().map(due_out).collect()))
}

/// Every patient with questionnaires due, overdue first.
#[utoipa::path(get, path = "/api/v1/due-assessments", tag = "assessments",
    responses((status = 200, body = Vec<PatientDueOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn clinic_due(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<PatientDueOut>>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let list = state.app.clinic_due_list(&grant).await?;
    Ok(Json(
        list.into_iter()
            .map(|p| PatientDueOut {
                patient_id: p.patient.id.0,
                name: p.patient.display_name(),
                mrn: p.patient.mrn.as_str().to_owned(),
                items: p.items.into_iter().map(due_out).collect(),
            })
            .collect(),
    ))
}

/// Care-team tasks, newest first.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "assessments", params(TaskParams),
    responses((status = 200, body = Vec<TaskOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn tasks(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiQuery(p): ApiQuery<TaskParams>) -> ApiResult<Json<Vec<TaskOut>>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let open_only = match p.status.as_deref().unwrap_or("open") {
        "open" => true,
        "all" => false,
        _ => return Err(Problem::from(ketaclinic_app::AppError::Invalid(ketaclinic_domain::ValidationErrors::one("status", "must be open or all")))),
    };
    Ok(Json(state.app.tasks(&grant, open_only).await?.into_iter().map(task_out).collect()))
}

/// Closes a task.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/close", tag = "assessments", params(("id" = uuid::Uuid, Path)), request_body = CloseRequest,
    responses((status = 200, body = TaskOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CloseRequest>,
) -> ApiResult<Json<TaskOut>> {
    let grant = state.app.authorize::<perm::TaskClose>(&actor).await?;
    Ok(Json(task_out(state.app.close_task(&grant, TaskId(path_id(&id)?), &body.outcome, body.note.as_deref()).await?)))
}
