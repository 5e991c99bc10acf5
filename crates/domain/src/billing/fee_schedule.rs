//! The clinic's fee schedule: one price per procedure code, kept by an admin.
//!
//! Issue 8 item 8 ("an admin-managed fee schedule (code, description, price)"). Prices are the
//! clinic's own (REFERENCE §8.1 gives only low-confidence market ranges, so nothing is
//! pre-filled). One price per code, whatever the modifiers: the modifiers this crate emits (KX)
//! flag an enrolment, they do not change the fee. Versioning by effective date is left out;
//! a charge copies its unit price when captured, so a later price change never rewrites it.

use serde::Serialize;

use super::code::ProcedureCode;
use super::money::Money;

/// Longest description accepted, in characters (a superbill line, not an essay).
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// Most entries a schedule holds; REFERENCE §8 lists under twenty codes, and a bounded list
/// keeps an admin form and its storage honest (ARCHITECTURE: limits on list sizes).
pub const MAX_ENTRIES: usize = 500;

/// Why an entry or a schedule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeScheduleError {
    #[error("the description must not be empty")]
    EmptyDescription,
    #[error("the description must be at most {MAX_DESCRIPTION_CHARS} characters")]
    DescriptionTooLong,
    #[error("the price of {code} must not be negative")]
    NegativePrice { code: ProcedureCode },
    #[error("{code} is listed more than once")]
    DuplicateCode { code: ProcedureCode },
    #[error("a fee schedule holds at most {MAX_ENTRIES} entries")]
    TooManyEntries,
}

/// One priced code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeeEntry {
    code: ProcedureCode,
    description: String,
    price: Money,
}

impl FeeEntry {
    /// An entry; `description` is trimmed. A price of zero is allowed (a service the clinic
    /// includes free still appears on the superbill); a negative one is not.
    pub fn new(code: ProcedureCode, description: &str, price: Money) -> Result<Self, FeeScheduleError> {
        let description = description.trim();
        if description.is_empty() {
            return Err(FeeScheduleError::EmptyDescription);
        }
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(FeeScheduleError::DescriptionTooLong);
        }
        if price.is_negative() {
            return Err(FeeScheduleError::NegativePrice { code });
        }
        Ok(Self { code, description: description.to_owned(), price })
    }

    pub fn code(&self) -> &ProcedureCode {
        &self.code
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn price(&self) -> Money {
        self.price
    }
}

/// A validated set of entries, in the order the admin keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FeeSchedule(Vec<FeeEntry>);

impl FeeSchedule {
    /// A schedule of `entries`; refuses a code listed twice (which price would apply?).
    pub fn new(entries: Vec<FeeEntry>) -> Result<Self, FeeScheduleError> {
        if entries.len() > MAX_ENTRIES {
            return Err(FeeScheduleError::TooManyEntries);
        }
        let mut seen = std::collections::BTreeSet::new();
        for entry in &entries {
            if !seen.insert(&entry.code) {
                return Err(FeeScheduleError::DuplicateCode { code: entry.code.clone() });
            }
        }
        Ok(Self(entries))
    }

    /// The entry for `code`, if the clinic prices it.
    pub fn get(&self, code: &ProcedureCode) -> Option<&FeeEntry> {
        self.0.iter().find(|e| &e.code == code)
    }

    pub fn entries(&self) -> &[FeeEntry] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;
    use crate::billing::code::{IV_INFUSION_INITIAL, UNCLASSIFIED_DRUG};

    fn entry(code: ProcedureCode, cents: i64) -> FeeEntry {
        FeeEntry::new(code, "service", Money::from_cents(cents)).unwrap()
    }

    #[test]
    fn entries_are_checked() {
        let e = FeeEntry::new(IV_INFUSION_INITIAL, "  IV ketamine infusion ", Money::from_cents(45_000)).unwrap();
        assert_eq!((e.description(), e.price()), ("IV ketamine infusion", Money::from_cents(45_000)));
        assert_eq!(FeeEntry::new(IV_INFUSION_INITIAL, "  ", Money::ZERO), Err(FeeScheduleError::EmptyDescription));
        let long = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert_eq!(FeeEntry::new(IV_INFUSION_INITIAL, &long, Money::ZERO), Err(FeeScheduleError::DescriptionTooLong));
        assert!(FeeEntry::new(IV_INFUSION_INITIAL, &"é".repeat(MAX_DESCRIPTION_CHARS), Money::ZERO).is_ok(), "characters, not bytes");
        assert_eq!(FeeEntry::new(IV_INFUSION_INITIAL, "x", Money::from_cents(-1)), Err(FeeScheduleError::NegativePrice { code: IV_INFUSION_INITIAL }));
        assert!(FeeEntry::new(IV_INFUSION_INITIAL, "included", Money::ZERO).is_ok());
    }

    #[test]
    fn lookup_and_duplicates() {
        let schedule = FeeSchedule::new(vec![entry(IV_INFUSION_INITIAL, 45_000), entry(UNCLASSIFIED_DRUG, 2_500)]).unwrap();
        assert_eq!(schedule.get(&UNCLASSIFIED_DRUG).map(FeeEntry::price), Some(Money::from_cents(2_500)));
        let parsed = ProcedureCode::parse("j3490").unwrap();
        assert_eq!(schedule.get(&parsed).map(FeeEntry::code), Some(&UNCLASSIFIED_DRUG), "a typed code finds a constant's entry");
        assert!(schedule.get(&ProcedureCode::parse("96366").unwrap()).is_none());
        assert_eq!(
            FeeSchedule::new(vec![entry(IV_INFUSION_INITIAL, 1), entry(IV_INFUSION_INITIAL, 2)]),
            Err(FeeScheduleError::DuplicateCode { code: IV_INFUSION_INITIAL })
        );
        let many = (0..=MAX_ENTRIES).map(|i| entry(ProcedureCode::parse(&format!("{:05}", 10_000 + i)).unwrap(), 1)).collect();
        assert_eq!(FeeSchedule::new(many), Err(FeeScheduleError::TooManyEntries));
    }
}
