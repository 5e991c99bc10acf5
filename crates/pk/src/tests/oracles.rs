//! PK.md §5 validation oracles, with the tolerances PK.md suggests.

use super::{at, close, entry, request, run};
use crate::models::perez_ruixo2021::{Ancestry, Covariates, Params};
use crate::{ModelId, Route};

/// Zarate regimen: 0.5 mg/kg over 40 min at 70 kg.
fn zarate(model: &str) -> crate::SimulationResult {
    run(&request(model, 70.0, vec![entry(Route::IvInfusion, 35.0, 0.0, Some(40.0))], 240.0, 1.0))
}

#[test]
fn domino_matches_opentiva_to_published_digits() {
    // PK.md §5 table: both codes agree to 5.6e-11; values printed to 5 significant figures.
    let res = zarate("domino1984");
    for (t, expected) in [(10.0, 181.81), (20.0, 209.58), (40.0, 240.33), (60.0, 55.11), (120.0, 35.83), (240.0, 17.34)] {
        close(at(&res, t), expected, 1e-4, &format!("Domino Cp at {t} min"));
    }
    // Oracle 3: 240.33 at 40 min and 55.11 at 60 min, ±0.1 %.
    close(at(&res, 40.0), 240.33, 1e-3, "Domino Cp 40 min");
    close(at(&res, 60.0), 55.11, 1e-3, "Domino Cp 60 min");
    for (t, expected) in [(80.0, 45.8), (110.0, 38.1), (230.0, 18.4)] {
        close(at(&res, t), expected, 2e-3, &format!("Domino Cp at {t} min"));
    }
}

#[test]
fn domino_threshold_and_half_life() {
    let mut req = request("domino1984", 70.0, vec![entry(Route::IvInfusion, 35.0, 0.0, Some(40.0))], 240.0, 1.0);
    req.threshold_ng_ml = Some(100.0);
    let res = run(&req);
    close(res.time_above_threshold_min.unwrap(), 42.6, 2e-3, "time above 100 ng/mL");
    close(res.first_below_threshold_after_peak_min.unwrap(), 43.7, 2e-3, "first below 100 ng/mL");
    close(res.tmax_min, 40.0, 1e-6, "Tmax at end of infusion");
    // Oracle 5: Domino terminal t½ 115 min (1.91 h).
    close(res.terminal_half_life_min, 115.0, 5e-3, "Domino terminal t½");
    let m = ModelId::Domino1984.racemic_disposition(70.0).unwrap();
    let es = m.exp_sum();
    for (got, expected) in es.lambdas.iter().zip([1.724, 0.1515, 0.00605]) {
        close(*got, expected, 2e-3, "Domino exponent");
    }
    close(m.cl, 1.93, 3e-3, "Domino CL L/min");
    close(m.vss(), 193.0, 3e-3, "Domino Vss");
}

#[test]
fn kamp_and_others_at_zarate_regimen() {
    let kamp = zarate("kamp2020");
    for (t, expected) in [(80.0, 73.7), (110.0, 54.3), (230.0, 26.7)] {
        close(at(&kamp, t), expected, 2e-3, &format!("Kamp Cp at {t} min"));
    }
    // Oracle Z: end-of-infusion predictions of the reference implementation (3 digits).
    for (model, expected) in [("domino1984", 240.0), ("kamp2020", 253.0), ("clements1981", 177.0), ("hijazi2003", 225.0)] {
        close(at(&zarate(model), 40.0), expected, 3e-3, &format!("{model} Cp at end of infusion"));
    }
}

#[test]
fn ten_mg_bolus_auc() {
    // Oracle A: 10 mg IV bolus, AUC 0–∞ (µg·h/L = ng·h/mL) of the reference implementation.
    for (model, expected) in [("domino1984", 86.0), ("kamp2020", 119.0), ("clements1981", 125.0), ("hijazi2003", 66.0)] {
        let res = run(&request(model, 70.0, vec![entry(Route::IvBolus, 10.0, 0.0, None)], 60.0, 1.0));
        close(res.auc_inf_ng_h_per_ml.unwrap(), expected, 7e-3, &format!("{model} AUC 0–∞"));
    }
}

