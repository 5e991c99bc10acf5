//! The SPRAVATO REMS Patient Monitoring Form of an esketamine session and the queue of forms to
//! submit within 7 days (issue 5, item 7; REFERENCE §2.5–2.6).
//!
//! Status codes: a form that is not complete cannot be marked `ready` or `submitted` — **409**
//! with `errors` listing each missing item (field = item path); a submitted form is final
//! (**409**); a bad value (unknown status, no confirmation number, a future date) is **422**
//! naming the field. A racemic ketamine session has no REMS form (**409**).
//!
//! The server does not render PDF: `?format=html` redirects to the printable page
//! (`/sessions/{id}/rems-form`), which staff print or save as PDF from the browser.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::rems_forms::{IncompleteForm, QueueEntry, QueueFilter, RemsFormView};
use ketaclinic_domain::FieldError;
use ketaclinic_domain::ids::TreatmentSessionId;
use ketaclinic_domain::session::rems_form::Missing;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

fn state_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// A required item the record does not establish.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingOut {
    /// Dotted item path, e.g. `treatment.lot_numbers`.
    pub field: String,
    pub message: String,
}

fn missing_out(m: Vec<Missing>) -> Vec<MissingOut> {
    m.into_iter().map(|m| MissingOut { field: m.field.to_owned(), message: m.message }).collect()
}

/// A session's REMS monitoring form.
#[derive(Debug, Serialize, ToSchema)]
pub struct RemsFormOut {
    pub session_id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    /// The session's state (`discharged`, `stopped_early`, or still open).
    pub session_state: String,
    /// `draft`, `ready` or `submitted`.
    pub status: String,
    /// Every required item is filled and the duration is at least 120 minutes.
    pub complete: bool,
    pub missing: Vec<MissingOut>,
    /// Clinic-local date of the first administration.
    pub treatment_date: Option<Date>,
    /// Treatment date + 7 days (REFERENCE §2.5).
    pub due_on: Option<Date>,
    /// Days from today to `due_on` (negative once past).
    pub days_left: Option<i64>,
    /// Past `due_on` and not submitted.
    pub overdue: bool,
    pub confirmation_number: Option<String>,
    pub submitted_on: Option<Date>,
    /// Who last changed the status or answers, and when.
    pub changed_by: Option<uuid::Uuid>,
    pub changed_at: Option<Timestamp>,
    /// Items 1–10 of the form: `patient`, `concomitant_medications`, `hcp`, `setting`,
    /// `treatment`, `ready_to_leave_minutes`, `vitals_acceptable`, `blood_pressure`,
    /// `adverse_events`, `serious_adverse_event`.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// The printable page (print or save as PDF from the browser).
    pub print_url: String,
}

impl From<RemsFormView> for RemsFormOut {
    fn from(v: RemsFormView) -> Self {
        let complete = v.built.complete();
        let form = serde_json::to_value(&v.built.form).unwrap_or(serde_json::Value::Null);
        Self {
            session_id: v.session.id.0,
            patient_id: v.session.patient_id.0,
            session_state: state_name(&v.session.state),
            status: v.status.as_str().to_owned(),
            complete,
            missing: missing_out(v.built.missing),
            treatment_date: v.deadline.map(|d| d.treatment_date),
            due_on: v.deadline.map(|d| d.due_on),
            days_left: v.deadline.map(|d| d.days_left),
            overdue: v.deadline.is_some_and(|d| d.overdue),
            confirmation_number: v.record.as_ref().and_then(|r| r.confirmation_number.clone()),
            submitted_on: v.record.as_ref().and_then(|r| r.submitted_on),
            changed_by: v.record.as_ref().map(|r| r.changed_by.0),
            changed_at: v.record.as_ref().map(|r| r.changed_at),
            form,
            print_url: format!("/sessions/{}/rems-form", v.session.id),
        }
    }
}

/// `?format=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormParams {
    /// `json` (default) or `html` (303 to the printable page).
    pub format: Option<String>,
}

/// One entry of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueEntryOut {
    pub session_id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    pub patient_name: String,
    pub session_state: String,
    pub first_dose_at: Timestamp,
    pub treatment_date: Date,
    pub due_on: Date,
    pub days_left: i64,
    pub overdue: bool,
    pub status: String,
    pub complete: bool,
    pub missing: Vec<MissingOut>,
    pub confirmation_number: Option<String>,
    pub submitted_on: Option<Date>,
}

impl From<QueueEntry> for QueueEntryOut {
    fn from(e: QueueEntry) -> Self {
        Self {
            session_id: e.session_id.0,
            patient_id: e.patient_id.0,
            patient_name: e.patient_name,
            session_state: state_name(&e.session_state),
            first_dose_at: e.first_dose_at,
            treatment_date: e.deadline.treatment_date,
            due_on: e.deadline.due_on,
            days_left: e.deadline.days_left,
            overdue: e.deadline.overdue,
            status: e.status.as_str().to_owned(),
            complete: e.complete,
            missing: missing_out(e.missing),
            confirmation_number: e.confirmation_number,
            submitted_on: e.submitted_on,
        }
    }
}

/// A page of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueOut {
    pub items: Vec<QueueEntryOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Queue filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// `open` (draft and ready; the default), `all`, `draft`, `ready` or `submitted`.
    pub status: Option<String>,
    /// 1–100, default 50.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `draft`, `ready` or `submitted`.
    pub status: String,
    /// With `submitted`: the REMS's confirmation number.
    pub confirmation_number: Option<String>,
    /// With `submitted`: the date it was submitted (not in the future).
    pub submitted_on: Option<Date>,
}

