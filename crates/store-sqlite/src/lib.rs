//! SQLite adapter of the ketaclinic storage ports: the embedded default.
//!
//! One dedicated write connection (sqlx) runs the group-commit writer
//! ([`ketaclinic_store::group_commit`]) with WAL, `foreign_keys=ON`, a busy timeout and
//! `synchronous=FULL`, so an acknowledged write survives `kill -9` and power loss; throughput
//! comes from group commit, never from weakening durability. Reads run on a small pool of
//! rusqlite connections, inline on the calling task (see [`read`] for why), and WAL lets them
//! proceed while the writer commits.

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
mod read;
mod register;
mod register_counts;
mod rems_forms;
mod self_report;
mod sessions;
mod tasks;
mod treatment_events;
mod users;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ketaclinic_store::audit_batch::AuditBatcher;
use ketaclinic_store::{HealthStore, PoolStats, StoreError, StoreResult};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqlSafeStr};

pub use convert::map_err;
use read::{ReadPool, rq};
use writer::Writer;

/// The migrations, embedded in the binary. The parity test in `store-postgres` compares this
/// list with PostgreSQL's.
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

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    read: Arc<ReadPool>,
    writer: Writer,
    audit: AuditBatcher,
}

/// The connection settings every connection shares.
fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .disable_statement_logging()
}

/// Builds the embedded migrator.
pub fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS.iter().map(|(version, name, sql)| Migration::new(*version, (*name).into(), MigrationType::Simple, sql.into_sql_str(), false)).collect(),
    )
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and runs pending migrations.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        // Migrations run through sqlx's migrator (checksums, history table), the same machinery
        // as on PostgreSQL; that connection closes before the writer opens its own.
        let mut migrate = options(path).connect().await.map_err(map_err)?;
        migrator().run(&mut migrate).await.map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))?;
        migrate.close().await.map_err(map_err)?;
        let read = Arc::new(ReadPool::open(path)?);
        let writer = Writer::spawn(rusqlite::Connection::open(path).map_err(rq)?)?;
        let audit = audit::batcher(writer.clone());
        Ok(Self { read, writer, audit })
    }

    /// Parses `sqlite://PATH` (or `sqlite:PATH`) into a path.
    pub fn path_from_url(url: &str) -> Option<&Path> {
        let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
        let rest = rest.split('?').next().unwrap_or(rest);
        (!rest.is_empty()).then(|| Path::new(rest))
    }

    /// Writes a consistent copy of the live database to `dest` (`VACUUM INTO`), safe while the
    /// server runs: it reads one snapshot.
    pub async fn backup_to(&self, dest: &Path) -> StoreResult<()> {
        let dest = dest.to_str().ok_or_else(|| StoreError::Unavailable("backup path is not UTF-8".to_owned()))?;
        self.read.with(|c| c.execute("VACUUM INTO ?1", [dest]).map(|_| ()).map_err(rq))
    }

    /// Runs `PRAGMA integrity_check`; `Ok` when SQLite answers `ok`.
    pub async fn integrity_check(&self) -> StoreResult<()> {
        let answer: String = self.read.with(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(rq))?;
        if answer == "ok" { Ok(()) } else { Err(StoreError::Corrupt(answer)) }
    }
}

/// Checks that `path` is a SQLite database that opens and passes `integrity_check`, without
/// migrating it (used by `restore` before the file is put in place).
pub async fn check_file(path: &Path) -> StoreResult<()> {
    let mut conn = SqliteConnectOptions::from_str("sqlite://").map_err(map_err)?.filename(path).read_only(true).connect().await.map_err(map_err)?;
    let answer: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.map_err(map_err)?;
    conn.close().await.map_err(map_err)?;
    if answer == "ok" { Ok(()) } else { Err(StoreError::Corrupt(answer)) }
}

#[async_trait]
impl HealthStore for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.read.with(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(rq))
    }

    fn pool_stats(&self) -> PoolStats {
        let idle = u32::try_from(self.read.idle()).unwrap_or(u32::MAX);
        PoolStats { size: idle, idle }
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}
