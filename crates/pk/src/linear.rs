//! Exact piecewise solution of a general linear compartment system by matrix exponential.
//!
//! Used for the Perez-Ruixo 2021 model (PK.md §3.1: "the least error-prone choice is the matrix
//! exponential ... per segment") and for effect-site curves of every model. Inputs are boluses
//! and zero-order (constant-rate) inputs into any compartment; between two consecutive events
//! the rates are constant, so `x ← Φ(Δ)·x + Γ(Δ)·r` is exact (see [`crate::expm`]).

use crate::expm::{expm_with_integral, mat_vec_add, solve};

/// `dx/dt = K·x + r(t)`, amounts in mg, time in minutes.
#[derive(Debug, Clone)]
pub(crate) struct LinearSystem {
    pub n: usize,
    /// Row-major `n×n` rate matrix (1/min).
    pub k: Vec<f64>,
}

/// An input into one compartment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum LinInput {
    /// `amount` mg into `cmt` at time `t`.
    Bolus { t: f64, cmt: usize, amount: f64 },
    /// `rate` mg/min into `cmt` on `[t0, t1)`.
    ZeroOrder { t0: f64, t1: f64, cmt: usize, rate: f64 },
}

impl LinInput {
    /// Total amount this input delivers (mg).
    pub(crate) fn total(&self) -> f64 {
        match *self {
            Self::Bolus { amount, .. } => amount,
            Self::ZeroOrder { t0, t1, rate, .. } => rate * (t1 - t0),
        }
    }

    fn cmt(&self) -> usize {
        match *self {
            Self::Bolus { cmt, .. } | Self::ZeroOrder { cmt, .. } => cmt,
        }
    }
}

impl LinearSystem {
    pub(crate) fn zeros(n: usize) -> Self {
        Self { n, k: vec![0.0; n * n] }
    }

    /// Adds a first-order flow of rate `k` (1/min) from `from` to `to` (`None` = out of system).
    pub(crate) fn flow(&mut self, from: usize, to: Option<usize>, k: f64) {
        self.k[from * self.n + from] -= k;
        if let Some(to) = to {
            self.k[to * self.n + from] += k;
        }
    }

    /// Appends a state that does not change the others: `dy/dt = coef·x[source] − decay·y`.
    /// With `decay = 0` it integrates (AUC); with `coef = ke0/V`, `decay = ke0` it is an effect
    /// site (PK.md §3.1, `dCe/dt = ke0·(Cp − Ce)`).
    pub(crate) fn with_observer(&self, source: usize, coef: f64, decay: f64) -> Self {
        let n = self.n + 1;
        let mut k = vec![0.0; n * n];
        for i in 0..self.n {
            k[i * n..i * n + self.n].copy_from_slice(&self.k[i * self.n..(i + 1) * self.n]);
        }
        k[self.n * n + source] = coef;
        k[self.n * n + self.n] = -decay;
        Self { n, k }
    }

    /// Appends a sink that collects everything leaving the system (for mass-balance checks).
    #[cfg(test)]
    pub(crate) fn with_sink(&self) -> Self {
        let mut out = self.with_observer(0, 0.0, 0.0);
        let last = self.n;
        for j in 0..self.n {
            let col_sum: f64 = (0..self.n).map(|i| self.k[i * self.n + j]).sum();
            out.k[last * out.n + j] = -col_sum;
        }
        out
    }

    /// Time integral of every state from 0 to ∞ for the given inputs: `(−K)⁻¹·u`.
    /// `None` when `K` is singular (a system with an integrator or sink state).
    pub(crate) fn total_exposure(&self, inputs: &[LinInput]) -> Option<Vec<f64>> {
        let mut u = vec![0.0; self.n];
        for input in inputs {
            u[input.cmt()] += input.total();
        }
        let neg: Vec<f64> = self.k.iter().map(|v| -v).collect();
        solve(&neg, &u, self.n)
    }

