//! The controlled-substance register over HTTP (issue 6): the catalogue, storage locations,
//! and receipts. Stock and container histories are in `inventory_stock`, movements in
//! `inventory_movements`, counts and
//! loss reports in `inventory_counts`, reports and the raw ledger in `inventory_reports`.
//!
//! Quantities are integers: `ul` (microlitres) and `ug` (micrograms). Reads need
//! `inventory.read`; receipts and transfers `inventory.receive`; the catalogue, disposals and
//! adjustments `inventory.manage`. An impossible movement (more than remains, an expired
//! container, a draw already settled) is **409** and nothing is written.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use jiff::civil::Date;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::register::{ProductInput, ReceiptInput};
use ketaclinic_domain::FieldError;
use ketaclinic_domain::ids::LocationId;
use ketaclinic_domain::register::container::{Container, Receipt};
use ketaclinic_domain::register::product::{Location, Product};
use ketaclinic_domain::register::quantity::{Qty, parse_ml};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Examples for the OpenAPI document (one place, so they agree with each other).
pub(crate) mod ex {
    use serde_json::{Value, json};

    pub const CONTAINER: &str = "01935a7c-0000-7000-8000-00000000c001";
    pub const LOCATION: &str = "01935a7c-0000-7000-8000-00000000a001";
    pub const SESSION: &str = "01935a7c-0000-7000-8000-00000000e001";
    pub const DRAW: &str = "01935a7c-0000-7000-8000-00000000d001";
    pub const USER: &str = "01935a7c-0000-7000-8000-00000000f001";

    pub fn qty(ul: u64) -> Value {
        json!({"ul": ul, "ug": ul * 50})
    }

    pub fn product() -> Value {
        json!({
            "id": "ketamine-50mg-ml-10ml", "name": "Ketamine HCl injection 50 mg/mL, 10 mL multiple-dose vial", "form": "vial",
            "ndc": null, "concentration_mg_per_ml": 50, "container_ul": 10000, "units_per_package": 1, "multi_dose": true,
            "active": true, "strength": "50 mg/mL, 10 mL vial"
        })
    }

    pub fn location() -> Value {
        json!({"id": LOCATION, "name": "Safe A", "active": true})
    }

    pub fn receipt() -> Value {
        json!({
            "id": "01935a7c-0000-7000-8000-00000000b001", "supplier_name": "Acme Pharma Distribution", "supplier_address": "1 Depot Road, Springfield IL",
            "supplier_dea": "AB1234563", "invoice": "INV-1042", "received_on": "2026-11-21", "received_at": "2026-11-21T15:00:00Z",
            "received_by": USER, "product_id": "ketamine-50mg-ml-10ml", "lot": "K2291", "expiry": "2027-06-30", "packages": 1, "location_id": LOCATION
        })
    }

    pub fn container() -> Value {
        json!({"id": CONTAINER, "number": 1, "label": "V-0001", "product_id": "ketamine-50mg-ml-10ml", "receipt_id": "01935a7c-0000-7000-8000-00000000b001", "lot": "K2291", "expiry": "2027-06-30"})
    }

    pub fn stock_item() -> Value {
        json!({
            "id": CONTAINER, "number": 1, "label": "V-0001", "product_id": "ketamine-50mg-ml-10ml",
            "product_name": "Ketamine HCl injection 50 mg/mL, 10 mL multiple-dose vial", "strength": "50 mg/mL, 10 mL vial",
            "lot": "K2291", "expiry": "2027-06-30", "location_id": LOCATION, "location_name": "Safe A", "status": "opened",
            "remaining": qty(9000), "in_syringes": qty(0), "first_draw_at": "2026-11-21T15:10:00Z", "beyond_use": "2026-12-19",
            "warnings": {"expired": false, "past_beyond_use": false}
        })
    }

    pub fn ledger_row(seq: u64, movement: Value) -> Value {
        json!({
            "seq": seq, "id": DRAW, "at": "2026-11-21T15:10:00Z", "container_id": CONTAINER, "recorded_by": USER,
            "kind": movement["kind"], "movement": movement,
            "prev_hash": "9f2c…", "hash": "4b7e…"
        })
    }

    pub fn draw_row() -> Value {
        ledger_row(2, json!({"kind": "draw", "session_id": SESSION, "qty": qty(1000)}))
    }

    pub fn draw() -> Value {
        json!({"id": DRAW, "container_id": CONTAINER, "session_id": SESSION, "at": "2026-11-21T15:10:00Z",
            "drawn": qty(1000), "administered": qty(800), "wasted": qty(200), "returned": qty(0), "outstanding": qty(0)})
    }
}

/// An amount: microlitres and micrograms.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct QtyOut {
    pub ul: u64,
    pub ug: u64,
}

impl From<Qty> for QtyOut {
    fn from(q: Qty) -> Self {
        Self { ul: q.ul, ug: q.ug }
    }
}

