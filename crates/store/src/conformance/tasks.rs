//! Care-team tasks: one per trigger, listed open or all, closed once.

use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::ids::TaskId;
use ketaclinic_domain::task::{Task, TaskClosure, TaskKind, TaskOutcome};

use super::{ExpectOk, Store, admin, assessment, event, id, register, ts, verify_chain};
use crate::error::StoreError;

pub async fn tasks_lifecycle(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Val", "Task", "1972-02-02").await;
    let x = assessment(p.id, a.id, "phq9", serde_json::json!({"1": 3, "2": 3, "3": 2, "4": 2, "5": 1, "6": 1, "7": 1, "8": 1, "9": 0}), 100);
    store.insert_assessment(&x, None, vec![event(AuditAction::AssessmentRecorded, Some(a.id), Some(p.id), ts(100))]).await.expect_ok();
    let t = Task {
        id: TaskId(id()),
        patient_id: p.id,
        kind: TaskKind::BoosterReview,
        detail: "PHQ-9 relapse".to_owned(),
        source_assessment: x.id,
        created_at: ts(101),
        closure: None,
    };
    store.insert_task(&t, event(AuditAction::TaskCreated, None, Some(p.id), ts(101))).await.expect_ok();
    let twice = Task { id: TaskId(id()), ..t.clone() };
    assert!(
        matches!(store.insert_task(&twice, event(AuditAction::TaskCreated, None, Some(p.id), ts(102))).await, Err(StoreError::Conflict(_))),
        "one task per trigger"
    );
    assert_eq!(store.task(t.id).await.expect_ok(), Some(t.clone()));
    assert_eq!(store.tasks(None, true, 10).await.expect_ok(), vec![t.clone()]);
    assert_eq!(store.tasks(Some(p.id), false, 10).await.expect_ok(), vec![t.clone()]);
    let closure = TaskClosure { outcome: TaskOutcome::Done, note: Some("booster booked".to_owned()), by: a.id, at: ts(200) };
    store.close_task(t.id, &closure, event(AuditAction::TaskClosed, Some(a.id), Some(p.id), ts(200))).await.expect_ok();
    assert!(store.tasks(None, true, 10).await.expect_ok().is_empty());
    assert_eq!(store.task(t.id).await.expect_ok().and_then(|t| t.closure), Some(closure.clone()));
    let before = verify_chain(&store).await;
    assert!(matches!(store.close_task(t.id, &closure, event(AuditAction::TaskClosed, Some(a.id), Some(p.id), ts(201))).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.close_task(TaskId(id()), &closure, event(AuditAction::TaskClosed, Some(a.id), None, ts(201))).await.err(), Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, before);
}

/// An assessment is marked entered in error once; the correction lists with its patient and
/// the dashboard learns which point to leave out.
pub async fn assessment_corrections(store: Store) {
    use ketaclinic_domain::assessment::AssessmentCorrection;
    use ketaclinic_domain::ids::AssessmentId;
    use ketaclinic_domain::record::ChangeReason;
    let a = admin(&store).await;
    let p = register(&store, a.id, "Wyn", "Fix", "1973-03-03").await;
    let x = assessment(p.id, a.id, "phq9", serde_json::json!({"1": 3, "2": 3, "3": 3, "4": 3, "5": 3, "6": 3, "7": 3, "8": 3, "9": 0}), 100);
    store.insert_assessment(&x, None, vec![event(AuditAction::AssessmentRecorded, Some(a.id), Some(p.id), ts(100))]).await.expect_ok();
    let c = AssessmentCorrection {
        assessment_id: x.id,
        reason: ChangeReason::parse("typed in the wrong chart").unwrap_or_else(|_| super::fail("reason")),
        by: a.id,
        at: ts(150),
    };
    store.correct_assessment(&c, event(AuditAction::AssessmentRecorded, Some(a.id), Some(p.id), ts(150))).await.expect_ok();
    assert_eq!(store.assessment_corrections(p.id).await.expect_ok(), vec![c.clone()]);
    assert!(matches!(
        store.correct_assessment(&c, event(AuditAction::AssessmentRecorded, Some(a.id), Some(p.id), ts(151))).await,
        Err(StoreError::Conflict(_))
    ));
    let ghost = AssessmentCorrection { assessment_id: AssessmentId(id()), ..c.clone() };
    assert_eq!(store.correct_assessment(&ghost, event(AuditAction::AssessmentRecorded, Some(a.id), None, ts(152))).await.err(), Some(StoreError::NotFound));
    let points = store.corrected_points("phq9").await.expect_ok();
    assert_eq!(points.iter().map(|(pid, pt)| (*pid, pt.total)).collect::<Vec<_>>(), vec![(p.id, 24)]);
    assert_eq!(store.assessments(p.id, None).await.expect_ok().len(), 1, "the record stays");
}
