//! Population simulation: many individuals drawn with between-subject variability, summarised
//! as 5/50/95 % bands per time point (PK.md §3.3).
//!
//! Individuals: `P_i = TV·exp(η_i)`, `η ~ N(0, ω²)`, `ω² = ln(1 + CV²)`; fractions logit-normal.
//! Perez-Ruixo uses its published Ω; racemic models use an ASSUMED CV on CL and V1 (labelled).
//! Residual error is left out: the bands are for the true concentration, not a measurement.
//! Curves are stored as `f32` (ample for display bands) to halve memory.

use crate::PkError;
use crate::mammillary::Mammillary;
use crate::models::RACEMIC_ASSUMED_CV;
use crate::rng::SplitMix64;

/// Per-time-point 5th, 50th and 95th percentiles, ng/mL.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bands {
    pub p05: Vec<f64>,
    pub p50: Vec<f64>,
    pub p95: Vec<f64>,
}

/// Subjects simulated together (racemic models step them in lock-step).
const CHUNK: usize = 128;

/// Simulates `subjects` curves of `points` values and returns the bands. `chunk(rng, size, out)`
/// fills `out` time-major (`out[t·size + j]`) for the next `size` subjects. One generator, seeded
/// once, is consumed in subject order: deterministic for a seed.
///
/// Performance (issue 9 target: 10,000 subjects × 1,441 points < 200 ms on one core): the
/// chunk is time-major so each row lands contiguously in the time-major matrix; values are
/// stored as the bits of a non-negative `f32`, whose integer order is the numeric order, so the
/// percentile selection compares plain `u32`s (and the matrix takes 4 bytes per cell).
pub(crate) fn bands(
    subjects: u32,
    points: usize,
    seed: u64,
    mut chunk: impl FnMut(&mut SplitMix64, usize, &mut [f64]) -> Result<(), PkError>,
) -> Result<Bands, PkError> {
    let n = usize::try_from(subjects).map_err(|_| PkError::Numerical("subject count".to_owned()))?;
    let mut rng = SplitMix64::new(seed);
    let mut cells = vec![0_u32; n * points];
    let mut buffer = vec![0.0_f64; CHUNK * points];
    let mut first = 0;
    while first < n {
        let size = CHUNK.min(n - first);
        let part = &mut buffer[..size * points];
        chunk(&mut rng, size, part)?;
        for (t, row) in part.chunks_exact(size).enumerate() {
            for (cell, &v) in cells[t * n + first..t * n + first + size].iter_mut().zip(row) {
                *cell = key(v);
            }
        }
        first += size;
    }
    let mut out = Bands { p05: Vec::with_capacity(points), p50: Vec::with_capacity(points), p95: Vec::with_capacity(points) };
    for column in cells.chunks_exact_mut(n) {
        let [p05, p50, p95] = column_bands(column);
        out.p05.push(p05);
        out.p50.push(p50);
        out.p95.push(p95);
    }
    Ok(out)
}

/// Order-preserving key of a concentration: bits of the non-negative `f32` value.
fn key(v: f64) -> u32 {
    #[expect(clippy::cast_possible_truncation, reason = "f32 storage is deliberate (display bands); ng/mL values are far inside f32 range")]
    let narrow = v.max(0.0) as f32;
    narrow.to_bits()
}

fn value(k: u32) -> f64 {
    f64::from(f32::from_bits(k))
}

/// Rank `lo` and interpolation fraction of a type-7 quantile for an integer percent.
fn rank(n: usize, percent: usize) -> (usize, f64) {
    let scaled = (n - 1) * percent;
    (scaled / 100, crate::math::count_f64(scaled % 100) / 100.0)
}

/// Selects rank `r` in `part` and returns it with the next order statistic (`fallback` if none
/// is left in `part`).
fn select(part: &mut [u32], r: usize, fallback: u32) -> (u32, u32) {
    let (_, &mut v, right) = part.select_nth_unstable(r);
    (v, right.iter().copied().min().unwrap_or(fallback))
}

/// Type-7 5th, 50th and 95th percentiles; p05 and p95 are selected inside the halves left by
/// the median's partition, so the three cost about two full selections.
fn column_bands(col: &mut [u32]) -> [f64; 3] {
    let n = col.len();
    if n == 0 {
        return [0.0; 3];
    }
    let interp = |(a, b): (u32, u32), f: f64| value(a) + f * (value(b) - value(a));
    let (lo50, f50) = rank(n, 50);
    let fallback = col[lo50];
    let (v50, next50) = select(col, lo50, fallback);
    let (left, rest) = col.split_at_mut(lo50);
    let right = rest.get_mut(1..).unwrap_or_default();
    let (lo05, f05) = rank(n, 5);
    let q05 = if lo05 < lo50 { select(left, lo05, v50) } else { (v50, next50) };
    let (lo95, f95) = rank(n, 95);
    let q95 = if lo95 > lo50 { select(right, lo95 - lo50 - 1, v50) } else { (v50, next50) };
    [interp(q05, f05), interp((v50, next50), f50), interp(q95, f95)]
}

/// A racemic individual: CL and V1 scaled by log-normal factors with the assumed CV.
pub(crate) fn racemic_individual(typical: &Mammillary, rng: &mut SplitMix64) -> Mammillary {
    let omega = RACEMIC_ASSUMED_CV.mul_add(RACEMIC_ASSUMED_CV, 1.0).ln().sqrt();
    let mut m = typical.clone();
    m.cl *= (omega * rng.normal()).exp();
    m.v1 *= (omega * rng.normal()).exp();
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantiles(values: &[f64]) -> [f64; 3] {
        let mut col: Vec<u32> = values.iter().map(|&v| key(v)).collect();
        column_bands(&mut col)
    }

    #[test]
    fn quantiles_of_known_columns() {
        let hundred: Vec<f64> = (0..101).rev().map(f64::from).collect();
        let [a, b, c] = quantiles(&hundred);
        assert!((a - 5.0).abs() < 1e-9 && (b - 50.0).abs() < 1e-9 && (c - 95.0).abs() < 1e-9);
        let [a, b, c] = quantiles(&[0.0, 10.0]);
        assert!((a - 0.5).abs() < 1e-6 && (b - 5.0).abs() < 1e-9 && (c - 9.5).abs() < 1e-6);
        let [a, b, c] = quantiles(&[3.0]);
        assert!(a == 3.0 && b == 3.0 && c == 3.0);
        // Compare with a full sort on an awkward size.
        let vals: Vec<f64> = (0..997_u32).map(|i| f64::from((i * 7919) % 997) * 0.37).collect();
        let mut sorted = vals.clone();
        sorted.sort_by(f64::total_cmp);
        let exact = |p: usize| {
            let (lo, f) = rank(sorted.len(), p);
            sorted[lo] + f * (sorted[lo + 1] - sorted[lo])
        };
        let got = quantiles(&vals);
        for (g, p) in got.iter().zip([5, 50, 95]) {
            assert!((g - exact(p)).abs() < 1e-4, "p{p}: {g} vs {}", exact(p));
        }
    }
}
