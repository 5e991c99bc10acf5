//! FHIR search parameter values: `date` with its prefixes, `token` (`system|code`), references,
//! and the opaque keyset cursor. Pure parsing, tested here; the endpoints use it.

use jiff::Timestamp;
use jiff::civil::Date;

/// A refused parameter: its name and why (becomes an `OperationOutcome` issue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub param: String,
    pub message: String,
}

impl ParamError {
    pub fn new(param: &str, message: impl Into<String>) -> Self {
        Self { param: param.to_owned(), message: message.into() }
    }
}

/// One `date` parameter: a comparison with the range its value stands for (a day for
/// `YYYY-MM-DD`, an instant for a full date-time), per FHIR's date search rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateParam {
    prefix: Prefix,
    /// The value's range, `[lo, hi)`.
    lo: Timestamp,
    hi: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

impl DateParam {
    /// Parses `[eq|gt|ge|lt|le]YYYY-MM-DD` or `[prefix]` + an RFC 3339 date-time with its offset.
    /// Days are UTC days.
    pub fn parse(raw: &str) -> Result<Self, ParamError> {
        let bad = || ParamError::new("date", format!("{raw:?} is not a date (YYYY-MM-DD) or an RFC 3339 date-time, with an optional eq/gt/ge/lt/le prefix"));
        let (prefix, value) = match raw.get(..2) {
            Some("eq") => (Prefix::Eq, &raw[2..]),
            Some("gt") => (Prefix::Gt, &raw[2..]),
            Some("ge") => (Prefix::Ge, &raw[2..]),
            Some("lt") => (Prefix::Lt, &raw[2..]),
            Some("le") => (Prefix::Le, &raw[2..]),
            Some(p) if p.chars().all(|c| c.is_ascii_lowercase()) => {
                return Err(ParamError::new("date", format!("the prefix {p:?} is not supported (eq, gt, ge, lt, le)")));
            }
            _ => (Prefix::Eq, raw),
        };
        if let Ok(day) = value.parse::<Date>() {
            let lo = day.to_zoned(jiff::tz::TimeZone::UTC).map_err(|_| bad())?.timestamp();
            let hi = day.tomorrow().and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC)).map_err(|_| bad())?.timestamp();
            return Ok(Self { prefix, lo, hi });
        }
        let at: Timestamp = value.parse().map_err(|_| bad())?;
        let hi = at.checked_add(jiff::SignedDuration::from_micros(1)).map_err(|_| bad())?;
        Ok(Self { prefix, lo: at, hi })
    }

    /// The day this stands for when it is a plain `eq` of a whole day (`birthdate=1980-02-29`),
    /// which the native patient search can look up directly.
    pub fn as_day(&self) -> Option<Date> {
        let day = self.lo.to_zoned(jiff::tz::TimeZone::UTC).date();
        let whole_day = day.tomorrow().ok().and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok()).is_some_and(|next| next.timestamp() == self.hi);
        (self.prefix == Prefix::Eq && whole_day && self.lo.to_zoned(jiff::tz::TimeZone::UTC).time() == jiff::civil::Time::midnight()).then_some(day)
    }

    /// Whether a calendar day (a birth date) matches: the day is the range of its UTC day, so
    /// `ge1980-01-01` includes 1980-01-01 and `gt1980-01-01` starts the day after.
    pub fn matches_day(&self, day: Date) -> bool {
        day.to_zoned(jiff::tz::TimeZone::UTC).is_ok_and(|z| self.matches(z.timestamp()))
    }

    /// Whether an observation at `at` matches.
    pub fn matches(&self, at: Timestamp) -> bool {
        match self.prefix {
            Prefix::Eq => self.lo <= at && at < self.hi,
            Prefix::Ge => at >= self.lo,
            Prefix::Gt => at >= self.hi,
            Prefix::Le => at < self.hi,
            Prefix::Lt => at < self.lo,
        }
    }
}

/// One `token` alternative: `code`, `system|code`, or `system|` (any code of the system).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub system: Option<String>,
    pub code: Option<String>,
}

impl Token {
    /// Parses a comma-separated list of alternatives (FHIR "or").
    pub fn parse_list(param: &str, raw: &str) -> Result<Vec<Self>, ParamError> {
        raw.split(',')
            .map(|part| {
                let part = part.trim();
                if part.is_empty() {
                    return Err(ParamError::new(param, "has an empty value"));
                }
                Ok(match part.split_once('|') {
                    Some((system, code)) => Self { system: (!system.is_empty()).then(|| system.to_owned()), code: (!code.is_empty()).then(|| code.to_owned()) },
                    None => Self { system: None, code: Some(part.to_owned()) },
                })
            })
            .collect()
    }

