//! Chart entries on SQLite: the current version in `chart_entries`, every version in
//! `chart_versions` (append-only).

use async_trait::async_trait;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::chart::{ChartBody, ChartEntry, ChartKind};
use ketaclinic_domain::ids::{ChartEntryId, PatientId, UserId};
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};
use ketaclinic_store::{ChartStore, StoreError, StoreResult};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{corrupt, from_us, to_u32, to_us, uuid, wq};
use crate::read::{int, opt_text, text};
use crate::writer::WriteState;

/// Reads a row of either table: `chart_entries` names its version `current_version` and has no
/// reason or author columns of its own, so its reads join the matching version row.
fn entry(row: &Row<'_>) -> StoreResult<ChartEntry> {
    let kind = ChartKind::parse(&text(row, "kind")?).map_err(corrupt("chart kind"))?;
    let body: serde_json::Value = serde_json::from_str(&text(row, "body")?).map_err(|e| StoreError::Corrupt(format!("chart body: {e}")))?;
    Ok(ChartEntry {
        id: ChartEntryId(uuid(&text(row, "entry_id")?)?),
        patient_id: opt_text(row, "patient_id")?.map(|p| uuid(&p).map(PatientId)).transpose()?,
        version: Version(to_u32(int(row, "version")?, "version")?),
        status: RecordStatus::parse(&text(row, "status")?).map_err(corrupt("chart status"))?,
        body: ChartBody::from_json(kind, body).map_err(|e| StoreError::Corrupt(format!("chart body of {}: {e}", kind.as_str())))?,
        reason: opt_text(row, "reason")?.map(|r| ChangeReason::parse(&r).map_err(corrupt("reason"))).transpose()?,
        recorded_by: UserId(uuid(&text(row, "recorded_by")?)?),
        recorded_at: from_us(int(row, "recorded_at")?)?,
    })
}

/// The current version with its author and reason.
const CURRENT: &str = "SELECT v.entry_id, e.patient_id, v.version, v.kind, v.status, v.body, v.reason, v.recorded_by, v.recorded_at \
     FROM chart_entries e JOIN chart_versions v ON v.entry_id = e.id AND v.version = e.current_version";

fn insert_version(w: &mut WriteState, e: &ChartEntry, body: &str) -> StoreResult<()> {
    w.conn
        .prepare_cached(
            "INSERT INTO chart_versions (entry_id, version, kind, status, body, reason, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .and_then(|mut st| {
            st.execute(params![
                e.id.to_string(),
                i64::from(e.version.0),
                e.kind().as_str(),
                e.status.as_str(),
                body,
                e.reason.as_ref().map(ChangeReason::as_str),
                e.recorded_by.to_string(),
                to_us(e.recorded_at)
            ])
        })
        .map(|_| ())
        .map_err(wq)
}

fn body_text(e: &ChartEntry) -> StoreResult<String> {
    serde_json::to_string(&e.body.to_json()).map_err(|err| StoreError::Corrupt(err.to_string()))
}

#[async_trait]
impl ChartStore for SqliteStore {
    async fn insert_chart_entry(&self, entry: &ChartEntry, audit: AuditEvent) -> StoreResult<()> {
        let e = entry.clone();
        let body = body_text(&e)?;
        self.writer
            .write(move |w| {
                if let Some(p) = e.patient_id {
                    let exists: Option<i64> = w.conn.query_row("SELECT 1 FROM patients WHERE id = ?1", [p.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound);
                    }
                }
                w.conn
                    .prepare_cached(
                        "INSERT INTO chart_entries (id, patient_id, kind, current_version, status, body, created_at, updated_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                    )
                    .and_then(|mut st| {
                        st.execute(params![
                            e.id.to_string(),
                            e.patient_id.map(|p| p.to_string()),
                            e.kind().as_str(),
                            i64::from(e.version.0),
                            e.status.as_str(),
                            body,
                            to_us(e.recorded_at)
                        ])
                    })
                    .map_err(wq)?;
                insert_version(w, &e, &body)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn revise_chart_entry(&self, entry: &ChartEntry, audit: AuditEvent) -> StoreResult<()> {
        let e = entry.clone();
        let body = body_text(&e)?;
        let expected = i64::from(e.version.0) - 1;
        self.writer
            .write(move |w| {
                let n = w
                    .conn
                    .prepare_cached("UPDATE chart_entries SET current_version = ?1, status = ?2, body = ?3, updated_at = ?4 WHERE id = ?5 AND current_version = ?6 AND kind = ?7")
                    .and_then(|mut st| {
                        st.execute(params![i64::from(e.version.0), e.status.as_str(), body, to_us(e.recorded_at), e.id.to_string(), expected, e.kind().as_str()])
                    })
                    .map_err(wq)?;
                if n == 0 {
                    let exists: Option<i64> = w.conn.query_row("SELECT 1 FROM chart_entries WHERE id = ?1", [e.id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                    return Err(if exists.is_some() { StoreError::Conflict("the entry changed since it was read".to_owned()) } else { StoreError::NotFound });
                }
                insert_version(w, &e, &body)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn chart_entry(&self, id: ChartEntryId) -> StoreResult<Option<ChartEntry>> {
        self.read.one(&format!("{CURRENT} WHERE e.id = ?1"), [id.to_string()], entry)
    }

    async fn chart_entries(&self, patient: Option<PatientId>, kinds: &[ChartKind], include_entered_in_error: bool) -> StoreResult<Vec<ChartEntry>> {
        let kinds = serde_json::to_string(&kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = format!(
            "{CURRENT} WHERE e.patient_id IS ?1 AND (json_array_length(?2) = 0 OR e.kind IN (SELECT value FROM json_each(?2))) \
             AND (?3 OR e.status = 'active') ORDER BY e.created_at, e.id"
        );
        self.read.all(&sql, params![patient.map(|p| p.to_string()), kinds, include_entered_in_error], entry)
    }

    async fn chart_history(&self, id: ChartEntryId) -> StoreResult<Vec<ChartEntry>> {
        self.read.all(
            "SELECT v.entry_id, e.patient_id, v.version, v.kind, v.status, v.body, v.reason, v.recorded_by, v.recorded_at \
             FROM chart_versions v JOIN chart_entries e ON e.id = v.entry_id WHERE v.entry_id = ?1 ORDER BY v.version",
            [id.to_string()],
            entry,
        )
    }
}
