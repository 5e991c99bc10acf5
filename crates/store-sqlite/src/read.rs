//! The read side: SQLite connections used synchronously, inline on the calling task.
//!
//! Why not sqlx here too: sqlx runs every SQLite connection on its own worker thread and hands
//! each query across with two thread wake-ups. Profiling `GET /api/v1/patients/{id}` under load
//! showed half of all CPU time in the kernel's context-switch path and about 1 % in SQLite
//! itself. Reads in WAL mode never wait for the writer and take microseconds from the page
//! cache, so running them directly on the async worker is cheaper than any hand-off. Writes stay
//! on the single sqlx writer (group commit), where the hand-off is paid once per batch.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use ketaclinic_store::{StoreError, StoreResult};
use rusqlite::{Connection, OpenFlags, Params, Row};

/// Idle connections kept for reuse; more are opened under a burst and closed after it.
const MAX_IDLE: usize = 8;

/// A small pool of read connections.
#[derive(Debug)]
pub(crate) struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// Maps a rusqlite error to the storage error the app understands.
pub(crate) fn rq(err: rusqlite::Error) -> StoreError {
    match err {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        other => StoreError::Unavailable(other.to_string()),
    }
}

impl ReadPool {
    /// Opens one connection now, so a bad path fails at start-up.
    pub(crate) fn open(path: &Path) -> StoreResult<Self> {
        let pool = Self { path: path.to_path_buf(), idle: Mutex::new(Vec::new()) };
        let first = pool.connect()?;
        pool.put(first);
        Ok(pool)
    }

    fn connect(&self) -> StoreResult<Connection> {
        // Read-write flags (the connection never writes): a read-only connection cannot create
        // the WAL index if it is the first to open the file after a crash.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(rq)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(rq)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    fn put(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
    }

    /// Runs `f` on a pooled connection.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match pooled {
            Some(conn) => conn,
            None => self.connect()?,
        };
        let result = f(&conn);
        self.put(conn);
        result
    }

    /// Connections currently idle (for `/metrics`).
    pub(crate) fn idle(&self) -> usize {
        self.idle.lock().map(|idle| idle.len()).unwrap_or(0)
    }

    /// Every row of `sql`, parsed.
    pub(crate) fn all<T>(&self, sql: &str, params: impl Params, parse: impl Fn(&Row<'_>) -> StoreResult<T>) -> StoreResult<Vec<T>> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(sql).map_err(rq)?;
            let mut rows = stmt.query(params).map_err(rq)?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(rq)? {
                out.push(parse(row)?);
            }
            Ok(out)
        })
    }

    /// The first row of `sql`, parsed, if any.
    pub(crate) fn one<T>(&self, sql: &str, params: impl Params, parse: impl Fn(&Row<'_>) -> StoreResult<T>) -> StoreResult<Option<T>> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(sql).map_err(rq)?;
            let mut rows = stmt.query(params).map_err(rq)?;
            match rows.next().map_err(rq)? {
                Some(row) => parse(row).map(Some),
                None => Ok(None),
            }
        })
    }
}

/// Column accessors that name the column in errors.
pub(crate) fn text(row: &Row<'_>, col: &str) -> StoreResult<String> {
    row.get(col).map_err(rq)
}

pub(crate) fn opt_text(row: &Row<'_>, col: &str) -> StoreResult<Option<String>> {
    row.get(col).map_err(rq)
}

pub(crate) fn int(row: &Row<'_>, col: &str) -> StoreResult<i64> {
    row.get(col).map_err(rq)
}

pub(crate) fn opt_int(row: &Row<'_>, col: &str) -> StoreResult<Option<i64>> {
    row.get(col).map_err(rq)
}
