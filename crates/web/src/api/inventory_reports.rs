//! The register's reports (issue 6 item 8) as JSON or CSV, and the raw ledger paged by its
//! sequence number. Reports naming patients (administrations, reconciliation) also need
//! `patient.read`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::register::{RegisterReport, ReportKind, ReportPeriod, to_csv};
use ketaclinic_domain::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::inventory::ex;
use super::inventory_stock::{LedgerRowOut, ledger_row};
use crate::auth::ApiActor;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Most ledger rows in one page.
const MAX_LEDGER_PAGE: u32 = 500;

/// A column of a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportColumn {
    pub key: String,
    pub label: String,
}

/// A report as a table.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    /// `administrations`, `receipts`, `waste`, `disposals`, `losses`, `inventory`,
    /// `discrepancies` or `reconciliation`.
    pub kind: String,
    pub title: String,
    /// First clinic-local date covered.
    pub from: Date,
    /// Last clinic-local date covered (the inventory is as of its end).
    pub to: Date,
    pub generated_at: Timestamp,
    pub columns: Vec<ReportColumn>,
    /// One object per row, keyed by column `key`; every value is text.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
}

fn report_out(r: &RegisterReport) -> ReportOut {
    ReportOut {
        kind: r.kind.as_str().to_owned(),
        title: r.kind.title().to_owned(),
        from: r.period.from,
        to: r.period.to,
        generated_at: r.generated_at,
        columns: r.columns.iter().map(|(k, l)| ReportColumn { key: (*k).to_owned(), label: (*l).to_owned() }).collect(),
        rows: r.rows.iter().map(|row| r.columns.iter().zip(row).map(|((k, _), v)| ((*k).to_owned(), serde_json::Value::String(v.clone()))).collect()).collect(),
    }
}

/// Period and format of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// YYYY-MM-DD; default 30 days before `to`.
    pub from: Option<String>,
    /// YYYY-MM-DD; default today (clinic time).
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// A report of the register for a period, as JSON or as a CSV download.
#[utoipa::path(get, path = "/api/v1/inventory/reports/{kind}", tag = "inventory",
    params(("kind" = String, Path, description = "`administrations`, `receipts`, `waste`, `disposals`, `losses`, `inventory`, `discrepancies` or `reconciliation`"), ReportParams),
    responses(
        (status = 200, content(
            (ReportOut = "application/json", example = json!({
                "kind": "administrations", "title": "Administration log", "from": "2026-11-01", "to": "2026-11-21", "generated_at": "2026-11-21T18:00:00Z",
                "columns": [{"key": "date", "label": "Date"}, {"key": "patient", "label": "Patient"}, {"key": "mrn", "label": "MRN"},
                    {"key": "drug", "label": "Drug and strength"}, {"key": "schedule", "label": "Schedule / DEA code"}, {"key": "mg", "label": "Quantity (mg)"},
                    {"key": "ml", "label": "Volume (mL)"}, {"key": "container", "label": "Container"}, {"key": "lot", "label": "Lot"},
                    {"key": "administered_by", "label": "Administered by"}, {"key": "session", "label": "Session"}],
                "rows": [{"date": "2026-11-21 09:15", "patient": "Ada Lovelace", "mrn": "MRN-000123", "drug": "Ketamine HCl injection 50 mg/mL, 10 mL multiple-dose vial",
                    "schedule": "CIII 7285", "mg": "40", "ml": "0.8", "container": "V-0001", "lot": "K2291", "administered_by": "Nora Nurse", "session": ex::SESSION}]})),
            (String = "text/csv", example = json!("\"Date\",\"Patient\",\"MRN\",\"Drug and strength\",\"Schedule / DEA code\",\"Quantity (mg)\",\"Volume (mL)\",\"Container\",\"Lot\",\"Administered by\",\"Session\"\r\n\"2026-11-21 09:15\",\"Ada Lovelace\",\"MRN-000123\",\"Ketamine HCl injection 50 mg/mL, 10 mL multiple-dose vial\",\"CIII 7285\",\"40\",\"0.8\",\"V-0001\",\"K2291\",\"Nora Nurse\",\"01935a7c-0000-7000-8000-00000000e001\"\r\n"))
        ), headers(("Content-Disposition" = String, description = "with `format=csv`: `attachment; filename=\"ketaclinic-<kind>-<from>-<to>.csv\"`"))),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "also when a report naming patients is asked for without `patient.read`"),
        (status = 404, body = Problem, description = "no such report"), (status = 422, body = Problem)))]
pub async fn report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(kind): Path<String>,
    ApiQuery(p): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    let kind = ReportKind::parse(&kind).ok_or_else(|| Problem::from(ketaclinic_app::AppError::NotFound))?;
    let csv = match p.format.as_deref().map(str::trim) {
        None | Some("" | "json") => false,
        Some("csv") => true,
        Some(_) => return Err(Problem::invalid(vec![FieldError::new("format", "must be json or csv")])),
    };
    let today = state.app.settings().timezone.to_datetime(state.app.now()).date();
    let period = ReportPeriod::parse(p.from.as_deref(), p.to.as_deref(), today).map_err(ketaclinic_app::AppError::from)?;
    let report = state.app.register_report(&grant, kind, period).await?;
    if !csv {
        return Ok(Json(report_out(&report)).into_response());
    }
    let filename = format!("attachment; filename=\"ketaclinic-{}-{}-{}.csv\"", kind.as_str(), period.from, period.to);
    let mut response = to_csv(&report).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Keyset paging of the ledger.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LedgerParams {
    /// Rows after this sequence number (0, the default: from the first row).
    pub after_seq: Option<u64>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

/// A page of the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerPage {
    /// Rows in chain order.
    pub rows: Vec<LedgerRowOut>,
    /// Pass as `after_seq` for the next page; absent on the last page.
    pub next_after_seq: Option<u64>,
}

/// The ledger in chain order, with each row's hash (`ketaclinic ledger verify` checks the chain).
#[utoipa::path(get, path = "/api/v1/inventory/ledger", tag = "inventory", params(LedgerParams),
    responses((status = 200, body = LedgerPage, example = json!({
            "rows": [ex::ledger_row(1, serde_json::json!({"kind": "receipt", "receipt_id": "01935a7c-0000-7000-8000-00000000b001", "location_id": ex::LOCATION, "qty": ex::qty(10000)})), ex::draw_row()],
            "next_after_seq": 2})),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn ledger(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiQuery(p): ApiQuery<LedgerParams>) -> ApiResult<Json<LedgerPage>> {
    let grant = state.app.authorize::<perm::InventoryRead>(&actor).await?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=MAX_LEDGER_PAGE).contains(&limit) {
        return Err(Problem::invalid(vec![FieldError::new("limit", format!("must be between 1 and {MAX_LEDGER_PAGE}"))]));
    }
    let rows = state.app.ledger_rows(&grant, p.after_seq.unwrap_or(0), limit).await?;
    let full = rows.len() == usize::try_from(limit).unwrap_or(usize::MAX);
    let next_after_seq = if full { rows.last().map(|r| r.seq) } else { None };
    Ok(Json(LedgerPage { rows: rows.iter().map(ledger_row).collect(), next_after_seq }))
}
