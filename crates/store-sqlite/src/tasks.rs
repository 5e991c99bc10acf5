//! Care-team tasks on SQLite.

use async_trait::async_trait;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{AssessmentId, PatientId, TaskId, UserId};
use ketaclinic_domain::task::{Task, TaskClosure, TaskKind, TaskOutcome};
use ketaclinic_store::{StoreError, StoreResult, TaskStore};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{corrupt, from_us, to_us, uuid, wq};
use crate::read::{int, opt_int, opt_text, text};

fn task(row: &Row<'_>) -> StoreResult<Task> {
    let closure = match (opt_text(row, "outcome")?, opt_text(row, "closed_by")?, opt_int(row, "closed_at")?) {
        (Some(outcome), Some(by), Some(at)) => Some(TaskClosure {
            outcome: TaskOutcome::parse(&outcome).map_err(corrupt("task outcome"))?,
            note: opt_text(row, "note")?,
            by: UserId(uuid(&by)?),
            at: from_us(at)?,
        }),
        _ => None,
    };
    Ok(Task {
        id: TaskId(uuid(&text(row, "id")?)?),
        patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
        kind: TaskKind::parse(&text(row, "kind")?).map_err(corrupt("task kind"))?,
        detail: text(row, "detail")?,
        source_assessment: AssessmentId(uuid(&text(row, "source_assessment")?)?),
        created_at: from_us(int(row, "created_at")?)?,
        closure,
    })
}

#[async_trait]
impl TaskStore for SqliteStore {
    async fn insert_task(&self, t: &Task, audit: AuditEvent) -> StoreResult<()> {
        let t = t.clone();
        self.writer
            .write(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO tasks (id, patient_id, kind, detail, source_assessment, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![t.id.to_string(), t.patient_id.to_string(), t.kind.as_str(), t.detail, t.source_assessment.to_string(), to_us(t.created_at)],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn task(&self, id: TaskId) -> StoreResult<Option<Task>> {
        self.read.one("SELECT * FROM tasks WHERE id = ?1", [id.to_string()], task)
    }

    async fn tasks(&self, patient: Option<PatientId>, open_only: bool, limit: u32) -> StoreResult<Vec<Task>> {
        self.read.all(
            "SELECT * FROM tasks WHERE (?1 IS NULL OR patient_id = ?1) AND (NOT ?2 OR closed_at IS NULL) ORDER BY created_at DESC, id DESC LIMIT ?3",
            params![patient.map(|p| p.to_string()), open_only, i64::from(limit)],
            task,
        )
    }

    async fn close_task(&self, id: TaskId, c: &TaskClosure, audit: AuditEvent) -> StoreResult<()> {
        let c = c.clone();
        self.writer
            .write(move |w| {
                let n = w
                    .conn
                    .execute(
                        "UPDATE tasks SET outcome = ?1, note = ?2, closed_by = ?3, closed_at = ?4 WHERE id = ?5 AND closed_at IS NULL",
                        params![c.outcome.as_str(), c.note, c.by.to_string(), to_us(c.at), id.to_string()],
                    )
                    .map_err(wq)?;
                if n == 0 {
                    let exists: Option<i64> = w.conn.query_row("SELECT 1 FROM tasks WHERE id = ?1", [id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                    return Err(if exists.is_some() { StoreError::Conflict("the task is already closed".to_owned()) } else { StoreError::NotFound });
                }
                append(w, vec![audit])
            })
            .await
    }
}
