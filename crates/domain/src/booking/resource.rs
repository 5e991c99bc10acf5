//! The bookable resources of the clinic: treatment chairs and rooms, staff, and patients.
//!
//! Issue 8, item 1. A chair is the scarcest thing the clinic has (a two-hour slot per session),
//! so chairs and rooms are first-class resources with their own ids rather than free text on a
//! booking. Staff are the accounts of `staff.rs` (a [`UserId`] and a [`Role`]) plus what the
//! scheduler needs: weekly working hours on the clinic's wall clock and whether they work on
//! site — a prescriber who only sees patients by video cannot be the prescriber "on site" that
//! the SPRAVATO REMS requires (REFERENCE §2.4).

use std::fmt;

use jiff::civil::Weekday;
use serde::{Deserialize, Serialize};

use crate::calendar::OpeningHours;
use crate::error::FieldError;
use crate::ids::UserId;
use crate::staff::Role;

use super::slot::LocalSpan;

/// A chair or a room (generated in `app`, like every id: UUIDv7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpaceId(pub uuid::Uuid);

impl fmt::Display for SpaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a space is for: a reclining treatment chair with a monitor (drug sessions) or a room
/// (therapy, consults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpaceKind {
    Chair,
    Room,
}

/// A display name of a resource ("Chair 2", "Garden room"): trimmed, 1–60 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ResourceName(String);

impl ResourceName {
    /// Trims and checks the length.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        match name.chars().count() {
            0 => Err(FieldError::new("name", "must not be empty")),
            61.. => Err(FieldError::new("name", "must be at most 60 characters")),
            _ => Ok(Self(name.to_owned())),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A chair or room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    pub id: SpaceId,
    pub name: ResourceName,
    pub kind: SpaceKind,
}

/// A staff member's weekly working hours, per weekday, on the clinic's wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WorkingHours([Option<OpeningHours>; 7]);

impl WorkingHours {
    /// Hours indexed Monday = 0 … Sunday = 6; `None` is a day off.
    pub fn new(days: [Option<OpeningHours>; 7]) -> Self {
        Self(days)
    }

    /// The same `hours` on each of `days`, off on the others.
    pub fn on(days: &[Weekday], hours: OpeningHours) -> Self {
        let mut week = [None; 7];
        for day in days {
            if let Some(slot) = week.get_mut(weekday_index(*day)) {
                *slot = Some(hours);
            }
        }
        Self(week)
    }

    /// Hours on `day`, `None` on a day off.
    pub fn on_day(&self, day: Weekday) -> Option<OpeningHours> {
        self.0.get(weekday_index(day)).copied().flatten()
    }

    /// Whether the member works during the whole of `span`.
    pub fn cover(&self, span: LocalSpan) -> bool {
        self.on_day(span.date.weekday()).is_some_and(|hours| span.within(hours))
    }
}

fn weekday_index(day: Weekday) -> usize {
    // `to_monday_zero_offset` is 0..=6, so the conversion never fails.
    usize::try_from(day.to_monday_zero_offset()).unwrap_or(0)
}

/// Where a staff member works: only `OnSite` staff count as "on site" for the REMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    OnSite,
    Remote,
}

/// A staff member as the scheduler sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: UserId,
    pub name: ResourceName,
    pub role: Role,
    pub hours: WorkingHours,
    pub presence: Presence,
}

/// What a patient has in place before a drug session (issue 8, item 2): an eligibility decision,
/// signed consent, and for esketamine enrolment in the SPRAVATO REMS, which must happen
/// "before first treatment" (REFERENCE §2.5). `app` derives these from the eligibility, consent
/// and REMS records; the scheduler only reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Readiness {
    pub eligibility_decided: bool,
    pub consent_signed: bool,
    pub rems_enrolled: bool,
}

impl Readiness {
    /// Everything in place.
    pub const READY: Self = Self { eligibility_decided: true, consent_signed: true, rems_enrolled: true };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::slot::LocalSpan;
    use jiff::civil::{date, time};

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(ResourceName::parse("  Chair 1 ").map(|n| n.as_str().to_owned()), Ok("Chair 1".to_owned()));
        assert!(ResourceName::parse("   ").is_err());
        assert!(ResourceName::parse(&"x".repeat(61)).is_err());
        assert!(ResourceName::parse(&"x".repeat(60)).is_ok());
    }

    #[test]
    fn working_hours_cover_whole_spans_only() {
        let hours = OpeningHours::new(time(8, 0, 0, 0), time(16, 0, 0, 0)).unwrap();
        let week = WorkingHours::on(&[Weekday::Monday, Weekday::Wednesday], hours);
        let monday = date(2026, 6, 15);
        let span = |d, s, e| LocalSpan { date: d, start: time(s, 0, 0, 0), end: time(e, 0, 0, 0) };
        assert!(week.cover(span(monday, 8, 16)), "start and end at the edges");
        assert!(!week.cover(span(monday, 15, 17)), "runs past the end of the shift");
        assert!(!week.cover(span(monday.tomorrow().unwrap(), 9, 10)), "Tuesday is a day off");
        assert_eq!(week.on_day(Weekday::Wednesday), Some(hours));
    }
}
