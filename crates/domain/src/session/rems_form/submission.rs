//! The submission of a form to the REMS (REFERENCE §2.5): its status, the stored row, the queue
//! row and the 7-day deadline.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::DUE_DAYS;
use crate::ids::{PatientId, TreatmentSessionId, UserId};
use crate::session::state::SessionState;

/// Where a form stands in its submission to the REMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemsFormStatus {
    /// Being completed (the default of every dosed esketamine session once closed).
    Draft,
    /// Complete and checked, waiting to be submitted.
    Ready,
    /// Submitted to the REMS, with its confirmation number; final.
    Submitted,
}

impl RemsFormStatus {
    pub const ALL: [Self; 3] = [Self::Draft, Self::Ready, Self::Submitted];

    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Ready => "ready",
            Self::Submitted => "submitted",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw.trim())
    }
}

/// Why a status change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    /// A submitted form is final: the REMS has it (HTTP 409).
    #[error("the form was submitted to the REMS and cannot change")]
    Submitted,
    /// Ready and submitted need a complete form (HTTP 409, the missing items listed).
    #[error("the form is not complete")]
    Incomplete,
    /// Already in that status (HTTP 409).
    #[error("the form is already {0}")]
    Unchanged(&'static str),
}

/// Checks a status change: `draft → ready` and `ready → draft` (to correct something), and
/// `draft | ready → submitted`; ready and submitted need a complete form; nothing leaves
/// `submitted`.
pub fn check_transition(from: RemsFormStatus, to: RemsFormStatus, complete: bool) -> Result<(), StatusError> {
    if from == RemsFormStatus::Submitted {
        return Err(StatusError::Submitted);
    }
    if from == to {
        return Err(StatusError::Unchanged(to.as_str()));
    }
    if to != RemsFormStatus::Draft && !complete {
        return Err(StatusError::Incomplete);
    }
    Ok(())
}

/// The stored form row (a session with no row is a draft with no staff answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemsFormRecord {
    pub session_id: TreatmentSessionId,
    pub status: RemsFormStatus,
    /// The REMS's confirmation number (submitted only).
    pub confirmation_number: Option<String>,
    /// The date it was submitted (submitted only).
    pub submitted_on: Option<Date>,
    pub serious_adverse_event: Option<bool>,
    pub sae_description: Option<String>,
    /// Who last changed the row, and when (for a submitted form: who recorded the submission).
    pub changed_by: UserId,
    pub changed_at: Timestamp,
}

/// One session of the queue: a dosed esketamine session that is discharged or stopped, its
/// patient's name, when dosing began, and its form row if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemsQueueRow {
    pub session_id: TreatmentSessionId,
    pub patient_id: PatientId,
    pub given_name: String,
    pub family_name: String,
    pub first_dose_at: Timestamp,
    pub state: SessionState,
    pub record: Option<RemsFormRecord>,
}

impl RemsQueueRow {
    /// The status (no row is a draft).
    pub fn status(&self) -> RemsFormStatus {
        self.record.as_ref().map_or(RemsFormStatus::Draft, |r| r.status)
    }
}

/// The treatment date (clinic-local date of the first administration) and the due date, 7
/// days later (REFERENCE §2.5).
pub fn due_on(first_dose_at: Timestamp, tz: &TimeZone) -> (Date, Date) {
    let date = first_dose_at.to_zoned(tz.clone()).date();
    (date, date.checked_add(jiff::Span::new().days(DUE_DAYS)).unwrap_or(date))
}
