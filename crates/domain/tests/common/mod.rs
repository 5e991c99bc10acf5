//! Fictional patients shared by the eligibility test binaries.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use ketaclinic_domain::eligibility::{AntidepressantTrial, EligibilityResult, Evaluation, Medication, Severity, TrialOutcome, Vitals};
use ketaclinic_domain::instruments::definition::RiskLevel;
use ketaclinic_domain::person::Sex;

/// An adherent trial.
pub fn trial(drug: &str, daily_dose_mg: f64, weeks: f64, outcome: TrialOutcome) -> AntidepressantTrial {
    AntidepressantTrial { drug: drug.to_owned(), daily_dose_mg, weeks, adherent: true, outcome }
}

pub fn med(name: &str) -> Medication {
    Medication { name: name.to_owned(), classes: vec![] }
}

pub fn vitals(systolic: u32, diastolic: u32) -> Option<Vitals> {
    Some(Vitals { systolic: Some(systolic), diastolic: Some(diastolic), heart_rate: Some(72) })
}

/// A 40-year-old man with recurrent severe MDD, two adequate failed trials in different
/// classes, normal vitals, nothing in the history: eligible for every modality.
pub fn base() -> Evaluation {
    Evaluation {
        age_years: Some(40),
        sex: Some(Sex::Male),
        pregnant: Some(false),
        breastfeeding: Some(false),
        primary_diagnosis: Some("F33.2".to_owned()),
        episode_duration_months: Some(18),
        severity: Some(Severity::Severe),
        antidepressant_trials: vec![
            trial("sertraline", 100.0, 8.0, TrialOutcome::NoResponse),
            trial("venlafaxine", 150.0, 10.0, TrialOutcome::PartialResponse),
        ],
        augmentation_used: false,
        ect_used: false,
        history: vec![],
        vitals: vitals(120, 80),
        medications: vec![],
        cssrs_risk: Some(RiskLevel::Low),
    }
}

/// `base()` changed by `f`.
pub fn with(f: impl FnOnce(&mut Evaluation)) -> Evaluation {
    let mut e = base();
    f(&mut e);
    e
}

/// `base()` with these history keys.
pub fn history(keys: &[&str]) -> Evaluation {
    with(|e| e.history = keys.iter().map(|k| (*k).to_owned()).collect())
}

/// The rule ids of the findings, in reported order.
pub fn ids(result: &EligibilityResult) -> Vec<&str> {
    result.findings.iter().map(|f| f.rule.as_str()).collect()
}
