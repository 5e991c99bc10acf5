//! The chair board (issue 5, item 8): every open session on one screen — chair, patient
//! initials, modality, state, time since dosing, the latest vital signs, the next checkpoint
//! and alert badges — for a nurse reading it from across the room.
//!
//! Initials, not names: the board hangs where other patients can see it. Opening the board is
//! one audited clinical read; the live updates that follow (one row per change, pushed by the
//! stream) are covered by that event rather than writing an audit row every few seconds.

use jiff::Timestamp;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::TreatmentSessionId;
use ketaclinic_domain::patient::Patient;
use ketaclinic_domain::session::checkpoint::NextCheckpoint;
use ketaclinic_domain::session::{SessionEvent, SessionState, VitalReading};

use crate::permissions::perm::ClinicalRead;
use crate::sessions::LiveSession;
use crate::{App, AppError, AppResult, Granted};

/// One session on the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRow {
    pub session_id: TreatmentSessionId,
    pub chair: Option<String>,
    /// "J. D." — never the full name.
    pub initials: String,
    pub modality: Modality,
    pub state: SessionState,
    /// When dosing began (the first device or the infusion start): the board counts from here.
    pub dosed_at: Option<Timestamp>,
    /// When the patient checked in (counted from before dosing).
    pub checked_in_at: Option<Timestamp>,
    /// The latest reading with any value.
    pub last_vitals: Option<VitalReading>,
    /// Codes of alerts not yet acknowledged, most recent first, without repeats.
    pub alerts: Vec<&'static str>,
    /// All discharge criteria met now.
    pub discharge_ready: bool,
    /// When the minimum observation ends.
    pub minimum_until: Option<Timestamp>,
    /// The next observation due (BP, MOAA/S, CADSS) and whether it is overdue.
    pub next_checkpoint: Option<NextCheckpoint>,
}

/// "J. D." from the given and family names (first letter of each).
fn initials(patient: &Patient) -> String {
    [patient.details.given_name.as_str(), patient.details.family_name.as_str()]
        .iter()
        .filter_map(|n| n.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn row(view: &LiveSession, patient: &Patient) -> BoardRow {
    let first = |kinds: &[SessionEvent]| view.events.iter().find(|e| kinds.contains(&e.event)).map(|e| e.at);
    let mut alerts: Vec<&'static str> = Vec::new();
    for a in view.alerts.iter().rev().filter(|a| a.acknowledgement.is_none()) {
        if !alerts.contains(&a.code.code()) {
            alerts.push(a.code.code());
        }
    }
    BoardRow {
        session_id: view.session.id,
        chair: view.session.chair.clone(),
        initials: initials(patient),
        modality: view.session.modality,
        state: view.session.state,
        dosed_at: first(&[SessionEvent::AdministrationStarted, SessionEvent::DeviceAdministered]),
        checked_in_at: first(&[SessionEvent::CheckedIn]),
        last_vitals: view.vitals.iter().max_by_key(|r| r.at).cloned(),
        alerts,
        discharge_ready: view.discharge.ready,
        minimum_until: view.discharge.minimum_until,
        next_checkpoint: view.next_checkpoint.clone(),
    }
}

impl App {
    /// Every open session, by chair (an audited clinical read).
    pub async fn board(&self, grant: &Granted<ClinicalRead>) -> AppResult<Vec<BoardRow>> {
        let rows = self.board_rows().await?;
        let mut event = grant.actor().event(self, AuditAction::BoardRead, AuditOutcome::Success);
        event.detail = Some(format!("{} open sessions", rows.len()));
        self.store.append_audit(vec![event]).await?;
        Ok(rows)
    }

    /// Every open session's row, by chair, unaudited: for a stream whose opening was audited
    /// ([`App::board_stream_opened`]) redrawing after it fell behind.
    pub async fn board_rows(&self) -> AppResult<Vec<BoardRow>> {
        let mut rows = Vec::new();
        for session in self.store.open_sessions().await? {
            if let Some(r) = self.board_row(session.id).await? {
                rows.push(r);
            }
        }
        rows.sort_by(|a, b| natural_chair_order(a.chair.as_deref(), b.chair.as_deref()));
        Ok(rows)
    }

    /// One session's row as it stands (unaudited: for the live stream of a board whose opening
    /// was audited). `None` when the session does not exist.
    pub async fn board_row(&self, id: TreatmentSessionId) -> AppResult<Option<BoardRow>> {
        let view = match self.session_live(id).await {
            Ok(v) => v,
            Err(AppError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let patient = self.store.patient(view.session.patient_id).await?.ok_or(AppError::NotFound)?;
        Ok(Some(row(&view, &patient)))
    }

    /// Records that a live board stream connected (one audit event per connection).
    pub async fn board_stream_opened(&self, grant: &Granted<ClinicalRead>) -> AppResult<()> {
        let mut event = grant.actor().event(self, AuditAction::BoardRead, AuditOutcome::Success);
        event.detail = Some("live stream".to_owned());
        self.store.append_audit(vec![event]).await?;
        Ok(())
    }
}

/// "Chair 2" before "Chair 10"; unassigned sessions last.
fn natural_chair_order(a: Option<&str>, b: Option<&str>) -> std::cmp::Ordering {
    fn key(s: &str) -> (String, u64) {
        let digits: String = s.chars().rev().take_while(char::is_ascii_digit).collect::<Vec<_>>().into_iter().rev().collect();
        let stem = s[..s.len() - digits.len()].to_lowercase();
        (stem, digits.parse().unwrap_or(0))
    }
    match (a, b) {
        (Some(a), Some(b)) => key(a).cmp(&key(b)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chairs_sort_naturally_with_unassigned_last() {
        let mut chairs = vec![None, Some("Chair 10"), Some("Chair 2"), Some("Bay A"), Some("Chair 1")];
        chairs.sort_by(|a, b| natural_chair_order(*a, *b));
        assert_eq!(chairs, vec![Some("Bay A"), Some("Chair 1"), Some("Chair 2"), Some("Chair 10"), None]);
    }
}
