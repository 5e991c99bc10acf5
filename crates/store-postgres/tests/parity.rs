//! Migration parity: the SQLite and PostgreSQL schemas must not drift apart.
//!
//! Both adapters pass the same conformance suite, but the suite only sees what the adapters
//! read and write; a column, index or trigger added to one migration folder and forgotten in
//! the other would go unnoticed until a clinic switched backends. So:
//!
//! 1. the two embedded migration lists must have the same (version, name) pairs (always run);
//! 2. the schemas they produce, read back from the live databases' catalogs, must describe the
//!    same tables, columns (with their NOT NULL-ness), keys, indexes, foreign keys and triggers
//!    (needs PostgreSQL; see `common` for the skip and require rules).
//!
//! Column *types* and CHECK constraints are not compared: they differ by design (UUID vs TEXT,
//! TIMESTAMPTZ vs INTEGER microseconds, BOOLEAN vs INTEGER with a CHECK) and the conformance
//! suite covers their behaviour.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use std::collections::BTreeSet;

use ketaclinic_store_postgres::PgStore;
use ketaclinic_store_sqlite::SqliteStore;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, Row, SqliteConnection};

/// Schema facts only one engine can express, with the reason. Each must exist on its side (so
/// the list cannot go stale) and is left out of the comparison.
const TRUNCATE_WHY: &str = "TRUNCATE bypasses row triggers on PostgreSQL; SQLite has no TRUNCATE (its truncate optimisation still fires DELETE triggers)";
const ONLY_IN_POSTGRES: &[(&str, &str)] = &[
    ("trigger audit_events_no_truncate ON audit_events", TRUNCATE_WHY),
    ("trigger chart_versions_no_truncate ON chart_versions", TRUNCATE_WHY),
    ("trigger protocols_no_truncate ON protocols", TRUNCATE_WHY),
    ("trigger course_events_no_truncate ON course_events", TRUNCATE_WHY),
    ("trigger cs_receipts_no_truncate ON cs_receipts", TRUNCATE_WHY),
    ("trigger cs_containers_no_truncate ON cs_containers", TRUNCATE_WHY),
    ("trigger ledger_entries_no_truncate ON ledger_entries", TRUNCATE_WHY),
    ("trigger cs_counts_no_truncate ON cs_counts", TRUNCATE_WHY),
    ("trigger cs_loss_reports_no_truncate ON cs_loss_reports", TRUNCATE_WHY),
    ("trigger fee_schedule_versions_no_truncate ON fee_schedule_versions", TRUNCATE_WHY),
    ("trigger fee_schedule_entries_no_truncate ON fee_schedule_entries", TRUNCATE_WHY),
    ("trigger charges_no_truncate ON charges", TRUNCATE_WHY),
    ("trigger invoices_no_truncate ON invoices", TRUNCATE_WHY),
    ("trigger invoice_lines_no_truncate ON invoice_lines", TRUNCATE_WHY),
    ("trigger payments_no_truncate ON payments", TRUNCATE_WHY),
    ("trigger appointments_no_truncate ON appointments", TRUNCATE_WHY),
    ("trigger waitlist_entries_no_truncate ON waitlist_entries", TRUNCATE_WHY),
];
const ONLY_IN_SQLITE: &[(&str, &str)] = &[];

/// The bookkeeping table of sqlx's migrator, which differs per engine and is not our schema.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

