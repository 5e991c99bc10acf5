//! Charge capture: which codes, modifiers and units follow from what happened.
//!
//! Pure functions over small fact structs, so the rules do not depend on session internals; the
//! app layer reads the facts off a discharged session, an evaluation or a scored instrument, calls
//! these, and prices the result with [`super::charge::charges`]. Source: REFERENCE §8.1 / §8.2.

use std::num::NonZeroU32;

use super::charge::CodedService;
use super::code::{
    BRIEF_ASSESSMENT, ESKETAMINE_OVER_56_MG, ESKETAMINE_UP_TO_56_MG, IV_INFUSION_ADDITIONAL_HOUR, IV_INFUSION_INITIAL, IV_PUSH, OFFICE_VISIT_ESTABLISHED,
    OFFICE_VISIT_NEW, PSYCHIATRIC_EVALUATION, PSYCHIATRIC_EVALUATION_MEDICAL, REMS_ENROLLED, THERAPEUTIC_INJECTION, UNCLASSIFIED_DRUG,
};

/// Why facts could not be coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("an infusion of zero minutes is not a service")]
    NoInfusionTime,
    #[error("an esketamine session with no dose is not a service")]
    NoDose,
}

/// An IV ketamine infusion: its running time in whole minutes (start to stop, pauses excluded
/// as the nurse charted them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfusionFacts {
    pub minutes: u32,
}

/// A SPRAVATO session: the dose self-administered and whether Medicare is the payer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EsketamineFacts {
    pub dose_mg: u32,
    pub medicare: bool,
}

/// A psychiatric diagnostic evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvaluationFacts {
    pub with_medical_services: bool,
}

/// Instruments scored at an encounter (PHQ-9, GAD-7 …) and whether the clinic bills them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstrumentFacts {
    pub count: u32,
    pub enabled: bool,
}

/// The level of an office E/M visit, 2 to 5, as the clinician chose it; the level is a clinical
/// judgement, so this crate maps it to a code and never derives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmLevel {
    Two,
    Three,
    Four,
    Five,
}

/// An office E/M visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeVisitFacts {
    pub new_patient: bool,
    pub level: EmLevel,
}

/// An IV infusion and its drug (REFERENCE §8.1):
///
/// - 1–15 minutes: 96374 × 1. 96365 requires more than 15 minutes; an infusion of 15 minutes or
///   less is reported as an IV push instead, so a short run is still billed, under the right code.
/// - 16–90 minutes: 96365 × 1 (the initial hour, which the 30-minute rule stretches to 90).
/// - 91 minutes and more: 96365 × 1 and +96366 × one unit per further hour, each counted only
///   once the infusion runs more than 30 minutes into it: 91 → 1, 150 → 1, 151 → 2, 211 → 3.
/// - always J3490 × 1 for the ketamine itself (no specific J-code exists).
pub fn iv_infusion(facts: InfusionFacts) -> Result<Vec<CodedService>, CaptureError> {
    let administration = match facts.minutes {
        0 => return Err(CaptureError::NoInfusionTime),
        1..=15 => vec![CodedService::once(IV_PUSH)],
        minutes => {
            let mut codes = vec![CodedService::once(IV_INFUSION_INITIAL)];
            // Minutes past 90 (the end of the first hour's 30-minute grace); every started hour of
            // them reaches more than 30 minutes into a further hour.
            let additional = minutes.saturating_sub(90).div_ceil(60);
            if let Some(units) = NonZeroU32::new(additional) {
                codes.push(CodedService { units, ..CodedService::once(IV_INFUSION_ADDITIONAL_HOUR) });
            }
            codes
        }
    };
    Ok(administration.into_iter().chain([CodedService::once(UNCLASSIFIED_DRUG)]).collect())
}

/// An IM ketamine injection: 96372 × 1 and J3490 × 1 for the drug (REFERENCE §8.1).
pub fn im_injection() -> Vec<CodedService> {
    vec![CodedService::once(THERAPEUTIC_INJECTION), CodedService::once(UNCLASSIFIED_DRUG)]
}

/// A SPRAVATO session (REFERENCE §8.2): G2082 up to 56 mg, G2083 above (84 mg), one unit. The
/// G-codes include the drug and the 2-hour observation, so no J-code is added; Medicare wants the
/// KX modifier to show the clinic's REMS enrolment. The G-codes are for established patients;
/// the app layer only reaches this after an evaluation, which makes the patient established.
pub fn esketamine(facts: EsketamineFacts) -> Result<CodedService, CaptureError> {
    let code = match facts.dose_mg {
        0 => return Err(CaptureError::NoDose),
        1..=56 => ESKETAMINE_UP_TO_56_MG,
        _ => ESKETAMINE_OVER_56_MG,
    };
    let modifiers = if facts.medicare { vec![REMS_ENROLLED] } else { Vec::new() };
    Ok(CodedService { modifiers, ..CodedService::once(code) })
}

/// A psychiatric diagnostic evaluation: 90791 without, 90792 with medical services (REFERENCE §8.1).
pub fn evaluation(facts: EvaluationFacts) -> CodedService {
    CodedService::once(if facts.with_medical_services { PSYCHIATRIC_EVALUATION_MEDICAL } else { PSYCHIATRIC_EVALUATION })
}

