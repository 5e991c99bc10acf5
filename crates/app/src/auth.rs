//! Logging in and out, sessions, API tokens and passwords.
//!
//! Passwords are hashed with Argon2id (default parameters of the `argon2` crate, which follow
//! OWASP's minimum). Hashing runs on the blocking pool so a login never stalls the async
//! workers. A login for an unknown e-mail still verifies against a fixed hash, so the answer
//! takes as long as for a real account.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use jiff::SignedDuration;
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::SessionId;
use ketaclinic_domain::person::Email;
use ketaclinic_domain::staff::NewPassword;
use ketaclinic_store::{AuthSession, StaffUser};

use crate::App;
use crate::actor::{Actor, AuthVia, ClientInfo, anonymous_event};
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::secrets::{TOKEN_PREFIX, digest, random_hex};

/// How often a session's or token's "last seen" is written: the idle clock is accurate to a
/// minute, and a busy page does not turn every request into a write.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// Per-address login attempt limit (in memory: it protects this process's CPU from Argon2
/// floods; the per-account lockout in the database protects the accounts). The public enquiry
/// form uses a second instance with its own budget.
pub struct LoginLimiter(Option<DefaultKeyedRateLimiter<IpAddr>>);

impl std::fmt::Debug for LoginLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginLimiter").field("enabled", &self.0.is_some()).finish()
    }
}

impl LoginLimiter {
    /// `per_minute == 0` turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        Self(NonZeroU32::new(per_minute).map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n))))
    }

    pub(crate) fn check(&self, addr: Option<&str>) -> AppResult<()> {
        let (Some(limiter), Some(ip)) = (&self.0, addr.and_then(|a| a.parse::<IpAddr>().ok())) else { return Ok(()) };
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
        })
    }
}

/// A fixed Argon2id hash to verify against when the e-mail is unknown (equal timing).
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password_blocking("not-a-real-password-0000").unwrap_or_default());

fn hash_password_blocking(password: &str) -> AppResult<String> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| AppError::Unavailable(format!("password hashing failed: {e}")))
}

/// Hashes a password with Argon2id on the blocking pool.
pub async fn hash_password(password: &NewPassword) -> AppResult<String> {
    let secret = password.expose().to_owned();
    tokio::task::spawn_blocking(move || hash_password_blocking(&secret)).await.map_err(|e| AppError::Unavailable(e.to_string()))?
}

async fn verify_password(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    tokio::task::spawn_blocking(move || PasswordHash::new(&phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()))
        .await
        .unwrap_or(false)
}

/// A new browser session: the cookie value (secret) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie_value: String,
    pub csrf_token: String,
    pub actor: Actor,
}

fn actor_of(user: &StaffUser, via: AuthVia, csrf_token: Option<String>, client: &ClientInfo) -> Actor {
    Actor {
        user_id: user.id,
        email: user.email.as_str().to_owned(),
        display_name: user.display_name.as_str().to_owned(),
        role: user.role,
        via,
        csrf_token,
        client: client.clone(),
    }
}

impl App {
    /// Logs a member of staff in: rate limit per address, lockout per account, Argon2id check.
    pub async fn login(&self, email: &str, password: &str, client: &ClientInfo) -> AppResult<NewSession> {
        self.limiter.check(client.addr.as_deref())?;
        let user = self.verify_credentials(email, password, client, "").await?;
        let now = self.now();
        let cookie_value = random_hex()?;
        let csrf_token = random_hex()?;
        let session = AuthSession {
            id: SessionId(new_id()),
            user_id: user.id,
            token_hash: digest(&cookie_value),
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at: now.saturating_add(self.settings.auth.session_absolute).unwrap_or(now),
            revoked_at: None,
        };
        let actor = actor_of(&user, AuthVia::Session { id: session.id }, Some(csrf_token.clone()), client);
        self.store.insert_session(&session, actor.event(self, AuditAction::LoginSucceeded, AuditOutcome::Success)).await?;
        Ok(NewSession { cookie_value, csrf_token, actor })
    }

