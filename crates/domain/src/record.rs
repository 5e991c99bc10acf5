//! Versioned clinical records.
//!
//! Nothing clinical is destroyed: an update writes a new version with its author, time and
//! reason, and a record entered by mistake gets the status `entered_in_error` instead of being
//! deleted. These types are shared by every versioned record.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// Whether a record stands or was entered in error (FHIR uses the same term).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Active,
    EnteredInError,
}

impl RecordStatus {
    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::EnteredInError => "entered_in_error",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "active" => Ok(Self::Active),
            "entered_in_error" => Ok(Self::EnteredInError),
            _ => Err(FieldError::new("status", "must be active or entered_in_error")),
        }
    }
}

/// Longest accepted reason for a change.
pub const REASON_MAX_CHARS: usize = 500;

/// Why a record was changed: required on every correction, 1–500 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChangeReason(String);

impl ChangeReason {
    /// Parses a reason.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new("reason", "must say why the record changes"));
        }
        if trimmed.chars().count() > REASON_MAX_CHARS {
            return Err(FieldError::new("reason", format!("must be at most {REASON_MAX_CHARS} characters")));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The reason's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A record's version number: 1 for the first, +1 for each change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(pub u32);

impl Version {
    /// The first version of a record.
    pub const FIRST: Self = Self(1);

    /// The version after this one.
    #[must_use]
    pub fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}
