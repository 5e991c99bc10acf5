//! The controlled-substance register through the use cases, on real SQLite and PostgreSQL:
//! the walk-through, refusals that write nothing, witness rules, reconciliation, random
//! operation sequences that keep the books, and `ledger verify` finding tampered rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use std::sync::Arc;

use jiff::Timestamp;
use ketaclinic_app::clock::SystemClock;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::register::{
    AdjustInput, CountInput, CountLineInput, DisposalInput, DrawInput, LossInput, ReceiptInput, ReportKind, ReportPeriod, StockFilter, WasteInput,
    WitnessCredentials,
};
use ketaclinic_app::users::NewUserInput;
use ketaclinic_app::{Actor, App, AppError, AuthVia, ClientInfo, Settings};
use ketaclinic_domain::ids::{ContainerId, LedgerEntryId, LocationId, PatientId, TokenId, TreatmentSessionId};
use ketaclinic_domain::staff::Role;
use ketaclinic_store::Storage;
use ketaclinic_store_sqlite::SqliteStore;

const PASSWORD: &str = "a long test password";

struct Clinic {
    app: App,
    nurse: Actor,
    prescriber: Actor,
    location: LocationId,
    patient: PatientId,
    iv_session: TreatmentSessionId,
    _dir: Option<tempfile::TempDir>,
}

fn email(name: &str) -> String {
    format!("{name}@register.example.org")
}

async fn clinic(store: Arc<dyn Storage>, dir: Option<tempfile::TempDir>) -> Clinic {
    let app = App::new(store, Arc::new(SystemClock), Settings::default());
    let admin = app.authorize::<perm::UserManage>(&Actor::console()).await.unwrap();
    let mut actors = Vec::new();
    for (name, role) in [("nurse", Role::Nurse), ("nurse2", Role::Nurse), ("prescriber", Role::Prescriber), ("desk", Role::FrontDesk)] {
        let input = NewUserInput { email: email(name), display_name: format!("Test {name}"), role: role.as_str().to_owned(), password: PASSWORD.to_owned() };
        let user = app.create_user(&admin, input).await.unwrap();
        actors.push(Actor {
            user_id: user.id,
            email: user.email.as_str().to_owned(),
            display_name: user.display_name.as_str().to_owned(),
            role,
            via: AuthVia::Token { id: TokenId(uuid::Uuid::nil()) },
            csrf_token: None,
            client: ClientInfo::new(Some("127.0.0.1".to_owned()), None),
        });
    }
    let (nurse, prescriber) = (actors[0].clone(), actors[2].clone());
    let manage = app.authorize::<perm::InventoryManage>(&prescriber).await.unwrap();
    let location = app.add_register_location(&manage, "Safe A").await.unwrap().id;
    let register = app.authorize::<perm::PatientRegister>(&nurse).await.unwrap();
    let input = ketaclinic_app::patients::PatientInput {
        given_name: "Robin".into(),
        family_name: "Testcase".into(),
        birth_date: "1980-02-29".into(),
        sex: "female".into(),
        phone: None,
        email: None,
    };
    let patient = app.register_patient(&register, &input, None).await.unwrap();
    let write = app.authorize::<perm::ClinicalWrite>(&nurse).await.unwrap();
    let iv_session = app.create_session(&write, patient.id, "iv_ketamine", None, Some("Chair 1")).await.unwrap().id;
    Clinic { app, nurse, prescriber, location, patient: patient.id, iv_session, _dir: dir }
}

async fn sqlite() -> Clinic {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("test.db")).await.unwrap());
    clinic(store, Some(dir)).await
}

/// A fresh PostgreSQL database, or `None` (printed as a skip) without one.
async fn postgres_url(test: &str) -> Option<String> {
    let Ok(admin_url) = std::env::var("KETACLINIC_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("KETACLINIC_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "KETACLINIC_REQUIRE_POSTGRES=1 but KETACLINIC_TEST_POSTGRES_URL is not set"
        );
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: KETACLINIC_TEST_POSTGRES_URL not set (PostgreSQL test not run)");
        return None;
    };
    use sqlx::Connection;
    let name = format!("ketaclinic_test_{}", uuid::Uuid::now_v7().simple());
    let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
    let (prefix, _) = admin_url.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{name}"))
}

