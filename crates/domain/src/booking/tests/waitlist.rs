//! The waitlist: who fits a freed slot, in which order.

use jiff::civil::Weekday::{Monday, Tuesday};

use super::*;
use crate::booking::resource::Readiness;
use crate::booking::slot::TimeWindow;
use crate::booking::waitlist::{FreedSlot, Urgency, WaitlistEntry, candidates};

fn entry(n: u128, kind: AppointmentKind, urgency: Urgency, added_day: i32) -> WaitlistEntry {
    WaitlistEntry { patient: patient(n), kind, days: vec![], windows: vec![], urgency, readiness: Readiness::READY, added_at: at(day(added_day - 30), 12, 0) }
}

/// Monday 09:00–11:30 in a chair: 150 minutes, an esketamine slot.
fn freed() -> FreedSlot {
    FreedSlot { slot: Slot::new(at(MONDAY, 9, 0), at(MONDAY, 11, 30)).expect("slot"), space: Some(SpaceKind::Chair) }
}

fn patients(found: &[&WaitlistEntry]) -> Vec<PatientId> {
    found.iter().map(|e| e.patient).collect()
}

#[test]
fn most_urgent_first_then_longest_waiting() {
    let entries = [
        entry(1, AppointmentKind::IvKetamineSession, Urgency::Routine, 1),
        entry(2, AppointmentKind::IvKetamineSession, Urgency::Urgent, 5),
        entry(3, AppointmentKind::EsketamineSession, Urgency::Routine, 0),
        entry(4, AppointmentKind::IvKetamineSession, Urgency::Urgent, 2),
        entry(5, AppointmentKind::IvKetamineSession, Urgency::Soon, 9),
    ];
    assert_eq!(patients(&candidates(&clinic(), &entries, freed())), [patient(4), patient(2), patient(5), patient(3), patient(1)]);
}

#[test]
fn only_entries_that_fit_and_are_ready() {
    let not_ready =
        WaitlistEntry { readiness: Readiness { rems_enrolled: false, ..Readiness::READY }, ..entry(1, AppointmentKind::EsketamineSession, Urgency::Urgent, 0) };
    let no_consent = WaitlistEntry {
        readiness: Readiness { consent_signed: false, ..Readiness::READY },
        ..entry(2, AppointmentKind::IvKetamineSession, Urgency::Urgent, 0)
    };
    let tuesdays = WaitlistEntry { days: vec![Tuesday], ..entry(3, AppointmentKind::IvKetamineSession, Urgency::Urgent, 0) };
    let afternoons = WaitlistEntry {
        windows: vec![TimeWindow::new(time(12, 0, 0, 0), time(17, 0, 0, 0)).expect("window")],
        ..entry(4, AppointmentKind::IvKetamineSession, Urgency::Urgent, 0)
    };
    let therapy = entry(5, AppointmentKind::IntegrationTherapy, Urgency::Urgent, 0);
    let mondays_mornings = WaitlistEntry {
        days: vec![Monday],
        windows: vec![TimeWindow::new(time(8, 0, 0, 0), time(11, 0, 0, 0)).expect("window")],
        ..entry(6, AppointmentKind::IvKetamineSession, Urgency::Routine, 0)
    };
    let unready_consult = WaitlistEntry { readiness: Readiness::default(), ..entry(7, AppointmentKind::FollowUp, Urgency::Routine, 1) };
    let entries = [not_ready, no_consent, tuesdays, afternoons, therapy, mondays_mornings, unready_consult];
    // A follow-up needs no readiness and no particular space; therapy needs a room.
    assert_eq!(patients(&candidates(&clinic(), &entries, freed())), [patient(6), patient(7)]);
    // A two-hour slot is too short for esketamine (150 min).
    let two_hours = FreedSlot { slot: Slot::new(at(MONDAY, 9, 0), at(MONDAY, 11, 0)).expect("slot"), ..freed() };
    let esk = [entry(8, AppointmentKind::EsketamineSession, Urgency::Urgent, 0)];
    assert!(candidates(&clinic(), &esk, two_hours).is_empty());
    assert_eq!(candidates(&clinic(), &esk, freed()).len(), 1);
}
