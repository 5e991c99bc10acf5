//! Consent templates and signed consents, the SPRAVATO REMS patient enrolment, and the
//! prescriber's eligibility decision.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::entries::{CheckContext, NAME_MAX, NOTE_MAX};
use super::{optional_text, required_text};
use crate::eligibility::{Basis, Decision, EligibilityResult, FindingKind, Modality};
use crate::error::{FieldError, ValidationErrors};
use crate::ids::{ChartEntryId, UserId};
use crate::record::Version;

/// Longest consent text.
pub const CONSENT_TEXT_MAX: usize = 50_000;
/// Longest drawn signature (SVG path data).
pub const SIGNATURE_MAX: usize = 60_000;

/// A clinic-written consent text for one modality. Editing it makes a new version; a signed
/// consent names the exact version and the SHA-256 of its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentTemplate {
    pub modality: Modality,
    pub title: String,
    pub text: String,
    /// Only active templates are offered for signing.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl ConsentTemplate {
    /// Checks title and text.
    pub fn check(mut self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        self.title = errors.collect("title", required_text("title", &self.title, NAME_MAX)).unwrap_or_default();
        self.text = errors.collect("text", required_text("text", &self.text, CONSENT_TEXT_MAX)).unwrap_or_default();
        errors.into_result().map(|()| self)
    }

    /// SHA-256 (hex) of the text the patient reads.
    pub fn text_sha256(&self) -> String {
        hex::encode(Sha256::digest(self.text.as_bytes()))
    }
}

/// A consent signed by the patient on a tablet, witnessed by the staff member holding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedConsent {
    pub template_id: ChartEntryId,
    pub template_version: Version,
    pub template_sha256: String,
    pub modality: Modality,
    pub title: String,
    /// The patient's name as they typed it.
    pub typed_name: String,
    /// SVG path data of the drawn signature, if one was drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_path: Option<String>,
    pub witness: UserId,
    pub witness_name: String,
    pub signed_at: Timestamp,
}

/// Checks a typed name and a drawn signature. The signature is SVG path data limited to
/// move/line commands and numbers, so it can be drawn back without any script or markup.
pub fn check_signature(typed_name: &str, path: Option<&str>) -> Result<(String, Option<String>), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let name = errors.collect("typed_name", required_text("typed_name", typed_name, NAME_MAX));
    let path = match path.map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) if p.len() > SIGNATURE_MAX => {
            errors.0.push(FieldError::new("signature_path", format!("must be at most {SIGNATURE_MAX} characters")));
            None
        }
        Some(p) if !p.chars().all(|c| matches!(c, 'M' | 'L' | 'm' | 'l' | '0'..='9' | '.' | ',' | ' ' | '-')) => {
            errors.0.push(FieldError::new("signature_path", "must be SVG path data of M and L commands"));
            None
        }
        Some(p) => Some(p.to_owned()),
    };
    errors.into_result()?;
    Ok((name.unwrap_or_default(), path))
}

/// The patient's enrolment in the SPRAVATO REMS: required before any esketamine session
/// (REFERENCE §2.5). The enrolment form is signed by the patient and the prescriber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemsEnrollment {
    pub enrolled_on: Date,
    pub patient_signed: bool,
    pub prescriber_signed: bool,
    pub prescriber: UserId,
    /// The REMS patient id, when the REMS issued one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rems_patient_id: Option<String>,
}

impl RemsEnrollment {
    /// Checks the enrolment: both signatures present and the date not in the future.
    pub fn check(mut self, ctx: &CheckContext) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !self.patient_signed {
            errors.0.push(FieldError::new("patient_signed", "the enrolment form must be signed by the patient (SPRAVATO REMS)"));
        }
        if !self.prescriber_signed {
            errors.0.push(FieldError::new("prescriber_signed", "the enrolment form must be signed by the prescriber (SPRAVATO REMS)"));
        }
        if self.enrolled_on > ctx.today {
            errors.0.push(FieldError::new("enrolled_on", "must not be in the future"));
        }
        self.rems_patient_id = errors.collect("rems_patient_id", optional_text("rems_patient_id", self.rems_patient_id.as_deref(), 60)).flatten();
        errors.into_result().map(|()| self)
    }
}

/// What the prescriber decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    /// A candidate for this modality.
    Approved,
    /// Not a candidate.
    Declined,
}

/// A finding the prescriber overrode, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub rule: String,
    pub reason: String,
}

/// The prescriber's decision for one modality, with the engine's result it was made against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EligibilityDecision {
    pub modality: Modality,
    pub evaluation_id: ChartEntryId,
    pub evaluation_version: Version,
    /// The engine's result for that evaluation version, kept as evidence.
    pub result: EligibilityResult,
    pub outcome: DecisionOutcome,
    #[serde(default)]
    pub overrides: Vec<Override>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub decided_by: UserId,
    pub decided_at: Timestamp,
}

impl EligibilityDecision {
    /// Checks that an approval overrides every blocking finding (contraindication, exclusion,
    /// missing) with a reason, that nothing else is "overridden", and that no label
    /// contraindication is overridden at all: the SPRAVATO label's contraindications are not
    /// the clinician's to waive (REFERENCE §3.1). A decline needs no overrides.
    pub fn check_overrides(
        modality: Modality,
        result: &EligibilityResult,
        outcome: DecisionOutcome,
        overrides: &[Override],
    ) -> Result<Vec<Override>, ValidationErrors> {
        let is_label = |rule: &str| crate::eligibility::rules::rule(rule).is_some_and(|r| r.cell(modality).basis == Basis::Label);
        let mut errors = ValidationErrors::default();
        let mut kept = Vec::new();
        for (i, o) in overrides.iter().enumerate() {
            let Some(finding) = result.findings.iter().find(|f| f.rule == o.rule) else {
                errors.0.push(FieldError::new(format!("overrides[{i}].rule"), format!("`{}` is not a finding of this check", o.rule)));
                continue;
            };
            if finding.kind == FindingKind::Caution {
                errors.0.push(FieldError::new(format!("overrides[{i}].rule"), format!("`{}` is a caution: it needs no override", o.rule)));
                continue;
            }
            if is_label(&finding.rule) && finding.kind == FindingKind::Contraindication {
                errors.0.push(FieldError::new(format!("overrides[{i}].rule"), format!("`{}` is a label contraindication and cannot be overridden", o.rule)));
                continue;
            }
            match required_text("reason", &o.reason, NOTE_MAX) {
                Ok(reason) => kept.push(Override { rule: o.rule.clone(), reason }),
                Err(e) => errors.0.push(FieldError::new(format!("overrides[{i}].reason"), e.message)),
            }
        }
        if outcome == DecisionOutcome::Approved && result.decision != Decision::Eligible && result.decision != Decision::EligibleWithCautions {
            for f in result.findings.iter().filter(|f| f.kind != FindingKind::Caution) {
                if is_label(&f.rule) && f.kind == FindingKind::Contraindication {
                    errors.0.push(FieldError::new("outcome", format!("`{}` is a label contraindication: approval is not possible", f.rule)));
                } else if !kept.iter().any(|o| o.rule == f.rule) && !overrides.iter().any(|o| o.rule == f.rule) {
                    errors.0.push(FieldError::new("overrides", format!("approving needs a reason to override `{}`", f.rule)));
                }
            }
        }
        errors.into_result().map(|()| kept)
    }
}
