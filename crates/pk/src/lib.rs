//! Predicted ketamine and esketamine plasma concentrations from published population
//! pharmacokinetic models (issue 9; every parameter, formula and oracle is from
//! `shared/clinical/PK.md`).
//!
//! Pure: no I/O, no clock, no global randomness (population simulation takes a seed).
//! Entry points: [`simulate`] and [`models`].
//!
//! - Racemic models (`domino1984`, `clements1981`, `hijazi2003`, `kamp2020`) are mammillary and
//!   solved with the exact incremental sum-of-exponentials form (`solution.rs`), with the stable
//!   φ form for equal or near-equal rates (PK.md §3.1–3.2).
//! - The Perez-Ruixo 2021 esketamine + noresketamine model and every effect-site curve are solved
//!   exactly by matrix exponential per constant-input segment (`linear.rs`, `expm.rs`); its
//!   population bands (esketamine plasma only) use a sum-of-exponentials form of the
//!   esketamine states (`modal.rs`).
//! - Every result is a model estimate, not a measured level, and carries its caveats.

mod eigen;
mod error;
mod expm;
mod linear;
mod mammillary;
mod math;
mod metrics;
mod modal;
pub mod models;
mod population;
mod request;
mod rng;
mod route;
mod simulate;
mod solution;

pub use error::PkError;
pub use models::perez_ruixo2021::Ancestry;
pub use models::{Confidence, Drug, ModelId, ModelInfo, Parameter, models};
pub use request::{
    LABEL, MAX_CELLS, MAX_END_MIN, MAX_POINTS, MAX_REGIMEN, MAX_SUBJECTS, Patient, PopulationBands, PopulationSpec, RegimenEntry, SimulationRequest,
    SimulationResult,
};
pub use route::Route;
pub use simulate::simulate;

#[cfg(test)]
mod tests;
