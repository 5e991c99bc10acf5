//! The evaluation document on the wire (serde, validation) and the engine's edges: BP
//! boundaries and the clinic policy, which may change policy rules but never label rules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use common::{base, history, ids, vitals, with};
use ketaclinic_domain::eligibility::{Decision, EligibilityPolicy, Evaluation, FindingKind, Modality, PolicyError, Protocol, RuleOverride, Vitals, check};
use serde_json::json;

fn bp_rules(systolic: u32, diastolic: u32, modality: Modality) -> Vec<String> {
    let e = with(|e| e.vitals = vitals(systolic, diastolic));
    check(modality, &e, &Protocol::default()).unwrap().findings.into_iter().map(|f| f.rule).collect()
}

#[test]
fn blood_pressure_boundaries() {
    for modality in Modality::ALL {
        assert!(bp_rules(140, 90, modality).is_empty(), "140/90 is not above 140/90");
        assert_eq!(bp_rules(141, 90, modality), ["bp_elevated"]);
        assert_eq!(bp_rules(140, 91, modality), ["bp_elevated"]);
        assert_eq!(bp_rules(160, 100, modality), ["bp_elevated"], "160/100 is not above 160/100");
        assert_eq!(bp_rules(161, 100, modality), ["bp_severe"]);
        assert_eq!(bp_rules(150, 101, modality), ["bp_severe"]);
        assert_eq!(bp_rules(200, 120, modality), ["bp_severe"]);
    }
}

fn full_document() -> serde_json::Value {
    json!({
        "age_years": 44,
        "sex": "female",
        "pregnant": false,
        "breastfeeding": null,
        "primary_diagnosis": "F33.2",
        "episode_duration_months": 26,
        "severity": "severe_psychotic",
        "antidepressant_trials": [
            {"drug": "Lexapro", "daily_dose_mg": 20, "weeks": 8, "adherent": true, "outcome": "no_response"},
            {"drug": "bupropion XL", "daily_dose_mg": 300.0, "weeks": 6.5, "adherent": false, "outcome": "not_tolerated"}
        ],
        "augmentation_used": true,
        "ect_used": false,
        "history": ["glaucoma", "bipolar_disorder"],
        "vitals": {"systolic": 132, "diastolic": 84, "heart_rate": 70},
        "medications": [{"name": "Ativan", "classes": ["benzodiazepine"]}, {"name": "lithium", "classes": []}],
        "cssrs_risk": "moderate"
    })
}

#[test]
fn the_document_round_trips_through_json() {
    let parsed: Evaluation = serde_json::from_value(full_document()).unwrap();
    assert_eq!(parsed.severity, Some(ketaclinic_domain::eligibility::Severity::SeverePsychotic));
    assert_eq!(parsed.breastfeeding, None);
    let again: Evaluation = serde_json::from_value(serde_json::to_value(&parsed).unwrap()).unwrap();
    assert_eq!(again, parsed);
    assert!(parsed.validate().is_ok());
}

#[test]
fn every_field_may_be_left_out() {
    let empty: Evaluation = serde_json::from_value(json!({})).unwrap();
    assert_eq!(empty, Evaluation::default());
    let result = check(Modality::EsketamineNasal, &empty, &Protocol::default()).unwrap();
    assert_eq!(result.decision, Decision::Incomplete);
    assert_eq!(ids(&result), ["vitals_missing", "trials_missing"]);
}

#[test]
fn unknown_fields_and_words_are_refused() {
    let mut doc = full_document();
    doc["weight_kg"] = json!(80);
    assert!(serde_json::from_value::<Evaluation>(doc).unwrap_err().to_string().contains("unknown field `weight_kg`"));
    let mut doc = full_document();
    doc["vitals"]["spo2"] = json!(98);
    assert!(serde_json::from_value::<Evaluation>(doc).is_err());
    let mut doc = full_document();
    doc["antidepressant_trials"][0]["lot"] = json!("A1");
    assert!(serde_json::from_value::<Evaluation>(doc).is_err());
    let mut doc = full_document();
    doc["severity"] = json!("catastrophic");
    assert!(serde_json::from_value::<Evaluation>(doc).is_err());
    let mut doc = full_document();
    doc["medications"][0]["classes"] = json!(["antihistamine"]);
    assert!(serde_json::from_value::<Evaluation>(doc).is_err());
    let mut doc = full_document();
    doc["age_years"] = json!(-3);
    assert!(serde_json::from_value::<Evaluation>(doc).is_err());
}

