//! Staff accounts, login sessions and API tokens on SQLite.

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{SessionId, TokenId, UserId};
use ketaclinic_domain::person::{Email, PersonName};
use ketaclinic_domain::staff::Role;
use ketaclinic_store::{ApiToken, AuthSession, AuthStore, StaffUser, StoreError, StoreResult, UserStore};
use rusqlite::{Row, params};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{corrupt, from_us, opt_from_us, to_u32, to_us, uuid, wq};
use crate::read::{int, opt_int, text};

fn user(row: &Row<'_>) -> StoreResult<StaffUser> {
    Ok(StaffUser {
        id: UserId(uuid(&text(row, "id")?)?),
        email: Email::parse(&text(row, "email")?).map_err(corrupt("email"))?,
        display_name: PersonName::parse(&text(row, "display_name")?).map_err(corrupt("display_name"))?,
        role: Role::parse(&text(row, "role")?).map_err(corrupt("role"))?,
        password_hash: text(row, "password_hash")?,
        disabled: int(row, "disabled")? != 0,
        failed_logins: to_u32(int(row, "failed_logins")?, "failed_logins")?,
        locked_until: opt_from_us(opt_int(row, "locked_until")?)?,
        created_at: from_us(int(row, "created_at")?)?,
        password_changed_at: from_us(int(row, "password_changed_at")?)?,
    })
}

/// A session from columns named with prefix `p` (the joined lookup aliases them `s_…`).
fn session(row: &Row<'_>, p: &str) -> StoreResult<AuthSession> {
    let c = |name: &str| format!("{p}{name}");
    Ok(AuthSession {
        id: SessionId(uuid(&text(row, &c("id"))?)?),
        user_id: UserId(uuid(&text(row, &c("user_id"))?)?),
        token_hash: text(row, &c("token_hash"))?,
        csrf_token: text(row, &c("csrf_token"))?,
        created_at: from_us(int(row, &c("created_at"))?)?,
        last_seen_at: from_us(int(row, &c("last_seen_at"))?)?,
        expires_at: from_us(int(row, &c("expires_at"))?)?,
        revoked_at: opt_from_us(opt_int(row, &c("revoked_at"))?)?,
    })
}

/// A token from columns named with prefix `p` (the joined lookup aliases them `t_…`).
fn token(row: &Row<'_>, p: &str) -> StoreResult<ApiToken> {
    let c = |name: &str| format!("{p}{name}");
    Ok(ApiToken {
        id: TokenId(uuid(&text(row, &c("id"))?)?),
        user_id: UserId(uuid(&text(row, &c("user_id"))?)?),
        label: text(row, &c("label"))?,
        token_hash: text(row, &c("token_hash"))?,
        created_at: from_us(int(row, &c("created_at"))?)?,
        last_used_at: opt_from_us(opt_int(row, &c("last_used_at"))?)?,
        revoked_at: opt_from_us(opt_int(row, &c("revoked_at"))?)?,
    })
}

