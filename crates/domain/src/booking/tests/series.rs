//! Series booking: where the sessions land, atomic failure, re-checks after a move.

use jiff::civil::Weekday::{Friday, Monday, Tuesday, Wednesday};

use super::*;
use crate::booking::appointment::Appointment;
use crate::booking::constraint::check;
use crate::booking::resource::Readiness;
use crate::booking::series::{GridStep, Pattern, SeriesError, SeriesRequest, propose, recheck};
use crate::booking::slot::TimeWindow;
use crate::booking::violation::ViolationCode;

fn request(kind: AppointmentKind, pattern: Pattern, horizon_days: i32) -> SeriesRequest {
    SeriesRequest {
        patient: patient(1),
        kind,
        pattern,
        start: MONDAY,
        horizon: day(horizon_days),
        window: None,
        grid: GridStep::default(),
        readiness: Readiness::READY,
    }
}

fn mwf(count: u16) -> Pattern {
    Pattern::Weekdays { days: vec![Monday, Wednesday, Friday], count }
}

fn starts(sessions: &[Appointment]) -> Vec<Timestamp> {
    sessions.iter().map(|s| s.slot.start()).collect()
}

#[test]
fn mon_wed_fri_times_six_from_a_monday() {
    let proposal = propose(&clinic(), &[], &request(AppointmentKind::IvKetamineSession, mwf(6), 21)).expect("fits");
    let expected: Vec<Timestamp> = [0, 2, 4, 7, 9, 11].iter().map(|d| at(day(*d), 9, 0)).collect();
    assert_eq!(starts(&proposal.sessions), expected);
    assert!(proposal.sessions.iter().all(|s| s.space == Some(CHAIR_1) && s.nurse == Some(NURSE_A) && s.prescriber.is_none()));
    assert_eq!(proposal.warnings, []);
    // Same inputs, same proposal.
    assert_eq!(propose(&clinic(), &[], &request(AppointmentKind::IvKetamineSession, mwf(6), 21)), Ok(proposal));
}

#[test]
fn busy_mornings_and_windows_push_sessions_later() {
    let mut clinic = clinic();
    clinic.spaces.retain(|s| s.id != CHAIR_2);
    // Wednesday's chair is taken 09:00–11:00 by someone else.
    let existing = [booked(1, iv(patient(2), at(day(2), 9, 0), CHAIR_1, NURSE_B))];
    let proposal = propose(&clinic, &existing, &request(AppointmentKind::IvKetamineSession, mwf(3), 21)).expect("fits");
    assert_eq!(starts(&proposal.sessions), [at(day(0), 9, 0), at(day(2), 11, 0), at(day(4), 9, 0)]);
    // Afternoons only, from 12:10: the grid rounds up to 12:15.
    let mut afternoon = request(AppointmentKind::IvKetamineSession, mwf(1), 21);
    afternoon.window = Some(TimeWindow::new(time(12, 10, 0, 0), time(17, 0, 0, 0)).expect("window"));
    assert_eq!(starts(&propose(&clinic, &existing, &afternoon).expect("fits").sessions), [at(MONDAY, 12, 15)]);
}

#[test]
fn esketamine_twice_weekly_gets_a_prescriber_and_warnings() {
    let pattern = Pattern::TimesPerWeek { per_week: 2, weeks: 2, days: vec![Tuesday, Friday] };
    let mut req = request(AppointmentKind::EsketamineSession, pattern, 30);
    req.readiness = Readiness { rems_enrolled: false, ..Readiness::READY };
    let proposal = propose(&clinic(), &[], &req).expect("fits");
    assert_eq!(starts(&proposal.sessions), [at(day(1), 9, 0), at(day(4), 9, 0), at(day(8), 9, 0), at(day(11), 9, 0)]);
    // The remote prescriber is never chosen; the first on-site one in the list is.
    assert!(proposal.sessions.iter().all(|s| s.prescriber == Some(PRESCRIBER)));
    assert_eq!(proposal.warnings.iter().map(|w| w.code()).collect::<Vec<_>>(), [ViolationCode::RemsEnrolmentMissing]);
}

#[test]
fn a_week_that_cannot_take_its_sessions_fails_the_series() {
    // Tue/Fri for 3 weeks from Tuesday 16 June: the third Friday is the 3 July holiday.
    let pattern = Pattern::TimesPerWeek { per_week: 2, weeks: 3, days: vec![Tuesday, Friday] };
    let mut req = request(AppointmentKind::EsketamineSession, pattern, 30);
    req.start = day(1);
    let err = propose(&clinic(), &[], &req).expect_err("holiday");
    assert!(matches!(err, SeriesError::CannotPlace { session: 6, .. }), "{err:?}");
}

