//! Plain records that storage returns and takes besides the domain types.

use jiff::Timestamp;
use ketaclinic_domain::ids::{EnquiryId, PatientId, SessionId, TokenId, UserId};
use ketaclinic_domain::patient::PatientDetails;
use ketaclinic_domain::person::{Email, PersonName};
use ketaclinic_domain::staff::Role;

/// A staff account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub id: UserId,
    pub email: Email,
    pub display_name: PersonName,
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub disabled: bool,
    /// Consecutive failed logins since the last success.
    pub failed_logins: u32,
    pub locked_until: Option<Timestamp>,
    pub created_at: Timestamp,
    pub password_changed_at: Timestamp,
}

/// A browser login session. Only the SHA-256 of its cookie value is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSession {
    pub id: SessionId,
    pub user_id: UserId,
    pub token_hash: String,
    /// The synchronizer token every state-changing form or cookie-authenticated API call must
    /// echo back.
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// Absolute expiry; idle expiry is computed from `last_seen_at`.
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// An API bearer token. Only the SHA-256 of the secret is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: TokenId,
    pub user_id: UserId,
    pub label: String,
    pub token_hash: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A patient to register. `mrn: None` asks storage to assign the next generated MRN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPatient {
    pub id: PatientId,
    pub mrn: Option<ketaclinic_domain::patient::Mrn>,
    pub details: PatientDetails,
    pub at: Timestamp,
    pub author: UserId,
}

/// What a patient search asks for. Text matches the start of family or given name (every word
/// must match one of them) or the MRN exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientQuery {
    /// Up to three lower-cased words.
    pub words: Vec<String>,
    pub birth_date: Option<jiff::civil::Date>,
    pub include_entered_in_error: bool,
}

/// Keyset position in the patient list (sorted by family name, given name, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientCursor {
    pub family: String,
    pub given: String,
    pub id: PatientId,
}

/// Keyset position in the enquiry queue (sorted by due time, then id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnquiryCursor {
    pub due: Timestamp,
    pub id: EnquiryId,
}

/// Filters of the auditor's view; every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor_id: Option<UserId>,
    pub patient_id: Option<PatientId>,
    pub action: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// Connection-pool figures for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

/// A treatment event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    pub id: ketaclinic_domain::ids::TreatmentEventId,
    pub patient_id: PatientId,
    pub event: ketaclinic_domain::schedule::TreatmentEvent,
    /// `None` when a system (not a member of staff) recorded it.
    pub recorded_by: Option<UserId>,
    pub recorded_at: Timestamp,
}
