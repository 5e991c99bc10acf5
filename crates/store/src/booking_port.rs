//! The booking port (issue 8 items 1–2): chairs and rooms, staff working hours, and
//! appointments.
//!
//! Chairs, rooms and working hours are settings, replaced in place; each change carries a
//! reason in its audit event, so the audit log is their history. Appointments are never
//! deleted: a cancellation or no-show changes the status and keeps the reason.
//!
//! Double booking must be impossible even when two desks book the same chair at once, so the
//! constraint check runs *inside* the write: [`BookingStore::book`] and
//! [`BookingStore::move_booking`] load the active bookings overlapping the slot in the write
//! transaction, hand them to the caller's [`BookingCheck`] (the domain's `check`), and write only
//! when it finds no error. Both adapters serialise writes (SQLite has one writer; PostgreSQL
//! takes the write advisory lock before every write transaction), so no other booking can slip
//! in between the check and the insert.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Time;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::booking::appointment::{Booking, BookingId, BookingStatus};
use ketaclinic_domain::booking::appointment_type::AppointmentKind;
use ketaclinic_domain::booking::resource::{Presence, Space, SpaceId, SpaceKind, WorkingHours};
use ketaclinic_domain::booking::slot::Slot;
use ketaclinic_domain::booking::slot::TimeWindow;
use ketaclinic_domain::booking::violation::Findings;
use ketaclinic_domain::booking::waitlist::Urgency;
use ketaclinic_domain::calendar::OpeningHours;
use ketaclinic_domain::ids::{PatientId, UserId, WaitlistEntryId};

use crate::error::{StoreError, StoreResult};

/// A chair or room and whether it can still be booked (retired spaces keep their bookings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceRecord {
    pub space: Space,
    pub active: bool,
    pub by: UserId,
    pub at: Timestamp,
}

/// A staff member's scheduling settings: weekly hours and whether they work on site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffHoursRecord {
    pub user_id: UserId,
    pub hours: WorkingHours,
    pub presence: Presence,
    pub by: UserId,
    pub at: Timestamp,
}

/// A stored appointment with who booked it and, once cancelled or missed, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRecord {
    pub booking: Booking,
    pub reason: Option<String>,
    pub booked_by: UserId,
    pub booked_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Which appointments to list: those overlapping `[from, to)`, optionally of one space, staff
/// member (in any duty) or patient; every status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingQuery {
    pub from: Timestamp,
    pub to: Timestamp,
    pub space: Option<SpaceId>,
    pub staff: Option<UserId>,
    pub patient: Option<PatientId>,
}

/// The span from the earliest start to the latest end of `records`, if any.
pub fn span(records: &[BookingRecord]) -> Option<Slot> {
    let start = records.iter().map(|r| r.booking.appointment.slot.start()).min()?;
    let end = records.iter().map(|r| r.booking.appointment.slot.end()).max()?;
    Slot::new(start, end).ok()
}

/// The check run in the write transaction against the active bookings overlapping the slot
/// (the booking being moved left out). The write happens only if the findings are bookable.
pub type BookingCheck = Box<dyn FnOnce(&[Booking]) -> Findings + Send>;

/// The stored name of an appointment kind.
pub fn kind_str(kind: AppointmentKind) -> &'static str {
    match kind {
        AppointmentKind::Consult => "consult",
        AppointmentKind::Evaluation => "evaluation",
        AppointmentKind::IvKetamineSession => "iv_ketamine_session",
        AppointmentKind::EsketamineSession => "esketamine_session",
        AppointmentKind::IntegrationTherapy => "integration_therapy",
        AppointmentKind::FollowUp => "follow_up",
    }
}

/// Parses a stored (or typed) appointment kind.
pub fn parse_kind(raw: &str) -> Option<AppointmentKind> {
    AppointmentKind::ALL.into_iter().find(|k| kind_str(*k) == raw)
}

/// The stored name of a space kind.
pub fn space_kind_str(kind: SpaceKind) -> &'static str {
    match kind {
        SpaceKind::Chair => "chair",
        SpaceKind::Room => "room",
    }
}

/// Parses a stored (or typed) space kind.
pub fn parse_space_kind(raw: &str) -> Option<SpaceKind> {
    [SpaceKind::Chair, SpaceKind::Room].into_iter().find(|k| space_kind_str(*k) == raw)
}

/// The stored name of a presence.
pub fn presence_str(presence: Presence) -> &'static str {
    match presence {
        Presence::OnSite => "on_site",
        Presence::Remote => "remote",
    }
}

