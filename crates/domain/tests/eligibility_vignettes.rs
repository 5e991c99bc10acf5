//! Table-driven eligibility vignettes (fictional patients): each asserts the decision and the
//! exact set of rule ids for one modality. Together they cover every rule row, every decision
//! and every modality (checked by the last tests), plus a proptest that the decision always
//! agrees with the kinds of the findings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use std::collections::BTreeSet;

use common::{base, history, ids, med, trial, vitals, with};
use ketaclinic_domain::eligibility::{
    Decision, DrugClass, Evaluation, FindingKind, Medication, Modality, Protocol, RULES, Severity, TrialOutcome, Vitals, check,
};
use ketaclinic_domain::instruments::definition::RiskLevel;
use ketaclinic_domain::person::Sex;
use proptest::prelude::*;

use Decision::{Eligible, EligibleWithCautions as Cautions, Incomplete, NotEligible};
use Modality::{EsketamineNasal as Esk, ImKetamine as Im, IvKetamine as Iv};

struct Vignette {
    name: &'static str,
    modality: Modality,
    evaluation: Evaluation,
    decision: Decision,
    rules: &'static [&'static str],
}

fn v(name: &'static str, modality: Modality, evaluation: Evaluation, decision: Decision, rules: &'static [&'static str]) -> Vignette {
    Vignette { name, modality, evaluation, decision, rules }
}

fn female(age: u32) -> Evaluation {
    with(|e| {
        e.sex = Some(Sex::Female);
        e.age_years = Some(age);
    })
}

fn one_failed_trial() -> Evaluation {
    with(|e| e.antidepressant_trials.truncate(1))
}

fn vignettes() -> Vec<Vignette> {
    vec![
        v("clean record, IV", Iv, base(), Eligible, &[]),
        v("clean record, IM", Im, base(), Eligible, &[]),
        v("clean record, esketamine", Esk, base(), Eligible, &[]),
        v("aortic aneurysm, esketamine", Esk, history(&["aneurysmal_vascular_disease"]), NotEligible, &["aneurysmal_vascular_disease"]),
        v("AVM, IV", Iv, history(&["arteriovenous_malformation"]), NotEligible, &["arteriovenous_malformation"]),
        v("past intracerebral bleed, IM", Im, history(&["intracerebral_hemorrhage"]), NotEligible, &["intracerebral_hemorrhage"]),
        v("ketamine allergy, esketamine", Esk, history(&["hypersensitivity_ketamine"]), NotEligible, &["hypersensitivity_ketamine"]),
        v("ketamine allergy, IV", Iv, history(&["hypersensitivity_ketamine"]), NotEligible, &["hypersensitivity_ketamine"]),
        v("past psychosis, esketamine (label: caution)", Esk, history(&["psychosis"]), Cautions, &["psychosis"]),
        v("past psychosis, IV (policy: exclusion)", Iv, history(&["psychosis"]), NotEligible, &["psychosis"]),
        v("schizophrenia, IM", Im, history(&["schizophrenia"]), NotEligible, &["schizophrenia"]),
        v("schizophrenia, esketamine", Esk, history(&["schizophrenia"]), Cautions, &["schizophrenia"]),
        v("current mania, esketamine", Esk, history(&["current_mania"]), NotEligible, &["current_mania"]),
        v("active SUD, esketamine", Esk, history(&["substance_use_disorder_active"]), Cautions, &["substance_use_disorder_active"]),
        v("active SUD, IV", Iv, history(&["substance_use_disorder_active"]), NotEligible, &["substance_use_disorder_active"]),
        v("ketamine misuse, IM", Im, history(&["ketamine_misuse"]), NotEligible, &["ketamine_misuse"]),
        v("ketamine misuse, esketamine", Esk, history(&["ketamine_misuse"]), Cautions, &["ketamine_misuse"]),
        v("uncontrolled hypertension, IV", Iv, history(&["uncontrolled_hypertension"]), NotEligible, &["uncontrolled_hypertension"]),
        v("unstable angina, esketamine", Esk, history(&["unstable_cardiac_disease"]), NotEligible, &["unstable_cardiac_disease"]),
        v("raised ICP, IM", Im, history(&["raised_intracranial_pressure"]), NotEligible, &["raised_intracranial_pressure"]),
        v(
            "pregnant, esketamine",
            Esk,
            with(|e| {
                *e = female(31);
                e.pregnant = Some(true);
            }),
            NotEligible,
            &["pregnant"],
        ),
        v(
            "breastfeeding, IV",
            Iv,
            with(|e| {
                *e = female(29);
                e.breastfeeding = Some(true);
            }),
            Cautions,
            &["breastfeeding"],
        ),
        v("bipolar II with glaucoma, esketamine", Esk, history(&["bipolar_disorder", "glaucoma"]), Cautions, &["bipolar_disorder", "glaucoma"]),
        v(
            "cirrhosis, untreated OSA, dementia, IM",
            Im,
            history(&["dementia", "sleep_apnea_untreated", "severe_hepatic_impairment"]),
            Cautions,
            &["severe_hepatic_impairment", "sleep_apnea_untreated", "dementia"],
        ),
        v("BP 170/95, IV", Iv, with(|e| e.vitals = vitals(170, 95)), NotEligible, &["bp_severe"]),
        v("BP 150/85, esketamine", Esk, with(|e| e.vitals = vitals(150, 85)), Cautions, &["bp_elevated"]),
        v("untagged Xanax found by the drug table, esketamine", Esk, with(|e| e.medications = vec![med("Xanax 0.5 mg")]), Cautions, &["med_benzodiazepine"]),
        v(
            "zolpidem and Percocet, IV",
            Iv,
            with(|e| e.medications = vec![med("zolpidem"), med("Percocet")]),
            Cautions,
            &["med_sedative_hypnotic", "med_opioid"],
        ),
        v(
            "tagged study stimulant and Nardil, esketamine",
            Esk,
            with(|e| e.medications = vec![Medication { name: "study drug 7".to_owned(), classes: vec![DrugClass::Psychostimulant] }, med("Nardil")]),
            Cautions,
            &["med_psychostimulant", "med_maoi"],
        ),
        v("lamotrigine, esketamine (not applicable)", Esk, with(|e| e.medications = vec![med("Lamictal")]), Eligible, &[]),
        v("lamotrigine, IV", Iv, with(|e| e.medications = vec![med("lamotrigine")]), Cautions, &["med_lamotrigine"]),
        v("one failed trial, esketamine", Esk, one_failed_trial(), NotEligible, &["not_trd"]),
        v("one failed trial, IM", Im, one_failed_trial(), Cautions, &["not_trd"]),
        v(
            "one failed trial, MDD with high C-SSRS risk (MDSI), esketamine",
            Esk,
            with(|e| {
                *e = one_failed_trial();
                e.primary_diagnosis = Some("F33.1".to_owned());
                e.cssrs_risk = Some(RiskLevel::High);
            }),
            Eligible,
            &[],
        ),
        v(
            "one failed trial, moderate C-SSRS risk but PTSD diagnosis, esketamine",
            Esk,
            with(|e| {
                *e = one_failed_trial();
                e.primary_diagnosis = Some("F43.12".to_owned());
                e.cssrs_risk = Some(RiskLevel::Moderate);
            }),
            NotEligible,
            &["not_trd"],
        ),
        v(
            "one failed trial, MDSI, IV still cautions",
            Iv,
            with(|e| {
                *e = one_failed_trial();
                e.cssrs_risk = Some(RiskLevel::Moderate);
            }),
            Cautions,
            &["not_trd"],
        ),
        v(
            "both trials of an unknown drug, esketamine",
            Esk,
            with(|e| {
                e.antidepressant_trials =
                    vec![trial("herbalex", 100.0, 8.0, TrialOutcome::NoResponse), trial("sertraline", 100.0, 8.0, TrialOutcome::NoResponse)]
            }),
            NotEligible,
            &["not_trd"],
        ),
        v(
            "pregnancy unknown, woman of 30, IV",
            Iv,
            with(|e| {
                *e = female(30);
                e.pregnant = None;
            }),
            Incomplete,
            &["pregnancy_unknown"],
        ),
        v(
            "pregnancy unknown, woman of 56, IV",
            Iv,
            with(|e| {
                *e = female(56);
                e.pregnant = None;
            }),
            Eligible,
            &[],
        ),
        v("pregnancy unknown, man, esketamine", Esk, with(|e| e.pregnant = None), Eligible, &[]),
        v(
            "pregnancy unknown, woman of unknown age, IM",
            Im,
            with(|e| {
                *e = female(30);
                e.age_years = None;
                e.pregnant = None;
            }),
            Eligible,
            &[],
        ),
        v("no vitals, esketamine", Esk, with(|e| e.vitals = None), Incomplete, &["vitals_missing"]),
        v(
            "heart rate not recorded, IM",
            Im,
            with(|e| e.vitals = Some(Vitals { systolic: Some(118), diastolic: Some(76), heart_rate: None })),
            Incomplete,
            &["vitals_missing"],
        ),
        v(
            "BP 150 systolic only, IV",
            Iv,
            with(|e| e.vitals = Some(Vitals { systolic: Some(150), diastolic: None, heart_rate: Some(80) })),
            Incomplete,
            &["bp_elevated", "vitals_missing"],
        ),
        v("no trials listed, IV", Iv, with(|e| e.antidepressant_trials.clear()), Incomplete, &["trials_missing"]),
        v("no trials listed, esketamine", Esk, with(|e| e.antidepressant_trials.clear()), Incomplete, &["trials_missing"]),
        v("16-year-old, esketamine", Esk, with(|e| e.age_years = Some(16)), NotEligible, &["under_18"]),
        v(
            "17-year-old girl, pregnancy unknown, IV",
            Iv,
            with(|e| {
                *e = female(17);
                e.pregnant = None;
            }),
            NotEligible,
            &["pregnancy_unknown", "under_18"],
        ),
        v(
            "opioid and no vitals, IM",
            Im,
            with(|e| {
                e.medications = vec![med("tramadol")];
                e.vitals = None;
            }),
            Incomplete,
            &["med_opioid", "vitals_missing"],
        ),
        v(
            "many problems at once, esketamine",
            Esk,
            with(|e| {
                *e = female(34);
                e.pregnant = None;
                e.history = vec!["psychosis".to_owned(), "arteriovenous_malformation".to_owned()];
                e.medications = vec![med("clonazepam"), med("Vyvanse")];
                e.vitals = vitals(165, 102);
                e.antidepressant_trials = vec![trial("fluoxetine", 10.0, 8.0, TrialOutcome::NoResponse)];
            }),
            NotEligible,
            &["arteriovenous_malformation", "psychosis", "bp_severe", "med_benzodiazepine", "med_psychostimulant", "not_trd", "pregnancy_unknown"],
        ),
        v(
            "severe psychotic depression with unknown age, IV",
            Iv,
            with(|e| {
                e.age_years = None;
                e.severity = Some(Severity::SeverePsychotic);
            }),
            Eligible,
            &[],
        ),
    ]
}

#[test]
fn every_vignette_has_the_expected_decision_and_exact_rule_ids() {
    let protocol = Protocol::default();
    let mut failures = Vec::new();
    for vignette in vignettes() {
        let result = check(vignette.modality, &vignette.evaluation, &protocol).unwrap_or_else(|e| panic!("{}: {e}", vignette.name));
        let got: BTreeSet<&str> = ids(&result).into_iter().collect();
        let want: BTreeSet<&str> = vignette.rules.iter().copied().collect();
        if result.decision != vignette.decision || got != want {
            failures.push(format!(
                "{} ({}): got {:?} {got:?}, want {:?} {want:?}",
                vignette.name,
                vignette.modality.as_str(),
                result.decision,
                vignette.decision
            ));
        }
        // Findings come in rule-table order, once each.
        let order: Vec<usize> = ids(&result).iter().map(|id| RULES.iter().position(|r| r.rule == *id).unwrap()).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{}: findings out of table order", vignette.name);
    }
    assert!(failures.is_empty(), "{} vignette(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn vignettes_cover_every_rule_every_decision_and_every_modality() {
    let all = vignettes();
    assert!(all.len() >= 30);
    let rules: BTreeSet<&str> = all.iter().flat_map(|v| v.rules.iter().copied()).collect();
    let table: BTreeSet<&str> = RULES.iter().map(|r| r.rule).collect();
    assert_eq!(rules, table, "rules without a vignette");
    let decisions: BTreeSet<String> = all.iter().map(|v| format!("{:?}", v.decision)).collect();
    assert_eq!(decisions.len(), 4);
    let modalities: BTreeSet<Modality> = all.iter().map(|v| v.modality).collect();
    assert_eq!(modalities.len(), 3);
}

#[test]
fn findings_serialise_as_rule_kind_message_source() {
    let result = check(Esk, &history(&["psychosis"]), &Protocol::default()).unwrap();
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["decision"], "eligible_with_cautions");
    let finding = &json["findings"][0];
    assert_eq!(finding["rule"], "psychosis");
    assert_eq!(finding["kind"], "caution");
    assert!(finding["message"].as_str().unwrap().contains("psychosis"));
    assert!(finding["source"].as_str().unwrap().contains("REFERENCE §3.1"));
    assert_eq!(finding.as_object().unwrap().len(), 4);
    assert_eq!(json["trd"]["is_trd"], true);
}

const HISTORY_KEYS: &[&str] = &[
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_hemorrhage",
    "hypersensitivity_ketamine",
    "psychosis",
    "schizophrenia",
    "current_mania",
    "substance_use_disorder_active",
    "ketamine_misuse",
    "uncontrolled_hypertension",
    "unstable_cardiac_disease",
    "raised_intracranial_pressure",
    "bipolar_disorder",
    "glaucoma",
    "severe_hepatic_impairment",
    "sleep_apnea_untreated",
    "dementia",
];
const DRUGS: &[&str] = &["sertraline", "Zoloft", "bupropion XL", "amitriptyline", "phenelzine", "Emsam", "herbalex", "lorazepam", "selegiline"];
const MEDS: &[&str] = &["Xanax", "zolpidem", "oxycodone", "Adderall", "Nardil", "lamotrigine", "lisinopril"];

fn arb_evaluation() -> impl Strategy<Value = Evaluation> {
    let trial = (prop::sample::select(DRUGS), 1u32..400, 0u32..20, any::<bool>(), 0usize..4).prop_map(|(drug, mg, weeks, adherent, outcome)| {
        let outcome = [TrialOutcome::NoResponse, TrialOutcome::PartialResponse, TrialOutcome::Response, TrialOutcome::NotTolerated][outcome];
        ketaclinic_domain::eligibility::AntidepressantTrial { drug: drug.to_owned(), daily_dose_mg: f64::from(mg), weeks: f64::from(weeks), adherent, outcome }
    });
    let vitals = prop::option::of((prop::option::of(90u32..200), prop::option::of(40u32..85), prop::option::of(40u32..140)))
        .prop_map(|v| v.map(|(systolic, diastolic, heart_rate)| Vitals { systolic, diastolic, heart_rate }));
    (
        (
            prop::option::of(10u32..90),
            prop::option::of(prop::sample::select(vec![Sex::Female, Sex::Male, Sex::Other, Sex::Unknown])),
            prop::option::of(any::<bool>()),
            prop::option::of(any::<bool>()),
        ),
        prop::collection::vec(trial, 0..5),
        prop::sample::subsequence(HISTORY_KEYS, 0..4),
        vitals,
        prop::sample::subsequence(MEDS, 0..3),
        (
            prop::option::of(prop::sample::select(vec![RiskLevel::None, RiskLevel::Low, RiskLevel::Moderate, RiskLevel::High])),
            any::<bool>(),
            any::<bool>(),
            prop::option::of(0u32..60),
        ),
    )
        .prop_map(|((age, sex, pregnant, breastfeeding), trials, history, vitals, meds, (cssrs, augmentation, ect, months))| Evaluation {
            age_years: age,
            sex,
            pregnant,
            breastfeeding,
            primary_diagnosis: Some("F33.2".to_owned()),
            episode_duration_months: months,
            severity: Some(Severity::Moderate),
            antidepressant_trials: trials,
            augmentation_used: augmentation,
            ect_used: ect,
            history: history.into_iter().map(str::to_owned).collect(),
            vitals,
            medications: meds.into_iter().map(med).collect(),
            cssrs_risk: cssrs,
        })
}

proptest! {
    #[test]
    fn the_decision_always_agrees_with_the_kinds_of_the_findings(evaluation in arb_evaluation(), m in 0usize..3) {
        let modality = Modality::ALL[m];
        let result = check(modality, &evaluation, &Protocol::default()).unwrap();
        let kinds: Vec<FindingKind> = result.findings.iter().map(|f| f.kind).collect();
        let blocks = kinds.iter().any(|k| k.blocks());
        let missing = kinds.contains(&FindingKind::Missing);
        let caution = kinds.contains(&FindingKind::Caution);
        let expected = if blocks { NotEligible } else if missing { Incomplete } else if caution { Cautions } else { Eligible };
        prop_assert_eq!(result.decision, expected);
        prop_assert_eq!(result.decision, Decision::from_kinds(kinds));
        let unique: BTreeSet<&str> = ids(&result).into_iter().collect();
        prop_assert_eq!(unique.len(), result.findings.len());
        if let Some(score) = result.trd.maudsley.score {
            prop_assert!((3..=15).contains(&score));
        }
        prop_assert!(result.trd.thase_rush_stage.is_none_or(|s| s <= 5));
    }
}
