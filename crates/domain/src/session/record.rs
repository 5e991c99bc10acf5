//! A treatment session as stored: the session, its events and its vital signs.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::state::{SessionEvent, SessionState};
use super::thresholds::{Thresholds, VitalAlert, Vitals};
use crate::eligibility::Modality;
use crate::ids::{CourseId, PatientId, SessionAlertId, SessionEventId, TreatmentSessionId, UserId};

/// One session in the chair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: TreatmentSessionId,
    pub patient_id: PatientId,
    pub modality: Modality,
    /// The chair or room, e.g. "Chair 3".
    pub chair: Option<String>,
    pub state: SessionState,
    /// The protocol's thresholds when the session was created (a later protocol change does
    /// not rewrite a session's history).
    pub thresholds: Thresholds,
    /// The treatment course the session belongs to, if it was booked in one.
    pub course_id: Option<CourseId>,
    /// The version of the modality's protocol the thresholds came from (0: the built-in
    /// defaults; also sessions booked before protocols were versioned).
    pub protocol_version: u32,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One event of a session, with its payload (dose, lot, effect, note …) as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEventRecord {
    pub id: SessionEventId,
    pub session_id: TreatmentSessionId,
    pub event: SessionEvent,
    /// When it happened (may be earlier than `recorded_at`: documented after the fact).
    pub at: Timestamp,
    pub payload: serde_json::Value,
    pub recorded_by: UserId,
    pub recorded_at: Timestamp,
}

/// One set of vital signs from a device (or `manual` entry) at a time; a reading is unique by
/// session, device and time, which makes the batch ingest idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VitalReading {
    pub at: Timestamp,
    pub device_id: String,
    #[serde(flatten)]
    pub vitals: Vitals,
}

/// A vital-sign alert as stored: raised once, when its reading arrived (in the same
/// transaction), and never recomputed — a later change of thresholds does not rewrite what the
/// nurse was shown. Acknowledging it is a separate, append-only record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAlert {
    pub id: SessionAlertId,
    pub session_id: TreatmentSessionId,
    pub code: VitalAlert,
    /// What was shown, e.g. "BP 181/80 above 180/110".
    pub message: String,
    /// The reading's time.
    pub at: Timestamp,
    /// The reading's device (`manual` for hand entry).
    pub device_id: String,
    /// When the reading (and so the alert) was stored.
    pub raised_at: Timestamp,
    pub acknowledgement: Option<SessionAlertAck>,
}

/// Who acknowledged an alert, when, and what they noted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAlertAck {
    pub by: UserId,
    pub at: Timestamp,
    pub note: Option<String>,
}
