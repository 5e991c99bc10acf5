//! The outcome dashboard over a synthetic clinic: 100,000 patients with 20 PHQ-9 totals each
//! (2,000,000 assessments) on SQLite, 60 % approved for IV ketamine, 30 % for esketamine, 10 %
//! unassigned. Measures `App::outcome_dashboard` end to end: the authorised read of every
//! series through the covering index, the per-patient outcome rules, the Kaplan–Meier curves,
//! and the audit event. Results: `bench/README.md`.
//!
//! Run: `cargo bench -p ketaclinic-app --bench dashboard` (seeding takes a minute; set
//! `KC_BENCH_PATIENTS` to try other sizes).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a benchmark: a failed setup should stop loudly")]

use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use ketaclinic_app::clock::SystemClock;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{Actor, App, Settings};
use ketaclinic_domain::staff::Role;
use ketaclinic_store::DashboardStore;
use ketaclinic_store_sqlite::SqliteStore;

/// Fills the database with plain SQL (a recursive CTE per table), which is far faster than
/// going through the use cases and produces the same rows the dashboard reads.
fn seed(path: &std::path::Path, patients: i64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;").unwrap();
    let t0: i64 = 1_780_000_000_000_000; // microseconds
    let week: i64 = 7 * 86_400 * 1_000_000;
    conn.execute_batch("BEGIN").unwrap();
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
         INSERT INTO patients (id, mrn, given_name, family_name, birth_date, sex, status, version, created_at, updated_at, search_family, search_given) \
         SELECT printf('%08x-0000-7000-8000-%012x', i, i), printf('BENCH-%07d', i), 'Given', printf('Family%d', i), '1980-01-01', 'female', 'active', 1, ?2, ?2, printf('family%d', i), 'given' FROM n",
        rusqlite::params![patients, t0],
    )
    .unwrap();
    // 20 weekly totals per patient: a baseline of 14–23, then a course shaped by the patient
    // number — some respond early, some late, some never, and some relapse.
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1), w(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM w WHERE j < 19) \
         INSERT INTO assessments (id, patient_id, instrument, answers, total, severity, score, administered_at, session_id, source, recorded_by, recorded_at) \
         SELECT printf('%08x-%04x-7000-8000-000000000000', i, j), printf('%08x-0000-7000-8000-%012x', i, i), 'phq9', '{}', \
                CASE WHEN j = 0 THEN 14 + i % 10 \
                     WHEN i % 4 = 0 THEN max(0, 14 + i % 10 - 3 * j) \
                     WHEN i % 4 = 1 THEN CASE WHEN j < 8 THEN max(2, 14 + i % 10 - 2 * j) ELSE min(27, 6 + j) END \
                     WHEN i % 4 = 2 THEN 14 + i % 10 - j % 3 \
                     ELSE max(3, 14 + i % 10 - j) END, \
                NULL, '{}', ?2 + (i % 500) * 86400000000 + j * ?3, NULL, 'patient', NULL, ?2 + j * ?3 FROM n, w",
        rusqlite::params![patients, t0, week],
    )
    .unwrap();
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
         INSERT INTO chart_entries (id, patient_id, kind, current_version, status, body, created_at, updated_at) \
         SELECT printf('%08x-0000-7000-9000-%012x', i, i), printf('%08x-0000-7000-8000-%012x', i, i), 'eligibility_decision', 1, 'active', \
                json_object('modality', CASE WHEN i % 10 < 6 THEN 'iv_ketamine' ELSE 'esketamine_nasal' END, 'outcome', 'approved'), ?2, ?2 \
         FROM n WHERE i % 10 < 9",
        rusqlite::params![patients, t0],
    )
    .unwrap();
    conn.execute_batch("COMMIT; ANALYZE;").unwrap();
}

fn dashboard(c: &mut Criterion) {
    let patients: i64 = std::env::var("KC_BENCH_PATIENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    // Open once to migrate, then seed beside it, then open for the run.
    drop(rt.block_on(SqliteStore::open(&path)).unwrap());
    let started = Instant::now();
    seed(&path, patients);
    eprintln!("seeded {patients} patients / {} assessments in {:.1} s", patients * 20, started.elapsed().as_secs_f64());
    let store = Arc::new(rt.block_on(SqliteStore::open(&path)).unwrap());
    let app = App::new(store.clone(), Arc::new(SystemClock), Settings::default());
    let actor = Actor { role: Role::Admin, ..Actor::console() };
    let grant = rt.block_on(app.authorize::<perm::DashboardRead>(&actor)).unwrap();
    let first = rt.block_on(app.outcome_dashboard(&grant, "phq9")).unwrap();
    let total: u32 = first.groups.iter().map(|g| g.patients).sum();
    assert_eq!(i64::from(total), patients, "every patient is in a group");
    for g in &first.groups {
        eprintln!(
            "{}: n={} response={:?} remission={:?} median_days={:?} km_steps={}",
            g.group,
            g.patients,
            g.response_rate,
            g.remission_rate,
            g.median_days_to_response,
            g.relapse_curve.len()
        );
    }
    let mut group = c.benchmark_group("dashboard");
    group.sample_size(10);
    group.bench_function(format!("outcomes_phq9_{patients}_patients"), |b| b.iter(|| rt.block_on(app.outcome_dashboard(&grant, "phq9")).unwrap()));
    // The storage part alone: reading every series through the covering index.
    group.bench_function(format!("scan_only_phq9_{patients}_patients"), |b| b.iter(|| rt.block_on(store.instrument_series("phq9")).unwrap()));
    group.finish();
}

criterion_group!(benches, dashboard);
criterion_main!(benches);
