//! Dose calculation (issue 5, item 3): racemic ketamine by weight (IV infusion or IM), and
//! esketamine by device count. Pure and exact: every quantity is an integer in a small unit
//! (grams, micrograms, hundredths of a millilitre), rounded half up only where the result is
//! shown, so the same inputs always give the same, reproducible answer.

pub mod esketamine;
pub mod ketamine;
pub mod units;

pub use esketamine::{EsketamineDose, EsketamineRequest, esketamine_dose};
pub use ketamine::{KetamineDose, KetamineRequest, WeightBasis, ketamine_dose};

use serde::Serialize;

/// Something the prescriber should look at (the calculation still answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DoseWarning {
    /// Outside 0.1–1.0 mg/kg (issue 5 default; REFERENCE §1.1 reports 0.1–0.75 in the literature).
    DoseOutsideUsualRange,
    /// The dose was limited to the order's maximum.
    CappedAtMaxDose,
    /// 100 mg/mL concentrate with no diluent bag (Ketalar 100 mg/mL must be diluted for IV use).
    UndilutedHighConcentration,
    /// Age 65 or over and a first esketamine dose above 28 mg: some labels start at 28 mg
    /// (REFERENCE §2.3, M; not confirmed for the US label).
    GeriatricStartingDose,
}
