//! Estimates: what a planned course is expected to cost, shown before the patient consents.
//!
//! Issue 8 item 9 ("an estimate for a planned course (sum of its expected charges)"). A plan is a
//! list of visit kinds, each with the services one visit is expected to capture (from the same
//! rules as a real visit, fed with the planned facts, e.g. a 40-minute infusion) and how many such
//! visits are planned. No diagnoses are needed: this is a price, not a claim.

use std::num::NonZeroU32;

use serde::Serialize;

use super::charge::{ChargeError, CodedService, PricedService};
use super::fee_schedule::FeeSchedule;
use super::money::Money;

/// One kind of planned visit, e.g. "Induction infusion" × 6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedVisit {
    pub label: String,
    pub services: Vec<CodedService>,
    pub count: NonZeroU32,
}

/// One priced service of a planned visit, times the number of such visits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EstimateLine {
    pub label: String,
    pub per_visit: PricedService,
    pub visits: NonZeroU32,
    pub amount: Money,
}

/// The priced lines of a plan and their exact total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Estimate {
    lines: Vec<EstimateLine>,
    total: Money,
}

impl Estimate {
    /// Prices `plan` from `schedule`; a code the schedule lacks is an error naming it.
    pub fn new(plan: &[PlannedVisit], schedule: &FeeSchedule) -> Result<Self, ChargeError> {
        let mut lines = Vec::new();
        for visit in plan {
            for service in &visit.services {
                let per_visit = PricedService::new(service.clone(), schedule)?;
                let amount = per_visit.amount().checked_mul(visit.count.get())?;
                lines.push(EstimateLine { label: visit.label.clone(), per_visit, visits: visit.count, amount });
            }
        }
        let total = Money::sum(lines.iter().map(|l| l.amount))?;
        Ok(Self { lines, total })
    }

    pub fn lines(&self) -> &[EstimateLine] {
        &self.lines
    }

    /// The exact sum of the lines.
    pub fn total(&self) -> Money {
        self.total
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use proptest::prelude::*;

    use super::*;
    use crate::billing::capture::{EvaluationFacts, InfusionFacts, evaluation, iv_infusion};
    use crate::billing::code::{IV_INFUSION_INITIAL, PSYCHIATRIC_EVALUATION_MEDICAL, ProcedureCode, UNCLASSIFIED_DRUG};
    use crate::billing::fee_schedule::FeeEntry;

    fn schedule() -> FeeSchedule {
        FeeSchedule::new(vec![
            FeeEntry::new(PSYCHIATRIC_EVALUATION_MEDICAL, "Psychiatric evaluation", Money::from_cents(35_000)).unwrap(),
            FeeEntry::new(IV_INFUSION_INITIAL, "IV infusion", Money::from_cents(42_500)).unwrap(),
            FeeEntry::new(UNCLASSIFIED_DRUG, "Ketamine", Money::from_cents(2_500)).unwrap(),
        ])
        .unwrap()
    }

    fn n(count: u32) -> NonZeroU32 {
        NonZeroU32::new(count).unwrap()
    }

    #[test]
    fn induction_course_worked_example() {
        // An evaluation, then six 40-minute infusions: 350 + 6 × (425 + 25) = $3,050.00.
        let plan = [
            PlannedVisit { label: "Evaluation".into(), services: vec![evaluation(EvaluationFacts { with_medical_services: true })], count: n(1) },
            PlannedVisit { label: "Induction infusion".into(), services: iv_infusion(InfusionFacts { minutes: 40 }).unwrap(), count: n(6) },
        ];
        let estimate = Estimate::new(&plan, &schedule()).unwrap();
        let lines: Vec<(&str, &str, u32, String)> =
            estimate.lines().iter().map(|l| (l.label.as_str(), l.per_visit.service().code.as_str(), l.visits.get(), l.amount.to_string())).collect();
        assert_eq!(
            lines,
            [
                ("Evaluation", "90792", 1, "350.00".to_owned()),
                ("Induction infusion", "96365", 6, "2550.00".to_owned()),
                ("Induction infusion", "J3490", 6, "150.00".to_owned()),
            ]
        );
        assert_eq!(estimate.total().with_symbol("$"), "$3050.00");
    }

    #[test]
    fn unpriced_code_is_named() {
        let plan = [PlannedVisit { label: "Follow-up".into(), services: vec![CodedService::once(ProcedureCode::parse("99213").unwrap())], count: n(2) }];
        assert_eq!(Estimate::new(&plan, &schedule()), Err(ChargeError::NotInFeeSchedule { code: ProcedureCode::parse("99213").unwrap() }));
    }

    proptest! {
        #[test]
        fn total_is_the_sum_of_lines(counts in prop::collection::vec(1u32..100, 0..8)) {
            let plan: Vec<PlannedVisit> = counts
                .iter()
                .map(|&c| PlannedVisit { label: "Infusion".into(), services: iv_infusion(InfusionFacts { minutes: 40 }).unwrap(), count: n(c) })
                .collect();
            let estimate = Estimate::new(&plan, &schedule()).unwrap();
            let expected: i64 = counts.iter().map(|&c| 45_000 * i64::from(c)).sum();
            prop_assert_eq!(estimate.total().cents(), expected);
            prop_assert_eq!(Money::sum(estimate.lines().iter().map(|l| l.amount)), Ok(estimate.total()));
        }
    }
}
