//! One worked example per constraint: violated, and just satisfied.

use super::*;
use crate::booking::appointment::Appointment;
use crate::booking::constraint::check;
use crate::booking::resource::Readiness;
use crate::booking::violation::{Need, SupervisionGap, Violation, ViolationCode};

fn codes(existing: &[Booking], proposed: &Appointment) -> Vec<ViolationCode> {
    check(&clinic(), existing, proposed, Readiness::READY).codes()
}

#[test]
fn back_to_back_in_a_chair_is_fine_overlap_is_not() {
    let first = booked(1, iv(patient(1), at(MONDAY, 9, 0), CHAIR_1, NURSE_A));
    assert_eq!(codes(&[first], &iv(patient(2), at(MONDAY, 11, 0), CHAIR_1, NURSE_A)), []);
    let findings = check(&clinic(), &[first], &iv(patient(2), at(MONDAY, 10, 45), CHAIR_1, NURSE_B), Readiness::READY);
    assert_eq!(findings.0, [Violation::ChairDoubleBooked { space: CHAIR_1, with: first.id }]);
    assert!(!findings.is_bookable());
    // The other chair is free.
    assert_eq!(codes(&[first], &iv(patient(2), at(MONDAY, 10, 45), CHAIR_2, NURSE_A)), []);
}

#[test]
fn a_room_is_not_double_booked() {
    let therapy =
        |who, start, room, therapist| Appointment { space: Some(room), attending: Some(therapist), ..appt(AppointmentKind::IntegrationTherapy, who, start) };
    let first = booked(1, therapy(patient(1), at(MONDAY, 10, 0), ROOM_1, THERAPIST));
    let clash = Appointment { attending: None, ..therapy(patient(2), at(MONDAY, 10, 30), ROOM_1, THERAPIST) };
    assert!(codes(&[first], &clash).contains(&ViolationCode::RoomDoubleBooked));
    assert!(!codes(&[first], &therapy(patient(2), at(MONDAY, 11, 0), ROOM_1, THERAPIST)).contains(&ViolationCode::RoomDoubleBooked));
}

#[test]
fn a_patient_is_in_one_place_at_a_time() {
    let first = booked(1, iv(patient(1), at(MONDAY, 9, 0), CHAIR_1, NURSE_A));
    let follow_up = |start| Appointment { attending: Some(PRESCRIBER), ..appt(AppointmentKind::FollowUp, patient(1), start) };
    assert_eq!(codes(&[first], &follow_up(at(MONDAY, 10, 45))), [ViolationCode::PatientDoubleBooked]);
    assert_eq!(codes(&[first], &follow_up(at(MONDAY, 11, 0))), []);
}

#[test]
fn an_attending_staff_member_is_in_one_place_at_a_time() {
    let therapy = |who, start, room| Appointment { space: Some(room), attending: Some(THERAPIST), ..appt(AppointmentKind::IntegrationTherapy, who, start) };
    let first = booked(1, therapy(patient(1), at(MONDAY, 10, 0), ROOM_1));
    let findings = check(&clinic(), &[first], &therapy(patient(2), at(MONDAY, 10, 59), ROOM_2), Readiness::READY);
    assert_eq!(findings.0, [Violation::StaffDoubleBooked { staff: THERAPIST, with: first.id }]);
    assert_eq!(codes(&[first], &therapy(patient(2), at(MONDAY, 11, 0), ROOM_2)), []);
    // A nurse running a chair cannot also attend an evaluation, but the supervising prescriber
    // of an esketamine session can see other patients while on site.
    let chair = booked(2, esketamine(patient(3), at(MONDAY, 9, 0), CHAIR_1, NURSE_A, PRESCRIBER));
    let evaluation = |attending| Appointment { attending: Some(attending), ..appt(AppointmentKind::Evaluation, patient(4), at(MONDAY, 9, 30)) };
    assert_eq!(codes(&[chair], &evaluation(PRESCRIBER)), []);
    assert!(codes(&[chair], &evaluation(NURSE_A)).contains(&ViolationCode::StaffDoubleBooked));
}

#[test]
fn esketamine_needs_a_prescriber_on_site_for_the_whole_slot() {
    let gap = |prescriber: Option<UserId>, start| {
        let proposed = Appointment { prescriber, ..esketamine(patient(1), start, CHAIR_1, NURSE_A, PRESCRIBER) };
        check(&clinic(), &[], &proposed, Readiness::READY).0.into_iter().find_map(|v| match v {
            Violation::NoPrescriberOnSite { gap } => Some(gap),
            _ => None,
        })
    };
    assert_eq!(gap(Some(PRESCRIBER), at(MONDAY, 9, 0)), None);
    assert_eq!(gap(None, at(MONDAY, 9, 0)), Some(SupervisionGap::NotAssigned));
    assert_eq!(gap(Some(REMOTE_PRESCRIBER), at(MONDAY, 9, 0)), Some(SupervisionGap::NotOnSite));
    assert_eq!(gap(Some(NURSE_B), at(MONDAY, 9, 0)), Some(SupervisionGap::NotAPrescriber));
    // Dr E leaves at 13:50: a 11:30–14:00 slot loses its prescriber ten minutes before the end.
    assert_eq!(gap(Some(EARLY_PRESCRIBER), at(MONDAY, 11, 30)), Some(SupervisionGap::LeavesDuringSlot));
    assert_eq!(gap(Some(EARLY_PRESCRIBER), at(MONDAY, 11, 20)), None, "ends exactly as Dr E leaves");
    // IV ketamine has no such requirement.
    assert!(!codes(&[], &iv(patient(1), at(MONDAY, 9, 0), CHAIR_1, NURSE_A)).contains(&ViolationCode::NoPrescriberOnSite));
}

