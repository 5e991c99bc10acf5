//! Fast exact esketamine plasma curves for the Perez-Ruixo population bands (PK.md §1.2, §3.1,
//! §3.3).
//!
//! The bands are of esketamine plasma only, and noresketamine never flows back, so this path
//! leaves out the two noresketamine states and solves the rest as a sum of exponentials: the
//! "fast incremental form" of PK.md §3.1 that `solution.rs` uses for the racemic models,
//! extended to inputs that reach the liver.
//!
//! **Modes.** The disposition block (central, two peripherals, liver) satisfies detailed balance
//! (every exchange is a clearance `Q` between two volumes), so with `D = diag(V)` its rate matrix
//! is `K = D^{1/2}·(−B)·D^{−1/2}` with `B` symmetric. Jacobi gives `B = U·Λ·Uᵀ` (see
//! [`crate::eigen`]) and `e^{Kt} = D^{1/2}·U·e^{−Λt}·Uᵀ·D^{−1/2}`, so 1 mg put into compartment `j`
//! gives the central concentration `Σ_i w_ji·e^{−λ_i t}` with `w_ji = U_0i·U_ji / √(Vc·V_j)`
//! (`U_0i²/Vc` for the central compartment, as for the racemic models). No eigenvalue gap is
//! ever divided by.
//!
//! **State.** One value `s_i` per exponent (`C = Σ s_i`) and one amount `a` per first-order
//! depot (nasal → central, swallowed → liver, oral → liver). Over a step `Δ` with constant input
//! rates — `R` straight into compartment `j`, or `r` into a depot of rate `ka` that empties into
//! compartment `j` — the update is exact:
//!
//! - direct: `s_i ← s_i·e^{−λ_iΔ} + w_ji·R·Δ·φ(λ_iΔ)`;
//! - depot: `s_i ← s_i·e^{−λ_iΔ} + w_ji·ka·a·E_i + w_ji·r·(Δ·φ(λ_iΔ) − E_i)` and
//!   `a ← a·e^{−kaΔ} + r·Δ·φ(kaΔ)`,
//!
//! where `E_i = (e^{−λ_iΔ} − e^{−kaΔ})/(ka − λ_i)` is evaluated by [`exp_pair`] (finite and exact
//! when `ka = λ_i`, PK.md §3.2). The last depot term is `∫₀^Δ e^{−λ(Δ−u)}·r·(1 − e^{−ka·u}) du`,
//! the part of a depot being filled at rate `r` that has already passed on.
//!
//! Cost: one 4×4 eigen-decomposition per individual and one set of step factors per distinct
//! step length (the grid step plus the partial steps at events); each grid step is then
//! O(exponents × depots in use) with no allocation, for four individuals at a time (SIMD lanes).
//! Results agree with the matrix exponential of [`crate::linear`] to about 1e-11 relative or
//! better (the tests require 1e-9); on the benchmark population the bands are bit-identical.

use crate::linear::LinInput;
use crate::math::{exp_pair, phi};
use crate::solution::same_step;

/// Exponents of the disposition block.
pub(crate) const MODES: usize = 4;
/// First-order depots in front of the block (nasal, swallowed, oral).
pub(crate) const DEPOTS: usize = 3;
/// Inlets: the block compartments (`0..MODES`, the model's state order), then the depots. An
/// input's `cmt` is its inlet; inputs into any other state (noresketamine) cannot affect
/// esketamine and are ignored.
pub(crate) const INLETS: usize = MODES + DEPOTS;

/// A first-order depot emptying into block compartment `into`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Depot {
    /// 1/min.
    pub ka: f64,
    pub into: usize,
}

/// One individual's exponents, inlet weights and depots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Modal {
    /// `λ_i`, 1/min.
    pub lambdas: [f64; MODES],
    /// `weights[j][i] = w_ji`: central concentration (1/L) per mg put into block compartment `j`,
    /// per exponent.
    pub weights: [[f64; MODES]; MODES],
    pub depots: [Depot; DEPOTS],
}

