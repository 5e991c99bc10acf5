//! Scheduling: chairs, rooms and staff hours replaced in place; a booking's check sees the
//! active overlapping bookings inside the write, so racing bookings of one chair never both
//! land; a series is stored all or none; refused, moved, cancelled and missed bookings — and no refused write leaves an audit
//! event behind.

use std::sync::Arc;

use jiff::civil::{Weekday, time};
use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::booking::appointment::{Appointment, Booking, BookingId, BookingStatus};
use ketaclinic_domain::booking::appointment_type::AppointmentKind;
use ketaclinic_domain::booking::resource::{Presence, ResourceName, Space, SpaceId, SpaceKind, WorkingHours};
use ketaclinic_domain::booking::slot::Slot;
use ketaclinic_domain::booking::violation::{Findings, Violation};
use ketaclinic_domain::calendar::OpeningHours;
use ketaclinic_domain::ids::{PatientId, UserId};

use super::{ExpectOk, Store, admin, event, fail, id, register, ts, verify_chain};
use crate::booking_port::{BookingCheck, BookingQuery, BookingRecord, SpaceRecord, StaffHoursRecord};
use crate::error::StoreError;

fn slot(from: i64, to: i64) -> Slot {
    Slot::new(ts(from), ts(to)).unwrap_or_else(|_| fail("slot"))
}

/// A stand-in for the domain check: the chair may hold one booking at a time.
fn chair_free(space: SpaceId) -> BookingCheck {
    Box::new(move |existing: &[Booking]| {
        Findings(existing.iter().filter(|b| b.appointment.space == Some(space)).map(|b| Violation::ChairDoubleBooked { space, with: b.id }).collect())
    })
}

fn record(patient: PatientId, space: SpaceId, nurse: UserId, at: Slot, by: UserId) -> BookingRecord {
    let appointment =
        Appointment { patient, kind: AppointmentKind::IvKetamineSession, slot: at, space: Some(space), attending: None, nurse: Some(nurse), prescriber: None };
    BookingRecord {
        booking: Booking { id: BookingId(id()), appointment, status: BookingStatus::Booked },
        reason: None,
        booked_by: by,
        booked_at: ts(10),
        updated_at: ts(10),
    }
}