    /// States at every time in `times` (ascending, ≥ 0), flattened `times.len() × n`.
    /// State is right-continuous: a bolus at `t` is included in the value reported at `t`.
    pub(crate) fn simulate(&self, inputs: &[LinInput], times: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut events: Vec<f64> = Vec::with_capacity(inputs.len() * 2);
        for input in inputs {
            match *input {
                LinInput::Bolus { t, .. } => events.push(t),
                LinInput::ZeroOrder { t0, t1, .. } => {
                    events.push(t0);
                    events.push(t1);
                }
            }
        }
        events.sort_by(f64::total_cmp);
        events.dedup();
        let mut cache = StepCache::default();
        let mut scratch = vec![0.0; n];
        let mut x = vec![0.0; n];
        let mut rates = vec![0.0; n];
        let mut now = 0.0;
        let mut next_event = 0;
        let mut out = Vec::with_capacity(times.len() * n);
        for &t in times {
            while next_event < events.len() && events[next_event] <= t {
                let te = events[next_event];
                self.advance(&mut cache, &mut x, &mut scratch, &rates, te - now);
                now = te;
                for input in inputs {
                    if let LinInput::Bolus { t: tb, cmt, amount } = *input
                        && tb == te
                    {
                        x[cmt] += amount;
                    }
                }
                rates.iter_mut().for_each(|r| *r = 0.0);
                for input in inputs {
                    if let LinInput::ZeroOrder { t0, t1, cmt, rate } = *input
                        && t0 <= te
                        && te < t1
                    {
                        rates[cmt] += rate;
                    }
                }
                next_event += 1;
            }
            self.advance(&mut cache, &mut x, &mut scratch, &rates, t - now);
            now = now.max(t);
            out.extend_from_slice(&x);
        }
        out
    }

    fn advance(&self, cache: &mut StepCache, x: &mut [f64], next: &mut [f64], rates: &[f64], dt: f64) {
        if dt <= 0.0 {
            return;
        }
        let n = self.n;
        let (phi, gamma) = cache.get(self, dt);
        next.iter_mut().for_each(|v| *v = 0.0);
        mat_vec_add(phi, x, next, n);
        if rates.iter().any(|&r| r != 0.0) {
            mat_vec_add(gamma, rates, next, n);
        }
        x.copy_from_slice(next);
    }
}

/// `(Φ, Γ)` per distinct step length; a grid reuses one entry for all its steps.
#[derive(Default)]
struct StepCache {
    entries: Vec<(f64, Vec<f64>, Vec<f64>)>,
}

impl StepCache {
    fn get(&mut self, sys: &LinearSystem, dt: f64) -> (&[f64], &[f64]) {
        let index = match self.entries.iter().position(|(k, _, _)| crate::solution::same_step(*k, dt)) {
            Some(i) => i,
            None => {
                let (phi, gamma) = expm_with_integral(&sys.k, sys.n, dt);
                if self.entries.len() >= 32 {
                    // Event-dense regimens create many distinct partial steps; keep the first
                    // entries (the grid step is among them) and recycle the last slot.
                    self.entries.pop();
                }
                self.entries.push((dt, phi, gamma));
                self.entries.len() - 1
            }
        };
        let (_, phi, gamma) = &self.entries[index];
        (phi, gamma)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_compartment_bolus_and_infusion() {
        let mut sys = LinearSystem::zeros(1);
        sys.flow(0, None, 0.1);
        let inputs = [LinInput::Bolus { t: 0.0, cmt: 0, amount: 10.0 }, LinInput::ZeroOrder { t0: 5.0, t1: 15.0, cmt: 0, rate: 2.0 }];
        let x = sys.simulate(&inputs, &[0.0, 5.0, 10.0, 20.0]);
        let k: f64 = 0.1;
        let bolus = |t: f64| 10.0 * (-k * t).exp();
        assert!((x[0] - 10.0).abs() < 1e-13);
        assert!((x[1] - bolus(5.0)).abs() < 1e-12);
        let during = bolus(10.0) + 2.0 / k * (1.0 - (-k * 5.0).exp());
        assert!((x[2] - during).abs() < 1e-12);
        let after = bolus(20.0) + 2.0 / k * (1.0 - (-k * 10.0).exp()) * (-k * 5.0).exp();
        assert!((x[3] - after).abs() < 1e-12);
        let auc = sys.total_exposure(&inputs).unwrap_or_default();
        assert!((auc[0] - 30.0 / k).abs() < 1e-10);
    }
}
