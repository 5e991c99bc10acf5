//! The structured part of a pre-treatment evaluation: the `evaluation` document of
//! `POST /api/v1/eligibility/check` and what `POST /api/v1/patients/{id}/evaluations` stores.
//!
//! It is a wire document first: unknown fields are refused (`deny_unknown_fields`), every field
//! may be left out (absent = not yet known), and [`Evaluation::validate`] reports every
//! out-of-range value at once with its field path (`vitals.systolic`, `history[2]`,
//! `antidepressant_trials[0].weeks`) so the web edge can answer one 422 naming them all.
//! History condition keys are kept as strings on the wire — a stored evaluation must still
//! load if a key is ever retired — and checked against [`Condition`] by `validate`.
//!
//! Absent flags: `augmentation_used` and `ect_used` default to `false` (not used), the usual
//! reading of an unticked box; `pregnant` and `breastfeeding` keep `null` = unknown because an
//! unknown pregnancy is itself a finding.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, ValidationErrors};
use crate::instruments::definition::RiskLevel;
use crate::person::Sex;

/// Oldest plausible age in years; above is a typing error.
pub const AGE_MAX_YEARS: u32 = 130;
/// Longest plausible current episode, in months (80 years).
pub const EPISODE_MAX_MONTHS: u32 = 960;
/// Most list entries accepted per list (trials, medications, history).
pub const LIST_MAX: usize = 100;
/// Longest drug or medication name.
pub const DRUG_NAME_MAX_CHARS: usize = 100;
/// Largest plausible daily dose of any listed antidepressant, mg.
pub const DAILY_DOSE_MAX_MG: f64 = 5000.0;
/// Longest plausible trial, weeks (20 years).
pub const TRIAL_MAX_WEEKS: f64 = 1040.0;

/// Baseline severity of the current episode, as the Maudsley Staging Method rates it
/// (REFERENCE §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Subsyndromal,
    Mild,
    Moderate,
    Severe,
    SeverePsychotic,
}

/// How an antidepressant trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialOutcome {
    NoResponse,
    PartialResponse,
    Response,
    /// Stopped for side effects: not a failure of efficacy (REFERENCE §5.4, ATHF).
    NotTolerated,
}

impl TrialOutcome {
    /// No or partial response: a failure of efficacy.
    pub fn is_efficacy_failure(self) -> bool {
        matches!(self, Self::NoResponse | Self::PartialResponse)
    }
}

/// One antidepressant trial in the current episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AntidepressantTrial {
    /// Generic or brand name, looked up in the drug table.
    pub drug: String,
    pub daily_dose_mg: f64,
    pub weeks: f64,
    pub adherent: bool,
    pub outcome: TrialOutcome,
}

/// Vital signs at the evaluation (mmHg, beats per minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vitals {
    #[serde(default)]
    pub systolic: Option<u32>,
    #[serde(default)]
    pub diastolic: Option<u32>,
    #[serde(default)]
    pub heart_rate: Option<u32>,
}

/// A current medication with the classes staff tagged; the drug table adds the classes it
/// knows for the name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Medication {
    pub name: String,
    #[serde(default)]
    pub classes: Vec<super::DrugClass>,
}

/// A history condition the eligibility rules know (the `history` keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    AneurysmalVascularDisease,
    ArteriovenousMalformation,
    IntracerebralHemorrhage,
    HypersensitivityKetamine,
    Psychosis,
    Schizophrenia,
    CurrentMania,
    SubstanceUseDisorderActive,
    KetamineMisuse,
    UncontrolledHypertension,
    UnstableCardiacDisease,
    RaisedIntracranialPressure,
    BipolarDisorder,
    Glaucoma,
    SevereHepaticImpairment,
    SleepApneaUntreated,
    Dementia,
}

