//! The patient chart beyond demographics: contacts, the people who may take the patient home,
//! diagnoses, allergies, medications, the care team, signed evaluations, eligibility decisions,
//! consents, the SPRAVATO REMS enrolment and the suicide safety plan.
//!
//! Every chart entry is a versioned record (see [`crate::record`]): a change writes a new
//! version with its author, time and reason; "entered in error" is a status of a new version,
//! so history never loses anything. The entry's content is one of the typed bodies in
//! [`ChartBody`]; storage keeps it as JSON next to its `kind`, which lets one append-only table
//! and one conformance suite serve every kind.

pub mod codes;
pub mod consent;
pub mod entries;
pub mod evaluation;
pub mod safety_plan;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{ChartEntryId, PatientId, UserId};
use crate::record::{ChangeReason, RecordStatus, Version};

pub use consent::{ConsentTemplate, EligibilityDecision, RemsEnrollment, SignedConsent};
pub use entries::{Allergy, CareTeamMember, ContactPoint, Diagnosis, EmergencyContact, Escort, Medication};
pub use evaluation::EvaluationRecord;
pub use safety_plan::{PlanContact, SafetyPlan};

/// What a chart entry holds. The wire and storage names are the snake_case variant names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Contact,
    EmergencyContact,
    Escort,
    Diagnosis,
    Allergy,
    Medication,
    CareTeamMember,
    Evaluation,
    EligibilityDecision,
    Consent,
    RemsEnrollment,
    /// A clinic-written consent text; the only kind that belongs to no patient.
    ConsentTemplate,
    /// The patient's suicide safety plan (one current plan, revised as new versions).
    SafetyPlan,
}

impl ChartKind {
    /// Every kind, in the order the chart shows them.
    pub const ALL: [Self; 13] = [
        Self::Contact,
        Self::EmergencyContact,
        Self::Escort,
        Self::Diagnosis,
        Self::Allergy,
        Self::Medication,
        Self::CareTeamMember,
        Self::Evaluation,
        Self::EligibilityDecision,
        Self::Consent,
        Self::RemsEnrollment,
        Self::ConsentTemplate,
        Self::SafetyPlan,
    ];

    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::EmergencyContact => "emergency_contact",
            Self::Escort => "escort",
            Self::Diagnosis => "diagnosis",
            Self::Allergy => "allergy",
            Self::Medication => "medication",
            Self::CareTeamMember => "care_team_member",
            Self::Evaluation => "evaluation",
            Self::EligibilityDecision => "eligibility_decision",
            Self::Consent => "consent",
            Self::RemsEnrollment => "rems_enrollment",
            Self::ConsentTemplate => "consent_template",
            Self::SafetyPlan => "safety_plan",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw).ok_or_else(|| FieldError::new("kind", format!("`{raw}` is not a chart entry kind")))
    }

    /// Kinds staff edit as simple lists on the chart (the others have their own workflows:
    /// signing, deciding, consenting).
    pub const LISTS: [Self; 7] = [Self::Contact, Self::EmergencyContact, Self::Escort, Self::Diagnosis, Self::Allergy, Self::Medication, Self::CareTeamMember];

    /// Whether the kind belongs to a patient (all but consent templates).
    pub fn is_patient_kind(self) -> bool {
        self != Self::ConsentTemplate
    }
}

/// The typed content of one chart entry version.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartBody {
    Contact(ContactPoint),
    EmergencyContact(EmergencyContact),
    Escort(Escort),
    Diagnosis(Diagnosis),
    Allergy(Allergy),
    Medication(Medication),
    CareTeamMember(CareTeamMember),
    Evaluation(Box<EvaluationRecord>),
    EligibilityDecision(Box<EligibilityDecision>),
    Consent(SignedConsent),
    RemsEnrollment(RemsEnrollment),
    ConsentTemplate(ConsentTemplate),
    SafetyPlan(SafetyPlan),
}

impl ChartBody {
    /// The kind of this body.
    pub fn kind(&self) -> ChartKind {
        match self {
            Self::Contact(_) => ChartKind::Contact,
            Self::EmergencyContact(_) => ChartKind::EmergencyContact,
            Self::Escort(_) => ChartKind::Escort,
            Self::Diagnosis(_) => ChartKind::Diagnosis,
            Self::Allergy(_) => ChartKind::Allergy,
            Self::Medication(_) => ChartKind::Medication,
            Self::CareTeamMember(_) => ChartKind::CareTeamMember,
            Self::Evaluation(_) => ChartKind::Evaluation,
            Self::EligibilityDecision(_) => ChartKind::EligibilityDecision,
            Self::Consent(_) => ChartKind::Consent,
            Self::RemsEnrollment(_) => ChartKind::RemsEnrollment,
            Self::ConsentTemplate(_) => ChartKind::ConsentTemplate,
            Self::SafetyPlan(_) => ChartKind::SafetyPlan,
        }
    }