/// Parses a stored (or typed) presence.
pub fn parse_presence(raw: &str) -> Option<Presence> {
    [Presence::OnSite, Presence::Remote].into_iter().find(|p| presence_str(*p) == raw)
}

/// The stored name of a booking status.
pub fn status_str(status: BookingStatus) -> &'static str {
    match status {
        BookingStatus::Booked => "booked",
        BookingStatus::Cancelled => "cancelled",
        BookingStatus::NoShow => "no_show",
    }
}

/// Parses a stored booking status.
pub fn parse_status(raw: &str) -> StoreResult<BookingStatus> {
    [BookingStatus::Booked, BookingStatus::Cancelled, BookingStatus::NoShow]
        .into_iter()
        .find(|s| status_str(*s) == raw)
        .ok_or_else(|| StoreError::Corrupt(format!("booking status {raw}")))
}

fn hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Working hours as stored: seven comma-separated days from Monday, each `HH:MM-HH:MM` or
/// empty for a day off (one column keeps the week together, so it changes in one write).
pub fn hours_to_text(hours: &WorkingHours) -> String {
    jiff::civil::Weekday::Monday
        .cycle_forward()
        .take(7)
        .map(|d| hours.on_day(d).map_or_else(String::new, |h| format!("{}-{}", hhmm(h.open()), hhmm(h.close()))))
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses stored working hours (see [`hours_to_text`]).
pub fn hours_from_text(raw: &str) -> StoreResult<WorkingHours> {
    let corrupt = || StoreError::Corrupt(format!("working hours {raw}"));
    let days: Vec<&str> = raw.split(',').collect();
    let mut week = [None; 7];
    if days.len() != week.len() {
        return Err(corrupt());
    }
    for (slot, day) in week.iter_mut().zip(days) {
        if day.is_empty() {
            continue;
        }
        let (open, close) = day.split_once('-').ok_or_else(corrupt)?;
        let open: Time = open.parse().map_err(|_| corrupt())?;
        let close: Time = close.parse().map_err(|_| corrupt())?;
        *slot = Some(OpeningHours::new(open, close).map_err(|_| corrupt())?);
    }
    Ok(WorkingHours::new(week))
}

/// A patient waiting for an appointment, with their preferred days and times (empty: any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistRecord {
    pub id: WaitlistEntryId,
    pub patient: PatientId,
    pub kind: AppointmentKind,
    pub days: Vec<jiff::civil::Weekday>,
    pub windows: Vec<TimeWindow>,
    pub urgency: Urgency,
    pub added_by: UserId,
    pub added_at: Timestamp,
}

/// The stored (and typed) name of an urgency.
pub fn urgency_str(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::Routine => "routine",
        Urgency::Soon => "soon",
        Urgency::Urgent => "urgent",
    }
}

/// Parses a stored (or typed) urgency.
pub fn parse_urgency(raw: &str) -> Option<Urgency> {
    [Urgency::Routine, Urgency::Soon, Urgency::Urgent].into_iter().find(|u| urgency_str(*u) == raw)
}

/// Preferred days as stored: Monday-zero offsets, comma-separated.
pub fn days_to_text(days: &[jiff::civil::Weekday]) -> String {
    days.iter().map(|d| d.to_monday_zero_offset().to_string()).collect::<Vec<_>>().join(",")
}

/// Parses stored preferred days.
pub fn days_from_text(raw: &str) -> StoreResult<Vec<jiff::civil::Weekday>> {
    raw.split(',')
        .filter(|d| !d.is_empty())
        .map(|d| {
            d.parse::<i8>()
                .ok()
                .and_then(|n| jiff::civil::Weekday::from_monday_zero_offset(n).ok())
                .ok_or_else(|| StoreError::Corrupt(format!("waitlist days {raw}")))
        })
        .collect()
}

/// Preferred windows as stored: `HH:MM-HH:MM`, separated by `;`.
pub fn windows_to_text(windows: &[TimeWindow]) -> String {
    windows.iter().map(|w| format!("{}-{}", hhmm(w.from()), hhmm(w.to()))).collect::<Vec<_>>().join(";")
}

/// Parses stored preferred windows.
pub fn windows_from_text(raw: &str) -> StoreResult<Vec<TimeWindow>> {
    let corrupt = || StoreError::Corrupt(format!("waitlist windows {raw}"));
    raw.split(';')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let (from, to) = w.split_once('-').ok_or_else(corrupt)?;
            TimeWindow::new(from.parse().map_err(|_| corrupt())?, to.parse().map_err(|_| corrupt())?).map_err(|_| corrupt())
        })
        .collect()
}