#[test]
fn hijazi_and_kamp_derived_values() {
    // Oracle H: CL 35.96 mL/min/kg, Vβ 15.4 L/kg, t½ 4.95 h.
    let m = ModelId::Hijazi2003.racemic_disposition(70.0).unwrap();
    let lz = m.exp_sum().terminal_lambda();
    close(m.cl / 70.0 * 1000.0, 35.96, 1e-3, "Hijazi CL");
    close(m.cl / lz / 70.0, 15.4, 5e-3, "Hijazi Vβ");
    close(std::f64::consts::LN_2 / lz / 60.0, 4.95, 5e-3, "Hijazi t½");
    // Oracle K: anasim encoding Vss 238 L, CL 84 L/h; PK.md §1.1 t½ 184 min.
    let k = ModelId::Kamp2020.racemic_disposition(70.0).unwrap();
    close(k.vss(), 238.0, 1e-9, "Kamp Vss");
    close(k.cl * 60.0, 84.0, 1e-9, "Kamp CL");
    close(std::f64::consts::LN_2 / k.exp_sum().terminal_lambda(), 184.0, 5e-3, "Kamp t½");
    // Clements derived: CL 19.1 mL/kg/min, t½β 183 min.
    let c = ModelId::Clements1981.racemic_disposition(70.0).unwrap();
    close(c.cl / 70.0 * 1000.0, 19.1, 3e-3, "Clements CL");
    close(std::f64::consts::LN_2 / c.exp_sum().terminal_lambda(), 183.0, 5e-3, "Clements t½β");
}

/// Intranasal esketamine, `devices` × 28 mg, 5 min apart (PK.md §1.2 route note), 24 h.
fn spravato(devices: u32, age: Option<f64>, ancestry: Option<Ancestry>) -> crate::SimulationResult {
    let regimen = (0..devices).map(|d| entry(Route::Intranasal, 28.0, 5.0 * f64::from(d), None)).collect();
    let mut req = request("perez_ruixo2021", 74.0, regimen, 1440.0, 0.5);
    req.patient.age_years = age;
    req.patient.ancestry = ancestry;
    run(&req)
}

#[test]
fn perez_ruixo_table4_typical_values() {
    // P1–P3: published Table 4 ±2 %, and the reference implementation ±0.5 %.
    for (devices, cmax_pub, auc_pub, cmax_ref, auc_ref) in [(1, 43.8, 147.3, 43.9, 146.9), (2, 72.5, 254.7, 72.6, 253.8), (3, 101.0, 362.2, 101.2, 360.7)] {
        let res = spravato(devices, Some(45.0), None);
        close(res.cmax_ng_ml, cmax_pub, 0.02, &format!("{devices} devices Cmax vs Table 4"));
        close(res.auc_ng_h_per_ml, auc_pub, 0.02, &format!("{devices} devices AUC0-24 vs Table 4"));
        close(res.cmax_ng_ml, cmax_ref, 5e-3, &format!("{devices} devices Cmax vs reference"));
        close(res.auc_ng_h_per_ml, auc_ref, 5e-3, &format!("{devices} devices AUC0-24 vs reference"));
    }
    // P4: Asian non-Japanese and Japanese, 56 mg.
    let asian = spravato(2, Some(45.0), Some(Ancestry::AsianNotJapanese));
    close(asian.cmax_ng_ml, 73.2, 0.02, "Asian 56 mg Cmax");
    close(asian.auc_ng_h_per_ml, 275.9, 0.02, "Asian 56 mg AUC");
    let japanese = spravato(2, Some(45.0), Some(Ancestry::Japanese));
    close(japanese.cmax_ng_ml, 94.5, 0.02, "Japanese 56 mg Cmax");
    close(japanese.auc_ng_h_per_ml, 335.1, 0.02, "Japanese 56 mg AUC");
    // P5: 70-year-olds.
    close(spravato(2, Some(70.0), None).cmax_ng_ml, 73.8, 0.02, "70 y 56 mg Cmax");
    close(spravato(3, Some(70.0), None).cmax_ng_ml, 102.7, 0.02, "70 y 84 mg Cmax");
    close(spravato(3, Some(70.0), Some(Ancestry::Japanese)).cmax_ng_ml, 133.8, 0.02, "Japanese 70 y 84 mg Cmax");
    // P6: noresketamine Cmax, 56 mg Caucasian.
    let res = spravato(2, Some(45.0), None);
    let nor_max = res.noresketamine_ng_ml.unwrap().into_iter().fold(0.0, f64::max);
    close(nor_max, 119.7, 0.02, "noresketamine Cmax 56 mg");
}

