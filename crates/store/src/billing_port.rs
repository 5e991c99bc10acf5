//! The billing port (issue 8 items 8–9): fee-schedule versions, per-patient billing settings,
//! captured charges, invoices and the payments and refunds recorded against them.
//!
//! Everything here but the billing settings is a record of fact and append-only, in the
//! schema too (triggers refuse UPDATE and DELETE): a price change is a new fee-schedule
//! version, a charge keeps the price it was captured at, an invoice never gains or loses a
//! line, and a mistaken payment is answered by a refund, never by an edit. Concurrency is
//! settled by unique keys inside the write, so two racing writers never both succeed:
//! a fee-schedule version number, a session's charge lines, a charge's one invoice line and an
//! invoice's payment sequence number are each written once; the loser gets `Conflict`.
//!
//! Charges are stored as columns and rebuilt through the domain's own constructors
//! ([`ChargeLine::into_charge`]), so a row whose amount is not `unit price × units` reads as
//! `Corrupt` rather than as a wrong bill.

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::billing::charge::{Charge, CodedService, Diagnoses};
use ketaclinic_domain::billing::code::{Modifier, ProcedureCode};
use ketaclinic_domain::billing::fee_schedule::{FeeEntry, FeeSchedule};
use ketaclinic_domain::billing::invoice::PaymentMethod;
use ketaclinic_domain::billing::money::Money;
use ketaclinic_domain::chart::codes::IcdCode;
use ketaclinic_domain::ids::{ChargeId, InvoiceId, PatientId, PaymentId, TreatmentSessionId, UserId};
use ketaclinic_domain::record::ChangeReason;

use crate::error::{StoreError, StoreResult};

/// One version of the clinic's fee schedule: the whole schedule as it stood, who changed it,
/// when and why. Version 1 is the first stored one; there is no version 0 (no prices until an
/// admin enters them: REFERENCE §8.1 gives no prices to default to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeScheduleVersion {
    pub version: u32,
    pub schedule: FeeSchedule,
    pub reason: ChangeReason,
    pub by: UserId,
    pub at: Timestamp,
}

/// A patient's billing settings. Absent: the defaults (not Medicare).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientBilling {
    pub patient_id: PatientId,
    /// Medicare is the payer: SPRAVATO G-codes carry the KX modifier (REFERENCE §8.2).
    pub medicare: bool,
    pub by: UserId,
    pub at: Timestamp,
}

/// A captured charge line of a session, with the price copied at capture time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRecord {
    pub id: ChargeId,
    pub patient_id: PatientId,
    pub session_id: TreatmentSessionId,
    /// Position within the session's capture, from 1.
    pub line: u32,
    /// The date of service: when the administration started.
    pub service_at: Timestamp,
    pub charge: Charge,
    /// The fee-schedule version the price came from.
    pub fee_schedule_version: u32,
    pub captured_by: UserId,
    pub captured_at: Timestamp,
}

/// An invoice: its charges (in line order) and what was paid and refunded against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRecord {
    pub id: InvoiceId,
    pub patient_id: PatientId,
    pub charges: Vec<ChargeRecord>,
    /// Oldest first; empty when the invoice is written.
    pub payments: Vec<PaymentRecord>,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

/// Whether money came in or went back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKind {
    Payment,
    Refund,
}

impl PaymentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Payment => "payment",
            Self::Refund => "refund",
        }
    }

    pub fn parse(raw: &str) -> StoreResult<Self> {
        match raw {
            "payment" => Ok(Self::Payment),
            "refund" => Ok(Self::Refund),
            other => Err(StoreError::Corrupt(format!("payment kind {other}"))),
        }
    }
}

/// The stored name of a payment method.
pub fn method_str(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Cash => "cash",
        PaymentMethod::Card => "card",
        PaymentMethod::Other => "other",
    }
}

/// Parses a stored (or typed) payment method.
pub fn parse_method(raw: &str) -> Option<PaymentMethod> {
    match raw {
        "cash" => Some(PaymentMethod::Cash),
        "card" => Some(PaymentMethod::Card),
        "other" => Some(PaymentMethod::Other),
        _ => None,
    }
}

/// A payment or refund against an invoice. `seq` numbers an invoice's payments from 1 and is
/// unique per invoice: the writer passes the next number after those it read, so a racing
/// second writer (whose refund check saw stale payments) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: PaymentId,
    pub invoice_id: InvoiceId,
    pub seq: u32,
    pub kind: PaymentKind,
    pub method: PaymentMethod,
    pub amount: Money,
    /// A receipt or terminal reference, free text.
    pub reference: Option<String>,
    pub by: UserId,
    pub at: Timestamp,
}

/// A charge's stored columns. Modifiers and diagnoses are comma-separated (neither a modifier
/// nor an ICD-10-CM code can contain a comma).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeLine {
    pub code: String,
    pub modifiers: String,
    pub units: i64,
    pub description: String,
    pub unit_price_cents: i64,
    pub amount_cents: i64,
    pub diagnoses: String,
}

