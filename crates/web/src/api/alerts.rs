//! Safety alerts: the list and acknowledgement.

use axum::Json;
use axum::extract::{Path, State};
use jiff::Timestamp;
use ketaclinic_app::alerts::AlertView;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::alert::Alert;
use ketaclinic_domain::ids::AlertId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A safety alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertOut {
    pub id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    /// `suicidal_ideation`, `suicide_risk` (C-SSRS moderate/high) or `loss_of_consciousness`.
    pub kind: String,
    pub assessment_id: uuid::Uuid,
    pub detail: String,
    pub raised_at: Timestamp,
    /// Unacknowledged past the clinic's escalation time.
    pub escalated: bool,
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<uuid::Uuid>,
    pub action: Option<String>,
    pub note: Option<String>,
}

impl AlertOut {
    fn new(alert: Alert, escalated: bool) -> Self {
        let ack = alert.acknowledgement;
        Self {
            id: alert.id.0,
            patient_id: alert.patient_id.0,
            kind: alert.kind.as_str().to_owned(),
            assessment_id: alert.assessment_id.0,
            detail: alert.detail,
            raised_at: alert.raised_at,
            escalated,
            acknowledged_at: ack.as_ref().map(|a| a.at),
            acknowledged_by: ack.as_ref().map(|a| a.by.0),
            action: ack.as_ref().map(|a| a.action.as_str().to_owned()),
            note: ack.and_then(|a| a.note),
        }
    }
}

impl From<AlertView> for AlertOut {
    fn from(v: AlertView) -> Self {
        Self::new(v.alert, v.escalated)
    }
}

/// Which alerts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertParams {
    /// `open` (default) or `all`.
    pub status: Option<String>,
}

/// An acknowledgement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeRequest {
    /// `safety_plan_reviewed`, `full_cssrs_done`, `crisis_line_given`, `emergency_referral` or `other`.
    pub action: String,
    /// Required with `other`.
    pub note: Option<String>,
}

/// Safety alerts, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertParams),
    responses((status = 200, body = Vec<AlertOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiQuery(p): ApiQuery<AlertParams>) -> ApiResult<Json<Vec<AlertOut>>> {
    let grant = state.app.authorize::<perm::AlertRead>(&actor).await?;
    let include_acknowledged = match p.status.as_deref() {
        None | Some("open") => false,
        Some("all") => true,
        Some(_) => return Err(Problem::invalid(vec![ketaclinic_domain::FieldError::new("status", "must be open or all")])),
    };
    Ok(Json(state.app.alerts(&grant, include_acknowledged).await?.into_iter().map(AlertOut::from).collect()))
}

/// Acknowledges an alert with a documented action.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", tag = "alerts", params(("id" = uuid::Uuid, Path)), request_body = AcknowledgeRequest,
    responses((status = 200, body = AlertOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AcknowledgeRequest>,
) -> ApiResult<Json<AlertOut>> {
    let grant = state.app.authorize::<perm::AlertAcknowledge>(&actor).await?;
    let alert = state.app.acknowledge_alert(&grant, AlertId(path_id(&id)?), &body.action, body.note.as_deref()).await?;
    Ok(Json(AlertOut::new(alert, false)))
}
