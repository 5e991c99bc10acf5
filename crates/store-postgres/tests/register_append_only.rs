//! The register's rows are records of fact: the schema itself refuses to change or delete
//! ledger rows, signed count sheets and completed loss-report tasks, whatever SQL reaches the
//! database (the conformance suite only sees the ports, so this needs raw SQL).
//!
//! Needs `KETACLINIC_TEST_POSTGRES_URL`; see `common` for the skip and require rules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use std::sync::Arc;

use ketaclinic_store::Storage;
use ketaclinic_store::conformance::register_fixture;
use ketaclinic_store_postgres::PgStore;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

async fn refused(conn: &mut PgConnection, sql: &'static str, id: Uuid) {
    match sqlx::query(sql).bind(id).execute(&mut *conn).await {
        Err(e) => {
            let why = e.to_string();
            assert!(why.contains("append-only"), "{sql} failed for another reason: {why}");
        }
        Ok(done) => panic!("{sql} was allowed ({} rows)", done.rows_affected()),
    }
}

async fn changed(conn: &mut PgConnection, sql: &'static str, id: Uuid) -> u64 {
    sqlx::query(sql).bind(id).execute(&mut *conn).await.unwrap_or_else(|e| common::fail(&format!("{sql}: {e}"))).rows_affected()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_rows_are_append_only() {
    let Some(url) = common::fresh_database("register append-only").await else {
        return;
    };
    let store = PgStore::connect(&url).await.unwrap_or_else(|e| common::fail(&format!("PostgreSQL store failed to open: {e}")));
    let f = register_fixture(Arc::new(store) as Arc<dyn Storage>).await;
    let mut conn = PgConnection::connect(&url).await.unwrap_or_else(|e| common::fail(&format!("connect: {e}")));

    let entry = f.entry.0;
    refused(&mut conn, "UPDATE ledger_entries SET delta_ul = 0 WHERE id = $1", entry).await;
    refused(&mut conn, "UPDATE ledger_entries SET movement = '{}' WHERE id = $1", entry).await;
    refused(&mut conn, "DELETE FROM ledger_entries WHERE id = $1", entry).await;
    refused(&mut conn, "UPDATE cs_containers SET lot = 'X' WHERE id = (SELECT container_id FROM ledger_entries WHERE id = $1)", entry).await;
    refused(
        &mut conn,
        "DELETE FROM cs_receipts WHERE id = (SELECT receipt_id FROM cs_containers WHERE id = (SELECT container_id FROM ledger_entries WHERE id = $1))",
        entry,
    )
    .await;
    for table in ["ledger_entries", "cs_receipts", "cs_containers", "cs_counts", "cs_loss_reports"] {
        let sql = format!("TRUNCATE {table} CASCADE");
        let result = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(&mut conn).await;
        assert!(result.is_err_and(|e| e.to_string().contains("append-only")), "{sql} was allowed");
    }

    let signed = f.signed_count.0;
    refused(&mut conn, "UPDATE cs_counts SET lines = '[]' WHERE id = $1", signed).await;
    refused(&mut conn, "UPDATE cs_counts SET status = 'draft' WHERE id = $1", signed).await;
    refused(&mut conn, "DELETE FROM cs_counts WHERE id = $1", signed).await;
    let draft = f.draft_count.0;
    assert_eq!(changed(&mut conn, "UPDATE cs_counts SET lines = '[]', version = version + 1 WHERE id = $1", draft).await, 1, "a draft may be edited");
    refused(&mut conn, "DELETE FROM cs_counts WHERE id = $1", draft).await;

    let loss = f.loss_report.0;
    refused(&mut conn, "UPDATE cs_loss_reports SET notified_ref = 'rewritten' WHERE id = $1", loss).await;
    refused(&mut conn, "UPDATE cs_loss_reports SET notified_at = NULL WHERE id = $1", loss).await;
    refused(&mut conn, "UPDATE cs_loss_reports SET qty_ug = 1 WHERE id = $1", loss).await;
    refused(&mut conn, "UPDATE cs_loss_reports SET description = 'other' WHERE id = $1", loss).await;
    refused(&mut conn, "DELETE FROM cs_loss_reports WHERE id = $1", loss).await;
    let filed = "UPDATE cs_loss_reports SET form106_at = now(), form106_by = reported_by, form106_ref = 'F106' WHERE id = $1";
    assert_eq!(changed(&mut conn, filed, loss).await, 1, "an open task may be completed");
    refused(&mut conn, "UPDATE cs_loss_reports SET form106_ref = 'again' WHERE id = $1", loss).await;
    let _ = conn.close().await;
}
