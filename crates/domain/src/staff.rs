//! Staff accounts: roles and the password policy.
//!
//! What each role may do is decided in one place, the permission matrix in `app`; the domain
//! only names the roles.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// The roles of a clinic's staff (see `docs/permissions.md` for what each may do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FrontDesk,
    Nurse,
    Prescriber,
    Therapist,
    Admin,
    Auditor,
}

impl Role {
    /// Every role, in the order documentation lists them.
    pub const ALL: [Self; 6] = [Self::FrontDesk, Self::Nurse, Self::Prescriber, Self::Therapist, Self::Admin, Self::Auditor];

    /// The wire and storage name (`front_desk` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FrontDesk => "front_desk",
            Self::Nurse => "nurse",
            Self::Prescriber => "prescriber",
            Self::Therapist => "therapist",
            Self::Admin => "admin",
            Self::Auditor => "auditor",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::FrontDesk => "Front desk",
            Self::Nurse => "Nurse",
            Self::Prescriber => "Prescriber",
            Self::Therapist => "Therapist",
            Self::Admin => "Clinic admin",
            Self::Auditor => "Auditor",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("role", "must be one of front_desk, nurse, prescriber, therapist, admin, auditor"))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shortest accepted password (NIST SP 800-63B allows 8; the clinic policy is 12 because these
/// accounts open psychiatric records).
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Longest accepted password: long passphrases are welcome, megabyte inputs to Argon2 are not.
pub const PASSWORD_MAX_CHARS: usize = 256;

/// A new password that meets the policy. Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    /// Checks the policy: 12–256 characters, not only whitespace.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(FieldError::new("password", format!("must be at least {PASSWORD_MIN_CHARS} characters")));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(FieldError::new("password", format!("must be at most {PASSWORD_MAX_CHARS} characters")));
        }
        if raw.trim().is_empty() {
            return Err(FieldError::new("password", "must not be only spaces"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("elevenchars").is_err());
        assert!(NewPassword::parse("twelve chars").is_ok());
        assert!(NewPassword::parse(&" ".repeat(20)).is_err());
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
        assert_eq!(format!("{:?}", NewPassword::parse("correct horse battery").ok()), "Some(NewPassword(<redacted>))");
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("root").is_err());
    }
}
