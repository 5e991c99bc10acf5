//! Hijazi et al. 2003 (BJA 90:155, doi:10.1093/bja/aeg028), adult ICU patients with brain or
//! spinal-cord injury, n = 12 (PK.md §1.1).
//!
//! opentiva encoding checked against the abstract (CL 36.0 mL/min/kg, Vβ 16.0 L/kg, t½ 4.9 h;
//! the encoding gives 35.96, 15.4, 4.95) → confidence H. Note opentiva's `age_upper = 18` is a
//! bug: the patients were adults.

use super::{Confidence, Drug, ModelId, ModelInfo, Parameter, racemic_caveats, racemic_routes};
use crate::mammillary::Mammillary;

const V1_L_PER_KG: f64 = 1.08;
const K10: f64 = 0.0333;
const K12: f64 = 0.0088;
const K21: f64 = 0.0030;

pub(crate) fn disposition(weight_kg: f64) -> Mammillary {
    Mammillary::from_micro(V1_L_PER_KG * weight_kg, K10, &[(K12, K21)])
}

pub(crate) fn info() -> ModelInfo {
    let mut caveats = racemic_caveats();
    caveats.push("ICU patients with brain or spinal-cord injury: not an outpatient depression population (PK.md §1.1).".to_owned());
    ModelInfo {
        id: ModelId::Hijazi2003,
        drug: Drug::RacemicKetamine,
        population: "Adult ICU patients with brain or spinal-cord injury, n = 12".to_owned(),
        source: "Hijazi Y et al. BJA 2003;90:155, doi:10.1093/bja/aeg028. Encoding: opentiva Hijazi, checked against the abstract.".to_owned(),
        confidence: Confidence::High,
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
