//! Movements of stock and the ledger rows that record them.
//!
//! Every movement concerns one container. A **draw** moves drug from a container into a
//! syringe (or takes a nasal device out) for a session; the draw's id is its ledger entry's id,
//! and what was drawn must end up **administered**, **wasted** (with a witness) or **returned**.
//! Stock that never reaches a patient leaves the container by **disposal** (DEA Form 41 data) or
//! **loss**; **transfers** change only the location, **adjustments** correct the book with a
//! reason, and **counts** record counted against book without changing either.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::audit::timestamp_micros;
use crate::ids::{ContainerId, CountId, LedgerEntryId, LocationId, LossReportId, ReceiptId, TreatmentSessionId, UserId};
use crate::register::quantity::{Qty, QtyDelta};

/// How stock was disposed of (REFERENCE §7.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisposalMethod {
    /// Transferred to a reverse distributor by invoice (it files its own Form 41).
    ReverseDistributor,
    /// Destroyed on site to a non-retrievable state, two employees witnessing (Form 41).
    Destruction,
}

impl DisposalMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReverseDistributor => "reverse_distributor",
            Self::Destruction => "destruction",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ReverseDistributor => "Reverse distributor",
            Self::Destruction => "Destroyed on site",
        }
    }
}

/// The DEA Form 41 data of one disposal that the register does not already know (REFERENCE
/// §7.7: date, method, location, and the reverse distributor when there is one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisposalDetails {
    pub method: DisposalMethod,
    /// Why the stock is disposed of (expired, damaged, beyond-use date passed …).
    pub reason: String,
    /// How it was made non-retrievable (destruction), or `None`.
    pub destruction_method: Option<String>,
    /// Where it was destroyed or handed over.
    pub place: String,
    pub reverse_distributor_name: Option<String>,
    pub reverse_distributor_dea: Option<String>,
    /// The two employees who witnessed it, each having signed in at that moment.
    pub witnesses: [UserId; 2],
}

/// Whether stock went missing or was stolen (REFERENCE §7.8: theft is always reportable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossKind {
    Loss,
    Theft,
}

impl LossKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loss => "loss",
            Self::Theft => "theft",
        }
    }
}

/// What happened to a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Movement {
    /// The container arrived full (one per container of a receipt).
    Receipt { receipt_id: ReceiptId, location_id: LocationId, qty: Qty },
    /// Drawn into a syringe (or a device taken out) for a session.
    Draw { session_id: TreatmentSessionId, qty: Qty },
    /// Part of a draw given to the patient of the draw's session.
    Administer { draw_id: LedgerEntryId, session_id: TreatmentSessionId, qty: Qty },
    /// Part of a draw discarded, witnessed by a second licensed user who signed in to do it.
    Waste { draw_id: LedgerEntryId, qty: Qty, reason: String, witness_id: UserId },
    /// Part of a draw put back into stock.
    Return { draw_id: LedgerEntryId, qty: Qty },
    /// Stock disposed of (expired, damaged).
    Dispose { qty: Qty, details: DisposalDetails },
    /// Stock lost or stolen.
    Loss { loss_id: LossReportId, loss: LossKind, qty: Qty, discovered_at: Timestamp, description: String },
    /// Moved to another storage location.
    Transfer { from: LocationId, to: LocationId },
    /// The book corrected, with a reason (e.g. a count discrepancy resolved).
    Adjust { delta: QtyDelta, reason: String },
    /// Counted: what the book said and what was found, in microlitres.
    Count { count_id: CountId, book_ul: u64, counted_ul: u64 },
}