#[test]
fn one_prescriber_may_supervise_concurrent_esketamine_sessions() {
    let first = booked(1, esketamine(patient(1), at(MONDAY, 9, 0), CHAIR_1, NURSE_A, PRESCRIBER));
    assert_eq!(codes(&[first], &esketamine(patient(2), at(MONDAY, 9, 30), CHAIR_2, NURSE_A, PRESCRIBER)), []);
}

/// Four chairs so that only the nurse limits.
fn four_chairs() -> (Clinic, [SpaceId; 4]) {
    let mut clinic = clinic();
    let ids = [0xC1, 0xC2, 0xC3, 0xC4].map(|n| SpaceId(uuid::Uuid::from_u128(n)));
    clinic.spaces = ids.iter().map(|id| Space { id: *id, name: ResourceName::parse("Chair").expect("name"), kind: SpaceKind::Chair }).collect();
    (clinic, ids)
}

#[test]
fn the_fourth_concurrent_session_of_a_nurse_fails_with_n_3() {
    let (clinic, chairs) = four_chairs();
    let existing: Vec<Booking> =
        (0..3_u8).map(|i| booked(u128::from(i), iv(patient(u128::from(i)), at(MONDAY, 9, 0), chairs[usize::from(i)], NURSE_A))).collect();
    let fourth = iv(patient(9), at(MONDAY, 10, 0), chairs[3], NURSE_A);
    let findings = check(&clinic, &existing, &fourth, Readiness::READY);
    assert_eq!(findings.0, [Violation::NurseOverCapacity { nurse: NURSE_A, concurrent: 4, capacity: 3 }]);
    // Two existing sessions: the third is allowed.
    assert_eq!(check(&clinic, &existing[..2], &fourth, Readiness::READY).0, []);
    // Back-to-back with the three: allowed.
    assert_eq!(check(&clinic, &existing, &iv(patient(9), at(MONDAY, 11, 0), chairs[3], NURSE_A), Readiness::READY).0, []);
}

#[test]
fn nurse_capacity_counts_the_peak_not_pairs() {
    let (mut clinic, chairs) = four_chairs();
    clinic.nurse_capacity = NurseCapacity::new(2).expect("capacity");
    // 09:00–11:00, 11:00–13:00 and 13:00–15:00 each overlap 10:00–14:00 (IV lengthened to 4 h)
    // but not each other: at most two at once, within a capacity of 2.
    let existing: Vec<Booking> = [9, 11, 13]
        .iter()
        .zip(chairs)
        .enumerate()
        .map(|(i, (h, c))| booked(u128::try_from(i).unwrap(), iv(patient(u128::try_from(i).unwrap()), at(MONDAY, *h, 0), c, NURSE_A)))
        .collect();
    let long = Appointment { slot: Slot::new(at(MONDAY, 10, 0), at(MONDAY, 14, 0)).expect("slot"), ..iv(patient(9), at(MONDAY, 10, 0), chairs[3], NURSE_A) };
    assert_eq!(check(&clinic, &existing, &long, Readiness::READY).0, []);
    clinic.nurse_capacity = NurseCapacity::new(1).expect("capacity");
    assert_eq!(check(&clinic, &existing, &long, Readiness::READY).codes(), [ViolationCode::NurseOverCapacity]);
}

#[test]
fn the_whole_slot_lies_within_business_hours() {
    let session = |start| iv(patient(1), start, CHAIR_1, NURSE_A);
    let outside = |start| codes(&[], &session(start)).contains(&ViolationCode::OutsideBusinessHours);
    assert!(!outside(at(MONDAY, 15, 0)), "15:00–17:00 ends at closing");
    assert!(outside(at(MONDAY, 15, 30)), "15:30–17:30 runs past closing");
    assert!(!outside(at(MONDAY, 9, 0)));
    assert!(outside(at(MONDAY, 8, 45)), "starts before opening");
    assert!(outside(at(HOLIDAY, 10, 0)), "holiday");
    assert!(outside(at(day(5), 10, 0)), "Saturday");
}

