//! Live feed of session changes (issue 5, items 5 and 8): every successful write to a treatment
//! session — an event, readings, an acknowledged alert — announces the session's id, so the
//! chair board and an open session page redraw without a reload.
//!
//! The feed is in-process (a `tokio` broadcast channel): one server sees its own writes at
//! once. A slow listener that falls behind loses announcements, not data — it is told it
//! lagged and redraws everything from the store. Several servers on one PostgreSQL database
//! do not see each other's writes through it; their boards also refresh on a timer.

use ketaclinic_domain::ids::TreatmentSessionId;
use tokio::sync::broadcast;

/// Announcements a listener may fall behind by before it is told to redraw everything.
const CAPACITY: usize = 1024;

/// The broadcast of changed session ids.
#[derive(Debug, Clone)]
pub struct SessionFeed {
    sender: broadcast::Sender<TreatmentSessionId>,
}

impl Default for SessionFeed {
    fn default() -> Self {
        Self { sender: broadcast::channel(CAPACITY).0 }
    }
}

impl SessionFeed {
    /// Announces a change; nobody listening is fine.
    pub fn publish(&self, id: TreatmentSessionId) {
        // An error only means there is no listener right now.
        let _ = self.sender.send(id);
    }

    /// A new listener, seeing announcements from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<TreatmentSessionId> {
        self.sender.subscribe()
    }
}

impl crate::App {
    /// Tells live views that session `id` changed (call after the write is durable).
    pub fn publish_session_change(&self, id: TreatmentSessionId) {
        self.feed.publish(id);
    }

    /// Listens for session changes (the chair board's stream).
    pub fn subscribe_session_changes(&self) -> broadcast::Receiver<TreatmentSessionId> {
        self.feed.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn listeners_hear_changes_made_after_they_subscribed() {
        let feed = SessionFeed::default();
        feed.publish(TreatmentSessionId(uuid::Uuid::nil()));
        let mut rx = feed.subscribe();
        let id = TreatmentSessionId(uuid::Uuid::from_u128(7));
        feed.publish(id);
        assert_eq!(rx.recv().await.ok(), Some(id));
        assert!(rx.try_recv().is_err(), "the change before subscribing is not replayed");
    }
}
