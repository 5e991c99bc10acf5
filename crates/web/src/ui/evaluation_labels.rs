//! The words people read for the evaluation and eligibility codes: conditions, drug classes,
//! severities, trial outcomes, risk levels, modalities, decisions, finding kinds and verdicts.
//! The wire names stay the form values; only the labels are here.

use ketaclinic_domain::eligibility::{Condition, Decision, DrugClass, Evaluation, FindingKind, Modality, Severity, TrialOutcome, TrialVerdict};
use ketaclinic_domain::instruments::RiskLevel;

use super::patients::sex_label;

/// A history condition, as the form's checkbox says it.
pub(crate) fn condition(c: Condition) -> &'static str {
    match c {
        Condition::AneurysmalVascularDisease => "Aneurysmal vascular disease (aorta, intracranial or peripheral arteries)",
        Condition::ArteriovenousMalformation => "Arteriovenous malformation",
        Condition::IntracerebralHemorrhage => "Intracerebral hemorrhage, ever",
        Condition::HypersensitivityKetamine => "Hypersensitivity to esketamine or ketamine",
        Condition::Psychosis => "Psychosis, ever",
        Condition::Schizophrenia => "Schizophrenia-spectrum illness",
        Condition::CurrentMania => "Current mania",
        Condition::SubstanceUseDisorderActive => "Active substance use disorder",
        Condition::KetamineMisuse => "Ketamine misuse, ever",
        Condition::UncontrolledHypertension => "Uncontrolled hypertension",
        Condition::UnstableCardiacDisease => "Unstable cardiac disease",
        Condition::RaisedIntracranialPressure => "Raised intracranial pressure",
        Condition::BipolarDisorder => "Bipolar disorder",
        Condition::Glaucoma => "Glaucoma",
        Condition::SevereHepaticImpairment => "Severe hepatic impairment",
        Condition::SleepApneaUntreated => "Untreated sleep apnea",
        Condition::Dementia => "Dementia or significant cognitive disorder",
    }
}

/// A drug class.
pub(crate) fn drug_class(c: DrugClass) -> &'static str {
    match c {
        DrugClass::Benzodiazepine => "Benzodiazepine",
        DrugClass::SedativeHypnotic => "Sedative hypnotic (non-benzo)",
        DrugClass::Opioid => "Opioid",
        DrugClass::Psychostimulant => "Psychostimulant",
        DrugClass::Maoi => "MAOI",
        DrugClass::Lamotrigine => "Lamotrigine",
        DrugClass::Ssri => "SSRI",
        DrugClass::Snri => "SNRI",
        DrugClass::Tca => "TCA",
        DrugClass::OtherAntidepressant => "Other antidepressant",
    }
}

/// Severity of the episode (Maudsley points in brackets).
pub(crate) const SEVERITIES: [(Severity, &str, &str); 5] = [
    (Severity::Subsyndromal, "subsyndromal", "Subsyndromal"),
    (Severity::Mild, "mild", "Mild"),
    (Severity::Moderate, "moderate", "Moderate"),
    (Severity::Severe, "severe", "Severe without psychosis"),
    (Severity::SeverePsychotic, "severe_psychotic", "Severe with psychosis"),
];

/// How a trial ended.
pub(crate) const OUTCOMES: [(TrialOutcome, &str, &str); 4] = [
    (TrialOutcome::NoResponse, "no_response", "No response"),
    (TrialOutcome::PartialResponse, "partial_response", "Partial response"),
    (TrialOutcome::Response, "response", "Response"),
    (TrialOutcome::NotTolerated, "not_tolerated", "Stopped: not tolerated"),
];

/// C-SSRS screener risk levels.
pub(crate) const RISKS: [(RiskLevel, &str, &str); 4] = [
    (RiskLevel::None, "none", "No risk identified"),
    (RiskLevel::Low, "low", "Low"),
    (RiskLevel::Moderate, "moderate", "Moderate"),
    (RiskLevel::High, "high", "High"),
];

pub(crate) fn severity(s: Severity) -> &'static str {
    SEVERITIES.iter().find(|(v, _, _)| *v == s).map_or("", |(_, _, l)| l)
}

pub(crate) fn outcome(o: TrialOutcome) -> &'static str {
    OUTCOMES.iter().find(|(v, _, _)| *v == o).map_or("", |(_, _, l)| l)
}

pub(crate) fn risk(r: RiskLevel) -> &'static str {
    RISKS.iter().find(|(v, _, _)| *v == r).map_or("", |(_, _, l)| l)
}

