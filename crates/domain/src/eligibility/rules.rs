//! The eligibility rules as data: one row per rule, with the finding's kind for esketamine and
//! for racemic ketamine, whether that kind comes from a product label or from clinic policy,
//! and the source in REFERENCE.
//!
//! The table is the rule table, row for row, in the order findings are reported.
//! `basis: label` marks a kind that a label states — SPRAVATO's contraindications, warnings,
//! indication and pediatric limit (REFERENCE §2.1, §3.1, §4.2), Ketalar's contraindications
//! (§3.2) — and a clinic protocol cannot change it ([`super::EligibilityPolicy`]). Everything
//! else is practice or consensus (REFERENCE calls racemic ketamine rules clinic-editable) and
//! is `basis: policy`.

use serde::Serialize;

use super::{Condition, DrugClass, Modality};
use Basis::{Label, Policy};
use FindingKind::{Caution, Contraindication, Exclusion, Missing};

/// How a finding bears on the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A label contraindication: do not treat.
    Contraindication,
    /// Excluded by label limits or clinic policy: do not treat unless the prescriber overrides.
    Exclusion,
    /// Treat with care; document the risk.
    Caution,
    /// Information needed for a decision is not recorded.
    Missing,
}

impl FindingKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [Self::Contraindication, Self::Exclusion, Self::Caution, Self::Missing];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contraindication => "contraindication",
            Self::Exclusion => "exclusion",
            Self::Caution => "caution",
            Self::Missing => "missing",
        }
    }

    /// Contraindications and exclusions make the patient not eligible.
    pub fn blocks(self) -> bool {
        matches!(self, Self::Contraindication | Self::Exclusion)
    }
}

/// Where a rule's kind comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Stated by a product label: fixed.
    Label,
    /// Practice or consensus: the clinic protocol may change or turn it off.
    Policy,
}

/// A rule's default for one group of modalities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// `None`: the rule does not apply (the table's "—").
    pub kind: Option<FindingKind>,
    pub basis: Basis,
    pub source: &'static str,
}

/// What makes a rule fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "on", content = "value", rename_all = "snake_case")]
pub enum Trigger {
    /// The history lists the condition.
    History(Condition),
    /// `pregnant` is true.
    Pregnant,
    /// `breastfeeding` is true.
    Breastfeeding,
    /// Systolic > 160 or diastolic > 100 mmHg.
    BpSevere,
    /// Systolic > 140 or diastolic > 90 mmHg, and not above 160/100 (unless `bp_severe` is
    /// turned off for the modality, then any BP above 140/90).
    BpElevated,
    /// A current medication has the class (listed or from the drug table).
    Medication(DrugClass),
    /// Trials are listed but TRD is not established (esketamine: unless the MDSI indication).
    NotTrd,
    /// `pregnant` unknown for a female patient aged 12–55.
    PregnancyUnknown,
    /// Systolic, diastolic or heart rate not recorded.
    VitalsMissing,
    /// No antidepressant trial listed.
    TrialsMissing,
    /// Age known and below 18.
    Under18,
}

impl Trigger {
    /// A missing-information rule: it can only be `missing` or off.
    pub fn is_missing_information(self) -> bool {
        matches!(self, Self::PregnancyUnknown | Self::VitalsMissing | Self::TrialsMissing)
    }
}

/// One row of the rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleDefinition {
    /// Stable id, used by tests, the UI and protocol overrides.
    pub rule: &'static str,
    pub trigger: Trigger,
    /// What the finding means, for the person reading it.
    pub message: &'static str,
    pub esketamine_nasal: Cell,
    /// IV and IM racemic ketamine.
    pub racemic_ketamine: Cell,
}

