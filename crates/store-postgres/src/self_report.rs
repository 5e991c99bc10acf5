//! One-time self-report links on PostgreSQL.

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::alert::Alert;
use ketaclinic_domain::assessment::Assessment;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{PatientId, SelfReportLinkId, UserId};
use ketaclinic_domain::self_report::SelfReportLink;
use ketaclinic_store::{SelfReportStore, StoreError, StoreResult};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::assessments::insert_scored;
use crate::audit::append;
use crate::convert::{get_opt_ts, get_ts, map_err, ts};
use crate::{PgStore, WriteConn};

fn link(row: &PgRow) -> StoreResult<SelfReportLink> {
    let instruments: String = row.try_get("instruments").map_err(map_err)?;
    Ok(SelfReportLink {
        id: SelfReportLinkId(row.try_get("id").map_err(map_err)?),
        patient_id: PatientId(row.try_get("patient_id").map_err(map_err)?),
        instruments: serde_json::from_str(&instruments).map_err(|e| StoreError::Corrupt(format!("link instruments: {e}")))?,
        token_hash: row.try_get("token_hash").map_err(map_err)?,
        kiosk: row.try_get("kiosk").map_err(map_err)?,
        created_by: UserId(row.try_get("created_by").map_err(map_err)?),
        created_at: get_ts(row, "created_at")?,
        expires_at: get_ts(row, "expires_at")?,
        used_at: get_opt_ts(row, "used_at")?,
        revoked_at: get_opt_ts(row, "revoked_at")?,
    })
}

macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT id, patient_id, instruments::text AS instruments, token_hash, kiosk, created_by, created_at, expires_at, used_at, revoked_at FROM self_report_links ",
            $tail
        )
    };
}

/// Why a link cannot be changed, read inside the refused write's transaction.
async fn refusal(conn: &mut PgConnection, id: SelfReportLinkId) -> StoreResult<StoreError> {
    let exists = sqlx::query("SELECT 1 FROM self_report_links WHERE id = $1").bind(id.0).fetch_optional(conn).await.map_err(map_err)?;
    Ok(if exists.is_some() { StoreError::Conflict("the link is no longer open".to_owned()) } else { StoreError::NotFound })
}

#[async_trait]
impl SelfReportStore for PgStore {
    async fn insert_self_report_link(&self, l: &SelfReportLink, audit: AuditEvent) -> StoreResult<()> {
        let l = l.clone();
        let instruments = serde_json::to_string(&l.instruments).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO self_report_links (id, patient_id, instruments, token_hash, kiosk, created_by, created_at, expires_at) \
                         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8)",
                    )
                    .bind(l.id.0)
                    .bind(l.patient_id.0)
                    .bind(instruments)
                    .bind(&l.token_hash)
                    .bind(l.kiosk)
                    .bind(l.created_by.0)
                    .bind(ts(l.created_at))
                    .bind(ts(l.expires_at))
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn self_report_link_by_hash(&self, token_hash: &str) -> StoreResult<Option<SelfReportLink>> {
        let row = sqlx::query(select!("WHERE token_hash = $1")).bind(token_hash).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(link).transpose()
    }

    async fn self_report_link(&self, id: SelfReportLinkId) -> StoreResult<Option<SelfReportLink>> {
        let row = sqlx::query(select!("WHERE id = $1")).bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(link).transpose()
    }

    async fn self_report_links(&self, patient: PatientId) -> StoreResult<Vec<SelfReportLink>> {
        let rows =
            sqlx::query(select!("WHERE patient_id = $1 ORDER BY created_at DESC, id DESC")).bind(patient.0).fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(link).collect()
    }

    async fn revoke_self_report_link(&self, id: SelfReportLinkId, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let done = sqlx::query("UPDATE self_report_links SET revoked_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL")
                        .bind(ts(at))
                        .bind(id.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(refusal(&mut c.conn, id).await?);
                    }
                    append(&mut c.conn, vec![audit]).await
                })
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
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    // Check and use in one statement: two racing submissions cannot both win.
                    let done =
                        sqlx::query("UPDATE self_report_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1")
                            .bind(ts(at))
                            .bind(id.0)
                            .execute(&mut c.conn)
                            .await
                            .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(refusal(&mut c.conn, id).await?);
                    }
                    for (a, alert) in &results {
                        insert_scored(&mut c.conn, a, alert.as_ref()).await?;
                    }
                    append(&mut c.conn, audit).await
                })
            })
            .await
    }
}
