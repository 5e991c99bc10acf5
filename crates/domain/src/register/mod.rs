//! The controlled-substance register (REFERENCE §7): ketamine and esketamine are Schedule III,
//! and the clinic must account for every microgram received, drawn, given, wasted with a
//! witness, disposed of or lost, and prove it to an inspector.
//!
//! - [`product`]: the catalogue and storage locations;
//! - [`container`]: receipts, the vials and devices they bring in, expiry and beyond-use dates;
//! - [`movement`]: what can happen to a container, as hash-chained ledger rows;
//! - [`ledger`]: balances derived from the rows, and the gate that refuses impossible movements;
//! - [`count`]: inventory count sheets;
//! - [`loss`]: theft and loss reports with their DEA deadlines;
//! - [`reconcile`]: sessions' charted administrations against the ledger.

pub mod container;
pub mod count;
pub mod ledger;
pub mod loss;
pub mod movement;
pub mod product;
pub mod quantity;
pub mod reconcile;

#[cfg(test)]
mod tests;
