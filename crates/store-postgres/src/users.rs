//! Staff accounts, login sessions and API tokens on PostgreSQL.
//!
//! Every change runs as one group-commit job, together with the audit event that describes it,
//! so the change and its audit row commit (or roll back) together.

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{SessionId, TokenId, UserId};
use ketaclinic_domain::person::{Email, PersonName};
use ketaclinic_domain::staff::Role;
use ketaclinic_store::{ApiToken, AuthSession, AuthStore, StaffUser, StoreError, StoreResult, UserStore};
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::audit::append;
use crate::convert::{corrupt, get_opt_ts, get_ts, map_err, opt_ts, to_i32, to_u32, ts};
use crate::{PgStore, WriteConn};

fn user(row: &PgRow) -> StoreResult<StaffUser> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(map_err);
    Ok(StaffUser {
        id: UserId(row.try_get("id").map_err(map_err)?),
        email: Email::parse(&s("email")?).map_err(corrupt("email"))?,
        display_name: PersonName::parse(&s("display_name")?).map_err(corrupt("display_name"))?,
        role: Role::parse(&s("role")?).map_err(corrupt("role"))?,
        password_hash: s("password_hash")?,
        disabled: row.try_get("disabled").map_err(map_err)?,
        failed_logins: to_u32(row.try_get("failed_logins").map_err(map_err)?, "failed_logins")?,
        locked_until: get_opt_ts(row, "locked_until")?,
        created_at: get_ts(row, "created_at")?,
        password_changed_at: get_ts(row, "password_changed_at")?,
    })
}

/// A session from columns named with prefix `p` (the joined lookup aliases them `s_…`).
fn session(row: &PgRow, p: &str) -> StoreResult<AuthSession> {
    let c = |name: &str| format!("{p}{name}");
    let s = |name: &str| row.try_get::<String, _>(c(name).as_str()).map_err(map_err);
    let id = |name: &str| row.try_get::<Uuid, _>(c(name).as_str()).map_err(map_err);
    Ok(AuthSession {
        id: SessionId(id("id")?),
        user_id: UserId(id("user_id")?),
        token_hash: s("token_hash")?,
        csrf_token: s("csrf_token")?,
        created_at: get_ts(row, &c("created_at"))?,
        last_seen_at: get_ts(row, &c("last_seen_at"))?,
        expires_at: get_ts(row, &c("expires_at"))?,
        revoked_at: get_opt_ts(row, &c("revoked_at"))?,
    })
}

/// A token from columns named with prefix `p` (the joined lookup aliases them `t_…`).
fn token(row: &PgRow, p: &str) -> StoreResult<ApiToken> {
    let c = |name: &str| format!("{p}{name}");
    let s = |name: &str| row.try_get::<String, _>(c(name).as_str()).map_err(map_err);
    let id = |name: &str| row.try_get::<Uuid, _>(c(name).as_str()).map_err(map_err);
    Ok(ApiToken {
        id: TokenId(id("id")?),
        user_id: UserId(id("user_id")?),
        label: s("label")?,
        token_hash: s("token_hash")?,
        created_at: get_ts(row, &c("created_at"))?,
        last_used_at: get_opt_ts(row, &c("last_used_at"))?,
        revoked_at: get_opt_ts(row, &c("revoked_at"))?,
    })
}

