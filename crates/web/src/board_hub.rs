//! The chair board's fan-out: one task turns the app's session-change announcements into board
//! rows and hands the same serialized row to every connected board and session page.
//!
//! A monitor posts a reading every few seconds per chair; computing a row per change *per
//! listener* would multiply the store reads by the number of screens. The hub computes each
//! changed row once, coalescing bursts (a batch of readings, an event and its readings) into
//! one row per session per [`COALESCE`] window, and skips the work while nobody listens.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ketaclinic_app::App;
use ketaclinic_domain::ids::TreatmentSessionId;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use crate::api::board::BoardRowOut;

/// Changes arriving within this window after the first become one update per session.
const COALESCE: Duration = Duration::from_millis(200);
/// Updates a slow listener may fall behind by before it is sent a fresh snapshot instead.
const CAPACITY: usize = 256;
/// How often every open row is sent again, for what changes with time alone.
const REFRESH: Duration = Duration::from_secs(60);

/// What listeners receive.
#[derive(Debug, Clone)]
pub enum BoardUpdate {
    /// A session's row as JSON (closed sessions too, so screens can drop them).
    Row(Arc<str>),
    /// Announcements were lost; redraw everything.
    Reload,
}

/// The fan-out, started on first use.
#[derive(Debug, Default)]
pub struct BoardHub {
    sender: OnceLock<broadcast::Sender<BoardUpdate>>,
}

impl BoardHub {
    /// A listener of board updates; the first one starts the hub's task.
    pub fn subscribe(&self, app: &App) -> broadcast::Receiver<BoardUpdate> {
        self.sender
            .get_or_init(|| {
                let (tx, _) = broadcast::channel(CAPACITY);
                tokio::spawn(run(app.clone(), tx.clone()));
                tx
            })
            .subscribe()
    }
}

async fn run(app: App, tx: broadcast::Sender<BoardUpdate>) {
    let mut changes = app.subscribe_session_changes();
    let mut clock = tokio::time::interval_at(tokio::time::Instant::now() + REFRESH, REFRESH);
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut ids = BTreeSet::new();
        let change = tokio::select! {
            change = changes.recv() => change,
            _ = clock.tick() => {
                refresh_all(&app, &tx).await;
                continue;
            }
        };
        match change {
            Ok(id) => {
                ids.insert(id);
            }
            Err(RecvError::Lagged(_)) => {
                let _ = tx.send(BoardUpdate::Reload);
                continue;
            }
            Err(RecvError::Closed) => return,
        }
        tokio::time::sleep(COALESCE).await;
        loop {
            match changes.try_recv() {
                Ok(id) => {
                    ids.insert(id);
                }
                Err(broadcast::error::TryRecvError::Lagged(_)) => {
                    let _ = tx.send(BoardUpdate::Reload);
                }
                Err(_) => break,
            }
        }
        if tx.receiver_count() == 0 {
            continue;
        }
        for id in ids {
            publish_row(&app, &tx, id).await;
        }
    }
}

/// Time alone changes rows — a checkpoint falls overdue, the minimum observation ends — so
/// every open session's row is sent again this often while anyone listens.
async fn refresh_all(app: &App, tx: &broadcast::Sender<BoardUpdate>) {
    if tx.receiver_count() == 0 {
        return;
    }
    match app.board_rows().await {
        Ok(rows) => {
            for row in rows {
                if let Ok(json) = serde_json::to_string(&BoardRowOut::from(row)) {
                    let _ = tx.send(BoardUpdate::Row(json.into()));
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "board refresh failed"),
    }
}

async fn publish_row(app: &App, tx: &broadcast::Sender<BoardUpdate>, id: TreatmentSessionId) {
    match app.board_row(id).await {
        Ok(Some(row)) => match serde_json::to_string(&BoardRowOut::from(row)) {
            Ok(json) => {
                let _ = tx.send(BoardUpdate::Row(json.into()));
            }
            Err(e) => tracing::error!(error = %e, "board row did not serialize"),
        },
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, session = %id, "board row could not be read; asking screens to reload");
            let _ = tx.send(BoardUpdate::Reload);
        }
    }
}
