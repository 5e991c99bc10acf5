//! Charges: a coded service, priced from the fee schedule and linked to the diagnoses that
//! justify it.
//!
//! Issue 8 item 8 ("each charge linked to its ICD-10-CM diagnoses"): a superbill line without a
//! diagnosis is one no payer reimburses, so a [`Charge`] cannot be built without one. A code the
//! fee schedule lacks is an error naming the code, never a silent zero: a free line on a bill is a
//! mistake someone has to notice.

use std::num::NonZeroU32;

use serde::Serialize;

use super::code::{Modifier, ProcedureCode};
use super::fee_schedule::FeeSchedule;
use super::money::{Money, MoneyError};
use crate::chart::codes::IcdCode;

/// Most diagnoses one charge points to: the twelve (A–L) a CMS-1500 claim carries in box 21.
pub const MAX_DIAGNOSES: usize = 12;

/// Why a charge or an estimate could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChargeError {
    #[error("{code} is not in the fee schedule; add a price for it first")]
    NotInFeeSchedule { code: ProcedureCode },
    #[error("a charge needs at least one diagnosis")]
    NoDiagnosis,
    #[error("diagnosis {code} is listed twice")]
    DuplicateDiagnosis { code: String },
    #[error("a charge points to at most {MAX_DIAGNOSES} diagnoses")]
    TooManyDiagnoses,
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// What was done, coded but not yet priced: a capture rule's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodedService {
    pub code: ProcedureCode,
    pub modifiers: Vec<Modifier>,
    pub units: NonZeroU32,
}

impl CodedService {
    /// One unit of `code` without modifiers.
    pub fn once(code: ProcedureCode) -> Self {
        Self { code, modifiers: Vec::new(), units: NonZeroU32::MIN }
    }
}

/// A coded service with the fee schedule's unit price and the line amount, `unit_price × units`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PricedService {
    service: CodedService,
    description: String,
    unit_price: Money,
    amount: Money,
}

impl PricedService {
    /// Prices `service` from `schedule`, copying the description and unit price so later edits
    /// of the schedule leave this line as it was.
    pub fn new(service: CodedService, schedule: &FeeSchedule) -> Result<Self, ChargeError> {
        let entry = schedule.get(&service.code).ok_or_else(|| ChargeError::NotInFeeSchedule { code: service.code.clone() })?;
        let amount = entry.price().checked_mul(service.units.get())?;
        Ok(Self { description: entry.description().to_owned(), unit_price: entry.price(), amount, service })
    }

    pub fn service(&self) -> &CodedService {
        &self.service
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn unit_price(&self) -> Money {
        self.unit_price
    }

    pub fn amount(&self) -> Money {
        self.amount
    }
}

/// The diagnoses a charge points to: at least one, none twice, at most [`MAX_DIAGNOSES`], in the
/// order given (the first is the primary diagnosis on a claim line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Diagnoses(Vec<IcdCode>);

impl Diagnoses {
    pub fn new(codes: Vec<IcdCode>) -> Result<Self, ChargeError> {
        if codes.is_empty() {
            return Err(ChargeError::NoDiagnosis);
        }
        if codes.len() > MAX_DIAGNOSES {
            return Err(ChargeError::TooManyDiagnoses);
        }
        for (i, code) in codes.iter().enumerate() {
            if codes[..i].contains(code) {
                return Err(ChargeError::DuplicateDiagnosis { code: code.as_str().to_owned() });
            }
        }
        Ok(Self(codes))
    }

    pub fn codes(&self) -> &[IcdCode] {
        &self.0
    }
}

/// A billable line: a priced service and the diagnoses it is linked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Charge {
    #[serde(flatten)]
    line: PricedService,
    diagnoses: Diagnoses,
}

impl Charge {
    pub fn new(service: CodedService, schedule: &FeeSchedule, diagnoses: Diagnoses) -> Result<Self, ChargeError> {
        Ok(Self { line: PricedService::new(service, schedule)?, diagnoses })
    }

    pub fn line(&self) -> &PricedService {
        &self.line
    }

