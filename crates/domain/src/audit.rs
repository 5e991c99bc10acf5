//! The tamper-evident audit log.
//!
//! Every access to patient data, every login and every denied request becomes an [`AuditEvent`].
//! Events are numbered without gaps (`seq`) and hash-chained: each row stores
//! `SHA-256(previous hash ‖ "\n" ‖ canonical JSON of this row)`. Changing, deleting or inserting
//! a row anywhere but at the very end breaks the chain at that row, which [`ChainVerifier`]
//! reports. Truncating the tail or appending a row with a correctly computed hash needs an
//! outside anchor to detect: `ketaclinic audit verify` prints the head (sequence and hash) so an
//! operator can record it elsewhere (see `docs/audit.md`).

use std::fmt;

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ids::{AuditEventId, PatientId, UserId};
use crate::staff::Role;

/// The hash that the first row chains from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest stored user agent; longer ones are cut (they are evidence, not content).
pub const USER_AGENT_MAX_CHARS: usize = 256;

/// What happened, as the audit log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    LoginSucceeded,
    LoginFailed,
    Logout,
    PasswordChanged,
    AccessDenied,
    PatientCreated,
    PatientRead,
    PatientUpdated,
    PatientSearched,
    PatientHistoryRead,
    PatientAccessReportRead,
    AuditLogRead,
    UserCreated,
    UserDisabled,
    UserEnabled,
    UserListed,
    SessionsRevoked,
    TokenCreated,
    TokenRevoked,
    AssessmentRecorded,
    AssessmentsRead,
    OutcomesRead,
    AlertRaised,
    AlertsRead,
    AlertAcknowledged,
    EnquiryReceived,
    EnquiriesRead,
    EnquiryAttemptRecorded,
    EnquiryStatusChanged,
    EnquiryConverted,
    ChartEntryCreated,
    ChartEntryRevised,
    ChartRead,
    ChartHistoryRead,
    EligibilityChecked,
    SelfReportLinkCreated,
    SelfReportLinkRevoked,
    SelfReportOpened,
    SelfReportSubmitted,
    DashboardRead,
    TreatmentEventRecorded,
    TaskCreated,
    TaskClosed,
    SessionCreated,
    SessionEventRecorded,
    VitalsRecorded,
    SessionRead,
    SessionAlertAcknowledged,
    /// The chair board opened (or its live stream connected): one event per viewing, not per
    /// redraw.
    BoardRead,
    /// A SPRAVATO REMS monitoring form opened (built from the session).
    RemsFormRead,
    /// The REMS form queue listed.
    RemsFormsListed,
    /// A REMS form's status or staff answers changed.
    RemsFormChanged,
    /// A new version of a modality's treatment protocol.
    ProtocolRevised,
    /// A treatment course drafted.
    CourseCreated,
    /// A treatment course signed by a prescriber (it starts).
    CourseSigned,
    /// A treatment course moved to another phase (with the reason and review outcome).
    CoursePhaseChanged,
    /// A patient's treatment courses read.
    CoursesRead,
    /// The controlled-substance register read (stock, a container, the ledger, counts).
    InventoryRead,
    /// Controlled substances received (one receipt, its containers).
    InventoryReceived,
    /// A ledger movement (draw, administration, waste, return, disposal, loss, transfer,
    /// adjustment); the detail names the kind.
    InventoryMovement,
    /// A count sheet started, saved or signed.
    InventoryCountChanged,
    /// The catalogue or storage locations changed.
    InventoryCatalogueChanged,
    /// A DEA deadline of a loss report marked done.
    InventoryLossTaskDone,
    /// A controlled-substance report or the reconciliation read or exported.
    InventoryReportRead,
    /// A patient's observations (vital signs, scores) read through FHIR.
    ObservationsRead,
    /// A patient's whole record read into a FHIR Bulk Data export.
    PatientExported,
    /// A new version of the clinic's fee schedule.
    FeeScheduleRevised,
    /// A patient's billing settings changed (e.g. Medicare as payer).
    BillingSettingsChanged,
    /// Charges captured from a discharged treatment session.
    ChargesCaptured,
    /// An invoice of a patient's uninvoiced charges.
    InvoiceCreated,
    /// A payment recorded against an invoice (recorded, not processed).
    PaymentRecorded,
    /// A refund recorded against an invoice.
    RefundRecorded,
    /// A patient's charges, invoices, billing settings or a course estimate read.
    BillingRead,
    /// A chair or room, or a staff member's working hours, added or changed (with a reason).
    ScheduleResourceChanged,
    /// An appointment booked after the scheduling constraints were checked.
    AppointmentBooked,
    /// An appointment cancelled, marked as a no-show (with a reason) or moved; a waitlist
    /// entry added or removed.
    AppointmentChanged,
    /// The appointment book read (names patients and when they come).
    ScheduleRead,
    /// A calendar feed (secret iCalendar URL) created for a staff member, chair or patient.
    CalendarFeedCreated,
    /// A calendar feed revoked: its URL stops answering.
    CalendarFeedRevoked,
    /// A calendar feed fetched with its secret (a read of appointments by a calendar client).
    CalendarFeedFetched,
}

