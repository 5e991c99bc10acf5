//! Calendar feeds: stored by the digest of their secret, found by it, listed newest first,
//! revoked once; a refused revocation or duplicate secret leaves no audit event behind.

use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::ids::CalendarFeedId;

use super::{ExpectOk, Store, admin, event, id, register, ts, verify_chain};
use crate::calendar_feed_port::{CalendarFeedRecord, FeedKind};
use crate::error::StoreError;

pub async fn calendar_feeds(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Ada", "Lovelace", "1990-01-01").await;
    let staff = CalendarFeedRecord {
        id: CalendarFeedId(id()),
        token_hash: "a".repeat(64),
        kind: FeedKind::Staff,
        target: a.id.0,
        created_by: a.id,
        created_at: ts(1),
        revoked_at: None,
    };
    let patient = CalendarFeedRecord {
        id: CalendarFeedId(id()),
        token_hash: "b".repeat(64),
        kind: FeedKind::Patient,
        target: p.id.0,
        created_at: ts(2),
        ..staff.clone()
    };
    for f in [&staff, &patient] {
        store.insert_calendar_feed(f, event(AuditAction::CalendarFeedCreated, Some(a.id), None, f.created_at)).await.expect_ok();
    }
    assert_eq!(store.calendar_feeds().await.expect_ok(), vec![patient.clone(), staff.clone()], "newest first");
    assert_eq!(store.calendar_feed_by_hash(&"b".repeat(64)).await.expect_ok(), Some(patient.clone()));
    assert_eq!(store.calendar_feed_by_hash(&"c".repeat(64)).await.expect_ok(), None);

    let before = verify_chain(&store).await;
    let twin = CalendarFeedRecord { id: CalendarFeedId(id()), ..staff.clone() };
    assert!(store.insert_calendar_feed(&twin, event(AuditAction::CalendarFeedCreated, Some(a.id), None, ts(3))).await.is_err(), "secret digests are unique");
    assert_eq!(verify_chain(&store).await, before);

    store.revoke_calendar_feed(staff.id, ts(4), event(AuditAction::CalendarFeedRevoked, Some(a.id), None, ts(4))).await.expect_ok();
    let revoked = store.calendar_feed_by_hash(&staff.token_hash).await.expect_ok();
    assert_eq!(revoked.and_then(|f| f.revoked_at), Some(ts(4)));
    let before = verify_chain(&store).await;
    let again = store.revoke_calendar_feed(staff.id, ts(5), event(AuditAction::CalendarFeedRevoked, Some(a.id), None, ts(5))).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let ghost = store.revoke_calendar_feed(CalendarFeedId(id()), ts(5), event(AuditAction::CalendarFeedRevoked, Some(a.id), None, ts(5))).await;
    assert_eq!(ghost.err(), Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, before);
}
