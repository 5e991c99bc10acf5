//! The storage conformance suite on SQLite (a fresh temporary database file per test).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use std::sync::Arc;

use ketaclinic_store::Storage;
use ketaclinic_store_sqlite::SqliteStore;

async fn fresh() -> Option<Arc<dyn Storage>> {
    let dir = tempfile::tempdir().ok()?;
    let store = SqliteStore::open(&dir.path().join("conformance.db")).await.ok()?;
    // The directory must outlive the store; the test process ends soon after.
    std::mem::forget(dir);
    Some(Arc::new(store))
}

ketaclinic_store::conformance_suite!(async {
    let store = fresh().await;
    assert!(store.is_some(), "SQLite store failed to open");
    store
});
