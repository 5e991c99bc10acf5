//! Billing (issue 8 items 8–9): the fee schedule, a patient's billing settings, invoices,
//! payments and refunds. Charge capture and course estimates are in [`crate::billing_capture`].
//!
//! Every write stores its audit event in the same transaction; reads of a patient's billing are
//! audited too (it names their diagnoses and what they paid). Money is integer cents throughout
//! and every total is computed by the domain's [`Invoice`], so the API, a receipt and an export
//! agree to the cent. Records are append-only: a fee change is a new schedule version, a mistaken
//! payment is answered by a refund.

use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::billing::code::ProcedureCode;
use ketaclinic_domain::billing::fee_schedule::{FeeEntry, FeeSchedule, FeeScheduleError};
use ketaclinic_domain::billing::invoice::{Invoice, InvoiceError, Payment};
use ketaclinic_domain::billing::money::Money;
use ketaclinic_domain::ids::{InvoiceId, PatientId, PaymentId};
use ketaclinic_domain::record::ChangeReason;
use ketaclinic_domain::{FieldError, ValidationErrors};
/// The billing records the web edge shows.
pub use ketaclinic_store::billing_port::{ChargeRecord, FeeScheduleVersion, PaymentKind, PaymentRecord, method_str};
use ketaclinic_store::billing_port::{InvoiceRecord, PatientBilling, parse_method};

use crate::App;
use crate::actor::Actor;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{BillingManage, BillingRead, FeeScheduleManage};

/// Longest payment reference accepted (a terminal or receipt number, not a note).
pub const MAX_REFERENCE_CHARS: usize = 100;

/// One fee-schedule line as typed: the price in cents.
#[derive(Debug, Clone)]
pub struct FeeInput {
    pub code: String,
    pub description: String,
    pub price_cents: i64,
}

/// A payment or refund as typed.
#[derive(Debug, Clone)]
pub struct PaymentInput {
    pub method: String,
    pub amount_cents: i64,
    pub reference: Option<String>,
}

/// An invoice with the domain's arithmetic over it: total, paid, refunded, balance.
#[derive(Debug, Clone)]
pub struct InvoiceView {
    pub record: InvoiceRecord,
    pub invoice: Invoice,
}

/// A patient's billing at a glance.
#[derive(Debug, Clone)]
pub struct Account {
    pub medicare: bool,
    pub uninvoiced: Vec<ChargeRecord>,
    pub invoices: Vec<InvoiceView>,
    /// The sum of the invoices' balances (negative: a credit).
    pub balance: Money,
}

/// The invoice as the domain sees it, payments applied in order. A stored invoice the domain
/// refuses (a refund above what was paid) is corrupt data, never a silently wrong balance.
pub(crate) fn view(record: InvoiceRecord) -> AppResult<InvoiceView> {
    let corrupt = |e: InvoiceError| AppError::Unavailable(format!("stored invoice {} is invalid: {e}", record.id));
    let mut invoice = Invoice::new(record.charges.iter().map(|c| c.charge.clone()).collect()).map_err(corrupt)?;
    for p in &record.payments {
        let payment = Payment { method: p.method, amount: p.amount };
        match p.kind {
            PaymentKind::Payment => invoice.record_payment(payment),
            PaymentKind::Refund => invoice.record_refund(payment),
        }
        .map_err(corrupt)?;
    }
    Ok(InvoiceView { record, invoice })
}

fn fee_error(i: usize, e: &FeeScheduleError) -> FieldError {
    let field = match e {
        FeeScheduleError::EmptyDescription | FeeScheduleError::DescriptionTooLong => format!("entries[{i}].description"),
        FeeScheduleError::NegativePrice { .. } => format!("entries[{i}].price_cents"),
        FeeScheduleError::DuplicateCode { .. } => format!("entries[{i}].code"),
        FeeScheduleError::TooManyEntries => "entries".to_owned(),
    };
    FieldError::new(field, e.to_string())
}

