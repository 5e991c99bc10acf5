//! Calendar feeds on SQLite (see [`ketaclinic_store::calendar_feed_port`] for the rules).

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{CalendarFeedId, UserId};
use ketaclinic_store::calendar_feed_port::{CalendarFeedRecord, feed_kind_str, stored_feed_kind};
use ketaclinic_store::{CalendarFeedStore, StoreError, StoreResult};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{from_us, opt_from_us, to_us, uuid, wq};
use crate::read::{int, opt_int, text};

fn feed(row: &Row<'_>) -> StoreResult<CalendarFeedRecord> {
    Ok(CalendarFeedRecord {
        id: CalendarFeedId(uuid(&text(row, "id")?)?),
        token_hash: text(row, "token_hash")?,
        kind: stored_feed_kind(&text(row, "kind")?)?,
        target: uuid(&text(row, "target_id")?)?,
        created_by: UserId(uuid(&text(row, "created_by")?)?),
        created_at: from_us(int(row, "created_at")?)?,
        revoked_at: opt_from_us(opt_int(row, "revoked_at")?)?,
    })
}

#[async_trait]
impl CalendarFeedStore for SqliteStore {
    async fn insert_calendar_feed(&self, f: &CalendarFeedRecord, audit: AuditEvent) -> StoreResult<()> {
        let f = f.clone();
        self.writer
            .write(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO calendar_feeds (id, token_hash, kind, target_id, created_by, created_at, revoked_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)",
                        params![f.id.to_string(), f.token_hash, feed_kind_str(f.kind), f.target.to_string(), f.created_by.to_string(), to_us(f.created_at)],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn calendar_feeds(&self) -> StoreResult<Vec<CalendarFeedRecord>> {
        self.read.all("SELECT * FROM calendar_feeds ORDER BY created_at DESC, id DESC", [], feed)
    }

    async fn calendar_feed_by_hash(&self, token_hash: &str) -> StoreResult<Option<CalendarFeedRecord>> {
        self.read.one("SELECT * FROM calendar_feeds WHERE token_hash = ?1", [token_hash], feed)
    }

    async fn revoke_calendar_feed(&self, id: CalendarFeedId, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |w| {
                let n = w
                    .conn
                    .execute("UPDATE calendar_feeds SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL", params![to_us(at), id.to_string()])
                    .map_err(wq)?;
                if n == 0 {
                    let exists: Option<i64> =
                        w.conn.query_row("SELECT 1 FROM calendar_feeds WHERE id = ?1", [id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                    return Err(if exists.is_some() { StoreError::Conflict("the feed is already revoked".to_owned()) } else { StoreError::NotFound });
                }
                append(w, vec![audit])
            })
            .await
    }
}
