//! Chart entries on PostgreSQL: the current version in `chart_entries`, every version in
//! `chart_versions` (append-only). Bodies travel as text cast to JSONB, as patient versions do.

use async_trait::async_trait;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::chart::{ChartBody, ChartEntry, ChartKind};
use ketaclinic_domain::ids::{ChartEntryId, PatientId, UserId};
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};
use ketaclinic_store::{ChartStore, StoreError, StoreResult};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use crate::audit::append;
use crate::convert::{corrupt, get_ts, map_err, to_i32, to_u32, ts};
use crate::{PgStore, WriteConn};

fn entry(row: &PgRow) -> StoreResult<ChartEntry> {
    let kind: String = row.try_get("kind").map_err(map_err)?;
    let kind = ChartKind::parse(&kind).map_err(corrupt("chart kind"))?;
    let body: String = row.try_get("body").map_err(map_err)?;
    let body: serde_json::Value = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("chart body: {e}")))?;
    let status: String = row.try_get("status").map_err(map_err)?;
    let reason: Option<String> = row.try_get("reason").map_err(map_err)?;
    Ok(ChartEntry {
        id: ChartEntryId(row.try_get("entry_id").map_err(map_err)?),
        patient_id: row.try_get::<Option<Uuid>, _>("patient_id").map_err(map_err)?.map(PatientId),
        version: Version(to_u32(row.try_get("version").map_err(map_err)?, "version")?),
        status: RecordStatus::parse(&status).map_err(corrupt("chart status"))?,
        body: ChartBody::from_json(kind, body).map_err(|e| StoreError::Corrupt(format!("chart body of {}: {e}", kind.as_str())))?,
        reason: reason.map(|r| ChangeReason::parse(&r).map_err(corrupt("reason"))).transpose()?,
        recorded_by: UserId(row.try_get("recorded_by").map_err(map_err)?),
        recorded_at: get_ts(row, "recorded_at")?,
    })
}

/// The current version with its author and reason (a macro so queries stay literals).
macro_rules! current {
    () => {
        "SELECT v.entry_id, e.patient_id, v.version, v.kind, v.status, v.body::text AS body, v.reason, v.recorded_by, v.recorded_at \
         FROM chart_entries e JOIN chart_versions v ON v.entry_id = e.id AND v.version = e.current_version"
    };
}

/// Filters of a chart list after the owner condition: `$1` kinds (empty = all), `$2` whether
/// entered-in-error entries are included.
macro_rules! list_tail {
    () => {
        " AND (cardinality($1::text[]) = 0 OR e.kind = ANY($1)) AND ($2 OR e.status = 'active') ORDER BY e.created_at, e.id"
    };
}

fn body_text(e: &ChartEntry) -> StoreResult<String> {
    serde_json::to_string(&e.body.to_json()).map_err(|err| StoreError::Corrupt(err.to_string()))
}

async fn insert_version(conn: &mut PgConnection, e: &ChartEntry, body: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO chart_versions (entry_id, version, kind, status, body, reason, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)",
    )
    .bind(e.id.0)
    .bind(to_i32(e.version.0)?)
    .bind(e.kind().as_str())
    .bind(e.status.as_str())
    .bind(body)
    .bind(e.reason.as_ref().map(ChangeReason::as_str))
    .bind(e.recorded_by.0)
    .bind(ts(e.recorded_at))
    .execute(conn)
    .await
    .map(|_| ())
    .map_err(map_err)
}

#[async_trait]
impl ChartStore for PgStore {
    async fn insert_chart_entry(&self, entry: &ChartEntry, audit: AuditEvent) -> StoreResult<()> {
        let e = entry.clone();
        let body = body_text(&e)?;
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    if let Some(p) = e.patient_id {
                        let exists = sqlx::query("SELECT 1 FROM patients WHERE id = $1").bind(p.0).fetch_optional(&mut c.conn).await.map_err(map_err)?;
                        if exists.is_none() {
                            return Err(StoreError::NotFound);
                        }
                    }
                    sqlx::query(
                        "INSERT INTO chart_entries (id, patient_id, kind, current_version, status, body, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $7)",
                    )
                    .bind(e.id.0)
                    .bind(e.patient_id.map(|p| p.0))
                    .bind(e.kind().as_str())
                    .bind(to_i32(e.version.0)?)
                    .bind(e.status.as_str())
                    .bind(&body)
                    .bind(ts(e.recorded_at))
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    insert_version(&mut c.conn, &e, &body).await?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn revise_chart_entry(&self, entry: &ChartEntry, audit: AuditEvent) -> StoreResult<()> {
        let e = entry.clone();
        let body = body_text(&e)?;
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let version = to_i32(e.version.0)?;
                    let done = sqlx::query(
                        "UPDATE chart_entries SET current_version = $1, status = $2, body = $3::jsonb, updated_at = $4 \
                         WHERE id = $5 AND current_version = $6 AND kind = $7",
                    )
                    .bind(version)
                    .bind(e.status.as_str())
                    .bind(&body)
                    .bind(ts(e.recorded_at))
                    .bind(e.id.0)
                    .bind(version - 1)
                    .bind(e.kind().as_str())
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        let exists =
                            sqlx::query("SELECT 1 FROM chart_entries WHERE id = $1").bind(e.id.0).fetch_optional(&mut c.conn).await.map_err(map_err)?;
                        return Err(if exists.is_some() {
                            StoreError::Conflict("the entry changed since it was read".to_owned())
                        } else {
                            StoreError::NotFound
                        });
                    }
                    insert_version(&mut c.conn, &e, &body).await?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn chart_entry(&self, id: ChartEntryId) -> StoreResult<Option<ChartEntry>> {
        let row = sqlx::query(concat!(current!(), " WHERE e.id = $1")).bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(entry).transpose()
    }

    async fn chart_entries(&self, patient: Option<PatientId>, kinds: &[ChartKind], include_entered_in_error: bool) -> StoreResult<Vec<ChartEntry>> {
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        // Two shapes rather than `IS NOT DISTINCT FROM`, which no index can serve.
        let sql = if patient.is_some() {
            concat!(current!(), " WHERE e.patient_id = $3", list_tail!())
        } else {
            concat!(current!(), " WHERE e.patient_id IS NULL AND $3::uuid IS NULL", list_tail!())
        };
        let rows = sqlx::query(sql).bind(kinds).bind(include_entered_in_error).bind(patient.map(|p| p.0)).fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(entry).collect()
    }

    async fn chart_history(&self, id: ChartEntryId) -> StoreResult<Vec<ChartEntry>> {
        let rows = sqlx::query(
            "SELECT v.entry_id, e.patient_id, v.version, v.kind, v.status, v.body::text AS body, v.reason, v.recorded_by, v.recorded_at \
             FROM chart_versions v JOIN chart_entries e ON e.id = v.entry_id WHERE v.entry_id = $1 ORDER BY v.version",
        )
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(entry).collect()
    }
}
