//! The single SQLite writer: one OS thread, one connection, group commit.
//!
//! Same contract as `ketaclinic_store::group_commit` (which the PostgreSQL adapter uses): jobs
//! queue up; the thread takes every waiting job, runs them in one `BEGIN IMMEDIATE` transaction
//! — each in its own savepoint when there is more than one, so a failing job rolls back alone —
//! commits once (one fsync with `synchronous=FULL`) and only then answers each job. It is a
//! synchronous thread rather than an async task because each SQLite statement takes
//! microseconds: handing every statement to a driver thread and back (as an async driver must)
//! cost more than the statements themselves.

use std::time::Duration;

use ketaclinic_store::{StoreError, StoreResult};
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::read::rq;

/// Most jobs that share one transaction; bounds the latency one batch adds to the next.
const MAX_BATCH: usize = 256;
/// Jobs that may wait before senders are slowed down.
const QUEUE_DEPTH: usize = 4096;

/// The connection and what the writer caches about the database.
#[derive(Debug)]
pub struct WriteState {
    pub(crate) conn: Connection,
    /// `(seq, hash)` of the last audit row, when known to be current.
    pub(crate) head: Option<(u64, String)>,
    /// SQLite's `data_version` when last looked: it changes when *another* connection (e.g.
    /// `ketaclinic user add` beside a running server) commits, which makes `head` stale.
    data_version: Option<i64>,
}

type Completion = Box<dyn FnOnce(StoreResult<()>) + Send>;
type Job = Box<dyn FnOnce(&mut WriteState) -> (bool, Completion) + Send>;

/// Handle to the writer thread; cheap to clone.
#[derive(Debug, Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    /// Configures `conn` for durable writes and starts the writer thread.
    pub(crate) fn spawn(conn: Connection) -> StoreResult<Self> {
        conn.busy_timeout(Duration::from_secs(10)).map_err(rq)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;").map_err(rq)?;
        conn.set_prepared_statement_cache_capacity(64);
        let (queue, rx) = mpsc::channel(QUEUE_DEPTH);
        let state = WriteState { conn, head: None, data_version: None };
        std::thread::Builder::new()
            .name("ketaclinic-sqlite-writer".to_owned())
            .spawn(move || run(state, rx))
            .map_err(|e| StoreError::Unavailable(format!("cannot start the writer thread: {e}")))?;
        Ok(Self { queue })
    }

    /// Runs `job` in the next group transaction; returns its result once committed.
    pub(crate) async fn write<T, F>(&self, job: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteState) -> StoreResult<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<StoreResult<T>>();
        let job: Job = Box::new(move |state| {
            let result = job(state);
            let ok = result.is_ok();
            let completion: Completion = Box::new(move |commit| {
                // The caller may have gone away (client disconnected); the write stands.
                let _ = tx.send(commit.and(result));
            });
            (ok, completion)
        });
        self.queue.send(job).await.map_err(|_| StoreError::Unavailable("the writer has stopped".to_owned()))?;
        rx.await.map_err(|_| StoreError::Unavailable("the writer stopped before committing".to_owned()))?
    }
}

fn exec(state: &mut WriteState, sql: &str) -> StoreResult<()> {
    state.conn.execute_batch(sql).map_err(rq)
}

fn begin(state: &mut WriteState) -> StoreResult<()> {
    // IMMEDIATE takes the write lock up front: no other writer can commit until this batch
    // ends, and the batch never fails half-way on a lock.
    exec(state, "BEGIN IMMEDIATE")?;
    let version: i64 = state.conn.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(rq)?;
    if state.data_version != Some(version) {
        state.head = None;
        state.data_version = Some(version);
    }
    Ok(())
}

fn run(mut state: WriteState, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        jobs.push(first);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        if begin(&mut state).is_err() {
            let _ = exec(&mut state, "ROLLBACK");
            // Dropping the jobs closes their answer channels: each caller gets `Unavailable`.
            jobs.clear();
            continue;
        }
        // A lone job needs no savepoint: the transaction itself is its savepoint.
        let alone = jobs.len() == 1;
        let mut completions = Vec::with_capacity(jobs.len());
        let mut broken = None;
        let mut failed_alone = false;
        for job in jobs.drain(..) {
            if broken.is_some() {
                continue;
            }
            if !alone && let Err(err) = exec(&mut state, "SAVEPOINT job") {
                broken = Some(err);
                continue;
            }
            let (ok, completion) = job(&mut state);
            if alone {
                failed_alone = !ok;
            } else if !ok {
                state.head = None;
                if let Err(err) = exec(&mut state, "ROLLBACK TO job; RELEASE job") {
                    broken = Some(err);
                }
            } else if let Err(err) = exec(&mut state, "RELEASE job") {
                broken = Some(err);
            }
            completions.push(completion);
        }
        let outcome = match broken {
            Some(err) => Err(err),
            None if failed_alone => {
                state.head = None;
                exec(&mut state, "ROLLBACK")
            }
            None => exec(&mut state, "COMMIT"),
        };
        if outcome.is_err() {
            state.head = None;
            let _ = exec(&mut state, "ROLLBACK");
        }
        for completion in completions {
            completion(outcome.clone());
        }
    }
}
