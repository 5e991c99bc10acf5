//! What can be wrong with a proposed booking, as typed findings.
//!
//! [`check`](super::constraint::check) returns every finding at once, so the front desk sees all
//! the problems of a slot in one go. Each finding has a stable wire `code`
//! (`chair_double_booked` …) and a severity: hard constraints are errors that refuse the booking;
//! the patient's readiness (eligibility, consent, REMS enrolment) is only a warning at booking,
//! because the issue says "warn before, block at check-in" — a patient may be booked while their
//! consent is being signed, and the session module refuses check-in until it is.

use serde::Serialize;

use crate::ids::UserId;
use crate::staff::Role;

use super::appointment::BookingId;
use super::resource::{SpaceId, SpaceKind};

/// Whether a finding refuses the booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// A resource an appointment type needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Space(SpaceKind),
    Attending(Role),
    Nurse,
    OnSitePrescriber,
}

/// Why the esketamine REMS condition "prescriber on site" is not met (REFERENCE §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionGap {
    /// No prescriber assigned to the slot.
    NotAssigned,
    /// The assigned supervisor is not a prescriber.
    NotAPrescriber,
    /// The prescriber works remotely.
    NotOnSite,
    /// The prescriber's working hours do not cover the whole slot.
    LeavesDuringSlot,
}

/// One finding about a proposed booking; `with` names the existing booking it collides with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Violation {
    ChairDoubleBooked { space: SpaceId, with: BookingId },
    RoomDoubleBooked { space: SpaceId, with: BookingId },
    PatientDoubleBooked { with: BookingId },
    StaffDoubleBooked { staff: UserId, with: BookingId },
    NoPrescriberOnSite { gap: SupervisionGap },
    NurseOverCapacity { nurse: UserId, concurrent: usize, capacity: u8 },
    OutsideBusinessHours,
    OutsideStaffHours { staff: UserId },
    SlotTooShort { minutes_needed: u16 },
    MissingResource { need: Need },
    WrongResource { need: Need },
    UnknownSpace { space: SpaceId },
    UnknownStaff { staff: UserId },
    RemsEnrolmentMissing,
    EligibilityMissing,
    ConsentMissing,
}

/// The kind of a [`Violation`] without its details: its wire code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationCode {
    ChairDoubleBooked,
    RoomDoubleBooked,
    PatientDoubleBooked,
    StaffDoubleBooked,
    NoPrescriberOnSite,
    NurseOverCapacity,
    OutsideBusinessHours,
    OutsideStaffHours,
    SlotTooShort,
    MissingResource,
    WrongResource,
    UnknownSpace,
    UnknownStaff,
    RemsEnrolmentMissing,
    EligibilityMissing,
    ConsentMissing,
}

impl ViolationCode {
    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChairDoubleBooked => "chair_double_booked",
            Self::RoomDoubleBooked => "room_double_booked",
            Self::PatientDoubleBooked => "patient_double_booked",
            Self::StaffDoubleBooked => "staff_double_booked",
            Self::NoPrescriberOnSite => "no_prescriber_on_site",
            Self::NurseOverCapacity => "nurse_over_capacity",
            Self::OutsideBusinessHours => "outside_business_hours",
            Self::OutsideStaffHours => "outside_staff_hours",
            Self::SlotTooShort => "slot_too_short",
            Self::MissingResource => "missing_resource",
            Self::WrongResource => "wrong_resource",
            Self::UnknownSpace => "unknown_space",
            Self::UnknownStaff => "unknown_staff",
            Self::RemsEnrolmentMissing => "rems_enrolment_missing",
            Self::EligibilityMissing => "eligibility_missing",
            Self::ConsentMissing => "consent_missing",
        }
    }

    /// Readiness findings warn; everything else refuses the booking.
    pub fn severity(self) -> Severity {
        match self {
            Self::RemsEnrolmentMissing | Self::EligibilityMissing | Self::ConsentMissing => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl Violation {
    /// The wire code.
    pub fn code(&self) -> ViolationCode {
        match self {
            Self::ChairDoubleBooked { .. } => ViolationCode::ChairDoubleBooked,
            Self::RoomDoubleBooked { .. } => ViolationCode::RoomDoubleBooked,
            Self::PatientDoubleBooked { .. } => ViolationCode::PatientDoubleBooked,
            Self::StaffDoubleBooked { .. } => ViolationCode::StaffDoubleBooked,
            Self::NoPrescriberOnSite { .. } => ViolationCode::NoPrescriberOnSite,
            Self::NurseOverCapacity { .. } => ViolationCode::NurseOverCapacity,
            Self::OutsideBusinessHours => ViolationCode::OutsideBusinessHours,
            Self::OutsideStaffHours { .. } => ViolationCode::OutsideStaffHours,
            Self::SlotTooShort { .. } => ViolationCode::SlotTooShort,
            Self::MissingResource { .. } => ViolationCode::MissingResource,
            Self::WrongResource { .. } => ViolationCode::WrongResource,
            Self::UnknownSpace { .. } => ViolationCode::UnknownSpace,
            Self::UnknownStaff { .. } => ViolationCode::UnknownStaff,
            Self::RemsEnrolmentMissing => ViolationCode::RemsEnrolmentMissing,
            Self::EligibilityMissing => ViolationCode::EligibilityMissing,
            Self::ConsentMissing => ViolationCode::ConsentMissing,
        }
    }

    /// Error or warning.
    pub fn severity(&self) -> Severity {
        self.code().severity()
    }
}

/// Every finding about one proposed booking.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Findings(pub Vec<Violation>);

impl Findings {
    /// The findings that refuse the booking.
    pub fn errors(&self) -> impl Iterator<Item = &Violation> {
        self.0.iter().filter(|v| v.severity() == Severity::Error)
    }

    /// The findings to show but not to refuse on.
    pub fn warnings(&self) -> impl Iterator<Item = &Violation> {
        self.0.iter().filter(|v| v.severity() == Severity::Warning)
    }

    /// No errors (warnings allowed).
    pub fn is_bookable(&self) -> bool {
        self.errors().next().is_none()
    }

    /// The codes found, for tests and summaries.
    pub fn codes(&self) -> Vec<ViolationCode> {
        self.0.iter().map(Violation::code).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_codes_match_the_serde_tag() {
        let samples = [
            Violation::OutsideBusinessHours,
            Violation::NoPrescriberOnSite { gap: SupervisionGap::NotOnSite },
            Violation::RemsEnrolmentMissing,
            Violation::MissingResource { need: Need::Nurse },
        ];
        for v in samples {
            let json = serde_json::to_value(v).unwrap();
            assert_eq!(json["code"], v.code().as_str());
        }
        assert_eq!(Violation::ConsentMissing.severity(), Severity::Warning);
        assert_eq!(Violation::OutsideBusinessHours.severity(), Severity::Error);
    }
}