/// Scheduling storage. Every write stores its audit event in the same transaction.
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Adds or replaces a chair or room.
    async fn save_space(&self, space: &SpaceRecord, audit: AuditEvent) -> StoreResult<()>;
    /// Every chair and room, active or not, by name.
    async fn spaces(&self) -> StoreResult<Vec<SpaceRecord>>;
    /// Sets a staff member's hours and presence; `NotFound` when the user does not exist.
    async fn save_staff_hours(&self, hours: &StaffHoursRecord, audit: AuditEvent) -> StoreResult<()>;
    /// Every staff member's scheduling settings.
    async fn staff_hours(&self) -> StoreResult<Vec<StaffHoursRecord>>;
    /// Runs `check` against the active bookings overlapping the record's slot and, when it
    /// finds no error, stores the record (status booked) with `audit`; answers the findings
    /// either way. `NotFound` when the patient does not exist.
    async fn book(&self, record: &BookingRecord, check: BookingCheck, audit: AuditEvent) -> StoreResult<Findings> {
        self.book_all(std::slice::from_ref(record), check, vec![audit]).await
    }
    /// All or none: runs `check` against the active bookings overlapping the span from the
    /// earliest start to the latest end of `records` (a series) and stores every record only
    /// when it finds no error. `NotFound` when a patient does not exist.
    async fn book_all(&self, records: &[BookingRecord], check: BookingCheck, audit: Vec<AuditEvent>) -> StoreResult<Findings>;
    /// Moves an active booking to `slot` when `check` (against the other active bookings
    /// overlapping `slot`) finds no error. `NotFound` for an unknown booking, `Conflict` when
    /// it is no longer booked.
    async fn move_booking(&self, id: BookingId, slot: Slot, at: Timestamp, check: BookingCheck, audit: AuditEvent) -> StoreResult<Findings>;
    /// Cancels a booking or marks it a no-show, with the reason. `NotFound` for an unknown
    /// booking, `Conflict` when it is no longer booked.
    async fn close_booking(&self, id: BookingId, status: BookingStatus, reason: &str, at: Timestamp, audit: AuditEvent) -> StoreResult<()>;
    /// One booking.
    async fn booking(&self, id: BookingId) -> StoreResult<Option<BookingRecord>>;
    /// The bookings matching `query`, by start time then id.
    async fn bookings(&self, query: &BookingQuery) -> StoreResult<Vec<BookingRecord>>;
    /// Puts a patient on the waitlist; `NotFound` when the patient does not exist.
    async fn add_waitlist(&self, entry: &WaitlistRecord, audit: AuditEvent) -> StoreResult<()>;
    /// Takes an entry off the waitlist with the reason. `NotFound` for an unknown entry,
    /// `Conflict` when it was already removed.
    async fn remove_waitlist(&self, id: WaitlistEntryId, reason: &str, at: Timestamp, audit: AuditEvent) -> StoreResult<()>;
    /// The entries still waiting, oldest first.
    async fn waitlist(&self) -> StoreResult<Vec<WaitlistRecord>>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{Weekday, time};

    #[test]
    fn hours_round_trip() {
        let h = OpeningHours::new(time(8, 0, 0, 0), time(16, 30, 0, 0)).unwrap();
        let week = WorkingHours::on(&[Weekday::Monday, Weekday::Friday], h);
        let text = hours_to_text(&week);
        assert_eq!(text, "08:00-16:30,,,,08:00-16:30,,");
        assert_eq!(hours_from_text(&text).unwrap(), week);
        assert!(hours_from_text("08:00-07:00,,,,,,").is_err());
        assert!(hours_from_text(",,").is_err());
        let days = [Weekday::Monday, Weekday::Sunday];
        assert_eq!(days_from_text(&days_to_text(&days)).unwrap(), days);
        let windows = vec![TimeWindow::new(time(9, 0, 0, 0), time(12, 0, 0, 0)).unwrap(), TimeWindow::new(time(13, 0, 0, 0), time(15, 0, 0, 0)).unwrap()];
        assert_eq!(windows_from_text(&windows_to_text(&windows)).unwrap(), windows);
        assert!(days_from_text("7").is_err() && windows_from_text("12:00-09:00").is_err());
    }
}
