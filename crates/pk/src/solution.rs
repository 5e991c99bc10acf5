//! Fast exact plasma curves for mammillary models: the incremental sum-of-exponentials form
//! (PK.md §3.1, "Fast incremental form"; Shafer/Stanpump; Abuhelwa et al. 2015).
//!
//! One state `s_i` per exponent (`C = Σ s_i`), one amount per absorption depot. Between events
//! the central input is a constant rate `R` plus first-order flow `ka·a` from each depot, and the
//! update over `Δ` is exact:
//!
//! `s_i ← s_i·e^{−λ_iΔ} + R·A_i·Δ·φ(λ_iΔ) + a·ka·A_i·(e^{−λ_iΔ} − e^{−kaΔ})/(ka − λ_i)`
//!
//! where the last factor is evaluated by [`exp_pair`], the stable φ form of PK.md §3.2, so
//! `ka = λ_i` (or any near-tie) is finite and exact. Cost per grid step is O(exponents × depots).
//!
//! AUC is exact too, without quadrature: since `ds_i/dt = −λ_i s_i + A_i·in(t)`, integrating
//! gives `∫₀ᵗ s_i = (A_i·In(t) − s_i(t)) / λ_i`, with `In(t)` the cumulative amount that has
//! entered the central compartment.

use crate::mammillary::ExpSum;
use crate::math::{exp_pair, phi};

/// One administration, already reduced to what reaches the body (bioavailability applied).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Admin {
    /// `amount` mg into the central compartment at `t`.
    Bolus { t: f64, amount: f64 },
    /// `rate` mg/min into the central compartment on `[t0, t1)`.
    Infusion { t0: f64, t1: f64, rate: f64 },
    /// `amount` mg (F·dose) into a first-order depot with rate `ka` (1/min) at `t`.
    Absorbed { t: f64, amount: f64, ka: f64 },
}

/// Concentrations (mg/L) and cumulative AUC (mg·min/L) at the requested times.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trace {
    pub conc: Vec<f64>,
    pub auc: Vec<f64>,
}

/// Most exponents (central + 3 peripherals) and distinct absorption rates (IM, IN, oral).
/// Fixed-size arrays keep the per-step loop free of allocation and bounds checks; every model
/// here has at most 3 exponents and 3 racemic absorption rates.
const MAX_EXP: usize = 4;
const MAX_DEPOTS: usize = 3;

/// Exact concentrations and AUC at `times` (ascending, ≥ 0); right-continuous at boluses.
pub(crate) fn simulate(es: &ExpSum, admins: &[Admin], times: &[f64]) -> Trace {
    let mut trace = Trace { conc: Vec::with_capacity(times.len()), auc: Vec::with_capacity(times.len()) };
    run(es, admins, times, |sim| {
        trace.conc.push(sim.conc());
        trace.auc.push(sim.auc());
    });
    trace
}

/// Concentrations (mg/L × `scale`) of many individuals with the same administrations, written
/// time-major (`out[k·B + j]` for time `k` and individual `j`, `B = es.len()`) — the population
/// fast path. Stepping all individuals together per time point lets the CPU overlap their
/// otherwise strictly sequential update chains, and the time-major rows need no transpose.
pub(crate) fn concentrations_batch(es: &[ExpSum], admins: &[Admin], times: &[f64], scale: f64, out: &mut [f64]) {
    let (kas, events) = prepare(admins);
    let width = es.len();
    let mut sims: Vec<Sim<'_>> = es.iter().map(|e| Sim::new(e, &kas)).collect();
    let grid_dt = match times {
        [a, b, ..] => b - a,
        _ => 0.0,
    };
    let grid_steps: Vec<Step> = sims.iter().map(|sim| sim.step(grid_dt)).collect();
    let depots = kas.len().min(MAX_DEPOTS);
    let mut now = 0.0;
    let mut next_event = 0;
    for (k, &t) in times.iter().enumerate() {
        while next_event < events.len() && events[next_event] <= t {
            let te = events[next_event];
            for sim in &mut sims {
                sim.advance(te - now);
                sim.apply_events(admins, te);
            }
            now = te;
            next_event += 1;
        }
        let dt = t - now;
        if let Some(row) = out.get_mut(k * width..(k + 1) * width) {
            if dt > 0.0 && same_step(dt, grid_dt) {
                for ((sim, step), slot) in sims.iter_mut().zip(&grid_steps).zip(row) {
                    sim.st.apply(step, depots, dt);
                    *slot = sim.conc() * scale;
                }
            } else {
                for (sim, slot) in sims.iter_mut().zip(row) {
                    sim.advance(dt);
                    *slot = sim.conc() * scale;
                }
            }
        }
        now = now.max(t);
    }
}