#[test]
fn validation_names_every_bad_field() {
    let mut doc = full_document();
    doc["age_years"] = json!(131);
    doc["primary_diagnosis"] = json!("depression");
    doc["episode_duration_months"] = json!(1000);
    doc["history"] = json!(["glaucoma", "bad_knee"]);
    doc["antidepressant_trials"][0]["daily_dose_mg"] = json!(-20);
    doc["antidepressant_trials"][1]["weeks"] = json!(-1);
    doc["antidepressant_trials"][1]["drug"] = json!("  ");
    doc["vitals"] = json!({"systolic": 400, "diastolic": 10, "heart_rate": 500});
    doc["medications"][1]["name"] = json!("");
    let evaluation: Evaluation = serde_json::from_value(doc).unwrap();
    let errors = evaluation.validate().unwrap_err();
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "age_years",
            "primary_diagnosis",
            "episode_duration_months",
            "antidepressant_trials[0].daily_dose_mg",
            "antidepressant_trials[1].drug",
            "antidepressant_trials[1].weeks",
            "history[1]",
            "medications[1].name",
            "vitals.systolic",
            "vitals.diastolic",
            "vitals.heart_rate",
        ]
    );
    assert_eq!(check(Modality::IvKetamine, &evaluation, &Protocol::default()).unwrap_err(), errors, "the engine never judges an invalid document");

    let inverted = with(|e| e.vitals = Some(Vitals { systolic: Some(90), diastolic: Some(95), heart_rate: Some(60) }));
    assert_eq!(inverted.validate().unwrap_err().0[0].field, "vitals.diastolic");
}

#[test]
fn icd10cm_shapes() {
    use ketaclinic_domain::eligibility::evaluation::is_icd10cm_shape;
    for good in ["F32.9", "F33.40", "F32.A", "f33.1", " F33.1 ", "R45.851", "T14.91XA", "F33", "C4A.0"] {
        assert!(is_icd10cm_shape(good), "{good}");
    }
    for bad in ["", "F3", "332.1", "F33.", "F33.12345", "FF3.1", "F33-1", "F3 3", "F33.1.2"] {
        assert!(!is_icd10cm_shape(bad), "{bad}");
    }
    assert!(with(|e| e.primary_diagnosis = Some("F32.A".to_owned())).has_mdd_diagnosis());
    assert!(!with(|e| e.primary_diagnosis = Some("F43.10".to_owned())).has_mdd_diagnosis());
}

#[test]
fn a_clinic_may_change_or_turn_off_policy_rules() {
    let mut policy = EligibilityPolicy::default();
    policy.set("psychosis", Modality::IvKetamine, Some(FindingKind::Caution)).unwrap();
    policy.set("bipolar_disorder", Modality::ImKetamine, None).unwrap();
    let protocol = Protocol { rules: policy, ..Protocol::default() };

    let iv = check(Modality::IvKetamine, &history(&["psychosis"]), &protocol).unwrap();
    assert_eq!((iv.decision, iv.findings[0].kind), (Decision::EligibleWithCautions, FindingKind::Caution));
    let im = check(Modality::ImKetamine, &history(&["psychosis", "bipolar_disorder"]), &protocol).unwrap();
    assert_eq!((im.decision, ids(&im)), (Decision::NotEligible, vec!["psychosis"]), "IM keeps the default; bipolar is off");
}

