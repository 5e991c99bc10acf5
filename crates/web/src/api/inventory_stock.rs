//! Stock over HTTP (issue 6): containers with their balances, one container's ledger with the
//! running balance, the balance per product, and the draws made for a session.

use axum::Json;
use axum::extract::{Path, State};
use jiff::Timestamp;
use jiff::civil::Date;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::register::{ContainerDetail, ContainerView, EntryLine, SessionDraw, StockFilter};
use ketaclinic_domain::ids::{ContainerId, LocationId, TreatmentSessionId};
use ketaclinic_domain::register::ledger::DrawBalance;
use ketaclinic_domain::register::movement::LedgerEntry;
use ketaclinic_domain::register::quantity::Qty;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::inventory::{QtyOut, ReceiptOut, ex, receipt_out};
use super::path_id;
use crate::auth::ApiActor;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// What staff should know about a container.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContainerWarnings {
    /// Past its expiry date: it cannot be drawn from.
    pub expired: bool,
    /// An opened multiple-dose vial past its beyond-use date (drawn with a warning).
    pub past_beyond_use: bool,
}

/// A container with its product, place and balance.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockItemOut {
    pub id: uuid::Uuid,
    pub number: u64,
    pub label: String,
    pub product_id: String,
    pub product_name: String,
    pub strength: String,
    pub lot: String,
    pub expiry: Date,
    pub location_id: Option<uuid::Uuid>,
    pub location_name: Option<String>,
    /// `sealed`, `opened`, `empty` or `expired`.
    pub status: String,
    /// In the container.
    pub remaining: QtyOut,
    /// Drawn and not yet administered, wasted or returned.
    pub in_syringes: QtyOut,
    /// The first draw (first puncture).
    pub first_draw_at: Option<Timestamp>,
    /// When an opened multiple-dose vial must no longer be used.
    pub beyond_use: Option<Date>,
    pub warnings: ContainerWarnings,
}

pub(crate) fn stock_item(v: &ContainerView) -> StockItemOut {
    StockItemOut {
        id: v.container.id.0,
        number: v.container.number,
        label: v.container.label.clone(),
        product_id: v.product.id.clone(),
        product_name: v.product.name.clone(),
        strength: v.product.strength(),
        lot: v.container.lot.clone(),
        expiry: v.container.expiry,
        location_id: v.location.as_ref().map(|l| l.id.0).or(v.balance.location_id.map(|l| l.0)),
        location_name: v.location.as_ref().map(|l| l.name.clone()),
        status: v.status().to_owned(),
        remaining: v.balance.remaining.into(),
        in_syringes: v.balance.in_syringes().into(),
        first_draw_at: v.balance.first_draw_at,
        beyond_use: v.beyond_use,
        warnings: ContainerWarnings { expired: v.expired, past_beyond_use: v.past_beyond_use },
    }
}

/// Stock filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StockParams {
    /// Also containers with nothing left (emptied, disposed of, lost). Default false.
    pub include_empty: Option<bool>,
    pub product_id: Option<String>,
    pub location_id: Option<uuid::Uuid>,
}

/// Containers with their balances, by label.
#[utoipa::path(get, path = "/api/v1/inventory/containers", tag = "inventory", params(StockParams),
    responses((status = 200, body = Vec<StockItemOut>, example = json!([ex::stock_item()])), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn containers(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiQuery(p): ApiQuery<StockParams>) -> ApiResult<Json<Vec<StockItemOut>>> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    let filter = StockFilter {
        include_empty: p.include_empty.unwrap_or(false),
        product_id: p.product_id.filter(|s| !s.trim().is_empty()),
        location_id: p.location_id.map(LocationId),
    };
    Ok(Json(state.app.stock(&grant, &filter).await?.iter().map(stock_item).collect()))
}

/// One ledger row as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerRowOut {
    /// Position in the hash chain.
    pub seq: u64,
    pub id: uuid::Uuid,
    pub at: Timestamp,
    pub container_id: uuid::Uuid,
    pub recorded_by: uuid::Uuid,
    /// `receipt`, `draw`, `administer`, `waste`, `return`, `dispose`, `loss`, `transfer`,
    /// `adjust` or `count`.
    pub kind: String,
    /// The movement with its details (tagged by `kind`; quantities as `{ul, ug}`).
    #[schema(value_type = Object)]
    pub movement: Value,
    pub prev_hash: String,
    pub hash: String,
}

pub(crate) fn ledger_row(e: &LedgerEntry) -> LedgerRowOut {
    LedgerRowOut {
        seq: e.seq,
        id: e.entry.id.0,
        at: e.entry.at,
        container_id: e.entry.container_id.0,
        recorded_by: e.entry.recorded_by.0,
        kind: e.entry.movement.kind().to_owned(),
        movement: serde_json::to_value(&e.entry.movement).unwrap_or(Value::Null),
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
    }
}

/// A ledger row of one container with the balance after it and the people named.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryOut {
    #[serde(flatten)]
    pub row: LedgerRowOut,
    /// `Drawn`, `Administered`, `Wasted` …
    pub label: String,
    /// The amount moved (zero for transfers and counts).
    pub qty: QtyOut,
    /// The container's content after this row.
    pub remaining_after: QtyOut,
    pub recorded_by_name: String,
    pub witnesses: Vec<String>,
}

