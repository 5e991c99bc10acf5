//! Crate tests: PK.md §5 oracles, properties against an independent RK4 integration, and the
//! repeated-root stress case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly on purpose")]

mod oracles;
mod properties;
mod rk4;

use crate::{Patient, RegimenEntry, Route, SimulationRequest, SimulationResult, simulate};

pub(crate) fn entry(route: Route, dose_mg: f64, start_min: f64, duration_min: Option<f64>) -> RegimenEntry {
    RegimenEntry { route, dose_mg, start_min, duration_min }
}

pub(crate) fn request(model: &str, weight_kg: f64, regimen: Vec<RegimenEntry>, end_min: f64, step_min: f64) -> SimulationRequest {
    SimulationRequest {
        model: model.to_owned(),
        patient: Patient { weight_kg, age_years: None, ancestry: None },
        regimen,
        end_min,
        step_min,
        threshold_ng_ml: None,
        ke0_per_min: None,
        population: None,
    }
}

pub(crate) fn run(req: &SimulationRequest) -> SimulationResult {
    simulate(req).unwrap_or_else(|e| panic!("simulate failed: {e}"))
}

/// Value of the curve at an exact grid time.
pub(crate) fn at(res: &SimulationResult, t: f64) -> f64 {
    let k = res.times_min.iter().position(|&x| (x - t).abs() < 1e-9).unwrap_or_else(|| panic!("{t} not on grid"));
    res.plasma_ng_ml[k]
}

pub(crate) fn close(got: f64, expected: f64, rel: f64, what: &str) {
    let err = (got - expected).abs() / expected.abs();
    eprintln!("ORACLE {what}: expected {expected}, got {got:.4} (rel {err:.1e})");
    assert!(err <= rel, "{what}: expected {expected}, got {got} (relative error {err:.2e} > {rel:.0e})");
}
