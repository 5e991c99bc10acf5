//! Properties: exact solutions vs the independent RK4 reference, mass balance, non-negativity,
//! linearity, determinism, and the repeated-root stress case (PK.md §5 suggested oracles 1, 6).

use proptest::prelude::*;

use super::rk4::{RefInput, integrate};
use super::{entry, request, run};
use crate::linear::LinInput;
use crate::models::perez_ruixo2021::{Ancestry, Covariates, Params};
use crate::simulate::racemic_admins;
use crate::solution::{self, Admin};
use crate::{ModelId, PkError, PopulationSpec, RegimenEntry, Route, simulate};

const RACEMIC: [&str; 4] = ["domino1984", "clements1981", "hijazi2003", "kamp2020"];

/// `(V1, k10, [(k1p, kp1)])` re-typed from PK.md §1.1 (not taken from the crate).
fn ref_micro(model: &str, w: f64) -> (f64, f64, Vec<(f64, f64)>) {
    match model {
        "domino1984" => (0.063 * w, 0.4381, vec![(0.5921, 0.2470), (0.5900, 0.0146)]),
        "clements1981" => (1.7522 * w, 0.0109, vec![(0.0186, 0.0137)]),
        "hijazi2003" => (1.08 * w, 0.0333, vec![(0.0088, 0.0030)]),
        _ => {
            let (s, a) = (w / 70.0, (w / 70.0).powf(0.75) / 60.0);
            let (v1, v2, v3) = (25.0 * s, 56.0 * s, 157.0 * s);
            let (cl, q2, q3) = (84.0 * a, 161.0 * a, 79.0 * a);
            (v1, cl / v1, vec![(q2 / v1, q2 / v2), (q3 / v1, q3 / v3)])
        }
    }
}

/// `(F, ka)` per extravascular racemic route, re-typed from PK.md §1.4 / route.rs assumptions.
fn ref_absorption(route: Route) -> (f64, f64) {
    match route {
        Route::Im => (0.93, 0.1),
        Route::Intranasal => (0.45, 0.05),
        _ => (0.17, std::f64::consts::LN_2 / 59.0),
    }
}

/// Reference racemic curves: (plasma ng/mL, AUC mg·min/L, effect ng/mL) at `times`.
fn ref_racemic(model: &str, w: f64, regimen: &[RegimenEntry], ke0: f64, times: &[f64]) -> Vec<(f64, f64, f64)> {
    let (v1, k10, periph) = ref_micro(model, w);
    let p = periph.len();
    let depot = |r: Route| match r {
        Route::Im => p + 1,
        Route::Intranasal => p + 2,
        _ => p + 3,
    };
    let (auc, eff) = (p + 4, p + 5);
    let n = p + 6;
    let deriv = |x: &[f64], dx: &mut [f64]| {
        let mut d1 = -k10 * x[0];
        for (i, &(k1p, kp1)) in periph.iter().enumerate() {
            d1 += -k1p * x[0] + kp1 * x[i + 1];
            dx[i + 1] += k1p * x[0] - kp1 * x[i + 1];
        }
        for r in [Route::Im, Route::Intranasal, Route::Oral] {
            let ka = ref_absorption(r).1;
            d1 += ka * x[depot(r)];
            dx[depot(r)] -= ka * x[depot(r)];
        }
        dx[0] += d1;
        dx[auc] += x[0] / v1;
        dx[eff] += ke0 * (x[0] / v1 - x[eff]);
    };
    let inputs: Vec<RefInput> = regimen
        .iter()
        .map(|e| match e.route {
            Route::IvBolus => RefInput::Bolus { t: e.start_min, state: 0, amount: e.dose_mg },
            Route::IvInfusion => {
                let d = e.duration_min.unwrap_or(1.0);
                RefInput::Rate { t0: e.start_min, t1: e.start_min + d, state: 0, rate: e.dose_mg / d }
            }
            r => RefInput::Bolus { t: e.start_min, state: depot(r), amount: ref_absorption(r).0 * e.dose_mg },
        })
        .collect();
    integrate(n, &deriv, &inputs, times, 0.005).into_iter().map(|x| (x[0] / v1 * 1000.0, x[auc], x[eff] * 1000.0)).collect()
}