impl RuleDefinition {
    /// The default cell for a modality.
    pub fn cell(&self, modality: Modality) -> &Cell {
        if modality.is_esketamine() { &self.esketamine_nasal } else { &self.racemic_ketamine }
    }
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static RuleDefinition> {
    RULES.iter().find(|r| r.rule == id)
}

const fn label(kind: FindingKind, source: &'static str) -> Cell {
    Cell { kind: Some(kind), basis: Label, source }
}
const fn policy(kind: FindingKind, source: &'static str) -> Cell {
    Cell { kind: Some(kind), basis: Policy, source }
}
const fn row(rule: &'static str, trigger: Trigger, message: &'static str, esketamine_nasal: Cell, racemic_ketamine: Cell) -> RuleDefinition {
    RuleDefinition { rule, trigger, message, esketamine_nasal, racemic_ketamine }
}

const SPRAVATO_CONTRA: &str = "SPRAVATO label, Contraindications (REFERENCE §3.1)";
const KETAMINE_MIRRORS: &str = "Consensus for off-label ketamine, mirrors the SPRAVATO contraindication (REFERENCE §3.3)";
const SPRAVATO_BP: &str = "SPRAVATO label: do not dose where a rise in blood pressure or intracranial pressure is a serious risk (REFERENCE §3.1, §4.2)";
const CONSENSUS_EXCLUDE: &str = "Consensus for off-label ketamine: exclude until controlled (REFERENCE §3.3)";
const CONSENSUS_CAUTION: &str = "Consensus for off-label ketamine (REFERENCE §3.3)";
const CNS_DEPRESSANT: &str = "SPRAVATO label: CNS depressants increase sedation and respiratory depression, monitor closely (REFERENCE §3.4)";
const PRESSOR: &str = "SPRAVATO label: blood pressure may rise further, monitor closely (REFERENCE §3.4)";
const KETAMINE_INTERACTION: &str = "Clinic policy: the SPRAVATO interaction applied to ketamine (REFERENCE §3.4)";

const fn history(condition: Condition, message: &'static str, esketamine_nasal: Cell, racemic_ketamine: Cell) -> RuleDefinition {
    row(condition.key(), Trigger::History(condition), message, esketamine_nasal, racemic_ketamine)
}

/// The rule table, in reporting order.
pub const RULES: &[RuleDefinition] = &[
    history(
        Condition::AneurysmalVascularDisease,
        "History of aneurysmal vascular disease (thoracic or abdominal aorta, intracranial or peripheral arteries): a rise in blood pressure could rupture it.",
        label(Contraindication, SPRAVATO_CONTRA),
        policy(Contraindication, KETAMINE_MIRRORS),
    ),
    history(
        Condition::ArteriovenousMalformation,
        "Arteriovenous malformation: a rise in blood pressure risks bleeding.",
        label(Contraindication, SPRAVATO_CONTRA),
        policy(Contraindication, KETAMINE_MIRRORS),
    ),
    history(
        Condition::IntracerebralHemorrhage,
        "History of intracerebral hemorrhage: a rise in blood pressure risks another.",
        label(Contraindication, SPRAVATO_CONTRA),
        policy(Contraindication, KETAMINE_MIRRORS),
    ),
    history(
        Condition::HypersensitivityKetamine,
        "Hypersensitivity to esketamine, ketamine or an excipient.",
        label(Contraindication, SPRAVATO_CONTRA),
        label(Contraindication, "Ketalar label: known hypersensitivity (REFERENCE §3.2)"),
    ),
    history(
        Condition::Psychosis,
        "History of psychosis: dissociation and psychotomimetic effects may worsen it.",
        label(Caution, "SPRAVATO label, Warnings: assess patients with psychosis carefully, treat only if the benefit outweighs the risk (REFERENCE §3.1)"),
        policy(Exclusion, "Clinic policy; consensus excludes psychosis for off-label ketamine (REFERENCE §3.3)"),
    ),
    history(
        Condition::Schizophrenia,
        "Schizophrenia-spectrum illness: dissociation and psychotomimetic effects may worsen it.",
        label(Caution, "SPRAVATO label, Warnings: assess patients with psychosis carefully, treat only if the benefit outweighs the risk (REFERENCE §3.1)"),
        policy(Exclusion, "Clinic policy; consensus excludes schizophrenia for off-label ketamine (REFERENCE §3.3)"),
    ),
    history(
        Condition::CurrentMania,
        "Current mania.",
        policy(Exclusion, "Clinic policy; consensus excludes current mania (REFERENCE §3.3)"),
        policy(Exclusion, "Clinic policy; consensus excludes current mania (REFERENCE §3.3)"),
    ),
    history(
        Condition::SubstanceUseDisorderActive,
        "Active substance use disorder: (es)ketamine is a Schedule III drug with misuse potential.",
        label(Caution, "SPRAVATO label, Warnings: abuse and misuse, careful consideration with a substance use disorder history (REFERENCE §3.1)"),
        policy(Exclusion, "Consensus for off-label ketamine: exclude active substance use disorder (REFERENCE §3.3)"),
    ),
    history(
        Condition::KetamineMisuse,
        "Ketamine misuse: (es)ketamine is a Schedule III drug with misuse potential.",
        label(Caution, "SPRAVATO label, Warnings: abuse and misuse, assess the risk and monitor (REFERENCE §3.1)"),
        policy(Exclusion, "Consensus for off-label ketamine: exclude ketamine/PCP misuse (REFERENCE §3.3)"),
    ),
    history(
        Condition::UncontrolledHypertension,
        "Uncontrolled hypertension: (es)ketamine raises blood pressure, most around 40 minutes after the dose.",
        label(Exclusion, SPRAVATO_BP),
        label(Exclusion, "Ketalar label: contraindicated where a significant rise in blood pressure would be a serious hazard (REFERENCE §3.2)"),
    ),
    history(
        Condition::UnstableCardiacDisease,
        "Unstable cardiac disease: at risk from the rise in blood pressure and heart rate.",
        label(Exclusion, SPRAVATO_BP),
        policy(Exclusion, CONSENSUS_EXCLUDE),
    ),
    history(
        Condition::RaisedIntracranialPressure,
        "Raised intracranial pressure: ketamine raises cerebrospinal fluid pressure.",
        label(Exclusion, SPRAVATO_BP),
        policy(Exclusion, "Consensus; Ketalar warns of increased CSF pressure (REFERENCE §3.2, §3.3)"),
    ),
    row(
        "pregnant",
        Trigger::Pregnant,
        "Pregnant.",
        label(Exclusion, "SPRAVATO label: not recommended in pregnancy, embryo-fetal toxicity (REFERENCE §3.1)"),
        policy(Exclusion, "Consensus and trial exclusions for ketamine (REFERENCE §3.3)"),
    ),
    row(
        "breastfeeding",
        Trigger::Breastfeeding,
        "Breastfeeding.",
        label(Caution, "SPRAVATO label: breastfeeding not recommended (REFERENCE §3.1)"),
        policy(Caution, "Clinic policy; consensus lists lactation (REFERENCE §3.3)"),
    ),
    history(
        Condition::BipolarDisorder,
        "Bipolar disorder: antidepressant treatment may trigger mania; monitor.",
        policy(Caution, "Clinic policy (REFERENCE §3.3)"),
        policy(Caution, CONSENSUS_CAUTION),
    ),
    history(
        Condition::Glaucoma,
        "Glaucoma: ketamine may raise intraocular pressure.",
        policy(Caution, "Clinic policy (REFERENCE §3.3)"),
        policy(Caution, CONSENSUS_CAUTION),
    ),
    history(
        Condition::SevereHepaticImpairment,
        "Severe hepatic impairment: hepatic metabolism; ketamine carries a liver-injury warning.",
        policy(Caution, "Clinic policy (REFERENCE §3.2, §3.3)"),
        policy(Caution, "Consensus; Ketalar warns of drug-induced liver injury (REFERENCE §3.2, §3.3)"),
    ),
    history(
        Condition::SleepApneaUntreated,
        "Untreated sleep apnea: sedation and respiratory depression are more dangerous.",
        policy(Caution, "Clinic policy; CPSBC draft standard asks for a sleep apnea screen (REFERENCE §3.3)"),
        policy(Caution, "CPSBC draft standard: screen for sleep apnea (REFERENCE §3.3)"),
    ),
    history(
        Condition::Dementia,
        "Dementia or significant cognitive disorder: cognitive effects and consent need care.",
        policy(Caution, "Clinic policy (REFERENCE §3.3); SPRAVATO warns of cognitive impairment (§3.1)"),
        policy(Caution, CONSENSUS_CAUTION),
    ),
    row(
        "bp_severe",
        Trigger::BpSevere,
        "Blood pressure above 160/100 mmHg at evaluation.",
        policy(Exclusion, "Clinic default: pre-treatment BP above 160/100 defers treatment [L] (REFERENCE §4.2)"),
        policy(Exclusion, "Clinic default: pre-infusion BP above 160/100 defers treatment [L] (REFERENCE §4.2)"),
    ),
    row(
        "bp_elevated",
        Trigger::BpElevated,
        "Blood pressure above 140/90 mmHg at evaluation.",
        label(Caution, "SPRAVATO label: caution when pre-dose BP is above 140/90 (REFERENCE §4.2)"),
        policy(Caution, "Clinic default: pre-infusion BP above 140/90 needs a recheck and physician review [L] (REFERENCE §4.2)"),
    ),
    row(
        "med_benzodiazepine",
        Trigger::Medication(DrugClass::Benzodiazepine),
        "Takes a benzodiazepine: more sedation and respiratory depression; may blunt the antidepressant response.",
        label(Caution, CNS_DEPRESSANT),
        policy(Caution, KETAMINE_INTERACTION),
    ),
    row(
        "med_sedative_hypnotic",
        Trigger::Medication(DrugClass::SedativeHypnotic),
        "Takes a non-benzodiazepine sedative hypnotic: more sedation and respiratory depression.",
        label(Caution, CNS_DEPRESSANT),
        policy(Caution, KETAMINE_INTERACTION),
    ),
    row(
        "med_opioid",
        Trigger::Medication(DrugClass::Opioid),
        "Takes an opioid: more sedation and respiratory depression.",
        label(Caution, CNS_DEPRESSANT),
        policy(Caution, KETAMINE_INTERACTION),
    ),
    row(
        "med_psychostimulant",
        Trigger::Medication(DrugClass::Psychostimulant),
        "Takes a psychostimulant: blood pressure may rise further.",
        label(Caution, PRESSOR),
        policy(Caution, KETAMINE_INTERACTION),
    ),
    row(
        "med_maoi",
        Trigger::Medication(DrugClass::Maoi),
        "Takes an MAOI: blood pressure may rise further.",
        label(Caution, PRESSOR),
        policy(Caution, KETAMINE_INTERACTION),
    ),
    row(
        "med_lamotrigine",
        Trigger::Medication(DrugClass::Lamotrigine),
        "Takes lamotrigine: it may attenuate ketamine's effects.",
        Cell { kind: None, basis: Policy, source: "Not in the SPRAVATO label; lamotrigine may attenuate ketamine's effects [L] (REFERENCE §3.4)" },
        policy(Caution, "Practice: lamotrigine may attenuate ketamine's glutamatergic effects [L] (REFERENCE §3.4)"),
    ),
    row(
        "not_trd",
        Trigger::NotTrd,
        "Treatment resistance is not established: fewer adequate failed antidepressant trials than the protocol requires (see trd for each trial, including any that could not be assessed).",
        label(
            Exclusion,
            "SPRAVATO indications: TRD (≥ 2 adequate antidepressant failures in the episode) or MDD with acute suicidal ideation or behaviour (REFERENCE §2.1, §5.1)",
        ),
        policy(Caution, "Clinic policy: ketamine for treatment-resistant depression (REFERENCE §5.1)"),
    ),
    row(
        "pregnancy_unknown",
        Trigger::PregnancyUnknown,
        "Pregnancy status is not recorded for a female patient aged 12-55: a pregnancy test is needed.",
        policy(Missing, "Work-up: pregnancy test for people of childbearing potential (REFERENCE §3.5); SPRAVATO not recommended in pregnancy (§3.1)"),
        policy(Missing, "Work-up: pregnancy test for people of childbearing potential (REFERENCE §3.5)"),
    ),
    row(
        "vitals_missing",
        Trigger::VitalsMissing,
        "Blood pressure and heart rate at evaluation are not both recorded.",
        label(Missing, "SPRAVATO label: assess blood pressure before treatment; BP and HR at screening (REFERENCE §3.5)"),
        policy(Missing, "Work-up: BP and HR at screening (REFERENCE §3.5)"),
    ),
    row(
        "trials_missing",
        Trigger::TrialsMissing,
        "No antidepressant trial is listed for the current episode, so treatment resistance cannot be judged.",
        label(Missing, "SPRAVATO TRD indication needs the antidepressant history (REFERENCE §2.1, §5.1)"),
        policy(Missing, "Work-up: treatment history (ATHF/MSM) (REFERENCE §3.5)"),
    ),
    row(
        "under_18",
        Trigger::Under18,
        "Younger than 18.",
        label(Exclusion, "SPRAVATO label: not approved in pediatric patients (REFERENCE §2.1)"),
        policy(Exclusion, "Clinic policy: adult-only protocol"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_history_rows_use_the_condition_key() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.rule).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for condition in Condition::ALL {
            assert_eq!(rule(condition.key()).map(|r| r.trigger), Some(Trigger::History(condition)));
        }
        for class in
            [DrugClass::Benzodiazepine, DrugClass::SedativeHypnotic, DrugClass::Opioid, DrugClass::Psychostimulant, DrugClass::Maoi, DrugClass::Lamotrigine]
        {
            assert_eq!(rule(&format!("med_{}", class.as_str())).map(|r| r.trigger), Some(Trigger::Medication(class)));
        }
    }

    #[test]
    fn missing_kind_only_on_missing_information_rules_and_every_source_names_reference() {
        for r in RULES {
            for cell in [r.esketamine_nasal, r.racemic_ketamine] {
                assert_eq!(cell.kind == Some(Missing), r.trigger.is_missing_information(), "{}", r.rule);
                assert!(cell.source.contains("REFERENCE") || cell.source.starts_with("Clinic policy"), "{}", r.rule);
            }
        }
    }
}
