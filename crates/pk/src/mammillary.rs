//! Linear mammillary disposition (central compartment plus peripherals) and its exact
//! unit-impulse response `h(t) = Σ A_i e^{−λ_i t}` (PK.md §3.1).
//!
//! Instead of the trigonometric cubic and the product formula for `A_i` (which divides by
//! eigenvalue gaps), we symmetrise the rate matrix: with `Q_p = V1·k1p = V_p·k_p1` it equals
//! `D^{1/2}·(−B)·D^{−1/2}` with `B_11 = k10 + Σk1p`, `B_pp = k_p1`, `B_1p = −√(k1p·k_p1)`.
//! Jacobi on `B` gives `λ_i` and an orthonormal `U`, and `A_i = U_{1i}² / V1`, so the invariant
//! `Σ A_i = 1/V1` (PK.md §3.2) holds by construction.

use crate::eigen::symmetric_eigen;
use crate::linear::LinearSystem;

/// A peripheral compartment: inter-compartmental clearance and volume.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Peripheral {
    /// L/min.
    pub q: f64,
    /// L.
    pub v: f64,
}

/// Mammillary disposition in clearance/volume form (L, L/min), which is what variability acts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mammillary {
    /// Central volume, L.
    pub v1: f64,
    /// Elimination clearance, L/min.
    pub cl: f64,
    pub peripherals: Vec<Peripheral>,
}

/// Sum-of-exponentials impulse response: concentration (mg/L) per mg into the central compartment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExpSum {
    /// Disposition exponents λ_i (1/min), fastest first.
    pub lambdas: Vec<f64>,
    /// Coefficients A_i (1/L).
    pub coefs: Vec<f64>,
}

impl Mammillary {
    /// From TCI-style micro-constants: `V1` (L), `k10`, and `(k1p, kp1)` per peripheral (1/min).
    pub(crate) fn from_micro(v1: f64, k10: f64, rates: &[(f64, f64)]) -> Self {
        let peripherals = rates
            .iter()
            .map(|&(k1p, kp1)| {
                let q = k1p * v1;
                Peripheral { q, v: q / kp1 }
            })
            .collect();
        Self { v1, cl: k10 * v1, peripherals }
    }

    /// Steady-state volume, L.
    #[cfg(test)]
    pub(crate) fn vss(&self) -> f64 {
        self.v1 + self.peripherals.iter().map(|p| p.v).sum::<f64>()
    }

    /// Exact impulse response (see the module docs).
    pub(crate) fn exp_sum(&self) -> ExpSum {
        let n = 1 + self.peripherals.len();
        let mut b = vec![0.0; n * n];
        b[0] = (self.cl + self.peripherals.iter().map(|p| p.q).sum::<f64>()) / self.v1;
        for (i, p) in self.peripherals.iter().enumerate() {
            let j = i + 1;
            b[j * n + j] = p.q / p.v;
            let off = -p.q / (self.v1 * p.v).sqrt();
            b[j] = off;
            b[j * n] = off;
        }
        let eig = symmetric_eigen(&b, n);
        let coefs = (0..n).map(|j| eig.vectors[j] * eig.vectors[j] / self.v1).collect();
        ExpSum { lambdas: eig.values, coefs }
    }

    /// The same model as an amount-based compartment system: state 0 central, then peripherals.
    pub(crate) fn linear_system(&self) -> LinearSystem {
        let n = 1 + self.peripherals.len();
        let mut sys = LinearSystem::zeros(n);
        sys.flow(0, None, self.cl / self.v1);
        for (i, p) in self.peripherals.iter().enumerate() {
            sys.flow(0, Some(i + 1), p.q / self.v1);
            sys.flow(i + 1, Some(0), p.q / p.v);
        }
        sys
    }
}

impl ExpSum {
    /// Terminal (slowest) exponent, 1/min.
    pub(crate) fn terminal_lambda(&self) -> f64 {
        self.lambdas.iter().copied().fold(f64::INFINITY, f64::min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficients_sum_to_inverse_v1_and_area_to_inverse_cl() {
        let m = Mammillary::from_micro(4.41, 0.4381, &[(0.5921, 0.2470), (0.5900, 0.0146)]);
        let e = m.exp_sum();
        let sum: f64 = e.coefs.iter().sum();
        assert!((sum * m.v1 - 1.0).abs() < 1e-13);
        let area: f64 = e.coefs.iter().zip(&e.lambdas).map(|(a, l)| a / l).sum();
        assert!((area * m.cl - 1.0).abs() < 1e-11);
    }
}
