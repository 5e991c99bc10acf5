//! Kamp et al. 2020 meta-analysis (Anesthesiology 133:1192, doi:10.1097/ALN.0000000000003577),
//! three-compartment set as encoded in PyPI `anasim-simulator` 1.7 `KetaminePK` (PK.md §1.1).
//!
//! Confidence L: single secondary encoding, not verified against the paper; its Vss 238 L and
//! CL 84 L/h differ from the abstract's 252 L / 79 L/h by ∓6 %. The central compartment of the
//! raw-data model is arterial. Allometry: CL·(W/70)^0.75, V·(W/70); inter-compartmental
//! clearances are scaled like CL (standard allometry — an assumption of this encoding).

use super::{Confidence, Drug, ModelId, ModelInfo, Parameter, racemic_caveats, racemic_routes};
use crate::mammillary::{Mammillary, Peripheral};

/// L/h at 70 kg.
const CL: f64 = 84.0;
const Q2: f64 = 161.0;
const Q3: f64 = 79.0;
/// L at 70 kg.
const V1: f64 = 25.0;
const V2: f64 = 56.0;
const V3: f64 = 157.0;

pub(crate) fn disposition(weight_kg: f64) -> Mammillary {
    let size = weight_kg / 70.0;
    let flow = size.powf(0.75) / 60.0; // L/h → L/min
    Mammillary { v1: V1 * size, cl: CL * flow, peripherals: vec![Peripheral { q: Q2 * flow, v: V2 * size }, Peripheral { q: Q3 * flow, v: V3 * size }] }
}

pub(crate) fn info() -> ModelInfo {
    let mut caveats = racemic_caveats();
    caveats.push(
        "Parameters from one secondary encoding (anasim-simulator), not verified against the paper (L); Vss/CL differ from the abstract by ∓6 %.".to_owned(),
    );
    caveats.push("Central compartment is arterial: during an infusion arterial levels exceed venous ones (PK.md §3.2).".to_owned());
    ModelInfo {
        id: ModelId::Kamp2020,
        drug: Drug::RacemicKetamine,
        population: "Meta-analysis of 18 studies (adults); 70 kg reference".to_owned(),
        source: "Kamp J et al. Anesthesiology 2020;133:1192, doi:10.1097/ALN.0000000000003577. Encoding: PyPI anasim-simulator 1.7 anasim/patient/pk_models.py KetaminePK.".to_owned(),
        confidence: Confidence::Low,
        routes: racemic_routes(),
        caveats,
        parameters: vec![
            Parameter::new("CL", CL, "L/h at 70 kg, ×(W/70)^0.75"),
            Parameter::new("Q2", Q2, "L/h at 70 kg, ×(W/70)^0.75 (assumed)"),
            Parameter::new("Q3", Q3, "L/h at 70 kg, ×(W/70)^0.75 (assumed)"),
            Parameter::new("V1", V1, "L at 70 kg, ×(W/70)"),
            Parameter::new("V2", V2, "L at 70 kg, ×(W/70)"),
            Parameter::new("V3", V3, "L at 70 kg, ×(W/70)"),
        ],
    }
}