pub async fn booking_records(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Ada", "Lovelace", "1990-01-01").await;
    let q = register(&store, a.id, "Grace", "Hopper", "1985-05-05").await;
    let chair = SpaceRecord {
        space: Space { id: SpaceId(id()), name: ResourceName::parse("Chair 1").unwrap_or_else(|_| fail("name")), kind: SpaceKind::Chair },
        active: true,
        by: a.id,
        at: ts(1),
    };
    store.save_space(&chair, event(AuditAction::ScheduleResourceChanged, Some(a.id), None, ts(1))).await.expect_ok();
    let renamed =
        SpaceRecord { space: Space { name: ResourceName::parse("Chair A").unwrap_or_else(|_| fail("name")), ..chair.space.clone() }, at: ts(2), ..chair };
    store.save_space(&renamed, event(AuditAction::ScheduleResourceChanged, Some(a.id), None, ts(2))).await.expect_ok();
    assert_eq!(store.spaces().await.expect_ok(), vec![renamed.clone()], "replaced in place");

    let hours = OpeningHours::new(time(8, 0, 0, 0), time(17, 30, 0, 0)).unwrap_or_else(|_| fail("hours"));
    let staff = StaffHoursRecord {
        user_id: a.id,
        hours: WorkingHours::on(&[Weekday::Monday, Weekday::Thursday], hours),
        presence: Presence::OnSite,
        by: a.id,
        at: ts(3),
    };
    store.save_staff_hours(&staff, event(AuditAction::ScheduleResourceChanged, Some(a.id), None, ts(3))).await.expect_ok();
    let remote = StaffHoursRecord { presence: Presence::Remote, at: ts(4), ..staff.clone() };
    store.save_staff_hours(&remote, event(AuditAction::ScheduleResourceChanged, Some(a.id), None, ts(4))).await.expect_ok();
    assert_eq!(store.staff_hours().await.expect_ok(), vec![remote]);
    let before = verify_chain(&store).await;
    let ghost = StaffHoursRecord { user_id: UserId(id()), ..staff };
    assert_eq!(store.save_staff_hours(&ghost, event(AuditAction::ScheduleResourceChanged, Some(a.id), None, ts(5))).await.err(), Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, before);

    let space = renamed.space.id;
    // Two desks book the same chair at once: exactly one lands.
    let (r1, r2) = (record(p.id, space, a.id, slot(3600, 10_800), a.id), record(q.id, space, a.id, slot(7200, 14_400), a.id));
    let (s1, s2) = (Arc::clone(&store), Arc::clone(&store));
    let (e1, e2) =
        (event(AuditAction::AppointmentBooked, Some(a.id), Some(p.id), ts(10)), event(AuditAction::AppointmentBooked, Some(a.id), Some(q.id), ts(10)));
    let (c1, c2) = (r1.clone(), r2.clone());
    let h1 = tokio::spawn(async move { s1.book(&c1, chair_free(space), e1).await });
    let h2 = tokio::spawn(async move { s2.book(&c2, chair_free(space), e2).await });
    let outcomes = [h1.await.unwrap_or_else(|_| fail("join")).expect_ok(), h2.await.unwrap_or_else(|_| fail("join")).expect_ok()];
    assert_eq!(outcomes.iter().filter(|f| f.is_bookable()).count(), 1, "one booking refused: {outcomes:?}");
    let all = BookingQuery { from: ts(0), to: ts(100_000), space: None, staff: None, patient: None };
    let stored = store.bookings(&all).await.expect_ok();
    assert_eq!(stored.len(), 1);
    assert_eq!(verify_chain(&store).await, before + 1, "the refused booking wrote no audit event");
    let (won, lost) = if stored[0].booking.id == r1.booking.id { (r1, r2) } else { (r2, r1) };
    assert_eq!(stored[0], won);
    assert_eq!(store.booking(lost.booking.id).await.expect_ok(), None);

    let ghost = record(PatientId(id()), space, a.id, slot(50_000, 51_000), a.id);
    assert_eq!(store.book(&ghost, chair_free(space), event(AuditAction::AppointmentBooked, Some(a.id), None, ts(11))).await.err(), Some(StoreError::NotFound));

    // A series is all or none: its second session collides with the winner, so neither lands.
    let before = verify_chain(&store).await;
    let series = [record(q.id, space, a.id, slot(200_000, 207_200), a.id), record(q.id, space, a.id, slot(7200, 10_800), a.id)];
    let refused = store.book_all(&series, chair_free(space), vec![event(AuditAction::AppointmentBooked, Some(a.id), Some(q.id), ts(12))]).await.expect_ok();
    assert!(!refused.is_bookable());
    assert_eq!(store.booking(series[0].booking.id).await.expect_ok(), None, "nothing of the refused series was written");
    assert_eq!(verify_chain(&store).await, before);
    let fits = [series[0].clone(), record(q.id, space, a.id, slot(300_000, 307_200), a.id)];
    assert!(
        store.book_all(&fits, chair_free(space), vec![event(AuditAction::AppointmentBooked, Some(a.id), Some(q.id), ts(12))]).await.expect_ok().is_bookable()
    );
    let later = BookingQuery { from: ts(150_000), to: ts(400_000), space: None, staff: None, patient: Some(q.id) };
    assert_eq!(
        store.bookings(&later).await.expect_ok().iter().map(|b| b.booking.id).collect::<Vec<_>>(),
        fits.iter().map(|b| b.booking.id).collect::<Vec<_>>()
    );

    moves_and_closes(&store, a.id, space, won, lost).await;
}

