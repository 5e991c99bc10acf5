//! Small numerically careful helpers (PK.md §3.2 "Numerical pitfalls").

/// `φ(x) = (1 − e^{−x}) / x`, with `φ(0) = 1`.
///
/// Written with `expm1` so that `1 − e^{−x}` does not cancel for small `x` (slow exponents,
/// short steps), and finite at `x = 0` so that equal rates need no special case
/// (PK.md §3.2, "Repeated or near-repeated roots").
pub(crate) fn phi(x: f64) -> f64 {
    if x == 0.0 { 1.0 } else { -(-x).exp_m1() / x }
}

/// `(e^{−a·Δ} − e^{−b·Δ}) / (b − a)` for rates `a, b ≥ 0`, stable for any gap including `a = b`.
///
/// This is the response over `Δ` of a first-order chain (depot rate `b` feeding an exponent `a`,
/// or the reverse; the expression is symmetric). Evaluated as `e^{−min·Δ}·Δ·φ(|b − a|·Δ)`: the
/// argument of `φ` is never negative, so nothing overflows even for `Δ` of days, and the
/// `Δ·e^{−aΔ}` limit for equal rates comes out by itself.
pub(crate) fn exp_pair(a: f64, b: f64, dt: f64) -> f64 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    (-lo * dt).exp() * dt * phi((hi - lo) * dt)
}

/// Logistic transform, used for fractions with logit-normal variability (PK.md §3.3).
pub(crate) fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// Inverse of [`logit`].
pub(crate) fn inv_logit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Converts a count to `f64` without a lossy cast (counts here are far below 2^32).
pub(crate) fn count_f64(n: usize) -> f64 {
    u32::try_from(n).map_or(f64::from(u32::MAX), f64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phi_is_continuous_at_zero() {
        assert!((phi(1e-12) - 1.0).abs() < 1e-12);
        assert!((phi(0.0) - 1.0).abs() < f64::EPSILON);
        assert!((phi(1.0) - (1.0 - (-1.0_f64).exp())).abs() < 1e-15);
    }

    #[test]
    fn exp_pair_equal_rates_is_the_limit() {
        let (a, dt) = (0.151_51_f64, 7.0_f64);
        let limit = dt * (-a * dt).exp();
        assert!((exp_pair(a, a, dt) - limit).abs() < 1e-15);
        let near = exp_pair(a, a * (1.0 + 1e-9), dt);
        assert!(((near - limit) / limit).abs() < 1e-8);
        // Huge gap over a long step: must not overflow.
        assert!(exp_pair(1.7, 0.001, 1440.0).is_finite());
    }

    #[test]
    fn logit_round_trip() {
        assert!((inv_logit(logit(0.54)) - 0.54).abs() < 1e-15);
    }
}
