//! The psychiatric and medical evaluation: a structured document (the one the eligibility
//! engine reads) plus free text, signed by a prescriber.
//!
//! Signing locks a version: once signed, the only way to change the evaluation is an
//! amendment, which is a new version with a reason that must be signed again. The signed
//! version stays in the history, so what a decision was based on can always be shown.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::entries::NOTE_MAX;
use super::optional_text;
use crate::eligibility::Evaluation;
use crate::error::{FieldError, ValidationErrors};
use crate::ids::UserId;

/// Longest free-text section of an evaluation.
pub const EVALUATION_NOTE_MAX: usize = 20_000;

/// Who signed and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub by: UserId,
    /// The signer's display name at the time (names of accounts can change later).
    pub by_name: String,
    pub at: Timestamp,
}

/// One version of an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationRecord {
    /// The structured part (`POST /api/v1/eligibility/check`'s `evaluation`).
    pub document: Evaluation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psychiatric_notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_notes: Option<String>,
    /// `None` while a draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Signature>,
}

impl EvaluationRecord {
    /// A draft with checked notes; the document is validated by its own rules.
    pub fn draft(document: Evaluation, psychiatric_notes: Option<&str>, medical_notes: Option<&str>) -> Result<Self, ValidationErrors> {
        let mut errors = match document.validate() {
            Ok(()) => ValidationErrors::default(),
            Err(e) => ValidationErrors(e.0.into_iter().map(|f| FieldError::new(format!("evaluation.{}", f.field), f.message)).collect()),
        };
        let psychiatric_notes = errors.collect("psychiatric_notes", optional_text("psychiatric_notes", psychiatric_notes, EVALUATION_NOTE_MAX)).flatten();
        let medical_notes = errors.collect("medical_notes", optional_text("medical_notes", medical_notes, EVALUATION_NOTE_MAX)).flatten();
        errors.into_result()?;
        Ok(Self { document, psychiatric_notes, medical_notes, signed: None })
    }

    /// Whether this version is signed (and therefore locked).
    pub fn is_signed(&self) -> bool {
        self.signed.is_some()
    }
}

/// Longest note on a decision or an override.
pub const DECISION_NOTE_MAX: usize = NOTE_MAX;