async fn moves_and_closes(store: &Store, by: UserId, space: SpaceId, won: BookingRecord, lost: BookingRecord) {
    let id = won.booking.id;
    let patient = won.booking.appointment.patient;
    let audit = |at| event(AuditAction::AppointmentChanged, Some(by), Some(patient), ts(at));
    // Moving within its own slot does not collide with itself.
    let later = won.booking.appointment.slot;
    let later = slot(later.start().as_second() + 900, later.end().as_second() + 900);
    assert!(store.move_booking(id, later, ts(20), chair_free(space), audit(20)).await.expect_ok().is_bookable());
    let moved = store.booking(id).await.expect_ok().unwrap_or_else(|| fail("moved booking"));
    assert_eq!((moved.booking.appointment.slot, moved.updated_at), (later, ts(20)));

    // The loser books after the winner's slot; moving the winner onto it is refused.
    let free = slot(later.end().as_second(), later.end().as_second() + 7200);
    let other = BookingRecord { booking: Booking { appointment: Appointment { slot: free, ..lost.booking.appointment }, ..lost.booking }, ..lost };
    assert!(store.book(&other, chair_free(space), event(AuditAction::AppointmentBooked, Some(by), None, ts(21))).await.expect_ok().is_bookable());
    let before = verify_chain(store).await;
    let refused = store.move_booking(id, free, ts(22), chair_free(space), audit(22)).await.expect_ok();
    assert!(!refused.is_bookable());
    assert_eq!(store.booking(id).await.expect_ok().map(|b| b.booking.appointment.slot), Some(later), "nothing moved");
    assert_eq!(verify_chain(store).await, before);

    store.close_booking(id, BookingStatus::Cancelled, "patient unwell", ts(23), audit(23)).await.expect_ok();
    let cancelled = store.booking(id).await.expect_ok().unwrap_or_else(|| fail("cancelled booking"));
    assert_eq!((cancelled.booking.status, cancelled.reason.as_deref()), (BookingStatus::Cancelled, Some("patient unwell")));
    let err = store.close_booking(id, BookingStatus::NoShow, "again", ts(24), audit(24)).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "closed once: {err:?}");
    assert!(matches!(store.move_booking(id, later, ts(24), chair_free(space), audit(24)).await.err(), Some(StoreError::Conflict(_))));
    let unknown = BookingId(super::id());
    assert_eq!(store.close_booking(unknown, BookingStatus::NoShow, "x", ts(24), audit(24)).await.err(), Some(StoreError::NotFound));
    // The freed chair takes the moved slot again, and the queries filter.
    assert!(store.move_booking(other.booking.id, later, ts(25), chair_free(space), audit(25)).await.expect_ok().is_bookable());
    let q = |space, staff, patient| BookingQuery { from: later.start(), to: later.end(), space, staff, patient };
    assert_eq!(store.bookings(&q(Some(space), None, None)).await.expect_ok().len(), 2, "cancelled ones are listed too");
    assert_eq!(store.bookings(&q(None, Some(by), Some(patient))).await.expect_ok().len(), 1);
    assert!(store.bookings(&q(Some(SpaceId(super::id())), None, None)).await.expect_ok().is_empty());
    assert!(store.bookings(&BookingQuery { from: ts(0), to: ts(3600), ..q(None, None, None) }).await.expect_ok().is_empty(), "half-open");
}

/// The waitlist: entries round-trip, are removed once with a reason, and an unknown patient
/// or entry is refused without an audit event.
pub async fn booking_waitlist(store: Store) {
    use crate::booking_port::WaitlistRecord;
    use ketaclinic_domain::booking::slot::TimeWindow;
    use ketaclinic_domain::booking::waitlist::Urgency;
    use ketaclinic_domain::ids::WaitlistEntryId;

    let a = admin(&store).await;
    let p = register(&store, a.id, "Ada", "Lovelace", "1990-01-01").await;
    let morning = TimeWindow::new(time(9, 0, 0, 0), time(12, 0, 0, 0)).unwrap_or_else(|_| fail("window"));
    let entry = |urgency, at| WaitlistRecord {
        id: WaitlistEntryId(id()),
        patient: p.id,
        kind: AppointmentKind::EsketamineSession,
        days: vec![Weekday::Tuesday, Weekday::Friday],
        windows: vec![morning],
        urgency,
        added_by: a.id,
        added_at: ts(at),
    };
    let (first, second) = (entry(Urgency::Routine, 1), WaitlistRecord { days: vec![], windows: vec![], ..entry(Urgency::Urgent, 2) });
    for e in [&first, &second] {
        store.add_waitlist(e, event(AuditAction::AppointmentChanged, Some(a.id), Some(p.id), e.added_at)).await.expect_ok();
    }
    assert_eq!(store.waitlist().await.expect_ok(), vec![first.clone(), second.clone()], "oldest first, preferences kept");
    let before = verify_chain(&store).await;
    let ghost = WaitlistRecord { patient: PatientId(id()), ..entry(Urgency::Soon, 3) };
    assert_eq!(store.add_waitlist(&ghost, event(AuditAction::AppointmentChanged, Some(a.id), None, ts(3))).await.err(), Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, before);
    store.remove_waitlist(first.id, "booked elsewhere", ts(4), event(AuditAction::AppointmentChanged, Some(a.id), Some(p.id), ts(4))).await.expect_ok();
    assert_eq!(store.waitlist().await.expect_ok(), vec![second]);
    let again = store.remove_waitlist(first.id, "again", ts(5), event(AuditAction::AppointmentChanged, Some(a.id), Some(p.id), ts(5))).await.err();
    assert!(matches!(again, Some(StoreError::Conflict(_))), "{again:?}");
    let unknown = store.remove_waitlist(WaitlistEntryId(id()), "x", ts(5), event(AuditAction::AppointmentChanged, Some(a.id), None, ts(5))).await.err();
    assert_eq!(unknown, Some(StoreError::NotFound));
}