impl Condition {
    /// Every condition, in rule-table order.
    pub const ALL: [Self; 17] = [
        Self::AneurysmalVascularDisease,
        Self::ArteriovenousMalformation,
        Self::IntracerebralHemorrhage,
        Self::HypersensitivityKetamine,
        Self::Psychosis,
        Self::Schizophrenia,
        Self::CurrentMania,
        Self::SubstanceUseDisorderActive,
        Self::KetamineMisuse,
        Self::UncontrolledHypertension,
        Self::UnstableCardiacDisease,
        Self::RaisedIntracranialPressure,
        Self::BipolarDisorder,
        Self::Glaucoma,
        Self::SevereHepaticImpairment,
        Self::SleepApneaUntreated,
        Self::Dementia,
    ];

    /// The history key (also the rule id).
    pub const fn key(self) -> &'static str {
        match self {
            Self::AneurysmalVascularDisease => "aneurysmal_vascular_disease",
            Self::ArteriovenousMalformation => "arteriovenous_malformation",
            Self::IntracerebralHemorrhage => "intracerebral_hemorrhage",
            Self::HypersensitivityKetamine => "hypersensitivity_ketamine",
            Self::Psychosis => "psychosis",
            Self::Schizophrenia => "schizophrenia",
            Self::CurrentMania => "current_mania",
            Self::SubstanceUseDisorderActive => "substance_use_disorder_active",
            Self::KetamineMisuse => "ketamine_misuse",
            Self::UncontrolledHypertension => "uncontrolled_hypertension",
            Self::UnstableCardiacDisease => "unstable_cardiac_disease",
            Self::RaisedIntracranialPressure => "raised_intracranial_pressure",
            Self::BipolarDisorder => "bipolar_disorder",
            Self::Glaucoma => "glaucoma",
            Self::SevereHepaticImpairment => "severe_hepatic_impairment",
            Self::SleepApneaUntreated => "sleep_apnea_untreated",
            Self::Dementia => "dementia",
        }
    }

    /// Parses a history key (exact, lower case).
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// The structured evaluation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    #[serde(default)]
    pub age_years: Option<u32>,
    #[serde(default)]
    pub sex: Option<Sex>,
    /// `null` = unknown.
    #[serde(default)]
    pub pregnant: Option<bool>,
    /// `null` = unknown.
    #[serde(default)]
    pub breastfeeding: Option<bool>,
    /// ICD-10-CM code, e.g. `F33.2` (REFERENCE §8.3).
    #[serde(default)]
    pub primary_diagnosis: Option<String>,
    /// Length of the current episode in whole months.
    #[serde(default)]
    pub episode_duration_months: Option<u32>,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub antidepressant_trials: Vec<AntidepressantTrial>,
    #[serde(default)]
    pub augmentation_used: bool,
    #[serde(default)]
    pub ect_used: bool,
    /// Condition keys ([`Condition`]).
    #[serde(default)]
    pub history: Vec<String>,
    #[serde(default)]
    pub vitals: Option<Vitals>,
    #[serde(default)]
    pub medications: Vec<Medication>,
    /// Latest C-SSRS screener risk level.
    #[serde(default)]
    pub cssrs_risk: Option<RiskLevel>,
}

