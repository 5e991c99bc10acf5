//! Treatment sessions: stored whole, moved by appended events under an expected state, their
//! vital signs ingested idempotently.

use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{PatientId, SessionAlertId, SessionEventId, TreatmentSessionId};
use ketaclinic_domain::session::{
    Session, SessionAlert, SessionAlertAck, SessionEvent, SessionEventRecord, SessionState, Thresholds, VitalAlert, VitalReading, Vitals,
};

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
        course_id: None,
        protocol_version: 3,
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
        course_id: None,
        protocol_version: 0,
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
    let plain = |r: &VitalReading| (r.clone(), Vec::new());
    assert_eq!(store.insert_vitals(s.id, &[plain(&r1), plain(&r2)], ts(300), vitals(300)).await.expect_ok(), vec![true, true]);
    assert_eq!(
        store.insert_vitals(s.id, &[plain(&r2), plain(&r3)], ts(310), vitals(310)).await.expect_ok(),
        vec![false, true],
        "a repeated reading is skipped"
    );
    assert_eq!(store.vitals(s.id).await.expect_ok(), vec![r1, r3, r2], "time order, every field");
    let before = verify_chain(&store).await;
    assert_eq!(store.insert_vitals(TreatmentSessionId(id()), &[], ts(320), vitals(320)).await.err(), Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, before);
    assert!(store.vitals(TreatmentSessionId(id())).await.expect_ok().is_empty());
}

/// Alerts are stored with their new reading (never with a replayed one), read back with their
/// acknowledgement, and acknowledged once: a second acknowledgement conflicts, an unknown alert
/// (or one of another session) is not found, and a refused one writes no audit.
pub async fn session_alerts(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Ada", "Alarm", "1976-06-06").await;
    let new = || Session {
        id: TreatmentSessionId(id()),
        patient_id: p.id,
        modality: Modality::IvKetamine,
        chair: None,
        state: SessionState::Scheduled,
        thresholds: Thresholds::default(),
        course_id: None,
        protocol_version: 0,
        created_by: a.id,
        created_at: ts(100),
        updated_at: ts(100),
    };
    let (s, other) = (new(), new());
    for x in [&s, &other] {
        store.insert_treatment_session(x, event(AuditAction::SessionCreated, Some(a.id), Some(p.id), ts(100))).await.expect_ok();
    }
    let reading = |at: i64, device: &str, v: Vitals| VitalReading { at: ts(at), device_id: device.to_owned(), vitals: v };
    let alert = |r: &VitalReading, code: VitalAlert, message: &str| SessionAlert {
        id: SessionAlertId(id()),
        session_id: s.id,
        code,
        message: message.to_owned(),
        at: r.at,
        device_id: r.device_id.clone(),
        raised_at: ts(300),
        acknowledgement: None,
    };
    let high = reading(250, "mon-1", Vitals { systolic: Some(181), diastolic: Some(80), heart_rate: Some(125), ..Vitals::default() });
    let low = reading(240, "manual", Vitals { spo2: Some(90), ..Vitals::default() });
    let calm = reading(260, "mon-1", Vitals { systolic: Some(120), diastolic: Some(80), ..Vitals::default() });
    let bp = alert(&high, VitalAlert::BpHigh, "BP 181/80 above 180/110");
    let hr = alert(&high, VitalAlert::HrHigh, "HR 125 above 120");
    let spo2 = alert(&low, VitalAlert::Spo2Low, "SpO2 90 % below 92 %");
    let vitals = |at: i64| event(AuditAction::VitalsRecorded, Some(a.id), Some(p.id), ts(at));
    let batch = [(high.clone(), vec![bp.clone(), hr.clone()]), (low.clone(), vec![spo2.clone()]), (calm.clone(), vec![])];
    assert_eq!(store.insert_vitals(s.id, &batch, ts(300), vitals(300)).await.expect_ok(), vec![true, true, true]);
    assert_eq!(store.session_alerts(s.id).await.expect_ok(), vec![spo2.clone(), bp.clone(), hr.clone()], "reading-time order, every field");
    // The same readings again, with freshly made alerts: nothing new is stored.
    let replay = [(high.clone(), vec![alert(&high, VitalAlert::BpHigh, "again")]), (low.clone(), vec![alert(&low, VitalAlert::Spo2Low, "again")])];
    assert_eq!(store.insert_vitals(s.id, &replay, ts(310), vitals(310)).await.expect_ok(), vec![false, false]);
    assert_eq!(store.session_alerts(s.id).await.expect_ok().len(), 3, "a replayed reading raises nothing twice");
    assert!(store.session_alerts(other.id).await.expect_ok().is_empty());

    let ack = SessionAlertAck { by: a.id, at: ts(320), note: Some("recheck in 5 min, labetalol per protocol".to_owned()) };
    let acked = |at: i64| event(AuditAction::SessionAlertAcknowledged, Some(a.id), Some(p.id), ts(at));
    store.acknowledge_session_alert(s.id, bp.id, &ack, acked(320)).await.expect_ok();
    let plain_ack = SessionAlertAck { by: a.id, at: ts(321), note: None };
    store.acknowledge_session_alert(s.id, spo2.id, &plain_ack, acked(321)).await.expect_ok();
    let listed = store.session_alerts(s.id).await.expect_ok();
    assert_eq!(
        listed.iter().map(|x| (x.id, x.acknowledgement.clone())).collect::<Vec<_>>(),
        vec![(spo2.id, Some(plain_ack)), (bp.id, Some(ack.clone())), (hr.id, None)],
        "acknowledgements round-trip, the others stay open"
    );
    let before = verify_chain(&store).await;
    let again = SessionAlertAck { by: a.id, at: ts(330), note: Some("again".to_owned()) };
    assert!(matches!(store.acknowledge_session_alert(s.id, bp.id, &again, acked(330)).await, Err(StoreError::Conflict(_))), "acknowledged once");
    assert_eq!(store.acknowledge_session_alert(s.id, SessionAlertId(id()), &again, acked(330)).await.err(), Some(StoreError::NotFound), "unknown alert");
    assert_eq!(store.acknowledge_session_alert(other.id, hr.id, &again, acked(330)).await.err(), Some(StoreError::NotFound), "another session's alert");
    assert_eq!(verify_chain(&store).await, before, "a refused acknowledgement writes no audit");
    let kept = store.session_alerts(s.id).await.expect_ok();
    assert_eq!(kept.iter().find(|x| x.id == bp.id).and_then(|x| x.acknowledgement.clone()), Some(ack), "the first acknowledgement stands");
}