/// An office E/M visit: 99202–99205 new, 99212–99215 established (REFERENCE §8.1).
pub fn office_visit(facts: OfficeVisitFacts) -> CodedService {
    let [two, three, four, five] = if facts.new_patient { OFFICE_VISIT_NEW } else { OFFICE_VISIT_ESTABLISHED };
    CodedService::once(match facts.level {
        EmLevel::Two => two,
        EmLevel::Three => three,
        EmLevel::Four => four,
        EmLevel::Five => five,
    })
}

/// 96127 × the number of scored instruments, when the clinic bills them (REFERENCE §8.1: "per
/// instrument"); nothing when it does not or none was scored.
pub fn instruments(facts: InstrumentFacts) -> Option<CodedService> {
    let units = NonZeroU32::new(facts.count).filter(|_| facts.enabled)?;
    Some(CodedService { units, ..CodedService::once(BRIEF_ASSESSMENT) })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    /// The services as `CODE-MOD×UNITS` words, e.g. `96365×1 96366×2 J3490×1`.
    fn text(services: &[CodedService]) -> String {
        let word = |s: &CodedService| {
            let modifiers: String = s.modifiers.iter().map(|m| format!("-{m}")).collect();
            format!("{}{modifiers}×{}", s.code, s.units)
        };
        services.iter().map(word).collect::<Vec<_>>().join(" ")
    }

    fn infusion(minutes: u32) -> String {
        text(&iv_infusion(InfusionFacts { minutes }).unwrap())
    }

    /// Issue 8 acceptance: infusions of 15, 16, 90, 91, 120 and 151 minutes.
    #[test]
    fn infusion_worked_examples() {
        assert_eq!(infusion(15), "96374×1 J3490×1", "15 min is a push: 96365 needs more than 15");
        assert_eq!(infusion(16), "96365×1 J3490×1");
        assert_eq!(infusion(90), "96365×1 J3490×1", "the first hour stretches to 90 min");
        assert_eq!(infusion(91), "96365×1 96366×1 J3490×1", "91 min is more than 30 into the second hour");
        assert_eq!(infusion(120), "96365×1 96366×1 J3490×1");
        assert_eq!(infusion(151), "96365×1 96366×2 J3490×1", "151 min is 31 into the third hour");
    }

    #[test]
    fn infusion_boundaries() {
        assert_eq!(infusion(1), "96374×1 J3490×1");
        assert_eq!(infusion(40), "96365×1 J3490×1", "the usual 40-minute infusion (REFERENCE §1.1)");
        assert_eq!(infusion(150), "96365×1 96366×1 J3490×1", "exactly 30 past the hour does not count");
        assert_eq!(infusion(210), "96365×1 96366×2 J3490×1");
        assert_eq!(infusion(211), "96365×1 96366×3 J3490×1");
        assert_eq!(iv_infusion(InfusionFacts { minutes: 0 }), Err(CaptureError::NoInfusionTime));
        let extreme = iv_infusion(InfusionFacts { minutes: u32::MAX }).unwrap();
        assert_eq!(extreme.get(1).map(|s| s.units.get()), Some((u32::MAX - 90).div_ceil(60)), "no overflow at the extreme");
    }

    /// Issue 8 acceptance: esketamine 56 and 84 mg; KX only for Medicare; never a J-code.
    #[test]
    fn esketamine_worked_examples() {
        let one = |dose_mg, medicare| text(&[esketamine(EsketamineFacts { dose_mg, medicare }).unwrap()]);
        assert_eq!(one(56, false), "G2082×1");
        assert_eq!(one(56, true), "G2082-KX×1");
        assert_eq!(one(84, false), "G2083×1");
        assert_eq!(one(84, true), "G2083-KX×1");
        assert_eq!(one(28, false), "G2082×1");
        assert_eq!(one(57, false), "G2083×1");
        assert_eq!(esketamine(EsketamineFacts { dose_mg: 0, medicare: true }), Err(CaptureError::NoDose));
    }

    #[test]
    fn evaluations_visits_and_instruments() {
        assert_eq!(evaluation(EvaluationFacts { with_medical_services: false }).code.as_str(), "90791");
        assert_eq!(evaluation(EvaluationFacts { with_medical_services: true }).code.as_str(), "90792");
        let visit = |new_patient, level| office_visit(OfficeVisitFacts { new_patient, level }).code.as_str().to_owned();
        assert_eq!([visit(true, EmLevel::Two), visit(true, EmLevel::Five)], ["99202", "99205"]);
        assert_eq!([visit(false, EmLevel::Three), visit(false, EmLevel::Four)], ["99213", "99214"]);
        let scored = instruments(InstrumentFacts { count: 2, enabled: true }).unwrap();
        assert_eq!(text(&[scored]), "96127×2");
        assert_eq!(instruments(InstrumentFacts { count: 2, enabled: false }), None);
        assert_eq!(instruments(InstrumentFacts { count: 0, enabled: true }), None);
        assert_eq!(text(&im_injection()), "96372×1 J3490×1");
    }
}
