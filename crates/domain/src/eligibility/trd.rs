//! Treatment-resistant depression (REFERENCE §5.1): per-trial adequacy, the TRD verdict, and
//! the two stagings (`staging.rs`). Serialised as the `trd` field of the eligibility answer.
//!
//! A trial is **adequate** when the daily dose reaches the drug's minimum adequate dose (drug
//! table), it lasted at least [`TrdPolicy::min_weeks`] and the patient was adherent; it has
//! **failed** when it is adequate and the outcome was no or partial response. `not_tolerated`
//! is not a failure of efficacy. A drug the table does not know, or knows without a minimum
//! dose, makes the trial unassessable, and the assessment lists it with the reason.
//!
//! **TRD** needs adequate failures of at least [`TrdPolicy::min_failed_trials`] *different*
//! antidepressants — REFERENCE §5.1 counts antidepressants ("≥ 2 antidepressants"; EMA "≥ 2
//! different antidepressants"), so a second failed trial of the same drug does not add one.
//!
//! **MSM failures** are counted differently on purpose: the MSM rates its own treatment
//! inventory, not our dose table, so it counts distinct medications whose trial ended in no or
//! partial response, whether or not the trial met our adequacy thresholds and whether or not
//! the drug is in the table (the outcome is what the MSM asks about).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::DrugClass;
use super::drugs::{DrugTable, normalise};
use super::evaluation::{AntidepressantTrial, Evaluation, TrialOutcome};
use super::staging::{MaudsleyAssessment, maudsley, thase_rush};

/// The clinic's TRD thresholds (defaults from REFERENCE §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrdPolicy {
    /// Shortest adequate trial, weeks (6: the SPRAVATO programme's ≥ 6 weeks).
    pub min_weeks: u32,
    /// Different antidepressants that must have failed adequately (2).
    pub min_failed_trials: u32,
}

impl Default for TrdPolicy {
    fn default() -> Self {
        Self { min_weeks: 6, min_failed_trials: 2 }
    }
}

/// What one trial shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialVerdict {
    /// Adequate, no or partial response.
    Failed,
    /// Adequate, response.
    Responded,
    /// Stopped for side effects; never a failure of efficacy, adequate or not.
    NotTolerated,
    /// Dose, duration or adherence fell short (see `reasons`).
    Inadequate,
    /// The drug table cannot judge this drug (see `reasons`).
    Unassessable,
}

/// The verdict on one trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialAssessment {
    /// Position in `antidepressant_trials`.
    pub index: usize,
    /// The name as entered.
    pub drug: String,
    /// The generic name it was matched to.
    pub matched_drug: Option<String>,
    pub class: Option<DrugClass>,
    pub min_adequate_daily_dose_mg: Option<f64>,
    /// `None` when unassessable.
    pub adequate: Option<bool>,
    pub verdict: TrialVerdict,
    /// Why the trial is inadequate or unassessable, in words.
    pub reasons: Vec<String>,
}

/// A trial that could not be assessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnassessableTrial {
    pub index: usize,
    pub drug: String,
    pub reason: String,
}

/// The `trd` field of the eligibility answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrdAssessment {
    pub is_trd: bool,
    /// Trials with verdict `failed`.
    pub adequate_failed_trials: u32,
    /// Different antidepressants among them (what `is_trd` counts).
    pub adequate_failed_drugs: u32,
    pub trials: Vec<TrialAssessment>,
    pub unassessable: Vec<UnassessableTrial>,
    pub maudsley: MaudsleyAssessment,
    /// Thase–Rush stage 0–5; `null` when no adequate trial was completed.
    pub thase_rush_stage: Option<u8>,
    /// How the stage (or its absence) was reached.
    pub thase_rush_reason: String,
}