#[test]
fn staff_work_the_whole_slot() {
    let session = |start| iv(patient(1), start, CHAIR_1, SHORT_DAY_NURSE);
    assert_eq!(codes(&[], &session(at(MONDAY, 14, 0))), []);
    assert_eq!(
        check(&clinic(), &[], &session(at(MONDAY, 14, 30)), Readiness::READY).0,
        [Violation::OutsideStaffHours { staff: SHORT_DAY_NURSE }],
        "the nurse leaves at 16:00"
    );
}

#[test]
fn readiness_warns_and_does_not_refuse() {
    let none = Readiness::default();
    let findings = check(&clinic(), &[], &esketamine(patient(1), at(MONDAY, 9, 0), CHAIR_1, NURSE_A, PRESCRIBER), none);
    assert_eq!(findings.codes(), [ViolationCode::EligibilityMissing, ViolationCode::ConsentMissing, ViolationCode::RemsEnrolmentMissing]);
    assert!(findings.is_bookable());
    assert_eq!(findings.warnings().count(), 3);
    let iv_findings = check(&clinic(), &[], &iv(patient(1), at(MONDAY, 9, 0), CHAIR_1, NURSE_A), none);
    assert_eq!(iv_findings.codes(), [ViolationCode::EligibilityMissing, ViolationCode::ConsentMissing], "no REMS for racemic ketamine");
    let consult = appt(AppointmentKind::Consult, patient(1), at(MONDAY, 9, 0));
    assert_eq!(check(&clinic(), &[], &consult, none).0, [], "not a drug session");
}

#[test]
fn cancelled_bookings_and_no_shows_hold_nothing() {
    let mut first = booked(1, iv(patient(1), at(MONDAY, 9, 0), CHAIR_1, NURSE_A));
    first.status = BookingStatus::Cancelled;
    assert_eq!(codes(&[first], &iv(patient(1), at(MONDAY, 9, 0), CHAIR_1, NURSE_A)), []);
    first.status = BookingStatus::NoShow;
    assert_eq!(codes(&[first], &iv(patient(1), at(MONDAY, 9, 0), CHAIR_1, NURSE_A)), []);
}

#[test]
fn resources_must_be_assigned_known_and_fit() {
    let bare = appt(AppointmentKind::EsketamineSession, patient(1), at(MONDAY, 9, 0));
    let findings = check(&clinic(), &[], &bare, Readiness::READY);
    assert_eq!(
        findings.0,
        [
            Violation::MissingResource { need: Need::Space(SpaceKind::Chair) },
            Violation::MissingResource { need: Need::Nurse },
            Violation::NoPrescriberOnSite { gap: SupervisionGap::NotAssigned },
        ]
    );
    let wrong = Appointment { space: Some(ROOM_1), nurse: Some(THERAPIST), ..iv(patient(1), at(MONDAY, 9, 0), CHAIR_1, NURSE_A) };
    assert_eq!(
        check(&clinic(), &[], &wrong, Readiness::READY).0,
        [Violation::WrongResource { need: Need::Space(SpaceKind::Chair) }, Violation::WrongResource { need: Need::Nurse }]
    );
    let stranger = UserId(uuid::Uuid::from_u128(0xDEAD));
    let unknown = iv(patient(1), at(MONDAY, 9, 0), SpaceId(uuid::Uuid::from_u128(0xBEEF)), stranger);
    assert_eq!(codes(&[], &unknown), [ViolationCode::UnknownSpace, ViolationCode::UnknownStaff]);
    let evaluation = Appointment { attending: Some(THERAPIST), ..appt(AppointmentKind::Evaluation, patient(1), at(MONDAY, 9, 0)) };
    assert_eq!(codes(&[], &evaluation), [ViolationCode::WrongResource], "an evaluation is a prescriber's");
    let short = Appointment {
        slot: Slot::new(at(MONDAY, 9, 0), at(MONDAY, 11, 0)).expect("slot"),
        ..esketamine(patient(1), at(MONDAY, 9, 0), CHAIR_1, NURSE_A, PRESCRIBER)
    };
    assert_eq!(check(&clinic(), &[], &short, Readiness::READY).0, [Violation::SlotTooShort { minutes_needed: 150 }]);
}

#[test]
fn every_violation_is_reported_at_once() {
    let existing = booked(1, esketamine(patient(1), at(MONDAY, 14, 0), CHAIR_1, NURSE_A, PRESCRIBER));
    let proposed = esketamine(patient(1), at(MONDAY, 15, 0), CHAIR_1, NURSE_A, EARLY_PRESCRIBER);
    let found = check(&clinic(), &[existing], &proposed, Readiness::default()).codes();
    for code in [
        ViolationCode::ChairDoubleBooked,
        ViolationCode::PatientDoubleBooked,
        ViolationCode::OutsideBusinessHours,
        ViolationCode::OutsideStaffHours,
        ViolationCode::NoPrescriberOnSite,
        ViolationCode::RemsEnrolmentMissing,
        ViolationCode::ConsentMissing,
        ViolationCode::EligibilityMissing,
    ] {
        assert!(found.contains(&code), "{} missing from {found:?}", code.as_str());
    }
}
