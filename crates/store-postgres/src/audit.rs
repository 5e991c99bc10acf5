//! The audit log on PostgreSQL: appended inside the writer's transactions, read from the pool.

use async_trait::async_trait;
use ketaclinic_domain::audit::{AuditEvent, AuditOutcome, AuditRecord, GENESIS_HASH};
use ketaclinic_domain::ids::{AuditEventId, PatientId, UserId};
use ketaclinic_domain::staff::Role;
use ketaclinic_store::audit_batch::AuditBatcher;
use ketaclinic_store::group_commit::Writer;
use ketaclinic_store::{AuditFilter, AuditStore, StoreError, StoreResult};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use crate::convert::{corrupt, get_ts, map_err, to_i64, to_u64, ts};
use crate::{PgStore, WriteConn};

/// The batcher that gathers read-audit events into one writer job (see
/// `ketaclinic_store::audit_batch`).
pub(crate) fn batcher(writer: Writer<WriteConn>) -> AuditBatcher {
    AuditBatcher::spawn(Box::new(move |events| {
        let writer = writer.clone();
        Box::pin(async move { writer.write(move |c: &mut WriteConn| Box::pin(append(&mut c.conn, events))).await })
    }))
}

/// Chains and inserts `events` after the current head. Runs inside a write transaction that
/// holds the cross-process write lock (see the crate docs), so the head cannot move underneath
/// it, in this process or any other sharing the database.
pub(crate) async fn append(conn: &mut PgConnection, events: Vec<AuditEvent>) -> StoreResult<()> {
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *conn).await.map_err(map_err)?;
    let (mut seq, mut prev) = match head {
        Some((seq, hash)) => (to_u64(seq, "audit seq")?, hash),
        None => (0, GENESIS_HASH.to_owned()),
    };
    let count = u64::try_from(events.len()).unwrap_or(u64::MAX);
    for event in events {
        seq += 1;
        let rec = event.chain(seq, &prev);
        let e = &rec.event;
        sqlx::query(
            "INSERT INTO audit_events (seq, id, at, actor_id, actor_label, actor_role, action, resource_type, resource_id, \
             patient_id, client_addr, user_agent, outcome, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(to_i64(rec.seq)?)
        .bind(e.id.0)
        .bind(ts(e.at))
        .bind(e.actor_id.map(|u| u.0))
        .bind(&e.actor_label)
        .bind(e.actor_role.map(Role::as_str))
        .bind(&e.action)
        .bind(&e.resource_type)
        .bind(&e.resource_id)
        .bind(e.patient_id.map(|p| p.0))
        .bind(&e.client_addr)
        .bind(&e.user_agent)
        .bind(e.outcome.as_str())
        .bind(&e.detail)
        .bind(&rec.prev_hash)
        .bind(&rec.hash)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        prev = rec.hash;
    }
    // Counted when written into the batch's transaction; a batch that fails to commit is rare
    // and reported to its callers, so the counter may run slightly ahead of the table.
    metrics::counter!("audit_events_appended_total").increment(count);
    Ok(())
}

fn record(row: &PgRow) -> StoreResult<AuditRecord> {
    let get_s = |c: &str| row.try_get::<String, _>(c).map_err(map_err);
    let get_o = |c: &str| row.try_get::<Option<String>, _>(c).map_err(map_err);
    let get_id = |c: &str| row.try_get::<Option<Uuid>, _>(c).map_err(map_err);
    let role = get_o("actor_role")?.map(|r| Role::parse(&r).map_err(corrupt("actor_role"))).transpose()?;
    let outcome = get_s("outcome")?;
    Ok(AuditRecord {
        seq: to_u64(row.try_get("seq").map_err(map_err)?, "seq")?,
        event: AuditEvent {
            id: AuditEventId(row.try_get("id").map_err(map_err)?),
            at: get_ts(row, "at")?,
            actor_id: get_id("actor_id")?.map(UserId),
            actor_label: get_s("actor_label")?,
            actor_role: role,
            action: get_s("action")?,
            resource_type: get_o("resource_type")?,
            resource_id: get_o("resource_id")?,
            patient_id: get_id("patient_id")?.map(PatientId),
            client_addr: get_o("client_addr")?,
            user_agent: get_o("user_agent")?,
            outcome: AuditOutcome::parse(&outcome).ok_or_else(|| StoreError::Corrupt(format!("outcome {outcome}")))?,
            detail: get_o("detail")?,
        },
        prev_hash: get_s("prev_hash")?,
        hash: get_s("hash")?,
    })
}

#[async_trait]
impl AuditStore for PgStore {
    async fn append_audit(&self, events: Vec<AuditEvent>) -> StoreResult<()> {
        self.audit.append(events).await
    }

    async fn audit_page(&self, filter: &AuditFilter, before_seq: Option<u64>, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new("SELECT * FROM audit_events WHERE 1 = 1");
        if let Some(seq) = before_seq {
            q.push(" AND seq < ").push_bind(to_i64(seq)?);
        }
        if let Some(actor) = filter.actor_id {
            q.push(" AND actor_id = ").push_bind(actor.0);
        }
        if let Some(patient) = filter.patient_id {
            q.push(" AND patient_id = ").push_bind(patient.0);
        }
        if let Some(action) = &filter.action {
            q.push(" AND action = ").push_bind(action.clone());
        }
        if let Some(from) = filter.from {
            q.push(" AND at >= ").push_bind(ts(from));
        }
        if let Some(to) = filter.to {
            q.push(" AND at < ").push_bind(ts(to));
        }
        q.push(" ORDER BY seq DESC LIMIT ").push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(record).collect()
    }

    async fn audit_chain_page(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query("SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(to_i64(after_seq)?)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        rows.iter().map(record).collect()
    }
}