/// Staff's answer to item 10 when the session's events do not establish it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersRequest {
    pub serious_adverse_event: bool,
    /// Required when `serious_adverse_event` is true.
    pub sae_description: Option<String>,
}

fn incomplete(i: IncompleteForm) -> Problem {
    let mut problem = Problem::from(ketaclinic_app::AppError::Conflict(
        "the form is not complete: the items below are missing (and the monitoring must last at least 120 minutes)".to_owned(),
    ));
    problem.errors = i.missing.into_iter().map(|m| FieldError::new(m.field, m.message)).collect();
    problem
}

/// The REMS monitoring form of an esketamine session.
#[utoipa::path(get, path = "/api/v1/sessions/{id}/rems-form", tag = "rems", params(("id" = uuid::Uuid, Path), FormParams),
    responses((status = 200, body = RemsFormOut), (status = 303, description = "`format=html`: the printable page"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "not an esketamine session"),
        (status = 422, body = Problem)))]
pub async fn read(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>, ApiQuery(p): ApiQuery<FormParams>) -> ApiResult<Response> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let id = TreatmentSessionId(path_id(&id)?);
    match p.format.as_deref().map(str::trim) {
        None | Some("json") => Ok(Json(RemsFormOut::from(state.app.rems_form(&grant, id).await?)).into_response()),
        Some("html") => Ok(Redirect::to(&format!("/sessions/{id}/rems-form")).into_response()),
        Some("pdf") => Err(Problem::invalid(vec![FieldError::new(
            "format",
            format!("the server does not render PDF; print /sessions/{id}/rems-form from the browser (Save as PDF)"),
        )])),
        Some(_) => Err(Problem::invalid(vec![FieldError::new("format", "must be json or html")])),
    }
}

fn parse_cursor(raw: &str) -> Result<(Timestamp, TreatmentSessionId), Problem> {
    let bad = || Problem::invalid(vec![FieldError::new("cursor", "is not a cursor from this list")]);
    let (at, id) = raw.split_once('_').ok_or_else(bad)?;
    let at: Timestamp = at.parse().map_err(|_| bad())?;
    let id = uuid::Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at, TreatmentSessionId(id)))
}

/// The queue of REMS forms: dosed esketamine sessions that are discharged or stopped, most
/// urgent (oldest treatment) first.
#[utoipa::path(get, path = "/api/v1/rems-forms", tag = "rems", params(QueueParams),
    responses((status = 200, body = QueueOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn queue(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiQuery(p): ApiQuery<QueueParams>) -> ApiResult<Json<QueueOut>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let filter = QueueFilter::parse(p.status.as_deref()).map_err(ketaclinic_app::AppError::from)?;
    let limit = p.limit.unwrap_or(50);
    if !(1..=ketaclinic_app::rems_forms::MAX_QUEUE).contains(&limit) {
        return Err(Problem::invalid(vec![FieldError::new("limit", "must be between 1 and 100")]));
    }
    let after = p.cursor.as_deref().map(parse_cursor).transpose()?;
    let items = state.app.rems_queue(&grant, filter, after, limit).await?;
    let next_cursor =
        (items.len() == usize::try_from(limit).unwrap_or(usize::MAX)).then(|| items.last().map(|e| format!("{}_{}", e.first_dose_at, e.session_id))).flatten();
    Ok(Json(QueueOut { items: items.into_iter().map(QueueEntryOut::from).collect(), next_cursor }))
}

/// Marks a form `draft`, `ready` (complete only) or `submitted` (complete, with the REMS
/// confirmation number and date; final).
#[utoipa::path(post, path = "/api/v1/rems-forms/{session_id}/status", tag = "rems", params(("session_id" = uuid::Uuid, Path)), request_body = StatusRequest,
    responses((status = 200, body = RemsFormOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "incomplete (`errors` lists the missing items), already submitted, or not esketamine"),
        (status = 422, body = Problem)))]
pub async fn set_status(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusRequest>,
) -> ApiResult<(StatusCode, Json<RemsFormOut>)> {
    let grant = state.app.authorize::<perm::ClinicalWrite>(&actor).await?;
    let id = TreatmentSessionId(path_id(&id)?);
    match state.app.mark_rems_form(&grant, id, &body.status, body.confirmation_number.as_deref(), body.submitted_on).await? {
        Ok(view) => Ok((StatusCode::OK, Json(view.into()))),
        Err(i) => Err(incomplete(i)),
    }
}

/// Records staff's answer to item 10 (serious adverse event) of a form not yet submitted.
#[utoipa::path(put, path = "/api/v1/rems-forms/{session_id}/answers", tag = "rems", params(("session_id" = uuid::Uuid, Path)), request_body = AnswersRequest,
    responses((status = 200, body = RemsFormOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "already submitted, or not esketamine"), (status = 422, body = Problem)))]
pub async fn answers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnswersRequest>,
) -> ApiResult<Json<RemsFormOut>> {
    let grant = state.app.authorize::<perm::ClinicalWrite>(&actor).await?;
    let id = TreatmentSessionId(path_id(&id)?);
    match state.app.answer_rems_form(&grant, id, body.serious_adverse_event, body.sae_description.as_deref()).await? {
        Ok(view) => Ok(Json(view.into())),
        Err(i) => Err(incomplete(i)),
    }
}
