//! The eligibility engine: runs every rule of the table against an evaluation for one
//! modality and returns every finding, the decision and the TRD assessment.
//!
//! Decision (issue 3): any contraindication or exclusion → `not_eligible`; else any missing →
//! `incomplete`; else any caution → `eligible_with_cautions`; else `eligible`. The decision is
//! decision support — the prescriber records their own, with a reason per overridden finding.
//!
//! Choices where the table is silent, written down here so they can be reviewed:
//! - A medication's classes are the union of the classes staff tagged and the classes the drug
//!   table knows for its name, so an untagged "Xanax" still raises `med_benzodiazepine`.
//! - `not_trd` fires whenever trials are listed and TRD is not established — also when some or
//!   all trials could not be assessed (unknown drug): "not established" is what blocks, and the
//!   `trd.unassessable` list tells staff what to fix. With no trials, only `trials_missing`
//!   fires. For esketamine it does not fire for MDD (F32.x/F33.x) with C-SSRS risk moderate or
//!   high, the MDSI indication (REFERENCE §2.1).
//! - Age unknown: `under_18` cannot fire, and `pregnancy_unknown` needs a known age of 12–55
//!   and sex female; the table has no rule for a missing age or sex, and none is invented.
//! - `vitals_missing` fires unless systolic, diastolic and heart rate are all recorded
//!   (REFERENCE §3.5: BP and HR at screening). A BP rule still fires on the value it has.
//! - If a clinic turns `bp_severe` off for a modality, `bp_elevated` covers every BP above
//!   140/90, so a very high BP never passes silently.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::drugs::DrugTable;
use super::evaluation::Evaluation;
use super::policy::EligibilityPolicy;
use super::rules::{FindingKind, RULES, RuleDefinition, Trigger, rule};
use super::trd::{TrdAssessment, TrdPolicy, assess};
use super::{DrugClass, Modality};
use crate::error::ValidationErrors;
use crate::instruments::definition::RiskLevel;
use crate::person::Sex;

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Eligible,
    EligibleWithCautions,
    NotEligible,
    Incomplete,
}

impl Decision {
    /// The decision the kinds of the findings imply.
    pub fn from_kinds(kinds: impl IntoIterator<Item = FindingKind>) -> Self {
        let kinds: BTreeSet<FindingKind> = kinds.into_iter().collect();
        if kinds.iter().any(|k| k.blocks()) {
            Self::NotEligible
        } else if kinds.contains(&FindingKind::Missing) {
            Self::Incomplete
        } else if kinds.contains(&FindingKind::Caution) {
            Self::EligibleWithCautions
        } else {
            Self::Eligible
        }
    }
}

/// One fired rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub kind: FindingKind,
    pub message: String,
    pub source: String,
}

/// The answer of `POST /api/v1/eligibility/check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EligibilityResult {
    pub decision: Decision,
    /// Every fired rule, in rule-table order.
    pub findings: Vec<Finding>,
    pub trd: TrdAssessment,
}

/// Everything of the clinic's protocol the engine reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Protocol {
    pub drugs: DrugTable,
    pub trd: TrdPolicy,
    pub rules: EligibilityPolicy,
}

/// Checks eligibility; an evaluation that fails [`Evaluation::validate`] is refused with every
/// problem, never judged.
pub fn check(modality: Modality, evaluation: &Evaluation, protocol: &Protocol) -> Result<EligibilityResult, ValidationErrors> {
    evaluation.validate()?;
    let trd = assess(evaluation, &protocol.drugs, &protocol.trd);
    let medication_classes = medication_classes(evaluation, &protocol.drugs);
    let bp_severe_on = rule("bp_severe").and_then(|r| protocol.rules.kind(r, modality)).is_some();
    let facts = Facts { modality, evaluation, trd: &trd, medication_classes: &medication_classes, bp_severe_on };
    let findings: Vec<Finding> = RULES
        .iter()
        .filter(|r| facts.fires(r.trigger))
        .filter_map(|r| {
            let kind = protocol.rules.kind(r, modality)?;
            Some(Finding { rule: r.rule.to_owned(), kind, message: r.message.to_owned(), source: source(r, modality, &protocol.rules) })
        })
        .collect();
    Ok(EligibilityResult { decision: Decision::from_kinds(findings.iter().map(|f| f.kind)), findings, trd })
}

