//! Billing, the charge side (issue 8 item 8–9): capture a discharged session's charges, read
//! them, and estimate a planned course. Capture needs `billing.manage`; reads `billing.read`.
//! Money is integer cents (`*_cents`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::billing::ChargeRecord;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::billing::charge::Charge;
use ketaclinic_domain::billing::estimate::EstimateLine;
use ketaclinic_domain::ids::{CourseId, TreatmentSessionId};
use serde::Serialize;
use utoipa::ToSchema;

use super::path_id;
use crate::auth::ApiActor;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A priced service: code, modifiers, units, the fee schedule's description and unit price, and
/// the line amount (`unit_price_cents × units`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceOut {
    /// CPT or HCPCS code (REFERENCE §8).
    pub code: String,
    /// e.g. `["KX"]` for a Medicare SPRAVATO session.
    pub modifiers: Vec<String>,
    pub units: u32,
    pub description: String,
    pub unit_price_cents: i64,
    pub amount_cents: i64,
}

/// A captured charge line.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChargeOut {
    pub id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    pub session_id: uuid::Uuid,
    pub line: u32,
    /// The date of service (the administration's start).
    pub service_at: Timestamp,
    #[serde(flatten)]
    pub service: ServiceOut,
    /// ICD-10-CM codes, primary first.
    pub diagnoses: Vec<String>,
    /// The fee-schedule version the price came from.
    pub fee_schedule_version: u32,
    pub captured_by: uuid::Uuid,
    pub captured_at: Timestamp,
}

fn service_out(c: &Charge) -> ServiceOut {
    let line = c.line();
    ServiceOut {
        code: line.service().code.to_string(),
        modifiers: line.service().modifiers.iter().map(ToString::to_string).collect(),
        units: line.service().units.get(),
        description: line.description().to_owned(),
        unit_price_cents: line.unit_price().cents(),
        amount_cents: c.amount().cents(),
    }
}

pub(crate) fn charge_out(r: ChargeRecord) -> ChargeOut {
    ChargeOut {
        id: r.id.0,
        patient_id: r.patient_id.0,
        session_id: r.session_id.0,
        line: r.line,
        service_at: r.service_at,
        service: service_out(&r.charge),
        diagnoses: r.charge.diagnoses().codes().iter().map(|c| c.as_str().to_owned()).collect(),
        fee_schedule_version: r.fee_schedule_version,
        captured_by: r.captured_by.0,
        captured_at: r.captured_at,
    }
}

/// One line of an estimate: a service of a planned visit kind, times the visits.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstimateLineOut {
    /// The visit kind, e.g. "Induction infusion".
    pub label: String,
    pub visits: u32,
    /// The service of one visit, priced.
    pub per_visit: ServiceOut,
    /// `per_visit.amount_cents × visits`.
    pub amount_cents: i64,
}

/// What a course's induction is expected to cost at current prices.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstimateOut {
    pub course_id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    pub modality: String,
    pub fee_schedule_version: u32,
    pub lines: Vec<EstimateLineOut>,
    /// The exact sum of the lines.
    pub total_cents: i64,
}

fn estimate_line(l: &EstimateLine) -> EstimateLineOut {
    let p = &l.per_visit;
    EstimateLineOut {
        label: l.label.clone(),
        visits: l.visits.get(),
        per_visit: ServiceOut {
            code: p.service().code.to_string(),
            modifiers: p.service().modifiers.iter().map(ToString::to_string).collect(),
            units: p.service().units.get(),
            description: p.description().to_owned(),
            unit_price_cents: p.unit_price().cents(),
            amount_cents: p.amount().cents(),
        },
        amount_cents: l.amount.cents(),
    }
}

/// Captures the charges of a discharged session from what it recorded: 201 with the new
/// charges, or 200 with the charges already captured (capture is idempotent).
#[utoipa::path(post, path = "/api/v1/billing/sessions/{id}/charges", tag = "billing", params(("id" = uuid::Uuid, Path)),
    responses((status = 201, body = Vec<ChargeOut>), (status = 200, body = Vec<ChargeOut>), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn capture(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<(StatusCode, Json<Vec<ChargeOut>>)> {
    let grant = state.app.authorize::<perm::BillingManage>(&actor).await?;
    let captured = state.app.capture_session_charges(&grant, TreatmentSessionId(path_id(&id)?)).await?;
    let status = if captured.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(captured.charges.into_iter().map(charge_out).collect())))
}

/// A session's captured charges (empty before capture).
#[utoipa::path(get, path = "/api/v1/billing/sessions/{id}/charges", tag = "billing", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ChargeOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn session_charges(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<Vec<ChargeOut>>> {
    let grant = state.app.authorize::<perm::BillingRead>(&actor).await?;
    let charges = state.app.session_charges(&grant, TreatmentSessionId(path_id(&id)?)).await?;
    Ok(Json(charges.into_iter().map(charge_out).collect()))
}

/// The estimate of a course's induction at current prices; 422 names a code without a price.
#[utoipa::path(get, path = "/api/v1/courses/{id}/estimate", tag = "billing", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = EstimateOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn estimate(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<EstimateOut>> {
    let grant = state.app.authorize::<perm::BillingRead>(&actor).await?;
    let e = state.app.course_estimate(&grant, CourseId(path_id(&id)?)).await?;
    Ok(Json(EstimateOut {
        course_id: e.course.id.0,
        patient_id: e.course.patient_id.0,
        modality: e.course.modality.as_str().to_owned(),
        fee_schedule_version: e.fee_schedule_version,
        lines: e.estimate.lines().iter().map(estimate_line).collect(),
        total_cents: e.estimate.total().cents(),
    }))
}
