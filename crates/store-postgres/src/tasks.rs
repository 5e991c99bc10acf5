//! Care-team tasks on PostgreSQL.

use async_trait::async_trait;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{AssessmentId, PatientId, TaskId, UserId};
use ketaclinic_domain::task::{Task, TaskClosure, TaskKind, TaskOutcome};
use ketaclinic_store::{StoreError, StoreResult, TaskStore};
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::audit::append;
use crate::convert::{corrupt, get_opt_ts, get_ts, map_err, ts};
use crate::{PgStore, WriteConn};

fn task(row: &PgRow) -> StoreResult<Task> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(map_err);
    let outcome: Option<String> = row.try_get("outcome").map_err(map_err)?;
    let by: Option<Uuid> = row.try_get("closed_by").map_err(map_err)?;
    let closure = match (outcome, by, get_opt_ts(row, "closed_at")?) {
        (Some(outcome), Some(by), Some(at)) => Some(TaskClosure {
            outcome: TaskOutcome::parse(&outcome).map_err(corrupt("task outcome"))?,
            note: row.try_get("note").map_err(map_err)?,
            by: UserId(by),
            at,
        }),
        _ => None,
    };
    Ok(Task {
        id: TaskId(row.try_get("id").map_err(map_err)?),
        patient_id: PatientId(row.try_get("patient_id").map_err(map_err)?),
        kind: TaskKind::parse(&s("kind")?).map_err(corrupt("task kind"))?,
        detail: s("detail")?,
        source_assessment: AssessmentId(row.try_get("source_assessment").map_err(map_err)?),
        created_at: get_ts(row, "created_at")?,
        closure,
    })
}

#[async_trait]
impl TaskStore for PgStore {
    async fn insert_task(&self, t: &Task, audit: AuditEvent) -> StoreResult<()> {
        let t = t.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO tasks (id, patient_id, kind, detail, source_assessment, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(t.id.0)
                        .bind(t.patient_id.0)
                        .bind(t.kind.as_str())
                        .bind(&t.detail)
                        .bind(t.source_assessment.0)
                        .bind(ts(t.created_at))
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn task(&self, id: TaskId) -> StoreResult<Option<Task>> {
        let row = sqlx::query("SELECT * FROM tasks WHERE id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(task).transpose()
    }

    async fn tasks(&self, patient: Option<PatientId>, open_only: bool, limit: u32) -> StoreResult<Vec<Task>> {
        let rows = sqlx::query(
            "SELECT * FROM tasks WHERE ($1::uuid IS NULL OR patient_id = $1) AND (NOT $2 OR closed_at IS NULL) ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(patient.map(|p| p.0))
        .bind(open_only)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(task).collect()
    }

    async fn close_task(&self, id: TaskId, c: &TaskClosure, audit: AuditEvent) -> StoreResult<()> {
        let c = c.clone();
        self.writer
            .write(move |wc: &mut WriteConn| {
                Box::pin(async move {
                    let done = sqlx::query("UPDATE tasks SET outcome = $1, note = $2, closed_by = $3, closed_at = $4 WHERE id = $5 AND closed_at IS NULL")
                        .bind(c.outcome.as_str())
                        .bind(&c.note)
                        .bind(c.by.0)
                        .bind(ts(c.at))
                        .bind(id.0)
                        .execute(&mut wc.conn)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        let exists = sqlx::query("SELECT 1 FROM tasks WHERE id = $1").bind(id.0).fetch_optional(&mut wc.conn).await.map_err(map_err)?;
                        return Err(if exists.is_some() { StoreError::Conflict("the task is already closed".to_owned()) } else { StoreError::NotFound });
                    }
                    append(&mut wc.conn, vec![audit]).await
                })
            })
            .await
    }
}
