//! Scored assessments on PostgreSQL.

use async_trait::async_trait;
use ketaclinic_domain::assessment::{Assessment, AssessmentSource};
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{AssessmentId, PatientId, UserId};
use ketaclinic_domain::instruments::Score;
use ketaclinic_store::{AssessmentStore, StoreError, StoreResult};
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::audit::append;
use crate::convert::{get_ts, map_err, ts};
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

#[async_trait]
impl AssessmentStore for PgStore {
    async fn insert_assessment(&self, a: &Assessment, audit: AuditEvent) -> StoreResult<()> {
        let a = a.clone();
        let answers = serde_json::to_string(&a.answers).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let score = serde_json::to_string(&a.score).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
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
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
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
}
