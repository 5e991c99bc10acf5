//! Inventory counts (initial, biennial, ad hoc) and loss-report deadlines (issue 6).
//!
//! A count sheet lists every container with stock when it is started; lines are recorded with
//! the version the counter saw (a stale version is **409**); signing needs every line counted
//! and every discrepancy resolved (**422** naming the lines otherwise) and locks the sheet (a
//! later change is **409**). Adjusting the book to a count needs `inventory.manage`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use jiff::civil::Date;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::register::{CountInput, CountLineInput};
use ketaclinic_domain::ids::{ContainerId, CountId, LocationId, LossReportId};
use ketaclinic_domain::register::count::Count;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::inventory::ex;
use super::inventory_movements::{LossReportOut, loss_out};
use super::path_id;
use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// One container on a count sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountLineOut {
    pub container_id: uuid::Uuid,
    /// The book quantity (µL) when the sheet was made.
    pub book_ul: u64,
    /// What was found; absent until counted.
    pub counted_ul: Option<u64>,
    /// Counted minus book, once counted.
    pub discrepancy_ul: Option<i64>,
    pub resolution: Option<String>,
    /// Adjust the book to the count when the count is signed.
    pub adjust: bool,
}

/// A count sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountOut {
    pub id: uuid::Uuid,
    /// `initial`, `biennial` or `ad_hoc`.
    pub kind: String,
    /// `opening_of_business` or `close_of_business`.
    pub timing: String,
    pub location_id: Option<uuid::Uuid>,
    pub taken_on: Date,
    pub started_at: Timestamp,
    pub started_by: uuid::Uuid,
    /// `draft` or `signed`.
    pub status: String,
    pub lines: Vec<CountLineOut>,
    pub signed_by: Option<uuid::Uuid>,
    pub signed_at: Option<Timestamp>,
    /// Send back with changes and the signature.
    pub version: u32,
}

fn count_out(c: &Count) -> CountOut {
    CountOut {
        id: c.id.0,
        kind: c.kind.as_str().to_owned(),
        timing: c.timing.as_str().to_owned(),
        location_id: c.location_id.map(|l| l.0),
        taken_on: c.taken_on,
        started_at: c.started_at,
        started_by: c.started_by.0,
        status: c.status.as_str().to_owned(),
        lines: c
            .lines
            .iter()
            .map(|l| CountLineOut {
                container_id: l.container_id.0,
                book_ul: l.book_ul,
                counted_ul: l.counted_ul,
                discrepancy_ul: l.discrepancy_ul(),
                resolution: l.resolution.clone(),
                adjust: l.adjust,
            })
            .collect(),
        signed_by: c.signed_by.map(|u| u.0),
        signed_at: c.signed_at,
        version: c.version,
    }
}

fn count_example(status: &str, version: u32) -> serde_json::Value {
    let signed = status == "signed";
    serde_json::json!({
        "id": "01935a7c-0000-7000-8000-00000000c0a1", "kind": "ad_hoc", "timing": "close_of_business", "location_id": null,
        "taken_on": "2026-11-21", "started_at": "2026-11-21T17:00:00Z", "started_by": ex::USER, "status": status,
        "lines": [{"container_id": ex::CONTAINER, "book_ul": 9000, "counted_ul": 8900, "discrepancy_ul": -100,
            "resolution": "overfill lower than labelled", "adjust": true}],
        "signed_by": if signed { serde_json::json!(ex::USER) } else { serde_json::Value::Null },
        "signed_at": if signed { serde_json::json!("2026-11-21T17:20:00Z") } else { serde_json::Value::Null },
        "version": version
    })
}

/// A count to start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountCreate {
    /// `initial`, `biennial` or `ad_hoc`.
    pub kind: String,
    /// `opening_of_business` or `close_of_business`.
    pub timing: String,
    /// One location only; all when left out.
    pub location_id: Option<uuid::Uuid>,
}

