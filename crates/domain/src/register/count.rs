//! Inventory counts (21 CFR 1304.11, REFERENCE §7.5): an initial inventory when the clinic
//! starts handling controlled substances (zero is valid), a biennial one at least every two
//! years — noting whether taken at the opening or close of business — and ad-hoc counts.
//!
//! A count starts as a draft sheet listing every container with stock and its book quantity.
//! Staff enter what they find (opened Schedule III containers may be estimated, §7.5); every
//! line that differs from the book needs a resolution note, and may ask for the book to be
//! adjusted to the count. Signing locks the sheet and writes one `count` ledger row per line
//! (plus the adjustments), which re-checks each book quantity inside the transaction: if stock
//! moved since the sheet began, signing is refused and the line must be recounted.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{ContainerId, CountId, LocationId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountKind {
    Initial,
    Biennial,
    AdHoc,
}

impl CountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "initial",
            Self::Biennial => "biennial",
            Self::AdHoc => "ad_hoc",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "initial" => Some(Self::Initial),
            "biennial" => Some(Self::Biennial),
            "ad_hoc" => Some(Self::AdHoc),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Initial => "Initial inventory",
            Self::Biennial => "Biennial inventory",
            Self::AdHoc => "Ad-hoc count",
        }
    }
}

/// When in the business day the count was taken (§7.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountTiming {
    OpeningOfBusiness,
    CloseOfBusiness,
}

impl CountTiming {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpeningOfBusiness => "opening_of_business",
            Self::CloseOfBusiness => "close_of_business",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "opening_of_business" => Some(Self::OpeningOfBusiness),
            "close_of_business" => Some(Self::CloseOfBusiness),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountStatus {
    Draft,
    Signed,
}

impl CountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Signed => "signed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "draft" => Some(Self::Draft),
            "signed" => Some(Self::Signed),
            _ => None,
        }
    }
}

/// One container on the sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountLine {
    pub container_id: ContainerId,
    /// The book quantity when the sheet was made.
    pub book_ul: u64,
    /// What was found (`None` until counted).
    pub counted_ul: Option<u64>,
    /// Why counted and book differ, and what was done about it.
    pub resolution: Option<String>,
    /// Adjust the book to the count when the count is signed.
    pub adjust: bool,
}

impl CountLine {
    /// Counted minus book, once counted.
    pub fn discrepancy_ul(&self) -> Option<i64> {
        let counted = i64::try_from(self.counted_ul?).ok()?;
        Some(counted - i64::try_from(self.book_ul).ok()?)
    }
}

/// A count sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub id: CountId,
    pub kind: CountKind,
    pub timing: CountTiming,
    /// The location counted, or every location.
    pub location_id: Option<LocationId>,
    pub taken_on: Date,
    pub started_at: Timestamp,
    pub started_by: UserId,
    pub status: CountStatus,
    pub lines: Vec<CountLine>,
    pub signed_by: Option<UserId>,
    pub signed_at: Option<Timestamp>,
    /// Bumped by every save of the draft (optimistic concurrency between two tablets).
    pub version: u32,
}

/// Longest resolution note.
pub const RESOLUTION_MAX_CHARS: usize = 1000;

impl Count {
    /// Records what was found on one line of a draft.
    pub fn record(&mut self, container: ContainerId, counted_ul: u64, resolution: Option<String>, adjust: bool) -> Result<(), FieldError> {
        if self.status != CountStatus::Draft {
            return Err(FieldError::new("count", "is signed and locked"));
        }
        let resolution = resolution.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        if resolution.as_ref().is_some_and(|r| r.chars().count() > RESOLUTION_MAX_CHARS) {
            return Err(FieldError::new("resolution", format!("must be at most {RESOLUTION_MAX_CHARS} characters")));
        }
        let line = self.lines.iter_mut().find(|l| l.container_id == container).ok_or_else(|| FieldError::new("container_id", "is not on this count sheet"))?;
        line.counted_ul = Some(counted_ul);
        line.resolution = resolution;
        line.adjust = adjust && counted_ul != line.book_ul;
        Ok(())
    }

    /// What stops the sheet from being signed, line by line.
    pub fn sign_problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.status != CountStatus::Draft {
            problems.push(FieldError::new("count", "is already signed"));
        }
        for line in &self.lines {
            let field = format!("lines.{}", line.container_id);
            match line.discrepancy_ul() {
                None => problems.push(FieldError::new(field, "has not been counted")),
                Some(d) if d != 0 && line.resolution.is_none() => problems.push(FieldError::new(field, "differs from the book and needs a resolution note")),
                Some(_) => {}
            }
        }
        problems
    }

    /// Lines whose count differs from the book.
    pub fn discrepancies(&self) -> impl Iterator<Item = &CountLine> {
        self.lines.iter().filter(|l| l.discrepancy_ul().is_some_and(|d| d != 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Count {
        let c = |n| ContainerId(uuid::Uuid::from_u128(n));
        Count {
            id: CountId(uuid::Uuid::nil()),
            kind: CountKind::AdHoc,
            timing: CountTiming::CloseOfBusiness,
            location_id: None,
            taken_on: jiff::civil::date(2026, 11, 22),
            started_at: Timestamp::UNIX_EPOCH,
            started_by: UserId(uuid::Uuid::nil()),
            status: CountStatus::Draft,
            lines: vec![
                CountLine { container_id: c(1), book_ul: 10_000, counted_ul: None, resolution: None, adjust: false },
                CountLine { container_id: c(2), book_ul: 6_000, counted_ul: None, resolution: None, adjust: false },
            ],
            signed_by: None,
            signed_at: None,
            version: 1,
        }
    }

    #[test]
    fn a_discrepancy_needs_a_resolution_before_signing() {
        let mut count = sheet();
        assert_eq!(count.sign_problems().len(), 2, "nothing counted yet");
        let (a, b) = (count.lines[0].container_id, count.lines[1].container_id);
        assert!(count.record(a, 10_000, None, true).is_ok());
        assert!(!count.lines[0].adjust, "no discrepancy, nothing to adjust");
        assert!(count.record(b, 5_800, Some("  ".into()), true).is_ok());
        let problems = count.sign_problems();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("resolution"));
        assert!(count.record(b, 5_800, Some("Meniscus misread at the draw on 20 Nov; recounted by two nurses".into()), true).is_ok());
        assert!(count.sign_problems().is_empty());
        assert_eq!(count.discrepancies().map(|l| l.discrepancy_ul()).collect::<Vec<_>>(), vec![Some(-200)]);
        assert!(count.record(ContainerId(uuid::Uuid::from_u128(9)), 1, None, false).is_err(), "not on the sheet");
        count.status = CountStatus::Signed;
        assert!(count.record(a, 1, None, false).is_err(), "locked once signed");
    }

    #[test]
    fn an_empty_initial_inventory_is_valid() {
        let count = Count { kind: CountKind::Initial, lines: vec![], ..sheet() };
        assert!(count.sign_problems().is_empty());
    }
}