#[test]
fn a_series_that_cannot_fit_fails_atomically_and_names_the_session() {
    let mut clinic = clinic();
    clinic.spaces.retain(|s| s.id != CHAIR_2);
    // The only chair is fully booked on the next three Wednesdays (four 2-hour sessions each).
    let mut existing = Vec::new();
    for week in 0..3_i32 {
        for (i, hour) in [9_i8, 11, 13, 15].into_iter().enumerate() {
            let n = u128::try_from(week * 4).unwrap() + u128::try_from(i).unwrap();
            existing.push(booked(n, iv(patient(50 + n), at(day(2 + 7 * week), hour, 0), CHAIR_1, NURSE_B)));
        }
    }
    // Mon/Wed ×4 within two weeks: Mon 15, Mon 22 … the third session has no day left.
    let req = request(AppointmentKind::IvKetamineSession, Pattern::Weekdays { days: vec![Monday, Wednesday], count: 4 }, 13);
    let Err(SeriesError::CannotPlace { session, blocked_by, horizon }) = propose(&clinic, &existing, &req) else {
        panic!("must fail");
    };
    assert_eq!((session, horizon), (3, day(13)));
    assert!(blocked_by.contains(&ViolationCode::ChairDoubleBooked), "{blocked_by:?}");
    // With a longer horizon the series slides to the Mondays and fits.
    let longer = SeriesRequest { horizon: day(30), ..req };
    let proposal = propose(&clinic, &existing, &longer).expect("fits");
    assert_eq!(starts(&proposal.sessions), [at(day(0), 9, 0), at(day(7), 9, 0), at(day(14), 9, 0), at(day(21), 9, 0)]);
}

#[test]
fn requests_are_validated() {
    let invalid = |req: &SeriesRequest| matches!(propose(&clinic(), &[], req), Err(SeriesError::Invalid(_)));
    assert!(invalid(&request(AppointmentKind::IvKetamineSession, mwf(0), 21)));
    assert!(invalid(&request(AppointmentKind::IvKetamineSession, Pattern::Weekdays { days: vec![], count: 2 }, 21)));
    assert!(invalid(&request(AppointmentKind::IvKetamineSession, Pattern::TimesPerWeek { per_week: 3, weeks: 2, days: vec![Monday, Monday, Friday] }, 21)));
    assert!(invalid(&request(AppointmentKind::IvKetamineSession, mwf(3), -1)));
    assert!(GridStep::new(7).is_err() && GridStep::new(0).is_err() && GridStep::new(30).is_ok());
}

/// The Mon/Wed/Fri ×6 series, stored.
fn stored_series() -> Vec<Booking> {
    let proposal = propose(&clinic(), &[], &request(AppointmentKind::IvKetamineSession, mwf(6), 21)).expect("fits");
    proposal.sessions.into_iter().zip(100..).map(|(a, n)| booked(n, a)).collect()
}

#[test]
fn moving_a_session_rechecks_the_rest() {
    let series = stored_series();
    let other = booked(1, iv(patient(2), at(day(3), 9, 0), CHAIR_1, NURSE_A));
    let existing: Vec<Booking> = series.iter().copied().chain([other]).collect();
    let length = series[1].appointment.slot.length();
    // Wednesday's session to Thursday 09:00: the chair is taken there.
    let to_thursday = Slot::starting_at(at(day(3), 9, 0), length).expect("slot");
    let report = recheck(&clinic(), &existing, &series, 1, to_thursday, Readiness::READY).expect("index");
    let codes: Vec<(usize, Vec<ViolationCode>)> = report.conflicts.iter().map(|(i, v)| (*i, v.iter().map(|x| x.code()).collect())).collect();
    assert_eq!(codes, [(1, vec![ViolationCode::ChairDoubleBooked])]);
    // Onto Friday's session: both sessions now report the patient (and chair) double booking.
    let onto_friday = Slot::starting_at(at(day(4), 10, 0), length).expect("slot");
    let report = recheck(&clinic(), &existing, &series, 1, onto_friday, Readiness::READY).expect("index");
    assert_eq!(report.conflicts.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [1, 2]);
    assert!(report.conflicts.iter().all(|(_, v)| v.iter().any(|x| x.code() == ViolationCode::PatientDoubleBooked)));
    // To Thursday afternoon: clear.
    let free = Slot::starting_at(at(day(3), 13, 0), length).expect("slot");
    assert!(recheck(&clinic(), &existing, &series, 1, free, Readiness::READY).expect("index").is_clear());
    assert!(recheck(&clinic(), &existing, &series, 6, free, Readiness::READY).is_err());
}

#[test]
fn proposed_sessions_pass_the_check() {
    let series = stored_series();
    for (i, session) in series.iter().enumerate() {
        let others: Vec<Booking> = series.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, b)| *b).collect();
        assert!(check(&clinic(), &others, &session.appointment, Readiness::READY).is_bookable());
    }
}

#[test]
fn a_clinic_without_an_on_site_prescriber_cannot_book_esketamine() {
    let mut clinic = clinic();
    clinic.staff.retain(|m| m.role != Role::Prescriber || m.presence == crate::booking::resource::Presence::Remote);
    let pattern = Pattern::TimesPerWeek { per_week: 1, weeks: 1, days: vec![Tuesday] };
    let Err(SeriesError::CannotPlace { session, blocked_by, .. }) = propose(&clinic, &[], &request(AppointmentKind::EsketamineSession, pattern, 6)) else {
        panic!("must fail");
    };
    assert_eq!((session, blocked_by.into_iter().collect::<Vec<_>>()), (1, vec![ViolationCode::MissingResource]));
}
