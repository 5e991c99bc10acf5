//! Vital-sign ingest in process (issue 5): `App::record_vitals` on a fresh SQLite store, for a
//! 500-reading batch and for a single reading. Each iteration is one durable commit
//! (`synchronous=FULL`) through the store's writer thread, with its audit event; every reading
//! is new (each iteration's times are unique), so nothing is skipped as a duplicate. The HTTP
//! figures beside these come from `bench/vitals.sh`; both are in `bench/README.md`.
//!
//! Run: `cargo bench -p ketaclinic-app --bench vitals`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a benchmark: a failed setup should stop loudly")]

use std::cell::Cell;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use ketaclinic_app::clock::SystemClock;
use ketaclinic_app::patients::PatientInput;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::users::NewUserInput;
use ketaclinic_app::{Actor, App, Settings};
use ketaclinic_domain::session::{VitalReading, Vitals};
use ketaclinic_domain::staff::Role;
use ketaclinic_store_sqlite::SqliteStore;

/// `n` readings with times no earlier reading of this run used: one day ago, going back 1 ms
/// per reading.
fn readings(next: &Cell<i64>, n: usize, start: Timestamp) -> Vec<VitalReading> {
    (0..n)
        .map(|_| {
            let k = next.get();
            next.set(k + 1);
            let v = u32::try_from(k % 30).unwrap();
            VitalReading {
                at: start - SignedDuration::from_millis(k),
                device_id: "bench-monitor".to_owned(),
                vitals: Vitals {
                    systolic: Some(110 + v),
                    diastolic: Some(70 + v / 2),
                    heart_rate: Some(60 + v),
                    spo2: Some(95 + v % 5),
                    resp_rate: Some(12 + v % 6),
                },
            }
        })
        .collect()
}

fn vitals(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let store = Arc::new(rt.block_on(SqliteStore::open(&dir.path().join("bench.db"))).unwrap());
    let app = App::new(store, Arc::new(SystemClock), Settings::default());
    // A real nurse account: sessions and readings name their author.
    let admin = rt.block_on(app.authorize::<perm::UserManage>(&Actor::console())).unwrap();
    let nurse = NewUserInput {
        email: "nurse@bench.example".to_owned(),
        display_name: "Bench Nurse".to_owned(),
        role: "nurse".to_owned(),
        password: "bench password 1234".to_owned(),
    };
    let nurse = rt.block_on(app.create_user(&admin, nurse)).unwrap();
    let actor = Actor { user_id: nurse.id, role: Role::Nurse, ..Actor::console() };
    let register = rt.block_on(app.authorize::<perm::PatientRegister>(&actor)).unwrap();
    let input = PatientInput {
        given_name: "Vitals".to_owned(),
        family_name: "Bench".to_owned(),
        birth_date: "1975-05-05".to_owned(),
        sex: "unknown".to_owned(),
        phone: None,
        email: None,
    };
    let patient = rt.block_on(app.register_patient(&register, &input, None)).unwrap();
    let grant = rt.block_on(app.authorize::<perm::ClinicalWrite>(&actor)).unwrap();
    let session = rt.block_on(app.create_session(&grant, patient.id, "iv_ketamine", None, Some("Bench"))).unwrap();
    let start = Timestamp::now() - SignedDuration::from_hours(24);
    let next = Cell::new(0_i64);

    let mut group = c.benchmark_group("record_vitals");
    for n in [500_usize, 1] {
        group.throughput(Throughput::Elements(u64::try_from(n).unwrap()));
        group.bench_function(format!("{n}_readings"), |b| {
            b.iter_batched(
                || readings(&next, n, start),
                |batch| {
                    let receipt = rt.block_on(app.record_vitals(&grant, session.id, batch)).unwrap();
                    assert_eq!(usize::try_from(receipt.accepted).unwrap(), n, "every reading is new");
                },
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, vitals);
criterion_main!(benches);
