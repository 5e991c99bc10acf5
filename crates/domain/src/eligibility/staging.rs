//! Staging of treatment resistance: the Maudsley Staging Method (REFERENCE §5.3) and
//! Thase–Rush staging (REFERENCE §5.2).
//!
//! Both are pure functions of facts the TRD assessment has already worked out, so they can be
//! tested with hand-worked examples straight from the REFERENCE tables.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::DrugClass;
use super::evaluation::Severity;

/// Maudsley band of the total: mild 3–6, moderate 7–10, severe 11–15 (REFERENCE §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaudsleyBand {
    Mild,
    Moderate,
    Severe,
}

impl MaudsleyBand {
    /// The band of a total, `None` outside 3–15.
    pub fn of(score: u8) -> Option<Self> {
        match score {
            3..=6 => Some(Self::Mild),
            7..=10 => Some(Self::Moderate),
            11..=15 => Some(Self::Severe),
            _ => None,
        }
    }
}

/// Points per MSM dimension; `None` where the dimension could not be rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaudsleyComponents {
    pub duration: Option<u8>,
    pub severity: Option<u8>,
    pub treatment_failures: Option<u8>,
    pub augmentation: u8,
    pub ect: u8,
}

/// The MSM result: total and band when every dimension could be rated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaudsleyAssessment {
    pub score: Option<u8>,
    pub band: Option<MaudsleyBand>,
    pub components: MaudsleyComponents,
    /// Antidepressant medications that failed in the current episode, as MSM counts them.
    pub failed_medications: u32,
    /// Evaluation fields that must be filled before a score can be given.
    pub missing: Vec<String>,
    /// Why there is no score when no field is missing.
    pub note: Option<String>,
}

/// Duration points: acute ≤ 12 months 1, sub-acute 13–24 months 2, chronic > 24 months 3.
pub fn duration_points(months: u32) -> u8 {
    match months {
        0..=12 => 1,
        13..=24 => 2,
        _ => 3,
    }
}

/// Severity points: subsyndromal 1, mild 2, moderate 3, severe without psychosis 4, severe
/// with psychosis 5.
pub fn severity_points(severity: Severity) -> u8 {
    match severity {
        Severity::Subsyndromal => 1,
        Severity::Mild => 2,
        Severity::Moderate => 3,
        Severity::Severe => 4,
        Severity::SeverePsychotic => 5,
    }
}

/// Treatment-failure points: 1–2 medications 1, 3–4 2, 5–6 3, 7–10 4, > 10 5; `None` for no
/// failure, which the scale (total 3–15) does not rate.
pub fn failure_points(failed_medications: u32) -> Option<u8> {
    match failed_medications {
        0 => None,
        1..=2 => Some(1),
        3..=4 => Some(2),
        5..=6 => Some(3),
        7..=10 => Some(4),
        _ => Some(5),
    }
}

/// Scores the MSM. `failed_medications` is the number of antidepressant medications that
/// failed in the current episode; the caller decides how to count them (see `trd.rs`).
///
/// Without a failure there is no score rather than an invented one: the MSM stages
/// treatment-resistant depression, its failure dimension starts at "1–2 medications", and its
/// published total runs from 3 to 15.
pub fn maudsley(
    episode_months: Option<u32>,
    severity: Option<Severity>,
    failed_medications: u32,
    augmentation_used: bool,
    ect_used: bool,
) -> MaudsleyAssessment {
    let components = MaudsleyComponents {
        duration: episode_months.map(duration_points),
        severity: severity.map(severity_points),
        treatment_failures: failure_points(failed_medications),
        augmentation: u8::from(augmentation_used),
        ect: u8::from(ect_used),
    };
    let mut missing = Vec::new();
    if components.duration.is_none() {
        missing.push("episode_duration_months".to_owned());
    }
    if components.severity.is_none() {
        missing.push("severity".to_owned());
    }
    let note = (failed_medications == 0)
        .then(|| "No antidepressant failed in the current episode; the MSM rates 1 or more failures (total 3-15), so there is no score.".to_owned());
    let score = match (components.duration, components.severity, components.treatment_failures) {
        (Some(d), Some(s), Some(f)) => Some(d + s + f + components.augmentation + components.ect),
        _ => None,
    };
    MaudsleyAssessment { score, band: score.and_then(MaudsleyBand::of), components, failed_medications, missing, note }
}