impl AuditAction {
    /// Every action (for filters in the auditor's pages).
    pub const ALL: [Self; 80] = [
        Self::LoginSucceeded,
        Self::LoginFailed,
        Self::Logout,
        Self::PasswordChanged,
        Self::AccessDenied,
        Self::PatientCreated,
        Self::PatientRead,
        Self::PatientUpdated,
        Self::PatientSearched,
        Self::PatientHistoryRead,
        Self::PatientAccessReportRead,
        Self::AuditLogRead,
        Self::UserCreated,
        Self::UserDisabled,
        Self::UserEnabled,
        Self::UserListed,
        Self::SessionsRevoked,
        Self::TokenCreated,
        Self::TokenRevoked,
        Self::AssessmentRecorded,
        Self::AssessmentsRead,
        Self::OutcomesRead,
        Self::AlertRaised,
        Self::AlertsRead,
        Self::AlertAcknowledged,
        Self::EnquiryReceived,
        Self::EnquiriesRead,
        Self::EnquiryAttemptRecorded,
        Self::EnquiryStatusChanged,
        Self::EnquiryConverted,
        Self::ChartEntryCreated,
        Self::ChartEntryRevised,
        Self::ChartRead,
        Self::ChartHistoryRead,
        Self::EligibilityChecked,
        Self::SelfReportLinkCreated,
        Self::SelfReportLinkRevoked,
        Self::SelfReportOpened,
        Self::SelfReportSubmitted,
        Self::DashboardRead,
        Self::TreatmentEventRecorded,
        Self::TaskCreated,
        Self::TaskClosed,
        Self::SessionCreated,
        Self::SessionEventRecorded,
        Self::VitalsRecorded,
        Self::SessionRead,
        Self::SessionAlertAcknowledged,
        Self::BoardRead,
        Self::RemsFormRead,
        Self::RemsFormsListed,
        Self::RemsFormChanged,
        Self::ProtocolRevised,
        Self::CourseCreated,
        Self::CourseSigned,
        Self::CoursePhaseChanged,
        Self::CoursesRead,
        Self::InventoryRead,
        Self::InventoryReceived,
        Self::InventoryMovement,
        Self::InventoryCountChanged,
        Self::InventoryCatalogueChanged,
        Self::InventoryLossTaskDone,
        Self::InventoryReportRead,
        Self::ObservationsRead,
        Self::PatientExported,
        Self::FeeScheduleRevised,
        Self::BillingSettingsChanged,
        Self::ChargesCaptured,
        Self::InvoiceCreated,
        Self::PaymentRecorded,
        Self::RefundRecorded,
        Self::BillingRead,
        Self::ScheduleResourceChanged,
        Self::AppointmentBooked,
        Self::AppointmentChanged,
        Self::ScheduleRead,
        Self::CalendarFeedCreated,
        Self::CalendarFeedRevoked,
        Self::CalendarFeedFetched,
    ];

