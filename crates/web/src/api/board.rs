//! The chair board: every open session now (`GET /api/v1/board`) and live (`GET
//! /api/v1/board/stream`, server-sent events).
//!
//! The stream starts with a `snapshot` event (`{now, sessions: [row…]}`), then sends a
//! `session` event with a session's row whenever it changes (a closed session's row too, so a
//! screen can drop it), and a fresh `snapshot` if the connection fell behind. It ends after
//! [`STREAM_LIFETIME`]; browsers' `EventSource` reconnects by itself, which re-checks the
//! caller's session and permission — a disabled account stops receiving within that time.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use jiff::Timestamp;
use ketaclinic_app::App;
use ketaclinic_app::board::BoardRow;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::session::VitalReading;
use serde::Serialize;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use utoipa::ToSchema;

use crate::auth::ApiActor;
use crate::board_hub::BoardUpdate;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// How long one stream connection lasts before the browser reconnects (and re-authenticates).
const STREAM_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// One open session.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardRowOut {
    pub session_id: uuid::Uuid,
    pub chair: Option<String>,
    /// Initials only ("J. D."): the board hangs where others can see it.
    pub initials: String,
    /// `iv_ketamine`, `im_ketamine` or `esketamine_nasal`.
    pub modality: String,
    /// The state's wire name (`checked_in`, `administering`, …).
    pub state: String,
    /// The state in words.
    pub state_label: String,
    /// Discharged or stopped: remove from the board.
    pub closed: bool,
    /// When dosing began (elapsed time counts from here).
    pub dosed_at: Option<Timestamp>,
    pub checked_in_at: Option<Timestamp>,
    /// The latest reading: `{at, device_id, systolic?, diastolic?, heart_rate?, spo2?, resp_rate?}`.
    #[schema(value_type = Option<Object>)]
    pub last_vitals: Option<VitalReading>,
    /// Codes of alerts not yet acknowledged (`bp_high`, `spo2_low`, …).
    pub alerts: Vec<String>,
    /// Every discharge criterion met.
    pub discharge_ready: bool,
    /// When the minimum observation ends.
    pub minimum_until: Option<Timestamp>,
    /// The next observation due.
    pub next_checkpoint: Option<BoardCheckpointOut>,
}

/// The next observation due on a row.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardCheckpointOut {
    pub due_at: Timestamp,
    /// `blood_pressure`, `moaas`, `cadss`.
    pub what: Vec<String>,
    /// In words ("40 min after the first device").
    pub label: String,
    pub overdue: bool,
}

impl From<BoardRow> for BoardRowOut {
    fn from(r: BoardRow) -> Self {
        Self {
            session_id: r.session_id.0,
            chair: r.chair,
            initials: r.initials,
            modality: r.modality.as_str().to_owned(),
            state: r.state.as_str().to_owned(),
            state_label: r.state.label().to_owned(),
            closed: r.state.is_closed(),
            dosed_at: r.dosed_at,
            checked_in_at: r.checked_in_at,
            last_vitals: r.last_vitals,
            alerts: r.alerts.into_iter().map(str::to_owned).collect(),
            discharge_ready: r.discharge_ready,
            minimum_until: r.minimum_until,
            next_checkpoint: r.next_checkpoint.map(|c| BoardCheckpointOut {
                due_at: c.due_at,
                what: c.what.iter().map(|i| serde_json::to_value(i).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()).collect(),
                label: c.label,
                overdue: c.overdue,
            }),
        }
    }
}

/// The board now.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardOut {
    /// The server's clock (screens count elapsed time from it, not from their own).
    pub now: Timestamp,
    pub sessions: Vec<BoardRowOut>,
}

fn board_out(app: &App, rows: Vec<BoardRow>) -> BoardOut {
    BoardOut { now: app.now(), sessions: rows.into_iter().map(BoardRowOut::from).collect() }
}

/// Every open session, by chair.
#[utoipa::path(get, path = "/api/v1/board", tag = "sessions",
    responses((status = 200, body = BoardOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn read(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<BoardOut>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let rows = state.app.board(&grant).await?;
    Ok(Json(board_out(&state.app, rows)))
}

fn snapshot_event(app: &App, rows: Vec<BoardRow>) -> Event {
    let json = serde_json::to_string(&board_out(app, rows)).unwrap_or_else(|_| "{}".to_owned());
    Event::default().event("snapshot").data(json)
}

/// The next event for a listener: a changed row, or a fresh snapshot after falling behind.
async fn next_event(app: &App, updates: &mut Receiver<BoardUpdate>) -> Option<Event> {
    match updates.recv().await {
        Ok(BoardUpdate::Row(json)) => Some(Event::default().event("session").data(&*json)),
        Ok(BoardUpdate::Reload) | Err(RecvError::Lagged(_)) => match app.board_rows().await {
            Ok(rows) => Some(snapshot_event(app, rows)),
            Err(e) => {
                tracing::warn!(error = %e, "board snapshot failed; ending the stream so the screen reconnects");
                None
            }
        },
        Err(RecvError::Closed) => None,
    }
}

/// The board, live (`text/event-stream`: `snapshot`, then `session` events).
#[utoipa::path(get, path = "/api/v1/board/stream", tag = "sessions",
    responses((status = 200, content_type = "text/event-stream", description = "`snapshot` then `session` events, each `data` a JSON document (BoardOut / BoardRowOut)"),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn stream(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    // Listen before reading the snapshot, so no change falls between the two.
    let updates = state.board_hub.subscribe(&state.app);
    state.app.board_stream_opened(&grant).await?;
    let first = snapshot_event(&state.app, state.app.board_rows().await?);
    let app = state.app.clone();
    let live = futures::stream::unfold((app, updates), |(app, mut updates)| async move {
        let event = next_event(&app, &mut updates).await?;
        Some((event, (app, updates)))
    });
    let events = futures::stream::once(async move { first }).chain(live).map(Ok).take_until(tokio::time::sleep(STREAM_LIFETIME));
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
