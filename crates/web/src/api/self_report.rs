//! Self-report links (staff side). The patient-facing form is a page (`/r/{token}`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ids::{PatientId, SelfReportLinkId};
use ketaclinic_domain::self_report::{LinkState, SelfReportLink};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A link to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// 1–5 of `phq9`, `gad7`, `qids_sr16`, `pcl5`, in the order the form shows them.
    pub instruments: Vec<String>,
    /// 1–168; default `[self_report] validity_hours` (72).
    pub expires_in_hours: Option<i64>,
    /// For a clinic tablet: the thank-you page offers no way back into the form.
    #[serde(default)]
    pub kiosk: bool,
}

/// A link (never its token, which is shown once at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkOut {
    pub id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    pub instruments: Vec<String>,
    /// `open`, `used`, `expired` or `revoked`.
    pub state: String,
    pub kiosk: bool,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

fn out(l: SelfReportLink, state: LinkState) -> LinkOut {
    LinkOut {
        id: l.id.0,
        patient_id: l.patient_id.0,
        instruments: l.instruments,
        state: state.as_str().to_owned(),
        kiosk: l.kiosk,
        created_at: l.created_at,
        expires_at: l.expires_at,
        used_at: l.used_at,
        revoked_at: l.revoked_at,
    }
}

/// A new link with its token — the only time the token is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkCreated {
    #[serde(flatten)]
    pub link: LinkOut,
    /// 256-bit secret (64 hex characters).
    pub token: String,
    /// The form's path on this server: `/r/{token}`.
    pub path: String,
}

/// Creates a one-time self-report link.
#[utoipa::path(post, path = "/api/v1/patients/{id}/self-report-links", tag = "assessments", params(("id" = uuid::Uuid, Path)), request_body = LinkRequest,
    responses((status = 201, body = LinkCreated), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LinkRequest>,
) -> ApiResult<(StatusCode, Json<LinkCreated>)> {
    let grant = state.app.authorize::<perm::AssessmentRecord>(&actor).await?;
    let made = state.app.create_self_report_link(&grant, PatientId(path_id(&id)?), &body.instruments, body.expires_in_hours, body.kiosk).await?;
    let path = format!("/r/{}", made.token);
    Ok((StatusCode::CREATED, Json(LinkCreated { link: out(made.link, LinkState::Open), token: made.token, path })))
}

/// A patient's self-report links, newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/self-report-links", tag = "assessments", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<LinkOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<Vec<LinkOut>>> {
    let grant = state.app.authorize::<perm::PatientRead>(&actor).await?;
    let links = state.app.self_report_links(&grant, PatientId(path_id(&id)?)).await?;
    Ok(Json(links.into_iter().map(|(l, s)| out(l, s)).collect()))
}

/// Revokes an open link.
#[utoipa::path(post, path = "/api/v1/self-report-links/{id}/revoke", tag = "assessments", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = LinkOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn revoke(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<LinkOut>> {
    let grant = state.app.authorize::<perm::AssessmentRecord>(&actor).await?;
    let link = state.app.revoke_self_report_link(&grant, SelfReportLinkId(path_id(&id)?)).await?;
    Ok(Json(out(link, LinkState::Revoked)))
}
