//! Benchmarks for issue 9's targets: a 10,000-subject population over 24 h on a 1-minute grid
//! (< 200 ms on one core) and a single 24 h curve (< 50 µs). Run: `cargo bench -p ketaclinic-pk`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs, reason = "benchmark harness")]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ketaclinic_pk::{Patient, PopulationSpec, RegimenEntry, Route, SimulationRequest, simulate};

fn request(model: &str, regimen: Vec<RegimenEntry>, population: Option<PopulationSpec>) -> SimulationRequest {
    SimulationRequest {
        model: model.to_owned(),
        patient: Patient { weight_kg: 70.0, age_years: Some(45.0), ancestry: None },
        regimen,
        end_min: 1440.0,
        step_min: 1.0,
        threshold_ng_ml: None,
        ke0_per_min: None,
        population,
    }
}

fn zarate() -> Vec<RegimenEntry> {
    vec![RegimenEntry { route: Route::IvInfusion, dose_mg: 35.0, start_min: 0.0, duration_min: Some(40.0) }]
}

fn spravato_56() -> Vec<RegimenEntry> {
    vec![
        RegimenEntry { route: Route::Intranasal, dose_mg: 28.0, start_min: 0.0, duration_min: None },
        RegimenEntry { route: Route::Intranasal, dose_mg: 28.0, start_min: 5.0, duration_min: None },
    ]
}

fn single_curve(c: &mut Criterion) {
    let domino = request("domino1984", zarate(), None);
    c.bench_function("single 24h curve domino1984 (1-min grid)", |b| b.iter(|| simulate(black_box(&domino)).unwrap()));
    let esk = request("perez_ruixo2021", spravato_56(), None);
    c.bench_function("single 24h curve perez_ruixo2021 56 mg (1-min grid)", |b| b.iter(|| simulate(black_box(&esk)).unwrap()));
}

fn population(c: &mut Criterion) {
    let mut group = c.benchmark_group("population");
    group.sample_size(10);
    let domino = request("domino1984", zarate(), Some(PopulationSpec { subjects: 10_000, seed: 1 }));
    group.bench_function("10k subjects 24h domino1984 (1-min grid)", |b| b.iter(|| simulate(black_box(&domino)).unwrap()));
    let esk = request("perez_ruixo2021", spravato_56(), Some(PopulationSpec { subjects: 10_000, seed: 1 }));
    group.bench_function("10k subjects 24h perez_ruixo2021 56 mg (1-min grid)", |b| b.iter(|| simulate(black_box(&esk)).unwrap()));
    group.finish();
}

criterion_group!(benches, single_curve, population);
criterion_main!(benches);
