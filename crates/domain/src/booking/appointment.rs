//! Appointments and bookings: who, what, when, and which chair, room and staff.
//!
//! An [`Appointment`] is the thing being planned (a proposal has no id yet); a [`Booking`] is a
//! stored appointment with its id and status. Staff take part in one of three duties, because
//! the rules differ (issue 8, item 2):
//! - `attending`: exclusive — a therapist or an evaluating prescriber is in one place at a time;
//! - `nurse`: runs the chair and may run up to `NurseCapacity` overlapping drug sessions;
//! - `prescriber` (on-site supervisor): may supervise any number of concurrent esketamine
//!   sessions, and may see other patients meanwhile, but must be on site for the whole slot.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{PatientId, UserId};

use super::appointment_type::AppointmentKind;
use super::resource::SpaceId;
use super::slot::Slot;

/// A booking (UUIDv7, generated in `app`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BookingId(pub uuid::Uuid);

impl fmt::Display for BookingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One planned visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub patient: PatientId,
    pub kind: AppointmentKind,
    pub slot: Slot,
    /// The chair or room.
    pub space: Option<SpaceId>,
    /// The staff member who sees the patient exclusively (therapist, evaluating prescriber).
    pub attending: Option<UserId>,
    /// The nurse running the chair of a drug session.
    pub nurse: Option<UserId>,
    /// The prescriber on site supervising an esketamine session.
    pub prescriber: Option<UserId>,
}

impl Appointment {
    /// The staff members taking part, with their duty.
    pub fn staff(&self) -> impl Iterator<Item = (UserId, Duty)> {
        [(self.attending, Duty::Attending), (self.nurse, Duty::Nurse), (self.prescriber, Duty::Supervising)]
            .into_iter()
            .filter_map(|(id, duty)| id.map(|id| (id, duty)))
    }
}

/// How a staff member takes part in an appointment (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duty {
    Attending,
    Nurse,
    Supervising,
}

impl Duty {
    /// Whether two overlapping duties of the same person clash. Two nurse duties do not clash
    /// (capacity is counted separately); supervising clashes with nothing.
    pub fn clashes_with(self, other: Self) -> bool {
        matches!((self, other), (Self::Attending, Self::Attending | Self::Nurse) | (Self::Nurse, Self::Attending))
    }
}

/// Where a booking stands. Cancelled bookings and no-shows free their resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Booked,
    Cancelled,
    NoShow,
}

/// A stored appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub id: BookingId,
    pub appointment: Appointment,
    pub status: BookingStatus,
}

impl Booking {
    /// Whether the booking still holds its slot and resources.
    pub fn is_active(&self) -> bool {
        self.status == BookingStatus::Booked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duty_clashes() {
        use Duty::{Attending, Nurse, Supervising};
        assert!(Attending.clashes_with(Attending));
        assert!(Attending.clashes_with(Nurse) && Nurse.clashes_with(Attending));
        assert!(!Nurse.clashes_with(Nurse), "counted against the nurse's capacity instead");
        for d in [Attending, Nurse, Supervising] {
            assert!(!Supervising.clashes_with(d) && !d.clashes_with(Supervising));
        }
    }
}
