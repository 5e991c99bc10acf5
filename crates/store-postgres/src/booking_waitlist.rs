//! The scheduling waitlist on PostgreSQL (see [`ketaclinic_store::booking_port`]): entries are
//! removed with a reason, never deleted, so who waited and why they left stays on record.

use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{PatientId, UserId, WaitlistEntryId};
use ketaclinic_store::booking_port::{
    WaitlistRecord, days_from_text, days_to_text, kind_str, parse_kind, parse_urgency, urgency_str, windows_from_text, windows_to_text,
};
use ketaclinic_store::{StoreError, StoreResult};
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::audit::append;
use crate::convert::{get_opt_ts, get_ts, map_err, ts};
use crate::{PgStore, WriteConn};

fn get<T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>>(row: &PgRow, column: &str) -> StoreResult<T> {
    row.try_get(column).map_err(map_err)
}

fn entry(row: &PgRow) -> StoreResult<WaitlistRecord> {
    let (kind, urgency): (String, String) = (get(row, "kind")?, get(row, "urgency")?);
    Ok(WaitlistRecord {
        id: WaitlistEntryId(get(row, "id")?),
        patient: PatientId(get(row, "patient_id")?),
        kind: parse_kind(&kind).ok_or_else(|| StoreError::Corrupt(format!("waitlist kind {kind}")))?,
        days: days_from_text(&get::<String>(row, "days")?)?,
        windows: windows_from_text(&get::<String>(row, "windows")?)?,
        urgency: parse_urgency(&urgency).ok_or_else(|| StoreError::Corrupt(format!("urgency {urgency}")))?,
        added_by: UserId(get(row, "added_by")?),
        added_at: get_ts(row, "added_at")?,
    })
}

impl PgStore {
    pub(crate) async fn add_waitlist_entry(&self, e: &WaitlistRecord, audit: AuditEvent) -> StoreResult<()> {
        let e = e.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let found = sqlx::query("SELECT 1 FROM patients WHERE id = $1").bind(e.patient.0).fetch_optional(&mut c.conn).await.map_err(map_err)?;
                    if found.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query("INSERT INTO waitlist_entries (id, patient_id, kind, days, windows, urgency, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                        .bind(e.id.0)
                        .bind(e.patient.0)
                        .bind(kind_str(e.kind))
                        .bind(days_to_text(&e.days))
                        .bind(windows_to_text(&e.windows))
                        .bind(urgency_str(e.urgency))
                        .bind(e.added_by.0)
                        .bind(ts(e.added_at))
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    pub(crate) async fn remove_waitlist_entry(&self, id: WaitlistEntryId, reason: &str, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        let reason = reason.to_owned();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let row =
                        sqlx::query("SELECT removed_at FROM waitlist_entries WHERE id = $1").bind(id.0).fetch_optional(&mut c.conn).await.map_err(map_err)?;
                    match row {
                        None => return Err(StoreError::NotFound),
                        Some(r) if get_opt_ts(&r, "removed_at")?.is_some() => return Err(StoreError::Conflict("the entry was already removed".to_owned())),
                        Some(_) => {}
                    }
                    sqlx::query("UPDATE waitlist_entries SET removed_at = $1, remove_reason = $2 WHERE id = $3")
                        .bind(ts(at))
                        .bind(&reason)
                        .bind(id.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    pub(crate) async fn waitlist_entries(&self) -> StoreResult<Vec<WaitlistRecord>> {
        let rows = sqlx::query("SELECT * FROM waitlist_entries WHERE removed_at IS NULL ORDER BY added_at, id").fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(entry).collect()
    }
}