    /// Whether a coding matches.
    pub fn matches(&self, system: &str, code: &str) -> bool {
        self.system.as_deref().is_none_or(|s| s == system) && self.code.as_deref().is_none_or(|c| c == code)
    }
}

/// The keyset position after an entry: its time (µs) and id, as `{micros}.{id}`.
pub fn cursor(at: Timestamp, id: &str) -> String {
    format!("{}.{id}", at.as_microsecond())
}

/// Parses a cursor made by [`cursor`].
pub fn parse_cursor(raw: &str) -> Result<(Timestamp, String), ParamError> {
    let bad = || ParamError::new("_cursor", "is not a cursor this server made (follow the Bundle's next link)");
    let (micros, id) = raw.split_once('.').ok_or_else(bad)?;
    let at = micros.parse::<i64>().ok().and_then(|m| Timestamp::from_microsecond(m).ok()).ok_or_else(bad)?;
    if id.is_empty() || id.len() > 64 {
        return Err(bad());
    }
    Ok((at, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn date_prefixes_follow_the_fhir_range_rules() {
        let day = |p: &str| DateParam::parse(p).unwrap_or_else(|e| panic!("{e:?}"));
        let morning = at("2026-11-22T09:00:00Z");
        let before = at("2026-11-21T23:59:59Z");
        let after = at("2026-11-23T00:00:00Z");
        assert!(day("2026-11-22").matches(morning) && !day("2026-11-22").matches(before) && !day("2026-11-22").matches(after));
        assert!(day("ge2026-11-22").matches(morning) && day("ge2026-11-22").matches(after) && !day("ge2026-11-22").matches(before));
        assert!(day("gt2026-11-22").matches(after) && !day("gt2026-11-22").matches(morning));
        assert!(day("le2026-11-22").matches(morning) && day("le2026-11-22").matches(before) && !day("le2026-11-22").matches(after));
        assert!(day("lt2026-11-22").matches(before) && !day("lt2026-11-22").matches(morning));
        let instant = day("ge2026-11-22T09:00:00Z");
        assert!(instant.matches(morning) && !instant.matches(at("2026-11-22T08:59:59Z")));
        assert!(day("eq2026-11-22T10:00:00+01:00").matches(morning), "offsets are honoured");
        for bad in ["", "yesterday", "ne2026-11-22", "sa2026-11-22", "2026-13-01", "ge"] {
            assert!(DateParam::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn birth_dates_are_whole_days() {
        let p = |raw: &str| DateParam::parse(raw).unwrap_or_else(|e| panic!("{e:?}"));
        let leap = jiff::civil::date(1980, 2, 29);
        assert_eq!(p("1980-02-29").as_day(), Some(leap));
        assert_eq!(p("eq1980-02-29").as_day(), Some(leap));
        assert_eq!(p("ge1980-02-29").as_day(), None, "a range is not one day");
        assert_eq!(p("1980-02-29T00:00:00Z").as_day(), None, "an instant is not a day");
        assert!(p("ge1980-02-29").matches_day(leap) && !p("gt1980-02-29").matches_day(leap));
        assert!(p("le1980-02-29").matches_day(leap) && !p("lt1980-02-29").matches_day(leap));
        assert!(p("gt1980-02-28").matches_day(leap) && p("lt1980-03-01").matches_day(leap));
    }

    #[test]
    fn tokens_and_references() {
        let list = Token::parse_list("code", "http://loinc.org|8867-4,85354-9").unwrap_or_default();
        assert!(list[0].matches("http://loinc.org", "8867-4") && !list[0].matches("http://other", "8867-4"));
        assert!(list[1].matches("anything", "85354-9"));
        assert!(Token::parse_list("code", "http://loinc.org|").unwrap_or_default()[0].matches("http://loinc.org", "x"));
        assert!(Token::parse_list("code", "a,,b").is_err());
        let id = ketaclinic_fhir::map::reference_id;
        assert_eq!((id("Patient/abc", "Patient"), id("https://x.org/fhir/Patient/abc", "Patient"), id("abc", "Patient")), ("abc", "abc", "abc"));
    }

    #[test]
    fn cursors_round_trip() {
        let t = at("2026-11-22T09:00:00.123456Z");
        assert_eq!(parse_cursor(&cursor(t, "hr-x")), Ok((t, "hr-x".to_owned())));
        assert!(parse_cursor("garbage").is_err());
        assert!(parse_cursor("12.").is_err());
    }
}
