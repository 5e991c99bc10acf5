//! The storage conformance suite on PostgreSQL (a fresh database per test).
//!
//! Needs `KETACLINIC_TEST_POSTGRES_URL`; see `common` for the skip and require rules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use std::sync::Arc;

use ketaclinic_store::Storage;
use ketaclinic_store_postgres::PgStore;

async fn fresh() -> Option<Arc<dyn Storage>> {
    let url = common::fresh_database("PostgreSQL conformance").await?;
    let store = PgStore::connect(&url).await.unwrap_or_else(|e| common::fail(&format!("PostgreSQL store failed to open: {e}")));
    Some(Arc::new(store))
}

ketaclinic_store::conformance_suite!(fresh());
