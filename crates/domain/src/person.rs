//! Values that describe a person: names, birth date, administrative sex, contacts.
//!
//! Limits are generous enough for real names and addresses and small enough that one request
//! cannot store megabytes in a field.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// Longest accepted name part, in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// Longest accepted e-mail address (RFC 5321 path limit).
pub const EMAIL_MAX_CHARS: usize = 254;

/// A given or family name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    /// Parses a name part.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new("name", "must not be empty"));
        }
        if trimmed.chars().count() > NAME_MAX_CHARS {
            return Err(FieldError::new("name", format!("must be at most {NAME_MAX_CHARS} characters")));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(FieldError::new("name", "must not contain control characters"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name as entered (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonName {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PersonName> for String {
    fn from(value: PersonName) -> Self {
        value.0
    }
}

/// The earliest birth date accepted; anything earlier is a typing error.
const EARLIEST_BIRTH_DATE: Date = jiff::civil::date(1900, 1, 1);

/// A date of birth: a real calendar date between 1900-01-01 and today (clinic-local).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BirthDate(Date);

impl BirthDate {
    /// Parses `YYYY-MM-DD`; `today` is the clinic-local date, passed in because the domain has
    /// no clock.
    pub fn parse(raw: &str, today: Date) -> Result<Self, FieldError> {
        let date: Date = raw.trim().parse().map_err(|_| FieldError::new("birth_date", "must be a real calendar date written YYYY-MM-DD"))?;
        Self::new(date, today)
    }

    /// Checks an already parsed date against the accepted range.
    pub fn new(date: Date, today: Date) -> Result<Self, FieldError> {
        if date > today {
            return Err(FieldError::new("birth_date", "must not be in the future"));
        }
        if date < EARLIEST_BIRTH_DATE {
            return Err(FieldError::new("birth_date", "must be on or after 1900-01-01"));
        }
        Ok(Self(date))
    }

    /// The calendar date.
    pub fn date(self) -> Date {
        self.0
    }
}

/// Administrative sex as FHIR R4 `AdministrativeGender` defines it (male | female | other |
/// unknown); clinical sex and gender identity belong to the full chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

impl Sex {
    /// Every value, in the order a form lists them.
    pub const ALL: [Self; 4] = [Self::Female, Self::Male, Self::Other, Self::Unknown];

    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::Other => "other",
            Self::Unknown => "unknown",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw.trim()).ok_or_else(|| FieldError::new("sex", "must be one of female, male, other, unknown"))
    }
}

/// An e-mail address: trimmed, lower-cased, one `@` with text on both sides, at most 254
/// characters. Deliverability is not checked; it is a contact detail, not a login proof.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses an address.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_lowercase();
        if value.chars().count() > EMAIL_MAX_CHARS {
            return Err(FieldError::new("email", format!("must be at most {EMAIL_MAX_CHARS} characters")));
        }
        let valid = match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if valid { Ok(Self(value)) } else { Err(FieldError::new("email", "must be an e-mail address like name@example.org")) }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

/// A telephone number as entered: 7–15 digits with an optional leading `+` and common
/// separators (space, `-`, `.`, parentheses), stored with separators removed. Normalising to
/// E.164 with the clinic's region belongs to the enquiry work, which knows the region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Parses a number.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        let mut out = String::with_capacity(trimmed.len());
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '+' if i == 0 => out.push('+'),
                '0'..='9' => out.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(FieldError::new("phone", "may contain only digits, a leading +, spaces, dashes, dots and parentheses")),
            }
        }
        let digits = out.chars().filter(char::is_ascii_digit).count();
        if !(7..=15).contains(&digits) {
            return Err(FieldError::new("phone", "must have between 7 and 15 digits"));
        }
        Ok(Self(out))
    }

    /// The number without separators.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn birth_date_rejects_impossible_and_future_dates() {
        let today = date(2026, 11, 21);
        assert_eq!(BirthDate::parse("1980-02-29", today).map(BirthDate::date), Ok(date(1980, 2, 29)));
        assert!(BirthDate::parse("1980-02-30", today).is_err());
        assert!(BirthDate::parse("1981-02-29", today).is_err());
        assert!(BirthDate::parse("2026-11-22", today).is_err());
        assert!(BirthDate::parse("1899-12-31", today).is_err());
        assert!(BirthDate::parse("21/11/1980", today).is_err());
        assert_eq!(BirthDate::parse("2026-11-21", today).map(BirthDate::date), Ok(today));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ada ").map(|n| n.as_str().to_owned()), Ok("Ada".to_owned()));
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert!(PersonName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(Email::parse(" Nurse@Example.ORG ").map(|e| e.as_str().to_owned()), Ok("nurse@example.org".to_owned()));
        for bad in ["", "a", "a@b", "@b.org", "a@.org", "a@b.", "a b@c.org", "a@b@c.org"] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn phones_keep_digits_and_leading_plus() {
        assert_eq!(Phone::parse("+1 (555) 010-0199").map(|p| p.as_str().to_owned()), Ok("+15550100199".to_owned()));
        assert!(Phone::parse("555-01").is_err());
        assert!(Phone::parse("1+555010019").is_err());
        assert!(Phone::parse("call me").is_err());
    }

    #[test]
    fn sex_round_trips() {
        for s in Sex::ALL {
            assert_eq!(Sex::parse(s.as_str()), Ok(s));
        }
        assert!(Sex::parse("f").is_err());
    }
}