async fn postgres(test: &str) -> Option<(Clinic, String)> {
    let url = postgres_url(test).await?;
    let store = Arc::new(ketaclinic_store_postgres::PgStore::connect(&url).await.unwrap());
    Some((clinic(store, None).await, url))
}

impl Clinic {
    async fn receive(&self, product: &str, packages: u32) -> Vec<ContainerId> {
        let grant = self.app.authorize::<perm::InventoryReceive>(&self.nurse).await.unwrap();
        let input = ReceiptInput {
            supplier_name: "Fictional Pharma Wholesale".into(),
            supplier_address: "1 Test Way, Springfield".into(),
            supplier_dea: "AB1234563".into(),
            invoice: "INV-001".into(),
            received_on: self.app.now().to_zoned(jiff::tz::TimeZone::UTC).date().to_string(),
            product_id: product.into(),
            lot: "LOT42".into(),
            expiry: "2030-12-31".into(),
            packages,
            location_id: self.location,
        };
        self.app.receive_stock(&grant, input).await.unwrap().containers.iter().map(|c| c.id).collect()
    }

    async fn draw(&self, container: ContainerId, ul: u64) -> Result<LedgerEntryId, AppError> {
        let grant = self.app.authorize::<perm::InventoryDraw>(&self.nurse).await.unwrap();
        let done = self.app.draw_for_session(&grant, container, DrawInput { session_id: self.iv_session, volume_ul: Some(ul) }).await?;
        Ok(done.entries[0].entry.id)
    }

    async fn administer(&self, container: ContainerId, draw: LedgerEntryId, ul: Option<u64>) -> Result<(), AppError> {
        let grant = self.app.authorize::<perm::InventoryDraw>(&self.nurse).await.unwrap();
        self.app.administer_draw(&grant, container, draw, ul).await.map(|_| ())
    }

    async fn waste(&self, container: ContainerId, draw: LedgerEntryId, witness: &str, password: &str) -> Result<(), AppError> {
        let grant = self.app.authorize::<perm::InventoryDraw>(&self.nurse).await.unwrap();
        let input = WasteInput {
            volume_ul: None,
            reason: "remainder of the dose".into(),
            witness: WitnessCredentials { email: email(witness), password: password.into() },
        };
        self.app.waste_draw(&grant, container, draw, input).await.map(|_| ())
    }

    /// (ledger rows, audit rows): neither read writes anything.
    async fn rows(&self) -> (u64, u64) {
        let ledger = self.app.verify_ledger().await.unwrap().unwrap().rows;
        let audit = self.app.verify_audit_chain().await.unwrap().unwrap().rows;
        (ledger, audit)
    }

    async fn remaining(&self, container: ContainerId) -> u64 {
        let grant = self.app.authorize::<perm::InventoryRead>(&self.nurse).await.unwrap();
        let all = self.app.stock(&grant, &StockFilter { include_empty: true, ..StockFilter::default() }).await.unwrap();
        all.iter().find(|v| v.container.id == container).map(|v| v.balance.remaining.ul).unwrap()
    }
}

fn is_conflict(r: &Result<impl std::fmt::Debug, AppError>) -> bool {
    matches!(r, Err(AppError::Conflict(_)))
}

fn invalid_field(r: &Result<impl std::fmt::Debug, AppError>) -> Option<String> {
    match r {
        Err(AppError::Invalid(e)) => Some(format!("{}: {}", e.0[0].field, e.0[0].message)),
        _ => None,
    }
}

