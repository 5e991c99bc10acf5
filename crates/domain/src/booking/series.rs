//! Series booking: a course's induction in one step (issue 8, item 3).
//!
//! An induction is a series — six IV infusions on Mon/Wed/Fri over two to three weeks
//! (REFERENCE §1.3), or esketamine twice weekly for four weeks (REFERENCE §2.3). [`propose`]
//! finds, for each session in turn, the earliest slot on a grid (every 15 minutes by default,
//! counted from midnight) inside the preferred window and the business hours of a day the
//! pattern allows, together with a chair, nurse and prescriber taken from the clinic's lists in
//! their listed order, such that [`check`] finds no error against the existing bookings and the
//! sessions already proposed. It returns all sessions or a typed failure naming the first
//! session that could not be placed and what blocked it: nothing partial, so `app` books all or
//! none in one transaction.
//!
//! Patterns:
//! - `Weekdays { days, count }`: one session per allowed day; a day that cannot take one is
//!   skipped and the series slides to the next allowed day, until `horizon`.
//! - `TimesPerWeek { per_week, weeks, days }`: weeks count from `start`; each week must get
//!   `per_week` sessions on its allowed days, or the series fails (twice weekly means twice
//!   *that* week, not three times the next).
//!
//! [`recheck`] re-runs [`check`] for every session after one is moved, so a move that steals
//! another session's nurse capacity or collides with it is reported against that session.
//!
//! Same inputs give the same proposal: no clock, no randomness, fixed search order.

use std::collections::BTreeSet;

use jiff::SignedDuration;
use jiff::civil::{Date, Time, Weekday};

use crate::error::FieldError;
use crate::ids::{PatientId, UserId};
use crate::staff::Role;

use super::appointment::{Appointment, Booking, BookingId, BookingStatus};
use super::appointment_type::AppointmentKind;
use super::clinic::Clinic;
use super::constraint::{check, readiness_findings};
use super::resource::{Presence, Readiness, SpaceId};
use super::slot::{Slot, TimeWindow};
use super::violation::{Violation, ViolationCode};

/// Which days a series uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    Weekdays { days: Vec<Weekday>, count: u16 },
    TimesPerWeek { per_week: u8, weeks: u8, days: Vec<Weekday> },
}

impl Pattern {
    fn sessions(&self) -> usize {
        match self {
            Self::Weekdays { count, .. } => usize::from(*count),
            Self::TimesPerWeek { per_week, weeks, .. } => usize::from(*per_week).saturating_mul(usize::from(*weeks)),
        }
    }

    fn days(&self) -> &[Weekday] {
        match self {
            Self::Weekdays { days, .. } | Self::TimesPerWeek { days, .. } => days,
        }
    }

    fn validate(&self) -> Result<(), FieldError> {
        if self.sessions() == 0 || self.sessions() > 52 {
            return Err(FieldError::new("pattern", "must book between 1 and 52 sessions"));
        }
        if let Self::TimesPerWeek { per_week, days, .. } = self
            && days.iter().map(|d| d.to_monday_zero_offset()).collect::<BTreeSet<_>>().len() < usize::from(*per_week)
        {
            return Err(FieldError::new("pattern", "needs at least as many preferred days as sessions per week"));
        }
        if self.days().is_empty() { Err(FieldError::new("pattern", "needs at least one weekday")) } else { Ok(()) }
    }
}

/// The spacing of candidate start times: a whole number of minutes dividing the hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridStep(u8);

impl GridStep {
    /// 5, 6, 10, 12, 15, 20, 30 or 60 minutes.
    pub fn new(minutes: u8) -> Result<Self, FieldError> {
        if minutes >= 5 && 60 % minutes == 0 { Ok(Self(minutes)) } else { Err(FieldError::new("grid_minutes", "must divide the hour (5 to 60)")) }
    }
}

impl Default for GridStep {
    fn default() -> Self {
        Self(15)
    }
}

/// What to book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRequest {
    pub patient: PatientId,
    pub kind: AppointmentKind,
    pub pattern: Pattern,
    /// First date a session may fall on.
    pub start: Date,
    /// Last date a session may fall on (the deadline of the induction).
    pub horizon: Date,
    /// Preferred part of the day; `None` is the whole business day.
    pub window: Option<TimeWindow>,
    pub grid: GridStep,
    pub readiness: Readiness,
}

/// A proposal: every session, and the readiness warnings that will show on each booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesProposal {
    pub sessions: Vec<Appointment>,
    pub warnings: Vec<Violation>,
}

