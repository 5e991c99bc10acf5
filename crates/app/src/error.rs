//! Errors of the use cases.
//!
//! Policy: each variant says what the *caller* can do about it. The web edge maps them to HTTP
//! statuses and `problem+json` bodies; the user sees a safe message, the log gets the cause. A
//! storage failure never leaks driver text to a client: it becomes `Unavailable`, logged with its
//! cause at the edge.

use ketaclinic_domain::ValidationErrors;
use ketaclinic_store::StoreError;

/// What a use case can refuse or fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// No valid credentials (missing, expired, revoked).
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong e-mail or password (deliberately not saying which).
    #[error("e-mail or password is wrong")]
    BadCredentials,
    /// The account is locked after repeated failed logins.
    #[error("account locked until {until}")]
    Locked { until: jiff::Timestamp },
    /// Too many attempts from one address.
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The actor's role lacks the permission.
    #[error("your role may not {0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    /// The input broke a rule; one entry per field.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The request conflicts with the current state (taken e-mail, stale version …).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Storage is unreachable or failed; retry later.
    #[error("service unavailable: {0}")]
    Unavailable(String),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict(msg) => Self::Conflict(msg),
            StoreError::Unavailable(msg) => Self::Unavailable(msg),
            StoreError::Corrupt(msg) => Self::Unavailable(format!("stored data is invalid: {msg}")),
        }
    }
}

/// Result of a use case.
pub type AppResult<T> = Result<T, AppError>;