/// A Thase–Rush stage with the reasoning behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThaseRush {
    /// 0–5, `None` when no adequate trial was completed.
    pub stage: Option<u8>,
    pub reason: String,
}

/// Thase–Rush stage from the antidepressant classes of the adequate failed trials (one entry
/// per trial) and whether any adequate trial led to a response.
///
/// The stages are cumulative, each met by a trial not already used for a lower stage:
/// I — one failure; II — failures in two distinct classes; III — a TCA failure on top of two
/// distinct classes among the other failures; IV — a TCA and an MAOI failure on top of two
/// distinct classes among the rest; V — stage IV plus a failed course of bilateral ECT.
/// `ect_used` is taken as that failed course because the evaluation records neither the
/// outcome nor the laterality of ECT (a patient under evaluation is still depressed); the
/// reason says so. "Other antidepressants" (bupropion, mirtazapine, trazodone, vortioxetine,
/// vilazodone) form one class here, so two failures among them stage as I, not II.
pub fn thase_rush(failed_classes: &[DrugClass], responded_to_adequate_trial: bool, ect_used: bool) -> ThaseRush {
    let mut counts: BTreeMap<DrugClass, u32> = BTreeMap::new();
    for class in failed_classes {
        *counts.entry(*class).or_default() += 1;
    }
    let distinct_without = |remove: &[DrugClass]| {
        let mut left = counts.clone();
        for class in remove {
            if let Some(n) = left.get_mut(class) {
                *n = n.saturating_sub(1);
            }
        }
        left.values().filter(|n| **n > 0).count()
    };
    let has = |class: DrugClass| counts.contains_key(&class);
    let names: Vec<&str> = counts.keys().map(|c| c.as_str()).collect();
    let failed = format!("adequate failed trials in {} class(es): {}", names.len(), names.join(", "));
    let ect_note = if ect_used { "; ECT counts towards stage V only on top of stage IV" } else { "" };

    if failed_classes.is_empty() {
        return if responded_to_adequate_trial {
            ThaseRush { stage: Some(0), reason: "responded to an adequate trial; no adequate trial failed".to_owned() }
        } else {
            ThaseRush { stage: None, reason: "no adequate antidepressant trial has been completed".to_owned() }
        };
    }
    let (stage, why) = if has(DrugClass::Tca) && has(DrugClass::Maoi) && distinct_without(&[DrugClass::Tca, DrugClass::Maoi]) >= 2 {
        if ect_used {
            let why = "a TCA and an MAOI failed after two other classes, and ECT was used (taken as a failed bilateral course: the evaluation records neither its outcome nor its laterality)";
            return ThaseRush { stage: Some(5), reason: format!("{failed}; {why}") };
        }
        (4, "a TCA and an MAOI failed after two other classes")
    } else if has(DrugClass::Tca) && distinct_without(&[DrugClass::Tca]) >= 2 {
        (3, "a TCA failed after two other classes; no MAOI failure on top of that")
    } else if counts.len() >= 2 {
        (2, "failures in two distinct classes")
    } else {
        (1, "failure in one class")
    };
    ThaseRush { stage: Some(stage), reason: format!("{failed}; {why}{ect_note}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_exactly_three_to_fifteen() {
        let bands: Vec<Option<MaudsleyBand>> = (0..=16).map(MaudsleyBand::of).collect();
        assert_eq!(bands[2], None);
        assert!(bands[3..=6].iter().all(|b| *b == Some(MaudsleyBand::Mild)));
        assert!(bands[7..=10].iter().all(|b| *b == Some(MaudsleyBand::Moderate)));
        assert!(bands[11..=15].iter().all(|b| *b == Some(MaudsleyBand::Severe)));
        assert_eq!(bands[16], None);
    }
}
