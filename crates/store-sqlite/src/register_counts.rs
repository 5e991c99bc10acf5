//! Count sheets and loss reports of the controlled-substance register on SQLite (the ledger
//! itself is in `register`).

use ketaclinic_domain::ids::{ContainerId, CountId, LedgerEntryId, LocationId, LossReportId, UserId};
use ketaclinic_domain::register::count::{Count, CountKind, CountStatus, CountTiming};
use ketaclinic_domain::register::loss::{LossReport, LossTask, TaskDone};
use ketaclinic_domain::register::movement::LossKind;
use ketaclinic_domain::register::quantity::Qty;
use ketaclinic_store::{StoreError, StoreResult};
use rusqlite::{Row, params};

use crate::convert::{from_us, opt_from_us, to_i64, to_u32, to_u64, to_us, uuid, wq};
use crate::read::{int, opt_int, opt_text, text};
use crate::register::{date, exists};
use crate::writer::WriteState;

fn opt_user(row: &Row<'_>, col: &str) -> StoreResult<Option<UserId>> {
    opt_text(row, col)?.map(|u| uuid(&u).map(UserId)).transpose()
}

pub(crate) fn count(row: &Row<'_>) -> StoreResult<Count> {
    let (kind, timing, status) = (text(row, "kind")?, text(row, "timing")?, text(row, "status")?);
    Ok(Count {
        id: CountId(uuid(&text(row, "id")?)?),
        kind: CountKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("count kind {kind}")))?,
        timing: CountTiming::parse(&timing).ok_or_else(|| StoreError::Corrupt(format!("count timing {timing}")))?,
        location_id: opt_text(row, "location_id")?.map(|l| uuid(&l).map(LocationId)).transpose()?,
        taken_on: date(row, "taken_on")?,
        started_at: from_us(int(row, "started_at")?)?,
        started_by: UserId(uuid(&text(row, "started_by")?)?),
        status: CountStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("count status {status}")))?,
        lines: serde_json::from_str(&text(row, "lines")?).map_err(|e| StoreError::Corrupt(format!("count lines: {e}")))?,
        signed_by: opt_user(row, "signed_by")?,
        signed_at: opt_from_us(opt_int(row, "signed_at")?)?,
        version: to_u32(int(row, "version")?, "count version")?,
    })
}

/// A count sheet's row values, serialised before the write closure runs.
pub(crate) struct CountRow {
    count: Count,
    lines: String,
}

impl CountRow {
    pub(crate) fn of(count: &Count) -> StoreResult<Self> {
        let lines = serde_json::to_string(&count.lines).map_err(|e| StoreError::Corrupt(format!("count lines: {e}")))?;
        Ok(Self { count: count.clone(), lines })
    }

    pub(crate) fn insert(&self, w: &mut WriteState) -> StoreResult<()> {
        let c = &self.count;
        w.conn
            .execute(
                "INSERT INTO cs_counts (id, kind, timing, location_id, taken_on, started_at, started_by, status, lines, signed_by, signed_at, version) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    c.id.to_string(),
                    c.kind.as_str(),
                    c.timing.as_str(),
                    c.location_id.map(|l| l.to_string()),
                    c.taken_on.to_string(),
                    to_us(c.started_at),
                    c.started_by.to_string(),
                    c.status.as_str(),
                    self.lines,
                    c.signed_by.map(|u| u.to_string()),
                    c.signed_at.map(to_us),
                    i64::from(c.version)
                ],
            )
            .map_err(wq)?;
        Ok(())
    }

    /// Saves the lines (and, when `sign`, signs the sheet) if the stored sheet is still the
    /// draft at `version - 1`. `NotFound` for an unknown sheet; `Conflict` otherwise.
    pub(crate) fn update(&self, w: &mut WriteState, sign: bool) -> StoreResult<()> {
        let c = &self.count;
        let expected = c.version.checked_sub(1).ok_or_else(|| StoreError::Conflict("a saved count sheet has a version above 1".to_owned()))?;
        let n = if sign {
            let (by, at) = c.signed_by.zip(c.signed_at).ok_or_else(|| StoreError::Conflict("a signed count names its signer and time".to_owned()))?;
            w.conn.execute(
                "UPDATE cs_counts SET lines = ?1, version = ?2, status = 'signed', signed_by = ?3, signed_at = ?4 \
                 WHERE id = ?5 AND version = ?6 AND status = 'draft'",
                params![self.lines, i64::from(c.version), by.to_string(), to_us(at), c.id.to_string(), i64::from(expected)],
            )
        } else {
            w.conn.execute(
                "UPDATE cs_counts SET lines = ?1, version = ?2 WHERE id = ?3 AND version = ?4 AND status = 'draft'",
                params![self.lines, i64::from(c.version), c.id.to_string(), i64::from(expected)],
            )
        }
        .map_err(wq)?;
        if n == 0 {
            return Err(if exists(&w.conn, "cs_counts", &c.id.to_string())? {
                StoreError::Conflict("the count sheet was saved or signed meanwhile".to_owned())
            } else {
                StoreError::NotFound
            });
        }
        Ok(())
    }
}