    /// Checks an e-mail and password with the account lockout, as a login does: the address's
    /// rate limit is the caller's, a failure is audited (`detail_prefix` says in what role,
    /// e.g. "witness: ") and counts toward the account's lock. Returns the account.
    pub(crate) async fn verify_credentials(&self, email: &str, password: &str, client: &ClientInfo, detail_prefix: &str) -> AppResult<StaffUser> {
        let now = self.now();
        let user = match Email::parse(email) {
            Ok(email) => self.store.user_by_email(&email).await?,
            Err(_) => None,
        };
        let Some(user) = user else {
            let _ = verify_password(password, &DUMMY_HASH).await;
            self.store.append_audit(vec![anonymous_event(self, email, client, AuditAction::LoginFailed, AuditOutcome::Failure)]).await?;
            return Err(AppError::BadCredentials);
        };
        let failed = |detail: &str| {
            let mut e = anonymous_event(self, user.email.as_str(), client, AuditAction::LoginFailed, AuditOutcome::Failure);
            e.actor_id = Some(user.id);
            e.actor_role = Some(user.role);
            e.detail = Some(format!("{detail_prefix}{detail}"));
            e
        };
        if let Some(until) = user.locked_until.filter(|until| *until > now) {
            self.store.append_audit(vec![failed("account locked")]).await?;
            return Err(AppError::Locked { until });
        }
        if !verify_password(password, &user.password_hash).await || user.disabled {
            // A lock that has run out starts a fresh count.
            let previous = if user.locked_until.is_some() { 0 } else { user.failed_logins };
            let count = previous.saturating_add(1);
            let policy = &self.settings.auth;
            let lock = (count >= policy.lockout_threshold).then(|| now.saturating_add(policy.lockout_duration).unwrap_or(now));
            let detail = if user.disabled {
                "account disabled"
            } else if lock.is_some() {
                "wrong password; account locked"
            } else {
                "wrong password"
            };
            self.store.record_login_failure(user.id, if lock.is_some() { 0 } else { count }, lock, failed(detail)).await?;
            return Err(AppError::BadCredentials);
        }
        Ok(user)
    }

    /// The actor behind a session cookie, or `Unauthenticated` when it is unknown, revoked,
    /// idle too long, past its absolute expiry, or its account is disabled.
    pub async fn authenticate_session(&self, cookie_value: &str, client: &ClientInfo) -> AppResult<Actor> {
        let now = self.now();
        let (session, user) = self.store.session_by_token_hash(&digest(cookie_value)).await?.ok_or(AppError::Unauthenticated)?;
        let idle_deadline = session.last_seen_at.saturating_add(self.settings.auth.session_idle).unwrap_or(now);
        if session.revoked_at.is_some() || now >= session.expires_at || now >= idle_deadline {
            return Err(AppError::Unauthenticated);
        }
        if user.disabled {
            return Err(AppError::Unauthenticated);
        }
        if now.duration_since(session.last_seen_at) >= TOUCH_EVERY {
            self.store.touch_session(session.id, now).await?;
        }
        Ok(actor_of(&user, AuthVia::Session { id: session.id }, Some(session.csrf_token), client))
    }

    /// The actor behind an API bearer token.
    pub async fn authenticate_token(&self, bearer: &str, client: &ClientInfo) -> AppResult<Actor> {
        if !bearer.starts_with(TOKEN_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let (token, user) =
            self.store.token_by_hash(&digest(bearer)).await?.filter(|(t, u)| t.revoked_at.is_none() && !u.disabled).ok_or(AppError::Unauthenticated)?;
        let now = self.now();
        if token.last_used_at.is_none_or(|at| now.duration_since(at) >= TOUCH_EVERY) {
            self.store.touch_token(token.id, now).await?;
        }
        Ok(actor_of(&user, AuthVia::Token { id: token.id }, None, client))
    }

    /// Ends the actor's browser session.
    pub async fn logout(&self, actor: &Actor) -> AppResult<()> {
        if let AuthVia::Session { id } = actor.via {
            self.store.revoke_session(id, self.now(), actor.event(self, AuditAction::Logout, AuditOutcome::Success)).await?;
        }
        Ok(())
    }

    /// Changes the actor's own password after checking the current one; every other session
    /// of the account is revoked.
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> AppResult<()> {
        let new = NewPassword::parse(new).map_err(|mut e| {
            "new_password".clone_into(&mut e.field);
            ValidationErrors::from(e)
        })?;
        let user = self.store.user_by_id(actor.user_id).await?.ok_or(AppError::Unauthenticated)?;
        if !verify_password(current, &user.password_hash).await {
            return Err(AppError::Invalid(ValidationErrors::one("current_password", "is not your current password")));
        }
        let hash = hash_password(&new).await?;
        let keep = match actor.via {
            AuthVia::Session { id } => Some(id),
            AuthVia::Token { .. } | AuthVia::Console | AuthVia::Device => None,
        };
        self.store.set_password_hash(user.id, &hash, self.now(), keep, actor.event(self, AuditAction::PasswordChanged, AuditOutcome::Success)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_refuses_the_fourth_attempt_in_a_minute() {
        let limiter = LoginLimiter::new(3);
        let results: Vec<_> = (0..4).map(|_| limiter.check(Some("127.0.0.1")).is_ok()).collect();
        assert_eq!(results, vec![true, true, true, false]);
        assert!(limiter.check(Some("127.0.0.2")).is_ok(), "another address has its own budget");
        assert!(LoginLimiter::new(0).check(Some("127.0.0.1")).is_ok(), "0 turns the limit off");
    }
}