    /// The body as a JSON value (what storage keeps and the API returns).
    pub fn to_json(&self) -> serde_json::Value {
        let value = match self {
            Self::Contact(b) => serde_json::to_value(b),
            Self::EmergencyContact(b) => serde_json::to_value(b),
            Self::Escort(b) => serde_json::to_value(b),
            Self::Diagnosis(b) => serde_json::to_value(b),
            Self::Allergy(b) => serde_json::to_value(b),
            Self::Medication(b) => serde_json::to_value(b),
            Self::CareTeamMember(b) => serde_json::to_value(b),
            Self::Evaluation(b) => serde_json::to_value(b),
            Self::EligibilityDecision(b) => serde_json::to_value(b),
            Self::Consent(b) => serde_json::to_value(b),
            Self::RemsEnrollment(b) => serde_json::to_value(b),
            Self::ConsentTemplate(b) => serde_json::to_value(b),
            Self::SafetyPlan(b) => serde_json::to_value(b),
        };
        // Every body is plain data (strings, numbers, maps with string keys), which
        // serde_json always represents.
        value.unwrap_or(serde_json::Value::Null)
    }

    /// Reads a stored body of `kind` back.
    pub fn from_json(kind: ChartKind, value: serde_json::Value) -> Result<Self, serde_json::Error> {
        Ok(match kind {
            ChartKind::Contact => Self::Contact(serde_json::from_value(value)?),
            ChartKind::EmergencyContact => Self::EmergencyContact(serde_json::from_value(value)?),
            ChartKind::Escort => Self::Escort(serde_json::from_value(value)?),
            ChartKind::Diagnosis => Self::Diagnosis(serde_json::from_value(value)?),
            ChartKind::Allergy => Self::Allergy(serde_json::from_value(value)?),
            ChartKind::Medication => Self::Medication(serde_json::from_value(value)?),
            ChartKind::CareTeamMember => Self::CareTeamMember(serde_json::from_value(value)?),
            ChartKind::Evaluation => Self::Evaluation(Box::new(serde_json::from_value(value)?)),
            ChartKind::EligibilityDecision => Self::EligibilityDecision(Box::new(serde_json::from_value(value)?)),
            ChartKind::Consent => Self::Consent(serde_json::from_value(value)?),
            ChartKind::RemsEnrollment => Self::RemsEnrollment(serde_json::from_value(value)?),
            ChartKind::ConsentTemplate => Self::ConsentTemplate(serde_json::from_value(value)?),
            ChartKind::SafetyPlan => Self::SafetyPlan(serde_json::from_value(value)?),
        })
    }
}

/// One version of a chart entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartEntry {
    pub id: ChartEntryId,
    /// `None` only for clinic documents (consent templates).
    pub patient_id: Option<PatientId>,
    pub version: Version,
    pub status: RecordStatus,
    pub body: ChartBody,
    /// Required from version 2 on.
    pub reason: Option<ChangeReason>,
    pub recorded_by: UserId,
    pub recorded_at: Timestamp,
}

impl ChartEntry {
    /// The entry's kind.
    pub fn kind(&self) -> ChartKind {
        self.body.kind()
    }

    /// The next version of this entry with a new body and/or status; a revision always says why.
    #[must_use]
    pub fn revised(&self, body: ChartBody, status: RecordStatus, reason: ChangeReason, by: UserId, at: Timestamp) -> Self {
        Self { id: self.id, patient_id: self.patient_id, version: self.version.next(), status, body, reason: Some(reason), recorded_by: by, recorded_at: at }
    }
}

/// Trims `raw` and checks it holds 1..=`max` characters.
pub(crate) fn required_text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    if t.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    Ok(t.to_owned())
}

/// Trims optional text; blank becomes `None`.
pub(crate) fn optional_text(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) if t.chars().count() > max => Err(FieldError::new(field, format!("must be at most {max} characters"))),
        Some(t) => Ok(Some(t.to_owned())),
    }
}
