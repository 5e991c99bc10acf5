//! The public entry point: request → validated model, regimen and grid → exact curves and
//! summary numbers (and optionally effect site and population bands).

use std::f64::consts::LN_2;

use crate::PkError;
use crate::mammillary::Mammillary;
use crate::metrics;
use crate::modal;
use crate::models::perez_ruixo2021::{CENTRAL, Covariates, NOR_CENTRAL, Params};
use crate::models::{Drug, ModelId, RACEMIC_ASSUMED_CV};
use crate::population::{self, Bands};
use crate::request::{LABEL, PopulationBands, RegimenEntry, SimulationRequest, SimulationResult, validate};
use crate::route::{Route, racemic_absorption};
use crate::solution::{self, Admin};

/// mg/L → ng/mL.
const NG_PER_ML: f64 = 1000.0;
/// ng/mL·min → ng·h/mL.
const MIN_TO_H: f64 = 1.0 / 60.0;

/// Simulates a regimen with one model. See [`SimulationRequest`] for the fields and limits.
///
/// # Errors
/// A [`PkError`] naming the request field when the model is unknown, a route is not available
/// for the model, a number is out of range, or the grid or population is too large.
pub fn simulate(req: &SimulationRequest) -> Result<SimulationResult, PkError> {
    let model: ModelId = req.model.parse()?;
    let times = validate(req, model)?;
    match model.racemic_disposition(req.patient.weight_kg) {
        Some(m) => racemic(req, model, &m, &times),
        None => esketamine(req, &times),
    }
}

/// Racemic administrations with route bioavailability applied (PK.md §1.4 and `route.rs`).
pub(crate) fn racemic_admins(regimen: &[RegimenEntry]) -> Vec<Admin> {
    regimen
        .iter()
        .map(|e| {
            let t = e.start_min;
            match (e.route, racemic_absorption(e.route)) {
                (Route::IvInfusion, _) => {
                    let d = e.duration_min.unwrap_or(0.0);
                    Admin::Infusion { t0: t, t1: t + d, rate: e.dose_mg / d }
                }
                (_, Some(abs)) => Admin::Absorbed { t, amount: abs.f * e.dose_mg, ka: abs.ka_per_min },
                (_, None) => Admin::Bolus { t, amount: e.dose_mg },
            }
        })
        .collect()
}

fn base_result(model: ModelId, drug: Drug, times: &[f64], plasma: Vec<f64>) -> SimulationResult {
    SimulationResult {
        model,
        drug,
        label: LABEL.to_owned(),
        times_min: times.to_vec(),
        plasma_ng_ml: plasma,
        cmax_ng_ml: 0.0,
        tmax_min: 0.0,
        auc_ng_h_per_ml: 0.0,
        auc_inf_ng_h_per_ml: None,
        terminal_half_life_min: 0.0,
        threshold_ng_ml: None,
        time_above_threshold_min: None,
        first_below_threshold_after_peak_min: None,
        ke0_per_min: None,
        effect_site_ng_ml: None,
        noresketamine_ng_ml: None,
        population: None,
        caveats: model.info().caveats,
    }
}

fn summarise(res: &mut SimulationResult, req: &SimulationRequest, eval: &dyn Fn(f64) -> f64) {
    let (cmax, tmax) = metrics::peak(&res.times_min, &res.plasma_ng_ml, eval);
    res.cmax_ng_ml = cmax;
    res.tmax_min = tmax;
    if let Some(level) = req.threshold_ng_ml {
        let (above, below) = metrics::threshold(&res.times_min, &res.plasma_ng_ml, level, tmax, eval);
        res.threshold_ng_ml = Some(level);
        res.time_above_threshold_min = Some(above);
        res.first_below_threshold_after_peak_min = below;
    }
}

fn bands_out(b: Bands, spec: crate::PopulationSpec, variability: String) -> PopulationBands {
    PopulationBands { subjects: spec.subjects, seed: spec.seed, variability, p05_ng_ml: b.p05, p50_ng_ml: b.p50, p95_ng_ml: b.p95 }
}