#[test]
fn perez_ruixo_bioavailability_half_life_and_tmax() {
    let iv = |dose: f64| {
        let res = run(&request("perez_ruixo2021", 74.0, vec![entry(Route::IvBolus, dose, 0.0, None)], 60.0, 1.0));
        res.auc_inf_ng_h_per_ml.unwrap()
    };
    // P8: absolute F 0.538 / 0.509 ±0.005.
    let f56 = spravato(2, None, None).auc_inf_ng_h_per_ml.unwrap() / iv(56.0);
    let f84 = spravato(3, None, None).auc_inf_ng_h_per_ml.unwrap() / iv(84.0);
    eprintln!("ORACLE absolute F: 56 mg {f56:.4} (expected 0.538), 84 mg {f84:.4} (expected 0.509)");
    assert!((f56 - 0.538).abs() <= 0.005, "F 56 mg = {f56}");
    assert!((f84 - 0.509).abs() <= 0.005, "F 84 mg = {f84}");
    // P9: Vss 752 L; CL 109 L/h (abstract 114, −4 %).
    let p = Params::typical(Covariates { age_years: 45.0, ancestry: Ancestry::NotAsian });
    close(p.clearance() * 60.0, 109.0, 5e-3, "CL L/h");
    close(p.extraction(), 0.722, 1e-3, "hepatic extraction");
    // L2 / oracle 5: terminal t½ 11.0 h.
    let res = spravato(2, None, None);
    close(res.terminal_half_life_min / 60.0, 11.0, 5e-3, "esketamine terminal t½");
    // L1: Tmax 35.5 min (56 mg) and 34.3 min (84 mg) after the last device, inside 20–40 min.
    close(res.tmax_min - 5.0, 35.5, 0.01, "Tmax 56 mg after last device");
    close(spravato(3, None, None).tmax_min - 10.0, 34.3, 0.01, "Tmax 84 mg after last device");
}

#[test]
fn perez_ruixo_no_accumulation_twice_weekly() {
    // L3: pre-dose 0.07 ng/mL at 72 h; Cmax ratio 1.0009 (56 mg sessions).
    let regimen = vec![
        entry(Route::Intranasal, 28.0, 0.0, None),
        entry(Route::Intranasal, 28.0, 5.0, None),
        entry(Route::Intranasal, 28.0, 4320.0, None),
        entry(Route::Intranasal, 28.0, 4325.0, None),
    ];
    let res = run(&request("perez_ruixo2021", 74.0, regimen, 4320.0 + 1440.0, 0.5));
    let pre = at(&res, 4320.0);
    eprintln!("ORACLE pre-dose at 72 h: expected 0.07, got {pre:.4}");
    assert!((pre - 0.07).abs() < 0.02, "pre-dose at 72 h = {pre}");
    let first = res.times_min.iter().zip(&res.plasma_ng_ml).filter(|(t, _)| **t < 4320.0).map(|(_, c)| *c).fold(0.0, f64::max);
    let second = res.times_min.iter().zip(&res.plasma_ng_ml).filter(|(t, _)| **t >= 4320.0).map(|(_, c)| *c).fold(0.0, f64::max);
    close(second / first, 1.0009, 5e-4, "Cmax ratio second/first session");
}
