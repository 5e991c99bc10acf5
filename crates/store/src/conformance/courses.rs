//! Treatment protocols (versions append-only, one writer per version) and treatment courses
//! (current row plus append-only events, changed only from the state the caller read).

use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::course::{Course, CourseEvent, CourseEventKind, CoursePhase, CourseStatus, Protocol, ProtocolBody, ReviewOutcome, Revision};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{CourseEventId, CourseId, PatientId, TreatmentSessionId, UserId};
use ketaclinic_domain::record::ChangeReason;
use ketaclinic_domain::session::{Session, SessionState, Thresholds};

use super::{ExpectOk, Store, admin, event, fail, id, register, ts, verify_chain};
use crate::error::StoreError;

fn reason(text: &str) -> ChangeReason {
    ChangeReason::parse(text).unwrap_or_else(|_| fail("reason"))
}

fn version(modality: Modality, n: u32, by: UserId, at: i64, observe: u32) -> Protocol {
    let mut body = ProtocolBody::defaults(modality);
    body.min_observation_minutes = observe;
    Protocol { modality, version: n, body, revision: Some(Revision { reason: reason(&format!("revision {n}")), by, at: ts(at) }) }
}

pub async fn protocol_versions(store: Store) {
    let a = admin(&store).await;
    assert!(store.current_protocols().await.expect_ok().is_empty(), "no stored version: every modality runs on version 0");
    let iv1 = version(Modality::IvKetamine, 1, a.id, 10, 45);
    let es1 = version(Modality::EsketamineNasal, 1, a.id, 11, 120);
    let iv2 = version(Modality::IvKetamine, 2, a.id, 12, 60);
    for p in [&iv1, &es1, &iv2] {
        store.insert_protocol(p, event(AuditAction::ProtocolRevised, Some(a.id), None, ts(13))).await.expect_ok();
    }
    assert_eq!(store.current_protocols().await.expect_ok(), vec![es1.clone(), iv2.clone()], "the newest of each, by modality name");
    assert_eq!(store.protocol_versions(Modality::IvKetamine).await.expect_ok(), vec![iv1, iv2.clone()]);
    assert!(store.protocol_versions(Modality::ImKetamine).await.expect_ok().is_empty());
    let before = verify_chain(&store).await;
    let racing = version(Modality::IvKetamine, 2, a.id, 14, 50);
    let err = store.insert_protocol(&racing, event(AuditAction::ProtocolRevised, Some(a.id), None, ts(14))).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "a version is written once: {err:?}");
    assert_eq!(verify_chain(&store).await, before, "the refused version wrote no audit event");
    assert_eq!(store.current_protocols().await.expect_ok()[1], iv2);
}

fn course_event(course: CourseId, kind: CourseEventKind, by: UserId, at: i64) -> CourseEvent {
    CourseEvent { id: CourseEventId(id()), course_id: course, kind, by, at: ts(at) }
}

pub async fn courses_lifecycle(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Cory", "Course", "1975-05-05").await;
    let protocol = Protocol::built_in(Modality::EsketamineNasal);
    let draft = Course::draft(CourseId(id()), p.id, &protocol, None, None, a.id, ts(100)).unwrap_or_else(|_| fail("course"));
    let created = course_event(draft.id, CourseEventKind::Created, a.id, 100);
    store.insert_course(&draft, &created, event(AuditAction::CourseCreated, Some(a.id), Some(p.id), ts(100))).await.expect_ok();
    assert_eq!(store.course(draft.id).await.expect_ok(), Some(draft.clone()));
    assert_eq!(store.course(CourseId(id())).await.expect_ok(), None);

    let ghost = Course { id: CourseId(id()), patient_id: PatientId(id()), ..draft.clone() };
    let orphan = course_event(ghost.id, CourseEventKind::Created, a.id, 101);
    let before = verify_chain(&store).await;
    assert_eq!(store.insert_course(&ghost, &orphan, event(AuditAction::CourseCreated, Some(a.id), None, ts(101))).await.err(), Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, before, "nothing written for an unknown patient");

    let signed = draft.sign(a.id, ts(200)).unwrap_or_else(|_| fail("sign"));
    let sign = course_event(draft.id, CourseEventKind::Signed, a.id, 200);
    let expected = (CourseStatus::Draft, CoursePhase::Induction);
    store.update_course(&signed, expected, &sign, event(AuditAction::CourseSigned, Some(a.id), Some(p.id), ts(200))).await.expect_ok();
    let before = verify_chain(&store).await;
    let twice = course_event(draft.id, CourseEventKind::Signed, a.id, 201);
    let err = store.update_course(&signed, expected, &twice, event(AuditAction::CourseSigned, Some(a.id), Some(p.id), ts(201))).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "signed meanwhile: {err:?}");
    assert_eq!(verify_chain(&store).await, before);

    let review = ReviewOutcome::Measured {
        instrument: "phq9".to_owned(),
        baseline_total: 18,
        baseline_at: ts(90),
        latest_total: 8,
        latest_at: ts(290),
        change_percent: Some(-55.6),
        response: true,
        remission: false,
        latest_responding: true,
    };
    let (reviewed, kind) =
        signed.change_phase(CoursePhase::EndOfInductionReview, reason("week 4 review"), Some(review.clone()), ts(300)).unwrap_or_else(|_| fail("phase"));
    let changed = course_event(draft.id, kind.clone(), a.id, 300);
    store
        .update_course(
            &reviewed,
            (CourseStatus::Signed, CoursePhase::Induction),
            &changed,
            event(AuditAction::CoursePhaseChanged, Some(a.id), Some(p.id), ts(300)),
        )
        .await
        .expect_ok();
    assert_eq!(store.course(draft.id).await.expect_ok(), Some(reviewed.clone()));
    assert_eq!(store.course(draft.id).await.expect_ok().and_then(|c| c.review), Some(review));
    let events = store.course_events(draft.id).await.expect_ok();
    assert_eq!(events, vec![created, sign, changed]);

    let later = Course::draft(CourseId(id()), p.id, &Protocol::built_in(Modality::IvKetamine), None, None, a.id, ts(400)).unwrap_or_else(|_| fail("course"));
    store
        .insert_course(&later, &course_event(later.id, CourseEventKind::Created, a.id, 400), event(AuditAction::CourseCreated, Some(a.id), Some(p.id), ts(400)))
        .await
        .expect_ok();
    // A session booked in the course keeps its course and protocol version.
    let session = Session {
        id: TreatmentSessionId(id()),
        patient_id: p.id,
        modality: Modality::EsketamineNasal,
        chair: None,
        state: SessionState::Scheduled,
        thresholds: Thresholds::default(),
        course_id: Some(draft.id),
        protocol_version: 2,
        created_by: a.id,
        created_at: ts(310),
        updated_at: ts(310),
    };
    store.insert_treatment_session(&session, event(AuditAction::SessionCreated, Some(a.id), Some(p.id), ts(310))).await.expect_ok();
    assert_eq!(store.treatment_session(session.id).await.expect_ok(), Some(session));

    let listed: Vec<CourseId> = store.patient_courses(p.id).await.expect_ok().into_iter().map(|c| c.id).collect();
    assert_eq!(listed, vec![later.id, draft.id], "newest first");
    let unknown = Course { id: CourseId(id()), ..reviewed };
    let stray = course_event(unknown.id, CourseEventKind::Signed, a.id, 500);
    let err = store
        .update_course(&unknown, (CourseStatus::Signed, CoursePhase::Induction), &stray, event(AuditAction::CourseSigned, Some(a.id), None, ts(500)))
        .await;
    assert_eq!(err.err(), Some(StoreError::NotFound));
}