/// What was found for one container.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountLineIn {
    pub container_id: uuid::Uuid,
    pub counted_ul: u64,
    /// Required when counted and book differ.
    pub resolution: Option<String>,
    /// Adjust the book to the count at signing (needs `inventory.manage`).
    #[serde(default)]
    pub adjust: bool,
}

/// Lines recorded against the version the counter saw.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountLinesRequest {
    pub version: u32,
    pub lines: Vec<CountLineIn>,
}

/// A signature, against the version the signer saw.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountSignRequest {
    pub version: u32,
}

/// Count sheets, newest first.
#[utoipa::path(get, path = "/api/v1/inventory/counts", tag = "inventory",
    responses((status = 200, body = Vec<CountOut>, example = json!([count_example("signed", 3)])), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn counts(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<CountOut>>> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    Ok(Json(state.app.counts(&grant).await?.iter().map(count_out).collect()))
}

/// Starts a count sheet of every container with stock (`inventory.count`).
#[utoipa::path(post, path = "/api/v1/inventory/counts", tag = "inventory",
    request_body(content = CountCreate, example = json!({"kind": "ad_hoc", "timing": "close_of_business"})),
    responses((status = 201, body = CountOut, example = json!({
            "id": "01935a7c-0000-7000-8000-00000000c0a1", "kind": "ad_hoc", "timing": "close_of_business", "location_id": null,
            "taken_on": "2026-11-21", "started_at": "2026-11-21T17:00:00Z", "started_by": ex::USER, "status": "draft",
            "lines": [{"container_id": ex::CONTAINER, "book_ul": 9000, "counted_ul": null, "discrepancy_ul": null, "resolution": null, "adjust": false}],
            "signed_by": null, "signed_at": null, "version": 1})),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem, description = "a second initial inventory"), (status = 422, body = Problem)))]
pub async fn start(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiJson(body): ApiJson<CountCreate>) -> ApiResult<(StatusCode, Json<CountOut>)> {
    let grant = state.app.authorize::<perm::InventoryCount>(&actor).await?;
    let input = CountInput { kind: body.kind, timing: body.timing, location_id: body.location_id.map(LocationId) };
    Ok((StatusCode::CREATED, Json(count_out(&state.app.start_count(&grant, input).await?))))
}

/// One count sheet.
#[utoipa::path(get, path = "/api/v1/inventory/counts/{id}", tag = "inventory", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CountOut, example = json!(count_example("draft", 2))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn count(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<CountOut>> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    Ok(Json(count_out(&state.app.count_sheet(&grant, CountId(path_id(&id)?)).await?)))
}

/// Records what was found on some lines of a draft (`inventory.count`).
#[utoipa::path(put, path = "/api/v1/inventory/counts/{id}/lines", tag = "inventory", params(("id" = uuid::Uuid, Path)),
    request_body(content = CountLinesRequest, example = json!({"version": 1, "lines": [{"container_id": ex::CONTAINER, "counted_ul": 8900, "resolution": "overfill lower than labelled", "adjust": true}]})),
    responses((status = 200, body = CountOut, example = json!(count_example("draft", 2))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the sheet changed since this version, or it is signed"), (status = 422, body = Problem)))]
pub async fn record_lines(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CountLinesRequest>,
) -> ApiResult<Json<CountOut>> {
    let grant = state.app.authorize::<perm::InventoryCount>(&actor).await?;
    let lines = body
        .lines
        .into_iter()
        .map(|l| CountLineInput { container_id: ContainerId(l.container_id), counted_ul: l.counted_ul, resolution: l.resolution, adjust: l.adjust })
        .collect();
    Ok(Json(count_out(&state.app.record_count_lines(&grant, CountId(path_id(&id)?), body.version, lines).await?)))
}

/// Signs and locks a count (`inventory.count`; `inventory.manage` too when a line adjusts the
/// book): one `count` ledger row per line and the adjustments asked for.
#[utoipa::path(post, path = "/api/v1/inventory/counts/{id}/sign", tag = "inventory", params(("id" = uuid::Uuid, Path)),
    request_body(content = CountSignRequest, example = json!({"version": 2})),
    responses((status = 200, body = CountOut, example = json!(count_example("signed", 3))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the sheet changed since this version, it is signed, or stock moved since it was made"),
        (status = 422, body = Problem, description = "lines not counted, or discrepancies without a resolution")))]
pub async fn sign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CountSignRequest>,
) -> ApiResult<Json<CountOut>> {
    let grant = state.app.authorize::<perm::InventoryCount>(&actor).await?;
    Ok(Json(count_out(&state.app.sign_count(&grant, CountId(path_id(&id)?), body.version).await?)))
}

