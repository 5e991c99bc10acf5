//! The hash chain of the audit log (and of the controlled-substance ledger, through
//! [`ChainRow`]): how a row's hash is made and how a whole chain is verified.

use std::fmt;

use sha2::{Digest, Sha256};

use super::{AuditRecord, GENESIS_HASH};

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
