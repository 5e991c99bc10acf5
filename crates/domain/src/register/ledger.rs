//! Balances derived from the ledger, and the rules that refuse impossible movements.
//!
//! [`Ledger`] folds entries into per-container and per-draw balances. [`Ledger::apply`] is the
//! one gate every movement passes — in the use case and again inside the storage transaction,
//! against the rows that transaction sees — so a movement that would make any balance negative,
//! settle more than a draw holds, or touch a container that was never received is refused and
//! nothing is written. Balances are never stored: they are this fold.
//!
//! The invariants ([`Ledger::check_invariants`]) are kept with counters that are accumulated
//! independently of the running balance, so checking them is not a tautology:
//! - per container: received + adjusted up + returned = drawn + disposed + lost + adjusted
//!   down + remaining, i.e. the "received = drawn + wasted + disposed + lost + remaining"
//!   where what was drawn is then split into administered, wasted and returned;
//! - per draw: drawn = administered + wasted + returned + still in the syringe;
//! - nothing is ever negative (quantities are unsigned and every subtraction is checked).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::ids::{ContainerId, LedgerEntryId, LocationId, TreatmentSessionId};
use crate::register::movement::{Movement, NewEntry};
use crate::register::quantity::Qty;

/// Why a movement is impossible (HTTP 409; nothing is written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("the container was never received")]
    UnknownContainer,
    #[error("the container has already been received")]
    AlreadyReceived,
    #[error("the amount must be more than zero")]
    ZeroAmount,
    #[error("only {available} remains in the container; {requested} was asked for")]
    Insufficient { available: Qty, requested: Qty },
    #[error("no such draw from this container")]
    UnknownDraw,
    #[error("only {outstanding} of the draw is unaccounted for; {requested} was asked for")]
    ExceedsDraw { outstanding: Qty, requested: Qty },
    #[error("the draw was for a different session")]
    WrongSession,
    #[error("the container is not at the location it is being moved from")]
    WrongLocation,
    #[error("the container is already at that location")]
    SameLocation,
    #[error("the book now says {actual_ul} µL, not the {book_ul} µL on the count sheet: stock moved since the count began")]
    StaleCount { book_ul: u64, actual_ul: u64 },
    #[error("the amount is too large")]
    Overflow,
}

/// One container's balance and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContainerBalance {
    pub location_id: Option<LocationId>,
    pub received: Qty,
    pub remaining: Qty,
    pub drawn: Qty,
    pub returned: Qty,
    pub administered: Qty,
    pub wasted: Qty,
    pub disposed: Qty,
    pub lost: Qty,
    pub adjusted_up: Qty,
    pub adjusted_down: Qty,
    /// The first draw (first puncture of a multiple-dose vial).
    pub first_draw_at: Option<Timestamp>,
    /// The latest count, (book µL, counted µL).
    pub last_count: Option<(u64, u64)>,
}

impl ContainerBalance {
    /// Drawn but not yet administered, wasted or returned.
    pub fn in_syringes(&self) -> Qty {
        self.drawn.checked_sub(self.returned).and_then(|q| q.checked_sub(self.administered)).and_then(|q| q.checked_sub(self.wasted)).unwrap_or(Qty::ZERO)
    }
}

/// One draw's balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrawBalance {
    pub id: LedgerEntryId,
    pub container_id: ContainerId,
    pub session_id: TreatmentSessionId,
    pub at: Timestamp,
    pub drawn: Qty,
    pub administered: Qty,
    pub wasted: Qty,
    pub returned: Qty,
}

impl DrawBalance {
    /// What is still in the syringe: must be administered, wasted or returned.
    pub fn outstanding(&self) -> Qty {
        self.drawn.checked_sub(self.administered).and_then(|q| q.checked_sub(self.wasted)).and_then(|q| q.checked_sub(self.returned)).unwrap_or(Qty::ZERO)
    }
}

/// A broken invariant (found by `ketaclinic ledger verify`; never produced by [`Ledger::apply`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvariantBreak {
    #[error("container {0}: received and adjustments do not equal what left it plus what remains")]
    ContainerMassBalance(ContainerId),
    #[error("draw {0}: drawn does not equal administered + wasted + returned + outstanding")]
    DrawMassBalance(LedgerEntryId),
}

/// Balances of every container and draw the fold has seen.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    containers: BTreeMap<ContainerId, ContainerBalance>,
    draws: BTreeMap<LedgerEntryId, DrawBalance>,
}