impl Evaluation {
    /// Every problem with the document, each with its field path; `Ok` when there is none.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = Vec::new();
        let mut problem = |field: String, message: &str| errors.push(FieldError::new(field, message));
        if self.age_years.is_some_and(|age| age > AGE_MAX_YEARS) {
            problem("age_years".into(), "must be at most 130");
        }
        if let Some(code) = &self.primary_diagnosis
            && !is_icd10cm_shape(code)
        {
            problem("primary_diagnosis".into(), "must be an ICD-10-CM code like F33.2 (letter, two characters, optional dot and 1-4 characters)");
        }
        if self.episode_duration_months.is_some_and(|m| m > EPISODE_MAX_MONTHS) {
            problem("episode_duration_months".into(), "must be at most 960 months");
        }
        for (list, len) in
            [("antidepressant_trials", self.antidepressant_trials.len()), ("history", self.history.len()), ("medications", self.medications.len())]
        {
            if len > LIST_MAX {
                problem(list.into(), "must have at most 100 entries");
            }
        }
        for (i, trial) in self.antidepressant_trials.iter().enumerate() {
            if !is_name(&trial.drug) {
                problem(format!("antidepressant_trials[{i}].drug"), "must be a drug name of 1-100 characters");
            }
            if !(trial.daily_dose_mg > 0.0 && trial.daily_dose_mg <= DAILY_DOSE_MAX_MG) {
                problem(format!("antidepressant_trials[{i}].daily_dose_mg"), "must be more than 0 and at most 5000 mg");
            }
            if !(trial.weeks >= 0.0 && trial.weeks <= TRIAL_MAX_WEEKS) {
                problem(format!("antidepressant_trials[{i}].weeks"), "must be between 0 and 1040 weeks");
            }
        }
        for (i, key) in self.history.iter().enumerate() {
            if Condition::parse(key).is_none() {
                problem(format!("history[{i}]"), "is not a known condition key");
            }
        }
        for (i, med) in self.medications.iter().enumerate() {
            if !is_name(&med.name) {
                problem(format!("medications[{i}].name"), "must be a medication name of 1-100 characters");
            }
        }
        if let Some(v) = &self.vitals {
            if v.systolic.is_some_and(|s| !(50..=300).contains(&s)) {
                problem("vitals.systolic".into(), "must be between 50 and 300 mmHg");
            }
            if v.diastolic.is_some_and(|d| !(20..=200).contains(&d)) {
                problem("vitals.diastolic".into(), "must be between 20 and 200 mmHg");
            }
            if let (Some(s), Some(d)) = (v.systolic, v.diastolic)
                && d >= s
            {
                problem("vitals.diastolic".into(), "must be lower than the systolic pressure");
            }
            if v.heart_rate.is_some_and(|hr| !(20..=300).contains(&hr)) {
                problem("vitals.heart_rate".into(), "must be between 20 and 300 beats per minute");
            }
        }
        ValidationErrors(errors).into_result()
    }

    /// The known history conditions (unknown keys are skipped; `validate` reports them).
    pub fn conditions(&self) -> impl Iterator<Item = Condition> + '_ {
        self.history.iter().filter_map(|key| Condition::parse(key))
    }

    /// Whether the history lists `condition`.
    pub fn has(&self, condition: Condition) -> bool {
        self.conditions().any(|c| c == condition)
    }

    /// Primary diagnosis is major depressive disorder: an F32.x or F33.x code (REFERENCE §8.3
    /// lists all of F32.0–F32.A and F33.0–F33.9 under MDD), compared case-insensitively.
    pub fn has_mdd_diagnosis(&self) -> bool {
        self.primary_diagnosis.as_deref().map(|code| code.trim().to_ascii_uppercase()).is_some_and(|code| code.starts_with("F32") || code.starts_with("F33"))
    }
}

fn is_name(raw: &str) -> bool {
    let trimmed = raw.trim();
    !trimmed.is_empty() && trimmed.chars().count() <= DRUG_NAME_MAX_CHARS && !trimmed.chars().any(char::is_control)
}

/// ICD-10-CM shape: a letter, a digit, a letter or digit (categories such as C4A exist), then
/// optionally a dot and 1–4 letters or digits. Case-insensitive; the code list itself is not
/// checked.
pub fn is_icd10cm_shape(raw: &str) -> bool {
    let code = raw.trim();
    let (category, subcategory) = code.split_once('.').map_or((code, None), |(c, s)| (c, Some(s)));
    let chars: Vec<char> = category.chars().collect();
    let category_ok = matches!(chars.as_slice(), [a, b, c] if a.is_ascii_alphabetic() && b.is_ascii_digit() && c.is_ascii_alphanumeric());
    let subcategory_ok = subcategory.is_none_or(|s| (1..=4).contains(&s.len()) && s.chars().all(|ch| ch.is_ascii_alphanumeric()));
    category_ok && subcategory_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_keys_parse_back_and_match_serde() {
        for condition in Condition::ALL {
            assert_eq!(Condition::parse(condition.key()), Some(condition));
            assert_eq!(serde_json::to_value(condition).ok(), Some(serde_json::Value::String(condition.key().to_owned())));
        }
        assert_eq!(Condition::parse("Psychosis"), None);
    }
}