impl Movement {
    /// The stored kind name.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Receipt { .. } => "receipt",
            Self::Draw { .. } => "draw",
            Self::Administer { .. } => "administer",
            Self::Waste { .. } => "waste",
            Self::Return { .. } => "return",
            Self::Dispose { .. } => "dispose",
            Self::Loss { .. } => "loss",
            Self::Transfer { .. } => "transfer",
            Self::Adjust { .. } => "adjust",
            Self::Count { .. } => "count",
        }
    }

    /// A label for people.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Receipt { .. } => "Received",
            Self::Draw { .. } => "Drawn",
            Self::Administer { .. } => "Administered",
            Self::Waste { .. } => "Wasted",
            Self::Return { .. } => "Returned to stock",
            Self::Dispose { .. } => "Disposed of",
            Self::Loss { loss: LossKind::Loss, .. } => "Lost",
            Self::Loss { loss: LossKind::Theft, .. } => "Stolen",
            Self::Transfer { .. } => "Transferred",
            Self::Adjust { .. } => "Adjusted",
            Self::Count { .. } => "Counted",
        }
    }

    /// The change of the container's content (what stays in the vial, not in a syringe).
    pub fn container_delta(&self) -> QtyDelta {
        let signed = |q: Qty, sign: i64| QtyDelta {
            ul: i64::try_from(q.ul).unwrap_or(i64::MAX).saturating_mul(sign),
            ug: i64::try_from(q.ug).unwrap_or(i64::MAX).saturating_mul(sign),
        };
        match self {
            Self::Receipt { qty, .. } | Self::Return { qty, .. } => signed(*qty, 1),
            Self::Draw { qty, .. } | Self::Dispose { qty, .. } | Self::Loss { qty, .. } => signed(*qty, -1),
            Self::Adjust { delta, .. } => *delta,
            Self::Administer { .. } | Self::Waste { .. } | Self::Transfer { .. } | Self::Count { .. } => QtyDelta::default(),
        }
    }

    /// The draw this movement settles, if any.
    pub fn draw_id(&self) -> Option<LedgerEntryId> {
        match self {
            Self::Administer { draw_id, .. } | Self::Waste { draw_id, .. } | Self::Return { draw_id, .. } => Some(*draw_id),
            _ => None,
        }
    }

    /// The session the movement is for (draws and administrations).
    pub fn session_id(&self) -> Option<TreatmentSessionId> {
        match self {
            Self::Draw { session_id, .. } | Self::Administer { session_id, .. } => Some(*session_id),
            _ => None,
        }
    }

    /// The amount moved, for reports (zero for transfers and counts; the magnitude of an
    /// adjustment).
    pub fn qty(&self) -> Qty {
        match self {
            Self::Receipt { qty, .. }
            | Self::Draw { qty, .. }
            | Self::Administer { qty, .. }
            | Self::Waste { qty, .. }
            | Self::Return { qty, .. }
            | Self::Dispose { qty, .. }
            | Self::Loss { qty, .. } => *qty,
            Self::Adjust { delta, .. } => Qty { ul: delta.ul.unsigned_abs(), ug: delta.ug.unsigned_abs() },
            Self::Transfer { .. } | Self::Count { .. } => Qty::ZERO,
        }
    }

    /// Everyone besides the recorder who vouched for it (witnesses).
    pub fn witnesses(&self) -> Vec<UserId> {
        match self {
            Self::Waste { witness_id, .. } => vec![*witness_id],
            Self::Dispose { details, .. } => details.witnesses.to_vec(),
            _ => Vec::new(),
        }
    }
}

/// A movement before it has a place in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEntry {
    pub id: LedgerEntryId,
    pub at: Timestamp,
    pub container_id: ContainerId,
    /// Who recorded it (and, for a draw or administration, who did it).
    pub recorded_by: UserId,
    pub movement: Movement,
}

/// A stored ledger row: its place in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub seq: u64,
    #[serde(flatten)]
    pub entry: NewEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The canonical form that is hashed: fixed field order, time as integer microseconds.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: u64,
    id: &'a LedgerEntryId,
    at_us: i64,
    container_id: &'a ContainerId,
    recorded_by: &'a UserId,
    movement: &'a Movement,
}

impl NewEntry {
    /// The bytes the hash covers at position `seq`.
    pub fn canonical_bytes(&self, seq: u64) -> Vec<u8> {
        let canonical = Canonical {
            seq,
            id: &self.id,
            at_us: timestamp_micros(self.at),
            container_id: &self.container_id,
            recorded_by: &self.recorded_by,
            movement: &self.movement,
        };
        // A struct of ids, integers and strings always serialises; an empty vector would
        // still hash deterministically and fail verification loudly.
        serde_json::to_vec(&canonical).unwrap_or_default()
    }

    /// Places this entry after `prev_hash` at position `seq`.
    pub fn chain(self, seq: u64, prev_hash: &str) -> LedgerEntry {
        let hash = crate::audit::chain_hash(prev_hash, &self.canonical_bytes(seq));
        LedgerEntry { seq, entry: self, prev_hash: prev_hash.to_owned(), hash }
    }

    /// The movement as stored (JSON text, exactly what the hash covers besides the row keys).
    pub fn movement_json(&self) -> String {
        serde_json::to_string(&self.movement).unwrap_or_default()
    }
}

impl crate::audit::ChainRow for LedgerEntry {
    fn seq(&self) -> u64 {
        self.seq
    }
    fn row_id(&self) -> String {
        self.entry.id.to_string()
    }
    fn prev_hash(&self) -> &str {
        &self.prev_hash
    }
    fn hash(&self) -> &str {
        &self.hash
    }
    fn canonical_bytes(&self) -> Vec<u8> {
        self.entry.canonical_bytes(self.seq)
    }
}