/// Loss and theft reports, newest discovery first.
#[utoipa::path(get, path = "/api/v1/inventory/loss-reports", tag = "inventory",
    responses((status = 200, body = Vec<LossReportOut>, example = json!([{
            "id": "01935a7c-0000-7000-8000-0000000010a1", "entry_id": "01935a7c-0000-7000-8000-0000000010a2", "container_id": ex::CONTAINER,
            "kind": "theft", "qty": ex::qty(9000), "discovered_at": "2026-11-21T14:30:00Z", "description": "Vial missing from Safe A",
            "reported_by": ex::USER, "notify_due": "2026-11-23T14:30:00Z", "form106_due": "2027-01-05T14:30:00Z",
            "notified": {"at": "2026-11-22T09:00:00Z", "by": ex::USER, "reference": "Letter to the Chicago Field Division, ref 2026-118"},
            "form106": null, "open_tasks": ["form_106"]}])),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn loss_reports(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<LossReportOut>>> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    Ok(Json(state.app.loss_reports(&grant).await?.iter().map(loss_out).collect()))
}

/// The reference of a completed deadline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRequest {
    /// The notice's or the Form 106 submission's reference.
    pub reference: String,
}

/// Marks one deadline of a loss report done (`inventory.manage`); `task` is `notify_dea` or
/// `form_106`. Completing it twice is 409.
#[utoipa::path(post, path = "/api/v1/inventory/loss-reports/{id}/tasks/{task}", tag = "inventory",
    params(("id" = uuid::Uuid, Path), ("task" = String, Path, description = "`notify_dea` or `form_106`")),
    request_body(content = TaskRequest, example = json!({"reference": "Letter to the Chicago Field Division, ref 2026-118"})),
    responses((status = 200, body = LossReportOut, example = json!({
            "id": "01935a7c-0000-7000-8000-0000000010a1", "entry_id": "01935a7c-0000-7000-8000-0000000010a2", "container_id": ex::CONTAINER,
            "kind": "theft", "qty": ex::qty(9000), "discovered_at": "2026-11-21T14:30:00Z", "description": "Vial missing from Safe A",
            "reported_by": ex::USER, "notify_due": "2026-11-23T14:30:00Z", "form106_due": "2027-01-05T14:30:00Z",
            "notified": {"at": "2026-11-22T09:00:00Z", "by": ex::USER, "reference": "Letter to the Chicago Field Division, ref 2026-118"},
            "form106": null, "open_tasks": ["form_106"]})),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "already done"), (status = 422, body = Problem)))]
pub async fn complete_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, task)): Path<(String, String)>,
    ApiJson(body): ApiJson<TaskRequest>,
) -> ApiResult<Json<LossReportOut>> {
    let grant = state.app.authorize::<perm::InventoryManage>(&actor).await?;
    let id = LossReportId(path_id(&id)?);
    state.app.complete_loss_task(&grant, id, &task, &body.reference).await?;
    let read = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    let report = state.app.loss_reports(&read).await?.into_iter().find(|r| r.id == id).ok_or_else(|| Problem::from(ketaclinic_app::AppError::NotFound))?;
    Ok(Json(loss_out(&report)))
}
