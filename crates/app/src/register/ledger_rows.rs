//! The ledger as a whole: every row in chain order, pages of it for the API, and the check
//! behind `ketaclinic ledger verify` (the hash chain, then every balance by folding every row).

use ketaclinic_domain::audit::{AuditAction, ChainVerifier};
use ketaclinic_domain::register::ledger::Ledger;
use ketaclinic_domain::register::movement::LedgerEntry;

use crate::App;
use crate::error::AppResult;
use crate::permissions::Granted;
use crate::permissions::perm::InventoryRead;

/// What `ketaclinic ledger verify` found when the ledger is intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerVerification {
    pub rows: u64,
    pub head: String,
    pub containers: usize,
}

impl App {
    /// Every ledger row in chain order.
    pub(crate) async fn all_ledger_rows(&self) -> AppResult<Vec<LedgerEntry>> {
        let mut out: Vec<LedgerEntry> = Vec::new();
        loop {
            let after = out.last().map_or(0, |r| r.seq);
            let page = self.store.ledger_page(after, 1000).await?;
            let done = page.len() < 1000;
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }

    /// A page of ledger rows in chain order after `after_seq` (keyset paging for the API).
    pub async fn ledger_rows(&self, grant: &Granted<InventoryRead>, after_seq: u64, limit: u32) -> AppResult<Vec<LedgerEntry>> {
        let rows = self.store.ledger_page(after_seq, limit).await?;
        let detail = format!("after seq {after_seq}, {} rows", rows.len());
        let audit = super::register_event(self, grant.actor(), AuditAction::InventoryRead, ("Ledger", "ledger".to_owned()), detail);
        self.store.append_audit(vec![audit]).await?;
        Ok(rows)
    }

    /// Checks the ledger's hash chain and, by folding every row, that no balance ever went
    /// negative and every container and draw balances. `Ok(Err(reason))` names the first bad row.
    pub async fn verify_ledger(&self) -> AppResult<Result<LedgerVerification, String>> {
        let rows = self.all_ledger_rows().await?;
        let mut chain = ChainVerifier::default();
        let mut ledger = Ledger::default();
        for row in &rows {
            if let Err(broken) = chain.check(row) {
                return Ok(Err(format!("hash chain broken at {broken}")));
            }
            if let Err(e) = ledger.apply(&row.entry) {
                return Ok(Err(format!("row seq={} id={}: impossible movement: {e}", row.seq, row.entry.id)));
            }
        }
        if let Err(e) = ledger.check_invariants() {
            return Ok(Err(format!("invariant broken: {e}")));
        }
        Ok(Ok(LedgerVerification { rows: chain.verified(), head: chain.head().to_owned(), containers: ledger.containers().count() }))
    }
}
