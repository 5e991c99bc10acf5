//! The controlled-substance register (issue 6; REFERENCE §7): receipts, draws for sessions,
//! administrations, witnessed waste, disposals, losses, transfers, adjustments, counts, and the
//! reports an inspector asks for.
//!
//! The rules live in `ketaclinic_domain::register`; this module authorises, checks what needs
//! the outside world (a session's state, a witness's password, today's date in the clinic's
//! zone), builds the ledger rows and hands them to storage, which re-checks every row against
//! the ledger inside its transaction. Every read and every movement is audited; draws and
//! administrations name the session's patient in the audit log.

mod counts;
mod ledger_rows;
mod losses;
mod movements;
mod reports;
mod stock;
mod witness;

pub use counts::{CountInput, CountLineInput};
pub use ledger_rows::LedgerVerification;
pub use movements::{AdjustInput, DisposalInput, DrawInput, LossInput, MovementResult, WasteInput};
pub use reports::{RegisterReport, ReportKind, ReportPeriod, to_csv};
pub use stock::{ContainerDetail, ContainerView, EntryLine, ProductInput, ReceiptInput, ReceiptView, SessionDraw, StockFilter};
pub use witness::{Witness, WitnessCredentials};

use std::collections::HashMap;

use ketaclinic_domain::audit::{AuditAction, AuditEvent, AuditOutcome};
use ketaclinic_domain::ids::UserId;
use ketaclinic_domain::register::ledger::LedgerError;

use crate::App;
use crate::actor::Actor;
use crate::error::AppError;

/// A refused movement is a conflict with the current stock (HTTP 409).
fn refused(e: &LedgerError) -> AppError {
    AppError::Conflict(e.to_string())
}

/// An audit event about the register, naming what it concerns.
fn register_event(app: &App, actor: &Actor, action: AuditAction, resource: (&str, String), detail: String) -> AuditEvent {
    let mut event = actor.event(app, action, AuditOutcome::Success);
    event.resource_type = Some(resource.0.to_owned());
    event.resource_id = Some(resource.1);
    event.detail = Some(detail);
    event
}

impl App {
    /// Staff names by id, for the ledger's "who" columns (a clinic has tens of accounts).
    async fn staff_names(&self) -> Result<HashMap<UserId, String>, AppError> {
        Ok(self.store.list_users().await?.into_iter().map(|u| (u.id, u.display_name.as_str().to_owned())).collect())
    }

    /// Today's date in the clinic's time zone (expiry and beyond-use dates are local dates).
    fn clinic_today(&self) -> jiff::civil::Date {
        self.settings().timezone.to_datetime(self.now()).date()
    }
}
