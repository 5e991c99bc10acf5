//! Two processes writing one SQLite file (the server and `ketaclinic user add` beside it) must
//! not fork the audit chain: the writer's cached chain head is dropped when another connection
//! has committed in the meantime.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use jiff::Timestamp;
use ketaclinic_domain::audit::{AuditAction, AuditEvent, AuditOutcome, ChainVerifier};
use ketaclinic_domain::ids::AuditEventId;
use ketaclinic_store::AuditStore;
use ketaclinic_store_sqlite::SqliteStore;

fn event() -> AuditEvent {
    AuditEvent {
        id: AuditEventId(uuid::Uuid::now_v7()),
        at: Timestamp::now(),
        actor_id: None,
        actor_label: "two-writers@example.org".to_owned(),
        actor_role: None,
        action: AuditAction::PatientRead.as_str().to_owned(),
        resource_type: None,
        resource_id: None,
        patient_id: None,
        client_addr: None,
        user_agent: None,
        outcome: AuditOutcome::Success,
        detail: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interleaved_writers_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let server = SqliteStore::open(&path).await.unwrap();
    let cli = SqliteStore::open(&path).await.unwrap();
    for round in 0..5 {
        server.append_audit(vec![event(), event()]).await.unwrap();
        cli.append_audit(vec![event()]).await.unwrap();
        let _ = round;
    }
    server.append_audit(vec![event()]).await.unwrap();
    let rows = server.audit_chain_page(0, 1000).await.unwrap();
    let mut verifier = ChainVerifier::default();
    for row in &rows {
        verifier.check(row).unwrap();
    }
    assert_eq!(verifier.verified(), 16);
}
