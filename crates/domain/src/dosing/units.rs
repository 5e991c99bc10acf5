//! Integer units for dose arithmetic and the conversions at the edge.

use crate::error::FieldError;

/// Integer division rounding half up (both operands non-negative).
pub fn div_round(num: u128, den: u128) -> u128 {
    (num + den / 2).checked_div(den).unwrap_or(0)
}

/// A decimal from the wire in thousandths (e.g. kg → g, mg/kg → µg/kg, mg/mL → µg/mL), checked
/// to lie within `min..=max` (in the input unit) and to be finite.
pub fn thousandths(field: &str, value: f64, min: f64, max: f64) -> Result<u64, FieldError> {
    if !value.is_finite() || value < min || value > max {
        return Err(FieldError::new(field, format!("must be between {min} and {max}")));
    }
    // In range and finite, so the product fits comfortably.
    let scaled = (value * 1000.0).round();
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked finite, non-negative and bounded above")]
    Ok(scaled as u64)
}

/// Hundredths back to a decimal for display.
#[expect(clippy::cast_precision_loss, reason = "values are far below 2^52")]
pub fn from_hundredths(v: u128) -> f64 {
    v as f64 / 100.0
}

/// Tenths back to a decimal for display.
#[expect(clippy::cast_precision_loss, reason = "values are far below 2^52")]
pub fn from_tenths(v: u128) -> f64 {
    v as f64 / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_up() {
        assert_eq!((div_round(14, 10), div_round(15, 10), div_round(16, 10)), (1, 2, 2));
        assert_eq!(div_round(5, 0), 0);
    }

    #[test]
    fn edges() {
        assert_eq!(thousandths("w", 80.0, 1.0, 400.0), Ok(80_000));
        assert_eq!(thousandths("w", 0.5, 0.01, 5.0), Ok(500));
        assert!(thousandths("w", f64::NAN, 1.0, 400.0).is_err());
        assert!(thousandths("w", 401.0, 1.0, 400.0).is_err());
    }
}
