//! Treatment resistance, Maudsley Staging Method and Thase–Rush staging: per-trial rules and
//! worked examples hand-scored from the REFERENCE §5.2 and §5.3 tables.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use common::{base, trial, with};
use ketaclinic_domain::eligibility::staging::{duration_points, failure_points, maudsley, severity_points, thase_rush};
use ketaclinic_domain::eligibility::trd::{assess, assess_trial};
use ketaclinic_domain::eligibility::{DrugClass, DrugTable, MaudsleyBand, Severity, TrdPolicy, TrialOutcome, TrialVerdict};

use DrugClass::{Maoi, OtherAntidepressant, Snri, Ssri, Tca};
use TrialOutcome::{NoResponse, NotTolerated, PartialResponse, Response};

fn verdict(drug: &str, mg: f64, weeks: f64, outcome: TrialOutcome) -> (TrialVerdict, Option<bool>, Vec<String>) {
    let t = assess_trial(0, &trial(drug, mg, weeks, outcome), DrugTable::bundled(), &TrdPolicy::default());
    (t.verdict, t.adequate, t.reasons)
}

#[test]
fn an_adequate_trial_needs_the_minimum_dose_six_weeks_and_adherence() {
    assert_eq!(verdict("sertraline", 50.0, 6.0, NoResponse), (TrialVerdict::Failed, Some(true), vec![]));
    assert_eq!(verdict("Zoloft", 200.0, 12.0, PartialResponse).0, TrialVerdict::Failed);
    assert_eq!(verdict("sertraline", 50.0, 6.0, Response).0, TrialVerdict::Responded);

    let (v, adequate, reasons) = verdict("sertraline", 25.0, 8.0, NoResponse);
    assert_eq!((v, adequate), (TrialVerdict::Inadequate, Some(false)));
    assert_eq!(reasons, vec!["25 mg/day is below the minimum adequate dose of 50 mg/day for sertraline".to_owned()]);

    let (v, _, reasons) = verdict("sertraline", 50.0, 5.5, NoResponse);
    assert_eq!(v, TrialVerdict::Inadequate);
    assert!(reasons[0].contains("5.5 weeks is shorter than the 6 weeks"), "{reasons:?}");

    let mut non_adherent = trial("sertraline", 100.0, 10.0, NoResponse);
    non_adherent.adherent = false;
    let t = assess_trial(0, &non_adherent, DrugTable::bundled(), &TrdPolicy::default());
    assert_eq!((t.verdict, t.reasons), (TrialVerdict::Inadequate, vec!["the patient was not adherent".to_owned()]));
}

#[test]
fn not_tolerated_is_never_a_failure_of_efficacy() {
    assert_eq!(verdict("sertraline", 100.0, 8.0, NotTolerated).0, TrialVerdict::NotTolerated);
    assert_eq!(verdict("sertraline", 100.0, 1.0, NotTolerated).0, TrialVerdict::NotTolerated);
    let e = with(|e| e.antidepressant_trials = vec![trial("sertraline", 100.0, 8.0, NotTolerated), trial("venlafaxine", 150.0, 8.0, NoResponse)]);
    let trd = assess(&e, DrugTable::bundled(), &TrdPolicy::default());
    assert!(!trd.is_trd);
    assert_eq!(trd.adequate_failed_trials, 1);
    assert_eq!(trd.maudsley.failed_medications, 1);
}

#[test]
fn unknown_non_antidepressant_and_doseless_drugs_are_unassessable_and_listed() {
    let e = with(|e| {
        e.antidepressant_trials = vec![
            trial("herbalex", 100.0, 8.0, NoResponse),
            trial("lorazepam", 2.0, 8.0, NoResponse),
            trial("selegiline", 10.0, 8.0, NoResponse),
            trial("sertraline", 100.0, 8.0, NoResponse),
        ];
    });
    let trd = assess(&e, DrugTable::bundled(), &TrdPolicy::default());
    let verdicts: Vec<TrialVerdict> = trd.trials.iter().map(|t| t.verdict).collect();
    assert_eq!(verdicts, [TrialVerdict::Unassessable, TrialVerdict::Unassessable, TrialVerdict::Unassessable, TrialVerdict::Failed]);
    let listed: Vec<(usize, &str)> = trd.unassessable.iter().map(|u| (u.index, u.reason.as_str())).collect();
    assert_eq!(
        listed,
        [
            (0, "`herbalex` is not in the drug table"),
            (1, "`lorazepam` is not an antidepressant in the drug table"),
            (2, "the drug table has no minimum adequate dose for `selegiline`"),
        ]
    );
    assert!(!trd.is_trd);
    assert_eq!(trd.trials[0].adequate, None);
    // The MSM counts failed medications by outcome, known to the table or not.
    assert_eq!(trd.maudsley.failed_medications, 4);
}

