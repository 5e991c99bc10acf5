//! The `POST /api/v1/pk/simulate` request and response shapes (API.md "Pharmacokinetics"),
//! and the validation that turns a request into something the solvers can trust.
//!
//! Limits are generous for clinical use but keep one request bounded in time and memory:
//! at most [`MAX_POINTS`] grid points and [`MAX_CELLS`] population cells (subjects × points).

use serde::{Deserialize, Serialize};

use crate::PkError;
use crate::models::perez_ruixo2021::{Ancestry, DEVICE_MG};
use crate::models::{Drug, ModelId};
use crate::route::Route;

/// Most grid points one simulation may produce.
pub const MAX_POINTS: usize = 20_000;
/// Most population subjects.
pub const MAX_SUBJECTS: u32 = 10_000;
/// Most population cells (subjects × grid points): bounds memory (4 bytes each) and time.
pub const MAX_CELLS: usize = 25_000_000;
/// Most regimen entries.
pub const MAX_REGIMEN: usize = 500;
/// Longest simulated horizon and latest dose start: 30 days, in minutes.
pub const MAX_END_MIN: f64 = 43_200.0;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationRequest {
    /// Model id, see [`crate::models`]. A string (not an enum) so an unknown id is a named error.
    pub model: String,
    pub patient: Patient,
    pub regimen: Vec<RegimenEntry>,
    /// Simulated horizon, minutes after time 0.
    pub end_min: f64,
    /// Grid spacing, minutes.
    pub step_min: f64,
    /// Optional level for "time above" and "first time below after the peak", ng/mL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_ng_ml: Option<f64>,
    /// Optional effect-site equilibration rate. There is no well-founded ketamine ke0
    /// (PK.md §0), so there is no default: without it no effect-site curve is produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ke0_per_min: Option<f64>,
    /// Optional population simulation with between-subject variability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<PopulationSpec>,
}

/// Patient covariates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    pub weight_kg: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_years: Option<f64>,
    /// Perez-Ruixo covariate (Asian on kel and CLn/F, Japanese on FRn); ignored by racemic models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ancestry: Option<Ancestry>,
}

/// One administration. Intranasal esketamine: one entry per 28 mg device.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegimenEntry {
    pub route: Route,
    pub dose_mg: f64,
    pub start_min: f64,
    /// Required for `iv_infusion`, not allowed otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_min: Option<f64>,
}

/// Population size and seed; the same seed gives the same bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationSpec {
    pub subjects: u32,
    pub seed: u64,
}

/// What a simulation returns. Concentrations in ng/mL, times in minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationResult {
    pub model: ModelId,
    pub drug: Drug,
    /// Always "model estimate, not a measured level".
    pub label: String,
    pub times_min: Vec<f64>,
    pub plasma_ng_ml: Vec<f64>,
    /// Peak, refined between grid points.
    pub cmax_ng_ml: f64,
    pub tmax_min: f64,
    /// Exact AUC from 0 to `end_min`, ng·h/mL.
    pub auc_ng_h_per_ml: f64,
    /// AUC from 0 to ∞ of the whole regimen (linear models: always defined), ng·h/mL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auc_inf_ng_h_per_ml: Option<f64>,
    /// Terminal (slowest disposition) half-life of the model for this patient, minutes.
    pub terminal_half_life_min: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_ng_ml: Option<f64>,
    /// Total time above the threshold within `[0, end_min]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_above_threshold_min: Option<f64>,
    /// First time at or after the peak when the level falls below the threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_below_threshold_after_peak_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ke0_per_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect_site_ng_ml: Option<Vec<f64>>,
    /// Noresketamine for the Perez-Ruixo model (low confidence beyond the peak).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noresketamine_ng_ml: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<PopulationBands>,
    pub caveats: Vec<String>,
}

/// Percentile bands of plasma concentration across simulated subjects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationBands {
    pub subjects: u32,
    pub seed: u64,
    /// How variability was modelled (published Ω or an explicit assumption).
    pub variability: String,
    pub p05_ng_ml: Vec<f64>,
    pub p50_ng_ml: Vec<f64>,
    pub p95_ng_ml: Vec<f64>,
}

/// The label every curve carries (issue 9: "always labelled a model estimate").
pub const LABEL: &str = "model estimate, not a measured level";

