//! The clinic's business calendar and the enquiry call-back promise it implies.
//!
//! Issue 3 (item 1): clinics promise to call back "within one business day". The clock starts
//! when the enquiry arrives if the clinic is open then, otherwise at the next opening; the enquiry
//! is due at the same local wall-clock time on the next business day, clamped to that day's
//! opening hours. All of this is done in the clinic's local time (civil dates and times) and only
//! converted to an instant at the end, so a daylight-saving change between the two days moves
//! the instant, not the promise ("Fri 16:00 → Mon 16:00" stays 16:00 on the wall clock).
//!
//! Choices the issue leaves open, written down here:
//! - The issue says "clamped to that day's closing time". When the next business day opens
//!   *later* than the start time (e.g. Monday 09:00–17:00, Tuesday 12:00–17:00, received Monday
//!   10:00) the due time is also raised to the opening, because a call-back promise that falls
//!   while the clinic is closed cannot be kept by anyone. So the due time always lies within
//!   that day's business hours, closing time included.
//! - Opening hours are half-open for "is the clinic open now": open at 09:00, closed at 17:00.
//! - A local time that does not exist (inside a spring-forward gap) is moved forward by the
//!   gap's length, and an ambiguous one (fall-back fold) takes the earlier instant — jiff's
//!   "compatible" rule, the same one RFC 5545 calendars use.

use std::collections::BTreeSet;

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::error::FieldError;

/// One day's opening hours: `open` < `close`, both clinic-local.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningHours {
    open: Time,
    close: Time,
}

impl OpeningHours {
    /// Checks that the clinic closes after it opens (overnight spans are not supported).
    pub fn new(open: Time, close: Time) -> Result<Self, FieldError> {
        if close <= open {
            return Err(FieldError::new("business_hours", "closing time must be after opening time"));
        }
        Ok(Self { open, close })
    }

    /// Opening time.
    pub fn open(self) -> Time {
        self.open
    }

    /// Closing time.
    pub fn close(self) -> Time {
        self.close
    }

    /// Open at `time` (opening inclusive, closing exclusive).
    fn contains(self, time: Time) -> bool {
        self.open <= time && time < self.close
    }
}

/// Time zone, weekly opening hours and closed dates of the clinic.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessCalendar {
    tz: TimeZone,
    /// Indexed Monday = 0 … Sunday = 6; `None` is closed all day.
    hours: [Option<OpeningHours>; 7],
    holidays: BTreeSet<Date>,
}

fn weekday_index(day: Weekday) -> usize {
    // `to_monday_zero_offset` is 0..=6, so this conversion never fails.
    usize::try_from(day.to_monday_zero_offset()).unwrap_or(0)
}

impl BusinessCalendar {
    /// A calendar; refused when no weekday is open, since then no enquiry could ever be due.
    pub fn new(tz: TimeZone, hours: [Option<OpeningHours>; 7], holidays: BTreeSet<Date>) -> Result<Self, FieldError> {
        if hours.iter().all(Option::is_none) {
            return Err(FieldError::new("business_hours", "at least one weekday must be open"));
        }
        Ok(Self { tz, hours, holidays })
    }

    /// The default of the configuration: Monday–Friday 09:00–17:00, no holidays, in `tz`.
    pub fn weekdays_nine_to_five(tz: TimeZone) -> Self {
        let day = Some(OpeningHours { open: Time::constant(9, 0, 0, 0), close: Time::constant(17, 0, 0, 0) });
        Self { tz, hours: [day, day, day, day, day, None, None], holidays: BTreeSet::new() }
    }

    /// The same calendar with `holidays` as its closed dates.
    #[must_use]
    pub fn with_holidays(self, holidays: BTreeSet<Date>) -> Self {
        Self { holidays, ..self }
    }

    /// The clinic's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// Opening hours on `date`, or `None` when the clinic is closed that whole day (weekday
    /// closed or a holiday).
    pub fn hours_on(&self, date: Date) -> Option<OpeningHours> {
        if self.holidays.contains(&date) {
            return None;
        }
        self.hours.get(weekday_index(date.weekday())).copied().flatten()
    }

    /// The first business day strictly after `date`.
    ///
    /// Among any `7 × (holidays + 1)` consecutive days at least `holidays + 1` fall on an open
    /// weekday (the constructor guarantees one exists) and at most `holidays` of them are
    /// closed, so the bounded search always finds one unless the calendar's end (year 9999)
    /// is reached.
    fn next_business_day(&self, date: Date) -> Option<(Date, OpeningHours)> {
        let limit = self.holidays.len().saturating_add(2).saturating_mul(7);
        let mut day = date;
        for _ in 0..limit {
            day = day.tomorrow().ok()?;
            if let Some(hours) = self.hours_on(day) {
                return Some((day, hours));
            }
        }
        None
    }

    /// When the clock starts for something received at local `at`: `at` itself when the
    /// clinic is open then, otherwise the next opening.
    fn clock_start(&self, at: DateTime) -> Option<(Date, Time)> {
        match self.hours_on(at.date()) {
            Some(hours) if hours.contains(at.time()) => Some((at.date(), at.time())),
            Some(hours) if at.time() < hours.open => Some((at.date(), hours.open)),
            _ => self.next_business_day(at.date()).map(|(day, hours)| (day, hours.open)),
        }
    }

