//! Property tests of the ledger: any sequence of movements, possible or not, keeps every
//! invariant, and a refused movement changes nothing.

use jiff::Timestamp;
use proptest::prelude::*;

use super::ledger::{Ledger, LedgerError};
use super::movement::{DisposalDetails, DisposalMethod, LossKind, Movement, NewEntry};
use super::quantity::{Concentration, Qty};
use crate::ids::{ContainerId, CountId, LedgerEntryId, LocationId, LossReportId, ReceiptId, TreatmentSessionId, UserId};

const CONTAINERS: u128 = 3;

fn conc() -> Concentration {
    Concentration::new(50_000).unwrap_or_else(|e| panic!("{e}"))
}

fn container(n: u8) -> ContainerId {
    ContainerId(uuid::Uuid::from_u128(u128::from(n) % CONTAINERS + 1))
}

fn location(n: u8) -> LocationId {
    LocationId(uuid::Uuid::from_u128(100 + u128::from(n % 2)))
}

fn session(n: u8) -> TreatmentSessionId {
    TreatmentSessionId(uuid::Uuid::from_u128(200 + u128::from(n % 2)))
}

/// One random operation; draws are referred to by their position among the draws made so far.
#[derive(Debug, Clone)]
enum Op {
    Receive(u8, u16),
    Draw(u8, u8, u16),
    Administer(u8, u8, u16),
    Waste(u8, u16),
    Return(u8, u16),
    Dispose(u8, u16),
    Lose(u8, u16),
    Transfer(u8, u8, u8),
    Adjust(u8, i16),
    Count(u8, u16, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<u8>(), 0u16..12_000).prop_map(|(c, v)| Op::Receive(c, v)),
        (any::<u8>(), any::<u8>(), 0u16..4_000).prop_map(|(c, s, v)| Op::Draw(c, s, v)),
        (any::<u8>(), any::<u8>(), 0u16..3_000).prop_map(|(d, s, v)| Op::Administer(d, s, v)),
        (any::<u8>(), 0u16..2_000).prop_map(|(d, v)| Op::Waste(d, v)),
        (any::<u8>(), 0u16..2_000).prop_map(|(d, v)| Op::Return(d, v)),
        (any::<u8>(), 0u16..6_000).prop_map(|(c, v)| Op::Dispose(c, v)),
        (any::<u8>(), 0u16..6_000).prop_map(|(c, v)| Op::Lose(c, v)),
        (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(c, f, t)| Op::Transfer(c, f, t)),
        (any::<u8>(), -3_000i16..3_000).prop_map(|(c, d)| Op::Adjust(c, d)),
        (any::<u8>(), 0u16..12_000, any::<bool>()).prop_map(|(c, v, b)| Op::Count(c, v, b)),
    ]
}

fn movement(op: &Op, ledger: &Ledger, draws: &[LedgerEntryId]) -> (ContainerId, Movement) {
    let q = |v: u16| conc().of(u64::from(v));
    let pick = |d: u8| draws.get(usize::from(d) % draws.len().max(1)).copied().unwrap_or(LedgerEntryId(uuid::Uuid::nil()));
    let draw_container = |d: u8| ledger.draw(pick(d)).map_or(container(0), |b| b.container_id);
    let user = UserId(uuid::Uuid::from_u128(7));
    match *op {
        Op::Receive(c, v) => (container(c), Movement::Receipt { receipt_id: ReceiptId(uuid::Uuid::nil()), location_id: location(0), qty: q(v) }),
        Op::Draw(c, s, v) => (container(c), Movement::Draw { session_id: session(s), qty: q(v) }),
        Op::Administer(d, s, v) => (draw_container(d), Movement::Administer { draw_id: pick(d), session_id: session(s), qty: q(v) }),
        Op::Waste(d, v) => (draw_container(d), Movement::Waste { draw_id: pick(d), qty: q(v), reason: "remainder".into(), witness_id: user }),
        Op::Return(d, v) => (draw_container(d), Movement::Return { draw_id: pick(d), qty: q(v) }),
        Op::Dispose(c, v) => (
            container(c),
            Movement::Dispose {
                qty: q(v),
                details: DisposalDetails {
                    method: DisposalMethod::Destruction,
                    reason: "expired".into(),
                    destruction_method: Some("denaturing kit".into()),
                    place: "Clinic".into(),
                    reverse_distributor_name: None,
                    reverse_distributor_dea: None,
                    witnesses: [user, user],
                },
            },
        ),
        Op::Lose(c, v) => (
            container(c),
            Movement::Loss {
                loss_id: LossReportId(uuid::Uuid::nil()),
                loss: LossKind::Loss,
                qty: q(v),
                discovered_at: Timestamp::UNIX_EPOCH,
                description: "dropped".into(),
            },
        ),
        Op::Transfer(c, f, t) => (container(c), Movement::Transfer { from: location(f), to: location(t) }),
        Op::Adjust(c, d) => (container(c), Movement::Adjust { delta: conc().of_delta(i64::from(d)), reason: "count".into() }),
        Op::Count(c, v, exact) => {
            let book = ledger.container(container(c)).map_or(0, |b| b.remaining.ul);
            (container(c), Movement::Count { count_id: CountId(uuid::Uuid::nil()), book_ul: if exact { book } else { u64::from(v) }, counted_ul: u64::from(v) })
        }
    }
}