fn in_range(field: impl Into<String>, value: f64, min: f64, max: f64) -> Result<f64, PkError> {
    if value.is_finite() && (min..=max).contains(&value) { Ok(value) } else { Err(PkError::range(field, value, min, max)) }
}

/// Validates everything except route support (which depends on the model) and returns the grid.
pub(crate) fn validate(req: &SimulationRequest, model: ModelId) -> Result<Vec<f64>, PkError> {
    in_range("patient.weight_kg", req.patient.weight_kg, 10.0, 300.0)?;
    if let Some(age) = req.patient.age_years {
        in_range("patient.age_years", age, 0.0, 120.0)?;
    }
    if req.regimen.is_empty() {
        return Err(PkError::invalid("regimen", "at least one administration is needed"));
    }
    if req.regimen.len() > MAX_REGIMEN {
        return Err(PkError::invalid("regimen", format!("at most {MAX_REGIMEN} entries")));
    }
    for (i, e) in req.regimen.iter().enumerate() {
        let max_dose = if model == ModelId::PerezRuixo2021 && e.route == Route::Intranasal { DEVICE_MG } else { 1000.0 };
        if e.dose_mg <= 0.0 || !e.dose_mg.is_finite() || e.dose_mg > max_dose {
            return Err(PkError::range(format!("regimen[{i}].dose_mg"), e.dose_mg, f64::MIN_POSITIVE, max_dose));
        }
        in_range(format!("regimen[{i}].start_min"), e.start_min, 0.0, MAX_END_MIN)?;
        match (e.route, e.duration_min) {
            (Route::IvInfusion, Some(d)) => {
                if d <= 0.0 || !d.is_finite() || d > 1440.0 {
                    return Err(PkError::range(format!("regimen[{i}].duration_min"), d, f64::MIN_POSITIVE, 1440.0));
                }
            }
            (Route::IvInfusion, None) => return Err(PkError::invalid(format!("regimen[{i}].duration_min"), "required for iv_infusion")),
            (_, Some(_)) => return Err(PkError::invalid(format!("regimen[{i}].duration_min"), "only allowed for iv_infusion")),
            (_, None) => {}
        }
    }
    if let Some(t) = req.threshold_ng_ml {
        in_range("threshold_ng_ml", t, 1e-6, 1e6)?;
    }
    if let Some(k) = req.ke0_per_min {
        in_range("ke0_per_min", k, 1e-4, 100.0)?;
    }
    let times = grid(req.end_min, req.step_min)?;
    if let Some(pop) = req.population {
        if pop.subjects == 0 || pop.subjects > MAX_SUBJECTS {
            return Err(PkError::PopulationTooLarge { subjects: pop.subjects, reason: format!("allowed 1..={MAX_SUBJECTS}") });
        }
        let cells = usize::try_from(pop.subjects).unwrap_or(usize::MAX).saturating_mul(times.len());
        if cells > MAX_CELLS {
            return Err(PkError::PopulationTooLarge { subjects: pop.subjects, reason: format!("subjects × grid points = {cells} exceeds {MAX_CELLS}") });
        }
    }
    Ok(times)
}

/// `0, step, 2·step, …` up to `end`, plus `end` itself when it is not on the grid.
pub(crate) fn grid(end_min: f64, step_min: f64) -> Result<Vec<f64>, PkError> {
    in_range("end_min", end_min, f64::MIN_POSITIVE, MAX_END_MIN)?;
    in_range("step_min", step_min, 1.0 / 60.0, end_min)?;
    let mut times = Vec::new();
    let mut k = 0_u32;
    loop {
        let t = f64::from(k) * step_min;
        if t > end_min * (1.0 + 1e-12) {
            break;
        }
        times.push(t.min(end_min));
        if times.len() > MAX_POINTS {
            let estimate = end_min / step_min;
            return Err(PkError::GridTooLarge {
                points: if estimate < 1e9 { format!("{estimate:.0}").parse().unwrap_or(usize::MAX) } else { usize::MAX },
                max: MAX_POINTS,
            });
        }
        k += 1;
    }
    if times.last().is_some_and(|&last| last < end_min) {
        times.push(end_min);
    }
    if times.len() > MAX_POINTS {
        return Err(PkError::GridTooLarge { points: times.len(), max: MAX_POINTS });
    }
    Ok(times)
}
