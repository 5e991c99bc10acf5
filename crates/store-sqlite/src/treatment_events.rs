//! Treatment events on SQLite (append-only).

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{PatientId, TreatmentEventId, UserId};
use ketaclinic_store::{RecordedEvent, StoreError, StoreResult, TreatmentEventStore};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{from_us, to_us, uuid, wq};
use crate::read::{int, opt_text, text};

fn recorded(row: &Row<'_>) -> StoreResult<RecordedEvent> {
    Ok(RecordedEvent {
        id: TreatmentEventId(uuid(&text(row, "id")?)?),
        patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
        event: serde_json::from_str(&text(row, "event")?).map_err(|e| StoreError::Corrupt(format!("treatment event: {e}")))?,
        recorded_by: opt_text(row, "recorded_by")?.map(|u| uuid(&u).map(UserId)).transpose()?,
        recorded_at: from_us(int(row, "recorded_at")?)?,
    })
}

#[async_trait]
impl TreatmentEventStore for SqliteStore {
    async fn insert_treatment_event(&self, e: &RecordedEvent, audit: AuditEvent) -> StoreResult<()> {
        let e = e.clone();
        let json = serde_json::to_string(&e.event).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        self.writer
            .write(move |w| {
                let exists: Option<i64> =
                    w.conn.query_row("SELECT 1 FROM patients WHERE id = ?1", [e.patient_id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                if exists.is_none() {
                    return Err(StoreError::NotFound);
                }
                w.conn
                    .execute(
                        "INSERT INTO treatment_events (id, patient_id, event, at, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![
                            e.id.to_string(),
                            e.patient_id.to_string(),
                            json,
                            to_us(e.event.at()),
                            e.recorded_by.map(|u| u.to_string()),
                            to_us(e.recorded_at)
                        ],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn treatment_events(&self, patient: PatientId) -> StoreResult<Vec<RecordedEvent>> {
        self.read.all("SELECT * FROM treatment_events WHERE patient_id = ?1 ORDER BY at, id", [patient.to_string()], recorded)
    }

    async fn patients_with_events_since(&self, since: Timestamp) -> StoreResult<Vec<PatientId>> {
        let ids = self.read.all("SELECT DISTINCT patient_id FROM treatment_events WHERE at >= ?1", [to_us(since)], |row| text(row, "patient_id"))?;
        ids.iter().map(|i| uuid(i).map(PatientId)).collect()
    }
}