/// `NotFound` when an UPDATE matched nothing.
fn one_row(affected: usize) -> StoreResult<()> {
    if affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert_user(&self, user: &StaffUser, audit: AuditEvent) -> StoreResult<()> {
        let u = user.clone();
        self.writer
            .write(move |w| {
                w.conn
                    .prepare_cached(
                        "INSERT INTO users (id, email, display_name, role, password_hash, disabled, failed_logins, locked_until, created_at, password_changed_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    )
                    .and_then(|mut st| {
                        st.execute(params![
                            u.id.to_string(),
                            u.email.as_str(),
                            u.display_name.as_str(),
                            u.role.as_str(),
                            u.password_hash,
                            i64::from(u.disabled),
                            i64::from(u.failed_logins),
                            u.locked_until.map(to_us),
                            to_us(u.created_at),
                            to_us(u.password_changed_at),
                        ])
                    })
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<StaffUser>> {
        self.read.one("SELECT * FROM users WHERE email = ?1", [email.as_str()], user)
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<StaffUser>> {
        self.read.one("SELECT * FROM users WHERE id = ?1", [id.to_string()], user)
    }

    async fn list_users(&self) -> StoreResult<Vec<StaffUser>> {
        self.read.all("SELECT * FROM users ORDER BY email", [], user)
    }

    async fn record_login_failure(&self, id: UserId, failed_logins: u32, locked_until: Option<Timestamp>, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |w| {
                let n = w
                    .conn
                    .execute(
                        "UPDATE users SET failed_logins = ?1, locked_until = ?2 WHERE id = ?3",
                        params![i64::from(failed_logins), locked_until.map(to_us), id.to_string()],
                    )
                    .map_err(wq)?;
                one_row(n)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn set_user_disabled(&self, id: UserId, disabled: bool, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |w| {
                let n = w.conn.execute("UPDATE users SET disabled = ?1 WHERE id = ?2", params![i64::from(disabled), id.to_string()]).map_err(wq)?;
                one_row(n)?;
                if disabled {
                    for sql in [
                        "UPDATE auth_sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
                        "UPDATE api_tokens SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
                    ] {
                        w.conn.execute(sql, params![to_us(at), id.to_string()]).map_err(wq)?;
                    }
                }
                append(w, vec![audit])
            })
            .await
    }

    async fn set_password_hash(&self, id: UserId, hash: &str, at: Timestamp, keep: Option<SessionId>, audit: AuditEvent) -> StoreResult<()> {
        let hash = hash.to_owned();
        self.writer
            .write(move |w| {
                let n = w
                    .conn
                    .execute(
                        "UPDATE users SET password_hash = ?1, password_changed_at = ?2, failed_logins = 0, locked_until = NULL WHERE id = ?3",
                        params![hash, to_us(at), id.to_string()],
                    )
                    .map_err(wq)?;
                one_row(n)?;
                w.conn
                    .execute(
                        "UPDATE auth_sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL AND id IS NOT ?3",
                        params![to_us(at), id.to_string(), keep.map(|k| k.to_string())],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }
}

#[async_trait]
impl AuthStore for SqliteStore {
    async fn insert_session(&self, session: &AuthSession, audit: AuditEvent) -> StoreResult<()> {
        let s = session.clone();
        self.writer
            .write(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO auth_sessions (id, user_id, token_hash, csrf_token, created_at, last_seen_at, expires_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![
                            s.id.to_string(),
                            s.user_id.to_string(),
                            s.token_hash,
                            s.csrf_token,
                            to_us(s.created_at),
                            to_us(s.last_seen_at),
                            to_us(s.expires_at),
                            s.revoked_at.map(to_us)
                        ],
                    )
                    .map_err(wq)?;
                w.conn.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1", [s.user_id.to_string()]).map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn session_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<(AuthSession, StaffUser)>> {
        self.read.one(SESSION_BY_HASH, [token_hash], |r| Ok((session(r, "s_")?, user(r)?)))
    }

    async fn touch_session(&self, id: SessionId, at: Timestamp) -> StoreResult<()> {
        self.writer
            .write(move |w| {
                w.conn
                    .execute("UPDATE auth_sessions SET last_seen_at = MAX(last_seen_at, ?1) WHERE id = ?2", params![to_us(at), id.to_string()])
                    .map_err(wq)?;
                Ok(())
            })
            .await
    }

    async fn revoke_session(&self, id: SessionId, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |w| {
                w.conn
                    .execute("UPDATE auth_sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL", params![to_us(at), id.to_string()])
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn revoke_user_sessions(&self, user: UserId, at: Timestamp, audit: AuditEvent) -> StoreResult<u64> {
        self.writer
            .write(move |w| {
                let n = w
                    .conn
                    .execute("UPDATE auth_sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL", params![to_us(at), user.to_string()])
                    .map_err(wq)?;
                append(w, vec![audit])?;
                Ok(u64::try_from(n).unwrap_or(u64::MAX))
            })
            .await
    }

    async fn insert_token(&self, token: &ApiToken, audit: AuditEvent) -> StoreResult<()> {
        let t = token.clone();
        self.writer
            .write(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO api_tokens (id, user_id, label, token_hash, created_at, last_used_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![
                            t.id.to_string(),
                            t.user_id.to_string(),
                            t.label,
                            t.token_hash,
                            to_us(t.created_at),
                            t.last_used_at.map(to_us),
                            t.revoked_at.map(to_us)
                        ],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<(ApiToken, StaffUser)>> {
        self.read.one(TOKEN_BY_HASH, [token_hash], |r| Ok((token(r, "t_")?, user(r)?)))
    }

    async fn touch_token(&self, id: TokenId, at: Timestamp) -> StoreResult<()> {
        self.writer
            .write(move |w| {
                w.conn.execute("UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2", params![to_us(at), id.to_string()]).map_err(wq)?;
                Ok(())
            })
            .await
    }

    async fn revoke_token(&self, id: TokenId, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        self.writer
            .write(move |w| {
                let n = w
                    .conn
                    .execute("UPDATE api_tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL", params![to_us(at), id.to_string()])
                    .map_err(wq)?;
                one_row(n)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<ApiToken>> {
        self.read.all("SELECT * FROM api_tokens WHERE user_id = ?1 ORDER BY created_at DESC, id DESC", [user.to_string()], |r| token(r, ""))
    }
}

/// A session and its account in one read: this runs on every browser request.
const SESSION_BY_HASH: &str = "SELECT u.*, s.id AS s_id, s.user_id AS s_user_id, s.token_hash AS s_token_hash, s.csrf_token AS s_csrf_token, \
    s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at, s.revoked_at AS s_revoked_at \
    FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1";

/// A token and its account in one read: this runs on every API request.
const TOKEN_BY_HASH: &str = "SELECT u.*, t.id AS t_id, t.user_id AS t_user_id, t.label AS t_label, t.token_hash AS t_token_hash, \
    t.created_at AS t_created_at, t.last_used_at AS t_last_used_at, t.revoked_at AS t_revoked_at \
    FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1";
