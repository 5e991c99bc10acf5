//! Treatment sessions on SQLite: the session, its events (append-only) and vital signs.

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{CourseId, PatientId, SessionAlertId, SessionEventId, TreatmentSessionId, UserId};
use ketaclinic_domain::session::{Session, SessionAlert, SessionAlertAck, SessionEventRecord, SessionState, VitalReading, Vitals};
use ketaclinic_store::{SessionStore, StoreError, StoreResult};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{corrupt, from_us, to_u32, to_us, uuid, wq};
use crate::read::{int, opt_int, opt_text, text};

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

fn opt_u32(row: &Row<'_>, col: &str) -> StoreResult<Option<u32>> {
    opt_int(row, col)?.map(|v| to_u32(v, col)).transpose()
}

fn session(row: &Row<'_>) -> StoreResult<Session> {
    Ok(Session {
        id: TreatmentSessionId(uuid(&text(row, "id")?)?),
        patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
        modality: Modality::parse(&text(row, "modality")?).map_err(corrupt("session modality"))?,
        chair: opt_text(row, "chair")?,
        state: parse(text(row, "state")?, "session state")?,
        thresholds: serde_json::from_str(&text(row, "thresholds")?).map_err(|e| StoreError::Corrupt(format!("session thresholds: {e}")))?,
        course_id: opt_text(row, "course_id")?.map(|c| uuid(&c).map(CourseId)).transpose()?,
        // NULL on sessions booked before protocols were versioned: they used version 0.
        protocol_version: opt_u32(row, "protocol_version")?.unwrap_or(0),
        created_by: UserId(uuid(&text(row, "created_by")?)?),
        created_at: from_us(int(row, "created_at")?)?,
        updated_at: from_us(int(row, "updated_at")?)?,
    })
}

fn session_event(row: &Row<'_>) -> StoreResult<SessionEventRecord> {
    Ok(SessionEventRecord {
        id: SessionEventId(uuid(&text(row, "id")?)?),
        session_id: TreatmentSessionId(uuid(&text(row, "session_id")?)?),
        event: parse(text(row, "event")?, "session event")?,
        at: from_us(int(row, "at")?)?,
        payload: serde_json::from_str(&text(row, "payload")?).map_err(|e| StoreError::Corrupt(format!("session event payload: {e}")))?,
        recorded_by: UserId(uuid(&text(row, "recorded_by")?)?),
        recorded_at: from_us(int(row, "recorded_at")?)?,
    })
}

fn reading(row: &Row<'_>) -> StoreResult<VitalReading> {
    Ok(VitalReading {
        at: from_us(int(row, "at")?)?,
        device_id: text(row, "device_id")?,
        vitals: Vitals {
            systolic: opt_u32(row, "systolic")?,
            diastolic: opt_u32(row, "diastolic")?,
            heart_rate: opt_u32(row, "heart_rate")?,
            spo2: opt_u32(row, "spo2")?,
            resp_rate: opt_u32(row, "resp_rate")?,
        },
    })
}

fn session_alert(row: &Row<'_>) -> StoreResult<SessionAlert> {
    let acknowledged_by = opt_text(row, "acknowledged_by")?;
    let acknowledgement = match acknowledged_by {
        Some(by) => Some(SessionAlertAck {
            by: UserId(uuid(&by)?),
            at: from_us(opt_int(row, "acknowledged_at")?.ok_or_else(|| StoreError::Corrupt("acknowledgement without a time".to_owned()))?)?,
            note: opt_text(row, "note")?,
        }),
        None => None,
    };
    Ok(SessionAlert {
        id: SessionAlertId(uuid(&text(row, "id")?)?),
        session_id: TreatmentSessionId(uuid(&text(row, "session_id")?)?),
        code: parse(text(row, "code")?, "session alert code")?,
        message: text(row, "message")?,
        at: from_us(int(row, "at")?)?,
        device_id: text(row, "device_id")?,
        raised_at: from_us(int(row, "raised_at")?)?,
        acknowledgement,
    })
}

