//! Conformance checks of [`EnquiryStore`](crate::ports::EnquiryStore).

use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::enquiry::{ContactAttempt, ContactChannel, ContactOutcome, Enquiry, EnquiryDetails, EnquirySource, EnquiryStatus};
use ketaclinic_domain::ids::{ContactAttemptId, EnquiryId, UserId};
use ketaclinic_domain::person::{Email, PersonName};
use ketaclinic_domain::phone::{E164, PhoneRegion};

use super::{ExpectOk, Store, admin, event, fail, id, ts, verify_chain};
use crate::error::StoreError;
use crate::records::EnquiryCursor;

pub(super) fn enquiry(name: &str, received: i64, due: i64, by: Option<UserId>) -> Enquiry {
    Enquiry {
        id: EnquiryId(id()),
        details: EnquiryDetails {
            name: PersonName::parse(name).unwrap_or_else(|_| fail("name")),
            phone: E164::parse("(212) 555-0143", PhoneRegion::Nanp).unwrap_or_else(|_| fail("phone")),
            email: by.is_none().then(|| Email::parse("enquirer@example.org").unwrap_or_else(|_| fail("email"))),
            message: by.is_none().then(|| "Asking about esketamine.\nEvenings are best.".to_owned()),
            best_time: Some("after 5pm".to_owned()),
            consent_to_contact: true,
        },
        source: if by.is_some() { EnquirySource::Staff } else { EnquirySource::WebForm },
        recorded_by: by,
        received_at: ts(received),
        contact_due_by: ts(due),
        status: EnquiryStatus::New,
        closed_reason: None,
        updated_at: ts(received),
        attempts: Vec::new(),
        patient_id: None,
    }
}

fn attempt(by: UserId, at: i64, outcome: ContactOutcome) -> ContactAttempt {
    ContactAttempt { id: ContactAttemptId(id()), at: ts(at), channel: ContactChannel::Phone, outcome, note: Some("rang twice".to_owned()), by }
}

pub(super) async fn insert(store: &Store, e: &Enquiry) {
    store.insert_enquiry(e, event(AuditAction::EnquiryReceived, e.recorded_by, None, e.received_at)).await.expect_ok();
}

/// Enquiries keep every field, list by due time (then id) with keyset paging, and filter by
/// status.
pub async fn enquiries_queue(store: Store) {
    let a = admin(&store).await;
    let web = enquiry("Ida Web", 10, 500, None);
    let phoned = enquiry("Jo Phone", 20, 300, Some(a.id));
    let same_due = enquiry("Kit Tie", 30, 500, None);
    for e in [&web, &phoned, &same_due] {
        insert(&store, e).await;
    }
    assert_eq!(store.enquiry(web.id).await.expect_ok(), Some(web.clone()), "every field kept");
    assert_eq!(store.enquiry(phoned.id).await.expect_ok(), Some(phoned.clone()));
    assert_eq!(store.enquiry(EnquiryId(id())).await.expect_ok(), None);
    let queue = store.enquiries(&EnquiryStatus::OPEN, None, 10).await.expect_ok();
    let mut tied = [web.id, same_due.id];
    tied.sort();
    assert_eq!(queue.iter().map(|e| e.id).collect::<Vec<_>>(), vec![phoned.id, tied[0], tied[1]], "earliest due first, then id");
    let first = store.enquiries(&EnquiryStatus::OPEN, None, 2).await.expect_ok();
    let cursor = first.last().map(|e| EnquiryCursor { due: e.contact_due_by, id: e.id });
    let rest = store.enquiries(&EnquiryStatus::OPEN, cursor.as_ref(), 2).await.expect_ok();
    assert_eq!(rest.iter().map(|e| e.id).collect::<Vec<_>>(), vec![tied[1]], "keyset paging within equal due times");
    assert!(store.enquiries(&[EnquiryStatus::Closed], None, 10).await.expect_ok().is_empty());
    assert_eq!(verify_chain(&store).await, 4, "account and three enquiries");
}

/// Attempts and status changes are written with their audit event, only from the expected
/// status; a stale or unknown change writes nothing.
pub async fn enquiry_changes(store: Store) {
    let a = admin(&store).await;
    let e = enquiry("Lou Call", 10, 500, None);
    insert(&store, &e).await;
    let first = e.record_attempt(attempt(a.id, 100, ContactOutcome::NoAnswer)).unwrap_or_else(|err| fail(&err.to_string()));
    store.change_enquiry(e.id, &first, event(AuditAction::EnquiryAttemptRecorded, Some(a.id), None, ts(100))).await.expect_ok();
    let stored = store.enquiry(e.id).await.expect_ok().unwrap_or_else(|| fail("enquiry"));
    assert_eq!((stored.status, stored.updated_at), (EnquiryStatus::Attempted, ts(100)));
    assert_eq!(stored.attempts, first.attempt.clone().into_iter().collect::<Vec<_>>());
    // A change computed from the old status (a second screen) is refused and writes nothing.
    let stale = e.record_attempt(attempt(a.id, 110, ContactOutcome::Reached)).unwrap_or_else(|err| fail(&err.to_string()));
    let err = store.change_enquiry(e.id, &stale, event(AuditAction::EnquiryAttemptRecorded, Some(a.id), None, ts(110))).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "{err:?}");
    let ghost = store.change_enquiry(EnquiryId(id()), &first, event(AuditAction::EnquiryAttemptRecorded, Some(a.id), None, ts(111))).await.err();
    assert_eq!(ghost, Some(StoreError::NotFound));
    let reached = stored.record_attempt(attempt(a.id, 120, ContactOutcome::Reached)).unwrap_or_else(|err| fail(&err.to_string()));
    store.change_enquiry(e.id, &reached, event(AuditAction::EnquiryAttemptRecorded, Some(a.id), None, ts(120))).await.expect_ok();
    let stored = store.enquiry(e.id).await.expect_ok().unwrap_or_else(|| fail("enquiry"));
    assert_eq!(stored.attempts.iter().map(|x| x.outcome).collect::<Vec<_>>(), vec![ContactOutcome::NoAnswer, ContactOutcome::Reached], "oldest first");
    let close = stored.change_status(EnquiryStatus::Closed, Some("not interested"), ts(130)).unwrap_or_else(|err| fail(&err.to_string()));
    store.change_enquiry(e.id, &close, event(AuditAction::EnquiryStatusChanged, Some(a.id), None, ts(130))).await.expect_ok();
    let closed = store.enquiries(&[EnquiryStatus::Closed], None, 10).await.expect_ok();
    assert_eq!(closed.first().map(|x| (x.closed_reason.as_deref(), x.attempts.len())), Some((Some("not interested"), 2)));
    assert!(store.enquiries(&EnquiryStatus::OPEN, None, 10).await.expect_ok().is_empty(), "closed enquiries leave the queue");
    assert_eq!(verify_chain(&store).await, 5, "account, enquiry, two attempts and the close; nothing for refused changes");
}
