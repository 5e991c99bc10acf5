//! Scored assessments on SQLite.

use async_trait::async_trait;
use ketaclinic_domain::assessment::{Assessment, AssessmentSource};
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{AssessmentId, PatientId, UserId};
use ketaclinic_domain::instruments::Score;
use ketaclinic_store::{AssessmentStore, StoreError, StoreResult};
use rusqlite::{params, Row};

use crate::audit::append;
use crate::convert::{from_us, to_us, uuid, wq};
use crate::read::{int, opt_text, text};
use crate::SqliteStore;

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

#[async_trait]
impl AssessmentStore for SqliteStore {
    async fn insert_assessment(&self, a: &Assessment, audit: AuditEvent) -> StoreResult<()> {
        let a = a.clone();
        let answers = serde_json::to_string(&a.answers).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let score = serde_json::to_string(&a.score).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.writer
            .write(move |w| {
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
                append(w, vec![audit])
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
}
