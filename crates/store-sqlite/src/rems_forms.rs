//! SPRAVATO REMS monitoring forms on SQLite: the form row and the queue (dosed esketamine
//! sessions that are closed, left-joined with their row).

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{PatientId, TreatmentSessionId, UserId};
use ketaclinic_domain::session::rems_form::{RemsFormRecord, RemsFormStatus, RemsQueueRow};
use ketaclinic_store::{RemsFormStore, StoreError, StoreResult};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{from_us, to_u64, to_us, uuid, wq};
use crate::read::{int, opt_int, opt_text, text};

/// The events that mean the patient was dosed.
const DOSED: &str = "('device_administered', 'administration_started')";

fn status(raw: &str) -> StoreResult<RemsFormStatus> {
    RemsFormStatus::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("REMS form status {raw}")))
}

/// The form row from columns of `row` (the queue's left join leaves them null when absent).
fn record(row: &Row<'_>, session: TreatmentSessionId) -> StoreResult<Option<RemsFormRecord>> {
    let Some(raw) = opt_text(row, "status")? else { return Ok(None) };
    let submitted_on = opt_text(row, "submitted_on")?
        .map(|d| d.parse::<jiff::civil::Date>().map_err(|e| StoreError::Corrupt(format!("REMS form submitted_on {d}: {e}"))))
        .transpose()?;
    Ok(Some(RemsFormRecord {
        session_id: session,
        status: status(&raw)?,
        confirmation_number: opt_text(row, "confirmation_number")?,
        submitted_on,
        serious_adverse_event: opt_int(row, "serious_adverse_event")?.map(|v| v != 0),
        sae_description: opt_text(row, "sae_description")?,
        changed_by: UserId(uuid(&text(row, "changed_by")?)?),
        changed_at: from_us(int(row, "changed_at")?)?,
    }))
}

fn queue_row(row: &Row<'_>) -> StoreResult<RemsQueueRow> {
    let session_id = TreatmentSessionId(uuid(&text(row, "session_id")?)?);
    let state = serde_json::from_value(serde_json::Value::String(text(row, "state")?)).map_err(|e| StoreError::Corrupt(format!("session state: {e}")))?;
    Ok(RemsQueueRow {
        session_id,
        patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
        given_name: text(row, "given_name")?,
        family_name: text(row, "family_name")?,
        first_dose_at: from_us(int(row, "first_dose_at")?)?,
        state,
        record: record(row, session_id)?,
    })
}

#[async_trait]
impl RemsFormStore for SqliteStore {
    async fn rems_form_record(&self, session: TreatmentSessionId) -> StoreResult<Option<RemsFormRecord>> {
        let found = self.read.one("SELECT * FROM rems_forms WHERE session_id = ?1", [session.to_string()], |row| record(row, session))?;
        Ok(found.flatten())
    }

    async fn save_rems_form(&self, r: &RemsFormRecord, expected: RemsFormStatus, audit: AuditEvent) -> StoreResult<()> {
        let r = r.clone();
        self.writer
            .write(move |w| {
                let sid = r.session_id.to_string();
                let exists: Option<i64> = w.conn.query_row("SELECT 1 FROM treatment_sessions WHERE id = ?1", [&sid], |x| x.get(0)).optional().map_err(wq)?;
                if exists.is_none() {
                    return Err(StoreError::NotFound);
                }
                let current: Option<String> = w.conn.query_row("SELECT status FROM rems_forms WHERE session_id = ?1", [&sid], |x| x.get(0)).optional().map_err(wq)?;
                let current = current.as_deref().map(status).transpose()?.unwrap_or(RemsFormStatus::Draft);
                if current == RemsFormStatus::Submitted {
                    return Err(StoreError::Conflict("the form was submitted to the REMS and cannot change".to_owned()));
                }
                if current != expected {
                    return Err(StoreError::Conflict(format!("the form is {}, not {}", current.as_str(), expected.as_str())));
                }
                w.conn
                    .execute(
                        "INSERT INTO rems_forms (session_id, status, confirmation_number, submitted_on, serious_adverse_event, sae_description, changed_by, changed_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                         ON CONFLICT (session_id) DO UPDATE SET status = excluded.status, confirmation_number = excluded.confirmation_number,
                             submitted_on = excluded.submitted_on, serious_adverse_event = excluded.serious_adverse_event,
                             sae_description = excluded.sae_description, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                        params![
                            sid,
                            r.status.as_str(),
                            r.confirmation_number,
                            r.submitted_on.map(|d| d.to_string()),
                            r.serious_adverse_event.map(i64::from),
                            r.sae_description,
                            r.changed_by.to_string(),
                            to_us(r.changed_at)
                        ],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn rems_queue(&self, statuses: &[RemsFormStatus], after: Option<(Timestamp, TreatmentSessionId)>, limit: u32) -> StoreResult<Vec<RemsQueueRow>> {
        let has = |s: RemsFormStatus| statuses.contains(&s);
        let sql = format!(
            "SELECT * FROM (
                SELECT s.id AS session_id, s.patient_id, s.state, p.given_name, p.family_name,
                       (SELECT MIN(e.at) FROM session_events e WHERE e.session_id = s.id AND e.event IN {DOSED}) AS first_dose_at,
                       f.status, f.confirmation_number, f.submitted_on, f.serious_adverse_event, f.sae_description, f.changed_by, f.changed_at
                FROM treatment_sessions s
                JOIN patients p ON p.id = s.patient_id
                LEFT JOIN rems_forms f ON f.session_id = s.id
                WHERE s.modality = 'esketamine_nasal' AND s.state IN ('discharged', 'stopped_early')
             ) q
             WHERE first_dose_at IS NOT NULL
               AND ((?1 AND (status IS NULL OR status = 'draft')) OR (?2 AND status = 'ready') OR (?3 AND status = 'submitted'))
               AND (?4 IS NULL OR first_dose_at > ?4 OR (first_dose_at = ?4 AND session_id > ?5))
             ORDER BY first_dose_at, session_id
             LIMIT ?6"
        );
        self.read.all(
            &sql,
            params![
                has(RemsFormStatus::Draft),
                has(RemsFormStatus::Ready),
                has(RemsFormStatus::Submitted),
                after.map(|(t, _)| to_us(t)),
                after.map(|(_, s)| s.to_string()),
                i64::from(limit)
            ],
            queue_row,
        )
    }

    async fn esketamine_treatments_before(&self, patient: PatientId, before: Timestamp) -> StoreResult<u64> {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM treatment_sessions s WHERE s.patient_id = ?1 AND s.modality = 'esketamine_nasal'
               AND EXISTS (SELECT 1 FROM session_events e WHERE e.session_id = s.id AND e.event IN {DOSED} AND e.at < ?2)"
        );
        let n = self.read.one(&sql, params![patient.to_string(), to_us(before)], |row| int(row, "n"))?.unwrap_or(0);
        to_u64(n, "treatment count")
    }
}