/// Checks a typed schedule; every refused field is reported at once.
fn parse_schedule(entries: Vec<FeeInput>) -> Result<FeeSchedule, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let mut parsed = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        let Some(code) = errors.collect(&format!("entries[{i}].code"), ProcedureCode::parse(&e.code)) else { continue };
        match FeeEntry::new(code, &e.description, Money::from_cents(e.price_cents)) {
            Ok(entry) => parsed.push(entry),
            Err(err) => errors.0.push(fee_error(i, &err)),
        }
    }
    errors.into_result()?;
    FeeSchedule::new(parsed).map_err(|e| {
        let position = match &e {
            FeeScheduleError::DuplicateCode { code } => Some(code),
            _ => None,
        };
        ValidationErrors::from(FieldError::new(position.map_or_else(|| "entries".to_owned(), |c| format!("entries ({c})")), e.to_string()))
    })
}

fn patient_audit(app: &App, actor: &Actor, action: AuditAction, patient: PatientId, detail: String) -> ketaclinic_domain::audit::AuditEvent {
    let mut event = actor.patient_event(app, action, AuditOutcome::Success, patient);
    event.detail = Some(detail);
    event
}

impl App {
    /// The current fee schedule (`None` before an admin first enters prices).
    pub async fn fee_schedule(&self, _grant: &Granted<BillingRead>) -> AppResult<Option<FeeScheduleVersion>> {
        Ok(self.store.current_fee_schedule().await?)
    }

    /// Every version of the fee schedule, oldest first.
    pub async fn fee_schedule_history(&self, _grant: &Granted<BillingRead>) -> AppResult<Vec<FeeScheduleVersion>> {
        Ok(self.store.fee_schedule_versions().await?)
    }

