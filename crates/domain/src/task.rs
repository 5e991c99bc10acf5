//! Tasks for the care team that the system proposes — today one kind: after a relapse
//! (REFERENCE §1.4: "booster when symptoms return"; issue 4: "a relapse proposes a booster"),
//! the prescriber reviews whether to book a booster. A task is closed with an outcome and a
//! note; it is never deleted.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{AssessmentId, PatientId, TaskId, UserId};

/// What the task asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// A relapse after response: consider a booster.
    BoosterReview,
}

impl TaskKind {
    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BoosterReview => "booster_review",
        }
    }

    /// Parses the storage name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "booster_review" => Ok(Self::BoosterReview),
            _ => Err(FieldError::new("kind", "is not a task kind")),
        }
    }
}

/// How a task was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskOutcome {
    /// Done (e.g. booster booked).
    Done,
    /// Considered and not needed (the note says why).
    Declined,
}

impl TaskOutcome {
    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Declined => "declined",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "done" => Ok(Self::Done),
            "declined" => Ok(Self::Declined),
            _ => Err(FieldError::new("outcome", "must be done or declined")),
        }
    }
}

/// The closing of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskClosure {
    pub outcome: TaskOutcome,
    pub note: Option<String>,
    pub by: UserId,
    pub at: Timestamp,
}

/// A task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: TaskId,
    pub patient_id: PatientId,
    pub kind: TaskKind,
    /// What triggered it, in words (`PHQ-9 relapse: 12 then 14 after response`).
    pub detail: String,
    /// The assessment that triggered it (one task per trigger).
    pub source_assessment: AssessmentId,
    pub created_at: Timestamp,
    pub closure: Option<TaskClosure>,
}