/// One individual of a batch: exponents, inlets and inputs (amounts differ between individuals).
#[derive(Debug, Clone)]
pub(crate) struct Individual {
    pub modal: Modal,
    pub inputs: Vec<LinInput>,
}

/// How an inlet reaches the block.
enum Inlet {
    /// Straight into a block compartment with these weights.
    Direct([f64; MODES]),
    /// Through a depot of rate `ka` into the compartment with these weights.
    Depot { ka: f64, weights: [f64; MODES] },
}

/// Inlets `MODES..INLETS` are depots.
const fn is_depot(inlet: usize) -> bool {
    inlet >= MODES
}

impl Modal {
    /// Inlet `k` (an input's `cmt`); only called for `k < INLETS`.
    fn inlet(&self, k: usize) -> Inlet {
        match k.checked_sub(MODES).and_then(|d| self.depots.get(d)) {
            Some(d) => Inlet::Depot { ka: d.ka, weights: self.weights.get(d.into).copied().unwrap_or_default() },
            None => Inlet::Direct(self.weights.get(k).copied().unwrap_or_default()),
        }
    }
}

/// Inlets a regimen uses, depots first: the per-step loops run over these only.
#[derive(Debug, Clone, Default)]
struct Slots {
    /// Inlet index of each slot.
    inlet: Vec<usize>,
    /// Slots `0..depots` are depots.
    depots: usize,
}

impl Slots {
    fn new(batch: &[Individual]) -> Self {
        let used = |inlet: usize| batch.iter().any(|ind| ind.inputs.iter().any(|i| cmt(i) == inlet));
        let mut inlet: Vec<usize> = (0..INLETS).filter(|&k| used(k) && is_depot(k)).collect();
        let depots = inlet.len();
        inlet.extend((0..INLETS).filter(|&k| used(k) && !is_depot(k)));
        Self { inlet, depots }
    }

    fn slot_of(&self, inlet: usize) -> Option<usize> {
        self.inlet.iter().position(|&k| k == inlet)
    }
}

fn cmt(input: &LinInput) -> usize {
    match *input {
        LinInput::Bolus { cmt, .. } | LinInput::ZeroOrder { cmt, .. } => cmt,
    }
}

/// Individuals stepped together as the lanes of one [`Group`]: every per-step operation is
/// written over `[f64; LANES]`, which the compiler turns into SIMD arithmetic.
const LANES: usize = 4;
type Lanes = [f64; LANES];

/// Step factors of a group for one step length (module docs), indexed by slot, then lane.
#[derive(Debug, Clone)]
struct Step {
    dt: f64,
    decay: [Lanes; MODES],
    /// `[slot][exponent]`: gain from the depot amount at the start of the step.
    amount_gain: [[Lanes; MODES]; INLETS],
    /// `[slot][exponent]`: gain from the slot's constant rate over the step.
    rate_gain: [[Lanes; MODES]; INLETS],
    depot_decay: [Lanes; INLETS],
    depot_fill: [Lanes; INLETS],
}

impl Step {
    fn new(modals: &[Modal; LANES], slots: &Slots, dt: f64) -> Self {
        let mut st = Self {
            dt,
            decay: [[0.0; LANES]; MODES],
            amount_gain: [[[0.0; LANES]; MODES]; INLETS],
            rate_gain: [[[0.0; LANES]; MODES]; INLETS],
            depot_decay: [[0.0; LANES]; INLETS],
            depot_fill: [[0.0; LANES]; INLETS],
        };
        for (l, modal) in modals.iter().enumerate() {
            let mut flow = [0.0; MODES];
            for (i, &lambda) in modal.lambdas.iter().enumerate() {
                st.decay[i][l] = (-lambda * dt).exp();
                flow[i] = dt * phi(lambda * dt);
            }
            for (k, &inlet) in slots.inlet.iter().enumerate() {
                match modal.inlet(inlet) {
                    Inlet::Direct(weights) => {
                        for i in 0..MODES {
                            st.rate_gain[k][i][l] = weights[i] * flow[i];
                        }
                    }
                    Inlet::Depot { ka, weights } => {
                        for (i, &lambda) in modal.lambdas.iter().enumerate() {
                            let e = exp_pair(lambda, ka, dt);
                            st.amount_gain[k][i][l] = weights[i] * ka * e;
                            st.rate_gain[k][i][l] = weights[i] * (flow[i] - e);
                        }
                        st.depot_decay[k][l] = (-ka * dt).exp();
                        st.depot_fill[k][l] = dt * phi(ka * dt);
                    }
                }
            }
        }
        st
    }
}

