//! Treatment sessions: stored whole, moved by appended events under an expected state, their
//! vital signs ingested idempotently.

use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{PatientId, SessionEventId, TreatmentSessionId};
use ketaclinic_domain::session::{Session, SessionEvent, SessionEventRecord, SessionState, Thresholds, VitalReading, Vitals};

use super::{ExpectOk, Store, admin, event, id, register, ts, verify_chain};
use crate::error::StoreError;

pub async fn treatment_sessions(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Sol", "Chair", "1974-04-04").await;
    let thresholds = Thresholds { hold_systolic: 155, alert_spo2_low: 90, ..Thresholds::default() };
    let new = |modality: Modality, chair: Option<&str>, at: i64| Session {
        id: TreatmentSessionId(id()),
        patient_id: p.id,
        modality,
        chair: chair.map(str::to_owned),
        state: SessionState::Scheduled,
        thresholds,
        created_by: a.id,
        created_at: ts(at),
        updated_at: ts(at),
    };
    let s = new(Modality::EsketamineNasal, Some("Chair 3"), 100);
    let created = |s: &Session| event(AuditAction::SessionCreated, Some(a.id), Some(s.patient_id), s.created_at);
    store.insert_treatment_session(&s, created(&s)).await.expect_ok();
    assert_eq!(store.treatment_session(s.id).await.expect_ok(), Some(s.clone()), "every field round-trips");
    assert_eq!(store.treatment_session(TreatmentSessionId(id())).await.expect_ok(), None);
    let orphan = Session { patient_id: PatientId(id()), ..new(Modality::IvKetamine, None, 100) };
    assert_eq!(store.insert_treatment_session(&orphan, created(&orphan)).await.err(), Some(StoreError::NotFound), "unknown patient");

    let rec = |session: TreatmentSessionId, e: SessionEvent, at: i64, recorded: i64| SessionEventRecord {
        id: SessionEventId(id()),
        session_id: session,
        event: e,
        at: ts(at),
        payload: serde_json::json!({"note": format!("{e:?}"), "dose_mg": 28}),
        recorded_by: a.id,
        recorded_at: ts(recorded),
    };
    let recorded = |e: &SessionEventRecord| event(AuditAction::SessionEventRecorded, Some(a.id), Some(p.id), e.recorded_at);
    let check_in = rec(s.id, SessionEvent::CheckedIn, 110, 110);
    store.append_session_event(&check_in, SessionState::Scheduled, SessionState::CheckedIn, recorded(&check_in)).await.expect_ok();
    // Documented after the fact: happened at 105, before the check-in, recorded at 120.
    let note = rec(s.id, SessionEvent::Note, 105, 120);
    store.append_session_event(&note, SessionState::CheckedIn, SessionState::CheckedIn, recorded(&note)).await.expect_ok();
    let prechecks = rec(s.id, SessionEvent::PrechecksCompleted, 130, 130);
    store.append_session_event(&prechecks, SessionState::CheckedIn, SessionState::PrechecksDone, recorded(&prechecks)).await.expect_ok();
    let moved = store.treatment_session(s.id).await.expect_ok();
    assert_eq!(moved.as_ref().map(|m| (m.state, m.updated_at)), Some((SessionState::PrechecksDone, ts(130))), "the state moves");
    assert_eq!(moved.map(|m| (m.created_at, m.thresholds, m.chair)), Some((ts(100), thresholds, Some("Chair 3".to_owned()))));
    assert_eq!(store.session_events(s.id).await.expect_ok(), vec![note.clone(), check_in.clone(), prechecks.clone()], "ordered by `at`");

    let before = verify_chain(&store).await;
    let stale = rec(s.id, SessionEvent::PrechecksCompleted, 140, 140);
    assert!(
        matches!(
            store.append_session_event(&stale, SessionState::CheckedIn, SessionState::PrechecksDone, recorded(&stale)).await,
            Err(StoreError::Conflict(_))
        ),
        "a stale expected state conflicts"
    );
    let ghost = rec(TreatmentSessionId(id()), SessionEvent::CheckedIn, 140, 140);
    assert_eq!(
        store.append_session_event(&ghost, SessionState::Scheduled, SessionState::CheckedIn, recorded(&ghost)).await.err(),
        Some(StoreError::NotFound),
        "unknown session"
    );
    assert_eq!(verify_chain(&store).await, before, "a refused event writes no audit");
    assert_eq!(store.session_events(s.id).await.expect_ok().len(), 3, "nor an event");
    assert_eq!(store.treatment_session(s.id).await.expect_ok().map(|m| m.state), Some(SessionState::PrechecksDone), "nor a state");
    assert!(store.session_events(ghost.session_id).await.expect_ok().is_empty());

    // Open sessions, oldest first; a discharged one leaves the list.
    let later = new(Modality::IvKetamine, None, 200);
    store.insert_treatment_session(&later, created(&later)).await.expect_ok();
    let done = new(Modality::ImKetamine, Some("Room B"), 50);
    store.insert_treatment_session(&done, created(&done)).await.expect_ok();
    let open = |list: Vec<Session>| list.into_iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(open(store.open_sessions().await.expect_ok()), vec![done.id, s.id, later.id]);
    let mut state = SessionState::Scheduled;
    for (e, next) in [
        (SessionEvent::CheckedIn, SessionState::CheckedIn),
        (SessionEvent::PrechecksCompleted, SessionState::PrechecksDone),
        (SessionEvent::AdministrationStarted, SessionState::Administering),
        (SessionEvent::AdministrationStopped, SessionState::Observing),
        (SessionEvent::Discharged, SessionState::Discharged),
    ] {
        let r = rec(done.id, e, 60, 60);
        store.append_session_event(&r, state, next, recorded(&r)).await.expect_ok();
        state = next;
    }
    assert_eq!(open(store.open_sessions().await.expect_ok()), vec![s.id, later.id], "a discharged session is not open");
    let events = store.session_events(done.id).await.expect_ok();
    assert_eq!(events.iter().map(|e| e.event).collect::<Vec<_>>().last(), Some(&SessionEvent::Discharged), "same `at`: recording order");
    assert_eq!(events.first().map(|e| e.event), Some(SessionEvent::CheckedIn));
}