#[test]
fn trd_needs_two_different_antidepressants_that_failed_adequately() {
    let trd = assess(&base(), DrugTable::bundled(), &TrdPolicy::default());
    assert!(trd.is_trd);
    assert_eq!((trd.adequate_failed_trials, trd.adequate_failed_drugs), (2, 2));

    let same_drug_twice = with(|e| e.antidepressant_trials = vec![trial("sertraline", 100.0, 8.0, NoResponse), trial("Zoloft", 150.0, 8.0, NoResponse)]);
    let trd = assess(&same_drug_twice, DrugTable::bundled(), &TrdPolicy::default());
    assert!(!trd.is_trd);
    assert_eq!((trd.adequate_failed_trials, trd.adequate_failed_drugs), (2, 1));

    let stricter = TrdPolicy { min_weeks: 9, min_failed_trials: 2 };
    assert!(!assess(&base(), DrugTable::bundled(), &stricter).is_trd, "sertraline lasted only 8 weeks");
    let three = TrdPolicy { min_weeks: 6, min_failed_trials: 3 };
    assert!(!assess(&base(), DrugTable::bundled(), &three).is_trd);
}

#[test]
fn trd_assessment_json_shape() {
    let json = serde_json::to_value(assess(&base(), DrugTable::bundled(), &TrdPolicy::default())).unwrap();
    let keys: std::collections::BTreeSet<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    let want = ["is_trd", "adequate_failed_trials", "adequate_failed_drugs", "trials", "unassessable", "maudsley", "thase_rush_stage", "thase_rush_reason"];
    assert_eq!(keys, want.into_iter().collect());
    assert_eq!(json["trials"][0]["verdict"], "failed");
    assert_eq!(json["trials"][0]["matched_drug"], "sertraline");
    assert_eq!(json["trials"][0]["class"], "ssri");
    assert_eq!(json["maudsley"]["band"], "moderate");
    assert_eq!(json["maudsley"]["components"]["duration"], 2);
    assert_eq!(json["thase_rush_stage"], 2);
}

#[test]
fn msm_dimension_boundaries_follow_the_reference_table() {
    assert_eq!([0, 12, 13, 24, 25].map(duration_points), [1, 1, 2, 2, 3]);
    assert_eq!([Severity::Subsyndromal, Severity::Mild, Severity::Moderate, Severity::Severe, Severity::SeverePsychotic].map(severity_points), [1, 2, 3, 4, 5]);
    assert_eq!([0, 1, 2, 3, 4, 5, 6, 7, 10, 11].map(failure_points), [None, Some(1), Some(1), Some(2), Some(2), Some(3), Some(3), Some(4), Some(4), Some(5)]);
}

/// Hand-worked MSM totals at every band boundary: (months, severity, failures, aug, ECT).
#[test]
fn msm_worked_examples_at_band_boundaries() {
    let cases = [
        // 1 (≤12 mo) + 1 (subsyndromal) + 1 (1 failure) = 3, mild
        (6, Severity::Subsyndromal, 1, false, false, 3, MaudsleyBand::Mild),
        // 1 + 3 (moderate) + 1 (2 failures) + 1 (augmentation) = 6, mild
        (12, Severity::Moderate, 2, true, false, 6, MaudsleyBand::Mild),
        // 2 (13 mo) + 3 + 1 + 1 = 7, moderate
        (13, Severity::Moderate, 2, true, false, 7, MaudsleyBand::Moderate),
        // 3 (30 mo) + 4 (severe) + 2 (3 failures) + 1 = 10, moderate
        (30, Severity::Severe, 3, true, false, 10, MaudsleyBand::Moderate),
        // 3 + 4 + 2 + 1 + 1 (ECT) = 11, severe
        (30, Severity::Severe, 4, true, true, 11, MaudsleyBand::Severe),
        // 3 + 5 (psychotic) + 5 (11 failures) + 1 + 1 = 15, severe
        (48, Severity::SeverePsychotic, 11, true, true, 15, MaudsleyBand::Severe),
    ];
    for (months, severity, failures, aug, ect, score, band) in cases {
        let msm = maudsley(Some(months), Some(severity), failures, aug, ect);
        assert_eq!((msm.score, msm.band), (Some(score), Some(band)), "{months} mo, {severity:?}, {failures} failures");
        assert!(msm.missing.is_empty() && msm.note.is_none());
    }
}

