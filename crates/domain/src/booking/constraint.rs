//! The constraints checked on every booking (issue 8, item 2).
//!
//! [`check`] takes one proposed appointment, the clinic, the existing bookings and the patient's
//! readiness, and returns every finding (see `violation.rs` for errors versus warnings):
//!
//! - **No double booking** of a chair, a room, a patient, or a staff member's exclusive duty.
//!   Slots are half-open, so back-to-back bookings are fine. Cancelled bookings and no-shows
//!   hold nothing.
//! - **Prescriber on site for esketamine**: the SPRAVATO REMS requires "a prescriber on site
//!   during administration and monitoring", and the label requires monitoring for at least two
//!   hours after each dose (REFERENCE §2.4). So the supervising prescriber must be on site
//!   (not remote) and working for the *whole* slot — leaving ten minutes early breaks it. One
//!   prescriber may supervise several concurrent sessions (REMS asks for presence, not one
//!   prescriber per chair), and may see other patients meanwhile.
//! - **Nurse capacity**: a nurse runs at most `NurseCapacity` overlapping drug sessions at any
//!   instant of the slot (a sweep over the slot, not a pairwise count).
//! - **Hours**: the whole slot within the clinic's business hours on its local date (closed
//!   weekdays and holidays included, via [`BusinessCalendar`](crate::calendar::BusinessCalendar)),
//!   and within the working hours of every assigned staff member.
//! - **Resources**: the chair, room and staff the appointment type needs are assigned, exist,
//!   and are of the right kind or role; the slot is at least as long as the type.
//! - **Readiness** (warnings): a drug session needs an eligibility decision and consent, an
//!   esketamine session REMS enrolment (REFERENCE §2.5: "enroll every patient before first
//!   treatment").

use jiff::Timestamp;

use crate::staff::Role;

use super::appointment::{Appointment, Booking};
use super::appointment_type::AppointmentKind;
use super::clinic::Clinic;
use super::resource::{Presence, Readiness, SpaceKind};
use super::violation::{Findings, Need, SupervisionGap, Violation};

/// Every finding about booking `proposed` next to `existing` (see the module docs).
///
/// `existing` must not contain the booking being moved; [`recheck`](super::series::recheck)
/// takes care of that for series.
pub fn check(clinic: &Clinic, existing: &[Booking], proposed: &Appointment, readiness: Readiness) -> Findings {
    let overlapping: Vec<&Booking> = existing.iter().filter(|b| b.is_active() && b.appointment.slot.overlaps(proposed.slot)).collect();
    let mut found = Vec::new();
    resources(clinic, proposed, &mut found);
    double_bookings(clinic, proposed, &overlapping, &mut found);
    nurse_capacity(clinic, proposed, &overlapping, &mut found);
    hours(clinic, proposed, &mut found);
    supervision(clinic, proposed, &mut found);
    found.extend(readiness_findings(proposed.kind, readiness));
    Findings(found)
}

/// What the patient still lacks for `kind` (empty when ready).
pub fn readiness_findings(kind: AppointmentKind, readiness: Readiness) -> Vec<Violation> {
    let mut found = Vec::new();
    if kind.is_drug_session() {
        if !readiness.eligibility_decided {
            found.push(Violation::EligibilityMissing);
        }
        if !readiness.consent_signed {
            found.push(Violation::ConsentMissing);
        }
    }
    if kind == AppointmentKind::EsketamineSession && !readiness.rems_enrolled {
        found.push(Violation::RemsEnrolmentMissing);
    }
    found
}

fn resources(clinic: &Clinic, proposed: &Appointment, found: &mut Vec<Violation>) {
    let needs = proposed.kind.needs();
    let needed = clinic.types.length(proposed.kind);
    if proposed.slot.length() < needed.duration() {
        found.push(Violation::SlotTooShort { minutes_needed: needed.minutes() });
    }
    let space = proposed.space.map(|id| (id, clinic.space(id)));
    if let Some((id, None)) = space {
        found.push(Violation::UnknownSpace { space: id });
    }
    if let Some(kind) = needs.space {
        match space {
            None => found.push(Violation::MissingResource { need: Need::Space(kind) }),
            Some((_, Some(s))) if s.kind != kind => found.push(Violation::WrongResource { need: Need::Space(kind) }),
            Some(_) => {}
        }
    }
    for (id, _) in proposed.staff() {
        if clinic.member(id).is_none() {
            found.push(Violation::UnknownStaff { staff: id });
        }
    }
    let role_of = |id| clinic.member(id).map(|m| m.role);
    if let Some(role) = needs.attending {
        match proposed.attending.map(role_of) {
            None => found.push(Violation::MissingResource { need: Need::Attending(role) }),
            Some(Some(r)) if r != role => found.push(Violation::WrongResource { need: Need::Attending(role) }),
            Some(_) => {}
        }
    }
    if needs.nurse {
        match proposed.nurse.map(role_of) {
            None => found.push(Violation::MissingResource { need: Need::Nurse }),
            Some(Some(r)) if r != Role::Nurse => found.push(Violation::WrongResource { need: Need::Nurse }),
            Some(_) => {}
        }
    }
}

