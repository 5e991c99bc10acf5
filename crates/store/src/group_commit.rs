//! The single writer with group commit, shared by both adapters.
//!
//! Every write is a job sent to one task that owns the write connection. The task takes every
//! job waiting in its queue (up to [`MAX_BATCH`]), opens one transaction, runs each job inside
//! its own savepoint (a failing job rolls back alone and reports its own error), commits once and
//! only then answers each job. Under load many writes share one fsync; alone, a write is one
//! transaction as usual. Nothing is acknowledged before the commit returns, so every answered
//! write survives a crash.
//!
//! A single writer keeps the audit hash chain strictly ordered. The PostgreSQL adapter uses
//! this async writer; the SQLite adapter runs the same algorithm on a plain thread
//! (`store-sqlite/src/writer.rs`), because there each statement is cheaper than an async hand-off.

use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use crate::error::{StoreError, StoreResult};

/// Most jobs that share one transaction; bounds the latency one batch adds to the next.
pub const MAX_BATCH: usize = 256;
/// Jobs that may wait for the writer before senders are slowed down.
const QUEUE_DEPTH: usize = 4096;

/// Transaction control the writer needs from a connection; adapters implement it.
pub trait TxConnection: Send + 'static {
    /// Opens the batch's transaction (`BEGIN IMMEDIATE` on SQLite).
    fn begin(&mut self) -> BoxFuture<'_, StoreResult<()>>;
    /// Runs one control statement (`SAVEPOINT`, `RELEASE`, `ROLLBACK TO`, `COMMIT`, `ROLLBACK`).
    fn control(&mut self, sql: &'static str) -> BoxFuture<'_, StoreResult<()>>;
}

/// What a finished job does once the batch's fate is known.
type Completion = Box<dyn FnOnce(StoreResult<()>) + Send>;
type JobFn<C> = Box<dyn for<'c> FnOnce(&'c mut C) -> BoxFuture<'c, (bool, Completion)> + Send>;

/// A handle to the writer task; cheap to clone.
#[derive(Debug)]
pub struct Writer<C> {
    queue: mpsc::Sender<JobFn<C>>,
}

impl<C> Clone for Writer<C> {
    fn clone(&self) -> Self {
        Self { queue: self.queue.clone() }
    }
}

impl<C: TxConnection> Writer<C> {
    /// Starts the writer task on `conn`. The task ends when every handle is dropped.
    pub fn spawn(conn: C) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(run(conn, rx));
        Self { queue }
    }

    /// Runs `job` inside the next group transaction and returns its result once committed.
    pub async fn write<T, F>(&self, job: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut C) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<StoreResult<T>>();
        let job: JobFn<C> = Box::new(move |conn: &mut C| {
            Box::pin(async move {
                let result = job(conn).await;
                let ok = result.is_ok();
                let completion: Completion = Box::new(move |commit: StoreResult<()>| {
                    // The caller may have gone away (client disconnected); the write stands.
                    let _ = tx.send(commit.and(result));
                });
                (ok, completion)
            })
        });
        self.queue.send(job).await.map_err(|_| StoreError::Unavailable("the writer has stopped".to_owned()))?;
        rx.await.map_err(|_| StoreError::Unavailable("the writer stopped before committing".to_owned()))?
    }
}

async fn run<C: TxConnection>(mut conn: C, mut rx: mpsc::Receiver<JobFn<C>>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        if conn.begin().await.is_err() {
            // The jobs never ran; dropping them closes their answer channels, so each caller
            // gets `Unavailable` and nothing was written.
            drop(jobs);
            continue;
        }
        // A lone job needs no savepoint: the transaction itself is its savepoint. That saves
        // two statements per write when the clinic is quiet.
        let alone = jobs.len() == 1;
        let mut completions = Vec::with_capacity(jobs.len());
        let mut broken: Option<StoreError> = None;
        let mut failed_alone = false;
        for job in jobs {
            if broken.is_some() {
                // The transaction is unusable; the job is dropped and its caller sees
                // "writer stopped before committing" via the closed channel.
                continue;
            }
            if !alone && let Err(err) = conn.control("SAVEPOINT job").await {
                broken = Some(err);
                continue;
            }
            let (ok, completion) = job(&mut conn).await;
            if alone {
                failed_alone = !ok;
            } else {
                let end = if ok { conn.control("RELEASE job").await } else { rollback_to(&mut conn).await };
                if let Err(err) = end {
                    broken = Some(err);
                }
            }
            completions.push(completion);
        }
        let outcome = match broken {
            Some(err) => Err(err),
            None if failed_alone => {
                // The job reports its own error; nothing of it may be committed.
                conn.control("ROLLBACK").await
            }
            None => conn.control("COMMIT").await,
        };
        if outcome.is_err() {
            let _ = conn.control("ROLLBACK").await;
        }
        for completion in completions {
            completion(outcome.clone());
        }
    }
}

async fn rollback_to<C: TxConnection>(conn: &mut C) -> StoreResult<()> {
    conn.control("ROLLBACK TO job").await?;
    conn.control("RELEASE job").await
}