/// Why no series was proposed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeriesError {
    #[error("{0}")]
    Invalid(FieldError),
    /// Session number `session` (1-based) found no slot by the horizon; `blocked_by` lists what
    /// ruled out the slots tried (empty when no allowed day or time was left to try).
    #[error("session {session} could not be placed by {horizon}")]
    CannotPlace { session: usize, horizon: Date, blocked_by: BTreeSet<ViolationCode> },
}

/// Proposes the earliest slots for every session of the series, or fails (see module docs).
pub fn propose(clinic: &Clinic, existing: &[Booking], request: &SeriesRequest) -> Result<SeriesProposal, SeriesError> {
    request.pattern.validate().map_err(SeriesError::Invalid)?;
    if request.horizon < request.start {
        return Err(SeriesError::Invalid(FieldError::new("horizon", "must not be before the start date")));
    }
    let total = request.pattern.sessions();
    let options = ResourceOptions::of(clinic, request.kind);
    let mut booked: Vec<Booking> = existing.iter().filter(|b| b.is_active()).copied().collect();
    let mut sessions: Vec<Appointment> = Vec::with_capacity(total);
    let mut blocked_by = BTreeSet::new();
    let mut in_week = 0_u8;
    let fail = |session: usize, blocked_by| SeriesError::CannotPlace { session: session.saturating_add(1), horizon: request.horizon, blocked_by };
    let mut day = request.start;
    while day <= request.horizon && sessions.len() < total {
        let offset = day.since(request.start).map_or(0, |s| s.get_days());
        if let Pattern::TimesPerWeek { per_week, weeks, .. } = request.pattern {
            if offset % 7 == 0 && offset > 0 {
                if in_week < per_week {
                    return Err(fail(sessions.len(), blocked_by));
                }
                in_week = 0;
            }
            if offset / 7 >= i32::from(weeks) {
                break;
            }
        }
        let quota_left = match request.pattern {
            Pattern::TimesPerWeek { per_week, .. } => in_week < per_week,
            Pattern::Weekdays { .. } => true,
        };
        if quota_left
            && request.pattern.days().contains(&day.weekday())
            && let Some(found) = earliest_on(clinic, &booked, request, &options, day, &mut blocked_by)
        {
            // A placeholder id for a session not stored yet: these small version-0 UUIDs never
            // equal a stored booking's UUIDv7 and never leave this function.
            let id = BookingId(uuid::Uuid::from_u128(u128::try_from(sessions.len()).unwrap_or(0)));
            booked.push(Booking { id, appointment: found, status: BookingStatus::Booked });
            sessions.push(found);
            in_week = in_week.saturating_add(1);
            blocked_by.clear();
        }
        let Ok(next) = day.tomorrow() else { break };
        day = next;
    }
    if sessions.len() < total {
        return Err(fail(sessions.len(), blocked_by));
    }
    Ok(SeriesProposal { sessions, warnings: readiness_findings(request.kind, request.readiness) })
}

/// The staff and spaces that could serve `kind`, in the clinic's listed order; a list holds
/// `None` alone when the kind does not need that resource.
#[derive(Debug)]
struct ResourceOptions {
    spaces: Vec<Option<SpaceId>>,
    attending: Vec<Option<UserId>>,
    nurses: Vec<Option<UserId>>,
    prescribers: Vec<Option<UserId>>,
}

impl ResourceOptions {
    fn of(clinic: &Clinic, kind: AppointmentKind) -> Self {
        let needs = kind.needs();
        let staff = |wanted: bool, fits: &dyn Fn(Role, Presence) -> bool| -> Vec<Option<UserId>> {
            if wanted { clinic.staff.iter().filter(|m| fits(m.role, m.presence)).map(|m| Some(m.id)).collect() } else { vec![None] }
        };
        Self {
            spaces: match needs.space {
                Some(kind) => clinic.spaces.iter().filter(|s| s.kind == kind).map(|s| Some(s.id)).collect(),
                None => vec![None],
            },
            attending: needs.attending.map_or_else(|| vec![None], |role| staff(true, &|r, _| r == role)),
            nurses: staff(needs.nurse, &|r, _| r == Role::Nurse),
            prescribers: staff(needs.prescriber_on_site, &|r, p| r == Role::Prescriber && p == Presence::OnSite),
        }
    }

