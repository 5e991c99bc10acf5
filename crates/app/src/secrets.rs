//! Random secrets and their stored digests.
//!
//! Session cookies, CSRF tokens and API tokens are 256-bit random values from the operating
//! system. Only their SHA-256 is stored, so a copy of the database does not log anyone in.

use sha2::{Digest, Sha256};

use crate::error::AppError;

/// 32 random bytes as lower-case hex.
pub fn random_hex() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Unavailable(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// SHA-256 of a secret as lower-case hex (what storage keeps).
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two strings in time independent of where they differ (for CSRF tokens).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Prefix of API tokens, so a leaked token is recognisable in logs and secret scanners.
pub const TOKEN_PREFIX: &str = "kc_";
