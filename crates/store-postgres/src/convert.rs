//! Conversions between PostgreSQL values and domain values.
//!
//! Ids are native `uuid` and instants native `timestamptz` (through `jiff-sqlx`), so unlike on
//! SQLite there is no text or integer encoding to undo; what remains is mapping errors and the
//! unsigned domain counters onto PostgreSQL's signed integer columns.

use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use ketaclinic_store::StoreError;
use sqlx::Row;
use sqlx::postgres::PgRow;

/// Maps a driver error to the storage error the app understands.
///
/// A unique violation (SQLSTATE 23505) is a `Conflict`; everything else the server refuses,
/// including the append-only triggers' exceptions, is `Unavailable`, as on SQLite.
pub fn map_err(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(db.message().to_owned()),
        _ => StoreError::Unavailable(err.to_string()),
    }
}

/// An instant as a `timestamptz` parameter. PostgreSQL keeps microseconds, the same precision
/// the audit hash covers, so a stored event hashes the same when read back.
pub fn ts(at: Timestamp) -> jiff_sqlx::Timestamp {
    at.to_sqlx()
}

pub fn opt_ts(at: Option<Timestamp>) -> Option<jiff_sqlx::Timestamp> {
    at.map(ToSqlx::to_sqlx)
}

/// Reads a `timestamptz` column.
pub fn get_ts(row: &PgRow, column: &str) -> Result<Timestamp, StoreError> {
    Ok(row.try_get::<jiff_sqlx::Timestamp, _>(column).map_err(map_err)?.to_jiff())
}

/// Reads a nullable `timestamptz` column.
pub fn get_opt_ts(row: &PgRow, column: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(row.try_get::<Option<jiff_sqlx::Timestamp>, _>(column).map_err(map_err)?.map(jiff_sqlx::Timestamp::to_jiff))
}

pub fn corrupt(what: &str) -> impl Fn(ketaclinic_domain::FieldError) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

/// An `INTEGER` column read back into a domain counter.
pub fn to_u32(value: i32, what: &str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} out of range: {value}")))
}

pub fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} out of range: {value}")))
}

/// A domain counter as an `INTEGER` parameter. PostgreSQL checks parameter types strictly, so
/// `INTEGER` columns get `i32`; a value past `i32::MAX` is refused rather than wrapped.
pub fn to_i32(value: u32) -> Result<i32, StoreError> {
    i32::try_from(value).map_err(|_| StoreError::Conflict(format!("value out of range: {value}")))
}

/// A domain counter as a `BIGINT` parameter.
pub fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Conflict(format!("value out of range: {value}")))
}
