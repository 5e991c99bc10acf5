//! Clements & Nimmo 1981 (BJA 53:27, doi:10.1093/bja/53.1.27), "250 µg/kg" data (PK.md §1.1).
//!
//! Read in opentiva (`Clements250`) only → confidence L. Two compartments; V1 is implausibly
//! large (no early samples), so early concentrations are under-predicted.

use super::{Confidence, Drug, ModelId, ModelInfo, Parameter, racemic_caveats, racemic_routes};
use crate::mammillary::Mammillary;

const V1_L_PER_KG: f64 = 1.7522;
const K10: f64 = 0.0109;
const K12: f64 = 0.0186;
const K21: f64 = 0.0137;

pub(crate) fn disposition(weight_kg: f64) -> Mammillary {
    Mammillary::from_micro(V1_L_PER_KG * weight_kg, K10, &[(K12, K21)])
}

pub(crate) fn info() -> ModelInfo {
    let mut caveats = racemic_caveats();
    caveats.push("V1 1.75 L/kg is implausibly large (no early samples): early concentrations are under-predicted (PK.md §1.1).".to_owned());
    ModelInfo {
        id: ModelId::Clements1981,
        drug: Drug::RacemicKetamine,
        population: "Adult volunteers, 250 µg/kg IV data set".to_owned(),
        source: "Clements JA, Nimmo WS. Pharmacokinetics and analgesic effect of ketamine in man. BJA 1981;53:27, doi:10.1093/bja/53.1.27. Encoding: opentiva Clements250.".to_owned(),
        confidence: Confidence::Low,
        routes: racemic_routes(),
        caveats,
        parameters: vec![
            Parameter::new("V1", V1_L_PER_KG, "L/kg total body weight"),
            Parameter::new("k10", K10, "1/min"),
            Parameter::new("k12", K12, "1/min"),
            Parameter::new("k21", K21, "1/min"),
        ],
    }
}
