//! The patient core: identity and demographics (the full chart comes with the evaluation work).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{PatientId, UserId};
use crate::person::{BirthDate, Email, PersonName, Phone, Sex};
use crate::record::{ChangeReason, RecordStatus, Version};

/// Longest accepted medical record number.
pub const MRN_MAX_CHARS: usize = 32;
/// Longest accepted MRN prefix (clinic setting), leaving room for the sequence number.
pub const MRN_PREFIX_MAX_CHARS: usize = 12;

/// A medical record number: 1–32 of `A–Z`, `0–9` and `-`, stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mrn(String);

fn mrn_chars_ok(value: &str) -> bool {
    value.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

impl Mrn {
    /// Parses an MRN given by a person or another system.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_ascii_uppercase();
        if value.is_empty() || value.chars().count() > MRN_MAX_CHARS || !mrn_chars_ok(&value) {
            return Err(FieldError::new("mrn", format!("must be 1–{MRN_MAX_CHARS} characters of A–Z, 0–9 and -")));
        }
        Ok(Self(value))
    }

    /// The MRN the clinic assigns: its prefix and a zero-padded sequence number, e.g. `KC-000042`.
    pub fn generated(prefix: &MrnPrefix, sequence: u64) -> Self {
        Self(format!("{}{sequence:06}", prefix.0))
    }

    /// The MRN's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Mrn {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Mrn> for String {
    fn from(value: Mrn) -> Self {
        value.0
    }
}

/// The clinic's prefix for generated MRNs (setting `clinic.mrn_prefix`, default `KC-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrnPrefix(String);

impl MrnPrefix {
    /// Parses a prefix: up to 12 of `A–Z`, `0–9` and `-`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_ascii_uppercase();
        if value.chars().count() > MRN_PREFIX_MAX_CHARS || !mrn_chars_ok(&value) {
            return Err(FieldError::new("mrn_prefix", format!("must be at most {MRN_PREFIX_MAX_CHARS} characters of A–Z, 0–9 and -")));
        }
        Ok(Self(value))
    }
}

impl Default for MrnPrefix {
    fn default() -> Self {
        Self("KC-".to_owned())
    }
}

/// The demographic part of a patient record, every field already parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDetails {
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub birth_date: BirthDate,
    pub sex: Sex,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
}

/// A patient as it stands now (the latest version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Patient {
    pub id: PatientId,
    pub mrn: Mrn,
    pub details: PatientDetails,
    pub status: RecordStatus,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Patient {
    /// "Family, Given" as lists show it.
    pub fn display_name(&self) -> String {
        format!("{}, {}", self.details.family_name.as_str(), self.details.given_name.as_str())
    }

    /// The next version of this record: new details and status, one version up.
    #[must_use]
    pub fn revised(&self, details: PatientDetails, status: RecordStatus, at: Timestamp) -> Self {
        Self { id: self.id, mrn: self.mrn.clone(), details, status, version: self.version.next(), created_at: self.created_at, updated_at: at }
    }
}

/// One stored version of a patient record: what it said, who wrote it, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatientVersion {
    pub patient_id: PatientId,
    pub version: Version,
    pub mrn: Mrn,
    pub details: PatientDetails,
    pub status: RecordStatus,
    pub recorded_at: Timestamp,
    pub recorded_by: UserId,
    /// `None` only for the first version (registration needs no reason).
    pub reason: Option<ChangeReason>,
}

impl PatientVersion {
    /// The version that records `patient` as it is now.
    pub fn of(patient: &Patient, recorded_by: UserId, reason: Option<ChangeReason>) -> Self {
        Self {
            patient_id: patient.id,
            version: patient.version,
            mrn: patient.mrn.clone(),
            details: patient.details.clone(),
            status: patient.status,
            recorded_at: patient.updated_at,
            recorded_by,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrn_rules() {
        assert_eq!(Mrn::parse(" kc-000123 ").map(String::from), Ok("KC-000123".to_owned()));
        assert!(Mrn::parse("").is_err());
        assert!(Mrn::parse("KC 1").is_err());
        assert!(Mrn::parse(&"A".repeat(33)).is_err());
        let prefix = MrnPrefix::parse("north-").unwrap_or_default();
        assert_eq!(Mrn::generated(&prefix, 42).as_str(), "NORTH-000042");
        assert_eq!(Mrn::generated(&MrnPrefix::default(), 1_234_567).as_str(), "KC-1234567");
        assert!(MrnPrefix::parse("TOO-LONG-PREFIX").is_err());
    }
}