fn task_done(row: &Row<'_>, prefix: &str) -> StoreResult<Option<TaskDone>> {
    let Some(at) = opt_from_us(opt_int(row, &format!("{prefix}_at"))?)? else {
        return Ok(None);
    };
    let by = opt_user(row, &format!("{prefix}_by"))?.ok_or_else(|| StoreError::Corrupt(format!("loss report {prefix}_by missing")))?;
    Ok(Some(TaskDone { at, by, reference: opt_text(row, &format!("{prefix}_ref"))?.unwrap_or_default() }))
}

pub(crate) fn loss_report(row: &Row<'_>) -> StoreResult<LossReport> {
    let kind = match text(row, "kind")?.as_str() {
        "loss" => LossKind::Loss,
        "theft" => LossKind::Theft,
        other => return Err(StoreError::Corrupt(format!("loss kind {other}"))),
    };
    Ok(LossReport {
        id: LossReportId(uuid(&text(row, "id")?)?),
        entry_id: LedgerEntryId(uuid(&text(row, "entry_id")?)?),
        container_id: ContainerId(uuid(&text(row, "container_id")?)?),
        kind,
        qty: Qty { ul: to_u64(int(row, "qty_ul")?, "loss qty_ul")?, ug: to_u64(int(row, "qty_ug")?, "loss qty_ug")? },
        discovered_at: from_us(int(row, "discovered_at")?)?,
        description: text(row, "description")?,
        reported_by: UserId(uuid(&text(row, "reported_by")?)?),
        notify_due: from_us(int(row, "notify_due")?)?,
        form106_due: from_us(int(row, "form106_due")?)?,
        notified: task_done(row, "notified")?,
        form106: task_done(row, "form106")?,
    })
}

/// Inserts a loss report (after the ledger row it references).
pub(crate) fn insert_loss(w: &mut WriteState, l: &LossReport) -> StoreResult<()> {
    let done = |t: &Option<TaskDone>| (t.as_ref().map(|d| to_us(d.at)), t.as_ref().map(|d| d.by.to_string()), t.as_ref().map(|d| d.reference.clone()));
    let (notified_at, notified_by, notified_ref) = done(&l.notified);
    let (form106_at, form106_by, form106_ref) = done(&l.form106);
    w.conn
        .execute(
            "INSERT INTO cs_loss_reports (id, entry_id, container_id, kind, qty_ul, qty_ug, discovered_at, description, reported_by, notify_due, form106_due, \
             notified_at, notified_by, notified_ref, form106_at, form106_by, form106_ref) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                l.id.to_string(),
                l.entry_id.to_string(),
                l.container_id.to_string(),
                l.kind.as_str(),
                to_i64(l.qty.ul)?,
                to_i64(l.qty.ug)?,
                to_us(l.discovered_at),
                l.description,
                l.reported_by.to_string(),
                to_us(l.notify_due),
                to_us(l.form106_due),
                notified_at,
                notified_by,
                notified_ref,
                form106_at,
                form106_by,
                form106_ref
            ],
        )
        .map_err(wq)?;
    Ok(())
}

/// Records a task of a loss report as done, once. `NotFound` for an unknown report; `Conflict`
/// when the task was already done.
pub(crate) fn complete_task(w: &mut WriteState, id: LossReportId, task: LossTask, done: &TaskDone) -> StoreResult<()> {
    let sql = match task {
        LossTask::NotifyDea => "UPDATE cs_loss_reports SET notified_at = ?1, notified_by = ?2, notified_ref = ?3 WHERE id = ?4 AND notified_at IS NULL",
        LossTask::Form106 => "UPDATE cs_loss_reports SET form106_at = ?1, form106_by = ?2, form106_ref = ?3 WHERE id = ?4 AND form106_at IS NULL",
    };
    let n = w.conn.execute(sql, params![to_us(done.at), done.by.to_string(), done.reference, id.to_string()]).map_err(wq)?;
    if n == 0 {
        return Err(if exists(&w.conn, "cs_loss_reports", &id.to_string())? {
            StoreError::Conflict(format!("the loss report's task {} is already done", task.as_str()))
        } else {
            StoreError::NotFound
        });
    }
    Ok(())
}