/// Judges one trial against the drug table and policy.
pub fn assess_trial(index: usize, trial: &AntidepressantTrial, drugs: &DrugTable, policy: &TrdPolicy) -> TrialAssessment {
    let entry = drugs.lookup(&trial.drug);
    let mut out = TrialAssessment {
        index,
        drug: trial.drug.clone(),
        matched_drug: entry.map(|e| e.name.clone()),
        class: entry.and_then(|e| e.antidepressant_class()),
        min_adequate_daily_dose_mg: entry.and_then(|e| e.min_adequate_dose.as_ref()).map(|d| d.daily_mg),
        adequate: None,
        verdict: TrialVerdict::Unassessable,
        reasons: Vec::new(),
    };
    let Some(entry) = entry else {
        out.reasons.push(format!("`{}` is not in the drug table", trial.drug.trim()));
        return out;
    };
    if out.class.is_none() {
        out.reasons.push(format!("`{}` is not an antidepressant in the drug table", entry.name));
        return out;
    }
    let Some(min_mg) = out.min_adequate_daily_dose_mg else {
        out.reasons.push(format!("the drug table has no minimum adequate dose for `{}`", entry.name));
        return out;
    };
    if trial.daily_dose_mg < min_mg {
        out.reasons.push(format!("{} mg/day is below the minimum adequate dose of {} mg/day for {}", trial.daily_dose_mg, min_mg, entry.name));
    }
    if trial.weeks < f64::from(policy.min_weeks) {
        out.reasons.push(format!("{} weeks is shorter than the {} weeks an adequate trial needs", trial.weeks, policy.min_weeks));
    }
    if !trial.adherent {
        out.reasons.push("the patient was not adherent".to_owned());
    }
    let adequate = out.reasons.is_empty();
    out.adequate = Some(adequate);
    out.verdict = match (trial.outcome, adequate) {
        (TrialOutcome::NotTolerated, _) => TrialVerdict::NotTolerated,
        (_, false) => TrialVerdict::Inadequate,
        (TrialOutcome::Response, true) => TrialVerdict::Responded,
        (TrialOutcome::NoResponse | TrialOutcome::PartialResponse, true) => TrialVerdict::Failed,
    };
    out
}

/// Assesses treatment resistance and stages it.
pub fn assess(evaluation: &Evaluation, drugs: &DrugTable, policy: &TrdPolicy) -> TrdAssessment {
    let trials: Vec<TrialAssessment> = evaluation.antidepressant_trials.iter().enumerate().map(|(i, t)| assess_trial(i, t, drugs, policy)).collect();
    let failed: Vec<&TrialAssessment> = trials.iter().filter(|t| t.verdict == TrialVerdict::Failed).collect();
    let failed_drugs: BTreeSet<&str> = failed.iter().filter_map(|t| t.matched_drug.as_deref()).collect();
    let adequate_failed_drugs = count(failed_drugs.len());
    let failed_classes: Vec<DrugClass> = failed.iter().filter_map(|t| t.class).collect();
    let responded = trials.iter().any(|t| t.verdict == TrialVerdict::Responded);
    let staging = thase_rush(&failed_classes, responded, evaluation.ect_used);

    let msm_failed: BTreeSet<String> = evaluation
        .antidepressant_trials
        .iter()
        .zip(&trials)
        .filter(|(trial, _)| trial.outcome.is_efficacy_failure())
        .map(|(trial, assessed)| assessed.matched_drug.clone().unwrap_or_else(|| normalise(&trial.drug)))
        .collect();
    let msm = maudsley(evaluation.episode_duration_months, evaluation.severity, count(msm_failed.len()), evaluation.augmentation_used, evaluation.ect_used);

    TrdAssessment {
        is_trd: adequate_failed_drugs >= policy.min_failed_trials,
        adequate_failed_trials: count(failed.len()),
        adequate_failed_drugs,
        unassessable: trials
            .iter()
            .filter(|t| t.verdict == TrialVerdict::Unassessable)
            .map(|t| UnassessableTrial { index: t.index, drug: t.drug.clone(), reason: t.reasons.join("; ") })
            .collect(),
        trials,
        maudsley: msm,
        thase_rush_stage: staging.stage,
        thase_rush_reason: staging.reason,
    }
}

/// List lengths are capped by validation (100), so this never saturates in practice.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