    /// The stored name, `area.verb`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "auth.login",
            Self::LoginFailed => "auth.login_failed",
            Self::Logout => "auth.logout",
            Self::PasswordChanged => "auth.password_changed",
            Self::AccessDenied => "access.denied",
            Self::PatientCreated => "patient.create",
            Self::PatientRead => "patient.read",
            Self::PatientUpdated => "patient.update",
            Self::PatientSearched => "patient.search",
            Self::PatientHistoryRead => "patient.history",
            Self::PatientAccessReportRead => "patient.access_report",
            Self::AuditLogRead => "audit.read",
            Self::UserCreated => "user.create",
            Self::UserDisabled => "user.disable",
            Self::UserEnabled => "user.enable",
            Self::UserListed => "user.list",
            Self::SessionsRevoked => "user.sessions_revoked",
            Self::TokenCreated => "token.create",
            Self::TokenRevoked => "token.revoke",
            Self::AssessmentRecorded => "assessment.create",
            Self::AssessmentsRead => "assessment.list",
            Self::OutcomesRead => "outcome.read",
            Self::AlertRaised => "alert.raise",
            Self::AlertsRead => "alert.list",
            Self::AlertAcknowledged => "alert.acknowledge",
            Self::EnquiryReceived => "enquiry.create",
            Self::EnquiriesRead => "enquiry.list",
            Self::EnquiryAttemptRecorded => "enquiry.attempt",
            Self::EnquiryStatusChanged => "enquiry.status",
            Self::EnquiryConverted => "enquiry.convert",
            Self::ChartEntryCreated => "chart.create",
            Self::ChartEntryRevised => "chart.update",
            Self::ChartRead => "chart.read",
            Self::ChartHistoryRead => "chart.history",
            Self::EligibilityChecked => "eligibility.check",
            Self::SelfReportLinkCreated => "self_report.create",
            Self::SelfReportLinkRevoked => "self_report.revoke",
            Self::SelfReportOpened => "self_report.open",
            Self::SelfReportSubmitted => "self_report.submit",
            Self::DashboardRead => "dashboard.read",
            Self::TreatmentEventRecorded => "treatment_event.create",
            Self::TaskCreated => "task.create",
            Self::TaskClosed => "task.close",
            Self::SessionCreated => "session.create",
            Self::SessionEventRecorded => "session.event",
            Self::VitalsRecorded => "session.vitals",
            Self::SessionRead => "session.read",
            Self::BoardRead => "board.read",
            Self::RemsFormRead => "rems_form.read",
            Self::RemsFormsListed => "rems_form.list",
            Self::RemsFormChanged => "rems_form.update",
            Self::ProtocolRevised => "protocol.revise",
            Self::CourseCreated => "course.create",
            Self::CourseSigned => "course.sign",
            Self::CoursePhaseChanged => "course.phase",
            Self::CoursesRead => "course.read",
            Self::SessionAlertAcknowledged => "session.alert_ack",
            Self::InventoryRead => "inventory.read",
            Self::InventoryReceived => "inventory.receive",
            Self::InventoryMovement => "inventory.movement",
            Self::InventoryCountChanged => "inventory.count",
            Self::InventoryCatalogueChanged => "inventory.catalogue",
            Self::InventoryLossTaskDone => "inventory.loss_task",
            Self::InventoryReportRead => "inventory.report",
            Self::ObservationsRead => "observation.read",
            Self::PatientExported => "patient.export",
            Self::FeeScheduleRevised => "billing.fee_schedule",
            Self::BillingSettingsChanged => "billing.settings",
            Self::ChargesCaptured => "billing.capture",
            Self::InvoiceCreated => "billing.invoice",
            Self::PaymentRecorded => "billing.payment",
            Self::RefundRecorded => "billing.refund",
            Self::BillingRead => "billing.read",
            Self::ScheduleResourceChanged => "schedule.resource",
            Self::AppointmentBooked => "schedule.book",
            Self::AppointmentChanged => "schedule.change",
            Self::ScheduleRead => "schedule.read",
            Self::CalendarFeedCreated => "schedule.feed_create",
            Self::CalendarFeedRevoked => "schedule.feed_revoke",
            Self::CalendarFeedFetched => "schedule.feed_fetch",
        }
    }
}

/// How the attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Success,
    Failure,
    Denied,
}

impl AuditOutcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            "denied" => Some(Self::Denied),
            _ => None,
        }
    }
}

