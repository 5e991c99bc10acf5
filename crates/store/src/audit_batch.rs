//! Batching of audit events that come without a change of their own (reads, denials).
//!
//! Every read of patient data writes an audit event, and the data may be returned only once
//! that event is durable. Sent one by one, each read would cost a writer job (a savepoint, a
//! chain-head lookup, an insert). The batcher gathers the events of all reads waiting at the
//! same moment into one job with one multi-row insert, and answers every waiting read once that
//! job has committed. Under load a whole burst of reads shares one job and one fsync.

use futures::future::BoxFuture;
use ketaclinic_domain::audit::AuditEvent;
use tokio::sync::{mpsc, oneshot};

use crate::error::{StoreError, StoreResult};

/// Most callers whose events share one job.
const MAX_WAITERS: usize = 512;

type Waiter = (Vec<AuditEvent>, oneshot::Sender<StoreResult<()>>);

/// Flushes a batch of events (one writer job); supplied by the adapter.
pub type Flush = Box<dyn Fn(Vec<AuditEvent>) -> BoxFuture<'static, StoreResult<()>> + Send + Sync>;

/// Handle to the batching task; cheap to clone.
#[derive(Debug, Clone)]
pub struct AuditBatcher {
    queue: mpsc::Sender<Waiter>,
}

impl AuditBatcher {
    /// Starts the batching task; `flush` appends a batch durably.
    pub fn spawn(flush: Flush) -> Self {
        let (queue, mut rx) = mpsc::channel::<Waiter>(4 * MAX_WAITERS);
        tokio::spawn(async move {
            let mut waiting = Vec::with_capacity(MAX_WAITERS);
            while rx.recv_many(&mut waiting, MAX_WAITERS).await > 0 {
                let mut events = Vec::with_capacity(waiting.len());
                let mut answers = Vec::with_capacity(waiting.len());
                for (batch, answer) in waiting.drain(..) {
                    events.extend(batch);
                    answers.push(answer);
                }
                let result = flush(events).await;
                for answer in answers {
                    let _ = answer.send(result.clone());
                }
            }
        });
        Self { queue }
    }

    /// Appends `events`; returns once they are committed.
    pub async fn append(&self, events: Vec<AuditEvent>) -> StoreResult<()> {
        let (tx, rx) = oneshot::channel();
        self.queue.send((events, tx)).await.map_err(|_| StoreError::Unavailable("the audit batcher has stopped".to_owned()))?;
        rx.await.map_err(|_| StoreError::Unavailable("the audit batcher stopped before committing".to_owned()))?
    }
}