/// State of a group: exponent values, and per slot the depot amount and current rate.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    s: [Lanes; MODES],
    amount: [Lanes; INLETS],
    rate: [Lanes; INLETS],
    /// Whether any rate is non-zero (most grid steps have none).
    rates_on: bool,
}

impl State {
    /// The exact update over one step (module docs), for `D` depot slots (a constant, so the
    /// loops unroll) and `all` slots with rates.
    #[inline(always)]
    fn apply<const D: usize>(&mut self, step: &Step, all: usize) {
        for i in 0..MODES {
            let mut v: Lanes = std::array::from_fn(|l| self.s[i][l] * step.decay[i][l]);
            for k in 0..D {
                v = std::array::from_fn(|l| v[l] + self.amount[k][l] * step.amount_gain[k][i][l]);
            }
            if self.rates_on {
                for k in 0..all.min(INLETS) {
                    v = std::array::from_fn(|l| v[l] + self.rate[k][l] * step.rate_gain[k][i][l]);
                }
            }
            self.s[i] = v;
        }
        for k in 0..D {
            for l in 0..LANES {
                self.amount[k][l] = self.amount[k][l] * step.depot_decay[k][l] + self.rate[k][l] * step.depot_fill[k][l];
            }
        }
    }

    /// [`Self::apply`] with the depot count known only at run time.
    fn apply_any(&mut self, step: &Step, slots: &Slots) {
        let all = slots.inlet.len();
        match slots.depots {
            0 => self.apply::<0>(step, all),
            1 => self.apply::<1>(step, all),
            2 => self.apply::<2>(step, all),
            _ => self.apply::<DEPOTS>(step, all),
        }
    }

    /// `C = Σ s_i` per lane.
    #[inline(always)]
    fn conc(&self) -> Lanes {
        let mut c = [0.0; LANES];
        for s in &self.s {
            c = std::array::from_fn(|l| c[l] + s[l]);
        }
        std::array::from_fn(|l| c[l].max(0.0))
    }
}

/// Up to [`LANES`] individuals stepped together: state, factors for the grid step, and a small
/// cache of factors for the partial steps at events. Unused lanes copy the first individual's
/// parameters, receive no input and are never written out.
#[derive(Debug, Clone)]
struct Group<'a> {
    members: &'a [Individual],
    modals: [Modal; LANES],
    st: State,
    grid: Step,
    cache: Vec<Step>,
}

impl<'a> Group<'a> {
    fn new(members: &'a [Individual], slots: &Slots, grid_dt: f64) -> Option<Self> {
        let first = members.first()?.modal;
        let modals = std::array::from_fn(|l| members.get(l).map_or(first, |m| m.modal));
        Some(Self { members, modals, st: State::default(), grid: Step::new(&modals, slots, grid_dt), cache: Vec::new() })
    }

    fn advance(&mut self, dt: f64, slots: &Slots) {
        if dt <= 0.0 {
            return;
        }
        if same_step(self.grid.dt, dt) {
            self.st.apply_any(&self.grid, slots);
            return;
        }
        let index = match self.cache.iter().position(|st| same_step(st.dt, dt)) {
            Some(i) => i,
            None => {
                if self.cache.len() >= 16 {
                    self.cache.pop();
                }
                self.cache.push(Step::new(&self.modals, slots, dt));
                self.cache.len() - 1
            }
        };
        self.st.apply_any(&self.cache[index], slots);
    }