#[test]
fn label_rules_cannot_be_changed() {
    let mut policy = EligibilityPolicy::default();
    for (rule, modality, kind) in [
        ("aneurysmal_vascular_disease", Modality::EsketamineNasal, FindingKind::Caution),
        ("psychosis", Modality::EsketamineNasal, FindingKind::Exclusion),
        ("not_trd", Modality::EsketamineNasal, FindingKind::Caution),
        ("bp_elevated", Modality::EsketamineNasal, FindingKind::Exclusion),
        ("med_opioid", Modality::EsketamineNasal, FindingKind::Exclusion),
        ("vitals_missing", Modality::EsketamineNasal, FindingKind::Missing),
        ("under_18", Modality::EsketamineNasal, FindingKind::Caution),
        ("hypersensitivity_ketamine", Modality::IvKetamine, FindingKind::Caution),
        ("uncontrolled_hypertension", Modality::ImKetamine, FindingKind::Caution),
    ] {
        let result = policy.set(rule, modality, Some(kind));
        if kind == FindingKind::Missing {
            assert_eq!(result, Ok(()), "restating the default is no change");
        } else {
            assert_eq!(result, Err(PolicyError::LabelRule { rule: rule.to_owned(), modality }));
        }
        assert!(policy.set(rule, modality, None).is_err(), "{rule} cannot be turned off either");
    }
    // Restating the label's own kind is no change.
    assert_eq!(policy.set("psychosis", Modality::EsketamineNasal, Some(FindingKind::Caution)), Ok(()));
    assert_eq!(policy, EligibilityPolicy::default());
    // The same rule is policy for racemic ketamine.
    assert!(policy.set("aneurysmal_vascular_disease", Modality::IvKetamine, Some(FindingKind::Exclusion)).is_ok());
}

#[test]
fn policy_refuses_unknown_rules_and_misuse_of_missing() {
    let mut policy = EligibilityPolicy::default();
    assert_eq!(policy.set("tattoos", Modality::IvKetamine, None), Err(PolicyError::UnknownRule { rule: "tattoos".to_owned() }));
    assert!(matches!(policy.set("pregnancy_unknown", Modality::IvKetamine, Some(FindingKind::Exclusion)), Err(PolicyError::MissingOnly { .. })));
    assert!(matches!(policy.set("glaucoma", Modality::IvKetamine, Some(FindingKind::Missing)), Err(PolicyError::MissingNotAllowed { .. })));
    assert!(policy.set("pregnancy_unknown", Modality::IvKetamine, None).is_ok());
    assert!(policy.set("med_lamotrigine", Modality::EsketamineNasal, Some(FindingKind::Caution)).is_ok(), "a not-applicable policy cell can be turned on");
}

#[test]
fn policy_loads_from_protocol_lines() {
    let lines: Vec<RuleOverride> = serde_json::from_value(json!([
        {"rule": "current_mania", "modality": "im_ketamine", "kind": "caution"},
        {"rule": "bp_severe", "modality": "iv_ketamine", "kind": null}
    ]))
    .unwrap();
    let policy = EligibilityPolicy::from_overrides(lines.clone()).unwrap();
    assert_eq!(policy.overrides(), lines.into_iter().rev().collect::<Vec<_>>(), "stored in (rule, modality) order");
    let bad: Vec<RuleOverride> = serde_json::from_value(json!([{"rule": "pregnant", "modality": "esketamine_nasal", "kind": "caution"}])).unwrap();
    assert!(matches!(EligibilityPolicy::from_overrides(bad), Err(PolicyError::LabelRule { .. })));

    // With bp_severe off, a very high BP still raises bp_elevated.
    let protocol = Protocol { rules: policy, ..Protocol::default() };
    let result = check(Modality::IvKetamine, &with(|e| e.vitals = vitals(190, 115)), &protocol).unwrap();
    assert_eq!((result.decision, ids(&result)), (Decision::EligibleWithCautions, vec!["bp_elevated"]));
}

#[test]
fn the_engine_uses_the_clinic_drug_table() {
    use ketaclinic_domain::eligibility::{Confidence, DrugClass, DrugEntry, DrugTable, MinAdequateDose};
    let stricter = DrugEntry {
        name: "sertraline".to_owned(),
        brands: vec!["zoloft".to_owned()],
        classes: vec![DrugClass::Ssri],
        min_adequate_dose: Some(MinAdequateDose { daily_mg: 150.0, confidence: Confidence::Low, source: "clinic protocol".to_owned() }),
    };
    let protocol = Protocol { drugs: DrugTable::bundled().with_overrides([stricter]).unwrap(), ..Protocol::default() };
    let result = check(Modality::EsketamineNasal, &base(), &protocol).unwrap();
    assert_eq!((result.decision, ids(&result)), (Decision::NotEligible, vec!["not_trd"]), "sertraline 100 mg is no longer adequate");
}
