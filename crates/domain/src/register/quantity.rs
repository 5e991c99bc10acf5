//! Quantities of controlled substance: integer microlitres and micrograms, never floats.
//!
//! Volume is what a nurse measures (the syringe's graduations); mass is what the DEA record and
//! the dose are about. Every movement carries both, and the mass is always derived from the
//! volume by the product's [`Concentration`], which is a whole number of micrograms per
//! microlitre for every product we stock (10 / 50 / 100 mg/mL ketamine, 140 mg/mL esketamine),
//! so the conversion is exact.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// An amount of drug in a container, a syringe or a movement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Qty {
    /// Microlitres.
    pub ul: u64,
    /// Micrograms.
    pub ug: u64,
}

impl Qty {
    pub const ZERO: Self = Self { ul: 0, ug: 0 };

    /// Both parts added; `None` on overflow (no real stock comes near it).
    pub fn checked_add(self, other: Self) -> Option<Self> {
        Some(Self { ul: self.ul.checked_add(other.ul)?, ug: self.ug.checked_add(other.ug)? })
    }

    /// Both parts subtracted; `None` when either would go below zero.
    pub fn checked_sub(self, other: Self) -> Option<Self> {
        Some(Self { ul: self.ul.checked_sub(other.ul)?, ug: self.ug.checked_sub(other.ug)? })
    }

    pub fn is_zero(self) -> bool {
        self.ul == 0 && self.ug == 0
    }

    /// Milligrams for display (`40 mg`, `37.5 mg`).
    pub fn mg(self) -> String {
        decimal(self.ug, "mg")
    }

    /// Millilitres as a plain decimal (`4`, `0.25`), for display and CSV.
    pub fn ml_decimal(self) -> String {
        trimmed(self.ul)
    }

    /// Milligrams as a plain decimal (`40`, `37.5`), for display and CSV.
    pub fn mg_decimal(self) -> String {
        trimmed(self.ug)
    }
}

/// Thousandths as a decimal with trailing zeros removed.
fn trimmed(thousandths: u64) -> String {
    let whole = thousandths / 1000;
    let frac = thousandths % 1000;
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:03}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

fn decimal(thousandths: u64, unit: &str) -> String {
    format!("{} {unit}", trimmed(thousandths))
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} mL ({} mg)", self.ml_decimal(), self.mg_decimal())
    }
}

/// A signed change of a container's content (an adjustment). Kept apart from [`Qty`] so that
/// only adjustments can go negative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QtyDelta {
    pub ul: i64,
    pub ug: i64,
}

impl QtyDelta {
    /// The part by which the delta raises content, and the part by which it lowers it.
    pub fn split(self) -> (Qty, Qty) {
        let up = Qty { ul: u64::try_from(self.ul.max(0)).unwrap_or(0), ug: u64::try_from(self.ug.max(0)).unwrap_or(0) };
        let down = Qty { ul: self.ul.min(0).unsigned_abs(), ug: self.ug.min(0).unsigned_abs() };
        (up, down)
    }
}

/// Micrograms per millilitre, restricted to whole micrograms per microlitre so that
/// [`Concentration::of`] is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Concentration(u64);

impl Concentration {
    /// `ug_per_ml` must be a positive multiple of 1000 (a whole µg per µL) up to 1 g/mL.
    pub fn new(ug_per_ml: u64) -> Result<Self, FieldError> {
        if ug_per_ml == 0 || !ug_per_ml.is_multiple_of(1000) || ug_per_ml > 1_000_000 {
            return Err(FieldError::new("concentration_mg_per_ml", "must be a whole number of mg/mL between 1 and 1000"));
        }
        Ok(Self(ug_per_ml))
    }

    pub fn ug_per_ml(self) -> u64 {
        self.0
    }

    /// The quantity in `ul` microlitres of this solution.
    pub fn of(self, ul: u64) -> Qty {
        Qty { ul, ug: ul.saturating_mul(self.0 / 1000) }
    }

    /// The signed quantity in `ul` microlitres (adjustments).
    pub fn of_delta(self, ul: i64) -> QtyDelta {
        let per_ul = i64::try_from(self.0 / 1000).unwrap_or(i64::MAX);
        QtyDelta { ul, ug: ul.saturating_mul(per_ul) }
    }

    /// `50 mg/mL`.
    pub fn label(self) -> String {
        format!("{} mg/mL", self.0 / 1000)
    }
}

impl TryFrom<u64> for Concentration {
    type Error = FieldError;
    fn try_from(v: u64) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Concentration> for u64 {
    fn from(c: Concentration) -> Self {
        c.0
    }
}

/// A volume from a form in millilitres (`4`, `0.25`) to microlitres, within `1 µL..=max_ml`.
pub fn parse_ml(field: &str, raw: &str, max_ml: u64) -> Result<u64, FieldError> {
    let bad = || FieldError::new(field, format!("must be a volume in mL greater than 0 and at most {max_ml}, with up to 3 decimals"));
    let raw = raw.trim();
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty() && frac.is_empty() || frac.len() > 3 || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let frac: u64 = if frac.is_empty() { 0 } else { format!("{frac:0<3}").parse().map_err(|_| bad())? };
    let ul = whole.checked_mul(1000).and_then(|w| w.checked_add(frac)).ok_or_else(bad)?;
    if ul == 0 || ul > max_ml.saturating_mul(1000) {
        return Err(bad());
    }
    Ok(ul)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn concentrations_are_exact() {
        let fifty = Concentration::new(50_000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fifty.of(800), Qty { ul: 800, ug: 40_000 });
        assert_eq!(fifty.label(), "50 mg/mL");
        assert!(Concentration::new(12_500).is_err(), "12.5 µg/µL would not be exact");
        assert!(Concentration::new(0).is_err());
        let esk = Concentration::new(140_000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(esk.of(200).ug, 28_000, "one SPRAVATO device: 28 mg in 0.2 mL");
    }

    #[test]
    fn display() {
        let q = Qty { ul: 4_250, ug: 42_500 };
        assert_eq!(q.ml_decimal(), "4.25");
        assert_eq!(q.mg(), "42.5 mg");
        assert_eq!(Qty { ul: 20_000, ug: 200_000 }.mg_decimal(), "200");
        assert_eq!(q.to_string(), "4.25 mL (42.5 mg)");
    }

    #[test]
    fn millilitres_parse() {
        assert_eq!(parse_ml("v", "4", 100), Ok(4_000));
        assert_eq!(parse_ml("v", "0.8", 100), Ok(800));
        assert_eq!(parse_ml("v", ".25", 100), Ok(250));
        assert_eq!(parse_ml("v", "1.005", 100), Ok(1_005));
        for bad in ["", ".", "0", "-1", "1.0005", "1e3", "101", "abc", "1,5"] {
            assert!(parse_ml("v", bad, 100).is_err(), "{bad}");
        }
    }

    #[test]
    fn deltas_split() {
        assert_eq!(QtyDelta { ul: -200, ug: -2_000 }.split(), (Qty::ZERO, Qty { ul: 200, ug: 2_000 }));
        assert_eq!(QtyDelta { ul: 300, ug: 3_000 }.split(), (Qty { ul: 300, ug: 3_000 }, Qty::ZERO));
    }

    proptest! {
        #[test]
        fn parse_ml_never_panics(s in "\\PC{0,12}") {
            let _ = parse_ml("v", &s, 100);
        }

        #[test]
        fn parse_ml_round_trips(ul in 1u64..=100_000) {
            let q = Qty { ul, ug: 0 };
            prop_assert_eq!(parse_ml("v", &q.ml_decimal(), 100), Ok(ul));
        }
    }
}
