//! Safety alerts raised by assessments.
//!
//! Issue 4 (measurement-based care, item 3): a `suicidal_ideation` flag, a C-SSRS screener risk
//! of moderate or high, or MOAA/S loss of consciousness raises an alert that someone must
//! acknowledge with a documented action. One assessment raises at most one alert, of its most
//! serious kind, so a single answer set does not flood the prescriber's list.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{AlertId, AssessmentId, PatientId, UserId};
use crate::instruments::{RiskLevel, Score};

/// Longest note on an acknowledgement.
pub const ACK_NOTE_MAX_CHARS: usize = 2000;

/// What the alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// MOAA/S level 0: no response to painful stimulus.
    LossOfConsciousness,
    /// C-SSRS screener risk moderate or high.
    SuicideRisk,
    /// A suicidal-ideation item above its threshold (PHQ-9 item 9, QIDS-SR16 item 12, MADRS
    /// item 10, C-SSRS risk low).
    SuicidalIdeation,
}

impl AlertKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LossOfConsciousness => "loss_of_consciousness",
            Self::SuicideRisk => "suicide_risk",
            Self::SuicidalIdeation => "suicidal_ideation",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::LossOfConsciousness, Self::SuicideRisk, Self::SuicidalIdeation].into_iter().find(|k| k.as_str() == raw)
    }
}

/// The alert an assessment's score raises, if any (the most serious kind only).
pub fn raised_by(score: &Score) -> Option<AlertKind> {
    let flagged = |flag: &str| score.flags.iter().any(|f| f == flag);
    if flagged("loss_of_consciousness") {
        Some(AlertKind::LossOfConsciousness)
    } else if matches!(score.risk_level, Some(RiskLevel::Moderate | RiskLevel::High)) {
        Some(AlertKind::SuicideRisk)
    } else if flagged("suicidal_ideation") {
        Some(AlertKind::SuicidalIdeation)
    } else {
        None
    }
}

/// What the clinician did about the alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertAction {
    SafetyPlanReviewed,
    FullCssrsDone,
    CrisisLineGiven,
    EmergencyReferral,
    /// Needs a note saying what was done.
    Other,
}

impl AlertAction {
    /// Every action, in the order a form lists them.
    pub const ALL: [Self; 5] = [Self::SafetyPlanReviewed, Self::FullCssrsDone, Self::CrisisLineGiven, Self::EmergencyReferral, Self::Other];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SafetyPlanReviewed => "safety_plan_reviewed",
            Self::FullCssrsDone => "full_cssrs_done",
            Self::CrisisLineGiven => "crisis_line_given",
            Self::EmergencyReferral => "emergency_referral",
            Self::Other => "other",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("action", "must be one of safety_plan_reviewed, full_cssrs_done, crisis_line_given, emergency_referral, other"))
    }
}

/// A documented acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    pub at: Timestamp,
    pub by: UserId,
    pub action: AlertAction,
    pub note: Option<String>,
}

impl Acknowledgement {
    /// Checks the note: required for `other`, at most 2000 characters.
    pub fn new(at: Timestamp, by: UserId, action: AlertAction, note: Option<&str>) -> Result<Self, FieldError> {
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > ACK_NOTE_MAX_CHARS) {
            return Err(FieldError::new("note", format!("must be at most {ACK_NOTE_MAX_CHARS} characters")));
        }
        if action == AlertAction::Other && note.is_none() {
            return Err(FieldError::new("note", "must say what was done when the action is other"));
        }
        Ok(Self { at, by, action, note: note.map(str::to_owned) })
    }
}

/// A safety alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub id: AlertId,
    pub patient_id: PatientId,
    pub kind: AlertKind,
    pub assessment_id: AssessmentId,
    /// The instrument and score that raised it, e.g. "phq9 total 13, item 9 flagged".
    pub detail: String,
    pub raised_at: Timestamp,
    pub acknowledgement: Option<Acknowledgement>,
}

impl Alert {
    /// Unacknowledged for longer than `after` at `now`: shown red and listed for admins.
    pub fn escalated(&self, now: Timestamp, after: SignedDuration) -> bool {
        self.acknowledgement.is_none() && now.duration_since(self.raised_at) >= after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(flags: &[&str], risk: Option<RiskLevel>) -> Score {
        Score {
            instrument: "x".to_owned(),
            total: Some(1),
            severity: None,
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            risk_level: risk,
            domains: None,
        }
    }

    #[test]
    fn the_most_serious_kind_is_raised() {
        assert_eq!(raised_by(&score(&[], None)), None);
        assert_eq!(raised_by(&score(&["suicidal_ideation"], None)), Some(AlertKind::SuicidalIdeation));
        assert_eq!(raised_by(&score(&["suicidal_ideation"], Some(RiskLevel::Low))), Some(AlertKind::SuicidalIdeation));
        assert_eq!(raised_by(&score(&["suicidal_ideation"], Some(RiskLevel::Moderate))), Some(AlertKind::SuicideRisk));
        assert_eq!(raised_by(&score(&["suicidal_ideation"], Some(RiskLevel::High))), Some(AlertKind::SuicideRisk));
        assert_eq!(raised_by(&score(&["sedation", "loss_of_consciousness"], None)), Some(AlertKind::LossOfConsciousness));
        assert_eq!(raised_by(&score(&["sedation"], None)), None, "sedation alone is watched at the chair, not alerted");
    }

    #[test]
    fn other_needs_a_note() {
        let at = Timestamp::UNIX_EPOCH;
        let by = UserId(uuid::Uuid::nil());
        assert!(Acknowledgement::new(at, by, AlertAction::Other, None).is_err());
        assert!(Acknowledgement::new(at, by, AlertAction::Other, Some("  ")).is_err());
        assert!(Acknowledgement::new(at, by, AlertAction::Other, Some("called the patient; safe with family")).is_ok());
        assert!(Acknowledgement::new(at, by, AlertAction::CrisisLineGiven, None).is_ok());
        assert!(Acknowledgement::new(at, by, AlertAction::CrisisLineGiven, Some(&"x".repeat(2001))).is_err());
    }

    #[test]
    fn escalation_after_the_configured_time_unless_acknowledged() {
        let raised = Timestamp::from_second(1_790_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let mut alert = Alert {
            id: AlertId(uuid::Uuid::nil()),
            patient_id: PatientId(uuid::Uuid::nil()),
            kind: AlertKind::SuicidalIdeation,
            assessment_id: AssessmentId(uuid::Uuid::nil()),
            detail: String::new(),
            raised_at: raised,
            acknowledgement: None,
        };
        let after = SignedDuration::from_mins(15);
        assert!(!alert.escalated(raised.saturating_add(SignedDuration::from_mins(14)).unwrap_or(raised), after));
        assert!(alert.escalated(raised.saturating_add(SignedDuration::from_mins(15)).unwrap_or(raised), after));
        alert.acknowledgement = Acknowledgement::new(raised, UserId(uuid::Uuid::nil()), AlertAction::FullCssrsDone, None).ok();
        assert!(!alert.escalated(raised.saturating_add(SignedDuration::from_hours(5)).unwrap_or(raised), after));
    }
}