    /// Writes the next version of the fee schedule: the whole schedule as it should now stand,
    /// with the reason. Two admins racing for the same version: the second is a conflict.
    pub async fn revise_fee_schedule(&self, grant: &Granted<FeeScheduleManage>, entries: Vec<FeeInput>, reason: &str) -> AppResult<FeeScheduleVersion> {
        let mut errors = ValidationErrors::default();
        let reason = errors.collect("reason", ChangeReason::parse(reason));
        let schedule = match parse_schedule(entries) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        errors.clone().into_result()?;
        let (Some(reason), Some(schedule)) = (reason, schedule) else { return Err(errors.into()) };
        let current = self.store.current_fee_schedule().await?.map_or(0, |v| v.version);
        let next = FeeScheduleVersion { version: current.saturating_add(1), schedule, reason, by: grant.actor().user_id, at: self.now() };
        let mut event = grant.actor().event(self, AuditAction::FeeScheduleRevised, AuditOutcome::Success);
        event.resource_type = Some("FeeSchedule".to_owned());
        event.resource_id = Some(next.version.to_string());
        event.detail = Some(format!("version {}, {} codes", next.version, next.schedule.entries().len()));
        self.store.insert_fee_schedule(&next, event).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict("the fee schedule was changed meanwhile; reload it and try again".to_owned()),
            other => other,
        })?;
        Ok(next)
    }

    /// Whether Medicare pays for `patient` (default: no).
    pub(crate) async fn medicare(&self, patient: PatientId) -> AppResult<bool> {
        Ok(self.store.patient_billing(patient).await?.is_some_and(|b| b.medicare))
    }

    /// Sets whether Medicare is the patient's payer.
    pub async fn set_patient_billing(&self, grant: &Granted<BillingManage>, patient: PatientId, medicare: bool) -> AppResult<PatientBilling> {
        let settings = PatientBilling { patient_id: patient, medicare, by: grant.actor().user_id, at: self.now() };
        let event = patient_audit(self, grant.actor(), AuditAction::BillingSettingsChanged, patient, format!("medicare {medicare}"));
        self.store.set_patient_billing(&settings, event).await?;
        Ok(settings)
    }

    /// A patient's uninvoiced charges, invoices and balance.
    pub async fn billing_account(&self, grant: &Granted<BillingRead>, patient: PatientId) -> AppResult<Account> {
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let invoices = self.store.patient_invoices(patient).await?.into_iter().map(view).collect::<AppResult<Vec<_>>>()?;
        let balance = Money::sum(invoices.iter().map(|v| v.invoice.balance())).map_err(|e| AppError::Unavailable(e.to_string()))?;
        let account = Account { medicare: self.medicare(patient).await?, uninvoiced: self.store.uninvoiced_charges(patient).await?, invoices, balance };
        let event = patient_audit(self, grant.actor(), AuditAction::BillingRead, patient, "account".to_owned());
        self.store.append_audit(vec![event]).await?;
        Ok(account)
    }

    /// One invoice with its arithmetic.
    pub async fn invoice(&self, grant: &Granted<BillingRead>, id: InvoiceId) -> AppResult<InvoiceView> {
        let record = self.store.invoice(id).await?.ok_or(AppError::NotFound)?;
        let event = patient_audit(self, grant.actor(), AuditAction::BillingRead, record.patient_id, format!("invoice {id}"));
        self.store.append_audit(vec![event]).await?;
        view(record)
    }

    /// Invoices every uninvoiced charge of `patient`; 422 when there is none.
    pub async fn create_invoice(&self, grant: &Granted<BillingManage>, patient: PatientId) -> AppResult<InvoiceView> {
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let charges = self.store.uninvoiced_charges(patient).await?;
        if charges.is_empty() {
            return Err(ValidationErrors::one("charges", "the patient has no uninvoiced charges; capture a session's charges first").into());
        }
        let record = InvoiceRecord {
            id: InvoiceId(new_id()),
            patient_id: patient,
            charges,
            payments: Vec::new(),
            created_by: grant.actor().user_id,
            created_at: self.now(),
        };
        let checked =
            view(record.clone()).map_err(|_| AppError::Invalid(ValidationErrors::one("charges", "the charges' total is too large for one invoice")))?;
        let mut event = patient_audit(
            self,
            grant.actor(),
            AuditAction::InvoiceCreated,
            patient,
            format!("{} lines, total {}", record.charges.len(), checked.invoice.total()),
        );
        event.resource_type = Some("Invoice".to_owned());
        event.resource_id = Some(record.id.to_string());
        self.store.insert_invoice(&record, event).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict("some of these charges were invoiced meanwhile; reload and try again".to_owned()),
            other => other,
        })?;
        Ok(checked)
    }

    /// Records a payment or refund against an invoice. The domain checks it against the invoice
    /// as read (a refund never exceeds what was paid); the store refuses it if another payment
    /// was recorded meanwhile, so the check cannot be raced.
    pub async fn record_payment(&self, grant: &Granted<BillingManage>, id: InvoiceId, kind: PaymentKind, input: PaymentInput) -> AppResult<InvoiceView> {
        let mut errors = ValidationErrors::default();
        let method = parse_method(input.method.trim());
        if method.is_none() {
            errors.0.push(FieldError::new("method", "must be cash, card or other"));
        }
        let reference = input.reference.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        if reference.as_ref().is_some_and(|r| r.chars().count() > MAX_REFERENCE_CHARS) {
            errors.0.push(FieldError::new("reference", format!("must be at most {MAX_REFERENCE_CHARS} characters")));
        }
        let amount = Money::from_cents(input.amount_cents);
        if amount <= Money::ZERO {
            errors.0.push(FieldError::new("amount_cents", "must be more than zero"));
        }
        errors.clone().into_result()?;
        let Some(method) = method else { return Err(errors.into()) };
        let record = self.store.invoice(id).await?.ok_or(AppError::NotFound)?;
        let mut current = view(record)?;
        let payment = Payment { method, amount };
        let applied = match kind {
            PaymentKind::Payment => current.invoice.record_payment(payment),
            PaymentKind::Refund => current.invoice.record_refund(payment),
        };
        applied.map_err(|e| AppError::Invalid(ValidationErrors::one("amount_cents", e.to_string())))?;
        let seq =
            u32::try_from(current.record.payments.len()).map_err(|_| AppError::Conflict("too many payments on one invoice".to_owned()))?.saturating_add(1);
        let stored = PaymentRecord { id: PaymentId(new_id()), invoice_id: id, seq, kind, method, amount, reference, by: grant.actor().user_id, at: self.now() };
        let action = if kind == PaymentKind::Payment { AuditAction::PaymentRecorded } else { AuditAction::RefundRecorded };
        let mut event = patient_audit(self, grant.actor(), action, current.record.patient_id, format!("{} {amount}", kind.as_str()));
        event.resource_type = Some("Invoice".to_owned());
        event.resource_id = Some(id.to_string());
        self.store.insert_payment(&stored, event).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict("another payment was recorded on this invoice meanwhile; reload and try again".to_owned()),
            other => other,
        })?;
        current.record.payments.push(stored);
        Ok(current)
    }
}
