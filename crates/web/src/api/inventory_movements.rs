//! Movements of the controlled-substance register (issue 6): draws for a session and what
//! becomes of them (administer, witnessed waste, return), transfers, disposals (DEA Form 41
//! data, witnessed), losses and thefts (with their DEA deadlines), and adjustments.
//!
//! A witness signs in with their own e-mail and password in the same request; a wrong
//! password, the actor as their own witness, or a witness whose role may not witness is
//! **422** on `witness` and nothing is written (the failed sign-in is audited like a failed
//! login). An impossible movement is **409** and nothing is written.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::register::{AdjustInput, DisposalInput, DrawInput, LossInput, WasteInput, WitnessCredentials};
use ketaclinic_domain::ids::{ContainerId, LedgerEntryId, LocationId, TreatmentSessionId};
use ketaclinic_domain::register::loss::LossReport;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::inventory::{QtyOut, ex};
use super::inventory_stock::{LedgerRowOut, ledger_row};
use super::path_id;
use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A witness signing in at the moment they witness.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WitnessIn {
    pub email: String,
    pub password: String,
}

impl From<WitnessIn> for WitnessCredentials {
    fn from(w: WitnessIn) -> Self {
        Self { email: w.email, password: w.password }
    }
}

/// A draw for a session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    pub session_id: uuid::Uuid,
    /// µL drawn; required for vials, left out for a nasal device (taken whole).
    pub volume_ul: Option<u64>,
}

/// The draw's ledger row and anything staff should know.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrawCreated {
    /// The draw's row; its `id` is the draw id.
    pub entry: LedgerRowOut,
    /// e.g. a vial past its beyond-use date.
    pub warnings: Vec<String>,
}

/// An amount of a draw (all that is left of it when left out).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawAmount {
    pub volume_ul: Option<u64>,
}

/// Waste of a draw, witnessed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WasteRequest {
    /// µL wasted; all that is left of the draw when left out.
    pub volume_ul: Option<u64>,
    pub reason: String,
    pub witness: WitnessIn,
}

/// A transfer to another location.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub to_location_id: uuid::Uuid,
}

/// A disposal with the DEA Form 41 data; the recorder and `witness` are the two witnesses.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisposalRequest {
    /// µL disposed of; all that remains when left out.
    pub volume_ul: Option<u64>,
    /// `reverse_distributor` or `destruction`.
    pub method: String,
    pub reason: String,
    /// With `destruction`: how it was made non-retrievable.
    pub destruction_method: Option<String>,
    pub place: String,
    /// With `reverse_distributor`: its name and DEA registration.
    pub reverse_distributor_name: Option<String>,
    pub reverse_distributor_dea: Option<String>,
    pub witness: WitnessIn,
}

/// A loss or theft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LossRequest {
    pub volume_ul: u64,
    /// `loss` or `theft`.
    pub kind: String,
    /// RFC 3339, not in the future.
    pub discovered_at: Timestamp,
    pub description: String,
}

/// A correction of the book.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustRequest {
    /// µL added (positive) or removed (negative), at most 1000 mL either way.
    pub delta_ul: i64,
    pub reason: String,
}

/// A completed deadline of a loss report.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDoneOut {
    pub at: Timestamp,
    pub by: uuid::Uuid,
    pub reference: String,
}

/// A loss or theft report with its two DEA deadlines.
#[derive(Debug, Serialize, ToSchema)]
pub struct LossReportOut {
    pub id: uuid::Uuid,
    /// The `loss` ledger row.
    pub entry_id: uuid::Uuid,
    pub container_id: uuid::Uuid,
    /// `loss` or `theft`.
    pub kind: String,
    pub qty: QtyOut,
    pub discovered_at: Timestamp,
    pub description: String,
    pub reported_by: uuid::Uuid,
    /// Written notice to the DEA Field Division: one business day after discovery.
    pub notify_due: Timestamp,
    /// DEA Form 106: 45 days after discovery.
    pub form106_due: Timestamp,
    pub notified: Option<TaskDoneOut>,
    pub form106: Option<TaskDoneOut>,
    /// `notify_dea` and/or `form_106` while not done.
    pub open_tasks: Vec<String>,
}

