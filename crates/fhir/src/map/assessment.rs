//! A scored assessment as Observations: the total (LOINC where REFERENCE §9.2 verifies one —
//! PHQ-9 44261-6, GAD-7 70274-6 — else a local code) and, for the C-SSRS, the risk level
//! (93374-7). Both are `derivedFrom` the QuestionnaireResponse the answers are kept in, whose id
//! is the assessment's. An assessment marked entered in error keeps its Observations with status
//! `entered-in-error`, as FHIR expects, rather than vanishing.

use ketaclinic_domain::assessment::Assessment;
use ketaclinic_domain::instruments;
use ketaclinic_domain::instruments::definition::RiskLevel;

use crate::ServerBase;
use crate::codes::LOINC;
use crate::resources::Observation;
use crate::types::{CodeableConcept, Coding, Reference};

/// The local code system of instrument scores that have no verified LOINC code.
pub const SCORE_SYSTEM: &str = "instrument-score";
/// The local code system of C-SSRS risk levels.
pub const RISK_SYSTEM: &str = "cssrs-risk-level";

/// Which score Observation of an assessment (part of its id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScorePart {
    Total,
    RiskLevel,
}

impl ScorePart {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::RiskLevel => "risk",
        }
    }
}

fn risk(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::None => "none",
        RiskLevel::Low => "low",
        RiskLevel::Moderate => "moderate",
        RiskLevel::High => "high",
    }
}

/// The score Observations of an assessment, each with its part (no ids: the caller gives them).
pub fn score_observations(a: &Assessment, entered_in_error: bool, base: &ServerBase) -> Vec<(ScorePart, Observation)> {
    let definition = instruments::get(&a.instrument);
    let name = definition.map_or(a.instrument.as_str(), |d| d.name);
    let base_obs = || Observation {
        status: if entered_in_error { "entered-in-error" } else { "final" }.to_owned(),
        category: vec![CodeableConcept::of(vec![Coding::new(crate::codes::OBSERVATION_CATEGORY, "survey", "Survey")], "Survey")],
        subject: Some(Reference::to("Patient", a.patient_id)),
        encounter: a.session_id.map(|s| Reference::to("Encounter", s)),
        effective_date_time: Some(super::instant(a.administered_at)),
        issued: Some(super::instant(a.recorded_at)),
        derived_from: vec![Reference::to("QuestionnaireResponse", super::owned_id(a.patient_id.0, a.id.0))],
        ..Observation::default()
    };
    let mut out = Vec::new();
    if let Some(total) = a.score.total {
        let coding = match definition.and_then(|d| d.codes.total) {
            Some(loinc) => Coding::new(LOINC, loinc.as_str(), ""),
            None => Coding::new(&base.code_system(SCORE_SYSTEM), &format!("{}-total", a.instrument), ""),
        };
        let code = CodeableConcept::of(vec![coding], &format!("{name} total score"));
        out.push((ScorePart::Total, Observation { code, value_integer: Some(i64::from(total)), ..base_obs() }));
    }
    if let Some(level) = a.score.risk_level {
        let coding = match definition.and_then(|d| d.codes.risk_level) {
            Some(loinc) => Coding::new(LOINC, loinc.as_str(), ""),
            None => Coding::new(&base.code_system(SCORE_SYSTEM), &format!("{}-risk", a.instrument), ""),
        };
        let value = CodeableConcept::of(vec![Coding::new(&base.code_system(RISK_SYSTEM), risk(level), "")], risk(level));
        out.push((
            ScorePart::RiskLevel,
            Observation { code: CodeableConcept::of(vec![coding], &format!("{name} risk level")), value_codeable_concept: Some(value), ..base_obs() },
        ));
    }
    out
}
