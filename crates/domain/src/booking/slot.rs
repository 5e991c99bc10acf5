//! Time slots: half-open intervals of instants, and the clinic-local view of them.
//!
//! Bookings are stored as UTC instants ([`Timestamp`]), like every time in the domain
//! (ARCHITECTURE, "Storage guarantees"). Opening hours and working hours are wall-clock times in
//! the clinic's zone, so a slot is compared with them only after converting both ends to local
//! civil time; a daylight-saving change then moves the instant, never the 09:00 opening.
//!
//! Slots are half-open, `[start, end)`: a session ending at 11:00 and the next starting at 11:00
//! do not overlap, which is what "back-to-back in the same chair" needs.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::calendar::OpeningHours;
use crate::error::FieldError;

/// A booked or proposed interval, `start < end` (also when deserialised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawSlot")]
pub struct Slot {
    start: Timestamp,
    end: Timestamp,
}

impl Slot {
    /// A slot from `start` to `end`; refused unless `start < end`.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self, FieldError> {
        if end <= start {
            return Err(FieldError::new("slot", "must end after it starts"));
        }
        Ok(Self { start, end })
    }

    /// A slot of `length` from `start`; refused for a non-positive length or past year 9999.
    pub fn starting_at(start: Timestamp, length: SignedDuration) -> Result<Self, FieldError> {
        let end = start.checked_add(length).map_err(|_| FieldError::new("slot", "ends beyond the supported calendar"))?;
        Self::new(start, end)
    }

    /// First instant of the slot.
    pub fn start(self) -> Timestamp {
        self.start
    }

    /// First instant after the slot.
    pub fn end(self) -> Timestamp {
        self.end
    }

    /// Length of the slot.
    pub fn length(self) -> SignedDuration {
        self.end.duration_since(self.start)
    }

    /// Whether the two slots share an instant (back-to-back slots do not).
    pub fn overlaps(self, other: Self) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The slot on the clinic's wall clock, or `None` when it crosses local midnight (no clinic
    /// or staff day does, since [`OpeningHours`] cannot span midnight).
    pub fn local(self, tz: &TimeZone) -> Option<LocalSpan> {
        let start = tz.to_datetime(self.start);
        let end = tz.to_datetime(self.end);
        (start.date() == end.date()).then(|| LocalSpan { date: start.date(), start: start.time(), end: end.time() })
    }
}

/// A slot as it arrives, before [`Slot::new`] checks it.
#[derive(Deserialize)]
struct RawSlot {
    start: Timestamp,
    end: Timestamp,
}

impl TryFrom<RawSlot> for Slot {
    type Error = FieldError;

    fn try_from(raw: RawSlot) -> Result<Self, FieldError> {
        Self::new(raw.start, raw.end)
    }
}

/// A slot as the clinic's wall clock shows it: one local date, start and end times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalSpan {
    pub date: Date,
    pub start: Time,
    pub end: Time,
}

impl LocalSpan {
    /// Whether the whole span lies within `hours` (closing time may be reached, not passed).
    pub fn within(self, hours: OpeningHours) -> bool {
        hours.open() <= self.start && self.end <= hours.close()
    }
}

/// A preferred part of the day, e.g. "mornings 08:00–12:00": a session fits when it starts and
/// ends inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow(OpeningHours);

impl TimeWindow {
    /// A window from `from` to `to`; refused unless `from < to`.
    pub fn new(from: Time, to: Time) -> Result<Self, FieldError> {
        OpeningHours::new(from, to).map(Self).map_err(|_| FieldError::new("time_window", "must end after it starts"))
    }

    /// Start of the window.
    pub fn from(self) -> Time {
        self.0.open()
    }

    /// End of the window.
    pub fn to(self) -> Time {
        self.0.close()
    }

    /// Whether `span` lies wholly inside the window.
    pub fn contains(self, span: LocalSpan) -> bool {
        span.within(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn half_open_overlap() {
        let a = Slot::new(ts("2026-06-15T09:00:00Z"), ts("2026-06-15T11:00:00Z"));
        let b = Slot::new(ts("2026-06-15T11:00:00Z"), ts("2026-06-15T13:00:00Z"));
        let c = Slot::new(ts("2026-06-15T10:59:00Z"), ts("2026-06-15T12:00:00Z"));
        let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
        assert!(!a.overlaps(b) && !b.overlaps(a), "back-to-back is not an overlap");
        assert!(a.overlaps(c) && c.overlaps(a));
        assert!(Slot::new(a.end(), a.start()).is_err());
        assert!(Slot::new(a.start(), a.start()).is_err());
    }

    #[test]
    fn local_view_and_windows() {
        let tz = TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC);
        let slot = Slot::starting_at(ts("2026-06-15T13:00:00Z"), SignedDuration::from_mins(120)).unwrap();
        let span = slot.local(&tz);
        assert_eq!(span, Some(LocalSpan { date: date(2026, 6, 15), start: time(9, 0, 0, 0), end: time(11, 0, 0, 0) }));
        let morning = TimeWindow::new(time(9, 0, 0, 0), time(11, 0, 0, 0));
        assert!(span.zip(morning.ok()).is_some_and(|(s, w)| w.contains(s)));
        // 22:00–01:00 local crosses midnight.
        let late = Slot::starting_at(ts("2026-06-16T02:00:00Z"), SignedDuration::from_hours(3));
        assert_eq!(late.ok().and_then(|s| s.local(&tz)), None);
        assert!(TimeWindow::new(time(12, 0, 0, 0), time(9, 0, 0, 0)).is_err());
    }

    #[test]
    fn deserialising_checks_the_order() {
        let ok: Result<Slot, _> = serde_json::from_str(r#"{"start":"2026-06-15T13:00:00Z","end":"2026-06-15T15:00:00Z"}"#);
        assert_eq!(ok.map(Slot::length).ok(), Some(SignedDuration::from_hours(2)));
        let reversed: Result<Slot, _> = serde_json::from_str(r#"{"start":"2026-06-15T15:00:00Z","end":"2026-06-15T13:00:00Z"}"#);
        assert!(reversed.is_err());
    }
}
