//! Self-report links: stored by token hash, revoked once, used once — and a used, revoked or
//! expired link stores nothing.

use ketaclinic_domain::assessment::AssessmentSource;
use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::ids::{PatientId, SelfReportLinkId, UserId};
use ketaclinic_domain::self_report::{LinkState, SelfReportLink};

use super::{ExpectOk, Store, admin, assessment, event, id, register, ts, verify_chain};
use crate::error::StoreError;

fn link(patient: PatientId, by: UserId, created: i64, expires: i64) -> SelfReportLink {
    SelfReportLink {
        id: SelfReportLinkId(id()),
        patient_id: patient,
        instruments: vec!["phq9".to_owned(), "gad7".to_owned()],
        token_hash: format!("{:064x}", id().as_u128()),
        kiosk: false,
        created_by: by,
        created_at: ts(created),
        expires_at: ts(expires),
        used_at: None,
        revoked_at: None,
    }
}

pub async fn self_report_links(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Ivy", "Self", "1990-09-09").await;
    let open = link(p.id, a.id, 10, 1_000);
    let to_revoke = link(p.id, a.id, 20, 1_000);
    let short = link(p.id, a.id, 30, 40);
    for l in [&open, &to_revoke, &short] {
        store.insert_self_report_link(l, event(AuditAction::SelfReportLinkCreated, Some(a.id), Some(p.id), l.created_at)).await.expect_ok();
    }
    assert_eq!(store.self_report_link_by_hash(&open.token_hash).await.expect_ok(), Some(open.clone()), "every field kept");
    assert_eq!(store.self_report_link_by_hash("0".repeat(64).as_str()).await.expect_ok(), None);
    let listed: Vec<_> = store.self_report_links(p.id).await.expect_ok().into_iter().map(|l| l.id).collect();
    assert_eq!(listed, vec![short.id, to_revoke.id, open.id], "newest first");

    store.revoke_self_report_link(to_revoke.id, ts(50), event(AuditAction::SelfReportLinkRevoked, Some(a.id), Some(p.id), ts(50))).await.expect_ok();
    let again = store.revoke_self_report_link(to_revoke.id, ts(51), event(AuditAction::SelfReportLinkRevoked, Some(a.id), Some(p.id), ts(51))).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    assert_eq!(
        store.revoke_self_report_link(SelfReportLinkId(id()), ts(51), event(AuditAction::SelfReportLinkRevoked, Some(a.id), None, ts(51))).await.err(),
        Some(StoreError::NotFound)
    );

    let mut phq = assessment(p.id, a.id, "phq9", serde_json::json!({"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1, "8": 1, "9": 0}), 60);
    phq.source = AssessmentSource::Patient;
    phq.recorded_by = None;
    let submit = |l: &SelfReportLink, at: i64| {
        let store = store.clone();
        let (lid, phq) = (l.id, phq.clone());
        async move { store.complete_self_report(lid, ts(at), vec![(phq, None)], vec![event(AuditAction::AssessmentRecorded, None, Some(p.id), ts(at))]).await }
    };
    let before = verify_chain(&store).await;
    assert!(matches!(submit(&to_revoke, 60).await, Err(StoreError::Conflict(_))), "revoked");
    assert!(matches!(submit(&short, 60).await, Err(StoreError::Conflict(_))), "expired");
    assert_eq!(verify_chain(&store).await, before, "refused submissions write nothing");
    submit(&open, 60).await.expect_ok();
    let used = store.self_report_link(open.id).await.expect_ok();
    assert_eq!(used.map(|l| l.state(ts(61))), Some(LinkState::Used));
    assert!(matches!(submit(&open, 70).await, Err(StoreError::Conflict(_))), "single use");
    assert_eq!(store.assessments(p.id, None).await.expect_ok(), vec![phq], "stored once, as the patient's");
}
