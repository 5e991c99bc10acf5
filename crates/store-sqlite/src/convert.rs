//! Conversions between SQLite values and domain values.

use jiff::Timestamp;
use ketaclinic_domain::audit::timestamp_micros;
use ketaclinic_store::StoreError;
use uuid::Uuid;

/// Maps a driver error to the storage error the app understands.
pub fn map_err(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(db.message().to_owned()),
        _ => StoreError::Unavailable(err.to_string()),
    }
}

/// Maps a rusqlite error from a write: a broken uniqueness rule is a `Conflict` the caller can
/// act on; anything else is the database failing.
pub fn wq(err: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(e, msg) = &err
        && matches!(e.extended_code, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
    {
        return StoreError::Conflict(msg.clone().unwrap_or_else(|| e.to_string()));
    }
    crate::read::rq(err)
}

/// Instants are stored as integer microseconds since the epoch.
pub fn to_us(at: Timestamp) -> i64 {
    timestamp_micros(at)
}

pub fn from_us(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|e| StoreError::Corrupt(format!("timestamp {us}: {e}")))
}

pub fn opt_from_us(us: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    us.map(from_us).transpose()
}

pub fn uuid(raw: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(raw).map_err(|e| StoreError::Corrupt(format!("id {raw}: {e}")))
}

pub fn corrupt(what: &str) -> impl Fn(ketaclinic_domain::FieldError) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

pub fn to_u32(value: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} out of range: {value}")))
}

pub fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} out of range: {value}")))
}

pub fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Conflict(format!("value out of range: {value}")))
}