/// An audit event before it has a place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub at: Timestamp,
    pub actor_id: Option<UserId>,
    /// E-mail of the account, or what was typed at a failed login, or `anonymous`.
    pub actor_label: String,
    pub actor_role: Option<Role>,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub patient_id: Option<PatientId>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    pub outcome: AuditOutcome,
    /// A short machine-oriented note (never PHI), e.g. the refused permission.
    pub detail: Option<String>,
}

/// A stored audit event: its place in the chain and its hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub seq: u64,
    #[serde(flatten)]
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// The canonical form that is hashed: fixed field order, timestamps as integer microseconds.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: u64,
    id: &'a AuditEventId,
    at_us: i64,
    actor_id: Option<&'a UserId>,
    actor_label: &'a str,
    actor_role: Option<&'static str>,
    action: &'a str,
    resource_type: Option<&'a str>,
    resource_id: Option<&'a str>,
    patient_id: Option<&'a PatientId>,
    client_addr: Option<&'a str>,
    user_agent: Option<&'a str>,
    outcome: &'static str,
    detail: Option<&'a str>,
}

impl AuditEvent {
    /// The bytes that the hash covers for this event at position `seq`.
    pub fn canonical_bytes(&self, seq: u64) -> Vec<u8> {
        let canonical = Canonical {
            seq,
            id: &self.id,
            at_us: timestamp_micros(self.at),
            actor_id: self.actor_id.as_ref(),
            actor_label: &self.actor_label,
            actor_role: self.actor_role.map(Role::as_str),
            action: &self.action,
            resource_type: self.resource_type.as_deref(),
            resource_id: self.resource_id.as_deref(),
            patient_id: self.patient_id.as_ref(),
            client_addr: self.client_addr.as_deref(),
            user_agent: self.user_agent.as_deref(),
            outcome: self.outcome.as_str(),
            detail: self.detail.as_deref(),
        };
        // Serialising a struct of strings, integers and UUIDs to a Vec cannot fail; an empty
        // vector would still hash deterministically and fail verification loudly.
        serde_json::to_vec(&canonical).unwrap_or_default()
    }

    /// Places this event after `prev_hash` at position `seq`.
    pub fn chain(self, seq: u64, prev_hash: &str) -> AuditRecord {
        let hash = chain_hash(prev_hash, &self.canonical_bytes(seq));
        AuditRecord { seq, event: self, prev_hash: prev_hash.to_owned(), hash }
    }
}

/// Timestamps are hashed (and stored on SQLite) as integer microseconds since the Unix epoch.
pub fn timestamp_micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

/// `SHA-256(prev_hash ‖ "\n" ‖ canonical)` as lower-case hex.
pub fn chain_hash(prev_hash: &str, canonical: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical);
    hex::encode(hasher.finalize())
}

/// Why a row does not belong to an intact chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreakKind {
    /// A sequence number is missing or out of order (a row was deleted or inserted).
    Gap { expected: u64 },
    /// The row's `prev_hash` is not the previous row's hash.
    PrevHashMismatch,
    /// The row's content does not hash to its stored hash (the row was altered or forged).
    HashMismatch,
}

/// The first row where verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ChainBreak {
    pub seq: u64,
    /// The row's id (an audit event's or a ledger entry's).
    pub id: String,
    pub kind: ChainBreakKind,
}

/// A row of a hash-chained, append-only table: the audit log and the controlled-substance
/// ledger share one chain rule and one verifier.
pub trait ChainRow {
    fn seq(&self) -> u64;
    fn row_id(&self) -> String;
    fn prev_hash(&self) -> &str;
    fn hash(&self) -> &str;
    /// The canonical bytes of the row's content at its position.
    fn canonical_bytes(&self) -> Vec<u8>;
}

impl ChainRow for AuditRecord {
    fn seq(&self) -> u64 {
        self.seq
    }
    fn row_id(&self) -> String {
        self.event.id.to_string()
    }
    fn prev_hash(&self) -> &str {
        &self.prev_hash
    }
    fn hash(&self) -> &str {
        &self.hash
    }
    fn canonical_bytes(&self) -> Vec<u8> {
        self.event.canonical_bytes(self.seq)
    }
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.kind {
            ChainBreakKind::Gap { expected } => format!("sequence gap: expected seq {expected}"),
            ChainBreakKind::PrevHashMismatch => "prev_hash does not match the previous row's hash".to_owned(),
            ChainBreakKind::HashMismatch => "content does not match its hash (altered or forged)".to_owned(),
        };
        write!(f, "row seq={} id={}: {what}", self.seq, self.id)
    }
}

