//! SPRAVATO REMS monitoring forms: the queue of dosed esketamine sessions that are closed,
//! left-joined with their form row; the row moves under an expected status and a submitted row
//! is final.

use jiff::civil::date;
use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{SessionEventId, TreatmentSessionId, UserId};
use ketaclinic_domain::patient::Patient;
use ketaclinic_domain::session::rems_form::{RemsFormRecord, RemsFormStatus};
use ketaclinic_domain::session::{Session, SessionEvent, SessionEventRecord, SessionState, Thresholds};

use super::{ExpectOk, Store, admin, event, id, register, ts, verify_chain};
use crate::error::StoreError;

/// Books a session and walks it through `steps` (event, at), each moving the state.
async fn walk(store: &Store, by: UserId, p: &Patient, modality: Modality, steps: &[(SessionEvent, SessionState, i64)]) -> Session {
    let s = Session {
        id: TreatmentSessionId(id()),
        patient_id: p.id,
        modality,
        chair: None,
        state: SessionState::Scheduled,
        thresholds: Thresholds::default(),
        course_id: None,
        protocol_version: 0,
        created_by: by,
        created_at: ts(100),
        updated_at: ts(100),
    };
    store.insert_treatment_session(&s, event(AuditAction::SessionCreated, Some(by), Some(p.id), ts(100))).await.expect_ok();
    let mut state = SessionState::Scheduled;
    for (e, next, at) in steps {
        let r = SessionEventRecord {
            id: SessionEventId(id()),
            session_id: s.id,
            event: *e,
            at: ts(*at),
            payload: serde_json::json!({"dose_mg": 28, "lot": "L1"}),
            recorded_by: by,
            recorded_at: ts(*at),
        };
        store.append_session_event(&r, state, *next, event(AuditAction::SessionEventRecorded, Some(by), Some(p.id), ts(*at))).await.expect_ok();
        state = *next;
    }
    s
}

