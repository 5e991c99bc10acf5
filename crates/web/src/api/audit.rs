//! The audit log and per-patient access reports (auditor, admin).

use axum::Json;
use axum::extract::{Path, State};
use jiff::Timestamp;
use ketaclinic_app::AuditFilter;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::audit::AuditRecord;
use ketaclinic_domain::ids::{PatientId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::ApiQuery;
use crate::problem::ApiResult;
use crate::state::AppState;

/// One audit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventOut {
    pub seq: u64,
    pub id: uuid::Uuid,
    pub at: Timestamp,
    pub actor_id: Option<uuid::Uuid>,
    pub actor_label: String,
    pub actor_role: Option<String>,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub patient_id: Option<uuid::Uuid>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    pub detail: Option<String>,
    pub hash: String,
}

impl From<&AuditRecord> for AuditEventOut {
    fn from(r: &AuditRecord) -> Self {
        let e = &r.event;
        Self {
            seq: r.seq,
            id: e.id.0,
            at: e.at,
            actor_id: e.actor_id.map(|a| a.0),
            actor_label: e.actor_label.clone(),
            actor_role: e.actor_role.map(|r| r.as_str().to_owned()),
            action: e.action.clone(),
            resource_type: e.resource_type.clone(),
            resource_id: e.resource_id.clone(),
            patient_id: e.patient_id.map(|p| p.0),
            client_addr: e.client_addr.clone(),
            user_agent: e.user_agent.clone(),
            outcome: e.outcome.as_str().to_owned(),
            detail: e.detail.clone(),
            hash: r.hash.clone(),
        }
    }
}

/// A page of audit events, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEventOut>,
    pub next_cursor: Option<String>,
}

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    pub actor_id: Option<uuid::Uuid>,
    pub patient_id: Option<uuid::Uuid>,
    /// e.g. `patient.read`, `auth.login_failed`, `access.denied`.
    pub action: Option<String>,
    /// From this instant (inclusive), RFC 3339.
    pub from: Option<Timestamp>,
    /// Until this instant (exclusive), RFC 3339.
    pub to: Option<Timestamp>,
    pub cursor: Option<String>,
    /// 1–100, default 50.
    pub limit: Option<u32>,
}

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

fn out(page: ketaclinic_app::patients::Page<AuditRecord>) -> AuditPage {
    AuditPage { items: page.items.iter().map(AuditEventOut::from).collect(), next_cursor: page.next_cursor }
}

/// The audit log.
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit", params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiQuery(p): ApiQuery<AuditParams>) -> ApiResult<Json<AuditPage>> {
    let grant = state.app.authorize::<perm::AuditRead>(&actor).await?;
    let filter = AuditFilter { actor_id: p.actor_id.map(UserId), patient_id: p.patient_id.map(PatientId), action: p.action, from: p.from, to: p.to };
    let page = state.app.audit_log(&grant, &filter, p.cursor.as_deref(), p.limit.unwrap_or(50)).await?;
    Ok(Json(out(page)))
}

/// Who accessed this patient's record, and when.
#[utoipa::path(get, path = "/api/v1/patients/{id}/access-report", tag = "audit", params(("id" = uuid::Uuid, Path), PageParams),
    responses((status = 200, body = AuditPage), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem)))]
pub async fn access_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> ApiResult<Json<AuditPage>> {
    let grant = state.app.authorize::<perm::AuditRead>(&actor).await?;
    let page = state.app.patient_access_report(&grant, PatientId(path_id(&id)?), p.cursor.as_deref(), p.limit.unwrap_or(50)).await?;
    Ok(Json(out(page)))
}