#[test]
fn msm_has_no_score_without_duration_severity_or_a_failure() {
    let msm = maudsley(None, None, 2, false, false);
    assert_eq!(msm.score, None);
    assert_eq!(msm.missing, ["episode_duration_months", "severity"]);
    assert_eq!(msm.components.treatment_failures, Some(1));

    let msm = maudsley(Some(10), Some(Severity::Mild), 0, true, false);
    assert_eq!((msm.score, msm.band, msm.components.treatment_failures), (None, None, None));
    assert!(msm.missing.is_empty());
    assert!(msm.note.unwrap().contains("3-15"));
}

#[test]
fn msm_from_a_full_evaluation() {
    // base(): 18 months (2), severe (4), sertraline and venlafaxine failed (2 → 1), no aug/ECT.
    let trd = assess(&with(|e| e.augmentation_used = true), DrugTable::bundled(), &TrdPolicy::default());
    assert_eq!((trd.maudsley.score, trd.maudsley.band), (Some(8), Some(MaudsleyBand::Moderate)));
    // A short sertraline trial still counts as an MSM failure (its own inventory), not for TRD.
    let short = with(|e| e.antidepressant_trials[0].weeks = 3.0);
    let trd = assess(&short, DrugTable::bundled(), &TrdPolicy::default());
    assert_eq!((trd.is_trd, trd.maudsley.failed_medications), (false, 2));
}

#[test]
fn thase_rush_each_stage() {
    let stage = |classes: &[DrugClass], responded: bool, ect: bool| thase_rush(classes, responded, ect).stage;
    assert_eq!(stage(&[], false, false), None);
    assert_eq!(stage(&[], false, true), None);
    assert_eq!(stage(&[], true, false), Some(0));
    assert_eq!(stage(&[Ssri], false, false), Some(1));
    assert_eq!(stage(&[Ssri, Ssri], true, false), Some(1));
    assert_eq!(stage(&[OtherAntidepressant, OtherAntidepressant], false, false), Some(1));
    assert_eq!(stage(&[Ssri, Snri], false, false), Some(2));
    assert_eq!(stage(&[Ssri, Tca], false, false), Some(2), "the TCA is the stage II class; none left for III");
    assert_eq!(stage(&[Ssri, Snri, Tca], false, false), Some(3));
    assert_eq!(stage(&[Ssri, Tca, Tca], false, false), Some(3), "one TCA for II, the other for III");
    assert_eq!(stage(&[Ssri, Tca, Maoi], false, false), Some(3));
    assert_eq!(stage(&[Ssri, Snri, Tca, Maoi], false, false), Some(4));
    assert_eq!(stage(&[Ssri, Snri, Tca, Maoi], false, true), Some(5));
    assert_eq!(stage(&[Ssri, Snri], false, true), Some(2), "ECT counts only on top of stage IV");
    let v = thase_rush(&[Ssri, Snri, Tca, Maoi], false, true);
    assert!(v.reason.contains("neither its outcome nor its laterality"), "{}", v.reason);
}

#[test]
fn thase_rush_from_a_full_evaluation() {
    let e = with(|e| {
        e.antidepressant_trials = vec![
            trial("escitalopram", 20.0, 8.0, NoResponse),
            trial("Cymbalta", 60.0, 8.0, PartialResponse),
            trial("nortriptyline", 100.0, 8.0, NoResponse),
            trial("Parnate", 40.0, 8.0, NoResponse),
        ];
        e.ect_used = true;
    });
    let trd = assess(&e, DrugTable::bundled(), &TrdPolicy::default());
    assert_eq!(trd.thase_rush_stage, Some(5));
    let underdosed_maoi = with(|e| e.antidepressant_trials = vec![trial("escitalopram", 20.0, 8.0, NoResponse), trial("Parnate", 20.0, 8.0, NoResponse)]);
    assert_eq!(assess(&underdosed_maoi, DrugTable::bundled(), &TrdPolicy::default()).thase_rush_stage, Some(1));
}