/// The story, and every refusal in it writing nothing.
async fn walkthrough(c: &Clinic) {
    let vials = c.receive("ketamine-50mg-ml-10ml", 2).await;
    assert_eq!(vials.len(), 2);
    assert_eq!(c.remaining(vials[0]).await, 10_000);
    let draw = c.draw(vials[0], 1_000).await.unwrap();
    let before = c.rows().await;
    assert!(is_conflict(&c.draw(vials[0], 9_001).await), "more than remains");
    assert!(is_conflict(&c.administer(vials[0], draw, Some(1_001)).await), "more than the draw holds");
    assert_eq!(c.rows().await, before, "refused movements write nothing");
    c.administer(vials[0], draw, Some(800)).await.unwrap();

    // Witness rules: wrong password, the recorder themself, a role that may not witness.
    let before = c.rows().await;
    let wrong = c.waste(vials[0], draw, "nurse2", "not the password").await;
    assert!(invalid_field(&wrong).is_some_and(|m| m.starts_with("witness:") && m.contains("wrong")), "{wrong:?}");
    let same = c.waste(vials[0], draw, "nurse", PASSWORD).await;
    assert!(invalid_field(&same).is_some_and(|m| m.contains("someone other than you")), "{same:?}");
    let desk = c.waste(vials[0], draw, "desk", PASSWORD).await;
    assert!(invalid_field(&desk).is_some_and(|m| m.contains("may not witness")), "{desk:?}");
    let (ledger_after, audit_after) = c.rows().await;
    assert_eq!(ledger_after, before.0, "no ledger row for a refused waste");
    assert!(audit_after > before.1, "the failed witness sign-in is audited");
    c.waste(vials[0], draw, "nurse2", PASSWORD).await.unwrap();
    assert!(is_conflict(&c.waste(vials[0], draw, "nurse2", PASSWORD).await), "nothing left in the syringe to waste");
    assert_eq!(c.remaining(vials[0]).await, 9_000);

    // A nasal device does not go to an IV session.
    let devices = c.receive("spravato-84mg-kit", 1).await;
    assert_eq!(devices.len(), 3, "an 84 mg kit is three devices");
    assert!(invalid_field(&c.draw(devices[0], 200).await).is_some());

    // Loss, disposal with a witness, adjustment by the prescriber.
    let draw_grant = c.app.authorize::<perm::InventoryDraw>(&c.nurse).await.unwrap();
    let loss = LossInput { volume_ul: 500, kind: "theft".into(), discovered_at: c.app.now(), description: "vial found with a broken seal".into() };
    let report = c.app.report_loss(&draw_grant, vials[1], loss).await.unwrap();
    assert!(report.notify_due > report.discovered_at && report.form106_due > report.notify_due);
    let manage = c.app.authorize::<perm::InventoryManage>(&c.prescriber).await.unwrap();
    let dispose = DisposalInput {
        volume_ul: None,
        method: "destruction".into(),
        reason: "damaged".into(),
        destruction_method: Some("chemical denaturing kit".into()),
        place: "Clinic pharmacy room".into(),
        reverse_distributor_name: None,
        reverse_distributor_dea: None,
        witness: WitnessCredentials { email: email("nurse"), password: PASSWORD.into() },
    };
    c.app.dispose_stock(&manage, vials[1], dispose).await.unwrap();
    assert_eq!(c.remaining(vials[1]).await, 0);
    c.app.adjust_stock(&manage, vials[0], AdjustInput { delta_ul: -100, reason: "spill while drawing, recorded late".into() }).await.unwrap();
    assert_eq!(c.remaining(vials[0]).await, 8_900);
    let verified = c.app.verify_ledger().await.unwrap().unwrap();
    assert_eq!(verified.containers, 5);
}

#[tokio::test]
async fn walkthrough_on_sqlite() {
    walkthrough(&sqlite().await).await;
}

#[tokio::test]
async fn walkthrough_on_postgres() {
    let Some((c, _)) = postgres("walkthrough_on_postgres").await else { return };
    walkthrough(&c).await;
}

#[tokio::test]
async fn a_count_with_a_discrepancy_is_resolved_signed_and_locked() {
    let c = sqlite().await;
    let vials = c.receive("ketamine-50mg-ml-10ml", 2).await;
    let count_grant = c.app.authorize::<perm::InventoryCount>(&c.prescriber).await.unwrap();
    let sheet = c.app.start_count(&count_grant, CountInput { kind: "initial".into(), timing: "close_of_business".into(), location_id: None }).await.unwrap();
    assert_eq!(sheet.lines.len(), 2);
    let line = |id, ul, note: Option<&str>| CountLineInput { container_id: id, counted_ul: ul, resolution: note.map(str::to_owned), adjust: true };
    let sheet = c.app.record_count_lines(&count_grant, sheet.id, 1, vec![line(vials[0], 10_000, None), line(vials[1], 9_800, None)]).await.unwrap();
    let refused = c.app.sign_count(&count_grant, sheet.id, sheet.version).await;
    assert!(invalid_field(&refused).is_some_and(|m| m.contains("resolution")), "{refused:?}");
    let sheet =
        c.app.record_count_lines(&count_grant, sheet.id, sheet.version, vec![line(vials[1], 9_800, Some("overfill estimate; recounted"))]).await.unwrap();
    let signed = c.app.sign_count(&count_grant, sheet.id, sheet.version).await.unwrap();
    assert_eq!(signed.discrepancies().count(), 1);
    assert_eq!(c.remaining(vials[1]).await, 9_800, "the book was adjusted to the count");
    assert!(is_conflict(&c.app.record_count_lines(&count_grant, sheet.id, signed.version, vec![line(vials[0], 1, None)]).await), "a signed count is locked");
    let again = c.app.start_count(&count_grant, CountInput { kind: "initial".into(), timing: "close_of_business".into(), location_id: None }).await;
    assert!(is_conflict(&again), "one initial inventory");
    assert_eq!(
        App::biennial_due(&c.app.counts(&c.app.authorize::<perm::InventoryRead>(&c.nurse).await.unwrap()).await.unwrap()).map(|d| d.year()),
        Some(signed.taken_on.year() + 2)
    );
}

