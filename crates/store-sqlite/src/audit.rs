//! The audit log on SQLite: appended inside the writer's transactions, read from the pool.

use async_trait::async_trait;
use ketaclinic_domain::audit::{AuditEvent, AuditOutcome, AuditRecord, GENESIS_HASH};
use ketaclinic_domain::ids::{AuditEventId, PatientId, UserId};
use ketaclinic_domain::staff::Role;
use ketaclinic_store::audit_batch::AuditBatcher;
use ketaclinic_store::{AuditFilter, AuditStore, StoreError, StoreResult};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, params, params_from_iter};

use crate::SqliteStore;
use crate::convert::{corrupt, from_us, to_i64, to_u64, to_us, uuid, wq};
use crate::read::{int, opt_text, text};
use crate::writer::{WriteState, Writer};

/// Chains and inserts `events` after the current head. Runs inside the writer's transaction,
/// which holds SQLite's write lock, so the head cannot move underneath it.
pub(crate) fn append(w: &mut WriteState, events: Vec<AuditEvent>) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let (mut seq, mut prev) = match w.head.take() {
        Some(head) => head,
        None => {
            let head: Option<(i64, String)> =
                w.conn.query_row("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(wq)?;
            match head {
                Some((seq, hash)) => (to_u64(seq, "audit seq")?, hash),
                None => (0, GENESIS_HASH.to_owned()),
            }
        }
    };
    let count = u64::try_from(events.len()).unwrap_or(u64::MAX);
    let mut insert = w
        .conn
        .prepare_cached(
            "INSERT INTO audit_events (seq, id, at, actor_id, actor_label, actor_role, action, resource_type, resource_id, \
             patient_id, client_addr, user_agent, outcome, detail, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )
        .map_err(wq)?;
    for event in events {
        seq += 1;
        let rec = event.chain(seq, &prev);
        let e = &rec.event;
        insert
            .execute(params![
                to_i64(rec.seq)?,
                e.id.to_string(),
                to_us(e.at),
                e.actor_id.map(|u| u.to_string()),
                e.actor_label,
                e.actor_role.map(Role::as_str),
                e.action,
                e.resource_type,
                e.resource_id,
                e.patient_id.map(|p| p.to_string()),
                e.client_addr,
                e.user_agent,
                e.outcome.as_str(),
                e.detail,
                rec.prev_hash,
                rec.hash
            ])
            .map_err(wq)?;
        prev = rec.hash;
    }
    drop(insert);
    // Only now, with every row inserted, is the new head known to be right.
    w.head = Some((seq, prev));
    // Counted when written into the batch's transaction; a batch that fails to commit is rare
    // and reported to its callers, so the counter may run slightly ahead of the table.
    metrics::counter!("audit_events_appended_total").increment(count);
    Ok(())
}

/// The batcher that gathers read-audit events into one writer job.
pub(crate) fn batcher(writer: Writer) -> AuditBatcher {
    AuditBatcher::spawn(Box::new(move |events| {
        let writer = writer.clone();
        Box::pin(async move { writer.write(move |w| append(w, events)).await })
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