pub(crate) fn loss_out(l: &LossReport) -> LossReportOut {
    let done = |d: &ketaclinic_domain::register::loss::TaskDone| TaskDoneOut { at: d.at, by: d.by.0, reference: d.reference.clone() };
    LossReportOut {
        id: l.id.0,
        entry_id: l.entry_id.0,
        container_id: l.container_id.0,
        kind: l.kind.as_str().to_owned(),
        qty: l.qty.into(),
        discovered_at: l.discovered_at,
        description: l.description.clone(),
        reported_by: l.reported_by.0,
        notify_due: l.notify_due,
        form106_due: l.form106_due,
        notified: l.notified.as_ref().map(done),
        form106: l.form106.as_ref().map(done),
        open_tasks: l.open_tasks().into_iter().map(|(t, _)| t.as_str().to_owned()).collect(),
    }
}

fn ids(container: &str, draw: &str) -> Result<(ContainerId, LedgerEntryId), Problem> {
    Ok((ContainerId(path_id(container)?), LedgerEntryId(path_id(draw)?)))
}

/// Draws from a container for a session that is under way (`inventory.draw`). Expired stock,
/// more than remains, or a session that has ended is 409; a product that does not suit the
/// session's modality is 422.
#[utoipa::path(post, path = "/api/v1/inventory/containers/{id}/draws", tag = "inventory", params(("id" = uuid::Uuid, Path)),
    request_body(content = DrawRequest, example = json!({"session_id": ex::SESSION, "volume_ul": 1000})),
    responses((status = 201, body = DrawCreated, example = json!({"entry": ex::draw_row(), "warnings": []})),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "more than remains, expired, or the session has ended"), (status = 422, body = Problem)))]
pub async fn draw(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DrawRequest>,
) -> ApiResult<(StatusCode, Json<DrawCreated>)> {
    let grant = state.app.authorize::<perm::InventoryDraw>(&actor).await?;
    let input = DrawInput { session_id: TreatmentSessionId(body.session_id), volume_ul: body.volume_ul };
    let result = state.app.draw_for_session(&grant, ContainerId(path_id(&id)?), input).await?;
    let entry =
        result.entries.first().map(ledger_row).ok_or_else(|| Problem::from(ketaclinic_app::AppError::Unavailable("no ledger row returned".to_owned())))?;
    Ok((StatusCode::CREATED, Json(DrawCreated { entry, warnings: result.warnings })))
}

/// Records that part of a draw (all that is left of it by default) was given to the
/// session's patient.
#[utoipa::path(post, path = "/api/v1/inventory/containers/{id}/draws/{draw_id}/administer", tag = "inventory",
    params(("id" = uuid::Uuid, Path), ("draw_id" = uuid::Uuid, Path)),
    request_body(content = DrawAmount, example = json!({"volume_ul": 800})),
    responses((status = 200, body = LedgerRowOut, example = json!(ex::ledger_row(3, serde_json::json!({"kind": "administer", "draw_id": ex::DRAW, "session_id": ex::SESSION, "qty": ex::qty(800)})))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "more than the draw holds"), (status = 422, body = Problem)))]
pub async fn administer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, draw_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<DrawAmount>,
) -> ApiResult<Json<LedgerRowOut>> {
    let grant = state.app.authorize::<perm::InventoryDraw>(&actor).await?;
    let (container, draw) = ids(&id, &draw_id)?;
    Ok(Json(ledger_row(&state.app.administer_draw(&grant, container, draw, body.volume_ul).await?)))
}

