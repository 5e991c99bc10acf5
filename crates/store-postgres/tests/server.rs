//! What only a database server brings, beyond the conformance suite: several ketaclinic
//! processes writing to one database, and connections the server drops under a running process.
//!
//! Needs `KETACLINIC_TEST_POSTGRES_URL`; see `common` for the skip and require rules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use std::sync::Arc;

use jiff::Timestamp;
use ketaclinic_domain::audit::{AuditAction, AuditEvent, AuditOutcome, ChainVerifier};
use ketaclinic_domain::ids::AuditEventId;
use ketaclinic_store::{AuditStore, HealthStore, StoreResult};
use ketaclinic_store_postgres::PgStore;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

fn event(n: i64) -> AuditEvent {
    AuditEvent {
        id: AuditEventId(Uuid::now_v7()),
        at: Timestamp::from_second(1_790_000_000 + n).unwrap_or(Timestamp::UNIX_EPOCH),
        actor_id: None,
        actor_label: "server-test".to_owned(),
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

async fn open(url: &str) -> PgStore {
    PgStore::connect(url).await.unwrap_or_else(|e| common::fail(&format!("PostgreSQL store failed to open: {e}")))
}

/// Verifies the whole audit chain and returns how many rows it holds.
async fn verify_chain(store: &PgStore) -> u64 {
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store.audit_chain_page(after, 100).await.unwrap_or_else(|e| common::fail(&format!("read the chain: {e}")));
        let Some(last) = page.last() else { break };
        after = last.seq;
        for row in &page {
            assert_eq!(verifier.check(row), Ok(()), "chain broken");
        }
    }
    verifier.verified()
}

/// Two stores on one database stand for two processes: each has its own group-commit writer,
/// so only the advisory lock keeps their batches from reading the same chain head.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_one_audit_chain() {
    let Some(url) = common::fresh_database("PostgreSQL multi-process audit chain").await else {
        return;
    };
    let stores = [Arc::new(open(&url).await), Arc::new(open(&url).await)];
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = Arc::clone(&stores[usize::from(n % 2 == 0)]);
        tasks.push(tokio::spawn(async move { store.append_audit((0..5).map(|_| event(i64::from(n))).collect()).await }));
    }
    for task in tasks {
        let result: Option<StoreResult<()>> = task.await.ok();
        assert_eq!(result, Some(Ok(())), "every append commits");
    }
    assert_eq!(verify_chain(&stores[0]).await, 200);
}

/// The server restarts or a proxy drops idle connections: the next write reconnects instead of
/// failing for the rest of the process's life.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_survive_a_dropped_connection() {
    let Some(url) = common::fresh_database("PostgreSQL reconnect").await else {
        return;
    };
    let store = open(&url).await;
    store.append_audit(vec![event(1)]).await.unwrap_or_else(|e| common::fail(&format!("first append: {e}")));
    let mut admin = PgConnection::connect(&url).await.unwrap_or_else(|e| common::fail(&format!("connect: {e}")));
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap_or_else(|e| common::fail(&format!("terminate backends: {e}")));
    let _ = admin.close().await;
    assert!(killed >= 2, "the writer's and the pool's connections were terminated ({killed})");
    store.append_audit(vec![event(2)]).await.unwrap_or_else(|e| common::fail(&format!("append after the connection dropped: {e}")));
    assert_eq!(store.ping().await, Ok(()));
    assert_eq!(verify_chain(&store).await, 2);
}