impl Ledger {
    /// Folds stored entries (in chain order). Stored rows passed this gate when written, so an
    /// error here means the table was changed behind the application's back.
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a NewEntry>) -> Result<Self, (LedgerEntryId, LedgerError)> {
        let mut ledger = Self::default();
        for entry in entries {
            ledger.apply(entry).map_err(|e| (entry.id, e))?;
        }
        Ok(ledger)
    }

    pub fn container(&self, id: ContainerId) -> Option<&ContainerBalance> {
        self.containers.get(&id)
    }

    pub fn containers(&self) -> impl Iterator<Item = (&ContainerId, &ContainerBalance)> {
        self.containers.iter()
    }

    pub fn draw(&self, id: LedgerEntryId) -> Option<&DrawBalance> {
        self.draws.get(&id)
    }

    pub fn draws(&self) -> impl Iterator<Item = &DrawBalance> {
        self.draws.values()
    }

    /// Applies one movement, or refuses it and leaves the ledger exactly as it was.
    pub fn apply(&mut self, entry: &NewEntry) -> Result<(), LedgerError> {
        let mut balance = match (&entry.movement, self.containers.get(&entry.container_id)) {
            (Movement::Receipt { .. }, Some(_)) => return Err(LedgerError::AlreadyReceived),
            (Movement::Receipt { .. }, None) => ContainerBalance::default(),
            (_, None) => return Err(LedgerError::UnknownContainer),
            (_, Some(b)) => b.clone(),
        };
        let mut draw = entry
            .movement
            .draw_id()
            .map(|id| self.draws.get(&id).filter(|d| d.container_id == entry.container_id).cloned().ok_or(LedgerError::UnknownDraw))
            .transpose()?;
        let add = |a: Qty, b: Qty| a.checked_add(b).ok_or(LedgerError::Overflow);
        let positive = |q: Qty| if q.ul == 0 { Err(LedgerError::ZeroAmount) } else { Ok(q) };
        let take = |remaining: Qty, q: Qty| remaining.checked_sub(q).ok_or(LedgerError::Insufficient { available: remaining, requested: q });
        let settle = |d: &DrawBalance, q: Qty| {
            if q.ul > d.outstanding().ul || q.ug > d.outstanding().ug {
                Err(LedgerError::ExceedsDraw { outstanding: d.outstanding(), requested: q })
            } else {
                Ok(())
            }
        };
        let mut new_draw = None;
        match &entry.movement {
            Movement::Receipt { location_id, qty, .. } => {
                positive(*qty)?;
                balance.location_id = Some(*location_id);
                balance.received = *qty;
                balance.remaining = *qty;
            }
            Movement::Draw { session_id, qty } => {
                positive(*qty)?;
                balance.remaining = take(balance.remaining, *qty)?;
                balance.drawn = add(balance.drawn, *qty)?;
                balance.first_draw_at.get_or_insert(entry.at);
                new_draw = Some(DrawBalance {
                    id: entry.id,
                    container_id: entry.container_id,
                    session_id: *session_id,
                    at: entry.at,
                    drawn: *qty,
                    administered: Qty::ZERO,
                    wasted: Qty::ZERO,
                    returned: Qty::ZERO,
                });
            }
            Movement::Administer { session_id, qty, .. } => {
                let d = draw.as_mut().ok_or(LedgerError::UnknownDraw)?;
                if d.session_id != *session_id {
                    return Err(LedgerError::WrongSession);
                }
                settle(d, positive(*qty)?)?;
                d.administered = add(d.administered, *qty)?;
                balance.administered = add(balance.administered, *qty)?;
            }
            Movement::Waste { qty, .. } => {
                let d = draw.as_mut().ok_or(LedgerError::UnknownDraw)?;
                settle(d, positive(*qty)?)?;
                d.wasted = add(d.wasted, *qty)?;
                balance.wasted = add(balance.wasted, *qty)?;
            }
            Movement::Return { qty, .. } => {
                let d = draw.as_mut().ok_or(LedgerError::UnknownDraw)?;
                settle(d, positive(*qty)?)?;
                d.returned = add(d.returned, *qty)?;
                balance.returned = add(balance.returned, *qty)?;
                balance.remaining = add(balance.remaining, *qty)?;
            }
            Movement::Dispose { qty, .. } => {
                balance.remaining = take(balance.remaining, positive(*qty)?)?;
                balance.disposed = add(balance.disposed, *qty)?;
            }
            Movement::Loss { qty, .. } => {
                balance.remaining = take(balance.remaining, positive(*qty)?)?;
                balance.lost = add(balance.lost, *qty)?;
            }
            Movement::Transfer { from, to } => {
                if balance.location_id != Some(*from) {
                    return Err(LedgerError::WrongLocation);
                }
                if from == to {
                    return Err(LedgerError::SameLocation);
                }
                balance.location_id = Some(*to);
            }
            Movement::Adjust { delta, .. } => {
                let (up, down) = delta.split();
                if up.ul == 0 && down.ul == 0 {
                    return Err(LedgerError::ZeroAmount);
                }
                balance.remaining = take(add(balance.remaining, up)?, down)?;
                balance.adjusted_up = add(balance.adjusted_up, up)?;
                balance.adjusted_down = add(balance.adjusted_down, down)?;
            }
            Movement::Count { book_ul, counted_ul, .. } => {
                if *book_ul != balance.remaining.ul {
                    return Err(LedgerError::StaleCount { book_ul: *book_ul, actual_ul: balance.remaining.ul });
                }
                balance.last_count = Some((*book_ul, *counted_ul));
            }
        }
        // Every check passed: only now does the ledger change.
        self.containers.insert(entry.container_id, balance);
        if let Some(d) = draw.or(new_draw) {
            self.draws.insert(d.id, d);
        }
        Ok(())
    }

    /// Checks the mass balances with the independently kept counters.
    pub fn check_invariants(&self) -> Result<(), InvariantBreak> {
        for (id, b) in &self.containers {
            let inflow = b.received.checked_add(b.adjusted_up).and_then(|q| q.checked_add(b.returned));
            let outflow = b
                .drawn
                .checked_add(b.disposed)
                .and_then(|q| q.checked_add(b.lost))
                .and_then(|q| q.checked_add(b.adjusted_down))
                .and_then(|q| q.checked_add(b.remaining));
            if inflow.is_none() || inflow != outflow {
                return Err(InvariantBreak::ContainerMassBalance(*id));
            }
        }
        for d in self.draws.values() {
            let settled = d.administered.checked_add(d.wasted).and_then(|q| q.checked_add(d.returned)).and_then(|q| q.checked_add(d.outstanding()));
            if settled != Some(d.drawn) {
                return Err(InvariantBreak::DrawMassBalance(d.id));
            }
        }
        Ok(())
    }
}