/// Wastes part of a draw (all that is left by default), witnessed by a second licensed user
/// who signs in with their own password.
#[utoipa::path(post, path = "/api/v1/inventory/containers/{id}/draws/{draw_id}/waste", tag = "inventory",
    params(("id" = uuid::Uuid, Path), ("draw_id" = uuid::Uuid, Path)),
    request_body(content = WasteRequest, example = json!({"volume_ul": 200, "reason": "remainder of the syringe after a 40 mg dose", "witness": {"email": "prescriber@clinic.example.org", "password": "their own password"}})),
    responses((status = 200, body = LedgerRowOut, example = json!(ex::ledger_row(4, serde_json::json!({"kind": "waste", "draw_id": ex::DRAW, "qty": ex::qty(200), "reason": "remainder of the syringe after a 40 mg dose", "witness_id": ex::USER})))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "more than the draw holds (the draw is settled)"),
        (status = 422, body = Problem, description = "bad input, or the witness could not sign in or may not witness (field `witness`)")))]
pub async fn waste(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, draw_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<WasteRequest>,
) -> ApiResult<Json<LedgerRowOut>> {
    let grant = state.app.authorize::<perm::InventoryDraw>(&actor).await?;
    let (container, draw) = ids(&id, &draw_id)?;
    let input = WasteInput { volume_ul: body.volume_ul, reason: body.reason, witness: body.witness.into() };
    Ok(Json(ledger_row(&state.app.waste_draw(&grant, container, draw, input).await?)))
}

/// Puts part of a draw (all that is left by default) back into stock.
#[utoipa::path(post, path = "/api/v1/inventory/containers/{id}/draws/{draw_id}/return", tag = "inventory",
    params(("id" = uuid::Uuid, Path), ("draw_id" = uuid::Uuid, Path)),
    request_body(content = DrawAmount, example = json!({"volume_ul": 200})),
    responses((status = 200, body = LedgerRowOut, example = json!(ex::ledger_row(4, serde_json::json!({"kind": "return", "draw_id": ex::DRAW, "qty": ex::qty(200)})))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "more than the draw holds"), (status = 422, body = Problem)))]
pub async fn return_draw(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, draw_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<DrawAmount>,
) -> ApiResult<Json<LedgerRowOut>> {
    let grant = state.app.authorize::<perm::InventoryDraw>(&actor).await?;
    let (container, draw) = ids(&id, &draw_id)?;
    Ok(Json(ledger_row(&state.app.return_draw(&grant, container, draw, body.volume_ul).await?)))
}

/// Moves a container to another storage location (`inventory.receive`).
#[utoipa::path(post, path = "/api/v1/inventory/containers/{id}/transfer", tag = "inventory", params(("id" = uuid::Uuid, Path)),
    request_body(content = TransferRequest, example = json!({"to_location_id": "01935a7c-0000-7000-8000-00000000a002"})),
    responses((status = 200, body = LedgerRowOut, example = json!(ex::ledger_row(5, serde_json::json!({"kind": "transfer", "from": ex::LOCATION, "to": "01935a7c-0000-7000-8000-00000000a002"})))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transfer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransferRequest>,
) -> ApiResult<Json<LedgerRowOut>> {
    let grant = state.app.authorize::<perm::InventoryReceive>(&actor).await?;
    Ok(Json(ledger_row(&state.app.transfer_container(&grant, ContainerId(path_id(&id)?), LocationId(body.to_location_id)).await?)))
}

/// Disposes of stock (`inventory.manage`, and the recorder must be able to witness), with the
/// DEA Form 41 data and a second witness who signs in.
#[utoipa::path(post, path = "/api/v1/inventory/containers/{id}/disposal", tag = "inventory", params(("id" = uuid::Uuid, Path)),
    request_body(content = DisposalRequest, example = json!({"method": "destruction", "reason": "expired", "destruction_method": "mixed with a chemical denaturing agent (Rx Destroyer)", "place": "Clinic pharmacy room", "witness": {"email": "nurse@clinic.example.org", "password": "their own password"}})),
    responses((status = 200, body = LedgerRowOut, example = json!(ex::ledger_row(6, serde_json::json!({"kind": "dispose", "qty": ex::qty(9000), "details": {"method": "destruction", "reason": "expired", "destruction_method": "mixed with a chemical denaturing agent (Rx Destroyer)", "place": "Clinic pharmacy room", "reverse_distributor_name": null, "reverse_distributor_dea": null, "witnesses": [ex::USER, "01935a7c-0000-7000-8000-00000000f002"]}})))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "more than remains"), (status = 422, body = Problem)))]
