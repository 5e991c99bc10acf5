//! Count sheets and loss reports of the controlled-substance register on PostgreSQL (the ledger
//! itself is in `register`).

use jiff_sqlx::ToSqlx;
use ketaclinic_domain::ids::{ContainerId, CountId, LedgerEntryId, LocationId, LossReportId, UserId};
use ketaclinic_domain::register::count::{Count, CountKind, CountStatus, CountTiming};
use ketaclinic_domain::register::loss::{LossReport, LossTask, TaskDone};
use ketaclinic_domain::register::movement::LossKind;
use ketaclinic_domain::register::quantity::Qty;
use ketaclinic_store::{StoreError, StoreResult};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::convert::{get_opt_ts, get_ts, map_err, to_i32, to_i64, to_u32, to_u64, ts};
use crate::register::{get, get_date};

/// Whether `sql` (`SELECT 1 … WHERE id = $1`) finds the row.
async fn exists(conn: &mut PgConnection, sql: &'static str, id: Uuid) -> StoreResult<bool> {
    Ok(sqlx::query(sql).bind(id).fetch_optional(&mut *conn).await.map_err(map_err)?.is_some())
}

pub(crate) fn count(row: &PgRow) -> StoreResult<Count> {
    let (kind, timing, status): (String, String, String) = (get(row, "kind")?, get(row, "timing")?, get(row, "status")?);
    Ok(Count {
        id: CountId(get(row, "id")?),
        kind: CountKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("count kind {kind}")))?,
        timing: CountTiming::parse(&timing).ok_or_else(|| StoreError::Corrupt(format!("count timing {timing}")))?,
        location_id: get::<Option<Uuid>>(row, "location_id")?.map(LocationId),
        taken_on: get_date(row, "taken_on")?,
        started_at: get_ts(row, "started_at")?,
        started_by: UserId(get(row, "started_by")?),
        status: CountStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("count status {status}")))?,
        lines: serde_json::from_str(&get::<String>(row, "lines")?).map_err(|e| StoreError::Corrupt(format!("count lines: {e}")))?,
        signed_by: get::<Option<Uuid>>(row, "signed_by")?.map(UserId),
        signed_at: get_opt_ts(row, "signed_at")?,
        version: to_u32(get(row, "version")?, "count version")?,
    })
}

/// A count sheet's row values, serialised before the write closure runs.
pub(crate) struct CountRow {
    count: Count,
    lines: String,
    version: i32,
}

impl CountRow {
    pub(crate) fn of(count: &Count) -> StoreResult<Self> {
        let lines = serde_json::to_string(&count.lines).map_err(|e| StoreError::Corrupt(format!("count lines: {e}")))?;
        Ok(Self { count: count.clone(), lines, version: to_i32(count.version)? })
    }

