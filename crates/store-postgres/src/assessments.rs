//! Scored assessments on PostgreSQL.

use async_trait::async_trait;
use ketaclinic_domain::alert::{Acknowledgement, Alert, AlertAction, AlertKind};
use ketaclinic_domain::assessment::{Assessment, AssessmentCorrection, AssessmentSource};
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{AlertId, AssessmentId, PatientId, UserId};
use ketaclinic_domain::instruments::Score;
use ketaclinic_store::{AlertStore, AssessmentStore, StoreError, StoreResult};
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::audit::append;
use crate::convert::{get_opt_ts, get_ts, map_err, ts};
use crate::{PgStore, WriteConn};

fn json<T: serde::de::DeserializeOwned>(row: &PgRow, col: &str) -> StoreResult<T> {
    let raw: String = row.try_get(col).map_err(map_err)?;
    serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn assessment(row: &PgRow) -> StoreResult<Assessment> {
    let source: String = row.try_get("source").map_err(map_err)?;
    Ok(Assessment {
        id: AssessmentId(row.try_get("id").map_err(map_err)?),
        patient_id: PatientId(row.try_get("patient_id").map_err(map_err)?),
        instrument: row.try_get("instrument").map_err(map_err)?,
        answers: json(row, "answers_text")?,
        score: json::<Score>(row, "score_text")?,
        administered_at: get_ts(row, "administered_at")?,
        session_id: row.try_get::<Option<Uuid>, _>("session_id").map_err(map_err)?,
        source: AssessmentSource::parse(&source).ok_or_else(|| StoreError::Corrupt(format!("source {source}")))?,
        recorded_by: row.try_get::<Option<Uuid>, _>("recorded_by").map_err(map_err)?.map(UserId),
        recorded_at: get_ts(row, "recorded_at")?,
    })
}

/// Inserts an assessment and the alert it raised inside a write transaction (shared with
/// self-report submissions).
pub(crate) async fn insert_scored(conn: &mut sqlx::PgConnection, a: &Assessment, alert: Option<&Alert>) -> StoreResult<()> {
    let answers = serde_json::to_string(&a.answers).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let score = serde_json::to_string(&a.score).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO assessments (id, patient_id, instrument, answers, total, severity, score, administered_at, session_id, source, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8, $9, $10, $11, $12)",
    )
    .bind(a.id.0)
    .bind(a.patient_id.0)
    .bind(&a.instrument)
    .bind(answers)
    .bind(a.score.total.map(|t| i32::try_from(t).unwrap_or(i32::MAX)))
    .bind(&a.score.severity)
    .bind(score)
    .bind(ts(a.administered_at))
    .bind(a.session_id)
    .bind(a.source.as_str())
    .bind(a.recorded_by.map(|u| u.0))
    .bind(ts(a.recorded_at))
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    if let Some(alert) = alert {
        sqlx::query("INSERT INTO alerts (id, patient_id, kind, assessment_id, detail, raised_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(alert.id.0)
            .bind(alert.patient_id.0)
            .bind(alert.kind.as_str())
            .bind(alert.assessment_id.0)
            .bind(&alert.detail)
            .bind(ts(alert.raised_at))
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

#[async_trait]
impl AssessmentStore for PgStore {
    async fn insert_assessment(&self, a: &Assessment, alert: Option<&Alert>, audit: Vec<AuditEvent>) -> StoreResult<()> {
        let (a, alert) = (a.clone(), alert.cloned());
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    insert_scored(&mut c.conn, &a, alert.as_ref()).await?;
                    append(&mut c.conn, audit).await
                })
            })
            .await
    }

    async fn assessments(&self, patient: PatientId, instrument: Option<&str>) -> StoreResult<Vec<Assessment>> {
        let rows = sqlx::query(
            "SELECT *, answers::text AS answers_text, score::text AS score_text FROM assessments \
             WHERE patient_id = $1 AND ($2::text IS NULL OR instrument = $2) ORDER BY administered_at, id",
        )
        .bind(patient.0)
        .bind(instrument)
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(assessment).collect()
    }
    async fn correct_assessment(&self, c: &AssessmentCorrection, audit: AuditEvent) -> StoreResult<()> {
        let c = c.clone();
        self.writer
            .write(move |wc: &mut WriteConn| {
                Box::pin(async move {
                    let exists =
                        sqlx::query("SELECT 1 FROM assessments WHERE id = $1").bind(c.assessment_id.0).fetch_optional(&mut wc.conn).await.map_err(map_err)?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query("INSERT INTO assessment_corrections (assessment_id, reason, recorded_by, recorded_at) VALUES ($1, $2, $3, $4)")
                        .bind(c.assessment_id.0)
                        .bind(c.reason.as_str())
                        .bind(c.by.0)
                        .bind(ts(c.at))
                        .execute(&mut wc.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut wc.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn assessment_corrections(&self, patient: PatientId) -> StoreResult<Vec<AssessmentCorrection>> {
        let rows =
            sqlx::query("SELECT c.* FROM assessment_corrections c JOIN assessments a ON a.id = c.assessment_id WHERE a.patient_id = $1 ORDER BY c.recorded_at")
                .bind(patient.0)
                .fetch_all(&self.read)
                .await
                .map_err(map_err)?;
        rows.iter()
            .map(|row| {
                let reason: String = row.try_get("reason").map_err(map_err)?;
                Ok(AssessmentCorrection {
                    assessment_id: AssessmentId(row.try_get("assessment_id").map_err(map_err)?),
                    reason: ketaclinic_domain::record::ChangeReason::parse(&reason).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    by: UserId(row.try_get("recorded_by").map_err(map_err)?),
                    at: get_ts(row, "recorded_at")?,
                })
            })
            .collect()
    }
}

fn alert(row: &PgRow) -> StoreResult<Alert> {
    let kind: String = row.try_get("kind").map_err(map_err)?;
    let by: Option<Uuid> = row.try_get("acknowledged_by").map_err(map_err)?;
    let action: Option<String> = row.try_get("action").map_err(map_err)?;
    let acknowledgement = match (get_opt_ts(row, "acknowledged_at")?, by, action) {
        (Some(at), Some(by), Some(action)) => Some(Acknowledgement {
            at,
            by: UserId(by),
            action: AlertAction::parse(&action).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            note: row.try_get("note").map_err(map_err)?,
        }),
        _ => None,
    };
    Ok(Alert {
        id: AlertId(row.try_get("id").map_err(map_err)?),
        patient_id: PatientId(row.try_get("patient_id").map_err(map_err)?),
        kind: AlertKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("alert kind {kind}")))?,
        assessment_id: AssessmentId(row.try_get("assessment_id").map_err(map_err)?),
        detail: row.try_get("detail").map_err(map_err)?,
        raised_at: get_ts(row, "raised_at")?,
        acknowledgement,
    })
}

#[async_trait]
impl AlertStore for PgStore {
    async fn alerts(&self, open_only: bool, limit: u32) -> StoreResult<Vec<Alert>> {
        let rows = sqlx::query("SELECT * FROM alerts WHERE (NOT $1 OR acknowledged_at IS NULL) ORDER BY raised_at DESC, id DESC LIMIT $2")
            .bind(open_only)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        rows.iter().map(alert).collect()
    }

    async fn alert(&self, id: AlertId) -> StoreResult<Option<Alert>> {
        let row = sqlx::query("SELECT * FROM alerts WHERE id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(alert).transpose()
    }

    async fn acknowledge_alert(&self, id: AlertId, ack: &Acknowledgement, audit: AuditEvent) -> StoreResult<()> {
        let ack = ack.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let done = sqlx::query(
                        "UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2, action = $3, note = $4 WHERE id = $5 AND acknowledged_at IS NULL",
                    )
                    .bind(ts(ack.at))
                    .bind(ack.by.0)
                    .bind(ack.action.as_str())
                    .bind(&ack.note)
                    .bind(id.0)
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        let exists = sqlx::query("SELECT 1 FROM alerts WHERE id = $1").bind(id.0).fetch_optional(&mut c.conn).await.map_err(map_err)?;
                        return Err(if exists.is_some() {
                            StoreError::Conflict("the alert was already acknowledged".to_owned())
                        } else {
                            StoreError::NotFound
                        });
                    }
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }
}
