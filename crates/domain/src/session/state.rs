//! The session state machine (issue 5, item 4): scheduled → checked_in → prechecks_done →
//! administering ⇄ paused → observing → discharged, or stopped early from any open state.
//!
//! Events may be documented after the fact (a past `at`), so the state is always the replay of
//! all events in `at` order: [`replay`] answers the state or the first event that does not fit.
//! Notes, side effects and interventions change nothing and fit any open state.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Scheduled,
    CheckedIn,
    PrechecksDone,
    Administering,
    Paused,
    Observing,
    Discharged,
    StoppedEarly,
}

impl SessionState {
    /// Discharged and stopped sessions accept no further events.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Discharged | Self::StoppedEarly)
    }

    /// The wire and storage name (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::CheckedIn => "checked_in",
            Self::PrechecksDone => "prechecks_done",
            Self::Administering => "administering",
            Self::Paused => "paused",
            Self::Observing => "observing",
            Self::Discharged => "discharged",
            Self::StoppedEarly => "stopped_early",
        }
    }

    /// The state in a few words, as the chair board and session page show it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Scheduled => "Scheduled",
            Self::CheckedIn => "Checked in",
            Self::PrechecksDone => "Ready to dose",
            Self::Administering => "Dosing",
            Self::Paused => "Paused",
            Self::Observing => "Observing",
            Self::Discharged => "Discharged",
            Self::StoppedEarly => "Stopped early",
        }
    }
}

/// What happened (the event `type`s of API.md, less their payloads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionEvent {
    CheckedIn,
    PrechecksCompleted,
    AdministrationStarted,
    /// One 28 mg esketamine device; the first one starts administration.
    DeviceAdministered,
    AdministrationPaused,
    AdministrationResumed,
    /// The infusion rate changed (IV), e.g. slowed for a blood-pressure rise.
    RateChanged,
    AdministrationStopped,
    SideEffect,
    Intervention,
    Note,
    /// The escort (name, phone) or a documented alternative, confirmed by staff.
    EscortConfirmed,
    /// A nurse attests that dissociation has resolved.
    DissociationResolved,
    Discharged,
    StoppedEarly,
}

/// An event that does not fit the state it would apply to (HTTP 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{event:?} is not possible while the session is {state:?}")]
pub struct TransitionError {
    pub state: SessionState,
    pub event: SessionEvent,
}

/// The state after `event` in `state`.
pub fn apply(state: SessionState, event: SessionEvent) -> Result<SessionState, TransitionError> {
    use SessionEvent as E;
    use SessionState as S;
    let next = match (state, event) {
        (s, _) if s.is_closed() => None,
        (_, E::StoppedEarly) => Some(S::StoppedEarly),
        (s, E::SideEffect | E::Intervention | E::Note | E::EscortConfirmed | E::DissociationResolved) => Some(s),
        (S::Scheduled, E::CheckedIn) => Some(S::CheckedIn),
        (S::CheckedIn, E::PrechecksCompleted) => Some(S::PrechecksDone),
        (S::PrechecksDone, E::AdministrationStarted | E::DeviceAdministered) => Some(S::Administering),
        (S::Administering, E::DeviceAdministered) => Some(S::Administering),
        (S::Administering, E::AdministrationPaused) => Some(S::Paused),
        (S::Administering, E::RateChanged) => Some(S::Administering),
        (S::Paused, E::RateChanged) => Some(S::Paused),
        (S::Paused, E::AdministrationResumed) => Some(S::Administering),
        (S::Administering | S::Paused, E::AdministrationStopped) => Some(S::Observing),
        (S::Observing, E::Discharged) => Some(S::Discharged),
        _ => None,
    };
    next.ok_or(TransitionError { state, event })
}

/// Replays events (any order) from `scheduled`, sorted by time (stable for equal times, so
/// events recorded at the same instant keep their recording order).
pub fn replay(events: &[(Timestamp, SessionEvent)]) -> Result<SessionState, (usize, TransitionError)> {
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|i| events[*i].0);
    let mut state = SessionState::Scheduled;
    for i in order {
        state = apply(state, events[i].1).map_err(|e| (i, e))?;
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use SessionEvent as E;
    use SessionState as S;

    const ALL_STATES: [S; 8] = [S::Scheduled, S::CheckedIn, S::PrechecksDone, S::Administering, S::Paused, S::Observing, S::Discharged, S::StoppedEarly];
    const ALL_EVENTS: [E; 15] = [
        E::CheckedIn,
        E::PrechecksCompleted,
        E::AdministrationStarted,
        E::DeviceAdministered,
        E::AdministrationPaused,
        E::AdministrationResumed,
        E::RateChanged,
        E::AdministrationStopped,
        E::SideEffect,
        E::Intervention,
        E::Note,
        E::EscortConfirmed,
        E::DissociationResolved,
        E::Discharged,
        E::StoppedEarly,
    ];

    fn t(min: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + min * 60).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Every (state, event) pair: exactly the legal ones succeed, everything else is refused.
    #[test]
    fn the_whole_transition_table() {
        let legal = [
            (S::Scheduled, E::CheckedIn, S::CheckedIn),
            (S::CheckedIn, E::PrechecksCompleted, S::PrechecksDone),
            (S::PrechecksDone, E::AdministrationStarted, S::Administering),
            (S::PrechecksDone, E::DeviceAdministered, S::Administering),
            (S::Administering, E::DeviceAdministered, S::Administering),
            (S::Administering, E::AdministrationPaused, S::Paused),
            (S::Paused, E::AdministrationResumed, S::Administering),
            (S::Administering, E::RateChanged, S::Administering),
            (S::Paused, E::RateChanged, S::Paused),
            (S::Administering, E::AdministrationStopped, S::Observing),
            (S::Paused, E::AdministrationStopped, S::Observing),
            (S::Observing, E::Discharged, S::Discharged),
        ];
        for state in ALL_STATES {
            for event in ALL_EVENTS {
                let expected = if state.is_closed() {
                    None
                } else if event == E::StoppedEarly {
                    Some(S::StoppedEarly)
                } else if matches!(event, E::SideEffect | E::Intervention | E::Note | E::EscortConfirmed | E::DissociationResolved) {
                    Some(state)
                } else {
                    legal.iter().find(|(s, e, _)| *s == state && *e == event).map(|(_, _, n)| *n)
                };
                assert_eq!(apply(state, event).ok(), expected, "{state:?} + {event:?}");
            }
        }
    }

    #[test]
    fn events_documented_later_are_ordered_by_time() {
        // The check-in was documented after the pre-checks, with its real (earlier) time.
        let events = [(t(5), E::PrechecksCompleted), (t(0), E::CheckedIn), (t(10), E::DeviceAdministered), (t(15), E::DeviceAdministered)];
        assert_eq!(replay(&events), Ok(S::Administering));
        // A stop dated before the start does not fit: the first misfit is named.
        let bad = [(t(0), E::CheckedIn), (t(5), E::PrechecksCompleted), (t(20), E::AdministrationStarted), (t(15), E::AdministrationStopped)];
        assert_eq!(replay(&bad), Err((3, TransitionError { state: S::PrechecksDone, event: E::AdministrationStopped })));
    }

    #[test]
    fn state_names_are_the_serde_names() {
        for state in [
            SessionState::Scheduled,
            SessionState::CheckedIn,
            SessionState::PrechecksDone,
            SessionState::Administering,
            SessionState::Paused,
            SessionState::Observing,
            SessionState::Discharged,
            SessionState::StoppedEarly,
        ] {
            assert_eq!(serde_json::to_value(state).ok(), Some(serde_json::Value::from(state.as_str())));
        }
    }
}