/// The finding's source: the table's, or — when the clinic changed the rule — that the kind is
/// the clinic's, with the table default it replaced, so the reader never sees an "exclude"
/// source on a finding the clinic made a caution.
fn source(rule: &RuleDefinition, modality: Modality, policy: &EligibilityPolicy) -> String {
    let cell = rule.cell(modality);
    if policy.is_changed(rule, modality) {
        let default = cell.kind.map_or("not applicable", FindingKind::as_str);
        format!("Clinic protocol (table default: {default}; {})", cell.source)
    } else {
        cell.source.to_owned()
    }
}

/// The classes of all current medications: tagged classes plus the drug table's.
pub fn medication_classes(evaluation: &Evaluation, drugs: &DrugTable) -> BTreeSet<DrugClass> {
    evaluation.medications.iter().flat_map(|m| m.classes.iter().copied().chain(drugs.lookup(&m.name).map(|e| e.classes.clone()).unwrap_or_default())).collect()
}

struct Facts<'a> {
    modality: Modality,
    evaluation: &'a Evaluation,
    trd: &'a TrdAssessment,
    medication_classes: &'a BTreeSet<DrugClass>,
    bp_severe_on: bool,
}

impl Facts<'_> {
    fn fires(&self, trigger: Trigger) -> bool {
        let e = self.evaluation;
        let bp = e.vitals.unwrap_or_default();
        let above = |sys: u32, dia: u32| bp.systolic.is_some_and(|s| s > sys) || bp.diastolic.is_some_and(|d| d > dia);
        match trigger {
            Trigger::History(condition) => e.has(condition),
            Trigger::Pregnant => e.pregnant == Some(true),
            Trigger::Breastfeeding => e.breastfeeding == Some(true),
            Trigger::BpSevere => above(160, 100),
            Trigger::BpElevated => above(140, 90) && (!above(160, 100) || !self.bp_severe_on),
            Trigger::Medication(class) => self.medication_classes.contains(&class),
            Trigger::NotTrd => {
                let mdsi_exception = self.modality.is_esketamine() && is_mdsi(e);
                !e.antidepressant_trials.is_empty() && !self.trd.is_trd && !mdsi_exception
            }
            Trigger::PregnancyUnknown => e.pregnant.is_none() && e.sex == Some(Sex::Female) && e.age_years.is_some_and(|a| (12..=55).contains(&a)),
            Trigger::VitalsMissing => e.vitals.is_none_or(|v| v.systolic.is_none() || v.diastolic.is_none() || v.heart_rate.is_none()),
            Trigger::TrialsMissing => e.antidepressant_trials.is_empty(),
            Trigger::Under18 => e.age_years.is_some_and(|a| a < 18),
        }
    }
}

/// The SPRAVATO MDSI indication as far as the evaluation can tell: MDD with C-SSRS risk
/// moderate or high (REFERENCE §2.1). The label pairs it with an oral antidepressant, which the
/// prescriber confirms; the evaluation does not record it.
pub fn is_mdsi(evaluation: &Evaluation) -> bool {
    evaluation.has_mdd_diagnosis() && evaluation.cssrs_risk.is_some_and(|r| r >= RiskLevel::Moderate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use FindingKind::{Caution, Contraindication, Exclusion, Missing};

    #[test]
    fn decision_precedence() {
        assert_eq!(Decision::from_kinds([]), Decision::Eligible);
        assert_eq!(Decision::from_kinds([Caution]), Decision::EligibleWithCautions);
        assert_eq!(Decision::from_kinds([Caution, Missing]), Decision::Incomplete);
        assert_eq!(Decision::from_kinds([Missing, Exclusion, Caution]), Decision::NotEligible);
        assert_eq!(Decision::from_kinds([Contraindication]), Decision::NotEligible);
    }

    #[test]
    fn a_changed_rule_says_the_kind_is_the_clinics() {
        let mut rules = EligibilityPolicy::default();
        assert!(rules.set("psychosis", Modality::IvKetamine, Some(Caution)).is_ok());
        let protocol = Protocol { rules, ..Protocol::default() };
        let evaluation = Evaluation { history: vec!["psychosis".to_owned()], ..Evaluation::default() };
        let result = check(Modality::IvKetamine, &evaluation, &protocol);
        let finding = result.ok().and_then(|r| r.findings.into_iter().find(|f| f.rule == "psychosis"));
        assert!(finding.is_some_and(|f| f.kind == Caution && f.source.starts_with("Clinic protocol (table default: exclusion; ")));
    }
}
