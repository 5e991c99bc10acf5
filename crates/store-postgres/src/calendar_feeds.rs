//! Calendar feeds on PostgreSQL (see [`ketaclinic_store::calendar_feed_port`] for the rules).

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{CalendarFeedId, UserId};
use ketaclinic_store::calendar_feed_port::{CalendarFeedRecord, feed_kind_str, stored_feed_kind};
use ketaclinic_store::{CalendarFeedStore, StoreError, StoreResult};
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::audit::append;
use crate::convert::{get_opt_ts, get_ts, map_err, ts};
use crate::{PgStore, WriteConn};

fn feed(row: &PgRow) -> StoreResult<CalendarFeedRecord> {
    let kind: String = row.try_get("kind").map_err(map_err)?;
    Ok(CalendarFeedRecord {
        id: CalendarFeedId(row.try_get("id").map_err(map_err)?),
        token_hash: row.try_get("token_hash").map_err(map_err)?,
        kind: stored_feed_kind(&kind)?,
        target: row.try_get("target_id").map_err(map_err)?,
        created_by: UserId(row.try_get("created_by").map_err(map_err)?),
        created_at: get_ts(row, "created_at")?,
        revoked_at: get_opt_ts(row, "revoked_at")?,
    })
}

#[async_trait]
impl CalendarFeedStore for PgStore {
    async fn insert_calendar_feed(&self, f: &CalendarFeedRecord, audit: AuditEvent) -> StoreResult<()> {
        let f = f.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO calendar_feeds (id, token_hash, kind, target_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(f.id.0)
                        .bind(&f.token_hash)
                        .bind(feed_kind_str(f.kind))
                        .bind(f.target)
                        .bind(f.created_by.0)
                        .bind(ts(f.created_at))
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn calendar_feeds(&self) -> StoreResult<Vec<CalendarFeedRecord>> {
        let rows = sqlx::query("SELECT * FROM calendar_feeds ORDER BY created_at DESC, id DESC").fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(feed).collect()
    }

    async fn calendar_feed_by_hash(&self, token_hash: &str) -> StoreResult<Option<CalendarFeedRecord>> {
        let row = sqlx::query("SELECT * FROM calendar_feeds WHERE token_hash = $1").bind(token_hash).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(feed).transpose()
    }

    async fn revoke_calendar_feed(&self, id: CalendarFeedId, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let done = sqlx::query("UPDATE calendar_feeds SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                        .bind(ts(at))
                        .bind(id.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        let exists = sqlx::query("SELECT 1 FROM calendar_feeds WHERE id = $1").bind(id.0).fetch_optional(&mut c.conn).await.map_err(map_err)?;
                        return Err(if exists.is_some() { StoreError::Conflict("the feed is already revoked".to_owned()) } else { StoreError::NotFound });
                    }
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }
}
