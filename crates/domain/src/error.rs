//! Validation errors of the domain.
//!
//! A constructor that refuses a value names the field and says why in words a clinic's staff can
//! act on; the web edge turns a [`ValidationErrors`] into a 422 `problem+json` with one entry per
//! field, so a form can show every problem at once rather than one per round trip.

use std::fmt;

/// One refused field: which one and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field's name as the client sent it (`birth_date`, `password` …).
    pub field: String,
    /// A sentence for a person, e.g. "must be a real calendar date (YYYY-MM-DD)".
    pub message: String,
}

impl FieldError {
    /// A refusal of `field` with a human-readable `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every field refused while parsing one input document.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// A single refused field.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }

    /// Collects the error of `result` (if any) under a new field name and returns its value.
    ///
    /// Used by parsers of whole documents so they report every bad field, not only the first.
    pub fn collect<T>(&mut self, field: &str, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(mut err) => {
                field.clone_into(&mut err.field);
                self.0.push(err);
                None
            }
        }
    }

    /// `Ok(())` when nothing was refused.
    pub fn into_result(self) -> Result<(), Self> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(err: FieldError) -> Self {
        Self(vec![err])
    }
}