/// Distinct absorption rates (depots) and sorted distinct event times of a regimen.
fn prepare(admins: &[Admin]) -> (Vec<f64>, Vec<f64>) {
    let mut kas: Vec<f64> = Vec::new();
    for a in admins {
        if let Admin::Absorbed { ka, .. } = *a
            && !kas.contains(&ka)
            && kas.len() < MAX_DEPOTS
        {
            kas.push(ka);
        }
    }
    let mut events: Vec<f64> = Vec::with_capacity(admins.len() * 2);
    for a in admins {
        match *a {
            Admin::Bolus { t, .. } | Admin::Absorbed { t, .. } => events.push(t),
            Admin::Infusion { t0, t1, .. } => {
                events.push(t0);
                events.push(t1);
            }
        }
    }
    events.sort_by(f64::total_cmp);
    events.dedup();
    (kas, events)
}

fn run(es: &ExpSum, admins: &[Admin], times: &[f64], mut visit: impl FnMut(&Sim<'_>)) {
    let (kas, events) = prepare(admins);
    let mut sim = Sim::new(es, &kas);
    let mut now = 0.0;
    let mut next_event = 0;
    for &t in times {
        while next_event < events.len() && events[next_event] <= t {
            let te = events[next_event];
            sim.advance(te - now);
            now = te;
            sim.apply_events(admins, te);
            next_event += 1;
        }
        sim.advance(t - now);
        now = now.max(t);
        visit(&sim);
    }
}

/// Two step lengths are the same step when they differ only by floating-point rounding of grid
/// times (`k·step − (k−1)·step`); reusing the cached factors then shifts time by ≤ 1e-10 of a
/// step, far below any clinical or test tolerance, and avoids recomputing them every step.
pub(crate) fn same_step(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-10 * a.abs().max(b.abs())
}

struct Step {
    dt: f64,
    decay: [f64; MAX_EXP],
    infusion: [f64; MAX_EXP],
    /// `[depot][exponent]`.
    depot_gain: [[f64; MAX_EXP]; MAX_DEPOTS],
    depot_decay: [f64; MAX_DEPOTS],
    /// `1 − e^{−kaΔ}` via `expm1` (no cancellation for slow absorption and short steps).
    depot_absorbed: [f64; MAX_DEPOTS],
}

/// Per-individual state: one value per exponent, depot amounts, current infusion rate and the
/// cumulative input into the central compartment.
#[derive(Debug, Clone, Copy)]
struct State {
    s: [f64; MAX_EXP],
    depots: [f64; MAX_DEPOTS],
    rate: f64,
    input: f64,
}

impl State {
    /// The exact update over one step (module docs).
    #[inline(always)]
    fn apply(&mut self, step: &Step, depots: usize, dt: f64) {
        if depots == 0 {
            for i in 0..MAX_EXP {
                self.s[i] = self.s[i] * step.decay[i] + self.rate * step.infusion[i];
            }
        } else {
            for i in 0..MAX_EXP {
                let mut v = self.s[i] * step.decay[i] + self.rate * step.infusion[i];
                for d in 0..depots {
                    v += self.depots[d] * step.depot_gain[d][i];
                }
                self.s[i] = v;
            }
            for d in 0..depots {
                self.input += self.depots[d] * step.depot_absorbed[d];
                self.depots[d] *= step.depot_decay[d];
            }
        }
        self.input += self.rate * dt;
    }
}

struct Sim<'a> {
    es: &'a ExpSum,
    n: usize,
    kas: &'a [f64],
    st: State,
    cache: Vec<Step>,
    last: Option<usize>,
}

impl<'a> Sim<'a> {
    #[inline]
    fn new(es: &'a ExpSum, kas: &'a [f64]) -> Self {
        Sim {
            es,
            n: es.lambdas.len().min(MAX_EXP),
            kas,
            st: State { s: [0.0; MAX_EXP], depots: [0.0; MAX_DEPOTS], rate: 0.0, input: 0.0 },
            cache: Vec::new(),
            last: None,
        }
    }

    #[inline(always)]
    fn conc(&self) -> f64 {
        // Unused slots stay exactly 0, so summing all of them is branch-free and exact.
        self.st.s.iter().sum::<f64>().max(0.0)
    }

