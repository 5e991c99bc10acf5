//! Billing, the account side (issue 8 items 8–9): the fee schedule (read with `billing.read`,
//! changed with `billing.fee_schedule`, each change a new version), a patient's payer flag,
//! account and invoices, and payments and refunds (`billing.manage`). Money is integer cents.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::billing::{Account, FeeInput, InvoiceView, PaymentInput};
use ketaclinic_app::billing::{FeeScheduleVersion, PaymentKind, PaymentRecord, method_str};
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ids::{InvoiceId, PatientId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::billing_charges::{ChargeOut, charge_out};
use super::path_id;
use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// One priced code of the fee schedule.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeEntryIo {
    /// CPT (5 digits) or HCPCS (a letter and 4 digits), e.g. `96365`, `J3490`, `G2082`.
    pub code: String,
    pub description: String,
    /// The unit price in cents; zero allowed, negative not.
    pub price_cents: i64,
}

/// The whole fee schedule as it should now stand, and why it changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeScheduleRevision {
    pub entries: Vec<FeeEntryIo>,
    pub reason: String,
}

/// One version of the fee schedule (version 0 with no entries: none entered yet).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeScheduleOut {
    pub version: u32,
    pub entries: Vec<FeeEntryIo>,
    pub reason: Option<String>,
    pub by: Option<uuid::Uuid>,
    pub at: Option<Timestamp>,
}

fn schedule_out(v: FeeScheduleVersion) -> FeeScheduleOut {
    let entries = v
        .schedule
        .entries()
        .iter()
        .map(|e| FeeEntryIo { code: e.code().to_string(), description: e.description().to_owned(), price_cents: e.price().cents() })
        .collect();
    FeeScheduleOut { version: v.version, entries, reason: Some(v.reason.as_str().to_owned()), by: Some(v.by.0), at: Some(v.at) }
}

/// A patient's billing settings.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingSettings {
    /// Medicare is the payer: SPRAVATO G-codes carry the KX modifier.
    pub medicare: bool,
}

/// A payment or refund to record (recorded, not processed).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentCreate {
    /// `cash`, `card` or `other`.
    pub method: String,
    /// More than zero, in cents.
    pub amount_cents: i64,
    /// A receipt or terminal reference.
    pub reference: Option<String>,
}

/// A recorded payment or refund.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentOut {
    pub id: uuid::Uuid,
    pub seq: u32,
    /// `payment` or `refund`.
    pub kind: String,
    pub method: String,
    pub amount_cents: i64,
    pub reference: Option<String>,
    pub by: uuid::Uuid,
    pub at: Timestamp,
}

/// An invoice: its lines, payments, refunds and balance (`total − paid + refunded`).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceOut {
    pub id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    pub lines: Vec<ChargeOut>,
    pub payments: Vec<PaymentOut>,
    pub total_cents: i64,
    pub paid_cents: i64,
    pub refunded_cents: i64,
    /// What the patient still owes (negative: a credit).
    pub balance_cents: i64,
    pub created_by: uuid::Uuid,
    pub created_at: Timestamp,
}

fn payment_out(p: PaymentRecord) -> PaymentOut {
    PaymentOut {
        id: p.id.0,
        seq: p.seq,
        kind: p.kind.as_str().to_owned(),
        method: method_str(p.method).to_owned(),
        amount_cents: p.amount.cents(),
        reference: p.reference,
        by: p.by.0,
        at: p.at,
    }
}

fn invoice_out(v: InvoiceView) -> InvoiceOut {
    let (total, paid, refunded, balance) = (v.invoice.total(), v.invoice.paid(), v.invoice.refunded(), v.invoice.balance());
    let r = v.record;
    InvoiceOut {
        id: r.id.0,
        patient_id: r.patient_id.0,
        lines: r.charges.into_iter().map(charge_out).collect(),
        payments: r.payments.into_iter().map(payment_out).collect(),
        total_cents: total.cents(),
        paid_cents: paid.cents(),
        refunded_cents: refunded.cents(),
        balance_cents: balance.cents(),
        created_by: r.created_by.0,
        created_at: r.created_at,
    }
}

/// A patient's billing: payer flag, uninvoiced charges, invoices and the balance over them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOut {
    pub medicare: bool,
    pub uninvoiced: Vec<ChargeOut>,
    pub invoices: Vec<InvoiceOut>,
    /// The sum of the invoices' balances (negative: a credit).
    pub balance_cents: i64,
}

fn account_out(a: Account) -> AccountOut {
    AccountOut {
        medicare: a.medicare,
        uninvoiced: a.uninvoiced.into_iter().map(charge_out).collect(),
        invoices: a.invoices.into_iter().map(invoice_out).collect(),
        balance_cents: a.balance.cents(),
    }
}

