//! The audit log on SQLite: appended inside the writer's transactions, read from the pool.

use async_trait::async_trait;
use ketaclinic_domain::audit::{AuditEvent, AuditOutcome, AuditRecord, GENESIS_HASH};
use ketaclinic_domain::ids::{AuditEventId, PatientId, UserId};
use ketaclinic_domain::staff::Role;
use ketaclinic_store::audit_batch::AuditBatcher;
use ketaclinic_store::group_commit::Writer;
use ketaclinic_store::{AuditFilter, AuditStore, StoreError, StoreResult};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Row};
use sqlx::{QueryBuilder, Sqlite};

use crate::convert::{corrupt, from_us, map_err, to_i64, to_u64, to_us, uuid};
use crate::read::{int, opt_text, text};
use crate::{SqliteStore, WriteConn};

/// Most rows in one INSERT (16 parameters each, well under SQLite's 32 766).
const ROWS_PER_INSERT: usize = 500;

/// Chains and inserts `events` after the current head. Runs inside a write transaction that
/// holds SQLite's write lock, so the head cannot move underneath it.
pub(crate) async fn append(w: &mut WriteConn, events: Vec<AuditEvent>) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let (mut seq, mut prev) = match w.head.take() {
        Some(head) => head,
        None => {
            let head: Option<(i64, String)> =
                sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetch_optional(&mut w.conn).await.map_err(map_err)?;
            match head {
                Some((seq, hash)) => (to_u64(seq, "audit seq")?, hash),
                None => (0, GENESIS_HASH.to_owned()),
            }
        }
    };
    let count = u64::try_from(events.len()).unwrap_or(u64::MAX);
    let mut records = Vec::with_capacity(events.len());
    for event in events {
        seq += 1;
        let rec = event.chain(seq, &prev);
        prev.clone_from(&rec.hash);
        records.push(rec);
    }
    for chunk in records.chunks(ROWS_PER_INSERT) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO audit_events (seq, id, at, actor_id, actor_label, actor_role, action, resource_type, resource_id, \
             patient_id, client_addr, user_agent, outcome, detail, prev_hash, hash) ",
        );
        let mut bad_seq = None;
        q.push_values(chunk, |mut b, rec| {
            let e = &rec.event;
            let seq = i64::try_from(rec.seq).unwrap_or_else(|_| {
                bad_seq = Some(rec.seq);
                i64::MAX
            });
            b.push_bind(seq)
                .push_bind(e.id.to_string())
                .push_bind(to_us(e.at))
                .push_bind(e.actor_id.map(|u| u.to_string()))
                .push_bind(e.actor_label.clone())
                .push_bind(e.actor_role.map(Role::as_str))
                .push_bind(e.action.clone())
                .push_bind(e.resource_type.clone())
                .push_bind(e.resource_id.clone())
                .push_bind(e.patient_id.map(|p| p.to_string()))
                .push_bind(e.client_addr.clone())
                .push_bind(e.user_agent.clone())
                .push_bind(e.outcome.as_str())
                .push_bind(e.detail.clone())
                .push_bind(rec.prev_hash.clone())
                .push_bind(rec.hash.clone());
        });
        if let Some(seq) = bad_seq {
            return Err(StoreError::Corrupt(format!("audit seq {seq} out of range")));
        }
        q.build().execute(&mut w.conn).await.map_err(map_err)?;
    }
    // Only now, with every row inserted, is the new head known to be right.
    w.head = Some((seq, prev));
    // Counted when written into the batch's transaction; a batch that fails to commit is rare
    // and reported to its callers, so the counter may run slightly ahead of the table.
    metrics::counter!("audit_events_appended_total").increment(count);
    Ok(())
}

/// The batcher that gathers read-audit events into one writer job.
pub(crate) fn batcher(writer: Writer<WriteConn>) -> AuditBatcher {
    AuditBatcher::spawn(Box::new(move |events| {
        let writer = writer.clone();
        Box::pin(async move { writer.write(move |c: &mut WriteConn| Box::pin(append(c, events))).await })
    }))
}

fn record(row: &Row<'_>) -> StoreResult<AuditRecord> {
    let role = opt_text(row, "actor_role")?.map(|r| Role::parse(&r).map_err(corrupt("actor_role"))).transpose()?;
    let outcome = text(row, "outcome")?;
    Ok(AuditRecord {
        seq: to_u64(int(row, "seq")?, "seq")?,
        event: AuditEvent {
            id: AuditEventId(uuid(&text(row, "id")?)?),
            at: from_us(int(row, "at")?)?,
            actor_id: opt_text(row, "actor_id")?.map(|s| uuid(&s).map(UserId)).transpose()?,
            actor_label: text(row, "actor_label")?,
            actor_role: role,
            action: text(row, "action")?,
            resource_type: opt_text(row, "resource_type")?,
            resource_id: opt_text(row, "resource_id")?,
            patient_id: opt_text(row, "patient_id")?.map(|s| uuid(&s).map(PatientId)).transpose()?,
            client_addr: opt_text(row, "client_addr")?,
            user_agent: opt_text(row, "user_agent")?,
            outcome: AuditOutcome::parse(&outcome).ok_or_else(|| StoreError::Corrupt(format!("outcome {outcome}")))?,
            detail: opt_text(row, "detail")?,
        },
        prev_hash: text(row, "prev_hash")?,
        hash: text(row, "hash")?,
    })
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, events: Vec<AuditEvent>) -> StoreResult<()> {
        self.audit.append(events).await
    }

    async fn audit_page(&self, filter: &AuditFilter, before_seq: Option<u64>, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let mut sql = String::from("SELECT * FROM audit_events WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        let mut clause = |sql: &mut String, column: &str, op: &str, value: Value| {
            args.push(value);
            sql.push_str(&format!(" AND {column} {op} ?{}", args.len()));
        };
        if let Some(seq) = before_seq {
            clause(&mut sql, "seq", "<", Value::Integer(to_i64(seq)?));
        }
        if let Some(actor) = filter.actor_id {
            clause(&mut sql, "actor_id", "=", Value::Text(actor.to_string()));
        }
        if let Some(patient) = filter.patient_id {
            clause(&mut sql, "patient_id", "=", Value::Text(patient.to_string()));
        }
        if let Some(action) = &filter.action {
            clause(&mut sql, "action", "=", Value::Text(action.clone()));
        }
        if let Some(from) = filter.from {
            clause(&mut sql, "at", ">=", Value::Integer(to_us(from)));
        }
        if let Some(to) = filter.to {
            clause(&mut sql, "at", "<", Value::Integer(to_us(to)));
        }
        args.push(Value::Integer(i64::from(limit)));
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT ?{}", args.len()));
        self.read.all(&sql, params_from_iter(args), record)
    }

    async fn audit_chain_page(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        self.read.all("SELECT * FROM audit_events WHERE seq > ?1 ORDER BY seq LIMIT ?2", [to_i64(after_seq)?, i64::from(limit)], record)
    }
}