/// A treatment modality.
pub(crate) fn modality(m: Modality) -> &'static str {
    match m {
        Modality::IvKetamine => "IV ketamine",
        Modality::ImKetamine => "IM ketamine",
        Modality::EsketamineNasal => "Esketamine nasal spray",
    }
}

/// How the engine's decision is shown: never by colour alone — a word, an icon and a class.
#[derive(Debug, Clone)]
pub(crate) struct DecisionBadge {
    /// `eligible`, `eligible_with_cautions`, `not_eligible`, `incomplete` (the CSS modifier).
    pub key: &'static str,
    pub label: &'static str,
    /// A glyph drawn with the word (hidden from screen readers).
    pub icon: &'static str,
    pub explain: &'static str,
}

pub(crate) fn decision(d: Decision) -> DecisionBadge {
    let (key, label, icon, explain) = match d {
        Decision::Eligible => ("eligible", "Eligible", "✓", "No finding stands in the way."),
        Decision::EligibleWithCautions => {
            ("eligible_with_cautions", "Eligible with cautions", "!", "Treatment is possible; document how each caution is handled.")
        }
        Decision::NotEligible => {
            ("not_eligible", "Not eligible", "✕", "A contraindication or exclusion applies. Only an override with a written reason can approve.")
        }
        Decision::Incomplete => ("incomplete", "Incomplete", "?", "Information needed for a decision is missing."),
    };
    DecisionBadge { key, label, icon, explain }
}

/// A finding kind.
pub(crate) fn kind(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Contraindication => "Contraindication",
        FindingKind::Exclusion => "Exclusion",
        FindingKind::Caution => "Caution",
        FindingKind::Missing => "Missing information",
    }
}

/// A trial verdict of the TRD assessment.
pub(crate) fn verdict(v: TrialVerdict) -> &'static str {
    match v {
        TrialVerdict::Failed => "Adequate, failed",
        TrialVerdict::Responded => "Adequate, responded",
        TrialVerdict::NotTolerated => "Not tolerated",
        TrialVerdict::Inadequate => "Not adequate",
        TrialVerdict::Unassessable => "Cannot be assessed",
    }
}

/// `1` → `I` … `5` → `V` (Thase–Rush stages).
pub(crate) fn roman(stage: u8) -> &'static str {
    match stage {
        0 => "0",
        1 => "I",
        2 => "II",
        3 => "III",
        4 => "IV",
        5 => "V",
        _ => "?",
    }
}

fn or_unknown(v: Option<String>) -> String {
    v.unwrap_or_else(|| "Not recorded".to_owned())
}

/// The evaluation's facts as the read-only page lists them, `Not recorded` when unknown.
pub(crate) fn facts(d: &Evaluation) -> Vec<(&'static str, String)> {
    let yes_no = |b: Option<bool>| or_unknown(b.map(|b| if b { "Yes" } else { "No" }.to_owned()));
    let vitals = d.vitals.unwrap_or_default();
    let bp = match (vitals.systolic, vitals.diastolic) {
        (Some(s), Some(dia)) => Some(format!("{s}/{dia} mmHg")),
        (Some(s), None) => Some(format!("{s}/? mmHg")),
        (None, Some(dia)) => Some(format!("?/{dia} mmHg")),
        (None, None) => None,
    };
    vec![
        ("Age", or_unknown(d.age_years.map(|a| format!("{a} years")))),
        ("Sex", or_unknown(d.sex.map(|s| sex_label(s).to_owned()))),
        ("Pregnant", yes_no(d.pregnant)),
        ("Breastfeeding", yes_no(d.breastfeeding)),
        ("Primary diagnosis", or_unknown(d.primary_diagnosis.clone())),
        ("Current episode", or_unknown(d.episode_duration_months.map(|m| format!("{m} months")))),
        ("Severity", or_unknown(d.severity.map(|s| severity(s).to_owned()))),
        ("Augmentation in this episode", if d.augmentation_used { "Yes" } else { "No" }.to_owned()),
        ("ECT in this episode", if d.ect_used { "Yes" } else { "No" }.to_owned()),
        ("Blood pressure", or_unknown(bp)),
        ("Heart rate", or_unknown(vitals.heart_rate.map(|h| format!("{h} beats/min")))),
        ("C-SSRS screener risk", or_unknown(d.cssrs_risk.map(|r| risk(r).to_owned()))),
    ]
}
