//! SPRAVATO REMS monitoring forms on PostgreSQL: the form row and the queue (dosed esketamine
//! sessions that are closed, left-joined with their row).

use async_trait::async_trait;
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{PatientId, TreatmentSessionId, UserId};
use ketaclinic_domain::session::rems_form::{RemsFormRecord, RemsFormStatus, RemsQueueRow};
use ketaclinic_store::{RemsFormStore, StoreError, StoreResult};
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::audit::append;
use crate::convert::{get_opt_ts, get_ts, map_err, opt_ts, to_u64, ts};
use crate::{PgStore, WriteConn};

fn status(raw: &str) -> StoreResult<RemsFormStatus> {
    RemsFormStatus::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("REMS form status {raw}")))
}

/// The form row from columns of `row` (the queue's left join leaves them null when absent).
fn record(row: &PgRow, session: TreatmentSessionId) -> StoreResult<Option<RemsFormRecord>> {
    let Some(raw) = row.try_get::<Option<String>, _>("status").map_err(map_err)? else { return Ok(None) };
    let by: Option<Uuid> = row.try_get("changed_by").map_err(map_err)?;
    let (Some(by), Some(at)) = (by, get_opt_ts(row, "changed_at")?) else {
        return Err(StoreError::Corrupt("REMS form row without its author".to_owned()));
    };
    Ok(Some(RemsFormRecord {
        session_id: session,
        status: status(&raw)?,
        confirmation_number: row.try_get("confirmation_number").map_err(map_err)?,
        submitted_on: row.try_get::<Option<jiff_sqlx::Date>, _>("submitted_on").map_err(map_err)?.map(jiff_sqlx::Date::to_jiff),
        serious_adverse_event: row.try_get("serious_adverse_event").map_err(map_err)?,
        sae_description: row.try_get("sae_description").map_err(map_err)?,
        changed_by: UserId(by),
        changed_at: at,
    }))
}

fn queue_row(row: &PgRow) -> StoreResult<RemsQueueRow> {
    let session_id = TreatmentSessionId(row.try_get("session_id").map_err(map_err)?);
    let state: String = row.try_get("state").map_err(map_err)?;
    Ok(RemsQueueRow {
        session_id,
        patient_id: PatientId(row.try_get("patient_id").map_err(map_err)?),
        given_name: row.try_get("given_name").map_err(map_err)?,
        family_name: row.try_get("family_name").map_err(map_err)?,
        first_dose_at: get_ts(row, "first_dose_at")?,
        state: serde_json::from_value(serde_json::Value::String(state)).map_err(|e| StoreError::Corrupt(format!("session state: {e}")))?,
        record: record(row, session_id)?,
    })
}

#[async_trait]
impl RemsFormStore for PgStore {
    async fn rems_form_record(&self, session: TreatmentSessionId) -> StoreResult<Option<RemsFormRecord>> {
        let row = sqlx::query("SELECT * FROM rems_forms WHERE session_id = $1").bind(session.0).fetch_optional(&self.read).await.map_err(map_err)?;
        Ok(row.as_ref().map(|r| record(r, session)).transpose()?.flatten())
    }

    async fn save_rems_form(&self, r: &RemsFormRecord, expected: RemsFormStatus, audit: AuditEvent) -> StoreResult<()> {
        let r = r.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let exists = sqlx::query("SELECT 1 FROM treatment_sessions WHERE id = $1").bind(r.session_id.0).fetch_optional(&mut c.conn).await.map_err(map_err)?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    let current: Option<String> = sqlx::query_scalar("SELECT status FROM rems_forms WHERE session_id = $1 FOR UPDATE")
                        .bind(r.session_id.0)
                        .fetch_optional(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    let current = current.as_deref().map(status).transpose()?.unwrap_or(RemsFormStatus::Draft);
                    if current == RemsFormStatus::Submitted {
                        return Err(StoreError::Conflict("the form was submitted to the REMS and cannot change".to_owned()));
                    }
                    if current != expected {
                        return Err(StoreError::Conflict(format!("the form is {}, not {}", current.as_str(), expected.as_str())));
                    }
                    sqlx::query(
                        "INSERT INTO rems_forms (session_id, status, confirmation_number, submitted_on, serious_adverse_event, sae_description, changed_by, changed_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                         ON CONFLICT (session_id) DO UPDATE SET status = excluded.status, confirmation_number = excluded.confirmation_number,
                             submitted_on = excluded.submitted_on, serious_adverse_event = excluded.serious_adverse_event,
                             sae_description = excluded.sae_description, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                    )
                    .bind(r.session_id.0)
                    .bind(r.status.as_str())
                    .bind(&r.confirmation_number)
                    .bind(r.submitted_on.map(|d| d.to_sqlx()))
                    .bind(r.serious_adverse_event)
                    .bind(&r.sae_description)
                    .bind(r.changed_by.0)
                    .bind(ts(r.changed_at))
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn rems_queue(&self, statuses: &[RemsFormStatus], after: Option<(Timestamp, TreatmentSessionId)>, limit: u32) -> StoreResult<Vec<RemsQueueRow>> {
        let has = |s: RemsFormStatus| statuses.contains(&s);
        let rows = sqlx::query(
            "SELECT * FROM (
                SELECT s.id AS session_id, s.patient_id, s.state, p.given_name, p.family_name,
                       (SELECT MIN(e.at) FROM session_events e WHERE e.session_id = s.id AND e.event IN ('device_administered', 'administration_started')) AS first_dose_at,
                       f.status, f.confirmation_number, f.submitted_on, f.serious_adverse_event, f.sae_description, f.changed_by, f.changed_at
                FROM treatment_sessions s
                JOIN patients p ON p.id = s.patient_id
                LEFT JOIN rems_forms f ON f.session_id = s.id
                WHERE s.modality = 'esketamine_nasal' AND s.state IN ('discharged', 'stopped_early')
             ) q
             WHERE first_dose_at IS NOT NULL
               AND (($1 AND (status IS NULL OR status = 'draft')) OR ($2 AND status = 'ready') OR ($3 AND status = 'submitted'))
               AND ($4::timestamptz IS NULL OR (first_dose_at, session_id) > ($4, $5::uuid))
             ORDER BY first_dose_at, session_id
             LIMIT $6",
        )
        .bind(has(RemsFormStatus::Draft))
        .bind(has(RemsFormStatus::Ready))
        .bind(has(RemsFormStatus::Submitted))
        .bind(opt_ts(after.map(|(t, _)| t)))
        .bind(after.map(|(_, s)| s.0))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(queue_row).collect()
    }

    async fn esketamine_treatments_before(&self, patient: PatientId, before: Timestamp) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM treatment_sessions s WHERE s.patient_id = $1 AND s.modality = 'esketamine_nasal'
               AND EXISTS (SELECT 1 FROM session_events e WHERE e.session_id = s.id AND e.event IN ('device_administered', 'administration_started') AND e.at < $2)",
        )
        .bind(patient.0)
        .bind(ts(before))
        .fetch_one(&self.read)
        .await
        .map_err(map_err)?;
        to_u64(n, "treatment count")
    }
}