pub async fn dispose(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DisposalRequest>,
) -> ApiResult<Json<LedgerRowOut>> {
    let grant = state.app.authorize::<perm::InventoryManage>(&actor).await?;
    let input = DisposalInput {
        volume_ul: body.volume_ul,
        method: body.method,
        reason: body.reason,
        destruction_method: body.destruction_method,
        place: body.place,
        reverse_distributor_name: body.reverse_distributor_name,
        reverse_distributor_dea: body.reverse_distributor_dea,
        witness: body.witness.into(),
    };
    Ok(Json(ledger_row(&state.app.dispose_stock(&grant, ContainerId(path_id(&id)?), input).await?)))
}

/// Reports a loss or theft (`inventory.draw`): the stock leaves the book and the report's two
/// DEA deadlines become open tasks.
#[utoipa::path(post, path = "/api/v1/inventory/containers/{id}/loss", tag = "inventory", params(("id" = uuid::Uuid, Path)),
    request_body(content = LossRequest, example = json!({"volume_ul": 9000, "kind": "theft", "discovered_at": "2026-11-21T14:30:00Z", "description": "Vial missing from Safe A at the opening count; safe found unlocked"})),
    responses((status = 201, body = LossReportOut, example = json!({
            "id": "01935a7c-0000-7000-8000-0000000010a1", "entry_id": "01935a7c-0000-7000-8000-0000000010a2", "container_id": ex::CONTAINER,
            "kind": "theft", "qty": ex::qty(9000), "discovered_at": "2026-11-21T14:30:00Z",
            "description": "Vial missing from Safe A at the opening count; safe found unlocked", "reported_by": ex::USER,
            "notify_due": "2026-11-23T14:30:00Z", "form106_due": "2027-01-05T14:30:00Z", "notified": null, "form106": null,
            "open_tasks": ["notify_dea", "form_106"]})),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "more than remains"), (status = 422, body = Problem)))]
pub async fn report_loss(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LossRequest>,
) -> ApiResult<(StatusCode, Json<LossReportOut>)> {
    let grant = state.app.authorize::<perm::InventoryDraw>(&actor).await?;
    let input = LossInput { volume_ul: body.volume_ul, kind: body.kind, discovered_at: body.discovered_at, description: body.description };
    let report = state.app.report_loss(&grant, ContainerId(path_id(&id)?), input).await?;
    Ok((StatusCode::CREATED, Json(loss_out(&report))))
}

/// Corrects the book of a container with a reason (`inventory.manage`).
#[utoipa::path(post, path = "/api/v1/inventory/containers/{id}/adjustments", tag = "inventory", params(("id" = uuid::Uuid, Path)),
    request_body(content = AdjustRequest, example = json!({"delta_ul": -100, "reason": "overfill lower than labelled: counted 8.9 mL"})),
    responses((status = 201, body = LedgerRowOut, example = json!(ex::ledger_row(7, serde_json::json!({"kind": "adjust", "delta": {"ul": -100, "ug": -5000}, "reason": "overfill lower than labelled: counted 8.9 mL"})))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the book would go below zero"), (status = 422, body = Problem)))]
pub async fn adjust(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AdjustRequest>,
) -> ApiResult<(StatusCode, Json<LedgerRowOut>)> {
    let grant = state.app.authorize::<perm::InventoryManage>(&actor).await?;
    let row = state.app.adjust_stock(&grant, ContainerId(path_id(&id)?), AdjustInput { delta_ul: body.delta_ul, reason: body.reason }).await?;
    Ok((StatusCode::CREATED, Json(ledger_row(&row))))
}
