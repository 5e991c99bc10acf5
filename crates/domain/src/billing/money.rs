//! Money: integer cents, never floats.
//!
//! ARCHITECTURE ("Money: integer cents or `rust_decimal`"). A binary float cannot hold 0.10
//! exactly, so a few hundred float lines drift by a cent, and a superbill whose lines do not add
//! up to its total is one a payer sends back. An `i64` of cents holds ±92 quadrillion dollars;
//! every operation is still checked, so an absurd input becomes a [`MoneyError::Overflow`] the
//! edge can report instead of a wrapped number or a panic.

use std::fmt;
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

/// An amount of money in whole cents. Negative amounts exist (a credit balance); where a
/// negative makes no sense (a price, a payment) the constructor that takes it says so.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

/// Why an amount was refused or could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("the amount is too large")]
    Overflow,
    #[error("must be an amount such as 123.45 or 123")]
    Malformed,
    #[error("must have at most two decimals (whole cents)")]
    TooManyDecimals,
    #[error("must not be negative")]
    Negative,
}

/// Whether [`Money::parse`] accepts a leading minus sign: a refund adjustment may be negative,
/// a price or a payment never is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negatives {
    Refused,
    Allowed,
}

impl Money {
    pub const ZERO: Self = Self(0);

    /// An amount of `cents` (e.g. from a database column).
    pub const fn from_cents(cents: i64) -> Self {
        Self(cents)
    }

    /// The amount in cents.
    pub const fn cents(self) -> i64 {
        self.0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Self) -> Result<Self, MoneyError> {
        self.0.checked_add(other.0).map(Self).ok_or(MoneyError::Overflow)
    }

    pub fn checked_sub(self, other: Self) -> Result<Self, MoneyError> {
        self.0.checked_sub(other.0).map(Self).ok_or(MoneyError::Overflow)
    }

    /// The price of `units` units at `self` each (a charge line's amount).
    pub fn checked_mul(self, units: u32) -> Result<Self, MoneyError> {
        self.0.checked_mul(i64::from(units)).map(Self).ok_or(MoneyError::Overflow)
    }

    /// The exact sum of `amounts` (a total of lines).
    pub fn sum<I: IntoIterator<Item = Self>>(amounts: I) -> Result<Self, MoneyError> {
        amounts.into_iter().try_fold(Self::ZERO, Self::checked_add)
    }

    /// `self` split into `parts` amounts that differ by at most one cent, larger ones first, and
    /// add back up to exactly `self` (a package price spread over its sessions). Dividing and
    /// rounding each part instead would lose or invent a cent whenever the division is inexact.
    pub fn allocate(self, parts: NonZeroU32) -> impl Iterator<Item = Self> {
        let n = i64::from(parts.get());
        let (base, remainder) = (self.0.div_euclid(n), self.0.rem_euclid(n));
        // `base + 1` cannot overflow: a remainder needs n ≥ 2, so `base` is at most half of i64::MAX.
        (0..parts.get()).map(move |i| Self(if i64::from(i) < remainder { base.saturating_add(1) } else { base }))
    }

    /// Parses an amount as typed: `123.45`, `123.4`, `123`, `-5.00` (when `negatives` allows).
    /// No thousands separators, no currency symbol, no exponent, at most two decimals: a third
    /// decimal is a fraction of a cent, which no bill can carry, so it is refused rather than
    /// rounded away.
    pub fn parse(raw: &str, negatives: Negatives) -> Result<Self, MoneyError> {
        let raw = raw.trim();
        let (negative, unsigned) = raw.strip_prefix('-').map_or((false, raw), |rest| (true, rest));
        let (whole, frac) = unsigned.split_once('.').map_or((unsigned, None), |(w, f)| (w, Some(f)));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || frac.is_some_and(|f| !digits(f)) {
            return Err(MoneyError::Malformed);
        }
        let frac = frac.unwrap_or("");
        if frac.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        // The magnitude is built in u128 so that i64::MIN cents (whose magnitude is one more than
        // i64::MAX) still round-trips; an all-digit string too long for u128 is an overflow.
        let whole: u128 = whole.parse().map_err(|_| MoneyError::Overflow)?;
        let frac: u128 = format!("{frac:0<2}").parse().map_err(|_| MoneyError::Malformed)?;
        let magnitude = whole.checked_mul(100).and_then(|w| w.checked_add(frac)).ok_or(MoneyError::Overflow)?;
        if negative && magnitude != 0 && negatives == Negatives::Refused {
            return Err(MoneyError::Negative);
        }
        let magnitude = i128::try_from(magnitude).map_err(|_| MoneyError::Overflow)?;
        let signed = if negative { -magnitude } else { magnitude };
        i64::try_from(signed).map(Self).map_err(|_| MoneyError::Overflow)
    }

    /// The amount with a currency symbol after the sign: `$1234.50`, `-$0.05`. No thousands
    /// separators, so the text is also what [`Money::parse`] reads once the symbol is removed.
    pub fn with_symbol(self, symbol: &str) -> String {
        let (sign, whole, cents) = self.parts();
        format!("{sign}{symbol}{whole}.{cents:02}")
    }

    fn parts(self) -> (&'static str, u64, u64) {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        (sign, magnitude / 100, magnitude % 100)
    }
}