/// A product of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductOut {
    pub id: String,
    pub name: String,
    /// `vial` or `nasal_device`.
    pub form: String,
    pub ndc: Option<String>,
    pub concentration_mg_per_ml: u64,
    /// The full content of one container in µL.
    pub container_ul: u64,
    pub units_per_package: u32,
    pub multi_dose: bool,
    pub active: bool,
    /// `50 mg/mL, 10 mL vial`.
    pub strength: String,
}

pub(crate) fn product_out(p: &Product) -> ProductOut {
    ProductOut {
        id: p.id.clone(),
        name: p.name.clone(),
        form: p.form.as_str().to_owned(),
        ndc: p.ndc.as_ref().map(|n| n.as_str().to_owned()),
        concentration_mg_per_ml: p.concentration.ug_per_ml() / 1000,
        container_ul: p.container_ul,
        units_per_package: p.units_per_package,
        multi_dose: p.multi_dose,
        active: p.active,
        strength: p.strength(),
    }
}

/// A volume in mL, as a JSON number or string (`10`, `"0.2"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Millilitres {
    Number(serde_json::Number),
    Text(String),
}

/// A product to add to the catalogue. Give the container's volume as `container_ml` or
/// `container_ul`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductCreate {
    /// A stable slug, e.g. `ketamine-100mg-ml-5ml`.
    pub id: String,
    pub name: String,
    /// `vial` or `nasal_device`.
    pub form: String,
    pub ndc: Option<String>,
    /// A whole number of mg/mL.
    pub concentration_mg_per_ml: u64,
    #[schema(value_type = Option<f64>)]
    pub container_ml: Option<Millilitres>,
    pub container_ul: Option<u64>,
    pub units_per_package: u32,
    pub multi_dose: bool,
}

/// The catalogue.
#[utoipa::path(get, path = "/api/v1/inventory/products", tag = "inventory",
    responses((status = 200, body = Vec<ProductOut>, example = json!([ex::product()])), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn products(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<ProductOut>>> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    Ok(Json(state.app.register_products(&grant).await?.iter().map(product_out).collect()))
}

/// Adds a product to the catalogue (`inventory.manage`).
#[utoipa::path(post, path = "/api/v1/inventory/products", tag = "inventory",
    request_body(content = ProductCreate, example = json!({"id": "ketamine-100mg-ml-5ml", "name": "Ketamine HCl injection 100 mg/mL, 5 mL vial", "form": "vial", "ndc": "42023-0115-10", "concentration_mg_per_ml": 100, "container_ml": 5, "units_per_package": 10, "multi_dose": true})),
    responses((status = 201, body = ProductOut, example = json!(ex::product())), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "a product with this id exists"), (status = 422, body = Problem)))]
pub async fn add_product(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<ProductCreate>,
) -> ApiResult<(StatusCode, Json<ProductOut>)> {
    let grant = state.app.authorize::<perm::InventoryManage>(&actor).await?;
    let container_ul = match (&body.container_ml, body.container_ul) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(Problem::invalid(vec![FieldError::new("container_ml", "give the volume as container_ml or container_ul (one of them)")]));
        }
        (None, Some(ul)) => ul,
        (Some(ml), None) => {
            let raw = match ml {
                Millilitres::Number(n) => n.to_string(),
                Millilitres::Text(s) => s.clone(),
            };
            parse_ml("container_ml", &raw, 1000).map_err(|e| Problem::invalid(vec![e]))?
        }
    };
    let input = ProductInput {
        id: body.id,
        name: body.name,
        form: body.form,
        ndc: body.ndc,
        concentration_mg_per_ml: body.concentration_mg_per_ml,
        container_ul,
        units_per_package: body.units_per_package,
        multi_dose: body.multi_dose,
    };
    let product = state.app.add_register_product(&grant, input).await?;
    Ok((StatusCode::CREATED, Json(product_out(&product))))
}

/// A storage location (a safe or locked cabinet).
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationOut {
    pub id: uuid::Uuid,
    pub name: String,
    pub active: bool,
}

fn location_out(l: &Location) -> LocationOut {
    LocationOut { id: l.id.0, name: l.name.clone(), active: l.active }
}

/// A location to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationCreate {
    pub name: String,
}

/// The storage locations.
#[utoipa::path(get, path = "/api/v1/inventory/locations", tag = "inventory",
    responses((status = 200, body = Vec<LocationOut>, example = json!([ex::location()])), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn locations(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<LocationOut>>> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    Ok(Json(state.app.register_locations(&grant).await?.iter().map(location_out).collect()))
}

/// Adds a storage location (`inventory.manage`).
#[utoipa::path(post, path = "/api/v1/inventory/locations", tag = "inventory",
    request_body(content = LocationCreate, example = json!({"name": "Safe A"})),
    responses((status = 201, body = LocationOut, example = json!(ex::location())), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "a location with this name exists"), (status = 422, body = Problem)))]