    /// `Σ_i (A_i·In − s_i) / λ_i` (module docs).
    fn auc(&self) -> f64 {
        let es = self.es;
        (0..self.n).map(|i| (es.coefs[i] * self.st.input - self.st.s[i]) / es.lambdas[i]).sum::<f64>().max(0.0)
    }

    fn apply_events(&mut self, admins: &[Admin], te: f64) {
        let mut rate = 0.0;
        for a in admins {
            match *a {
                Admin::Bolus { t, amount } if t == te => {
                    for (s, c) in self.st.s.iter_mut().zip(&self.es.coefs) {
                        *s += amount * c;
                    }
                    self.st.input += amount;
                }
                Admin::Absorbed { t, amount, ka } if t == te => {
                    if let Some(d) = self.kas.iter().position(|&k| k == ka) {
                        self.st.depots[d] += amount;
                    }
                }
                Admin::Infusion { t0, t1, rate: r } if t0 <= te && te < t1 => rate += r,
                _ => {}
            }
        }
        self.st.rate = rate;
    }

    fn advance(&mut self, dt: f64) {
        if dt <= 0.0 {
            return;
        }
        let index = match self.last.filter(|&i| same_step(self.cache[i].dt, dt)) {
            Some(i) => i,
            None => match self.cache.iter().position(|st| same_step(st.dt, dt)) {
                Some(i) => i,
                None => {
                    if self.cache.len() >= 16 {
                        self.cache.pop();
                    }
                    self.cache.push(self.step(dt));
                    self.cache.len() - 1
                }
            },
        };
        self.last = Some(index);
        let depots = self.kas.len().min(MAX_DEPOTS);
        self.st.apply(&self.cache[index], depots, dt);
    }

    fn step(&self, dt: f64) -> Step {
        let es = self.es;
        let mut st = Step {
            dt,
            decay: [0.0; MAX_EXP],
            infusion: [0.0; MAX_EXP],
            depot_gain: [[0.0; MAX_EXP]; MAX_DEPOTS],
            depot_decay: [0.0; MAX_DEPOTS],
            depot_absorbed: [0.0; MAX_DEPOTS],
        };
        for i in 0..self.n {
            let (l, a) = (es.lambdas[i], es.coefs[i]);
            st.decay[i] = (-l * dt).exp();
            st.infusion[i] = a * dt * phi(l * dt);
            for (d, &ka) in self.kas.iter().enumerate().take(MAX_DEPOTS) {
                st.depot_gain[d][i] = ka * a * exp_pair(l, ka, dt);
            }
        }
        for (d, &ka) in self.kas.iter().enumerate().take(MAX_DEPOTS) {
            st.depot_decay[d] = (-ka * dt).exp();
            st.depot_absorbed[d] = -(-ka * dt).exp_m1();
        }
        st
    }
}

/// The same model and administrations as an amount-based [`LinearSystem`] (central,
/// peripherals, then one depot per distinct `ka`), for the effect site and for cross-checks.
pub(crate) fn as_linear(m: &crate::mammillary::Mammillary, admins: &[Admin]) -> (crate::linear::LinearSystem, Vec<crate::linear::LinInput>) {
    use crate::linear::{LinInput, LinearSystem};
    let base = m.linear_system();
    let mut kas: Vec<f64> = Vec::new();
    for a in admins {
        if let Admin::Absorbed { ka, .. } = *a
            && !kas.contains(&ka)
        {
            kas.push(ka);
        }
    }
    let n = base.n + kas.len();
    let mut sys = LinearSystem::zeros(n);
    for i in 0..base.n {
        sys.k[i * n..i * n + base.n].copy_from_slice(&base.k[i * base.n..(i + 1) * base.n]);
    }
    for (d, &ka) in kas.iter().enumerate() {
        sys.flow(base.n + d, Some(0), ka);
    }
    let inputs = admins
        .iter()
        .map(|a| match *a {
            Admin::Bolus { t, amount } => LinInput::Bolus { t, cmt: 0, amount },
            Admin::Infusion { t0, t1, rate } => LinInput::ZeroOrder { t0, t1, cmt: 0, rate },
            Admin::Absorbed { t, amount, ka } => LinInput::Bolus { t, cmt: base.n + kas.iter().position(|&k| k == ka).unwrap_or(0), amount },
        })
        .collect();
    (sys, inputs)
}