#[tokio::test]
async fn reconciliation_finds_each_kind_of_mismatch() {
    use ketaclinic_domain::ids::SessionEventId;
    use ketaclinic_domain::session::{SessionEvent, SessionEventRecord, SessionState};
    let clinic = sqlite().await;
    let c = &clinic;
    let vials = &c.receive("ketamine-50mg-ml-10ml", 1).await;
    let write = c.app.authorize::<perm::ClinicalWrite>(&c.nurse).await.unwrap();
    let new_session = || async { c.app.create_session(&write, c.patient, "iv_ketamine", None, None).await.unwrap().id };
    // Charts `dose_mg` as given in session `id` (straight through storage: the chart is not
    // what is under test).
    let chart = |id: TreatmentSessionId, mg: f64| {
        let record = SessionEventRecord {
            id: SessionEventId(uuid::Uuid::now_v7()),
            session_id: id,
            event: SessionEvent::AdministrationStarted,
            at: c.app.now(),
            payload: serde_json::json!({"dose_mg": mg}),
            recorded_by: c.nurse.user_id,
            recorded_at: c.app.now(),
        };
        let audit = c.nurse.event(&c.app, ketaclinic_domain::audit::AuditAction::SessionEventRecorded, ketaclinic_domain::audit::AuditOutcome::Success);
        async move {
            ketaclinic_store::SessionStore::append_session_event(c.app.store().as_ref(), &record, SessionState::Scheduled, SessionState::Administering, audit)
                .await
                .unwrap()
        }
    };
    let draw_for = |id: TreatmentSessionId, ul: u64| async move {
        let grant = c.app.authorize::<perm::InventoryDraw>(&c.nurse).await.unwrap();
        c.app.draw_for_session(&grant, vials[0], DrawInput { session_id: id, volume_ul: Some(ul) }).await.unwrap().entries[0].entry.id
    };
    // Balanced: 40 mg charted, 40 mg drawn and given.
    let balanced = new_session().await;
    chart(balanced, 40.0).await;
    let d = draw_for(balanced, 800).await;
    c.administer(vials[0], d, None).await.unwrap();
    // Charted, nothing drawn.
    let undrawn = new_session().await;
    chart(undrawn, 35.0).await;
    // Drawn, nothing charted (and the draw still open).
    let uncharted = new_session().await;
    draw_for(uncharted, 600).await;
    // Charted 40 mg, the register says 35 mg.
    let differs = new_session().await;
    chart(differs, 40.0).await;
    let d = draw_for(differs, 700).await;
    c.administer(vials[0], d, None).await.unwrap();

    let read = c.app.authorize::<perm::InventoryRead>(&c.prescriber).await.unwrap();
    let today = c.app.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let period = ReportPeriod::parse(Some(&today.to_string()), Some(&today.to_string()), today).unwrap();
    let report = c.app.register_report(&read, ReportKind::Reconciliation, period).await.unwrap();
    let findings: Vec<(String, String)> = report.rows.iter().map(|r| (r[1].clone(), r[5].clone())).collect();
    let expect = |label: &str, s: TreatmentSessionId| findings.contains(&(label.to_owned(), s.to_string()));
    assert!(expect("Administered, but nothing drawn in the register", undrawn), "{findings:?}");
    assert!(expect("Drawn for a session with no administration charted", uncharted), "{findings:?}");
    assert!(expect("Drawn drug not yet administered, wasted or returned", uncharted), "{findings:?}");
    assert!(expect("Charted dose differs from the register", differs), "{findings:?}");
    assert!(!findings.iter().any(|(_, s)| *s == balanced.to_string()), "a balanced session reconciles: {findings:?}");
    assert_eq!(findings.len(), 4, "{findings:?}");
    let differs_row = report.rows.iter().find(|r| r[5] == differs.to_string()).unwrap();
    assert_eq!((differs_row[3].as_str(), differs_row[4].as_str()), ("40", "35"));
    // The administration log names the patient, the amount and who gave it.
    let log = c.app.register_report(&read, ReportKind::Administrations, period).await.unwrap();
    assert_eq!(log.rows.len(), 2);
    assert!(log.rows.iter().any(|r| r[1] == "Testcase, Robin" && r[5] == "40" && r[9] == "Test nurse"), "{:?}", log.rows);
    // Someone without patient.read gets no report that names patients.
    let admin = Actor { role: Role::Admin, ..c.nurse.clone() };
    let admin_read = c.app.authorize::<perm::InventoryRead>(&admin).await.unwrap();
    assert!(matches!(c.app.register_report(&admin_read, ReportKind::Administrations, period).await, Err(AppError::Forbidden(_))));
    assert!(c.app.register_report(&admin_read, ReportKind::Receipts, period).await.is_ok());
}