/// The current fee schedule.
#[utoipa::path(get, path = "/api/v1/billing/fee-schedule", tag = "billing",
    responses((status = 200, body = FeeScheduleOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn fee_schedule(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<FeeScheduleOut>> {
    let grant = state.app.authorize::<perm::BillingRead>(&actor).await?;
    let current = state.app.fee_schedule(&grant).await?;
    Ok(Json(current.map_or(FeeScheduleOut { version: 0, entries: Vec::new(), reason: None, by: None, at: None }, schedule_out)))
}

/// Every version of the fee schedule, oldest first.
#[utoipa::path(get, path = "/api/v1/billing/fee-schedule/versions", tag = "billing",
    responses((status = 200, body = Vec<FeeScheduleOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn fee_schedule_versions(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<FeeScheduleOut>>> {
    let grant = state.app.authorize::<perm::BillingRead>(&actor).await?;
    Ok(Json(state.app.fee_schedule_history(&grant).await?.into_iter().map(schedule_out).collect()))
}

/// Writes the next version of the fee schedule (the whole schedule, with a reason).
#[utoipa::path(put, path = "/api/v1/billing/fee-schedule", tag = "billing", request_body = FeeScheduleRevision,
    responses((status = 201, body = FeeScheduleOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revise_fee_schedule(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<FeeScheduleRevision>,
) -> ApiResult<(StatusCode, Json<FeeScheduleOut>)> {
    let grant = state.app.authorize::<perm::FeeScheduleManage>(&actor).await?;
    let entries = body.entries.into_iter().map(|e| FeeInput { code: e.code, description: e.description, price_cents: e.price_cents }).collect();
    let next = state.app.revise_fee_schedule(&grant, entries, &body.reason).await?;
    Ok((StatusCode::CREATED, Json(schedule_out(next))))
}

/// Sets a patient's billing settings.
#[utoipa::path(put, path = "/api/v1/billing/patients/{id}/settings", tag = "billing", params(("id" = uuid::Uuid, Path)), request_body = BillingSettings,
    responses((status = 200, body = BillingSettings), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_settings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BillingSettings>,
) -> ApiResult<Json<BillingSettings>> {
    let grant = state.app.authorize::<perm::BillingManage>(&actor).await?;
    let saved = state.app.set_patient_billing(&grant, PatientId(path_id(&id)?), body.medicare).await?;
    Ok(Json(BillingSettings { medicare: saved.medicare }))
}

/// A patient's billing account.
#[utoipa::path(get, path = "/api/v1/billing/patients/{id}/account", tag = "billing", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = AccountOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn account(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<AccountOut>> {
    let grant = state.app.authorize::<perm::BillingRead>(&actor).await?;
    Ok(Json(account_out(state.app.billing_account(&grant, PatientId(path_id(&id)?)).await?)))
}

/// Invoices every uninvoiced charge of a patient; 422 when there is none.
#[utoipa::path(post, path = "/api/v1/billing/patients/{id}/invoices", tag = "billing", params(("id" = uuid::Uuid, Path)),
    responses((status = 201, body = InvoiceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_invoice(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<(StatusCode, Json<InvoiceOut>)> {
    let grant = state.app.authorize::<perm::BillingManage>(&actor).await?;
    let invoice = state.app.create_invoice(&grant, PatientId(path_id(&id)?)).await?;
    Ok((StatusCode::CREATED, Json(invoice_out(invoice))))
}

/// One invoice.
#[utoipa::path(get, path = "/api/v1/billing/invoices/{id}", tag = "billing", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = InvoiceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn invoice(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<InvoiceOut>> {
    let grant = state.app.authorize::<perm::BillingRead>(&actor).await?;
    Ok(Json(invoice_out(state.app.invoice(&grant, InvoiceId(path_id(&id)?)).await?)))
}

async fn record(state: AppState, actor: ketaclinic_app::Actor, id: &str, kind: PaymentKind, body: PaymentCreate) -> ApiResult<(StatusCode, Json<InvoiceOut>)> {
    let grant = state.app.authorize::<perm::BillingManage>(&actor).await?;
    let input = PaymentInput { method: body.method, amount_cents: body.amount_cents, reference: body.reference };
    let invoice = state.app.record_payment(&grant, InvoiceId(path_id(id)?), kind, input).await?;
    Ok((StatusCode::CREATED, Json(invoice_out(invoice))))
}

/// Records a payment against an invoice; answers with the invoice.
#[utoipa::path(post, path = "/api/v1/billing/invoices/{id}/payments", tag = "billing", params(("id" = uuid::Uuid, Path)), request_body = PaymentCreate,
    responses((status = 201, body = InvoiceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn pay(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PaymentCreate>,
) -> ApiResult<(StatusCode, Json<InvoiceOut>)> {
    record(state, actor, &id, PaymentKind::Payment, body).await
}

/// Records a refund (no more than was paid and not yet refunded); answers with the invoice.
#[utoipa::path(post, path = "/api/v1/billing/invoices/{id}/refunds", tag = "billing", params(("id" = uuid::Uuid, Path)), request_body = PaymentCreate,
    responses((status = 201, body = InvoiceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn refund(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PaymentCreate>,
) -> ApiResult<(StatusCode, Json<InvoiceOut>)> {
    record(state, actor, &id, PaymentKind::Refund, body).await
}
