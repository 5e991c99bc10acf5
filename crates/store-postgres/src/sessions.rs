//! Treatment sessions on PostgreSQL: the session, its events (append-only) and vital signs.

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{CourseId, PatientId, SessionAlertId, SessionEventId, TreatmentSessionId, UserId};
use ketaclinic_domain::session::{Session, SessionAlert, SessionAlertAck, SessionEventRecord, SessionState, VitalReading, Vitals};
use ketaclinic_store::{SessionStore, StoreError, StoreResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::audit::append;
use crate::convert::{corrupt, get_ts, map_err, to_i32, to_u32, ts};
use crate::{PgStore, WriteConn};

/// The snake_case serde name of a unit enum variant (state, event).
fn name<T: Serialize>(value: &T) -> StoreResult<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(StoreError::Corrupt(format!("expected a name, got {other}"))),
        Err(e) => Err(StoreError::Corrupt(e.to_string())),
    }
}

/// Parses a stored snake_case serde name.
fn parse<T: DeserializeOwned>(raw: String, what: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(raw)).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn opt_u32(row: &PgRow, col: &str) -> StoreResult<Option<u32>> {
    row.try_get::<Option<i32>, _>(col).map_err(map_err)?.map(|v| to_u32(v, col)).transpose()
}

fn opt_i32(value: Option<u32>) -> StoreResult<Option<i32>> {
    value.map(to_i32).transpose()
}