/// What `ledger verify` says after `tamper` ran on a database with the walk-through in it.
async fn verify_after(c: &Clinic, tamper: impl AsyncFnOnce()) -> String {
    assert!(c.app.verify_ledger().await.unwrap().is_ok());
    tamper().await;
    c.app.verify_ledger().await.unwrap().expect_err("tampering must be found")
}

#[tokio::test]
async fn verify_finds_altered_deleted_and_inserted_rows_on_sqlite() {
    let cases = [
        ("UPDATE ledger_entries SET movement = replace(movement, '\"ul\":1000', '\"ul\":100') WHERE seq = 3", "seq=3"),
        ("DELETE FROM ledger_entries WHERE seq = 3", "expected seq 3"),
        (
            "INSERT INTO ledger_entries (seq, id, at, container_id, recorded_by, kind, delta_ul, delta_ug, movement, prev_hash, hash) \
             SELECT seq + 1, '01900000-0000-7000-8000-0000000000ff', at, container_id, recorded_by, kind, delta_ul, delta_ug, movement, hash, hash \
             FROM ledger_entries ORDER BY seq DESC LIMIT 1",
            "altered or forged",
        ),
    ];
    for (sql, expect) in cases {
        let c = sqlite().await;
        walkthrough(&c).await;
        let path = c._dir.as_ref().unwrap().path().join("test.db");
        let found = verify_after(&c, async || {
            let conn = rusqlite::Connection::open(&path).unwrap();
            if !sql.starts_with("INSERT") {
                let refused = conn.execute_batch(sql).unwrap_err().to_string();
                assert!(refused.contains("append-only"), "{refused}");
            }
            conn.execute_batch("DROP TRIGGER ledger_entries_no_update; DROP TRIGGER ledger_entries_no_delete;").unwrap();
            conn.execute_batch(sql).unwrap();
        })
        .await;
        assert!(found.contains(expect), "{sql}: {found}");
    }
}

#[tokio::test]
async fn verify_finds_an_altered_row_on_postgres() {
    use sqlx::{Connection, Executor};
    let Some((c, url)) = postgres("verify_finds_an_altered_row_on_postgres").await else { return };
    walkthrough(&c).await;
    let found = verify_after(&c, async || {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        for sql in ["UPDATE ledger_entries SET kind = 'x' WHERE seq = 2", "DELETE FROM ledger_entries WHERE seq = 2", "TRUNCATE ledger_entries CASCADE"] {
            let err = conn.execute(sql).await.unwrap_err().to_string();
            assert!(err.contains("append-only"), "{sql}: {err}");
        }
        conn.execute("ALTER TABLE ledger_entries DISABLE TRIGGER USER").await.unwrap();
        conn.execute("UPDATE ledger_entries SET movement = replace(movement, '\"ul\":1000', '\"ul\":100') WHERE seq = 3").await.unwrap();
    })
    .await;
    assert!(found.contains("seq=3"), "{found}");
}