pub async fn add_location(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<LocationCreate>,
) -> ApiResult<(StatusCode, Json<LocationOut>)> {
    let grant = state.app.authorize::<perm::InventoryManage>(&actor).await?;
    let location = state.app.add_register_location(&grant, &body.name).await?;
    Ok((StatusCode::CREATED, Json(location_out(&location))))
}

/// A receipt (one invoice line: one product, one lot).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptOut {
    pub id: uuid::Uuid,
    pub supplier_name: String,
    pub supplier_address: String,
    pub supplier_dea: String,
    pub invoice: String,
    pub received_on: Date,
    pub received_at: Timestamp,
    pub received_by: uuid::Uuid,
    pub product_id: String,
    pub lot: String,
    pub expiry: Date,
    pub packages: u32,
    pub location_id: uuid::Uuid,
}

pub(crate) fn receipt_out(r: &Receipt) -> ReceiptOut {
    ReceiptOut {
        id: r.id.0,
        supplier_name: r.supplier_name.clone(),
        supplier_address: r.supplier_address.clone(),
        supplier_dea: r.supplier_dea.clone(),
        invoice: r.invoice.clone(),
        received_on: r.received_on,
        received_at: r.received_at,
        received_by: r.received_by.0,
        product_id: r.product_id.clone(),
        lot: r.lot.clone(),
        expiry: r.expiry,
        packages: r.packages,
        location_id: r.location_id.0,
    }
}

/// A container as created by a receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContainerOut {
    pub id: uuid::Uuid,
    /// The clinic's running number.
    pub number: u64,
    /// The label written on it (`V-0001`).
    pub label: String,
    pub product_id: String,
    pub receipt_id: uuid::Uuid,
    pub lot: String,
    pub expiry: Date,
}

fn container_out(c: &Container) -> ContainerOut {
    ContainerOut {
        id: c.id.0,
        number: c.number,
        label: c.label.clone(),
        product_id: c.product_id.clone(),
        receipt_id: c.receipt_id.0,
        lot: c.lot.clone(),
        expiry: c.expiry,
    }
}

/// A delivery as typed from the invoice or packing slip.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptCreate {
    pub supplier_name: String,
    pub supplier_address: String,
    /// The supplier's DEA registration (its check digit is verified).
    pub supplier_dea: String,
    pub invoice: String,
    /// YYYY-MM-DD, not in the future.
    pub received_on: String,
    pub product_id: String,
    pub lot: String,
    /// YYYY-MM-DD, not before `received_on`.
    pub expiry: String,
    /// 1–200 packages; each makes `units_per_package` containers.
    pub packages: u32,
    pub location_id: uuid::Uuid,
}

/// A stored receipt and the containers it created.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptCreated {
    pub receipt: ReceiptOut,
    pub containers: Vec<ContainerOut>,
}

/// Receipts, newest first.
#[utoipa::path(get, path = "/api/v1/inventory/receipts", tag = "inventory",
    responses((status = 200, body = Vec<ReceiptOut>, example = json!([ex::receipt()])), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn receipts(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<ReceiptOut>>> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    Ok(Json(state.app.register_receipts(&grant).await?.iter().map(receipt_out).collect()))
}

/// Receives a delivery (`inventory.receive`): one full container per unit at the location.
#[utoipa::path(post, path = "/api/v1/inventory/receipts", tag = "inventory",
    request_body(content = ReceiptCreate, example = json!({
        "supplier_name": "Acme Pharma Distribution", "supplier_address": "1 Depot Road, Springfield IL", "supplier_dea": "AB1234563",
        "invoice": "INV-1042", "received_on": "2026-11-21", "product_id": "ketamine-50mg-ml-10ml", "lot": "K2291", "expiry": "2027-06-30",
        "packages": 1, "location_id": ex::LOCATION})),
    responses((status = 201, body = ReceiptCreated, example = json!({"receipt": ex::receipt(), "containers": [ex::container()]})),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn receive(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<ReceiptCreate>,
) -> ApiResult<(StatusCode, Json<ReceiptCreated>)> {
    let grant = state.app.authorize::<perm::InventoryReceive>(&actor).await?;
    let input = ReceiptInput {
        supplier_name: body.supplier_name,
        supplier_address: body.supplier_address,
        supplier_dea: body.supplier_dea,
        invoice: body.invoice,
        received_on: body.received_on,
        product_id: body.product_id,
        lot: body.lot,
        expiry: body.expiry,
        packages: body.packages,
        location_id: LocationId(body.location_id),
    };
    let view = state.app.receive_stock(&grant, input).await?;
    Ok((StatusCode::CREATED, Json(ReceiptCreated { receipt: receipt_out(&view.receipt), containers: view.containers.iter().map(container_out).collect() })))
}
