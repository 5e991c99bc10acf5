//! Count sheets (a draft saved from the version read, signed once, its `count` rows re-checked
//! against the book inside the transaction) and loss reports (filed with their ledger row, each
//! task completed once).

use jiff::civil::date;
use ketaclinic_domain::ids::{ContainerId, CountId, LedgerEntryId, LossReportId, TreatmentSessionId, UserId};
use ketaclinic_domain::register::count::{Count, CountKind, CountLine, CountStatus, CountTiming};
use ketaclinic_domain::register::loss::{LossReport, LossTask, TaskDone};
use ketaclinic_domain::register::movement::{LossKind, Movement};

use super::register::{VIAL_50, audit, concentration, entry, location, receive, remaining, verify_ledger};
use super::{ExpectOk, Store, admin, fail, id, ts, verify_chain};
use crate::error::StoreError;

fn sheet(by: UserId, container: ContainerId, book_ul: u64, at: i64) -> Count {
    Count {
        id: CountId(id()),
        kind: CountKind::AdHoc,
        timing: CountTiming::CloseOfBusiness,
        location_id: None,
        taken_on: date(2026, 11, 22),
        started_at: ts(at),
        started_by: by,
        status: CountStatus::Draft,
        lines: vec![CountLine { container_id: container, book_ul, counted_ul: None, resolution: None, adjust: false }],
        signed_by: None,
        signed_at: None,
        version: 1,
    }
}

fn signed(count: &Count, by: UserId, at: i64) -> Count {
    Count { status: CountStatus::Signed, signed_by: Some(by), signed_at: Some(ts(at)), version: count.version + 1, ..count.clone() }
}

pub async fn register_counts_and_losses(store: Store) {
    let a = admin(&store).await;
    let safe = location(&store, a.id, "Safe C").await;
    let (_, vials, _) = receive(&store, a.id, VIAL_50, 2, safe.id, 10).await;
    let (v1, v2) = (vials[0].id, vials[1].id);
    let c = concentration(50_000);

    // A draft, saved from the version read; a stale save is refused.
    let mut count = Count { location_id: Some(safe.id), ..sheet(a.id, v1, 10_000, 100) };
    store.insert_count(&count, audit(a.id, 100)).await.expect_ok();
    assert_eq!(store.cs_count(count.id).await.expect_ok(), Some(count.clone()));
    assert_eq!(store.cs_count(CountId(id())).await.expect_ok(), None);
    count.record(v1, 9_800, Some("Meniscus misread at an earlier draw".to_owned()), true).unwrap_or_else(|_| fail("record"));
    count.version = 2;
    store.save_count(&count, audit(a.id, 110)).await.expect_ok();
    assert_eq!(store.cs_count(count.id).await.expect_ok(), Some(count.clone()));
    let before = verify_chain(&store).await;
    let err = store.save_count(&count, audit(a.id, 111)).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "saved meanwhile: {err:?}");
    let ghost = Count { id: CountId(id()), version: 2, ..count.clone() };
    assert_eq!(store.save_count(&ghost, audit(a.id, 111)).await.err(), Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, before, "refused saves write no audit");

    // Signing writes the count row and the adjustment, and locks the sheet.
    let done = signed(&count, a.id, 200);
    let rows = vec![
        entry(v1, a.id, 200, Movement::Count { count_id: count.id, book_ul: 10_000, counted_ul: 9_800 }),
        entry(v1, a.id, 200, Movement::Adjust { delta: c.of_delta(-200), reason: "count discrepancy".to_owned() }),
    ];
    let stored = store.sign_count(&done, rows.clone(), audit(a.id, 200)).await.expect_ok();
    assert_eq!(stored.iter().map(|r| &r.entry).collect::<Vec<_>>(), rows.iter().collect::<Vec<_>>());
    assert_eq!(store.cs_count(count.id).await.expect_ok(), Some(done.clone()));
    assert_eq!(remaining(&store, v1).await, c.of(9_800));
    let later = Count { status: CountStatus::Draft, signed_by: None, signed_at: None, version: done.version + 1, ..done.clone() };
    assert!(matches!(store.save_count(&later, audit(a.id, 210)).await.err(), Some(StoreError::Conflict(_))), "a signed sheet is locked");
    let resign = signed(&done, a.id, 211);
    let again = store.sign_count(&resign, vec![], audit(a.id, 211)).await.err();
    assert!(matches!(again, Some(StoreError::Conflict(_))), "signed once: {again:?}");

    // A sheet whose book moved since it began is refused and stays a draft.
    let stale = sheet(a.id, v1, 10_000, 300);
    store.insert_count(&stale, audit(a.id, 300)).await.expect_ok();
    let (ledger_before, audit_before) = (verify_ledger(&store).await, verify_chain(&store).await);
    let wrong = vec![entry(v1, a.id, 310, Movement::Count { count_id: stale.id, book_ul: 10_000, counted_ul: 10_000 })];
    let err = store.sign_count(&signed(&stale, a.id, 310), wrong, audit(a.id, 310)).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "the book says 9.8 mL now: {err:?}");
    assert_eq!(store.cs_count(stale.id).await.expect_ok(), Some(stale.clone()), "still the draft");
    assert_eq!((verify_ledger(&store).await, verify_chain(&store).await), (ledger_before, audit_before));
    let counts = store.cs_counts().await.expect_ok();
    assert_eq!(counts.iter().map(|x| x.id).collect::<Vec<_>>(), vec![stale.id, count.id], "newest first");

    // A theft, filed with its ledger row; each deadline completed once.
    let loss_id = LossReportId(id());
    let (qty, discovered) = (c.of(1_000), ts(400));
    let lost =
        entry(v2, a.id, 400, Movement::Loss { loss_id, loss: LossKind::Theft, qty, discovered_at: discovered, description: "vial found opened".to_owned() });
    let report = LossReport {
        id: loss_id,
        entry_id: lost.id,
        container_id: v2,
        kind: LossKind::Theft,
        qty,
        discovered_at: discovered,
        description: "vial found opened".to_owned(),
        reported_by: a.id,
        notify_due: ts(500),
        form106_due: ts(4_000),
        notified: None,
        form106: None,
    };
    store.post_movements(vec![lost], Some(report.clone()), vec![audit(a.id, 400)]).await.expect_ok();
    assert_eq!(store.loss_reports().await.expect_ok(), vec![report.clone()]);
    assert_eq!(remaining(&store, v2).await, c.of(9_000));
    let too_much = entry(
        v2,
        a.id,
        410,
        Movement::Loss { loss_id: LossReportId(id()), loss: LossKind::Loss, qty: c.of(9_001), discovered_at: ts(410), description: "x".to_owned() },
    );
    let refused = LossReport { id: LossReportId(id()), entry_id: too_much.id, qty: c.of(9_001), ..report.clone() };
    assert!(matches!(store.post_movements(vec![too_much], Some(refused), vec![audit(a.id, 410)]).await.err(), Some(StoreError::Conflict(_))));
    assert_eq!(store.loss_reports().await.expect_ok().len(), 1, "no report without its movement");

    let notified = TaskDone { at: ts(450), by: a.id, reference: "Letter to the Field Division, ref FD-12".to_owned() };
    store.complete_loss_task(loss_id, LossTask::NotifyDea, &notified, audit(a.id, 450)).await.expect_ok();
    let twice = store.complete_loss_task(loss_id, LossTask::NotifyDea, &notified, audit(a.id, 451)).await.err();
    assert!(matches!(twice, Some(StoreError::Conflict(_))), "done once: {twice:?}");
    let unknown = store.complete_loss_task(LossReportId(id()), LossTask::NotifyDea, &notified, audit(a.id, 452)).await.err();
    assert_eq!(unknown, Some(StoreError::NotFound));
    let filed = TaskDone { at: ts(3_000), by: a.id, reference: "Form 106 confirmation 123".to_owned() };
    store.complete_loss_task(loss_id, LossTask::Form106, &filed, audit(a.id, 3_000)).await.expect_ok();
    let stored = store.loss_reports().await.expect_ok();
    assert_eq!(stored, vec![LossReport { notified: Some(notified), form106: Some(filed), ..report }]);
    assert!(stored[0].open_tasks().is_empty());
}