/// The sum of everything a container still accounts for.
fn totals(ledger: &Ledger) -> Vec<(ContainerId, Qty, Qty)> {
    ledger.containers().map(|(id, b)| (*id, b.remaining, b.in_syringes())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_movements_keep_every_invariant(ops in proptest::collection::vec(op(), 1..80)) {
        let mut ledger = Ledger::default();
        let mut draws = Vec::new();
        let mut applied = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let (container_id, movement) = movement(op, &ledger, &draws);
            let entry = NewEntry {
                id: LedgerEntryId(uuid::Uuid::from_u128(10_000 + i as u128)),
                at: Timestamp::UNIX_EPOCH,
                container_id,
                recorded_by: UserId(uuid::Uuid::nil()),
                movement,
            };
            let before = totals(&ledger);
            match ledger.apply(&entry) {
                Ok(()) => {
                    if matches!(entry.movement, Movement::Draw { .. }) {
                        draws.push(entry.id);
                    }
                    applied.push(entry);
                }
                Err(_) => prop_assert_eq!(totals(&ledger), before, "a refused movement changed the ledger"),
            }
            prop_assert_eq!(ledger.check_invariants(), Ok(()));
        }
        // Replaying what was accepted rebuilds the same balances (they are derived, not stored).
        let replayed = Ledger::from_entries(&applied).map_err(|(_, e)| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(totals(&replayed), totals(&ledger));
    }
}

#[test]
fn the_issue_walkthrough() {
    // Receive a 10 mL vial of 50 mg/mL, draw 1 mL for a session, give 0.8 mL, waste 0.2 mL.
    let c = conc();
    let cid = container(0);
    let user = UserId(uuid::Uuid::from_u128(7));
    let e =
        |n: u128, movement| NewEntry { id: LedgerEntryId(uuid::Uuid::from_u128(n)), at: Timestamp::UNIX_EPOCH, container_id: cid, recorded_by: user, movement };
    let draw_id = LedgerEntryId(uuid::Uuid::from_u128(2));
    let mut ledger = Ledger::default();
    let steps = [
        e(1, Movement::Receipt { receipt_id: ReceiptId(uuid::Uuid::nil()), location_id: location(0), qty: c.of(10_000) }),
        e(2, Movement::Draw { session_id: session(0), qty: c.of(1_000) }),
        e(3, Movement::Administer { draw_id, session_id: session(0), qty: c.of(800) }),
    ];
    for s in &steps {
        assert_eq!(ledger.apply(s), Ok(()));
    }
    // Giving more than is left in the syringe, or to another session, is refused.
    assert!(matches!(ledger.apply(&e(4, Movement::Administer { draw_id, session_id: session(0), qty: c.of(300) })), Err(LedgerError::ExceedsDraw { .. })));
    assert_eq!(ledger.apply(&e(4, Movement::Administer { draw_id, session_id: session(1), qty: c.of(100) })), Err(LedgerError::WrongSession));
    assert_eq!(ledger.apply(&e(4, Movement::Waste { draw_id, qty: c.of(200), reason: "remainder".into(), witness_id: user })), Ok(()));
    let b = ledger.container(cid).cloned().unwrap_or_default();
    assert_eq!((b.remaining, b.administered.ug, b.wasted.ug, b.in_syringes()), (c.of(9_000), 40_000, 10_000, Qty::ZERO));
    // Drawing more than remains is refused with the amounts.
    assert_eq!(
        ledger.apply(&e(5, Movement::Draw { session_id: session(0), qty: c.of(9_001) })),
        Err(LedgerError::Insufficient { available: c.of(9_000), requested: c.of(9_001) })
    );
    assert_eq!(ledger.check_invariants(), Ok(()));
}
