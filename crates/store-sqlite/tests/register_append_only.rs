//! The register's rows are records of fact: the schema itself refuses to change or delete
//! ledger rows, signed count sheets and completed loss-report tasks, whatever SQL reaches the
//! file (the conformance suite only sees the ports, so this needs raw SQL).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use std::sync::Arc;

use ketaclinic_store::Storage;
use ketaclinic_store::conformance::register_fixture;
use ketaclinic_store_sqlite::SqliteStore;
use rusqlite::Connection;

fn refused(conn: &Connection, sql: &str, id: &str) {
    match conn.execute(sql, [id]) {
        Err(e) => {
            let why = e.to_string();
            assert!(["append-only", "locked", "never deleted", "changed only"].iter().any(|w| why.contains(w)), "{sql} failed for another reason: {why}");
        }
        Ok(n) => panic!("{sql} was allowed ({n} rows)"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_rows_are_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.db");
    let store: Arc<dyn Storage> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let f = register_fixture(store).await;
    let conn = Connection::open(&path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();

    let entry = f.entry.to_string();
    refused(&conn, "UPDATE ledger_entries SET delta_ul = 0 WHERE id = ?1", &entry);
    refused(&conn, "UPDATE ledger_entries SET movement = '{}' WHERE id = ?1", &entry);
    refused(&conn, "DELETE FROM ledger_entries WHERE id = ?1", &entry);
    refused(&conn, "UPDATE cs_containers SET lot = 'X' WHERE id = (SELECT container_id FROM ledger_entries WHERE id = ?1)", &entry);
    refused(
        &conn,
        "DELETE FROM cs_receipts WHERE id = (SELECT receipt_id FROM cs_containers WHERE id = (SELECT container_id FROM ledger_entries WHERE id = ?1))",
        &entry,
    );

    let signed = f.signed_count.to_string();
    refused(&conn, "UPDATE cs_counts SET lines = '[]' WHERE id = ?1", &signed);
    refused(&conn, "UPDATE cs_counts SET status = 'draft' WHERE id = ?1", &signed);
    refused(&conn, "DELETE FROM cs_counts WHERE id = ?1", &signed);
    let draft = f.draft_count.to_string();
    assert_eq!(conn.execute("UPDATE cs_counts SET lines = '[]', version = version + 1 WHERE id = ?1", [&draft]).unwrap(), 1, "a draft may be edited");
    refused(&conn, "DELETE FROM cs_counts WHERE id = ?1", &draft);

    let loss = f.loss_report.to_string();
    refused(&conn, "UPDATE cs_loss_reports SET notified_ref = 'rewritten' WHERE id = ?1", &loss);
    refused(&conn, "UPDATE cs_loss_reports SET notified_at = NULL WHERE id = ?1", &loss);
    refused(&conn, "UPDATE cs_loss_reports SET qty_ug = 1 WHERE id = ?1", &loss);
    refused(&conn, "UPDATE cs_loss_reports SET description = 'other' WHERE id = ?1", &loss);
    refused(&conn, "DELETE FROM cs_loss_reports WHERE id = ?1", &loss);
    let filed = "UPDATE cs_loss_reports SET form106_at = 1790000100000000, form106_by = reported_by, form106_ref = 'F106' WHERE id = ?1";
    assert_eq!(conn.execute(filed, [&loss]).unwrap(), 1, "an open task may be completed");
    refused(&conn, "UPDATE cs_loss_reports SET form106_ref = 'again' WHERE id = ?1", &loss);
}