    /// Boluses at `te` and the rates that hold from `te` on (as in `LinearSystem::simulate`).
    fn apply_events(&mut self, te: f64, slots: &Slots) {
        self.st.rate = [[0.0; LANES]; INLETS];
        for (l, member) in self.members.iter().enumerate().take(LANES) {
            for input in &member.inputs {
                let Some(slot) = slots.slot_of(cmt(input)) else { continue };
                match *input {
                    LinInput::Bolus { t, cmt, amount } if t == te => match member.modal.inlet(cmt) {
                        Inlet::Depot { .. } => self.st.amount[slot][l] += amount,
                        Inlet::Direct(weights) => {
                            for (s, w) in self.st.s.iter_mut().zip(weights) {
                                s[l] += amount * w;
                            }
                        }
                    },
                    LinInput::ZeroOrder { t0, t1, rate, .. } if t0 <= te && te < t1 => self.st.rate[slot][l] += rate,
                    _ => {}
                }
            }
        }
        self.st.rates_on = self.st.rate.iter().flatten().any(|&r| r != 0.0);
    }

    #[inline(always)]
    fn write(&self, out: &mut [f64], scale: f64) {
        let c = self.st.conc();
        let scaled: Lanes = std::array::from_fn(|l| c[l] * scale);
        match <&mut Lanes>::try_from(&mut *out) {
            Ok(full) => *full = scaled,
            Err(_) => out.iter_mut().zip(scaled).for_each(|(slot, v)| *slot = v),
        }
    }
}

/// Esketamine plasma concentrations (mg/L × `scale`) of every individual at `times` (ascending,
/// ≥ 0), written time-major: `out[k·B + j]` for time `k` and individual `j`, `B = batch.len()`.
/// Right-continuous at boluses. Stepping the batch together per time point lets the CPU overlap
/// the individuals' otherwise sequential update chains (as in `solution::concentrations_batch`),
/// and the lanes of a [`Group`] use SIMD.
pub(crate) fn concentrations_batch(batch: &[Individual], times: &[f64], scale: f64, out: &mut [f64]) {
    let slots = Slots::new(batch);
    let mut events: Vec<f64> = Vec::new();
    for input in batch.iter().flat_map(|ind| &ind.inputs) {
        match *input {
            LinInput::Bolus { t, .. } => events.push(t),
            LinInput::ZeroOrder { t0, t1, .. } => events.extend([t0, t1]),
        }
    }
    events.sort_by(f64::total_cmp);
    events.dedup();
    let grid_dt = match times {
        [a, b, ..] => b - a,
        _ => 1.0,
    };
    let width = batch.len();
    let mut groups: Vec<Group<'_>> = batch.chunks(LANES).filter_map(|members| Group::new(members, &slots, grid_dt)).collect();
    let mut now = 0.0;
    let mut next_event = 0;
    for (k, &t) in times.iter().enumerate() {
        while next_event < events.len() && events[next_event] <= t {
            let te = events[next_event];
            for group in &mut groups {
                group.advance(te - now, &slots);
                group.apply_events(te, &slots);
            }
            now = te;
            next_event += 1;
        }
        let dt = t - now;
        if let Some(row) = out.get_mut(k * width..(k + 1) * width) {
            if dt > 0.0 && same_step(dt, grid_dt) {
                let all = slots.inlet.len();
                match slots.depots {
                    0 => grid_row::<0>(&mut groups, row, scale, all),
                    1 => grid_row::<1>(&mut groups, row, scale, all),
                    2 => grid_row::<2>(&mut groups, row, scale, all),
                    _ => grid_row::<DEPOTS>(&mut groups, row, scale, all),
                }
            } else {
                for (group, part) in groups.iter_mut().zip(row.chunks_mut(LANES)) {
                    group.advance(dt, &slots);
                    group.write(part, scale);
                }
            }
        }
        now = f64::max(now, t);
    }
}

/// One grid step of every group, writing the concentrations (the hot loop).
fn grid_row<const D: usize>(groups: &mut [Group<'_>], row: &mut [f64], scale: f64, all: usize) {
    for (group, part) in groups.iter_mut().zip(row.chunks_mut(LANES)) {
        group.st.apply::<D>(&group.grid, all);
        group.write(part, scale);
    }
}
