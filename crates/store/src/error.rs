//! Errors of the storage layer.
//!
//! Adapters translate their driver's errors into these variants; nothing above the storage
//! layer sees a driver type. `Clone` because a failed group commit reports the same error to
//! every write that shared the transaction.

/// What went wrong in storage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule or an expected version did not hold (e.g. the e-mail is taken, or the
    /// record changed since it was read).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached or refused the work; the caller may retry later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be read back into the domain (corruption or a bug).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// Result of a storage call.
pub type StoreResult<T> = Result<T, StoreError>;
