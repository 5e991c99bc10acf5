//! The controlled-substance register: catalogue, locations, receipts numbered by the store,
//! the hash-chained ledger whose every row passes the domain's gate inside the write
//! transaction (so racing draws never oversubscribe a vial), count sheets and loss reports.

use jiff::civil::date;
use ketaclinic_domain::audit::{AuditAction, AuditEvent, ChainVerifier};
use ketaclinic_domain::ids::{ContainerId, LedgerEntryId, LocationId, ReceiptId, TreatmentSessionId, UserId};
use ketaclinic_domain::register::container::{Container, Receipt};
use ketaclinic_domain::register::ledger::Ledger;
use ketaclinic_domain::register::movement::{LedgerEntry, Movement, NewEntry};
use ketaclinic_domain::register::product::{Location, Ndc, Product, ProductForm};
use ketaclinic_domain::register::quantity::{Concentration, Qty};

use super::{ExpectOk, Store, admin, event, fail, id, ts, verify_chain};
use crate::error::StoreError;

pub(super) const VIAL_50: &str = "ketamine-50mg-ml-10ml";

/// An audit event of a register write.
pub(super) fn audit(actor: UserId, at: i64) -> AuditEvent {
    AuditEvent { action: "register.test".to_owned(), resource_type: Some("Register".to_owned()), ..event(AuditAction::UserCreated, Some(actor), None, ts(at)) }
}

pub(super) fn entry(container: ContainerId, by: UserId, at: i64, movement: Movement) -> NewEntry {
    NewEntry { id: LedgerEntryId(id()), at: ts(at), container_id: container, recorded_by: by, movement }
}

pub(super) fn concentration(ug_per_ml: u64) -> Concentration {
    Concentration::new(ug_per_ml).unwrap_or_else(|_| fail("concentration"))
}

pub(super) async fn product(store: &Store, product_id: &str) -> Product {
    store.cs_products().await.expect_ok().into_iter().find(|p| p.id == product_id).unwrap_or_else(|| fail(product_id))
}

pub(super) async fn location(store: &Store, by: UserId, name: &str) -> Location {
    let l = Location { id: LocationId(id()), name: name.to_owned(), active: true };
    store.insert_cs_location(&l, by, ts(1), audit(by, 1)).await.expect_ok();
    l
}

/// Receives `packages` packages of `product_id` (each container full) at `at`.
pub(super) async fn receive(
    store: &Store,
    by: UserId,
    product_id: &str,
    packages: u32,
    at_location: LocationId,
    at: i64,
) -> (Receipt, Vec<Container>, Vec<LedgerEntry>) {
    let p = product(store, product_id).await;
    let r = Receipt {
        id: ReceiptId(id()),
        supplier_name: "Example Wholesale".to_owned(),
        supplier_address: "1 Depot Road, Springfield".to_owned(),
        supplier_dea: "AB1234563".to_owned(),
        invoice: format!("INV-{at}"),
        received_on: date(2026, 11, 20),
        received_at: ts(at),
        received_by: by,
        product_id: p.id.clone(),
        lot: "LOT-7".to_owned(),
        expiry: date(2028, 1, 31),
        packages,
        location_id: at_location,
    };
    let containers = (0..packages * p.units_per_package)
        .map(|_| {
            let c = Container {
                id: ContainerId(id()),
                number: 0,
                label: String::new(),
                product_id: p.id.clone(),
                receipt_id: r.id,
                lot: r.lot.clone(),
                expiry: r.expiry,
            };
            let e = entry(c.id, by, at, Movement::Receipt { receipt_id: r.id, location_id: at_location, qty: p.container_qty() });
            (c, e)
        })
        .collect();
    let (stored, rows) = store.insert_receipt(&r, containers, p.form.label_prefix(), audit(by, at)).await.expect_ok();
    (r, stored, rows)
}