/// `NotFound` when an UPDATE matched nothing.
fn one_row(affected: u64) -> StoreResult<()> {
    if affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

#[async_trait]
impl UserStore for PgStore {
    async fn insert_user(&self, user: &StaffUser, audit: AuditEvent) -> StoreResult<()> {
        let u = user.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO users (id, email, display_name, role, password_hash, disabled, failed_logins, locked_until, created_at, password_changed_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(u.id.0)
                    .bind(u.email.as_str())
                    .bind(u.display_name.as_str())
                    .bind(u.role.as_str())
                    .bind(&u.password_hash)
                    .bind(u.disabled)
                    .bind(to_i32(u.failed_logins)?)
                    .bind(opt_ts(u.locked_until))
                    .bind(ts(u.created_at))
                    .bind(ts(u.password_changed_at))
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<StaffUser>> {
        let row = sqlx::query("SELECT * FROM users WHERE email = $1").bind(email.as_str()).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(user).transpose()
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<StaffUser>> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(user).transpose()
    }

    async fn list_users(&self) -> StoreResult<Vec<StaffUser>> {
        // Byte order, like SQLite's BINARY collation, whatever the database's collation is.
        let rows = sqlx::query(r#"SELECT * FROM users ORDER BY email COLLATE "C""#).fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(user).collect()
    }

    async fn record_login_failure(&self, id: UserId, failed_logins: u32, locked_until: Option<Timestamp>, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let r = sqlx::query("UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3")
                        .bind(to_i32(failed_logins)?)
                        .bind(opt_ts(locked_until))
                        .bind(id.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    one_row(r.rows_affected())?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn set_user_disabled(&self, id: UserId, disabled: bool, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let r =
                        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2").bind(disabled).bind(id.0).execute(&mut c.conn).await.map_err(map_err)?;
                    one_row(r.rows_affected())?;
                    if disabled {
                        for sql in [
                            "UPDATE auth_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                        ] {
                            sqlx::query(sql).bind(ts(at)).bind(id.0).execute(&mut c.conn).await.map_err(map_err)?;
                        }
                    }
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn set_password_hash(&self, id: UserId, hash: &str, at: Timestamp, keep: Option<SessionId>, audit: AuditEvent) -> StoreResult<()> {
        let hash = hash.to_owned();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let r = sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, failed_logins = 0, locked_until = NULL WHERE id = $3")
                        .bind(&hash)
                        .bind(ts(at))
                        .bind(id.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    one_row(r.rows_affected())?;
                    // IS DISTINCT FROM is true for every session when `keep` is NULL.
                    sqlx::query("UPDATE auth_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id IS DISTINCT FROM $3")
                        .bind(ts(at))
                        .bind(id.0)
                        .bind(keep.map(|k| k.0))
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }
}

#[async_trait]
impl AuthStore for PgStore {
    async fn insert_session(&self, session: &AuthSession, audit: AuditEvent) -> StoreResult<()> {
        let s = session.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO auth_sessions (id, user_id, token_hash, csrf_token, created_at, last_seen_at, expires_at, revoked_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(s.id.0)
                    .bind(s.user_id.0)
                    .bind(&s.token_hash)
                    .bind(&s.csrf_token)
                    .bind(ts(s.created_at))
                    .bind(ts(s.last_seen_at))
                    .bind(ts(s.expires_at))
                    .bind(opt_ts(s.revoked_at))
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                        .bind(s.user_id.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn session_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<(AuthSession, StaffUser)>> {
        let row = sqlx::query("SELECT u.*, s.id AS s_id, s.user_id AS s_user_id, s.token_hash AS s_token_hash, s.csrf_token AS s_csrf_token, s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at, s.revoked_at AS s_revoked_at FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(|r| Ok((session(r, "s_")?, user(r)?))).transpose()
    }

    async fn touch_session(&self, id: SessionId, at: Timestamp) -> StoreResult<()> {
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    // GREATEST: concurrent requests may touch out of order; the clock only moves forward.
                    sqlx::query("UPDATE auth_sessions SET last_seen_at = GREATEST(last_seen_at, $1) WHERE id = $2")
                        .bind(ts(at))
                        .bind(id.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    Ok(())
                })
            })
            .await
    }

    async fn revoke_session(&self, id: SessionId, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query("UPDATE auth_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                        .bind(ts(at))
                        .bind(id.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn revoke_user_sessions(&self, user: UserId, at: Timestamp, audit: AuditEvent) -> StoreResult<u64> {
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let r = sqlx::query("UPDATE auth_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                        .bind(ts(at))
                        .bind(user.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await?;
                    Ok(r.rows_affected())
                })
            })
            .await
    }

    async fn insert_token(&self, token: &ApiToken, audit: AuditEvent) -> StoreResult<()> {
        let t = token.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO api_tokens (id, user_id, label, token_hash, created_at, last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(t.id.0)
                    .bind(t.user_id.0)
                    .bind(&t.label)
                    .bind(&t.token_hash)
                    .bind(ts(t.created_at))
                    .bind(opt_ts(t.last_used_at))
                    .bind(opt_ts(t.revoked_at))
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<(ApiToken, StaffUser)>> {
        let row = sqlx::query("SELECT u.*, t.id AS t_id, t.user_id AS t_user_id, t.label AS t_label, t.token_hash AS t_token_hash, t.created_at AS t_created_at, t.last_used_at AS t_last_used_at, t.revoked_at AS t_revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(|r| Ok((token(r, "t_")?, user(r)?))).transpose()
    }

    async fn touch_token(&self, id: TokenId, at: Timestamp) -> StoreResult<()> {
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(ts(at)).bind(id.0).execute(&mut c.conn).await.map_err(map_err)?;
                    Ok(())
                })
            })
            .await
    }

    async fn revoke_token(&self, id: TokenId, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let r = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                        .bind(ts(at))
                        .bind(id.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    one_row(r.rows_affected())?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query("SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC")
            .bind(user.0)
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| token(r, "")).collect()
    }
}