fn session(row: &PgRow) -> StoreResult<Session> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(map_err);
    Ok(Session {
        id: TreatmentSessionId(row.try_get("id").map_err(map_err)?),
        patient_id: PatientId(row.try_get("patient_id").map_err(map_err)?),
        modality: Modality::parse(&s("modality")?).map_err(corrupt("session modality"))?,
        chair: row.try_get("chair").map_err(map_err)?,
        state: parse(s("state")?, "session state")?,
        thresholds: serde_json::from_str(&s("thresholds")?).map_err(|e| StoreError::Corrupt(format!("session thresholds: {e}")))?,
        course_id: row.try_get::<Option<uuid::Uuid>, _>("course_id").map_err(map_err)?.map(CourseId),
        // NULL on sessions booked before protocols were versioned: they used version 0.
        protocol_version: opt_u32(row, "protocol_version")?.unwrap_or(0),
        created_by: UserId(row.try_get("created_by").map_err(map_err)?),
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

fn session_event(row: &PgRow) -> StoreResult<SessionEventRecord> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(map_err);
    Ok(SessionEventRecord {
        id: SessionEventId(row.try_get("id").map_err(map_err)?),
        session_id: TreatmentSessionId(row.try_get("session_id").map_err(map_err)?),
        event: parse(s("event")?, "session event")?,
        at: get_ts(row, "at")?,
        payload: serde_json::from_str(&s("payload")?).map_err(|e| StoreError::Corrupt(format!("session event payload: {e}")))?,
        recorded_by: UserId(row.try_get("recorded_by").map_err(map_err)?),
        recorded_at: get_ts(row, "recorded_at")?,
    })
}

fn reading(row: &PgRow) -> StoreResult<VitalReading> {
    Ok(VitalReading {
        at: get_ts(row, "at")?,
        device_id: row.try_get("device_id").map_err(map_err)?,
        vitals: Vitals {
            systolic: opt_u32(row, "systolic")?,
            diastolic: opt_u32(row, "diastolic")?,
            heart_rate: opt_u32(row, "heart_rate")?,
            spo2: opt_u32(row, "spo2")?,
            resp_rate: opt_u32(row, "resp_rate")?,
        },
    })
}

fn session_alert(row: &PgRow) -> StoreResult<SessionAlert> {
    let by: Option<uuid::Uuid> = row.try_get("acknowledged_by").map_err(map_err)?;
    let acknowledgement = match by {
        Some(by) => Some(SessionAlertAck { by: UserId(by), at: get_ts(row, "acknowledged_at")?, note: row.try_get("note").map_err(map_err)? }),
        None => None,
    };
    Ok(SessionAlert {
        id: SessionAlertId(row.try_get("id").map_err(map_err)?),
        session_id: TreatmentSessionId(row.try_get("session_id").map_err(map_err)?),
        code: parse(row.try_get("code").map_err(map_err)?, "session alert code")?,
        message: row.try_get("message").map_err(map_err)?,
        at: get_ts(row, "at")?,
        device_id: row.try_get("device_id").map_err(map_err)?,
        raised_at: get_ts(row, "raised_at")?,
        acknowledgement,
    })
}

async fn session_exists(conn: &mut PgConnection, id: TreatmentSessionId) -> StoreResult<bool> {
    let found = sqlx::query("SELECT 1 FROM treatment_sessions WHERE id = $1").bind(id.0).fetch_optional(conn).await.map_err(map_err)?;
    Ok(found.is_some())
}

#[async_trait]
impl SessionStore for PgStore {
    async fn insert_treatment_session(&self, s: &Session, audit: AuditEvent) -> StoreResult<()> {
        let s = s.clone();
        let state = name(&s.state)?;
        let thresholds = serde_json::to_string(&s.thresholds).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let protocol_version = to_i32(s.protocol_version)?;
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let exists = sqlx::query("SELECT 1 FROM patients WHERE id = $1").bind(s.patient_id.0).fetch_optional(&mut c.conn).await.map_err(map_err)?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query(
                        "INSERT INTO treatment_sessions (id, patient_id, modality, chair, state, thresholds, created_by, created_at, updated_at, course_id, \
                         protocol_version) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11)",
                    )
                    .bind(s.id.0)
                    .bind(s.patient_id.0)
                    .bind(s.modality.as_str())
                    .bind(&s.chair)
                    .bind(state)
                    .bind(thresholds)
                    .bind(s.created_by.0)
                    .bind(ts(s.created_at))
                    .bind(ts(s.updated_at))
                    .bind(s.course_id.map(|c| c.0))
                    .bind(protocol_version)
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn treatment_session(&self, id: TreatmentSessionId) -> StoreResult<Option<Session>> {
        let row = sqlx::query(
            "SELECT id, patient_id, modality, chair, state, thresholds::text AS thresholds, created_by, created_at, updated_at, course_id, protocol_version FROM treatment_sessions WHERE id = $1",
        )
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(session).transpose()
    }

    async fn open_sessions(&self) -> StoreResult<Vec<Session>> {
        let rows = sqlx::query(
            "SELECT id, patient_id, modality, chair, state, thresholds::text AS thresholds, created_by, created_at, updated_at, course_id, protocol_version FROM treatment_sessions \
             WHERE state NOT IN ('discharged', 'stopped_early') ORDER BY created_at, id",
        )
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(session).collect()
    }

    async fn patient_sessions(&self, patient: PatientId) -> StoreResult<Vec<Session>> {
        let rows = sqlx::query(
            "SELECT id, patient_id, modality, chair, state, thresholds::text AS thresholds, created_by, created_at, updated_at, course_id, protocol_version FROM treatment_sessions \
             WHERE patient_id = $1 ORDER BY created_at, id",
        )
        .bind(patient.0)
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(session).collect()
    }

    async fn append_session_event(&self, e: &SessionEventRecord, expected: SessionState, next: SessionState, audit: AuditEvent) -> StoreResult<()> {
        let e = e.clone();
        let (expected, next, event) = (name(&expected)?, name(&next)?, name(&e.event)?);
        let payload = serde_json::to_string(&e.payload).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let moved = sqlx::query("UPDATE treatment_sessions SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
                        .bind(&next)
                        .bind(ts(e.recorded_at))
                        .bind(e.session_id.0)
                        .bind(&expected)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    if moved.rows_affected() == 0 {
                        return Err(if session_exists(&mut c.conn, e.session_id).await? {
                            StoreError::Conflict(format!("the session is no longer {expected}"))
                        } else {
                            StoreError::NotFound
                        });
                    }
                    sqlx::query(
                        "INSERT INTO session_events (id, session_id, event, at, payload, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)",
                    )
                    .bind(e.id.0)
                    .bind(e.session_id.0)
                    .bind(event)
                    .bind(ts(e.at))
                    .bind(payload)
                    .bind(e.recorded_by.0)
                    .bind(ts(e.recorded_at))
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn session_events(&self, id: TreatmentSessionId) -> StoreResult<Vec<SessionEventRecord>> {
        let rows = sqlx::query(
            "SELECT id, session_id, event, at, payload::text AS payload, recorded_by, recorded_at FROM session_events \
             WHERE session_id = $1 ORDER BY at, recorded_at, id",
        )
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(session_event).collect()
    }

    async fn sessions_dosed_between(&self, from: Timestamp, to: Timestamp) -> StoreResult<Vec<TreatmentSessionId>> {
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT DISTINCT session_id FROM session_events WHERE event IN ('administration_started', 'device_administered') AND at >= $1 AND at < $2 \
             ORDER BY session_id",
        )
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        Ok(ids.into_iter().map(TreatmentSessionId).collect())
    }

    async fn insert_vitals(
        &self,
        id: TreatmentSessionId,
        readings: &[(VitalReading, Vec<SessionAlert>)],
        recorded_at: Timestamp,
        audit: AuditEvent,
    ) -> StoreResult<Vec<bool>> {
        let mut rows = Vec::with_capacity(readings.len());
        for (r, alerts) in readings {
            let v = r.vitals;
            let alerts = alerts.iter().map(|a| Ok((a.id.0, name(&a.code)?, a.message.clone()))).collect::<StoreResult<Vec<_>>>()?;
            rows.push((
                r.device_id.clone(),
                r.at,
                [opt_i32(v.systolic)?, opt_i32(v.diastolic)?, opt_i32(v.heart_rate)?, opt_i32(v.spo2)?, opt_i32(v.resp_rate)?],
                alerts,
            ));
        }
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    if !session_exists(&mut c.conn, id).await? {
                        return Err(StoreError::NotFound);
                    }
                    let mut fresh = Vec::with_capacity(rows.len());
                    for (device, at, [systolic, diastolic, heart_rate, spo2, resp_rate], alerts) in &rows {
                        let done = sqlx::query(
                            "INSERT INTO session_vitals (session_id, device_id, at, systolic, diastolic, heart_rate, spo2, resp_rate, recorded_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                        )
                        .bind(id.0)
                        .bind(device)
                        .bind(ts(*at))
                        .bind(systolic)
                        .bind(diastolic)
                        .bind(heart_rate)
                        .bind(spo2)
                        .bind(resp_rate)
                        .bind(ts(recorded_at))
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                        let new = done.rows_affected() == 1;
                        // An alert is stored only with its new reading.
                        for (alert_id, code, message) in alerts.iter().filter(|_| new) {
                            sqlx::query(
                                "INSERT INTO session_alerts (id, session_id, code, message, at, device_id, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                                 ON CONFLICT DO NOTHING",
                            )
                            .bind(alert_id)
                            .bind(id.0)
                            .bind(code)
                            .bind(message)
                            .bind(ts(*at))
                            .bind(device)
                            .bind(ts(recorded_at))
                            .execute(&mut c.conn)
                            .await
                            .map_err(map_err)?;
                        }
                        fresh.push(new);
                    }
                    append(&mut c.conn, vec![audit]).await?;
                    Ok(fresh)
                })
            })
            .await
    }

    async fn vitals(&self, id: TreatmentSessionId) -> StoreResult<Vec<VitalReading>> {
        let rows =
            sqlx::query("SELECT * FROM session_vitals WHERE session_id = $1 ORDER BY at, device_id").bind(id.0).fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(reading).collect()
    }

    async fn session_alerts(&self, id: TreatmentSessionId) -> StoreResult<Vec<SessionAlert>> {
        let rows = sqlx::query(
            "SELECT a.*, k.acknowledged_by, k.acknowledged_at, k.note FROM session_alerts a LEFT JOIN session_alert_acks k ON k.alert_id = a.id \
             WHERE a.session_id = $1 ORDER BY a.at, a.device_id, a.code",
        )
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(session_alert).collect()
    }

    async fn acknowledge_session_alert(&self, session: TreatmentSessionId, alert: SessionAlertId, ack: &SessionAlertAck, audit: AuditEvent) -> StoreResult<()> {
        let ack = ack.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let found = sqlx::query("SELECT 1 FROM session_alerts WHERE id = $1 AND session_id = $2")
                        .bind(alert.0)
                        .bind(session.0)
                        .fetch_optional(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    if found.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    let done = sqlx::query(
                        "INSERT INTO session_alert_acks (alert_id, acknowledged_by, acknowledged_at, note) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    )
                    .bind(alert.0)
                    .bind(ack.by.0)
                    .bind(ts(ack.at))
                    .bind(&ack.note)
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict("the alert was already acknowledged".to_owned()));
                    }
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }
}