pub async fn rems_forms(store: Store) {
    use SessionEvent as E;
    use SessionState as S;
    let a = admin(&store).await;
    let p = register(&store, a.id, "Rhea", "Rems", "1970-07-07").await;
    let q = register(&store, a.id, "Quin", "Other", "1971-01-01").await;
    let open = [(E::CheckedIn, S::CheckedIn, 200), (E::PrechecksCompleted, S::PrechecksDone, 210)];
    let dosed = |first: i64| [open[0], open[1], (E::DeviceAdministered, S::Administering, first), (E::DeviceAdministered, S::Administering, first + 300)];
    let discharged = |first: i64| {
        let mut steps = dosed(first).to_vec();
        steps.extend([(E::AdministrationStopped, S::Observing, first + 310), (E::Discharged, S::Discharged, first + 7500)]);
        steps
    };
    let late = walk(&store, a.id, &p, Modality::EsketamineNasal, &discharged(2_000)).await;
    let early = walk(&store, a.id, &q, Modality::EsketamineNasal, &discharged(1_000)).await;
    let mut stopped_steps = dosed(3_000).to_vec();
    stopped_steps.push((E::StoppedEarly, S::StoppedEarly, 3_500));
    let stopped = walk(&store, a.id, &p, Modality::EsketamineNasal, &stopped_steps).await;
    // Not in the queue: stopped before dosing, still in the chair, racemic ketamine.
    walk(&store, a.id, &p, Modality::EsketamineNasal, &[open[0], (E::StoppedEarly, S::StoppedEarly, 205)]).await;
    walk(&store, a.id, &p, Modality::EsketamineNasal, &dosed(4_000)).await;
    let iv = [
        open[0],
        open[1],
        (E::AdministrationStarted, S::Administering, 500),
        (E::AdministrationStopped, S::Observing, 900),
        (E::Discharged, S::Discharged, 3_000),
    ];
    walk(&store, a.id, &p, Modality::IvKetamine, &iv).await;

    let all = RemsFormStatus::ALL;
    let queue = store.rems_queue(&all, None, 10).await.expect_ok();
    let ids: Vec<TreatmentSessionId> = queue.iter().map(|r| r.session_id).collect();
    assert_eq!(ids, vec![early.id, late.id, stopped.id], "dosed esketamine sessions that are closed, by first dose");
    let first = &queue[0];
    assert_eq!(
        (first.patient_id, first.given_name.as_str(), first.family_name.as_str(), first.first_dose_at, first.state, first.record.clone()),
        (q.id, "Quin", "Other", ts(1_000), S::Discharged, None)
    );
    assert_eq!(queue[2].state, S::StoppedEarly);
    assert_eq!(queue.iter().map(|r| r.status()).collect::<Vec<_>>(), vec![RemsFormStatus::Draft; 3], "no row is a draft");
    let page = store.rems_queue(&all, Some((first.first_dose_at, first.session_id)), 1).await.expect_ok();
    assert_eq!(page.iter().map(|r| r.session_id).collect::<Vec<_>>(), vec![late.id], "keyset paging");

    assert_eq!(store.esketamine_treatments_before(p.id, ts(2_000)).await.expect_ok(), 0, "the first treatment");
    assert_eq!(store.esketamine_treatments_before(p.id, ts(3_001)).await.expect_ok(), 2, "dosed at 2000 and 3000");
    assert_eq!(store.esketamine_treatments_before(p.id, ts(9_999)).await.expect_ok(), 3, "an open dosed session counts; racemic ketamine does not");

    assert_eq!(store.rems_form_record(late.id).await.expect_ok(), None);
    let ready = RemsFormRecord {
        session_id: late.id,
        status: RemsFormStatus::Ready,
        confirmation_number: None,
        submitted_on: None,
        serious_adverse_event: Some(false),
        sae_description: None,
        changed_by: a.id,
        changed_at: ts(9_000),
    };
    let changed = |at: i64| event(AuditAction::RemsFormChanged, Some(a.id), Some(p.id), ts(at));
    store.save_rems_form(&ready, RemsFormStatus::Draft, changed(9_000)).await.expect_ok();
    assert_eq!(store.rems_form_record(late.id).await.expect_ok(), Some(ready.clone()), "every field round-trips");
    let only = |list: Vec<ketaclinic_domain::session::rems_form::RemsQueueRow>| list.into_iter().map(|r| r.session_id).collect::<Vec<_>>();
    assert_eq!(only(store.rems_queue(&[RemsFormStatus::Ready], None, 10).await.expect_ok()), vec![late.id]);
    assert_eq!(only(store.rems_queue(&[RemsFormStatus::Draft], None, 10).await.expect_ok()), vec![early.id, stopped.id]);

    let before = verify_chain(&store).await;
    assert!(
        matches!(store.save_rems_form(&ready, RemsFormStatus::Draft, changed(9_001)).await, Err(StoreError::Conflict(_))),
        "a stale expected status conflicts"
    );
    let ghost = RemsFormRecord { session_id: TreatmentSessionId(id()), ..ready.clone() };
    assert_eq!(store.save_rems_form(&ghost, RemsFormStatus::Draft, changed(9_002)).await.err(), Some(StoreError::NotFound), "unknown session");
    assert_eq!(verify_chain(&store).await, before, "a refused change writes no audit");

    let submitted = RemsFormRecord {
        status: RemsFormStatus::Submitted,
        confirmation_number: Some("REMS-778".to_owned()),
        submitted_on: Some(date(2026, 11, 23)),
        sae_description: Some("none".to_owned()),
        changed_at: ts(9_500),
        ..ready.clone()
    };
    store.save_rems_form(&submitted, RemsFormStatus::Ready, changed(9_500)).await.expect_ok();
    assert_eq!(store.rems_form_record(late.id).await.expect_ok(), Some(submitted.clone()));
    let back = RemsFormRecord { status: RemsFormStatus::Draft, confirmation_number: None, submitted_on: None, ..submitted.clone() };
    assert!(matches!(store.save_rems_form(&back, RemsFormStatus::Submitted, changed(9_600)).await, Err(StoreError::Conflict(_))), "a submitted form is final");
    assert_eq!(store.rems_form_record(late.id).await.expect_ok(), Some(submitted));
    assert_eq!(only(store.rems_queue(&[RemsFormStatus::Submitted], None, 10).await.expect_ok()), vec![late.id]);
}