    pub(crate) async fn insert(&self, conn: &mut PgConnection) -> StoreResult<()> {
        let c = &self.count;
        sqlx::query(
            "INSERT INTO cs_counts (id, kind, timing, location_id, taken_on, started_at, started_by, status, lines, signed_by, signed_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(c.id.0)
        .bind(c.kind.as_str())
        .bind(c.timing.as_str())
        .bind(c.location_id.map(|l| l.0))
        .bind(c.taken_on.to_sqlx())
        .bind(ts(c.started_at))
        .bind(c.started_by.0)
        .bind(c.status.as_str())
        .bind(&self.lines)
        .bind(c.signed_by.map(|u| u.0))
        .bind(c.signed_at.map(ts))
        .bind(self.version)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    /// Saves the lines (and, when `sign`, signs the sheet) if the stored sheet is still the
    /// draft at `version - 1`. `NotFound` for an unknown sheet; `Conflict` otherwise.
    pub(crate) async fn update(&self, conn: &mut PgConnection, sign: bool) -> StoreResult<()> {
        let c = &self.count;
        let expected =
            self.version.checked_sub(1).filter(|v| *v >= 1).ok_or_else(|| StoreError::Conflict("a saved count sheet has a version above 1".to_owned()))?;
        let done = if sign {
            let (by, at) = c.signed_by.zip(c.signed_at).ok_or_else(|| StoreError::Conflict("a signed count names its signer and time".to_owned()))?;
            sqlx::query(
                "UPDATE cs_counts SET lines = $1, version = $2, status = 'signed', signed_by = $3, signed_at = $4 \
                 WHERE id = $5 AND version = $6 AND status = 'draft'",
            )
            .bind(&self.lines)
            .bind(self.version)
            .bind(by.0)
            .bind(ts(at))
            .bind(c.id.0)
            .bind(expected)
            .execute(&mut *conn)
            .await
        } else {
            sqlx::query("UPDATE cs_counts SET lines = $1, version = $2 WHERE id = $3 AND version = $4 AND status = 'draft'")
                .bind(&self.lines)
                .bind(self.version)
                .bind(c.id.0)
                .bind(expected)
                .execute(&mut *conn)
                .await
        }
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(if exists(conn, "SELECT 1 FROM cs_counts WHERE id = $1", c.id.0).await? {
                StoreError::Conflict("the count sheet was saved or signed meanwhile".to_owned())
            } else {
                StoreError::NotFound
            });
        }
        Ok(())
    }
}

fn task_done(row: &PgRow, at: &str, by: &str, reference: &str) -> StoreResult<Option<TaskDone>> {
    let Some(when) = get_opt_ts(row, at)? else {
        return Ok(None);
    };
    let who = get::<Option<Uuid>>(row, by)?.ok_or_else(|| StoreError::Corrupt(format!("loss report {by} missing")))?;
    Ok(Some(TaskDone { at: when, by: UserId(who), reference: get::<Option<String>>(row, reference)?.unwrap_or_default() }))
}

pub(crate) fn loss_report(row: &PgRow) -> StoreResult<LossReport> {
    let kind = match get::<String>(row, "kind")?.as_str() {
        "loss" => LossKind::Loss,
        "theft" => LossKind::Theft,
        other => return Err(StoreError::Corrupt(format!("loss kind {other}"))),
    };
    Ok(LossReport {
        id: LossReportId(get(row, "id")?),
        entry_id: LedgerEntryId(get(row, "entry_id")?),
        container_id: ContainerId(get(row, "container_id")?),
        kind,
        qty: Qty { ul: to_u64(get(row, "qty_ul")?, "loss qty_ul")?, ug: to_u64(get(row, "qty_ug")?, "loss qty_ug")? },
        discovered_at: get_ts(row, "discovered_at")?,
        description: get(row, "description")?,
        reported_by: UserId(get(row, "reported_by")?),
        notify_due: get_ts(row, "notify_due")?,
        form106_due: get_ts(row, "form106_due")?,
        notified: task_done(row, "notified_at", "notified_by", "notified_ref")?,
        form106: task_done(row, "form106_at", "form106_by", "form106_ref")?,
    })
}

type Done = (Option<jiff_sqlx::Timestamp>, Option<Uuid>, Option<String>);

fn done_columns(t: Option<&TaskDone>) -> Done {
    (t.map(|d| ts(d.at)), t.map(|d| d.by.0), t.map(|d| d.reference.clone()))
}

/// Inserts a loss report (after the ledger row it references).
pub(crate) async fn insert_loss(conn: &mut PgConnection, l: &LossReport) -> StoreResult<()> {
    let (notified_at, notified_by, notified_ref) = done_columns(l.notified.as_ref());
    let (form106_at, form106_by, form106_ref) = done_columns(l.form106.as_ref());
    sqlx::query(
        "INSERT INTO cs_loss_reports (id, entry_id, container_id, kind, qty_ul, qty_ug, discovered_at, description, reported_by, notify_due, form106_due, \
         notified_at, notified_by, notified_ref, form106_at, form106_by, form106_ref) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(l.id.0)
    .bind(l.entry_id.0)
    .bind(l.container_id.0)
    .bind(l.kind.as_str())
    .bind(to_i64(l.qty.ul)?)
    .bind(to_i64(l.qty.ug)?)
    .bind(ts(l.discovered_at))
    .bind(&l.description)
    .bind(l.reported_by.0)
    .bind(ts(l.notify_due))
    .bind(ts(l.form106_due))
    .bind(notified_at)
    .bind(notified_by)
    .bind(notified_ref)
    .bind(form106_at)
    .bind(form106_by)
    .bind(form106_ref)
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Records a task of a loss report as done, once. `NotFound` for an unknown report; `Conflict`
/// when the task was already done.
pub(crate) async fn complete_task(conn: &mut PgConnection, id: LossReportId, task: LossTask, done: &TaskDone) -> StoreResult<()> {
    let sql = match task {
        LossTask::NotifyDea => "UPDATE cs_loss_reports SET notified_at = $1, notified_by = $2, notified_ref = $3 WHERE id = $4 AND notified_at IS NULL",
        LossTask::Form106 => "UPDATE cs_loss_reports SET form106_at = $1, form106_by = $2, form106_ref = $3 WHERE id = $4 AND form106_at IS NULL",
    };
    let n = sqlx::query(sql).bind(ts(done.at)).bind(done.by.0).bind(&done.reference).bind(id.0).execute(&mut *conn).await.map_err(map_err)?.rows_affected();
    if n == 0 {
        return Err(if exists(conn, "SELECT 1 FROM cs_loss_reports WHERE id = $1", id.0).await? {
            StoreError::Conflict(format!("the loss report's task {} is already done", task.as_str()))
        } else {
            StoreError::NotFound
        });
    }
    Ok(())
}
