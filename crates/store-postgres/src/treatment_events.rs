//! Treatment events on PostgreSQL (append-only).

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{PatientId, TreatmentEventId, UserId};
use ketaclinic_store::{RecordedEvent, StoreError, StoreResult, TreatmentEventStore};
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::audit::append;
use crate::convert::{get_ts, map_err, ts};
use crate::{PgStore, WriteConn};

fn recorded(row: &PgRow) -> StoreResult<RecordedEvent> {
    let event: String = row.try_get("event").map_err(map_err)?;
    Ok(RecordedEvent {
        id: TreatmentEventId(row.try_get("id").map_err(map_err)?),
        patient_id: PatientId(row.try_get("patient_id").map_err(map_err)?),
        event: serde_json::from_str(&event).map_err(|e| StoreError::Corrupt(format!("treatment event: {e}")))?,
        recorded_by: row.try_get::<Option<Uuid>, _>("recorded_by").map_err(map_err)?.map(UserId),
        recorded_at: get_ts(row, "recorded_at")?,
    })
}

#[async_trait]
impl TreatmentEventStore for PgStore {
    async fn insert_treatment_event(&self, e: &RecordedEvent, audit: AuditEvent) -> StoreResult<()> {
        let e = e.clone();
        let json = serde_json::to_string(&e.event).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let exists = sqlx::query("SELECT 1 FROM patients WHERE id = $1").bind(e.patient_id.0).fetch_optional(&mut c.conn).await.map_err(map_err)?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query("INSERT INTO treatment_events (id, patient_id, event, at, recorded_by, recorded_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6)")
                        .bind(e.id.0)
                        .bind(e.patient_id.0)
                        .bind(json)
                        .bind(ts(e.event.at()))
                        .bind(e.recorded_by.map(|u| u.0))
                        .bind(ts(e.recorded_at))
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn treatment_events(&self, patient: PatientId) -> StoreResult<Vec<RecordedEvent>> {
        let rows =
            sqlx::query("SELECT id, patient_id, event::text AS event, recorded_by, recorded_at FROM treatment_events WHERE patient_id = $1 ORDER BY at, id")
                .bind(patient.0)
                .fetch_all(&self.read)
                .await
                .map_err(map_err)?;
        rows.iter().map(recorded).collect()
    }

    async fn patients_with_events_since(&self, since: Timestamp) -> StoreResult<Vec<PatientId>> {
        let rows =
            sqlx::query("SELECT DISTINCT patient_id FROM treatment_events WHERE at >= $1").bind(ts(since)).fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(|r| r.try_get::<Uuid, _>("patient_id").map(PatientId).map_err(map_err)).collect()
    }
}
