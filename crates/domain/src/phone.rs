//! Telephone numbers normalised to E.164 (`+` country code and subscriber number, ≤ 15 digits).
//!
//! Issue 3 asks for enquiry phone numbers in E.164 "with the clinic's default region". A full
//! numbering-plan library (libphonenumber's metadata) is a large dependency for one field, so
//! this does the part that can be done exactly with a few rules:
//!
//! - A number written with a leading `+` (or the international prefix `00`) is taken as
//!   international: 8–15 digits, country code not starting with 0. Numbers for North America
//!   (`+1`) are also checked against the NANP rules below.
//! - A national number is accepted only when the clinic's region is in the North American
//!   Numbering Plan (US, Canada …): 10 digits, or 11 with the trunk prefix `1`, where the area
//!   code and exchange start with 2–9 (NANP `NXX-NXX-XXXX`). Other regions' national formats
//!   (trunk prefixes, variable lengths) are not guessed: with [`PhoneRegion::International`] a
//!   national number is refused with a message asking for the `+` form, rather than stored
//!   wrongly.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::person::Phone;

/// How a number without a country code is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhoneRegion {
    /// North American Numbering Plan (country code 1).
    #[default]
    Nanp,
    /// No default: numbers must be written with `+` and a country code.
    International,
}

impl PhoneRegion {
    /// Parses the `clinic.phone_region` setting: an ISO 3166 code of a NANP member, or
    /// `international`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "US" | "CA" | "PR" | "VI" | "GU" | "AS" | "MP" | "BS" | "BB" | "JM" | "TT" | "DO" | "BM" => Ok(Self::Nanp),
            "INTERNATIONAL" => Ok(Self::International),
            _ => Err(FieldError::new("phone_region", "must be a North American Numbering Plan country (US, CA …) or international")),
        }
    }
}

/// A number in E.164 form, e.g. `+12125550143`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct E164(String);

/// NANP `NXX NXX XXXX`: area code and exchange begin with 2–9.
fn nanp_ok(ten: &str) -> bool {
    let b = ten.as_bytes();
    b.len() == 10 && matches!(b.first(), Some(b'2'..=b'9')) && matches!(b.get(3), Some(b'2'..=b'9'))
}

impl E164 {
    /// Parses a number as a person types it (spaces, dashes, dots, parentheses allowed).
    pub fn parse(raw: &str, region: PhoneRegion) -> Result<Self, FieldError> {
        let cleaned = Phone::parse(raw)?;
        let text = cleaned.as_str();
        let international = text.strip_prefix('+').or_else(|| text.strip_prefix("00"));
        let digits = match (international, region) {
            (Some(intl), _) => intl.to_owned(),
            (None, PhoneRegion::Nanp) => match text.len() {
                10 => format!("1{text}"),
                11 if text.starts_with('1') => text.to_owned(),
                _ => return Err(FieldError::new("phone", "must be a 10-digit North American number or start with + and a country code")),
            },
            (None, PhoneRegion::International) => return Err(FieldError::new("phone", "must start with + and a country code")),
        };
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(FieldError::new("phone", "must be an international number: + and 8–15 digits, not starting with 0"));
        }
        if let Some(national) = digits.strip_prefix('1')
            && !nanp_ok(national)
        {
            return Err(FieldError::new("phone", "is not a valid North American number (area code and exchange start with 2–9)"));
        }
        Ok(Self(format!("+{digits}")))
    }

    /// Reads back a stored value (already normalised); refuses anything else.
    pub fn from_stored(raw: &str) -> Result<Self, FieldError> {
        let parsed = Self::parse(raw, PhoneRegion::International)?;
        if parsed.0 == raw { Ok(parsed) } else { Err(FieldError::new("phone", "is not in E.164 form")) }
    }

    /// The E.164 text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(raw: &str, region: PhoneRegion) -> Result<String, String> {
        E164::parse(raw, region).map(|p| p.as_str().to_owned()).map_err(|e| e.message)
    }

    #[test]
    fn north_american_numbers() {
        for raw in ["(212) 555-0143", "212.555.0143", "1 212 555 0143", "+1 212-555-0143", "001 212 555 0143"] {
            assert_eq!(e164(raw, PhoneRegion::Nanp), Ok("+12125550143".to_owned()), "{raw}");
        }
        for bad in ["112 555 0143", "212 155 0143", "555 0143", "2 212 555 0143", "+1 012 555 0143"] {
            assert!(e164(bad, PhoneRegion::Nanp).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn international_numbers() {
        assert_eq!(e164("+44 20 7946 0958", PhoneRegion::Nanp), Ok("+442079460958".to_owned()));
        assert_eq!(e164("+44 20 7946 0958", PhoneRegion::International), Ok("+442079460958".to_owned()));
        assert!(e164("020 7946 0958", PhoneRegion::International).is_err(), "national numbers need a region");
        assert!(e164("+0 123 4567 89", PhoneRegion::Nanp).is_err());
        assert!(e164("+1234567", PhoneRegion::Nanp).is_err(), "too short");
        assert!(e164("call me", PhoneRegion::Nanp).is_err());
    }

    #[test]
    fn stored_values_round_trip() {
        assert_eq!(E164::from_stored("+12125550143").map(|p| p.as_str().to_owned()), Ok("+12125550143".to_owned()));
        assert!(E164::from_stored("2125550143").is_err());
        assert_eq!(PhoneRegion::parse("us"), Ok(PhoneRegion::Nanp));
        assert!(PhoneRegion::parse("GB").is_err());
    }
}