/// Checks rows one at a time in `seq` order, so a log of any length verifies in constant memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: u64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { next_seq: 1, prev_hash: GENESIS_HASH.to_owned() }
    }
}

impl ChainVerifier {
    /// Checks the next row.
    pub fn check<R: ChainRow>(&mut self, record: &R) -> Result<(), ChainBreak> {
        let fail = |kind| ChainBreak { seq: record.seq(), id: record.row_id(), kind };
        if record.seq() != self.next_seq {
            return Err(fail(ChainBreakKind::Gap { expected: self.next_seq }));
        }
        if record.prev_hash() != self.prev_hash {
            return Err(fail(ChainBreakKind::PrevHashMismatch));
        }
        if chain_hash(record.prev_hash(), &record.canonical_bytes()) != record.hash() {
            return Err(fail(ChainBreakKind::HashMismatch));
        }
        self.next_seq = record.seq().saturating_add(1);
        self.prev_hash = record.hash().to_owned();
        Ok(())
    }

    /// How many rows verified so far.
    pub fn verified(&self) -> u64 {
        self.next_seq.saturating_sub(1)
    }

    /// The hash of the last verified row (the chain head).
    pub fn head(&self) -> &str {
        &self.prev_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn event(n: u128) -> AuditEvent {
        AuditEvent {
            id: AuditEventId(uuid::Uuid::from_u128(n)),
            at: Timestamp::from_second(1_790_000_000).unwrap_or(Timestamp::UNIX_EPOCH),
            actor_id: None,
            actor_label: format!("user{n}@example.org"),
            actor_role: Some(Role::Nurse),
            action: AuditAction::PatientRead.as_str().to_owned(),
            resource_type: Some("Patient".to_owned()),
            resource_id: Some(n.to_string()),
            patient_id: None,
            client_addr: Some("127.0.0.1".to_owned()),
            user_agent: None,
            outcome: AuditOutcome::Success,
            detail: None,
        }
    }

    fn chain(len: u128) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=len)
            .map(|n| {
                let rec = event(n).chain(u64::try_from(n).unwrap_or(0), &prev);
                prev.clone_from(&rec.hash);
                rec
            })
            .collect()
    }

    fn verify(rows: &[AuditRecord]) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::default();
        rows.iter().try_for_each(|r| v.check(r))?;
        Ok(v.verified())
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn altered_row_is_named() {
        let mut rows = chain(5);
        rows[2].event.actor_label = "mallory@example.org".to_owned();
        let err = verify(&rows).err();
        assert_eq!(err.map(|e| (e.seq, e.kind)), Some((3, ChainBreakKind::HashMismatch)));
    }

    #[test]
    fn deleted_row_is_named() {
        let mut rows = chain(5);
        rows.remove(1);
        let err = verify(&rows).err();
        assert_eq!(err.map(|e| (e.seq, e.kind)), Some((3, ChainBreakKind::Gap { expected: 2 })));
    }

    #[test]
    fn forged_row_is_named() {
        let mut rows = chain(3);
        let mut forged = event(99).chain(4, &rows[2].hash);
        forged.hash = "f".repeat(64);
        rows.push(forged);
        let err = verify(&rows).err();
        assert_eq!(err.map(|e| (e.seq, e.kind)), Some((4, ChainBreakKind::HashMismatch)));
    }

    proptest! {
        /// Any single-field change anywhere in a chain is found at exactly that row.
        #[test]
        fn any_tampered_row_is_found(len in 1u128..40, pick in 0usize..40, label in "[a-z]{1,12}") {
            let mut rows = chain(len);
            let idx = pick % rows.len();
            prop_assume!(rows[idx].event.actor_label != label);
            rows[idx].event.actor_label = label;
            let err = verify(&rows).err();
            prop_assert_eq!(err.map(|e| e.seq), Some(rows[idx].seq));
        }
    }
}