fn racemic(req: &SimulationRequest, model: ModelId, m: &Mammillary, times: &[f64]) -> Result<SimulationResult, PkError> {
    let admins = racemic_admins(&req.regimen);
    let es = m.exp_sum();
    let trace = solution::simulate(&es, &admins, times);
    let plasma = trace.conc.iter().map(|c| c * NG_PER_ML).collect();
    let mut res = base_result(model, Drug::RacemicKetamine, times, plasma);
    let eval = |t: f64| solution::simulate(&es, &admins, &[t]).conc.first().copied().unwrap_or(0.0) * NG_PER_ML;
    summarise(&mut res, req, &eval);
    res.auc_ng_h_per_ml = trace.auc.last().copied().unwrap_or(0.0) * NG_PER_ML * MIN_TO_H;
    let delivered: f64 = admins
        .iter()
        .map(|a| match *a {
            Admin::Bolus { amount, .. } | Admin::Absorbed { amount, .. } => amount,
            Admin::Infusion { t0, t1, rate } => rate * (t1 - t0),
        })
        .sum();
    res.auc_inf_ng_h_per_ml = Some(delivered / m.cl * NG_PER_ML * MIN_TO_H);
    res.terminal_half_life_min = LN_2 / es.terminal_lambda();
    if let Some(ke0) = req.ke0_per_min {
        let (sys, inputs) = solution::as_linear(m, &admins);
        let with_effect = sys.with_observer(0, ke0 / m.v1, ke0);
        let n = with_effect.n;
        let states = with_effect.simulate(&inputs, times);
        res.ke0_per_min = Some(ke0);
        res.effect_site_ng_ml = Some(states.chunks_exact(n).map(|x| x[n - 1] * NG_PER_ML).collect());
    }
    if let Some(spec) = req.population {
        let b = population::bands(spec.subjects, times.len(), spec.seed, |rng, size, out| {
            let individuals: Vec<_> = (0..size).map(|_| population::racemic_individual(m, rng).exp_sum()).collect();
            solution::concentrations_batch(&individuals, &admins, times, NG_PER_ML, out);
            Ok(())
        })?;
        let label = format!("ASSUMED log-normal CV {:.0} % on CL and V1 (no published Ω for this model, PK.md §3.3)", RACEMIC_ASSUMED_CV * 100.0);
        res.population = Some(bands_out(b, spec, label));
    }
    Ok(res)
}

fn esketamine(req: &SimulationRequest, times: &[f64]) -> Result<SimulationResult, PkError> {
    let cov = Covariates { age_years: req.patient.age_years.unwrap_or(45.0), ancestry: req.patient.ancestry.unwrap_or_default() };
    let p = Params::typical(cov);
    let inputs = p.inputs(&req.regimen)?;
    let sys = p.system();
    let vc = p.vc();
    let mut observed = sys.with_observer(CENTRAL, 1.0 / vc, 0.0);
    let auc_state = observed.n - 1;
    if let Some(ke0) = req.ke0_per_min {
        observed = observed.with_observer(CENTRAL, ke0 / vc, ke0);
    }
    let n = observed.n;
    let states = observed.simulate(&inputs, times);
    let plasma = states.chunks_exact(n).map(|x| x[CENTRAL] / vc * NG_PER_ML).collect();
    let mut res = base_result(ModelId::PerezRuixo2021, Drug::Esketamine, times, plasma);
    res.noresketamine_ng_ml = Some(states.chunks_exact(n).map(|x| x[NOR_CENTRAL] / p.vcn * NG_PER_ML).collect());
    let eval = |t: f64| sys.simulate(&inputs, &[t]).get(CENTRAL).copied().unwrap_or(0.0) / vc * NG_PER_ML;
    summarise(&mut res, req, &eval);
    res.auc_ng_h_per_ml = states.chunks_exact(n).last().map_or(0.0, |x| x[auc_state]) * NG_PER_ML * MIN_TO_H;
    res.auc_inf_ng_h_per_ml = sys.total_exposure(&inputs).map(|y| y[CENTRAL] / vc * NG_PER_ML * MIN_TO_H);
    res.terminal_half_life_min = p.terminal_half_life_min();
    if let Some(ke0) = req.ke0_per_min {
        res.ke0_per_min = Some(ke0);
        res.effect_site_ng_ml = Some(states.chunks_exact(n).map(|x| x[n - 1] * NG_PER_ML).collect());
    }
    if let Some(spec) = req.population {
        let b = population::bands(spec.subjects, times.len(), spec.seed, |rng, size, out| {
            let batch = (0..size)
                .map(|_| {
                    let individual = Params::sample(cov, rng);
                    Ok(modal::Individual { modal: individual.modal(), inputs: individual.inputs(&req.regimen)? })
                })
                .collect::<Result<Vec<_>, PkError>>()?;
            modal::concentrations_batch(&batch, times, NG_PER_ML, out);
            Ok(())
        })?;
        let label = "Published Ω (Perez-Ruixo 2021 Table 3); ω(kmet) ASSUMED CV 30 % (missing from the paper); residual error excluded".to_owned();
        res.population = Some(bands_out(b, spec, label));
    }
    Ok(res)
}
