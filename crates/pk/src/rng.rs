//! A tiny deterministic random number generator for population simulation (PK.md §3.3: "use a
//! fixed seed for reproducible tests").
//!
//! SplitMix64 (Steele, Lea & Flood 2014) is enough here: we need reproducible, well-mixed
//! normal deviates for a few thousand subjects, not cryptographic quality, and it keeps the crate
//! free of a `rand` dependency. Normals come from the Box–Muller transform.

/// SplitMix64 generator with a cached second Box–Muller deviate.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
    spare: Option<f64>,
}

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed, spare: None }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `(0, 1]` (never 0, so `ln` is safe), from the top 52 bits without a cast.
    fn next_open01(&mut self) -> f64 {
        let bits = 0x3FF0_0000_0000_0000_u64 | (self.next_u64() >> 12);
        2.0 - f64::from_bits(bits)
    }

    /// Standard normal deviate (Box–Muller).
    pub(crate) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = self.next_open01();
        let u2 = self.next_open01();
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = std::f64::consts::TAU * u2;
        self.spare = Some(r * theta.sin());
        r * theta.cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normals_have_unit_moments_and_are_reproducible() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        let n = 200_000;
        let (mut sum, mut sq) = (0.0, 0.0);
        for _ in 0..n {
            let z = a.normal();
            assert_eq!(z.to_bits(), b.normal().to_bits());
            sum += z;
            sq += z * z;
        }
        let nf = f64::from(n);
        assert!((sum / nf).abs() < 0.01);
        assert!((sq / nf - 1.0).abs() < 0.01);
    }
}