pub async fn session_vitals(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Vic", "Vitals", "1975-05-05").await;
    let s = Session {
        id: TreatmentSessionId(id()),
        patient_id: p.id,
        modality: Modality::EsketamineNasal,
        chair: None,
        state: SessionState::Scheduled,
        thresholds: Thresholds::default(),
        created_by: a.id,
        created_at: ts(100),
        updated_at: ts(100),
    };
    store.insert_treatment_session(&s, event(AuditAction::SessionCreated, Some(a.id), Some(p.id), ts(100))).await.expect_ok();
    let full = Vitals { systolic: Some(142), diastolic: Some(88), heart_rate: Some(76), spo2: Some(97), resp_rate: Some(14) };
    let bp_only = Vitals { systolic: Some(150), diastolic: Some(92), ..Vitals::default() };
    let r1 = VitalReading { at: ts(200), device_id: "monitor-1".to_owned(), vitals: full };
    let r2 = VitalReading { at: ts(260), device_id: "monitor-1".to_owned(), vitals: bp_only };
    let r3 = VitalReading { at: ts(230), device_id: "manual".to_owned(), vitals: Vitals { spo2: Some(91), ..Vitals::default() } };
    let vitals = |at: i64| event(AuditAction::VitalsRecorded, Some(a.id), Some(p.id), ts(at));
    assert_eq!(store.insert_vitals(s.id, &[r1.clone(), r2.clone()], ts(300), vitals(300)).await.expect_ok(), vec![true, true]);
    assert_eq!(
        store.insert_vitals(s.id, &[r2.clone(), r3.clone()], ts(310), vitals(310)).await.expect_ok(),
        vec![false, true],
        "a repeated reading is skipped"
    );
    assert_eq!(store.vitals(s.id).await.expect_ok(), vec![r1, r3, r2], "time order, every field");
    let before = verify_chain(&store).await;
    assert_eq!(store.insert_vitals(TreatmentSessionId(id()), &[], ts(320), vitals(320)).await.err(), Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, before);
    assert!(store.vitals(TreatmentSessionId(id())).await.expect_ok().is_empty());
}