fn entry_out(e: &EntryLine) -> EntryOut {
    EntryOut {
        row: ledger_row(&e.entry),
        label: e.entry.entry.movement.label().to_owned(),
        qty: e.entry.entry.movement.qty().into(),
        remaining_after: e.remaining_after.into(),
        recorded_by_name: e.recorded_by.clone(),
        witnesses: e.witnesses.clone(),
    }
}

/// A draw and what became of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrawOut {
    /// The draw's ledger entry id.
    pub id: uuid::Uuid,
    pub container_id: uuid::Uuid,
    pub session_id: uuid::Uuid,
    pub at: Timestamp,
    pub drawn: QtyOut,
    pub administered: QtyOut,
    pub wasted: QtyOut,
    pub returned: QtyOut,
    /// Still in the syringe: to be administered, wasted or returned.
    pub outstanding: QtyOut,
}

pub(crate) fn draw_out(d: &DrawBalance) -> DrawOut {
    DrawOut {
        id: d.id.0,
        container_id: d.container_id.0,
        session_id: d.session_id.0,
        at: d.at,
        drawn: d.drawn.into(),
        administered: d.administered.into(),
        wasted: d.wasted.into(),
        returned: d.returned.into(),
        outstanding: d.outstanding().into(),
    }
}

/// A container with its whole history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContainerDetailOut {
    pub container: StockItemOut,
    pub receipt: Option<ReceiptOut>,
    /// Every ledger row, oldest first, with the running balance.
    pub entries: Vec<EntryOut>,
    pub draws: Vec<DrawOut>,
}

/// One container and its ledger with the running balance.
#[utoipa::path(get, path = "/api/v1/inventory/containers/{id}", tag = "inventory", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ContainerDetailOut, example = json!({
            "container": ex::stock_item(), "receipt": ex::receipt(),
            "entries": [{
                "seq": 2, "id": ex::DRAW, "at": "2026-11-21T15:10:00Z", "container_id": ex::CONTAINER, "recorded_by": ex::USER, "kind": "draw",
                "movement": {"kind": "draw", "session_id": ex::SESSION, "qty": ex::qty(1000)}, "prev_hash": "9f2c…", "hash": "4b7e…",
                "label": "Drawn", "qty": ex::qty(1000), "remaining_after": ex::qty(9000), "recorded_by_name": "Nora Nurse", "witnesses": []
            }],
            "draws": [ex::draw()]})),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn container(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<ContainerDetailOut>> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    let ContainerDetail { view, receipt, entries, draws } = state.app.container_detail(&grant, ContainerId(path_id(&id)?)).await?;
    Ok(Json(ContainerDetailOut {
        container: stock_item(&view),
        receipt: receipt.as_ref().map(receipt_out),
        entries: entries.iter().map(entry_out).collect(),
        draws: draws.iter().map(draw_out).collect(),
    }))
}

/// Stock of one product.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductBalanceOut {
    pub product_id: String,
    pub product_name: String,
    pub strength: String,
    /// Containers with something left in them.
    pub containers: u32,
    /// In the containers.
    pub remaining: QtyOut,
    /// Drawn and not yet settled.
    pub in_syringes: QtyOut,
}

/// The balance per product (containers with stock, what remains, what is in syringes).
#[utoipa::path(get, path = "/api/v1/inventory/balance", tag = "inventory",
    responses((status = 200, body = Vec<ProductBalanceOut>, example = json!([{
            "product_id": "ketamine-50mg-ml-10ml", "product_name": "Ketamine HCl injection 50 mg/mL, 10 mL multiple-dose vial",
            "strength": "50 mg/mL, 10 mL vial", "containers": 3, "remaining": ex::qty(29000), "in_syringes": ex::qty(1000)}])),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn balance(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<ProductBalanceOut>>> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    let products = state.app.register_products(&grant).await?;
    let stock = state.app.stock(&grant, &StockFilter::default()).await?;
    let add = |a: Qty, b: Qty| a.checked_add(b).unwrap_or(a);
    let out = products
        .iter()
        .filter_map(|p| {
            let mine: Vec<&ContainerView> = stock.iter().filter(|v| v.product.id == p.id).collect();
            if mine.is_empty() && !p.active {
                return None;
            }
            Some(ProductBalanceOut {
                product_id: p.id.clone(),
                product_name: p.name.clone(),
                strength: p.strength(),
                containers: u32::try_from(mine.iter().filter(|v| !v.balance.remaining.is_zero()).count()).unwrap_or(u32::MAX),
                remaining: mine.iter().fold(Qty::ZERO, |acc, v| add(acc, v.balance.remaining)).into(),
                in_syringes: mine.iter().fold(Qty::ZERO, |acc, v| add(acc, v.balance.in_syringes())).into(),
            })
        })
        .collect();
    Ok(Json(out))
}

/// A draw made for a session, with its container.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDrawOut {
    pub draw: DrawOut,
    pub container: StockItemOut,
}

/// The draws made for a session and what became of them.
#[utoipa::path(get, path = "/api/v1/inventory/sessions/{session_id}/draws", tag = "inventory", params(("session_id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<SessionDrawOut>, example = json!([{"draw": ex::draw(), "container": ex::stock_item()}])),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn session_draws(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<Vec<SessionDrawOut>>> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    let draws: Vec<SessionDraw> = state.app.session_draws(&grant, TreatmentSessionId(path_id(&id)?)).await?;
    Ok(Json(draws.iter().map(|d| SessionDrawOut { draw: draw_out(&d.draw), container: stock_item(&d.container) }).collect()))
}
