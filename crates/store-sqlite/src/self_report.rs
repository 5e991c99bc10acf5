//! One-time self-report links on SQLite.

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::alert::Alert;
use ketaclinic_domain::assessment::Assessment;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{PatientId, SelfReportLinkId, UserId};
use ketaclinic_domain::self_report::SelfReportLink;
use ketaclinic_store::{SelfReportStore, StoreError, StoreResult};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::assessments::insert_scored;
use crate::audit::append;
use crate::convert::{from_us, opt_from_us, to_us, uuid, wq};
use crate::read::{int, opt_int, text};

fn link(row: &Row<'_>) -> StoreResult<SelfReportLink> {
    Ok(SelfReportLink {
        id: SelfReportLinkId(uuid(&text(row, "id")?)?),
        patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
        instruments: serde_json::from_str(&text(row, "instruments")?).map_err(|e| StoreError::Corrupt(format!("link instruments: {e}")))?,
        token_hash: text(row, "token_hash")?,
        kiosk: int(row, "kiosk")? != 0,
        created_by: UserId(uuid(&text(row, "created_by")?)?),
        created_at: from_us(int(row, "created_at")?)?,
        expires_at: from_us(int(row, "expires_at")?)?,
        used_at: opt_from_us(opt_int(row, "used_at")?)?,
        revoked_at: opt_from_us(opt_int(row, "revoked_at")?)?,
    })
}

/// Why a link cannot be changed, read inside the refused write's transaction.
fn refusal(w: &crate::writer::WriteState, id: SelfReportLinkId) -> StoreResult<StoreError> {
    let exists: Option<i64> = w.conn.query_row("SELECT 1 FROM self_report_links WHERE id = ?1", [id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
    Ok(if exists.is_some() { StoreError::Conflict("the link is no longer open".to_owned()) } else { StoreError::NotFound })
}

#[async_trait]
impl SelfReportStore for SqliteStore {
    async fn insert_self_report_link(&self, l: &SelfReportLink, audit: AuditEvent) -> StoreResult<()> {
        let l = l.clone();
        let instruments = serde_json::to_string(&l.instruments).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.writer
            .write(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO self_report_links (id, patient_id, instruments, token_hash, kiosk, created_by, created_at, expires_at, used_at, revoked_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL)",
                        params![
                            l.id.to_string(),
                            l.patient_id.to_string(),
                            instruments,
                            l.token_hash,
                            i64::from(l.kiosk),
                            l.created_by.to_string(),
                            to_us(l.created_at),
                            to_us(l.expires_at)
                        ],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn self_report_link_by_hash(&self, token_hash: &str) -> StoreResult<Option<SelfReportLink>> {
        self.read.one("SELECT * FROM self_report_links WHERE token_hash = ?1", [token_hash], link)
    }

    async fn self_report_link(&self, id: SelfReportLinkId) -> StoreResult<Option<SelfReportLink>> {
        self.read.one("SELECT * FROM self_report_links WHERE id = ?1", [id.to_string()], link)
    }

    async fn self_report_links(&self, patient: PatientId) -> StoreResult<Vec<SelfReportLink>> {
        self.read.all("SELECT * FROM self_report_links WHERE patient_id = ?1 ORDER BY created_at DESC, id DESC", [patient.to_string()], link)
    }

    async fn revoke_self_report_link(&self, id: SelfReportLinkId, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |w| {
                let n = w
                    .conn
                    .execute(
                        "UPDATE self_report_links SET revoked_at = ?1 WHERE id = ?2 AND used_at IS NULL AND revoked_at IS NULL",
                        params![to_us(at), id.to_string()],
                    )
                    .map_err(wq)?;
                if n == 0 {
                    return Err(refusal(w, id)?);
                }
                append(w, vec![audit])
            })
            .await
    }

    async fn complete_self_report(
        &self,
        id: SelfReportLinkId,
        at: Timestamp,
        results: Vec<(Assessment, Option<Alert>)>,
        audit: Vec<AuditEvent>,
    ) -> StoreResult<()> {
        self.writer
            .write(move |w| {
                // The state check and the use are one statement, so two submissions racing
                // with the same token cannot both succeed.
                let n = w
                    .conn
                    .execute(
                        "UPDATE self_report_links SET used_at = ?1 WHERE id = ?2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?1",
                        params![to_us(at), id.to_string()],
                    )
                    .map_err(wq)?;
                if n == 0 {
                    return Err(refusal(w, id)?);
                }
                for (a, alert) in &results {
                    insert_scored(w, a, alert.as_ref())?;
                }
                append(w, audit)
            })
            .await
    }
}
