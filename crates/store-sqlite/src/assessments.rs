//! Scored assessments on SQLite.

use async_trait::async_trait;
use ketaclinic_domain::alert::{Acknowledgement, Alert, AlertAction, AlertKind};
use ketaclinic_domain::assessment::{Assessment, AssessmentCorrection, AssessmentSource};
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{AlertId, AssessmentId, PatientId, UserId};
use ketaclinic_domain::instruments::Score;
use ketaclinic_store::{AlertStore, AssessmentStore, StoreError, StoreResult};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{from_us, opt_from_us, to_us, uuid, wq};
use crate::read::{int, opt_int, opt_text, text};
use crate::writer::WriteState;

fn json<T: serde::de::DeserializeOwned>(row: &Row<'_>, col: &str) -> StoreResult<T> {
    serde_json::from_str(&text(row, col)?).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn assessment(row: &Row<'_>) -> StoreResult<Assessment> {
    let source = text(row, "source")?;
    Ok(Assessment {
        id: AssessmentId(uuid(&text(row, "id")?)?),
        patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
        instrument: text(row, "instrument")?,
        answers: json(row, "answers")?,
        score: json::<Score>(row, "score")?,
        administered_at: from_us(int(row, "administered_at")?)?,
        session_id: opt_text(row, "session_id")?.map(|s| uuid(&s)).transpose()?,
        source: AssessmentSource::parse(&source).ok_or_else(|| StoreError::Corrupt(format!("source {source}")))?,
        recorded_by: opt_text(row, "recorded_by")?.map(|s| uuid(&s).map(UserId)).transpose()?,
        recorded_at: from_us(int(row, "recorded_at")?)?,
    })
}

/// Inserts an assessment and the alert it raised inside a write transaction (shared with
/// self-report submissions).
pub(crate) fn insert_scored(w: &mut WriteState, a: &Assessment, alert: Option<&Alert>) -> StoreResult<()> {
    let answers = serde_json::to_string(&a.answers).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let score = serde_json::to_string(&a.score).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    w.conn
        .execute(
            "INSERT INTO assessments (id, patient_id, instrument, answers, total, severity, score, administered_at, session_id, source, recorded_by, recorded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                a.id.to_string(),
                a.patient_id.to_string(),
                a.instrument,
                answers,
                a.score.total.map(i64::from),
                a.score.severity,
                score,
                to_us(a.administered_at),
                a.session_id.map(|s| s.to_string()),
                a.source.as_str(),
                a.recorded_by.map(|u| u.to_string()),
                to_us(a.recorded_at)
            ],
        )
        .map_err(wq)?;
    if let Some(alert) = alert {
        w.conn
            .execute(
                "INSERT INTO alerts (id, patient_id, kind, assessment_id, detail, raised_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    alert.id.to_string(),
                    alert.patient_id.to_string(),
                    alert.kind.as_str(),
                    alert.assessment_id.to_string(),
                    alert.detail,
                    to_us(alert.raised_at)
                ],
            )
            .map_err(wq)?;
    }
    Ok(())
}

#[async_trait]
impl AssessmentStore for SqliteStore {
    async fn insert_assessment(&self, a: &Assessment, alert: Option<&Alert>, audit: Vec<AuditEvent>) -> StoreResult<()> {
        let (a, alert) = (a.clone(), alert.cloned());
        self.writer
            .write(move |w| {
                insert_scored(w, &a, alert.as_ref())?;
                append(w, audit)
            })
            .await
    }

