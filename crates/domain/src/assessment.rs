//! A scored assessment: one administration of an instrument to a patient.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{AssessmentId, PatientId, UserId};
use crate::instruments::Score;

/// Who filled the instrument in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentSource {
    /// Administered or entered by staff (clinician-rated, or read out at the chair).
    Staff,
    /// Self-reported by the patient (link or kiosk).
    Patient,
}

impl AssessmentSource {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Patient => "patient",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "staff" => Some(Self::Staff),
            "patient" => Some(Self::Patient),
            _ => None,
        }
    }
}

/// A stored assessment: the answers as given, their score at the time, and who, when, how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub id: AssessmentId,
    pub patient_id: PatientId,
    pub instrument: String,
    /// The answers exactly as validated (item id → value).
    pub answers: serde_json::Value,
    pub score: Score,
    /// When the instrument was filled in (may be earlier than `recorded_at`).
    pub administered_at: Timestamp,
    /// The treatment session it belongs to, if any.
    pub session_id: Option<uuid::Uuid>,
    pub source: AssessmentSource,
    /// The member of staff who recorded it; `None` for patient self-report.
    pub recorded_by: Option<UserId>,
    pub recorded_at: Timestamp,
}

/// An assessment marked as entered in error (wrong patient, wrong instrument, mistyped
/// answers). The assessment itself stays stored and listed; outcomes, schedules, relapse
/// checks and the dashboard leave it out. A corrected score is recorded as a new assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentCorrection {
    pub assessment_id: crate::ids::AssessmentId,
    pub reason: crate::record::ChangeReason,
    pub by: crate::ids::UserId,
    pub at: jiff::Timestamp,
}