#[test]
fn migration_lists_match() {
    let names = |list: &[(i64, &'static str, &str)]| list.iter().map(|(version, name, _)| (*version, *name)).collect::<Vec<_>>();
    assert_eq!(
        names(ketaclinic_store_sqlite::MIGRATIONS),
        names(ketaclinic_store_postgres::MIGRATIONS),
        "SQLite and PostgreSQL must have the same migrations, in the same order"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrated_schemas_match() {
    let Some(pg_url) = common::fresh_database("PostgreSQL schema parity").await else {
        return;
    };
    let sqlite = sqlite_schema().await;
    let postgres = postgres_schema(&pg_url).await;
    let sqlite = without(sqlite, ONLY_IN_SQLITE, "SQLite");
    let postgres = without(postgres, ONLY_IN_POSTGRES, "PostgreSQL");
    assert!(sqlite.iter().any(|f| f.starts_with("table ")), "the SQLite schema came back empty");
    let mut report = String::new();
    for fact in sqlite.difference(&postgres) {
        report.push_str(&format!("\n  only in SQLite:     {fact}"));
    }
    for fact in postgres.difference(&sqlite) {
        report.push_str(&format!("\n  only in PostgreSQL: {fact}"));
    }
    assert!(
        report.is_empty(),
        "the SQLite and PostgreSQL schemas differ (add the change to both migration folders, or \
         allow-list a truly engine-specific object in tests/parity.rs):{report}"
    );
}

/// Removes the allow-listed facts, checking that each is really there.
fn without(mut facts: BTreeSet<String>, allowed: &[(&str, &str)], engine: &str) -> BTreeSet<String> {
    for (fact, _reason) in allowed {
        assert!(facts.remove(*fact), "allow-listed {engine} object is gone, drop it from the list: {fact}");
    }
    facts
}

fn column(table: &str, name: &str, not_null: bool) -> String {
    format!("column {table}.{name} {}", if not_null { "NOT NULL" } else { "NULL" })
}

/// One index as a fact. Indexes that back a PRIMARY KEY or UNIQUE constraint are named by the
/// engine (`sqlite_autoindex_users_1` vs `users_email_key`), and an INTEGER PRIMARY KEY has no
/// index at all on SQLite, so those are compared by their columns (`primary key` / `unique`
/// facts); only indexes created by name with CREATE INDEX are compared by name.
fn index(name: &str, table: &str, unique: bool, columns: &[String]) -> String {
    format!("{}index {name} ON {table} ({})", if unique { "unique " } else { "" }, columns.join(", "))
}

async fn sqlite_schema() -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| common::fail(&format!("temp dir: {e}")));
    let path = dir.path().join("parity.db");
    let store = SqliteStore::open(&path).await.unwrap_or_else(|e| common::fail(&format!("SQLite store failed to open: {e}")));
    drop(store);
    let mut conn = SqliteConnectOptions::new()
        .filename(&path)
        .read_only(true)
        .disable_statement_logging()
        .connect()
        .await
        .unwrap_or_else(|e| common::fail(&format!("open {}: {e}", path.display())));
    let facts = sqlite_facts(&mut conn).await.unwrap_or_else(|e| common::fail(&format!("read the SQLite catalog: {e}")));
    let _ = conn.close().await;
    facts
}

async fn sqlite_facts(conn: &mut SqliteConnection) -> Result<BTreeSet<String>, sqlx::Error> {
    let mut facts = BTreeSet::new();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ?1")
            .bind(MIGRATIONS_TABLE)
            .fetch_all(&mut *conn)
            .await?;
    for table in &tables {
        facts.insert(format!("table {table}"));
        let mut primary_key = Vec::new();
        for row in sqlx::query(r#"SELECT name, "notnull", pk FROM pragma_table_info(?1) ORDER BY pk"#).bind(table).fetch_all(&mut *conn).await? {
            let (name, not_null, pk): (String, bool, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            // A SQLite quirk: a PRIMARY KEY column that is not an INTEGER PRIMARY KEY accepts
            // NULL unless declared NOT NULL. The adapters always bind the key, and PostgreSQL
            // makes every key column NOT NULL, so a key column counts as NOT NULL here.
            facts.insert(column(table, &name, not_null || pk > 0));
            if pk > 0 {
                primary_key.push(name);
            }
        }
        if !primary_key.is_empty() {
            facts.insert(format!("primary key {table} ({})", primary_key.join(", ")));
        }
        for row in sqlx::query(r#"SELECT name, "unique", origin FROM pragma_index_list(?1)"#).bind(table).fetch_all(&mut *conn).await? {
            let (name, unique, origin): (String, bool, String) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_index_info(?1) ORDER BY seqno").bind(&name).fetch_all(&mut *conn).await?;
            match origin.as_str() {
                "pk" => {} // covered by the `primary key` fact above
                "u" => {
                    facts.insert(format!("unique {table} ({})", columns.join(", ")));
                }
                _ => {
                    facts.insert(index(&name, table, unique, &columns));
                }
            }
        }
        for row in sqlx::query(r#"SELECT "from", "table" FROM pragma_foreign_key_list(?1)"#).bind(table).fetch_all(&mut *conn).await? {
            let (from, to): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            facts.insert(format!("foreign key {table}.{from} -> {to}"));
        }
    }
    for row in sqlx::query("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'").fetch_all(&mut *conn).await? {
        let (name, table): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        facts.insert(format!("trigger {name} ON {table}"));
    }
    Ok(facts)
}

async fn postgres_schema(url: &str) -> BTreeSet<String> {
    let store = PgStore::connect(url).await.unwrap_or_else(|e| common::fail(&format!("PostgreSQL store failed to open: {e}")));
    drop(store);
    let mut conn = PgConnection::connect(url).await.unwrap_or_else(|e| common::fail(&format!("connect to {url}: {e}")));
    let facts = postgres_facts(&mut conn).await.unwrap_or_else(|e| common::fail(&format!("read the PostgreSQL catalog: {e}")));
    let _ = conn.close().await;
    facts
}

/// Indexes of one table with what they back and their key columns in order.
const PG_INDEXES: &str = "SELECT i.relname::text, x.indisunique, x.indisprimary, \
       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = x.indrelid AND c.conindid = x.indexrelid AND c.contype IN ('p', 'u')), \
       ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord) \
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::regclass";

/// Foreign-key columns of one table with the table they reference.
const PG_FOREIGN_KEYS: &str = "SELECT a.attname::text, c.confrelid::regclass::text FROM pg_constraint c \
     CROSS JOIN LATERAL unnest(c.conkey) AS k(attnum) \
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
     WHERE c.conrelid = $1::regclass AND c.contype = 'f'";

async fn postgres_facts(conn: &mut PgConnection) -> Result<BTreeSet<String>, sqlx::Error> {
    let mut facts = BTreeSet::new();
    let tables: Vec<String> = sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND tablename <> $1")
        .bind(MIGRATIONS_TABLE)
        .fetch_all(&mut *conn)
        .await?;
    for table in &tables {
        facts.insert(format!("table {table}"));
        let columns = sqlx::query("SELECT attname::text, attnotnull FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped")
            .bind(table)
            .fetch_all(&mut *conn)
            .await?;
        for row in columns {
            facts.insert(column(table, &row.try_get::<String, _>(0)?, row.try_get(1)?));
        }
        for row in sqlx::query(PG_INDEXES).bind(table).fetch_all(&mut *conn).await? {
            let (name, unique, primary, constraint): (String, bool, bool, bool) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
            let columns: Vec<String> = row.try_get(4)?;
            let fact = match (primary, constraint) {
                (true, _) => format!("primary key {table} ({})", columns.join(", ")),
                (false, true) => format!("unique {table} ({})", columns.join(", ")),
                (false, false) => index(&name, table, unique, &columns),
            };
            facts.insert(fact);
        }
        for row in sqlx::query(PG_FOREIGN_KEYS).bind(table).fetch_all(&mut *conn).await? {
            let (from, to): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            facts.insert(format!("foreign key {table}.{from} -> {to}"));
        }
        // Internal triggers implement foreign keys; only the ones a migration created count.
        let triggers: Vec<String> = sqlx::query_scalar("SELECT tgname::text FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal")
            .bind(table)
            .fetch_all(&mut *conn)
            .await?;
        for name in triggers {
            facts.insert(format!("trigger {name} ON {table}"));
        }
    }
    Ok(facts)
}
