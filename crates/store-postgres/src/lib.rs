//! PostgreSQL adapter of the ketaclinic storage ports, for clinic groups that run a database
//! server.
//!
//! It behaves exactly like the SQLite adapter (both pass the one conformance suite in
//! `ketaclinic_store`): one dedicated write connection runs the group-commit writer
//! ([`ketaclinic_store::group_commit`]) and a small pool of connections serves reads.
//!
//! What PostgreSQL adds is that **several ketaclinic processes may share one database**. The
//! group-commit writer keeps the audit hash chain in order inside one process; across processes
//! each batch transaction first takes a transaction-scoped advisory lock ([`WRITE_LOCK`]), so
//! batches from different processes commit one after another and each reads the chain head the
//! previous one committed. PostgreSQL releases the lock only after the commit is visible, and
//! under READ COMMITTED every statement after the lock sees that commit.

mod assessments;
mod audit;
mod billing;
mod booking;
mod booking_waitlist;
mod calendar_feeds;
mod chart;
mod convert;
mod courses;
mod dashboard;
mod enquiries;
mod patients;
mod register;
mod register_counts;
mod rems_forms;
mod self_report;
mod sessions;
mod tasks;
mod treatment_events;
mod users;

use std::str::FromStr;

use async_trait::async_trait;
use futures::future::BoxFuture;
use ketaclinic_store::audit_batch::AuditBatcher;
use ketaclinic_store::group_commit::{TxConnection, Writer};
use ketaclinic_store::{HealthStore, PoolStats, StoreError, StoreResult};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, PgConnection, SqlSafeStr};

pub use convert::map_err;

/// The migrations, embedded in the binary. The parity test compares this list (and the schema
/// it produces) with SQLite's, so the two backends cannot drift apart unnoticed.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../migrations/0001_foundation.sql")),
    (2, "assessments", include_str!("../migrations/0002_assessments.sql")),
    (3, "alerts", include_str!("../migrations/0003_alerts.sql")),
    (4, "enquiries", include_str!("../migrations/0004_enquiries.sql")),
    (5, "chart", include_str!("../migrations/0005_chart.sql")),
    (6, "self_report", include_str!("../migrations/0006_self_report.sql")),
    (7, "treatment_events", include_str!("../migrations/0007_treatment_events.sql")),
    (8, "tasks", include_str!("../migrations/0008_tasks.sql")),
    (9, "assessment_corrections", include_str!("../migrations/0009_assessment_corrections.sql")),
    (10, "sessions", include_str!("../migrations/0010_sessions.sql")),
    (11, "session_alerts", include_str!("../migrations/0011_session_alerts.sql")),
    (12, "rems_forms", include_str!("../migrations/0012_rems_forms.sql")),
    (13, "courses", include_str!("../migrations/0013_courses.sql")),
    (14, "register", include_str!("../migrations/0014_register.sql")),
    (15, "session_patient_index", include_str!("../migrations/0015_session_patient_index.sql")),
    (16, "billing", include_str!("../migrations/0016_billing.sql")),
    (17, "booking", include_str!("../migrations/0017_booking.sql")),
    (18, "calendar_feeds", include_str!("../migrations/0018_calendar_feeds.sql")),
];

/// Readers in the pool. Each is a server process on the database host, so the pool stays small;
/// reads are short keyed lookups and pages.
const READ_CONNECTIONS: u32 = 8;

/// Key of the advisory lock every write transaction takes (the bytes of `"ketaclin"`). Fixed so
/// that every ketaclinic process on the same database contends for the same lock; any other
/// application using advisory locks on this database must avoid this key.
pub const WRITE_LOCK: i64 = 0x6b65_7461_636c_696e;

/// The write connection, driven by the group-commit writer.
///
/// It keeps its connect options so it can replace a connection the server dropped (restart,
/// fail-over, idle timeout in a proxy): unlike a SQLite file, a server connection can die under
/// a running process, and a writer stuck on a dead connection would refuse every write forever
/// while reads still succeed.
#[derive(Debug)]
pub struct WriteConn {
    conn: PgConnection,
    options: PgConnectOptions,
}

impl WriteConn {
    /// `BEGIN`, then wait for the cross-process write lock (released by `COMMIT`/`ROLLBACK`).
    async fn open_batch(&mut self) -> StoreResult<()> {
        sqlx::query("BEGIN").execute(&mut self.conn).await.map_err(map_err)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut self.conn).await.map_err(map_err)?;
        Ok(())
    }
}

impl TxConnection for WriteConn {
    fn begin(&mut self) -> BoxFuture<'_, StoreResult<()>> {
        Box::pin(async move {
            let Err(first) = self.open_batch().await else {
                return Ok(());
            };
            // Whatever went wrong (most likely the server closed the connection), a fresh
            // connection is a clean state: nothing of this batch has run yet, and a transaction
            // left open on the old connection is rolled back by the server when it goes away.
            tracing::warn!(error = %first, "write connection failed to begin a transaction; reconnecting");
            self.conn = self.options.connect().await.map_err(map_err)?;
            self.open_batch().await
        })
    }

    fn control(&mut self, sql: &'static str) -> BoxFuture<'_, StoreResult<()>> {
        Box::pin(async move { sqlx::query(sql).execute(&mut self.conn).await.map(|_| ()).map_err(map_err) })
    }
}

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    read: PgPool,
    writer: Writer<WriteConn>,
    audit: AuditBatcher,
}

/// Builds the embedded migrator. sqlx holds a PostgreSQL advisory lock while migrating, so
/// processes starting together do not apply a migration twice.
pub fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS.iter().map(|(version, name, sql)| Migration::new(*version, (*name).into(), MigrationType::Simple, sql.into_sql_str(), false)).collect(),
    )
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://…` or `postgresql://…`) and runs pending
    /// migrations. The database must exist: a typo in the URL is an error, never a new database.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url).map_err(map_err)?;
        Self::connect_with(options).await
    }

    /// Like [`PgStore::connect`], with options built by the caller.
    pub async fn connect_with(options: PgConnectOptions) -> StoreResult<Self> {
        // Statements carry patient data in their parameters only, but logging every statement
        // at INFO would still flood the log; sqlx's slow-statement warnings stay on.
        let options = options.application_name("ketaclinic").disable_statement_logging();
        let mut conn = options.connect().await.map_err(map_err)?;
        migrator().run(&mut conn).await.map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))?;
        let read = PgPoolOptions::new().max_connections(READ_CONNECTIONS).min_connections(1).connect_with(options.clone()).await.map_err(map_err)?;
        let writer = Writer::spawn(WriteConn { conn, options });
        let audit = audit::batcher(writer.clone());
        Ok(Self { read, writer, audit })
    }

    /// Closes the read pool. The writer ends once every handle to it is dropped.
    pub async fn close(&self) {
        self.read.close().await;
    }
}

#[async_trait]
impl HealthStore for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await.map(|_| ()).map_err(map_err)
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats { size: self.read.size(), idle: u32::try_from(self.read.num_idle()).unwrap_or(u32::MAX) }
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}
