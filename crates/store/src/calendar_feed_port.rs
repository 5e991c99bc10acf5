//! The calendar feed port (issue 8 item 7): secret iCalendar URLs for a staff member, a chair
//! or room, or a patient.
//!
//! Only the SHA-256 of a feed's secret is stored, like API tokens: the secret is shown once
//! when the feed is made, and a fetch finds its feed by the hash, so the lookup is an indexed
//! equality on a value an attacker cannot choose (no byte-by-byte comparison of the secret to
//! time). Feeds are revoked, never deleted, so the audit trail keeps naming them.

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{CalendarFeedId, UserId};

use crate::error::{StoreError, StoreResult};

/// Whose appointments a feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    Staff,
    Space,
    Patient,
}

/// The stored (and typed) name of a feed kind.
pub fn feed_kind_str(kind: FeedKind) -> &'static str {
    match kind {
        FeedKind::Staff => "staff",
        FeedKind::Space => "space",
        FeedKind::Patient => "patient",
    }
}

/// Parses a stored (or typed) feed kind.
pub fn parse_feed_kind(raw: &str) -> Option<FeedKind> {
    [FeedKind::Staff, FeedKind::Space, FeedKind::Patient].into_iter().find(|k| feed_kind_str(*k) == raw)
}

/// Parses a stored feed kind, failing as corrupt data.
pub fn stored_feed_kind(raw: &str) -> StoreResult<FeedKind> {
    parse_feed_kind(raw).ok_or_else(|| StoreError::Corrupt(format!("calendar feed kind {raw}")))
}

/// A stored feed: its target (the id of the user, space or patient), the secret's digest, who
/// made it and when, and when it was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeedRecord {
    pub id: CalendarFeedId,
    pub token_hash: String,
    pub kind: FeedKind,
    pub target: uuid::Uuid,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// Calendar feed storage. Every write stores its audit event in the same transaction.
#[async_trait]
pub trait CalendarFeedStore: Send + Sync {
    /// Stores a new feed.
    async fn insert_calendar_feed(&self, feed: &CalendarFeedRecord, audit: AuditEvent) -> StoreResult<()>;
    /// Every feed, revoked or not, newest first.
    async fn calendar_feeds(&self) -> StoreResult<Vec<CalendarFeedRecord>>;
    /// The feed whose secret has this digest, revoked or not.
    async fn calendar_feed_by_hash(&self, token_hash: &str) -> StoreResult<Option<CalendarFeedRecord>>;
    /// Revokes a feed. `NotFound` for an unknown feed, `Conflict` when it was already revoked.
    async fn revoke_calendar_feed(&self, id: CalendarFeedId, at: Timestamp, audit: AuditEvent) -> StoreResult<()>;
}