impl ChargeLine {
    pub fn of(charge: &Charge) -> Self {
        let line = charge.line();
        let service = line.service();
        Self {
            code: service.code.to_string(),
            modifiers: service.modifiers.iter().map(Modifier::as_str).collect::<Vec<_>>().join(","),
            units: i64::from(service.units.get()),
            description: line.description().to_owned(),
            unit_price_cents: line.unit_price().cents(),
            amount_cents: charge.amount().cents(),
            diagnoses: charge.diagnoses().codes().iter().map(IcdCode::as_str).collect::<Vec<_>>().join(","),
        }
    }

    /// Rebuilds the charge by pricing its service from a one-line schedule of its own stored
    /// price; the stored amount must match the recomputed one.
    pub fn into_charge(self) -> StoreResult<Charge> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("charge {what}"));
        let code = ProcedureCode::parse(&self.code).map_err(|_| corrupt("code"))?;
        let split = |s: &str| s.split(',').filter(|p| !p.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        let modifiers = split(&self.modifiers).iter().map(|m| Modifier::parse(m)).collect::<Result<Vec<_>, _>>().map_err(|_| corrupt("modifier"))?;
        let units = u32::try_from(self.units).ok().and_then(std::num::NonZeroU32::new).ok_or_else(|| corrupt("units"))?;
        let entry = FeeEntry::new(code.clone(), &self.description, Money::from_cents(self.unit_price_cents)).map_err(|_| corrupt("price"))?;
        let schedule = FeeSchedule::new(vec![entry]).map_err(|_| corrupt("price"))?;
        let codes = split(&self.diagnoses).iter().map(|d| IcdCode::parse(d)).collect::<Result<Vec<_>, _>>().map_err(|_| corrupt("diagnosis"))?;
        let diagnoses = Diagnoses::new(codes).map_err(|_| corrupt("diagnoses"))?;
        let charge = Charge::new(CodedService { code, modifiers, units }, &schedule, diagnoses).map_err(|_| corrupt("amount"))?;
        if charge.amount().cents() != self.amount_cents {
            return Err(corrupt("amount differs from unit price × units"));
        }
        Ok(charge)
    }
}

/// Rebuilds a fee schedule from its stored rows `(code, description, price_cents)` in order.
pub fn schedule_from_rows(rows: Vec<(String, String, i64)>) -> StoreResult<FeeSchedule> {
    let entries = rows
        .into_iter()
        .map(|(code, description, cents)| {
            let code = ProcedureCode::parse(&code).map_err(|e| StoreError::Corrupt(format!("fee schedule code: {e}")))?;
            FeeEntry::new(code, &description, Money::from_cents(cents)).map_err(|e| StoreError::Corrupt(format!("fee schedule entry: {e}")))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    FeeSchedule::new(entries).map_err(|e| StoreError::Corrupt(format!("fee schedule: {e}")))
}

/// Billing storage. Every write stores its audit event in the same transaction.
#[async_trait]
pub trait BillingStore: Send + Sync {
    /// Stores a fee-schedule version; `Conflict` when that version number exists (someone
    /// revised the schedule meanwhile).
    async fn insert_fee_schedule(&self, version: &FeeScheduleVersion, audit: AuditEvent) -> StoreResult<()>;
    /// The newest version, if any was stored.
    async fn current_fee_schedule(&self) -> StoreResult<Option<FeeScheduleVersion>>;
    /// Every version, oldest first.
    async fn fee_schedule_versions(&self) -> StoreResult<Vec<FeeScheduleVersion>>;
    /// A patient's billing settings, if ever set.
    async fn patient_billing(&self, patient: PatientId) -> StoreResult<Option<PatientBilling>>;
    /// Writes a patient's billing settings (replacing earlier ones; the audit log keeps the
    /// history). `NotFound` when the patient does not exist.
    async fn set_patient_billing(&self, settings: &PatientBilling, audit: AuditEvent) -> StoreResult<()>;
    /// Stores one session's captured charges. `Conflict` (nothing written) when the session
    /// already has charges; `NotFound` when the session does not exist.
    async fn insert_charges(&self, charges: &[ChargeRecord], audit: AuditEvent) -> StoreResult<()>;
    /// A session's charges in line order.
    async fn session_charges(&self, session: TreatmentSessionId) -> StoreResult<Vec<ChargeRecord>>;
    /// A patient's charges not on any invoice, by service time then line.
    async fn uninvoiced_charges(&self, patient: PatientId) -> StoreResult<Vec<ChargeRecord>>;
    /// Stores an invoice of `invoice.charges` (its payments must be empty). `Conflict`
    /// (nothing written) when one of the charges is already invoiced.
    async fn insert_invoice(&self, invoice: &InvoiceRecord, audit: AuditEvent) -> StoreResult<()>;
    /// An invoice with its charges and payments.
    async fn invoice(&self, id: InvoiceId) -> StoreResult<Option<InvoiceRecord>>;
    /// A patient's invoices, oldest first, with their charges and payments.
    async fn patient_invoices(&self, patient: PatientId) -> StoreResult<Vec<InvoiceRecord>>;
    /// Stores a payment or refund. `Conflict` when the invoice already has a payment with that
    /// `seq`; `NotFound` when the invoice does not exist.
    async fn insert_payment(&self, payment: &PaymentRecord, audit: AuditEvent) -> StoreResult<()>;
}
