//! The tamper-evident audit log.
//!
//! Every access to patient data, every login and every denied request becomes an [`AuditEvent`].
//! Events are numbered without gaps (`seq`) and hash-chained: each row stores
//! `SHA-256(previous hash ‖ "\n" ‖ canonical JSON of this row)`. Changing, deleting or inserting
//! a row anywhere but at the very end breaks the chain at that row, which [`ChainVerifier`]
//! reports. Truncating the tail or appending a row with a correctly computed hash needs an
//! outside anchor to detect: `ketaclinic audit verify` prints the head (sequence and hash) so an
//! operator can record it elsewhere (see `docs/audit.md`).

use jiff::Timestamp;
use serde::Serialize;

use crate::ids::{AuditEventId, PatientId, UserId};
use crate::staff::Role;

/// The hash that the first row chains from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest stored user agent; longer ones are cut (they are evidence, not content).
pub const USER_AGENT_MAX_CHARS: usize = 256;

mod action;
mod chain;

pub use action::AuditAction;
pub use chain::{ChainBreak, ChainBreakKind, ChainRow, ChainVerifier, chain_hash};

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