fn double_bookings(clinic: &Clinic, proposed: &Appointment, overlapping: &[&Booking], found: &mut Vec<Violation>) {
    for other in overlapping {
        let theirs = &other.appointment;
        if let Some(space) = proposed.space.filter(|s| theirs.space == Some(*s)) {
            match clinic.space(space).map(|s| s.kind) {
                Some(SpaceKind::Chair) => found.push(Violation::ChairDoubleBooked { space, with: other.id }),
                Some(SpaceKind::Room) => found.push(Violation::RoomDoubleBooked { space, with: other.id }),
                None => {}
            }
        }
        if theirs.patient == proposed.patient {
            found.push(Violation::PatientDoubleBooked { with: other.id });
        }
        for (staff, duty) in proposed.staff() {
            if theirs.staff().any(|(id, their_duty)| id == staff && duty.clashes_with(their_duty)) {
                found.push(Violation::StaffDoubleBooked { staff, with: other.id });
            }
        }
    }
}

fn nurse_capacity(clinic: &Clinic, proposed: &Appointment, overlapping: &[&Booking], found: &mut Vec<Violation>) {
    let Some(nurse) = proposed.nurse else { return };
    let slot = proposed.slot;
    let mut events: Vec<(Timestamp, bool)> = vec![(slot.start(), true), (slot.end(), false)];
    for other in overlapping.iter().filter(|b| b.appointment.nurse == Some(nurse)) {
        events.push((other.appointment.slot.start().max(slot.start()), true));
        events.push((other.appointment.slot.end().min(slot.end()), false));
    }
    // Ends sort before starts at the same instant (`false < true`): half-open intervals.
    events.sort_unstable();
    let (mut now, mut peak) = (0_usize, 0_usize);
    for (_, starts) in events {
        now = if starts { now.saturating_add(1) } else { now.saturating_sub(1) };
        peak = peak.max(now);
    }
    let capacity = clinic.nurse_capacity.chairs();
    if peak > usize::from(capacity) {
        found.push(Violation::NurseOverCapacity { nurse, concurrent: peak, capacity });
    }
}

fn hours(clinic: &Clinic, proposed: &Appointment, found: &mut Vec<Violation>) {
    let span = proposed.slot.local(clinic.calendar.time_zone());
    let open = span.is_some_and(|s| clinic.calendar.hours_on(s.date).is_some_and(|h| s.within(h)));
    if !open {
        found.push(Violation::OutsideBusinessHours);
    }
    for (id, _) in proposed.staff() {
        if let Some(member) = clinic.member(id)
            && !span.is_some_and(|s| member.hours.cover(s))
        {
            found.push(Violation::OutsideStaffHours { staff: id });
        }
    }
}

fn supervision(clinic: &Clinic, proposed: &Appointment, found: &mut Vec<Violation>) {
    if !proposed.kind.needs().prescriber_on_site {
        return;
    }
    let gap = match proposed.prescriber.map(|id| clinic.member(id)) {
        None => Some(SupervisionGap::NotAssigned),
        // An unknown id is reported as `unknown_staff` already.
        Some(None) => None,
        Some(Some(m)) if m.role != Role::Prescriber => Some(SupervisionGap::NotAPrescriber),
        Some(Some(m)) if m.presence != Presence::OnSite => Some(SupervisionGap::NotOnSite),
        Some(Some(m)) if !proposed.slot.local(clinic.calendar.time_zone()).is_some_and(|s| m.hours.cover(s)) => Some(SupervisionGap::LeavesDuringSlot),
        Some(Some(_)) => None,
    };
    if let Some(gap) = gap {
        found.push(Violation::NoPrescriberOnSite { gap });
    }
}
