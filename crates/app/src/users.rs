//! Staff account administration and API tokens.

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::{TokenId, UserId};
use ketaclinic_domain::person::{Email, PersonName};
use ketaclinic_domain::staff::{NewPassword, Role};
use ketaclinic_store::{ApiToken, StaffUser};

use crate::App;
use crate::actor::{Actor, AuthVia, ClientInfo};
use crate::auth::hash_password;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::UserManage;
use crate::secrets::{TOKEN_PREFIX, digest, random_hex};

/// Longest API token label.
pub const TOKEN_LABEL_MAX_CHARS: usize = 100;

/// A new account as typed: parsed here so every field error is reported at once.
#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

/// An API token just created: the secret is shown once and never stored.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

fn parse_label(raw: &str) -> AppResult<String> {
    let label = raw.trim();
    if label.is_empty() || label.chars().count() > TOKEN_LABEL_MAX_CHARS {
        return Err(ValidationErrors::one("name", format!("must be 1–{TOKEN_LABEL_MAX_CHARS} characters")).into());
    }
    Ok(label.to_owned())
}

impl Actor {
    /// The operator at the server's console (`ketaclinic user add`, `token create`): trusted
    /// because they hold the database itself; recorded as `console` in the audit log.
    pub fn console() -> Self {
        Self {
            user_id: UserId(uuid::Uuid::nil()),
            email: "console".to_owned(),
            display_name: "Console operator".to_owned(),
            role: Role::Admin,
            via: AuthVia::Console,
            csrf_token: None,
            client: ClientInfo { addr: None, user_agent: Some("ketaclinic cli".to_owned()) },
        }
    }
}

impl App {
    /// Creates a staff account.
    pub async fn create_user(&self, grant: &Granted<UserManage>, input: NewUserInput) -> AppResult<StaffUser> {
        let mut errors = ValidationErrors::default();
        let email = errors.collect("email", Email::parse(&input.email));
        let name = errors.collect("name", PersonName::parse(&input.display_name));
        let role = errors.collect("role", Role::parse(&input.role));
        let password = errors.collect("password", NewPassword::parse(&input.password));
        errors.clone().into_result()?;
        let (Some(email), Some(display_name), Some(role), Some(password)) = (email, name, role, password) else { return Err(errors.into()) };
        let now = self.now();
        let user = StaffUser {
            id: UserId(new_id()),
            email,
            display_name,
            role,
            password_hash: hash_password(&password).await?,
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
            password_changed_at: now,
        };
        let mut event = grant.actor().event(self, AuditAction::UserCreated, AuditOutcome::Success);
        event.resource_type = Some("User".to_owned());
        event.resource_id = Some(user.id.to_string());
        event.detail = Some(format!("role {}", role.as_str()));
        self.store.insert_user(&user, event).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Invalid(ValidationErrors::one("email", "is already used by another account")),
            other => other,
        })?;
        Ok(user)
    }

    /// Every staff account.
    pub async fn list_users(&self, grant: &Granted<UserManage>) -> AppResult<Vec<StaffUser>> {
        let users = self.store.list_users().await?;
        self.store.append_audit(vec![grant.actor().event(self, AuditAction::UserListed, AuditOutcome::Success)]).await?;
        Ok(users)
    }

    /// One staff account.
    pub async fn user(&self, _grant: &Granted<UserManage>, id: UserId) -> AppResult<StaffUser> {
        self.store.user_by_id(id).await?.ok_or(AppError::NotFound)
    }

    /// Finds an account by e-mail (console use).
    pub async fn user_by_email(&self, _grant: &Granted<UserManage>, email: &str) -> AppResult<StaffUser> {
        let email = Email::parse(email).map_err(ValidationErrors::from)?;
        self.store.user_by_email(&email).await?.ok_or(AppError::NotFound)
    }

    /// Disables (revoking its sessions and tokens) or re-enables an account.
    pub async fn set_user_disabled(&self, grant: &Granted<UserManage>, id: UserId, disabled: bool) -> AppResult<()> {
        if disabled && id == grant.actor().user_id {
            return Err(AppError::Conflict("you cannot disable your own account".to_owned()));
        }
        let action = if disabled { AuditAction::UserDisabled } else { AuditAction::UserEnabled };
        let mut event = grant.actor().event(self, action, AuditOutcome::Success);
        event.resource_type = Some("User".to_owned());
        event.resource_id = Some(id.to_string());
        Ok(self.store.set_user_disabled(id, disabled, self.now(), event).await?)
    }

    /// Signs an account out everywhere.
    pub async fn revoke_user_sessions(&self, grant: &Granted<UserManage>, id: UserId) -> AppResult<u64> {
        self.store.user_by_id(id).await?.ok_or(AppError::NotFound)?;
        let mut event = grant.actor().event(self, AuditAction::SessionsRevoked, AuditOutcome::Success);
        event.resource_type = Some("User".to_owned());
        event.resource_id = Some(id.to_string());
        Ok(self.store.revoke_user_sessions(id, self.now(), event).await?)
    }

    /// Creates an API token that acts as `user` with that user's role.
    pub async fn create_token(&self, grant: &Granted<UserManage>, user: UserId, label: &str) -> AppResult<CreatedToken> {
        let label = parse_label(label)?;
        let owner = self.store.user_by_id(user).await?.ok_or(AppError::NotFound)?;
        if owner.disabled {
            return Err(AppError::Conflict("the account is disabled".to_owned()));
        }
        let secret = format!("{TOKEN_PREFIX}{}", random_hex()?);
        let token = ApiToken {
            id: TokenId(new_id()),
            user_id: owner.id,
            label,
            token_hash: digest(&secret),
            created_at: self.now(),
            last_used_at: None,
            revoked_at: None,
        };
        let mut event = grant.actor().event(self, AuditAction::TokenCreated, AuditOutcome::Success);
        event.resource_type = Some("ApiToken".to_owned());
        event.resource_id = Some(token.id.to_string());
        event.detail = Some(format!("for user {}", owner.id));
        self.store.insert_token(&token, event).await?;
        Ok(CreatedToken { token, secret })
    }

    /// Tokens of one account (secrets are never shown again).
    pub async fn list_tokens(&self, _grant: &Granted<UserManage>, user: UserId) -> AppResult<Vec<ApiToken>> {
        Ok(self.store.list_tokens(user).await?)
    }

    /// Revokes a token at once: its next request is refused.
    pub async fn revoke_token(&self, grant: &Granted<UserManage>, id: TokenId) -> AppResult<()> {
        let mut event = grant.actor().event(self, AuditAction::TokenRevoked, AuditOutcome::Success);
        event.resource_type = Some("ApiToken".to_owned());
        event.resource_id = Some(id.to_string());
        Ok(self.store.revoke_token(id, self.now(), event).await?)
    }
}
