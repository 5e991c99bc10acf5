//! One-time links through which a patient fills in questionnaires on their own phone (or on a
//! clinic tablet in kiosk mode).
//!
//! The link carries a 256-bit random token; only its SHA-256 is stored, so the database alone
//! cannot open a form. A link is good for one submission, until it expires (72 hours by
//! default) or staff revoke it. Its page shows no PHI beyond the patient's first name.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{PatientId, SelfReportLinkId, UserId};
use crate::instruments;

/// How long a link stays open unless the clinic says otherwise.
pub const DEFAULT_VALIDITY: SignedDuration = SignedDuration::from_hours(72);
/// Longest validity staff may choose (a week).
pub const MAX_VALIDITY_HOURS: i64 = 24 * 7;
/// Most instruments on one link (a form a patient finishes on a phone).
pub const MAX_INSTRUMENTS: usize = 5;

/// Instruments a patient may fill in alone: self-report questionnaires only. Clinician-rated
/// scales (MADRS, CADSS, MOAA/S) need a clinician; the C-SSRS screener is clinician- or
/// self-administered and kept for staff because a positive answer needs an immediate response.
pub const SELF_REPORT_INSTRUMENTS: [&str; 4] = ["phq9", "gad7", "qids_sr16", "pcl5"];

/// Where a link stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Open,
    Used,
    Expired,
    Revoked,
}

impl LinkState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Used => "used",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

/// A self-report link as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfReportLink {
    pub id: SelfReportLinkId,
    pub patient_id: PatientId,
    /// Instrument ids in the order the form shows them.
    pub instruments: Vec<String>,
    /// SHA-256 (hex) of the token.
    pub token_hash: String,
    /// Opened on a clinic tablet: the thank-you page hides the way back.
    pub kiosk: bool,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl SelfReportLink {
    /// The state at `now`. Used and revoked win over expired: they say what happened.
    pub fn state(&self, now: Timestamp) -> LinkState {
        if self.used_at.is_some() {
            LinkState::Used
        } else if self.revoked_at.is_some() {
            LinkState::Revoked
        } else if now >= self.expires_at {
            LinkState::Expired
        } else {
            LinkState::Open
        }
    }
}

/// Checks the instruments staff chose: 1–5 distinct self-report instruments.
pub fn check_instruments(ids: &[String]) -> Result<Vec<String>, FieldError> {
    if ids.is_empty() || ids.len() > MAX_INSTRUMENTS {
        return Err(FieldError::new("instruments", format!("choose between 1 and {MAX_INSTRUMENTS} questionnaires")));
    }
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        let id = id.trim();
        if instruments::get(id).is_none() {
            return Err(FieldError::new("instruments", format!("`{id}` is not an instrument this clinic knows")));
        }
        if !SELF_REPORT_INSTRUMENTS.contains(&id) {
            return Err(FieldError::new("instruments", format!("`{id}` is not a self-report questionnaire")));
        }
        if !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
    }
    Ok(out)
}

/// Checks a validity in hours (1 hour to a week).
pub fn check_validity_hours(hours: i64) -> Result<SignedDuration, FieldError> {
    if (1..=MAX_VALIDITY_HOURS).contains(&hours) {
        Ok(SignedDuration::from_hours(hours))
    } else {
        Err(FieldError::new("expires_in_hours", format!("must be between 1 and {MAX_VALIDITY_HOURS}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(used: Option<i64>, revoked: Option<i64>) -> SelfReportLink {
        let t = |s: i64| Timestamp::from_second(1_800_000_000 + s).unwrap_or(Timestamp::UNIX_EPOCH);
        SelfReportLink {
            id: SelfReportLinkId(uuid::Uuid::nil()),
            patient_id: PatientId(uuid::Uuid::nil()),
            instruments: vec!["phq9".to_owned()],
            token_hash: String::new(),
            kiosk: false,
            created_by: UserId(uuid::Uuid::nil()),
            created_at: t(0),
            expires_at: t(100),
            used_at: used.map(t),
            revoked_at: revoked.map(t),
        }
    }

    #[test]
    fn states() {
        let at = |s: i64| Timestamp::from_second(1_800_000_000 + s).unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(link(None, None).state(at(99)), LinkState::Open);
        assert_eq!(link(None, None).state(at(100)), LinkState::Expired, "expiry is exclusive");
        assert_eq!(link(Some(50), None).state(at(200)), LinkState::Used);
        assert_eq!(link(None, Some(50)).state(at(60)), LinkState::Revoked);
    }

    #[test]
    fn instrument_choice() {
        let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(check_instruments(&ids(&["phq9", "gad7", "phq9"])), Ok(ids(&["phq9", "gad7"])));
        assert!(check_instruments(&[]).is_err());
        assert!(check_instruments(&ids(&["madrs"])).is_err(), "clinician-rated");
        assert!(check_instruments(&ids(&["nope"])).is_err());
        assert!(check_validity_hours(0).is_err() && check_validity_hours(169).is_err() && check_validity_hours(72).is_ok());
    }
}
