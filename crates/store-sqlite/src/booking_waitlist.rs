//! The scheduling waitlist on SQLite (see [`ketaclinic_store::booking_port`]): entries are
//! removed with a reason, never deleted, so who waited and why they left stays on record.

use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{PatientId, UserId, WaitlistEntryId};
use ketaclinic_store::booking_port::{
    WaitlistRecord, days_from_text, days_to_text, kind_str, parse_kind, parse_urgency, urgency_str, windows_from_text, windows_to_text,
};
use ketaclinic_store::{StoreError, StoreResult};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{from_us, to_us, uuid, wq};
use crate::read::{int, text};

fn entry(row: &Row<'_>) -> StoreResult<WaitlistRecord> {
    let (kind, urgency) = (text(row, "kind")?, text(row, "urgency")?);
    Ok(WaitlistRecord {
        id: WaitlistEntryId(uuid(&text(row, "id")?)?),
        patient: PatientId(uuid(&text(row, "patient_id")?)?),
        kind: parse_kind(&kind).ok_or_else(|| StoreError::Corrupt(format!("waitlist kind {kind}")))?,
        days: days_from_text(&text(row, "days")?)?,
        windows: windows_from_text(&text(row, "windows")?)?,
        urgency: parse_urgency(&urgency).ok_or_else(|| StoreError::Corrupt(format!("urgency {urgency}")))?,
        added_by: UserId(uuid(&text(row, "added_by")?)?),
        added_at: from_us(int(row, "added_at")?)?,
    })
}

impl SqliteStore {
    pub(crate) async fn add_waitlist_entry(&self, e: &WaitlistRecord, audit: AuditEvent) -> StoreResult<()> {
        let e = e.clone();
        self.writer
            .write(move |w| {
                if w.conn.query_row("SELECT 1 FROM patients WHERE id = ?1", [e.patient.to_string()], |_| Ok(())).optional().map_err(wq)?.is_none() {
                    return Err(StoreError::NotFound);
                }
                w.conn
                    .execute(
                        "INSERT INTO waitlist_entries (id, patient_id, kind, days, windows, urgency, added_by, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![
                            e.id.to_string(),
                            e.patient.to_string(),
                            kind_str(e.kind),
                            days_to_text(&e.days),
                            windows_to_text(&e.windows),
                            urgency_str(e.urgency),
                            e.added_by.to_string(),
                            to_us(e.added_at)
                        ],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    pub(crate) async fn remove_waitlist_entry(&self, id: WaitlistEntryId, reason: &str, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        let reason = reason.to_owned();
        self.writer
            .write(move |w| {
                let removed: Option<Option<i64>> =
                    w.conn.query_row("SELECT removed_at FROM waitlist_entries WHERE id = ?1", [id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                match removed {
                    None => return Err(StoreError::NotFound),
                    Some(Some(_)) => return Err(StoreError::Conflict("the entry was already removed".to_owned())),
                    Some(None) => {}
                }
                w.conn
                    .execute("UPDATE waitlist_entries SET removed_at = ?1, remove_reason = ?2 WHERE id = ?3", params![to_us(at), reason, id.to_string()])
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    pub(crate) async fn waitlist_entries(&self) -> StoreResult<Vec<WaitlistRecord>> {
        self.read.all("SELECT * FROM waitlist_entries WHERE removed_at IS NULL ORDER BY added_at, id", [], entry)
    }
}