    pub fn amount(&self) -> Money {
        self.line.amount
    }

    pub fn diagnoses(&self) -> &Diagnoses {
        &self.diagnoses
    }
}

/// Charges for everything captured in one encounter, all linked to the same diagnoses; fails on
/// the first code the schedule lacks so nothing is half-billed.
pub fn charges(services: Vec<CodedService>, schedule: &FeeSchedule, diagnoses: &Diagnoses) -> Result<Vec<Charge>, ChargeError> {
    services.into_iter().map(|s| Charge::new(s, schedule, diagnoses.clone())).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;
    use crate::billing::code::{IV_INFUSION_ADDITIONAL_HOUR, IV_INFUSION_INITIAL, UNCLASSIFIED_DRUG};
    use crate::billing::fee_schedule::FeeEntry;

    fn icd(s: &str) -> IcdCode {
        IcdCode::parse(s).unwrap()
    }

    fn schedule() -> FeeSchedule {
        FeeSchedule::new(vec![
            FeeEntry::new(IV_INFUSION_INITIAL, "IV infusion, first hour", Money::from_cents(45_000)).unwrap(),
            FeeEntry::new(IV_INFUSION_ADDITIONAL_HOUR, "IV infusion, additional hour", Money::from_cents(12_500)).unwrap(),
        ])
        .unwrap()
    }

    #[test]
    fn priced_from_the_schedule() {
        let dx = Diagnoses::new(vec![icd("F33.2")]).unwrap();
        let two_hours = CodedService { units: NonZeroU32::new(2).unwrap(), ..CodedService::once(IV_INFUSION_ADDITIONAL_HOUR) };
        let charge = Charge::new(two_hours, &schedule(), dx.clone()).unwrap();
        assert_eq!((charge.line().unit_price(), charge.amount()), (Money::from_cents(12_500), Money::from_cents(25_000)));
        assert_eq!(charge.line().description(), "IV infusion, additional hour");
        assert_eq!(charge.diagnoses().codes(), [icd("F33.2")]);
        assert_eq!(
            charges(vec![CodedService::once(IV_INFUSION_INITIAL), CodedService::once(UNCLASSIFIED_DRUG)], &schedule(), &dx),
            Err(ChargeError::NotInFeeSchedule { code: UNCLASSIFIED_DRUG }),
            "a missing price names the code; it is never a zero"
        );
    }

    #[test]
    fn amount_overflow_is_an_error() {
        let huge = FeeSchedule::new(vec![FeeEntry::new(IV_INFUSION_INITIAL, "x", Money::from_cents(i64::MAX)).unwrap()]).unwrap();
        let service = CodedService { units: NonZeroU32::new(2).unwrap(), ..CodedService::once(IV_INFUSION_INITIAL) };
        assert_eq!(PricedService::new(service, &huge), Err(ChargeError::Money(MoneyError::Overflow)));
    }

    #[test]
    fn diagnoses_are_required_unique_and_bounded() {
        assert_eq!(Diagnoses::new(vec![]), Err(ChargeError::NoDiagnosis));
        assert_eq!(Diagnoses::new(vec![icd("F33.1"), icd("f33.1")]), Err(ChargeError::DuplicateDiagnosis { code: "F33.1".into() }));
        let thirteen = (0..=MAX_DIAGNOSES).map(|i| icd(&format!("F{:02}", 10 + i))).collect();
        assert_eq!(Diagnoses::new(thirteen), Err(ChargeError::TooManyDiagnoses));
        assert!(Diagnoses::new(vec![icd("F33.1"), icd("R45.851")]).is_ok());
    }

    #[test]
    fn serialises_flat() {
        let dx = Diagnoses::new(vec![icd("F33.1")]).unwrap();
        let charge = Charge::new(CodedService::once(IV_INFUSION_INITIAL), &schedule(), dx).unwrap();
        let json = serde_json::to_value(&charge).unwrap();
        assert_eq!(json["service"]["code"], "96365");
        assert_eq!(json["amount"], 45_000);
        assert_eq!(json["diagnoses"][0], "F33.1");
    }
}