fn session_exists(conn: &rusqlite::Connection, id: TreatmentSessionId) -> StoreResult<bool> {
    // Cached: every vitals batch asks, and re-parsing the statement showed in the ingest profile.
    let mut statement = conn.prepare_cached("SELECT 1 FROM treatment_sessions WHERE id = ?1").map_err(wq)?;
    let found: Option<i64> = statement.query_row([id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
    Ok(found.is_some())
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn insert_treatment_session(&self, s: &Session, audit: AuditEvent) -> StoreResult<()> {
        let s = s.clone();
        let state = name(&s.state)?;
        let thresholds = serde_json::to_string(&s.thresholds).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.writer
            .write(move |w| {
                let exists: Option<i64> =
                    w.conn.query_row("SELECT 1 FROM patients WHERE id = ?1", [s.patient_id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                if exists.is_none() {
                    return Err(StoreError::NotFound);
                }
                w.conn
                    .execute(
                        "INSERT INTO treatment_sessions (id, patient_id, modality, chair, state, thresholds, created_by, created_at, updated_at, course_id, \
                         protocol_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                        params![
                            s.id.to_string(),
                            s.patient_id.to_string(),
                            s.modality.as_str(),
                            s.chair,
                            state,
                            thresholds,
                            s.created_by.to_string(),
                            to_us(s.created_at),
                            to_us(s.updated_at),
                            s.course_id.map(|c| c.to_string()),
                            i64::from(s.protocol_version)
                        ],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn treatment_session(&self, id: TreatmentSessionId) -> StoreResult<Option<Session>> {
        self.read.one("SELECT * FROM treatment_sessions WHERE id = ?1", [id.to_string()], session)
    }

    async fn open_sessions(&self) -> StoreResult<Vec<Session>> {
        self.read.all("SELECT * FROM treatment_sessions WHERE state NOT IN ('discharged', 'stopped_early') ORDER BY created_at, id", [], session)
    }

    async fn patient_sessions(&self, patient: PatientId) -> StoreResult<Vec<Session>> {
        self.read.all("SELECT * FROM treatment_sessions WHERE patient_id = ?1 ORDER BY created_at, id", [patient.to_string()], session)
    }

    async fn append_session_event(&self, e: &SessionEventRecord, expected: SessionState, next: SessionState, audit: AuditEvent) -> StoreResult<()> {
        let e = e.clone();
        let (expected, next, event) = (name(&expected)?, name(&next)?, name(&e.event)?);
        let payload = serde_json::to_string(&e.payload).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        self.writer
            .write(move |w| {
                let moved = w
                    .conn
                    .execute(
                        "UPDATE treatment_sessions SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state = ?4",
                        params![next, to_us(e.recorded_at), e.session_id.to_string(), expected],
                    )
                    .map_err(wq)?;
                if moved == 0 {
                    return Err(if session_exists(&w.conn, e.session_id)? {
                        StoreError::Conflict(format!("the session is no longer {expected}"))
                    } else {
                        StoreError::NotFound
                    });
                }
                w.conn
                    .execute(
                        "INSERT INTO session_events (id, session_id, event, at, payload, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![e.id.to_string(), e.session_id.to_string(), event, to_us(e.at), payload, e.recorded_by.to_string(), to_us(e.recorded_at)],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn session_events(&self, id: TreatmentSessionId) -> StoreResult<Vec<SessionEventRecord>> {
        self.read.all("SELECT * FROM session_events WHERE session_id = ?1 ORDER BY at, recorded_at, id", [id.to_string()], session_event)
    }

    async fn sessions_dosed_between(&self, from: Timestamp, to: Timestamp) -> StoreResult<Vec<TreatmentSessionId>> {
        let ids: Vec<String> = self.read.all(
            "SELECT DISTINCT session_id FROM session_events WHERE event IN ('administration_started', 'device_administered') AND at >= ?1 AND at < ?2 \
             ORDER BY session_id",
            params![to_us(from), to_us(to)],
            |r| text(r, "session_id"),
        )?;
        ids.iter().map(|id| uuid(id).map(TreatmentSessionId)).collect()
    }

    async fn insert_vitals(
        &self,
        id: TreatmentSessionId,
        readings: &[(VitalReading, Vec<SessionAlert>)],
        recorded_at: Timestamp,
        audit: AuditEvent,
    ) -> StoreResult<Vec<bool>> {
        let mut alerts = Vec::new();
        for (_, list) in readings {
            for a in list {
                alerts.push((a.clone(), name(&a.code)?));
            }
        }
        let readings = readings.to_vec();
        self.writer
            .write(move |w| {
                if !session_exists(&w.conn, id)? {
                    return Err(StoreError::NotFound);
                }
                let mut fresh = Vec::with_capacity(readings.len());
                {
                    let mut insert = w
                        .conn
                        .prepare_cached(
                            "INSERT OR IGNORE INTO session_vitals (session_id, device_id, at, systolic, diastolic, heart_rate, spo2, resp_rate, recorded_at) \
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        )
                        .map_err(wq)?;
                    let mut raise = w
                        .conn
                        .prepare_cached(
                            "INSERT OR IGNORE INTO session_alerts (id, session_id, code, message, at, device_id, raised_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        )
                        .map_err(wq)?;
                    let mut alerts = alerts.into_iter();
                    for (r, raised) in &readings {
                        let v = r.vitals;
                        let n = insert
                            .execute(params![
                                id.to_string(),
                                r.device_id,
                                to_us(r.at),
                                v.systolic,
                                v.diastolic,
                                v.heart_rate,
                                v.spo2,
                                v.resp_rate,
                                to_us(recorded_at)
                            ])
                            .map_err(wq)?;
                        // This reading's alerts, in the order they were flattened above.
                        for (a, code) in alerts.by_ref().take(raised.len()) {
                            if n == 1 {
                                raise
                                    .execute(params![a.id.to_string(), id.to_string(), code, a.message, to_us(r.at), r.device_id, to_us(recorded_at)])
                                    .map_err(wq)?;
                            }
                        }
                        fresh.push(n == 1);
                    }
                }
                append(w, vec![audit])?;
                Ok(fresh)
            })
            .await
    }

    async fn vitals(&self, id: TreatmentSessionId) -> StoreResult<Vec<VitalReading>> {
        self.read.all("SELECT * FROM session_vitals WHERE session_id = ?1 ORDER BY at, device_id", [id.to_string()], reading)
    }

    async fn session_alerts(&self, id: TreatmentSessionId) -> StoreResult<Vec<SessionAlert>> {
        self.read.all(
            "SELECT a.*, k.acknowledged_by, k.acknowledged_at, k.note FROM session_alerts a LEFT JOIN session_alert_acks k ON k.alert_id = a.id \
             WHERE a.session_id = ?1 ORDER BY a.at, a.device_id, a.code",
            [id.to_string()],
            session_alert,
        )
    }

    async fn acknowledge_session_alert(&self, session: TreatmentSessionId, alert: SessionAlertId, ack: &SessionAlertAck, audit: AuditEvent) -> StoreResult<()> {
        let ack = ack.clone();
        self.writer
            .write(move |w| {
                let found: Option<i64> = w
                    .conn
                    .query_row("SELECT 1 FROM session_alerts WHERE id = ?1 AND session_id = ?2", [alert.to_string(), session.to_string()], |r| r.get(0))
                    .optional()
                    .map_err(wq)?;
                if found.is_none() {
                    return Err(StoreError::NotFound);
                }
                let n = w
                    .conn
                    .execute(
                        "INSERT OR IGNORE INTO session_alert_acks (alert_id, acknowledged_by, acknowledged_at, note) VALUES (?1, ?2, ?3, ?4)",
                        params![alert.to_string(), ack.by.to_string(), to_us(ack.at), ack.note],
                    )
                    .map_err(wq)?;
                if n == 0 {
                    return Err(StoreError::Conflict("the alert was already acknowledged".to_owned()));
                }
                append(w, vec![audit])
            })
            .await
    }
}
