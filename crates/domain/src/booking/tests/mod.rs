//! Worked examples of the scheduling rules, on one small clinic in New York.
//!
//! 2026-06-15 is a Monday; 2026-07-03 (Independence Day observed) is a holiday.

mod constraint;
mod props;
mod series;
mod waitlist;

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::{Date, Weekday, date, time};
use jiff::tz::TimeZone;

use super::appointment::{Appointment, Booking, BookingId, BookingStatus};
use super::appointment_type::{AppointmentKind, AppointmentTypes};
use super::clinic::{Clinic, NurseCapacity};
use super::resource::{Presence, ResourceName, Space, SpaceId, SpaceKind, StaffMember, WorkingHours};
use super::slot::Slot;
use crate::calendar::{BusinessCalendar, OpeningHours};
use crate::ids::{PatientId, UserId};
use crate::staff::Role;

pub const CHAIR_1: SpaceId = SpaceId(uuid::Uuid::from_u128(0xC1));
pub const CHAIR_2: SpaceId = SpaceId(uuid::Uuid::from_u128(0xC2));
pub const ROOM_1: SpaceId = SpaceId(uuid::Uuid::from_u128(0xA1));
pub const ROOM_2: SpaceId = SpaceId(uuid::Uuid::from_u128(0xA2));
pub const NURSE_A: UserId = UserId(uuid::Uuid::from_u128(0x4A));
pub const NURSE_B: UserId = UserId(uuid::Uuid::from_u128(0x4B));
/// On site, 08:00–18:00 on weekdays.
pub const PRESCRIBER: UserId = UserId(uuid::Uuid::from_u128(0x9A));
/// Sees patients by video only.
pub const REMOTE_PRESCRIBER: UserId = UserId(uuid::Uuid::from_u128(0x9B));
/// On site, but only until 13:50.
pub const EARLY_PRESCRIBER: UserId = UserId(uuid::Uuid::from_u128(0x9C));
pub const THERAPIST: UserId = UserId(uuid::Uuid::from_u128(0x7A));
/// Works 09:00–16:00.
pub const SHORT_DAY_NURSE: UserId = UserId(uuid::Uuid::from_u128(0x4C));

pub const MONDAY: Date = date(2026, 6, 15);
pub const HOLIDAY: Date = date(2026, 7, 3);

pub fn patient(n: u128) -> PatientId {
    PatientId(uuid::Uuid::from_u128(0x1000 + n))
}

pub fn tz() -> TimeZone {
    TimeZone::get("America/New_York").expect("system tzdb")
}

/// `day` at `hour:minute` New York time.
pub fn at(day: Date, hour: i8, minute: i8) -> Timestamp {
    day.to_datetime(time(hour, minute, 0, 0)).to_zoned(tz()).expect("valid local time").timestamp()
}

pub fn day(offset: i32) -> Date {
    MONDAY.checked_add(jiff::Span::new().days(offset)).expect("in range")
}

fn member(id: UserId, name: &str, role: Role, open: i8, close: (i8, i8), presence: Presence) -> StaffMember {
    let weekdays = [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday];
    let hours = OpeningHours::new(time(open, 0, 0, 0), time(close.0, close.1, 0, 0)).expect("valid hours");
    StaffMember { id, name: ResourceName::parse(name).expect("name"), role, hours: WorkingHours::on(&weekdays, hours), presence }
}

fn space(id: SpaceId, name: &str, kind: SpaceKind) -> Space {
    Space { id, name: ResourceName::parse(name).expect("name"), kind }
}

/// Two chairs, two rooms, Mon–Fri 09:00–17:00 with a holiday, nurse capacity 3.
pub fn clinic() -> Clinic {
    let calendar = BusinessCalendar::weekdays_nine_to_five(tz()).with_holidays(BTreeSet::from([HOLIDAY]));
    Clinic {
        calendar,
        spaces: vec![
            space(CHAIR_1, "Chair 1", SpaceKind::Chair),
            space(CHAIR_2, "Chair 2", SpaceKind::Chair),
            space(ROOM_1, "Room 1", SpaceKind::Room),
            space(ROOM_2, "Room 2", SpaceKind::Room),
        ],
        staff: vec![
            member(NURSE_A, "Nurse A", Role::Nurse, 8, (18, 0), Presence::OnSite),
            member(NURSE_B, "Nurse B", Role::Nurse, 8, (18, 0), Presence::OnSite),
            member(SHORT_DAY_NURSE, "Nurse C", Role::Nurse, 9, (16, 0), Presence::OnSite),
            member(PRESCRIBER, "Dr P", Role::Prescriber, 8, (18, 0), Presence::OnSite),
            member(REMOTE_PRESCRIBER, "Dr R", Role::Prescriber, 8, (18, 0), Presence::Remote),
            member(EARLY_PRESCRIBER, "Dr E", Role::Prescriber, 8, (13, 50), Presence::OnSite),
            member(THERAPIST, "Therapist T", Role::Therapist, 9, (17, 0), Presence::OnSite),
        ],
        types: AppointmentTypes::default(),
        nurse_capacity: NurseCapacity::default(),
    }
}

/// An appointment of the default length with no resources; fill them in with struct update.
pub fn appt(kind: AppointmentKind, who: PatientId, start: Timestamp) -> Appointment {
    let length = AppointmentTypes::default().length(kind).duration();
    Appointment { patient: who, kind, slot: Slot::starting_at(start, length).expect("valid slot"), space: None, attending: None, nurse: None, prescriber: None }
}

/// An IV ketamine session in `chair` with `nurse`.
pub fn iv(who: PatientId, start: Timestamp, chair: SpaceId, nurse: UserId) -> Appointment {
    Appointment { space: Some(chair), nurse: Some(nurse), ..appt(AppointmentKind::IvKetamineSession, who, start) }
}

/// An esketamine session in `chair` with `nurse`, supervised by `prescriber`.
pub fn esketamine(who: PatientId, start: Timestamp, chair: SpaceId, nurse: UserId, prescriber: UserId) -> Appointment {
    Appointment { space: Some(chair), nurse: Some(nurse), prescriber: Some(prescriber), ..appt(AppointmentKind::EsketamineSession, who, start) }
}

pub fn booked(n: u128, appointment: Appointment) -> Booking {
    Booking { id: BookingId(uuid::Uuid::from_u128(0xB000 + n)), appointment, status: BookingStatus::Booked }
}
