//! Invariants of series proposals over random existing bookings.

use jiff::civil::Weekday::{Friday, Monday, Tuesday, Wednesday};
use proptest::prelude::*;

use super::*;
use crate::booking::constraint::check;
use crate::booking::resource::Readiness;
use crate::booking::series::{GridStep, Pattern, SeriesRequest, propose};

/// A random existing drug session: day offset, start (quarter hours after 08:00), chair, nurse,
/// patient, esketamine or not.
fn existing_booking() -> impl Strategy<Value = (i32, i8, bool, bool, u8, bool)> {
    (0_i32..21, 0_i8..40, any::<bool>(), any::<bool>(), 0_u8..6, any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn proposals_pass_the_check_and_never_overlap(
        raw in proptest::collection::vec(existing_booking(), 0..80),
        esk in any::<bool>(),
        per_week in 1_u8..3,
    ) {
        let clinic = clinic();
        let existing: Vec<Booking> = raw.iter().enumerate().map(|(i, (d, q, c2, nb, p, e))| {
            let start = at(day(*d), 8 + q / 4, (q % 4) * 15);
            let chair = if *c2 { CHAIR_2 } else { CHAIR_1 };
            let nurse = if *nb { NURSE_B } else { NURSE_A };
            let who = patient(u128::from(*p));
            let appointment = if *e { esketamine(who, start, chair, nurse, PRESCRIBER) } else { iv(who, start, chair, nurse) };
            booked(u128::try_from(i).unwrap_or(0), appointment)
        }).collect();
        let (kind, pattern) = if esk {
            (AppointmentKind::EsketamineSession, Pattern::TimesPerWeek { per_week, weeks: 2, days: vec![Tuesday, Friday] })
        } else {
            (AppointmentKind::IvKetamineSession, Pattern::Weekdays { days: vec![Monday, Wednesday, Friday], count: 3 })
        };
        let request = SeriesRequest {
            patient: patient(1),
            kind,
            pattern,
            start: MONDAY,
            horizon: day(20),
            window: None,
            grid: GridStep::default(),
            readiness: Readiness::READY,
        };
        let result = propose(&clinic, &existing, &request);
        // With nothing booked the clinic has room for any of these series.
        prop_assert!(!existing.is_empty() || result.is_ok(), "{:?}", result);
        if let Ok(proposal) = result {
            for (i, session) in proposal.sessions.iter().enumerate() {
                let mut others = existing.clone();
                others.extend(proposal.sessions.iter().enumerate().filter(|(j, _)| *j != i).map(|(j, s)| booked(1000 + u128::try_from(j).unwrap_or(0), *s)));
                let findings = check(&clinic, &others, session, Readiness::READY);
                prop_assert!(findings.is_bookable(), "{:?}", findings);
                for later in &proposal.sessions[i + 1..] {
                    prop_assert!(!session.slot.overlaps(later.slot));
                }
            }
        }
    }
}