/// Verifies the whole ledger chain and returns how many rows it holds.
pub(super) async fn verify_ledger(store: &Store) -> u64 {
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store.ledger_page(after, 100).await.expect_ok();
        let Some(last) = page.last() else { break };
        after = last.seq;
        for row in &page {
            assert_eq!(verifier.check(row), Ok(()), "ledger chain broken");
        }
    }
    verifier.verified()
}

/// What remains in `container`, folded from its stored rows.
pub(super) async fn remaining(store: &Store, container: ContainerId) -> Qty {
    let rows = store.ledger_entries_of(&[container]).await.expect_ok();
    let ledger = Ledger::from_entries(rows.iter().map(|r| &r.entry)).unwrap_or_else(|(_, e)| fail(&e.to_string()));
    ledger.container(container).map(|b| b.remaining).unwrap_or_default()
}

pub async fn register_receipt_and_movements(store: Store) {
    let a = admin(&store).await;
    let witness = admin(&store).await;

    let products = store.cs_products().await.expect_ok();
    assert_eq!(products.len(), 6, "the built-in catalogue is seeded");
    let kit = products.iter().find(|p| p.id == "spravato-84mg-kit").unwrap_or_else(|| fail("spravato kit"));
    assert_eq!((kit.ndc.as_ref().map(Ndc::as_str), kit.units_per_package, kit.form), (Some("50458-028-03"), 3, ProductForm::NasalDevice));
    let vial = products.iter().find(|p| p.id == VIAL_50).unwrap_or_else(|| fail("vial"));
    assert_eq!((vial.container_qty(), vial.multi_dose), (Qty { ul: 10_000, ug: 500_000 }, true));
    let own = Product { id: "aaa-clinic-vial".to_owned(), name: "A clinic vial".to_owned(), ndc: None, ..vial.clone() };
    store.insert_cs_product(&own, audit(a.id, 1)).await.expect_ok();
    let listed = store.cs_products().await.expect_ok();
    assert_eq!((listed.len(), listed.last()), (7, Some(&own)), "built-in products first, then the clinic's own");
    assert_eq!(listed[..6], products[..], "a stable order");
    let taken = store.insert_cs_product(&own, audit(a.id, 1)).await.err();
    assert!(matches!(taken, Some(StoreError::Conflict(_))), "{taken:?}");

    let safe = location(&store, a.id, "Safe A").await;
    let twin = Location { id: LocationId(id()), ..safe.clone() };
    let err = store.insert_cs_location(&twin, a.id, ts(2), audit(a.id, 2)).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "a location name is unique: {err:?}");
    assert_eq!(store.cs_locations().await.expect_ok(), vec![safe.clone()]);

    let (receipt, vials, rows) = receive(&store, a.id, VIAL_50, 3, safe.id, 10).await;
    assert_eq!(vials.iter().map(|c| (c.number, c.label.as_str())).collect::<Vec<_>>(), vec![(1, "V-000001"), (2, "V-000002"), (3, "V-000003")]);
    assert_eq!(store.cs_containers().await.expect_ok(), vials);
    assert_eq!(store.cs_container(vials[1].id).await.expect_ok(), Some(vials[1].clone()));
    assert_eq!(store.cs_container(ContainerId(id())).await.expect_ok(), None);
    assert_eq!(store.cs_receipts().await.expect_ok(), vec![receipt]);
    assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(store.ledger_page(0, 100).await.expect_ok(), rows, "the rows come back as stored");
    assert_eq!(verify_ledger(&store).await, 3);
    let (_, devices, _) = receive(&store, a.id, "spravato-84mg-kit", 1, safe.id, 20).await;
    assert_eq!(devices.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(), vec!["D-000004", "D-000005", "D-000006"], "a kit of three devices");

    let c = concentration(50_000);
    let (v1, session) = (vials[0].id, TreatmentSessionId(id()));
    let draw = entry(v1, a.id, 100, Movement::Draw { session_id: session, qty: c.of(1_000) });
    let give = entry(v1, a.id, 110, Movement::Administer { draw_id: draw.id, session_id: session, qty: c.of(800) });
    let waste = entry(v1, a.id, 120, Movement::Waste { draw_id: draw.id, qty: c.of(200), reason: "remainder".to_owned(), witness_id: witness.id });
    let posted = store.post_movements(vec![draw.clone()], None, vec![audit(a.id, 100)]).await.expect_ok();
    assert_eq!(posted.iter().map(|r| (r.seq, &r.entry)).collect::<Vec<_>>(), vec![(7, &draw)]);
    let settled = store.post_movements(vec![give.clone(), waste.clone()], None, vec![audit(a.id, 110), audit(witness.id, 120)]).await.expect_ok();
    assert_eq!(settled.len(), 2);

    let (ledger_rows, audit_rows) = (verify_ledger(&store).await, verify_chain(&store).await);
    let greedy = entry(v1, a.id, 130, Movement::Draw { session_id: session, qty: c.of(9_001) });
    let err = store.post_movements(vec![greedy], None, vec![audit(a.id, 130)]).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "only 9 mL remain: {err:?}");
    let unsettled = entry(v1, a.id, 131, Movement::Waste { draw_id: draw.id, qty: c.of(1), reason: "x".to_owned(), witness_id: witness.id });
    let ok_then_bad = vec![entry(v1, a.id, 131, Movement::Draw { session_id: session, qty: c.of(100) }), unsettled];
    assert!(matches!(store.post_movements(ok_then_bad, None, vec![audit(a.id, 131)]).await.err(), Some(StoreError::Conflict(_))), "one refused refuses all");
    assert_eq!((verify_ledger(&store).await, verify_chain(&store).await), (ledger_rows, audit_rows), "a refused movement writes nothing, not even audit");
    assert_eq!(remaining(&store, v1).await, c.of(9_000));

    let for_session = store.ledger_for_session(session).await.expect_ok();
    let ids: Vec<LedgerEntryId> = for_session.iter().map(|r| r.entry.id).collect();
    for wanted in [draw.id, give.id, waste.id] {
        assert!(ids.contains(&wanted), "the session's draw and what became of it");
    }
    assert_eq!(for_session, store.ledger_entries_of(&[v1]).await.expect_ok(), "every row of the container drawn from, in chain order");
    assert!(store.ledger_for_session(TreatmentSessionId(id())).await.expect_ok().is_empty());
    let other = store.ledger_entries_of(&[vials[1].id]).await.expect_ok();
    assert_eq!(other.iter().map(|r| (r.entry.container_id, r.entry.movement.kind())).collect::<Vec<_>>(), vec![(vials[1].id, "receipt")]);
    assert_eq!(store.ledger_entries_of(&[]).await.expect_ok().len(), 9, "every row");
    assert_eq!(store.ledger_page(7, 2).await.expect_ok().iter().map(|r| r.seq).collect::<Vec<_>>(), vec![8, 9]);
}

pub async fn register_parallel_draws_never_oversubscribe(store: Store) {
    let a = admin(&store).await;
    let safe = location(&store, a.id, "Safe B").await;
    let (_, vials, _) = receive(&store, a.id, VIAL_50, 1, safe.id, 10).await;
    let v = vials[0].id;
    let c = concentration(50_000);
    let audit_before = verify_chain(&store).await;
    let mut tasks = Vec::new();
    for n in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let draw = entry(v, a.id, 100 + n, Movement::Draw { session_id: TreatmentSessionId(id()), qty: c.of(3_000) });
            s.post_movements(vec![draw], None, vec![audit(a.id, 100 + n)]).await
        }));
    }
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(StoreError::Conflict(_))) => refused += 1,
            other => fail(&format!("unexpected outcome {other:?}")),
        }
    }
    assert_eq!((ok, refused), (3, 5), "three 3 mL draws fit in 10 mL");
    assert_eq!(remaining(&store, v).await, c.of(1_000));
    assert_eq!(verify_ledger(&store).await, 4);
    assert_eq!(verify_chain(&store).await, audit_before + 3, "audit rows only for the draws that happened");
}