/// Reference Perez-Ruixo curves (esketamine, noresketamine, AUC) from the nlmixr2lib ODE text.
fn ref_perez_ruixo(regimen: &[RegimenEntry], times: &[f64]) -> Vec<(f64, f64, f64)> {
    let h = 1.0 / 60.0;
    let (vc, q1, vp1, q2, vp2, qh, vh) = (192.0, 84.3 * h, 143.0, 37.6 * h, 417.0, 151.0 * h, 101.0);
    let (kel, kmet, ka_n, ka_sw, ka_po) = (1.11 * h, 2.77 * h, 2.93 * h, 1.45 * h, 0.97 * h);
    let (vcn, cln, q3, vpn) = (70.0, 38.0 * h, 26.1 * h, 115.0);
    let deriv = |a: &[f64], d: &mut [f64]| {
        d[4] -= ka_n * a[4];
        d[5] -= ka_sw * a[5];
        d[6] -= ka_po * a[6];
        d[0] += ka_n * a[4] + q1 / vp1 * a[1] + q2 / vp2 * a[2] + qh / vh * a[3] - (q1 / vc + q2 / vc + qh / vc) * a[0];
        d[1] += q1 / vc * a[0] - q1 / vp1 * a[1];
        d[2] += q2 / vc * a[0] - q2 / vp2 * a[2];
        d[3] += ka_sw * a[5] + ka_po * a[6] + qh / vc * a[0] - (qh / vh + kel + kmet) * a[3];
        d[7] += kmet * a[3] + q3 / vpn * a[8] - (cln / vcn + q3 / vcn) * a[7];
        d[8] += q3 / vcn * a[7] - q3 / vpn * a[8];
        d[9] += a[0] / vc;
    };
    let mut nasal_starts: Vec<f64> = regimen.iter().filter(|e| e.route == Route::Intranasal).map(|e| e.start_min).collect();
    nasal_starts.sort_by(f64::total_cmp);
    let mut inputs = Vec::new();
    for e in regimen {
        let t = e.start_min;
        match e.route {
            Route::IvBolus => inputs.push(RefInput::Bolus { t, state: 0, amount: e.dose_mg }),
            Route::IvInfusion => {
                let d = e.duration_min.unwrap_or(1.0);
                inputs.push(RefInput::Rate { t0: t, t1: t + d, state: 0, rate: e.dose_mg / d });
            }
            Route::Oral => inputs.push(RefInput::Rate { t0: t, t1: t + 19.2, state: 6, rate: 0.64 * e.dose_mg / 19.2 }),
            _ => {
                let k = nasal_starts.iter().position(|&s| s == t).unwrap_or(0);
                let later = k > 0 && t - nasal_starts[k - 1] <= 60.0;
                let frn = if later { 0.54 * 0.62 } else { 0.54 };
                inputs.push(RefInput::Bolus { t, state: 4, amount: frn * e.dose_mg });
                inputs.push(RefInput::Rate { t0: t, t1: t + 31.8, state: 5, rate: (1.0 - frn) * 0.64 * e.dose_mg / 31.8 });
            }
        }
    }
    integrate(10, &deriv, &inputs, times, 0.05).into_iter().map(|a| (a[0] / vc * 1000.0, a[7] / vcn * 1000.0, a[9])).collect()
}

fn assert_close_curve(got: &[f64], reference: &[f64], what: &str) {
    let peak = reference.iter().copied().fold(0.0, f64::max);
    for (k, (g, r)) in got.iter().zip(reference).enumerate() {
        let scale = r.abs().max(1e-4 * peak);
        assert!((g - r).abs() <= 1e-6 * scale, "{what}[{k}]: exact {g}, RK4 {r}, rel {:.2e}", (g - r).abs() / scale);
    }
}