    /// Every combination, spaces varying slowest.
    fn combinations(&self) -> impl Iterator<Item = [Option<UserId>; 3]> + '_ {
        self.attending.iter().flat_map(move |a| self.nurses.iter().flat_map(move |n| self.prescribers.iter().map(move |p| [*a, *n, *p])))
    }
}

/// The earliest bookable appointment on `day`, noting what ruled out the others.
fn earliest_on(
    clinic: &Clinic,
    booked: &[Booking],
    request: &SeriesRequest,
    options: &ResourceOptions,
    day: Date,
    blocked_by: &mut BTreeSet<ViolationCode>,
) -> Option<Appointment> {
    if options.spaces.is_empty() || options.attending.is_empty() || options.nurses.is_empty() || options.prescribers.is_empty() {
        // The clinic has no chair, nurse or on-site prescriber of the kind needed at all.
        blocked_by.insert(ViolationCode::MissingResource);
        return None;
    }
    let hours = clinic.calendar.hours_on(day)?;
    let length = clinic.types.length(request.kind).duration();
    let (from, to) = request.window.map_or((hours.open(), hours.close()), |w| (w.from().max(hours.open()), w.to().min(hours.close())));
    let tz = clinic.calendar.time_zone();
    for start in grid_times(from, to, length, request.grid) {
        let Ok(zoned) = day.to_datetime(start).to_zoned(tz.clone()) else { continue };
        let Ok(slot) = Slot::starting_at(zoned.timestamp(), length) else { continue };
        if !request.window.is_none_or(|w| slot.local(tz).is_some_and(|span| w.contains(span))) {
            continue;
        }
        for space in &options.spaces {
            for [attending, nurse, prescriber] in options.combinations() {
                let appointment = Appointment { patient: request.patient, kind: request.kind, slot, space: *space, attending, nurse, prescriber };
                let findings = check(clinic, booked, &appointment, request.readiness);
                if findings.is_bookable() {
                    return Some(appointment);
                }
                blocked_by.extend(findings.errors().map(Violation::code));
            }
        }
    }
    None
}

/// Start times on the grid from `from` such that the appointment ends by `to`.
fn grid_times(from: Time, to: Time, length: SignedDuration, grid: GridStep) -> impl Iterator<Item = Time> {
    let minutes = |t: Time| i32::from(t.hour()) * 60 + i32::from(t.minute());
    let step = i32::from(grid.0);
    let rounded_up = if from.second() == 0 && from.subsec_nanosecond() == 0 { minutes(from) } else { minutes(from) + 1 };
    let first = (rounded_up + step - 1) / step * step;
    let last = minutes(to) - i32::try_from(length.as_mins()).unwrap_or(i32::MAX);
    (0..)
        .map(move |i: i32| first + i * step)
        .take_while(move |m| *m <= last)
        .filter_map(|m| Time::new(i8::try_from(m / 60).ok()?, i8::try_from(m % 60).ok()?, 0, 0).ok())
}

/// The outcome of moving one session of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recheck {
    /// Sessions (0-based index) with errors after the move, and their errors.
    pub conflicts: Vec<(usize, Vec<Violation>)>,
}

impl Recheck {
    /// Nothing in the series conflicts.
    pub fn is_clear(&self) -> bool {
        self.conflicts.is_empty()
    }
}

/// Moves session `moved` of `series` to `new_slot` and re-checks every active session of the
/// series against `existing` (the series' own bookings in it are ignored) and the others.
pub fn recheck(clinic: &Clinic, existing: &[Booking], series: &[Booking], moved: usize, new_slot: Slot, readiness: Readiness) -> Result<Recheck, FieldError> {
    let mut sessions = series.to_vec();
    let Some(session) = sessions.get_mut(moved) else {
        return Err(FieldError::new("moved_index", "no such session in the series"));
    };
    session.appointment.slot = new_slot;
    let ids: BTreeSet<BookingId> = series.iter().map(|b| b.id).collect();
    let outside: Vec<Booking> = existing.iter().filter(|b| !ids.contains(&b.id)).copied().collect();
    let mut conflicts = Vec::new();
    for (index, session) in sessions.iter().enumerate().filter(|(_, b)| b.is_active()) {
        let mut others = outside.clone();
        others.extend(sessions.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, b)| *b));
        let errors: Vec<Violation> = check(clinic, &others, &session.appointment, readiness).errors().copied().collect();
        if !errors.is_empty() {
            conflicts.push((index, errors));
        }
    }
    Ok(Recheck { conflicts })
}
