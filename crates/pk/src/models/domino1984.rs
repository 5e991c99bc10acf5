//! Domino et al. 1984 (Clin Pharmacol Ther 36:645), the TCI parameter set (PK.md §1.1).
//!
//! Read in opentiva `opentiva/ketamine.py` (class `Domino`) and `bensondaled/fus_anes`
//! `tci/ketamine.py`; the two agree to rounding → confidence M for "this is the TCI Domino set".
//! Weight is the only covariate (linear, total body weight).

use super::{Confidence, Drug, ModelId, ModelInfo, Parameter, racemic_caveats, racemic_routes};
use crate::mammillary::Mammillary;

/// V1 per kg total body weight (L/kg).
const V1_L_PER_KG: f64 = 0.063;
/// Micro-constants, 1/min (PK.md §1.1 table).
const K10: f64 = 0.4381;
const K12: f64 = 0.5921;
const K13: f64 = 0.5900;
const K21: f64 = 0.2470;
const K31: f64 = 0.0146;

pub(crate) fn disposition(weight_kg: f64) -> Mammillary {
    Mammillary::from_micro(V1_L_PER_KG * weight_kg, K10, &[(K12, K21), (K13, K31)])
}

pub(crate) fn info() -> ModelInfo {
    let mut caveats = racemic_caveats();
    caveats.push("Tiny V1 (0.063 L/kg): the fall after an infusion stops is fast; real venous curves fall more slowly (PK.md §5). Over-predicts the one observed depression-trial end-of-infusion mean by ~30 % (oracle Z).".to_owned());
    caveats.push("The 1984 paper itself was not read; exact citation confidence L (opentiva cites PMID 7198883).".to_owned());
    ModelInfo {
        id: ModelId::Domino1984,
        drug: Drug::RacemicKetamine,
        population: "Healthy adults (IV); parameter set as used by TCI software".to_owned(),
        source: "Domino EF et al. Ketamine kinetics in unmedicated and diazepam-premedicated subjects. Clin Pharmacol Ther 1984;36:645. Encoding: opentiva (Domino) and fus_anes (tci/ketamine.py).".to_owned(),
        confidence: Confidence::Medium,
        routes: racemic_routes(),
        caveats,
        parameters: vec![
            Parameter::new("V1", V1_L_PER_KG, "L/kg total body weight"),
            Parameter::new("k10", K10, "1/min"),
            Parameter::new("k12", K12, "1/min"),
            Parameter::new("k13", K13, "1/min"),
            Parameter::new("k21", K21, "1/min"),
            Parameter::new("k31", K31, "1/min"),
        ],
    }
}