mod random {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Receive(u8),
        Draw(u8, u16),
        Administer(u8, u16),
        Return(u8, u16),
        Lose(u8, u16),
        Adjust(u8, i16),
        Count,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1u8..3).prop_map(Op::Receive),
            (any::<u8>(), 1u16..6_000).prop_map(|(c, v)| Op::Draw(c, v)),
            (any::<u8>(), 0u16..3_000).prop_map(|(d, v)| Op::Administer(d, v)),
            (any::<u8>(), 0u16..3_000).prop_map(|(d, v)| Op::Return(d, v)),
            (any::<u8>(), 1u16..6_000).prop_map(|(c, v)| Op::Lose(c, v)),
            (any::<u8>(), -3_000i16..3_000).prop_map(|(c, v)| Op::Adjust(c, v)),
            Just(Op::Count),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]

        /// Random operations through the use cases on SQLite: an accepted one keeps the books
        /// (verified by folding the stored ledger), a refused one writes nothing at all.
        #[test]
        fn random_operations_keep_the_books(ops in proptest::collection::vec(op(), 1..25)) {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async {
                let c = sqlite().await;
                let mut containers: Vec<ContainerId> = Vec::new();
                let mut draws: Vec<(ContainerId, LedgerEntryId)> = Vec::new();
                let draw_grant = c.app.authorize::<perm::InventoryDraw>(&c.nurse).await.unwrap();
                let manage = c.app.authorize::<perm::InventoryManage>(&c.prescriber).await.unwrap();
                let count = c.app.authorize::<perm::InventoryCount>(&c.prescriber).await.unwrap();
                for op in ops {
                    let pick_c = |n: u8| containers.get(usize::from(n) % containers.len().max(1)).copied();
                    let pick_d = |n: u8| draws.get(usize::from(n) % draws.len().max(1)).copied();
                    let before = c.rows().await;
                    let result: Result<(), AppError> = match op {
                        Op::Receive(n) => {
                            containers.extend(c.receive("ketamine-10mg-ml-20ml", u32::from(n)).await);
                            Ok(())
                        }
                        Op::Draw(n, v) => match pick_c(n) {
                            Some(id) => c.draw(id, u64::from(v)).await.map(|d| draws.push((id, d))),
                            None => continue,
                        },
                        Op::Administer(n, v) => match pick_d(n) {
                            Some((id, d)) => c.administer(id, d, (v > 0).then_some(u64::from(v))).await,
                            None => continue,
                        },
                        Op::Return(n, v) => match pick_d(n) {
                            Some((id, d)) => c.app.return_draw(&draw_grant, id, d, (v > 0).then_some(u64::from(v))).await.map(|_| ()),
                            None => continue,
                        },
                        Op::Lose(n, v) => match pick_c(n) {
                            Some(id) => {
                                let input = LossInput { volume_ul: u64::from(v), kind: "loss".into(), discovered_at: Timestamp::now(), description: "spilled".into() };
                                c.app.report_loss(&draw_grant, id, input).await.map(|_| ())
                            }
                            None => continue,
                        },
                        Op::Adjust(n, v) => match pick_c(n) {
                            Some(id) => c.app.adjust_stock(&manage, id, AdjustInput { delta_ul: i64::from(v), reason: "correction".into() }).await.map(|_| ()),
                            None => continue,
                        },
                        Op::Count => {
                            let sheet = c.app.start_count(&count, CountInput { kind: "ad_hoc".into(), timing: "opening_of_business".into(), location_id: None }).await.unwrap();
                            let lines = sheet.lines.iter().map(|l| CountLineInput { container_id: l.container_id, counted_ul: l.book_ul, resolution: None, adjust: false }).collect();
                            let sheet = c.app.record_count_lines(&count, sheet.id, sheet.version, lines).await.unwrap();
                            c.app.sign_count(&count, sheet.id, sheet.version).await.map(|_| ())
                        }
                    };
                    match result {
                        Ok(()) => {}
                        Err(AppError::Conflict(_) | AppError::Invalid(_)) => assert_eq!(c.rows().await, before, "a refused operation wrote something"),
                        Err(other) => panic!("unexpected error {other:?}"),
                    }
                    assert!(c.app.verify_ledger().await.unwrap().is_ok(), "the books stopped adding up after {op:?}");
                }
            });
        }
    }
}