    /// When an enquiry received at `received_at` must have been answered (see the module docs).
    ///
    /// Falls back to 24 hours after receipt only when the local calendar runs out (year 9999),
    /// which no real enquiry reaches; the fallback keeps the function total without a panic.
    pub fn contact_due_by(&self, received_at: Timestamp) -> Timestamp {
        self.due_local(received_at)
            .and_then(|due| due.to_zoned(self.tz.clone()).ok())
            .map_or_else(|| received_at.saturating_add(SignedDuration::from_hours(24)).unwrap_or(received_at), |z| z.timestamp())
    }

    /// The close of the first business day after the local date of `at`: the deadline of
    /// something due "within one business day" of `at` (e.g. notifying the DEA of a theft,
    /// REFERENCE §7.8). Falls back to 24 hours after `at` only when the calendar runs out.
    pub fn end_of_next_business_day(&self, at: Timestamp) -> Timestamp {
        let local = self.tz.to_datetime(at);
        self.next_business_day(local.date())
            .and_then(|(day, hours)| day.to_datetime(hours.close).to_zoned(self.tz.clone()).ok())
            .map_or_else(|| at.saturating_add(SignedDuration::from_hours(24)).unwrap_or(at), |z| z.timestamp())
    }

    fn due_local(&self, received_at: Timestamp) -> Option<DateTime> {
        let local = self.tz.to_datetime(received_at);
        let (start_day, start_time) = self.clock_start(local)?;
        let (due_day, hours) = self.next_business_day(start_day)?;
        let time = start_time.clamp(hours.open, hours.close);
        Some(due_day.to_datetime(time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};
    use proptest::prelude::*;

    fn new_york() -> TimeZone {
        TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC)
    }

    fn at(tz: &TimeZone, d: Date, hour: i8, minute: i8) -> Timestamp {
        d.to_datetime(time(hour, minute, 0, 0)).to_zoned(tz.clone()).map(|z| z.timestamp()).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn due_local(cal: &BusinessCalendar, received: Timestamp) -> DateTime {
        cal.tz.to_datetime(cal.contact_due_by(received))
    }

    #[test]
    fn the_issue_examples_in_new_york() {
        let tz = new_york();
        assert_eq!(tz.iana_name(), Some("America/New_York"), "system tzdb needed for this test");
        let cal = BusinessCalendar::weekdays_nine_to_five(tz.clone());
        // 2026-06-11 is a Thursday.
        assert_eq!(date(2026, 6, 12).weekday(), Weekday::Friday);
        // Open on Friday afternoon: due Monday, same wall-clock time.
        assert_eq!(due_local(&cal, at(&tz, date(2026, 6, 12), 16, 0)), date(2026, 6, 15).at(16, 0, 0, 0));
        // Saturday: clock starts Monday 09:00, due Tuesday 09:00.
        assert_eq!(due_local(&cal, at(&tz, date(2026, 6, 13), 11, 0)), date(2026, 6, 16).at(9, 0, 0, 0));
        // Thursday evening: clock starts Friday 09:00, due Monday 09:00.
        assert_eq!(due_local(&cal, at(&tz, date(2026, 6, 11), 20, 0)), date(2026, 6, 15).at(9, 0, 0, 0));
        // Before opening the same day: clock starts at opening.
        assert_eq!(due_local(&cal, at(&tz, date(2026, 6, 11), 7, 30)), date(2026, 6, 12).at(9, 0, 0, 0));
        // Exactly at closing the clinic is closed.
        assert_eq!(due_local(&cal, at(&tz, date(2026, 6, 11), 17, 0)), date(2026, 6, 15).at(9, 0, 0, 0));
        // Exactly at opening it is open.
        assert_eq!(due_local(&cal, at(&tz, date(2026, 6, 11), 9, 0)), date(2026, 6, 12).at(9, 0, 0, 0));
    }

    #[test]
    fn a_holiday_monday_is_skipped() {
        let tz = new_york();
        let holidays = BTreeSet::from([date(2026, 9, 7)]); // Labor Day, a Monday.
        let base = BusinessCalendar::weekdays_nine_to_five(tz.clone());
        let cal = BusinessCalendar::new(tz.clone(), base.hours, holidays).unwrap_or(base);
        assert_eq!(due_local(&cal, at(&tz, date(2026, 9, 4), 16, 0)), date(2026, 9, 8).at(16, 0, 0, 0));
        assert_eq!(due_local(&cal, at(&tz, date(2026, 9, 3), 20, 0)), date(2026, 9, 8).at(9, 0, 0, 0));
        // Received on the holiday itself: clock starts Tuesday, due Wednesday.
        assert_eq!(due_local(&cal, at(&tz, date(2026, 9, 7), 10, 0)), date(2026, 9, 9).at(9, 0, 0, 0));
    }

    #[test]
    fn due_time_is_clamped_to_the_due_days_hours() {
        let tz = TimeZone::UTC;
        let full = OpeningHours::new(time(9, 0, 0, 0), time(17, 0, 0, 0)).ok();
        let morning = OpeningHours::new(time(9, 0, 0, 0), time(12, 0, 0, 0)).ok();
        let late = OpeningHours::new(time(12, 0, 0, 0), time(17, 0, 0, 0)).ok();
        let cal = BusinessCalendar::new(tz.clone(), [morning, late, full, full, full, None, None], BTreeSet::new());
        let Ok(cal) = cal else { return assert!(cal.is_ok()) };
        // Friday 16:00 → Monday, which closes at 12:00.
        assert_eq!(due_local(&cal, at(&tz, date(2026, 6, 12), 16, 0)), date(2026, 6, 15).at(12, 0, 0, 0));
        // Monday 10:00 → Tuesday, which opens only at 12:00.
        assert_eq!(due_local(&cal, at(&tz, date(2026, 6, 15), 10, 0)), date(2026, 6, 16).at(12, 0, 0, 0));
    }

    #[test]
    fn daylight_saving_changes_keep_the_wall_clock() {
        let tz = new_york();
        let cal = BusinessCalendar::weekdays_nine_to_five(tz.clone());
        // Spring forward on Sunday 2026-03-08: Friday 16:00 EST → Monday 16:00 EDT, 71 hours.
        let received = at(&tz, date(2026, 3, 6), 16, 0);
        let due = cal.contact_due_by(received);
        assert_eq!(received.to_string(), "2026-03-06T21:00:00Z");
        assert_eq!(due.to_string(), "2026-03-09T20:00:00Z");
        assert_eq!(due.duration_since(received), SignedDuration::from_hours(71));
        // Fall back on Sunday 2026-11-01: Friday 16:00 EDT → Monday 16:00 EST, 73 hours.
        let received = at(&tz, date(2026, 10, 30), 16, 0);
        assert_eq!(cal.contact_due_by(received).duration_since(received), SignedDuration::from_hours(73));
    }

    #[test]
    fn a_due_time_inside_the_spring_forward_gap_moves_forward() {
        let tz = new_york();
        let night = OpeningHours::new(time(1, 0, 0, 0), time(4, 0, 0, 0)).ok();
        let cal = BusinessCalendar::new(tz.clone(), [None, None, None, None, None, night, night], BTreeSet::new());
        let Ok(cal) = cal else { return assert!(cal.is_ok()) };
        // Saturday 02:30 EST → Sunday 02:30, which does not exist → 03:30 EDT (07:30Z).
        let due = cal.contact_due_by(at(&tz, date(2026, 3, 7), 2, 30));
        assert_eq!(due.to_string(), "2026-03-08T07:30:00Z");
    }

    #[test]
    fn a_calendar_needs_an_open_day() {
        assert!(BusinessCalendar::new(TimeZone::UTC, [None; 7], BTreeSet::new()).is_err());
        assert!(OpeningHours::new(time(17, 0, 0, 0), time(9, 0, 0, 0)).is_err());
        assert!(OpeningHours::new(time(9, 0, 0, 0), time(9, 0, 0, 0)).is_err());
    }

    proptest! {
        #[test]
        fn due_is_later_and_within_business_hours(
            seconds in 1_577_836_800_i64..1_924_992_000,
            holiday_offsets in proptest::collection::btree_set(0_i32..4000, 0..40),
            closed_mask in 0_u8..127,
        ) {
            let tz = new_york();
            let base = date(2020, 1, 1);
            let holidays = holiday_offsets.iter().filter_map(|d| base.checked_add(jiff::Span::new().days(*d)).ok()).collect();
            let nine_to_five = OpeningHours::new(time(9, 0, 0, 0), time(17, 0, 0, 0)).ok();
            let early = OpeningHours::new(time(7, 30, 0, 0), time(11, 0, 0, 0)).ok();
            let mut hours = [nine_to_five; 7];
            for (i, slot) in hours.iter_mut().enumerate() {
                if closed_mask & (1 << i) != 0 {
                    *slot = None;
                } else if i % 3 == 0 {
                    *slot = early;
                }
            }
            let cal = BusinessCalendar::new(tz.clone(), hours, holidays);
            prop_assume!(cal.is_ok());
            let Ok(cal) = cal else { return Ok(()) };
            let received = Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH);
            let due = cal.contact_due_by(received);
            prop_assert!(due > received);
            let local = tz.to_datetime(due);
            let day_hours = cal.hours_on(local.date());
            prop_assert!(day_hours.is_some(), "due on a closed day: {local}");
            if let Some(h) = day_hours {
                prop_assert!(h.open() <= local.time() && local.time() <= h.close(), "due {local} outside {h:?}");
            }
            // At most one business day of waiting after the clock starts: no business day lies
            // strictly between the received date and the due date, other than the start day.
            let received_local = tz.to_datetime(received);
            let mut business_days_between = 0;
            let mut day = received_local.date();
            while let Ok(next) = day.tomorrow() {
                if next >= local.date() { break; }
                if cal.hours_on(next).is_some() { business_days_between += 1; }
                day = next;
            }
            prop_assert!(business_days_between <= 1, "{received_local} → {local}");
        }
    }
}