fn racemic_regimen() -> impl Strategy<Value = Vec<RegimenEntry>> {
    let one = (0..5_usize, 1.0..100.0_f64, 0.0..120.0_f64, 1.0..60.0_f64).prop_map(|(r, dose, start, dur)| {
        let route = Route::ALL[r];
        entry(route, dose, start, (route == Route::IvInfusion).then_some(dur))
    });
    prop::collection::vec(one, 1..5)
}

fn esketamine_regimen() -> impl Strategy<Value = Vec<RegimenEntry>> {
    let routes = [Route::IvBolus, Route::IvInfusion, Route::Intranasal, Route::Oral];
    let one = (0..4_usize, 1.0..28.0_f64, 0.0..120.0_f64, 1.0..60.0_f64).prop_map(move |(r, dose, start, dur)| {
        let route = routes[r];
        entry(route, dose, start, (route == Route::IvInfusion).then_some(dur))
    });
    prop::collection::vec(one, 1..5)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn racemic_exact_matches_rk4(m in 0..4_usize, w in 40.0..150.0_f64, regimen in racemic_regimen(), ke0 in 0.05..2.0_f64) {
        let model = RACEMIC[m];
        let mut req = request(model, w, regimen.clone(), 300.0, 2.5);
        req.ke0_per_min = Some(ke0);
        let res = run(&req);
        let reference = ref_racemic(model, w, &regimen, ke0, &res.times_min);
        let plasma: Vec<f64> = reference.iter().map(|r| r.0).collect();
        let effect: Vec<f64> = reference.iter().map(|r| r.2).collect();
        assert_close_curve(&res.plasma_ng_ml, &plasma, &format!("{model} plasma"));
        assert_close_curve(res.effect_site_ng_ml.as_deref().unwrap_or_default(), &effect, &format!("{model} effect site"));
        let auc_ref = reference.last().map_or(0.0, |r| r.1) * 1000.0 / 60.0;
        prop_assert!((res.auc_ng_h_per_ml - auc_ref).abs() <= 1e-6 * auc_ref, "AUC {} vs {}", res.auc_ng_h_per_ml, auc_ref);
        prop_assert!(res.plasma_ng_ml.iter().all(|&c| c >= 0.0));
    }

    #[test]
    fn esketamine_exact_matches_rk4(regimen in esketamine_regimen()) {
        let res = run(&request("perez_ruixo2021", 74.0, regimen.clone(), 600.0, 2.5));
        let reference = ref_perez_ruixo(&regimen, &res.times_min);
        let plasma: Vec<f64> = reference.iter().map(|r| r.0).collect();
        let nor: Vec<f64> = reference.iter().map(|r| r.1).collect();
        assert_close_curve(&res.plasma_ng_ml, &plasma, "esketamine");
        assert_close_curve(res.noresketamine_ng_ml.as_deref().unwrap_or_default(), &nor, "noresketamine");
        let auc_ref = reference.last().map_or(0.0, |r| r.2) * 1000.0 / 60.0;
        prop_assert!((res.auc_ng_h_per_ml - auc_ref).abs() <= 1e-6 * auc_ref);
    }

    #[test]
    fn mass_balance_and_non_negativity(m in 0..5_usize, regimen in esketamine_regimen(), t_end in 1.0..2000.0_f64) {
        // Every model as a compartment system with a sink: all mass is somewhere (PK.md §3.3 / ARCHITECTURE "PK mass balance").
        let (sys, inputs) = if m < 4 {
            let disposition = ModelId::ALL.into_iter().find(|id| id.as_str() == RACEMIC[m]).and_then(|id| id.racemic_disposition(70.0)).unwrap();
            solution::as_linear(&disposition, &racemic_admins(&regimen))
        } else {
            let p = Params::typical(Covariates { age_years: 45.0, ancestry: Ancestry::NotAsian });
            (p.system(), p.inputs(&regimen).unwrap())
        };
        let with_sink = sys.with_sink();
        let times: Vec<f64> = (0..=20).map(|k| t_end * f64::from(k) / 20.0).collect();
        let states = with_sink.simulate(&inputs, &times);
        for (k, x) in states.chunks_exact(with_sink.n).enumerate() {
            let t = times[k];
            let given: f64 = inputs.iter().map(|i| match *i {
                LinInput::Bolus { t: tb, amount, .. } => if tb <= t { amount } else { 0.0 },
                LinInput::ZeroOrder { t0, t1, rate, .. } => rate * (t.min(t1) - t0).max(0.0),
            }).sum();
            let total: f64 = x.iter().sum();
            prop_assert!((total - given).abs() <= 1e-9 * given.max(1.0), "t={t}: states {total} vs given {given}");
            prop_assert!(x.iter().all(|&a| a >= -1e-12 * given.max(1.0)), "negative amount at t={t}: {x:?}");
        }
    }

    #[test]
    fn doubling_every_dose_doubles_concentrations(m in 0..5_usize, regimen in esketamine_regimen()) {
        let model = if m < 4 { RACEMIC[m] } else { "perez_ruixo2021" };
        // Intranasal esketamine entries are single devices (≤ 28 mg): halve, then double.
        let half: Vec<RegimenEntry> = regimen.iter().map(|e| RegimenEntry { dose_mg: e.dose_mg / 2.0, ..*e }).collect();
        let a = run(&request(model, 70.0, half, 600.0, 5.0));
        let b = run(&request(model, 70.0, regimen, 600.0, 5.0));
        for (x, y) in a.plasma_ng_ml.iter().zip(&b.plasma_ng_ml) {
            prop_assert!((2.0 * x - y).abs() <= 1e-12 * y.abs().max(1e-12), "{} vs {}", 2.0 * x, y);
        }
        prop_assert!((2.0 * a.auc_ng_h_per_ml - b.auc_ng_h_per_ml).abs() <= 1e-12 * b.auc_ng_h_per_ml);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The population fast path (`modal.rs`, sum of exponentials, lanes of 4 with a padded last
    /// group) equals the matrix-exponential solution of the full system for sampled individuals.
    #[test]
    fn esketamine_modal_matches_expm(regimen in esketamine_regimen(), seed in 0..1000_u64, tenths in 3..30_u32) {
        let cov = Covariates { age_years: 70.0, ancestry: Ancestry::Japanese };
        let mut rng = crate::rng::SplitMix64::new(seed);
        let people: Vec<Params> = (0..6).map(|_| Params::sample(cov, &mut rng)).collect();
        let batch: Vec<crate::modal::Individual> =
            people.iter().map(|p| crate::modal::Individual { modal: p.modal(), inputs: p.inputs(&regimen).unwrap() }).collect();
        let step = f64::from(tenths) / 10.0;
        let times: Vec<f64> = (0..=6000 / tenths).map(|k| f64::from(k) * step).collect();
        let mut out = vec![0.0; times.len() * batch.len()];
        crate::modal::concentrations_batch(&batch, &times, 1.0, &mut out);
        for (j, p) in people.iter().enumerate() {
            let states = p.system().simulate(&batch[j].inputs, &times);
            let reference: Vec<f64> = states.chunks_exact(crate::models::perez_ruixo2021::STATES).map(|x| x[0] / p.vc()).collect();
            let peak = reference.iter().copied().fold(0.0, f64::max);
            for (k, r) in reference.iter().enumerate() {
                let got = out[k * batch.len() + j];
                prop_assert!((got - r).abs() <= 1e-9 * r.abs().max(1e-6 * peak), "subject {j} t={}: modal {got} vs expm {r}", times[k]);
            }
        }
    }
}

/// PK.md §5 oracle 6: ka = λ₂ of Domino (0.15151 /min) must be finite and equal the expm result.
#[test]
fn repeated_root_stress_case() {
    let m = ModelId::Domino1984.racemic_disposition(70.0).unwrap();
    let es = m.exp_sum();
    let lambda2 = es.lambdas[1];
    assert!((lambda2 - 0.151_51).abs() < 2e-4, "λ2 = {lambda2}");
    let times: Vec<f64> = (0..=480).map(f64::from).collect();
    for ka in [lambda2, lambda2 * (1.0 + 1e-9), lambda2 * (1.0 + 1e-6), lambda2 * (1.0 - 1e-12), es.lambdas[0], es.lambdas[2]] {
        let admins = [Admin::Absorbed { t: 0.0, amount: 50.0, ka }, Admin::Absorbed { t: 33.3, amount: 20.0, ka }];
        let exact = solution::simulate(&es, &admins, &times);
        let (sys, inputs) = solution::as_linear(&m, &admins);
        let expm = sys.simulate(&inputs, &times);
        for (k, c) in exact.conc.iter().enumerate() {
            let reference = expm[k * sys.n] / m.v1;
            assert!(c.is_finite(), "non-finite at {k}");
            assert!((c - reference).abs() <= 1e-9 * reference.abs().max(1e-12), "ka={ka} t={}: {c} vs expm {reference}", times[k]);
        }
    }
    // Effect site with ke0 equal to the IM ka (0.1/min): a depot/effect-site tie.
    let mut req = request("domino1984", 70.0, vec![entry(Route::Im, 35.0, 0.0, None)], 240.0, 1.0);
    req.ke0_per_min = Some(0.1);
    let res = run(&req);
    assert!(res.effect_site_ng_ml.unwrap().iter().all(|c| c.is_finite() && *c >= 0.0));
}

#[test]
fn population_is_deterministic_and_ordered() {
    for model in ["domino1984", "perez_ruixo2021"] {
        let regimen = if model == "domino1984" {
            vec![entry(Route::IvInfusion, 35.0, 0.0, Some(40.0))]
        } else {
            vec![entry(Route::Intranasal, 28.0, 0.0, None), entry(Route::Intranasal, 28.0, 5.0, None)]
        };
        let mut req = request(model, 70.0, regimen, 600.0, 5.0);
        req.population = Some(PopulationSpec { subjects: 300, seed: 7 });
        let a = run(&req).population.unwrap();
        let b = run(&req).population.unwrap();
        assert_eq!(a, b);
        for k in 1..a.p50_ng_ml.len() {
            assert!(a.p05_ng_ml[k] <= a.p50_ng_ml[k] && a.p50_ng_ml[k] <= a.p95_ng_ml[k]);
        }
        assert!(a.p95_ng_ml[10] > 1.2 * a.p05_ng_ml[10], "bands have width");
        req.population = Some(PopulationSpec { subjects: 300, seed: 8 });
        assert_ne!(run(&req).population.unwrap().p50_ng_ml, a.p50_ng_ml);
    }
}

#[test]
fn errors_name_their_field() {
    let ok = || request("domino1984", 70.0, vec![entry(Route::IvBolus, 35.0, 0.0, None)], 240.0, 1.0);
    let field = |req: &crate::SimulationRequest| simulate(req).err().and_then(|e| e.field());
    let mut r = ok();
    r.model = "propofol".into();
    assert!(matches!(simulate(&r), Err(PkError::UnknownModel { .. })));
    assert_eq!(field(&r).as_deref(), Some("model"));
    let mut r = ok();
    r.model = "perez_ruixo2021".into();
    r.regimen = vec![entry(Route::Intranasal, 28.0, 0.0, None), entry(Route::Im, 20.0, 0.0, None)];
    assert_eq!(field(&r).as_deref(), Some("regimen[1].route"));
    r.regimen = vec![entry(Route::Intranasal, 56.0, 0.0, None)];
    assert_eq!(field(&r).as_deref(), Some("regimen[0].dose_mg"));
    let mut r = ok();
    r.regimen[0].dose_mg = -1.0;
    assert_eq!(field(&r).as_deref(), Some("regimen[0].dose_mg"));
    r.regimen[0].dose_mg = f64::NAN;
    assert_eq!(field(&r).as_deref(), Some("regimen[0].dose_mg"));
    let mut r = ok();
    r.patient.weight_kg = 700.0;
    assert_eq!(field(&r).as_deref(), Some("patient.weight_kg"));
    r.patient.weight_kg = 70.0;
    r.patient.age_years = Some(-3.0);
    assert_eq!(field(&r).as_deref(), Some("patient.age_years"));
    let mut r = ok();
    r.regimen = vec![entry(Route::IvInfusion, 35.0, 0.0, None)];
    assert_eq!(field(&r).as_deref(), Some("regimen[0].duration_min"));
    r.regimen = vec![entry(Route::IvBolus, 35.0, 0.0, Some(3.0))];
    assert_eq!(field(&r).as_deref(), Some("regimen[0].duration_min"));
    let mut r = ok();
    r.step_min = 0.02;
    r.end_min = 40_000.0;
    assert!(matches!(simulate(&r), Err(PkError::GridTooLarge { .. })));
    assert_eq!(field(&r).as_deref(), Some("step_min"));
    r.step_min = 0.0;
    assert_eq!(field(&r).as_deref(), Some("step_min"));
    r.step_min = 1.0;
    r.end_min = -5.0;
    assert_eq!(field(&r).as_deref(), Some("end_min"));
    let mut r = ok();
    r.population = Some(PopulationSpec { subjects: 50_000, seed: 1 });
    assert_eq!(field(&r).as_deref(), Some("population.subjects"));
    r.population = Some(PopulationSpec { subjects: 10_000, seed: 1 });
    r.end_min = 10_000.0;
    assert!(matches!(simulate(&r), Err(PkError::PopulationTooLarge { .. })));
    let mut r = ok();
    r.regimen.clear();
    assert_eq!(field(&r).as_deref(), Some("regimen"));
    let mut r = ok();
    r.ke0_per_min = Some(0.0);
    assert_eq!(field(&r).as_deref(), Some("ke0_per_min"));
}

#[test]
fn request_and_result_use_the_api_json_shape() {
    let json = r#"{"model":"domino1984","patient":{"weight_kg":70},"regimen":[{"route":"iv_infusion","dose_mg":35,"start_min":0,"duration_min":40}],"end_min":240,"step_min":1,"threshold_ng_ml":100,"population":{"subjects":50,"seed":1}}"#;
    let req: crate::SimulationRequest = serde_json::from_str(json).unwrap();
    let res = run(&req);
    let out = serde_json::to_value(&res).unwrap();
    for key in [
        "times_min",
        "plasma_ng_ml",
        "cmax_ng_ml",
        "tmax_min",
        "auc_ng_h_per_ml",
        "auc_inf_ng_h_per_ml",
        "time_above_threshold_min",
        "population",
        "caveats",
        "label",
    ] {
        assert!(out.get(key).is_some(), "missing {key}");
    }
    assert_eq!(out["model"], "domino1984");
    let models = serde_json::to_value(crate::models()).unwrap();
    assert_eq!(models.as_array().map(Vec::len), Some(5));
    assert_eq!(models[4]["routes"], serde_json::json!(["iv_bolus", "iv_infusion", "intranasal", "oral"]));
}

/// The lock-step population path gives exactly the single-curve values for every individual.
#[test]
fn batch_matches_single_curves() {
    let m = ModelId::Kamp2020.racemic_disposition(80.0).unwrap();
    let regimen = [entry(Route::IvInfusion, 40.0, 0.0, Some(40.0)), entry(Route::Im, 30.0, 90.0, None), entry(Route::IvBolus, 10.0, 95.5, None)];
    let admins = racemic_admins(&regimen);
    let times: Vec<f64> = (0..=300).map(|k| f64::from(k) * 0.7).collect();
    let mut rng = crate::rng::SplitMix64::new(3);
    let individuals: Vec<_> = (0..5).map(|_| crate::population::racemic_individual(&m, &mut rng).exp_sum()).collect();
    let mut out = vec![0.0; times.len() * individuals.len()];
    solution::concentrations_batch(&individuals, &admins, &times, 1.0, &mut out);
    for (j, es) in individuals.iter().enumerate() {
        let single = solution::simulate(es, &admins, &times).conc;
        for (k, c) in single.iter().enumerate() {
            let b = out[k * individuals.len() + j];
            assert!((b - c).abs() <= 1e-12 * c.abs().max(1e-9), "subject {j} time {k}: {b} vs {c}");
        }
    }
}