/// Plain decimal with exactly two decimals (`1234.50`, `-0.05`, `0.00`), as CSV exports and
/// [`Money::parse`] expect.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sign, whole, cents) = self.parts();
        write!(f, "{sign}{whole}.{cents:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Result<Money, MoneyError> {
        Money::parse(s, Negatives::Refused)
    }

    #[test]
    fn parses_what_staff_type() {
        assert_eq!(parse("123.45"), Ok(Money(12_345)));
        assert_eq!(parse("123"), Ok(Money(12_300)));
        assert_eq!(parse(" 123.4 "), Ok(Money(12_340)));
        assert_eq!(parse("0.05"), Ok(Money(5)));
        assert_eq!(parse("-0"), Ok(Money::ZERO), "minus zero is zero, not a negative");
        assert_eq!(Money::parse("-12.05", Negatives::Allowed), Ok(Money(-1_205)));
        assert_eq!(parse("-12.05"), Err(MoneyError::Negative));
        assert_eq!(parse("1.005"), Err(MoneyError::TooManyDecimals), "half a cent is refused, not rounded");
        assert_eq!(parse("92233720368547758.08"), Err(MoneyError::Overflow));
        assert_eq!(parse("99999999999999999999999999999999999999999"), Err(MoneyError::Overflow));
        for bad in ["", "-", ".5", "5.", "1,234.50", "$12", "+3", "1e3", "--5", "1.2.3", "12 .50", "١٢"] {
            assert_eq!(parse(bad), Err(MoneyError::Malformed), "{bad}");
        }
    }

    #[test]
    fn displays_plain_and_with_symbol() {
        assert_eq!(Money(123_450).to_string(), "1234.50");
        assert_eq!(Money(-5).to_string(), "-0.05");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money(123_450).with_symbol("$"), "$1234.50");
        assert_eq!(Money(-5).with_symbol("$"), "-$0.05");
        assert_eq!(Money(i64::MIN).to_string(), "-92233720368547758.08");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Money(40_000).checked_mul(3), Ok(Money(120_000)));
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), Err(MoneyError::Overflow));
        assert_eq!(Money(i64::MIN).checked_sub(Money(1)), Err(MoneyError::Overflow));
        assert_eq!(Money(i64::MAX).checked_mul(2), Err(MoneyError::Overflow));
        assert_eq!(Money::sum([Money(10), Money(20), Money(-5)]), Ok(Money(25)));
        assert_eq!(Money::sum([]), Ok(Money::ZERO));
    }

    #[test]
    fn allocation_worked_example() {
        // A $1,000.00 package over 3 sessions: 333.34 + 333.33 + 333.33.
        let parts: Vec<Money> = Money(100_000).allocate(NonZeroU32::new(3).unwrap_or(NonZeroU32::MIN)).collect();
        assert_eq!(parts, [Money(33_334), Money(33_333), Money(33_333)]);
    }

    proptest! {
        #[test]
        fn parse_display_round_trips(cents in any::<i64>()) {
            let m = Money(cents);
            prop_assert_eq!(Money::parse(&m.to_string(), Negatives::Allowed), Ok(m));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}", allow in any::<bool>()) {
            let _ = Money::parse(&s, if allow { Negatives::Allowed } else { Negatives::Refused });
        }

        #[test]
        fn sum_of_any_split_is_the_total(total in any::<i64>(), cuts in prop::collection::vec(any::<u64>(), 0..20)) {
            // Cut the way from 0 to `total` at arbitrary points; the pieces must add back exactly.
            let span = total.unsigned_abs();
            let mut points: Vec<i128> = cuts.iter().map(|c| i128::from(c % span.max(1)) * i128::from(total.signum())).collect();
            points.sort_unstable_by_key(|p| p.abs());
            let path: Vec<i128> = std::iter::once(0).chain(points).chain([i128::from(total)]).collect();
            let lines: Vec<Money> = path.windows(2).map(|w| Money(i64::try_from(w[1] - w[0]).unwrap_or(0))).collect();
            prop_assert_eq!(Money::sum(lines), Ok(Money(total)));
        }

        #[test]
        fn allocation_never_drifts(total in any::<i64>(), n in 1u32..500) {
            let parts: Vec<Money> = Money(total).allocate(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)).collect();
            prop_assert_eq!(parts.len(), usize::try_from(n).unwrap_or(0));
            prop_assert_eq!(Money::sum(parts.iter().copied()), Ok(Money(total)));
            let (min, max) = (parts.iter().min().copied(), parts.iter().max().copied());
            prop_assert!(matches!((min, max), (Some(a), Some(b)) if b.0 - a.0 <= 1));
        }

        #[test]
        fn overflow_is_an_error_not_a_panic(a in any::<i64>(), b in any::<i64>(), units in any::<u32>()) {
            let wide = i128::from(a) + i128::from(b);
            prop_assert_eq!(Money(a).checked_add(Money(b)).map(|m| i128::from(m.0)), i64::try_from(wide).map(i128::from).map_err(|_| MoneyError::Overflow));
            let diff = i128::from(a) - i128::from(b);
            prop_assert_eq!(Money(a).checked_sub(Money(b)).map(|m| i128::from(m.0)), i64::try_from(diff).map(i128::from).map_err(|_| MoneyError::Overflow));
            let product = i128::from(a) * i128::from(units);
            prop_assert_eq!(Money(a).checked_mul(units).map(|m| i128::from(m.0)), i64::try_from(product).map(i128::from).map_err(|_| MoneyError::Overflow));
        }
    }
}
