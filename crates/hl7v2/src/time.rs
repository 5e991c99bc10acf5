//! HL7 date/time values (DTM, the first component of TS):
//! `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`.
//!
//! A reading needs at least minute precision. Without an offset the time is the sender's
//! local time; [`Hl7Time::to_timestamp`] resolves it in the time zone the caller gives (the
//! clinic's).

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, Zoned};

/// A date and time as an HL7 message wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hl7Time {
    pub civil: DateTime,
    /// UTC offset in seconds, when the value carried one.
    pub offset_seconds: Option<i32>,
}

fn digits(s: &str) -> Option<i32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn int8(s: &str) -> Option<i8> {
    digits(s).and_then(|v| i8::try_from(v).ok())
}

impl Hl7Time {
    /// Parses a DTM with at least minute precision; `None` when it is not one.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let (body, offset) = match raw.find(['+', '-']) {
            Some(at) => (raw.get(..at)?, Some(raw.get(at..)?)),
            None => (raw, None),
        };
        let (main, fraction) = match body.split_once('.') {
            Some((m, f)) => (m, Some(f)),
            None => (body, None),
        };
        if !matches!(main.len(), 12 | 14) || !main.is_ascii() {
            return None;
        }
        let year = digits(main.get(0..4)?).and_then(|y| i16::try_from(y).ok())?;
        let month = int8(main.get(4..6)?)?;
        let day = int8(main.get(6..8)?)?;
        let hour = int8(main.get(8..10)?)?;
        let minute = int8(main.get(10..12)?)?;
        let second = if main.len() == 14 { int8(main.get(12..14)?)? } else { 0 };
        let nanos = match fraction {
            None => 0,
            Some(f) if (1..=4).contains(&f.len()) && main.len() == 14 => {
                let value = digits(f)?;
                let scale = 10_i32.checked_pow(u32::try_from(9_usize.checked_sub(f.len())?).ok()?)?;
                value.checked_mul(scale)?
            }
            Some(_) => return None,
        };
        let d = jiff::civil::Date::new(year, month, day).ok()?;
        let t = jiff::civil::Time::new(hour, minute, second, nanos).ok()?;
        let offset_seconds = match offset {
            None => None,
            Some(o) => {
                let sign = if o.starts_with('-') { -1 } else { 1 };
                let hhmm = o.get(1..)?;
                if hhmm.len() != 4 {
                    return None;
                }
                let hours = digits(hhmm.get(0..2)?)?;
                let minutes = digits(hhmm.get(2..4)?)?;
                if hours > 14 || minutes > 59 {
                    return None;
                }
                Some(sign * (hours * 3600 + minutes * 60))
            }
        };
        Some(Self { civil: d.to_datetime(t), offset_seconds })
    }

    /// The instant, using the message's offset, else `local` (the clinic's zone). A local time
    /// that falls in a DST gap or fold resolves the way jiff's compatible strategy does.
    pub fn to_timestamp(&self, local: &TimeZone) -> Option<Timestamp> {
        match self.offset_seconds {
            Some(seconds) => {
                let offset = Offset::from_seconds(seconds).ok()?;
                offset.to_timestamp(self.civil).ok()
            }
            None => self.civil.to_zoned(local.clone()).ok().map(|z: Zoned| z.timestamp()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn precision_and_offsets() {
        let t = Hl7Time::parse("20260315093012.25+0100").unwrap();
        assert_eq!(t.civil, date(2026, 3, 15).at(9, 30, 12, 250_000_000));
        assert_eq!(t.offset_seconds, Some(3600));
        assert_eq!(t.to_timestamp(&TimeZone::UTC).unwrap().to_string(), "2026-03-15T08:30:12.25Z");
        let local = Hl7Time::parse("202603150930").unwrap();
        assert_eq!(local.offset_seconds, None);
        let ny = TimeZone::get("America/New_York").unwrap();
        assert_eq!(local.to_timestamp(&ny).unwrap().to_string(), "2026-03-15T13:30:00Z");
        assert_eq!(Hl7Time::parse("20260315093000-0500").unwrap().to_timestamp(&TimeZone::UTC).unwrap().to_string(), "2026-03-15T14:30:00Z");
    }

    #[test]
    fn bad_values_are_none() {
        for bad in [
            "",
            "2026",
            "20260315",
            "2026031509",
            "20261315093000",
            "20260230093000",
            "20260315256000",
            "2026031509300x",
            "20260315093000+01",
            "20260315093000+2500",
            "202603150930.5",
            "20260315093000.12345",
            "２０２６03150930",
        ] {
            assert_eq!(Hl7Time::parse(bad), None, "{bad}");
        }
    }
}
