//! Treatment events: appended with their audit event, listed in time order, found by date.

use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::ids::{PatientId, TreatmentEventId};
use ketaclinic_domain::schedule::TreatmentEvent;

use super::{ExpectOk, Store, admin, event, id, register, ts, verify_chain};
use crate::error::StoreError;
use crate::records::RecordedEvent;

pub async fn treatment_events(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Tess", "Event", "1970-01-01").await;
    let other = register(&store, a.id, "Uma", "Event", "1971-01-01").await;
    let rec = |patient: PatientId, e: TreatmentEvent| RecordedEvent {
        id: TreatmentEventId(id()),
        patient_id: patient,
        event: e,
        recorded_by: Some(a.id),
        recorded_at: ts(500),
    };
    let later = rec(p.id, TreatmentEvent::SessionCompleted { at: ts(300), first_of_induction: true, last_of_induction: false });
    let start = rec(p.id, TreatmentEvent::CourseStarted { at: ts(100) });
    let old = rec(other.id, TreatmentEvent::CourseStarted { at: ts(10) });
    for e in [&later, &start, &old] {
        store.insert_treatment_event(e, event(AuditAction::TreatmentEventRecorded, Some(a.id), Some(e.patient_id), ts(500))).await.expect_ok();
    }
    assert_eq!(store.treatment_events(p.id).await.expect_ok(), vec![start, later], "time order, every field kept");
    assert_eq!(store.patients_with_events_since(ts(50)).await.expect_ok(), vec![p.id]);
    let ghost = rec(PatientId(id()), TreatmentEvent::CourseEnded { at: ts(1) });
    let before = verify_chain(&store).await;
    let refused = store.insert_treatment_event(&ghost, event(AuditAction::TreatmentEventRecorded, Some(a.id), None, ts(501))).await;
    assert_eq!(refused.err(), Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, before);
}