/// Rows for the engine-specific append-only tests, which need raw SQL the suite cannot run.
#[derive(Debug, Clone, Copy)]
pub struct RegisterFixture {
    /// A ledger row (a draw).
    pub entry: LedgerEntryId,
    pub signed_count: CountId,
    pub draft_count: CountId,
    /// A theft whose DEA notice is done and whose Form 106 is not.
    pub loss_report: LossReportId,
}

/// Builds a [`RegisterFixture`] through the ports.
pub async fn register_fixture(store: Store) -> RegisterFixture {
    let a = admin(&store).await;
    let safe = location(&store, a.id, "Fixture safe").await;
    let (_, vials, _) = receive(&store, a.id, VIAL_50, 1, safe.id, 10).await;
    let v = vials[0].id;
    let c = concentration(50_000);
    let draw = entry(v, a.id, 20, Movement::Draw { session_id: TreatmentSessionId(id()), qty: c.of(1_000) });
    store.post_movements(vec![draw.clone()], None, vec![audit(a.id, 20)]).await.expect_ok();
    let mut signed_sheet = sheet(a.id, v, 9_000, 30);
    store.insert_count(&signed_sheet, audit(a.id, 30)).await.expect_ok();
    signed_sheet.record(v, 9_000, None, false).unwrap_or_else(|_| fail("record"));
    let row = entry(v, a.id, 40, Movement::Count { count_id: signed_sheet.id, book_ul: 9_000, counted_ul: 9_000 });
    store.sign_count(&signed(&signed_sheet, a.id, 40), vec![row], audit(a.id, 40)).await.expect_ok();
    let draft = sheet(a.id, v, 9_000, 50);
    store.insert_count(&draft, audit(a.id, 50)).await.expect_ok();
    let loss_id = LossReportId(id());
    let qty = c.of(500);
    let lost = entry(v, a.id, 60, Movement::Loss { loss_id, loss: LossKind::Theft, qty, discovered_at: ts(60), description: "missing".to_owned() });
    let report = LossReport {
        id: loss_id,
        entry_id: lost.id,
        container_id: v,
        kind: LossKind::Theft,
        qty,
        discovered_at: ts(60),
        description: "missing".to_owned(),
        reported_by: a.id,
        notify_due: ts(100),
        form106_due: ts(1_000),
        notified: None,
        form106: None,
    };
    store.post_movements(vec![lost], Some(report), vec![audit(a.id, 60)]).await.expect_ok();
    let notified = TaskDone { at: ts(70), by: a.id, reference: "FD-1".to_owned() };
    store.complete_loss_task(loss_id, LossTask::NotifyDea, &notified, audit(a.id, 70)).await.expect_ok();
    RegisterFixture { entry: draw.id, signed_count: signed_sheet.id, draft_count: draft.id, loss_report: loss_id }
}