    async fn assessments(&self, patient: PatientId, instrument: Option<&str>) -> StoreResult<Vec<Assessment>> {
        self.read.all(
            "SELECT * FROM assessments WHERE patient_id = ?1 AND (?2 IS NULL OR instrument = ?2) ORDER BY administered_at, id",
            params![patient.to_string(), instrument],
            assessment,
        )
    }
    async fn correct_assessment(&self, c: &AssessmentCorrection, audit: AuditEvent) -> StoreResult<()> {
        let c = c.clone();
        self.writer
            .write(move |w| {
                let exists: Option<i64> =
                    w.conn.query_row("SELECT 1 FROM assessments WHERE id = ?1", [c.assessment_id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                if exists.is_none() {
                    return Err(StoreError::NotFound);
                }
                w.conn
                    .execute(
                        "INSERT INTO assessment_corrections (assessment_id, reason, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4)",
                        params![c.assessment_id.to_string(), c.reason.as_str(), c.by.to_string(), to_us(c.at)],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn assessment_corrections(&self, patient: PatientId) -> StoreResult<Vec<AssessmentCorrection>> {
        self.read.all(
            "SELECT c.* FROM assessment_corrections c JOIN assessments a ON a.id = c.assessment_id WHERE a.patient_id = ?1 ORDER BY c.recorded_at",
            [patient.to_string()],
            |row| {
                Ok(AssessmentCorrection {
                    assessment_id: AssessmentId(uuid(&text(row, "assessment_id")?)?),
                    reason: ketaclinic_domain::record::ChangeReason::parse(&text(row, "reason")?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    by: UserId(uuid(&text(row, "recorded_by")?)?),
                    at: from_us(int(row, "recorded_at")?)?,
                })
            },
        )
    }
}

fn alert(row: &Row<'_>) -> StoreResult<Alert> {
    let kind = text(row, "kind")?;
    let acknowledgement = match (opt_from_us(opt_int(row, "acknowledged_at")?)?, opt_text(row, "acknowledged_by")?, opt_text(row, "action")?) {
        (Some(at), Some(by), Some(action)) => Some(Acknowledgement {
            at,
            by: UserId(uuid(&by)?),
            action: AlertAction::parse(&action).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            note: opt_text(row, "note")?,
        }),
        _ => None,
    };
    Ok(Alert {
        id: AlertId(uuid(&text(row, "id")?)?),
        patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
        kind: AlertKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("alert kind {kind}")))?,
        assessment_id: AssessmentId(uuid(&text(row, "assessment_id")?)?),
        detail: text(row, "detail")?,
        raised_at: from_us(int(row, "raised_at")?)?,
        acknowledgement,
    })
}

#[async_trait]
impl AlertStore for SqliteStore {
    async fn alerts(&self, open_only: bool, limit: u32) -> StoreResult<Vec<Alert>> {
        self.read.all(
            "SELECT * FROM alerts WHERE (?1 = 0 OR acknowledged_at IS NULL) ORDER BY raised_at DESC, id DESC LIMIT ?2",
            params![i64::from(open_only), i64::from(limit)],
            alert,
        )
    }

    async fn alert(&self, id: AlertId) -> StoreResult<Option<Alert>> {
        self.read.one("SELECT * FROM alerts WHERE id = ?1", [id.to_string()], alert)
    }

    async fn acknowledge_alert(&self, id: AlertId, ack: &Acknowledgement, audit: AuditEvent) -> StoreResult<()> {
        let ack = ack.clone();
        self.writer
            .write(move |w| {
                let n = w
                    .conn
                    .execute(
                        "UPDATE alerts SET acknowledged_at = ?1, acknowledged_by = ?2, action = ?3, note = ?4 WHERE id = ?5 AND acknowledged_at IS NULL",
                        params![to_us(ack.at), ack.by.to_string(), ack.action.as_str(), ack.note, id.to_string()],
                    )
                    .map_err(wq)?;
                if n == 0 {
                    let exists: Option<i64> = w.conn.query_row("SELECT 1 FROM alerts WHERE id = ?1", [id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                    return Err(if exists.is_some() { StoreError::Conflict("the alert was already acknowledged".to_owned()) } else { StoreError::NotFound });
                }
                append(w, vec![audit])
            })
            .await
    }
}
