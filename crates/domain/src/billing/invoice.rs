//! Invoices: charge lines, the payments recorded against them, refunds and the balance.
//!
//! Issue 8 item 9. Payments are recorded, not processed: the card terminal or the bank did the
//! moving of money, this only keeps the account. The total is the exact sum of the lines and the
//! balance is `total − payments + refunds`, all in checked integer cents (see [`super::money`]),
//! so a receipt, a superbill and a CSV export always agree to the cent.

use serde::Serialize;

use super::charge::Charge;
use super::money::{Money, MoneyError};

/// Why an invoice or a payment was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("an invoice needs at least one charge")]
    NoLines,
    #[error("the amount must be more than zero")]
    NotPositive,
    #[error("only {refundable} of what was paid can still be refunded; {requested} was asked for")]
    RefundExceedsPaid { refundable: Money, requested: Money },
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// How a payment or refund was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    Card,
    Other,
}

/// A payment or a refund: the method and a positive amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub method: PaymentMethod,
    pub amount: Money,
}

/// Charge lines with payments and refunds against them.
///
/// Invariants, kept by the only two ways to change it: `paid` and `refunded` are the exact sums
/// of `payments` and `refunds`, and `0 ≤ refunded ≤ paid`. A payment may exceed the balance (a
/// deposit for a course): the balance then goes negative, a credit the patient holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invoice {
    lines: Vec<Charge>,
    total: Money,
    payments: Vec<Payment>,
    refunds: Vec<Payment>,
    paid: Money,
    refunded: Money,
}

impl Invoice {
    /// An unpaid invoice for `lines`.
    pub fn new(lines: Vec<Charge>) -> Result<Self, InvoiceError> {
        if lines.is_empty() {
            return Err(InvoiceError::NoLines);
        }
        let total = Money::sum(lines.iter().map(Charge::amount))?;
        Ok(Self { lines, total, payments: Vec::new(), refunds: Vec::new(), paid: Money::ZERO, refunded: Money::ZERO })
    }

    /// Records a payment; on error nothing changes.
    pub fn record_payment(&mut self, payment: Payment) -> Result<(), InvoiceError> {
        positive(payment.amount)?;
        self.paid = self.paid.checked_add(payment.amount)?;
        self.payments.push(payment);
        Ok(())
    }

    /// Records a refund, which cannot exceed what was paid less what was already refunded; on
    /// error nothing changes.
    pub fn record_refund(&mut self, refund: Payment) -> Result<(), InvoiceError> {
        positive(refund.amount)?;
        let refundable = self.paid.checked_sub(self.refunded)?;
        if refund.amount > refundable {
            return Err(InvoiceError::RefundExceedsPaid { refundable, requested: refund.amount });
        }
        self.refunded = self.refunded.checked_add(refund.amount)?;
        self.refunds.push(refund);
        Ok(())
    }

    pub fn lines(&self) -> &[Charge] {
        &self.lines
    }

    /// The exact sum of the lines.
    pub fn total(&self) -> Money {
        self.total
    }

    pub fn payments(&self) -> &[Payment] {
        &self.payments
    }

    pub fn refunds(&self) -> &[Payment] {
        &self.refunds
    }

    /// Sum of payments.
    pub fn paid(&self) -> Money {
        self.paid
    }

    /// Sum of refunds.
    pub fn refunded(&self) -> Money {
        self.refunded
    }

    /// `total − paid + refunded`: what the patient still owes (negative: a credit).
    pub fn balance(&self) -> Money {
        // With 0 ≤ refunded ≤ paid and total ≥ 0 (prices are never negative) both steps stay
        // within i64, so saturation never engages; it only spells the arithmetic without a panic.
        let net_paid = self.paid.cents().saturating_sub(self.refunded.cents());
        Money::from_cents(self.total.cents().saturating_sub(net_paid))
    }
}

fn positive(amount: Money) -> Result<(), InvoiceError> {
    if amount > Money::ZERO { Ok(()) } else { Err(InvoiceError::NotPositive) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use std::num::NonZeroU32;

    use proptest::prelude::*;

    use super::*;
    use crate::billing::charge::{CodedService, Diagnoses};
    use crate::billing::code::ProcedureCode;
    use crate::billing::fee_schedule::{FeeEntry, FeeSchedule};
    use crate::chart::codes::IcdCode;

    /// One charge per (price in cents, units), each under its own code.
    fn lines(priced: &[(i64, u32)]) -> Vec<Charge> {
        let code = |i: usize| ProcedureCode::parse(&format!("{:05}", 10_000 + i)).unwrap();
        let entries = priced.iter().enumerate().map(|(i, &(cents, _))| FeeEntry::new(code(i), "service", Money::from_cents(cents)).unwrap());
        let schedule = FeeSchedule::new(entries.collect()).unwrap();
        let dx = Diagnoses::new(vec![IcdCode::parse("F33.1").unwrap()]).unwrap();
        let service = |i: usize, units: u32| CodedService { units: NonZeroU32::new(units).unwrap(), ..CodedService::once(code(i)) };
        priced.iter().enumerate().map(|(i, &(_, units))| Charge::new(service(i, units), &schedule, dx.clone()).unwrap()).collect()
    }

    fn pay(cents: i64) -> Payment {
        Payment { method: PaymentMethod::Card, amount: Money::from_cents(cents) }
    }

    #[test]
    fn worked_example() {
        // A 151-minute infusion: 96365 $450.00, 96366 × 2 at $125.00, J3490 $25.00 = $725.00.
        let mut invoice = Invoice::new(lines(&[(45_000, 1), (12_500, 2), (2_500, 1)])).unwrap();
        assert_eq!(invoice.total().to_string(), "725.00");
        invoice.record_payment(Payment { method: PaymentMethod::Cash, amount: Money::from_cents(20_000) }).unwrap();
        invoice.record_payment(pay(60_000)).unwrap();
        assert_eq!(invoice.balance().to_string(), "-75.00", "overpaid by $75: a credit");
        invoice.record_refund(pay(7_500)).unwrap();
        assert_eq!((invoice.paid(), invoice.refunded(), invoice.balance()), (Money::from_cents(80_000), Money::from_cents(7_500), Money::ZERO));
        assert_eq!(
            invoice.record_refund(pay(72_501)),
            Err(InvoiceError::RefundExceedsPaid { refundable: Money::from_cents(72_500), requested: Money::from_cents(72_501) })
        );
        assert_eq!(invoice.refunds().len(), 1, "a refused refund changes nothing");
        assert_eq!(invoice.record_payment(pay(0)), Err(InvoiceError::NotPositive));
        assert_eq!(invoice.record_refund(pay(-1)), Err(InvoiceError::NotPositive));
        assert_eq!(invoice.payments().len(), 2);
        assert_eq!(Invoice::new(vec![]), Err(InvoiceError::NoLines));
    }

    #[test]
    fn overflowing_total_is_an_error() {
        assert_eq!(Invoice::new(lines(&[(i64::MAX, 1), (1, 1)])), Err(InvoiceError::Money(MoneyError::Overflow)));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Pay(i64),
        Refund(i64),
    }

    proptest! {
        #[test]
        fn total_is_the_sum_of_lines(priced in prop::collection::vec((0i64..100_000_000, 1u32..50), 1..30)) {
            let invoice = Invoice::new(lines(&priced)).unwrap();
            let expected: i128 = priced.iter().map(|&(c, u)| i128::from(c) * i128::from(u)).sum();
            prop_assert_eq!(i128::from(invoice.total().cents()), expected);
            prop_assert_eq!(Money::sum(invoice.lines().iter().map(Charge::amount)), Ok(invoice.total()));
        }

        #[test]
        fn balance_never_drifts(
            priced in prop::collection::vec((0i64..10_000_000, 1u32..10), 1..10),
            ops in prop::collection::vec(prop_oneof![(-100i64..5_000_000).prop_map(Op::Pay), (-100i64..5_000_000).prop_map(Op::Refund)], 0..40),
        ) {
            let mut invoice = Invoice::new(lines(&priced)).unwrap();
            let (mut paid, mut refunded) = (0i128, 0i128);
            for op in ops {
                let before = invoice.clone();
                let result = match op {
                    Op::Pay(c) => invoice.record_payment(pay(c)).map(|()| paid += i128::from(c)),
                    Op::Refund(c) => invoice.record_refund(pay(c)).map(|()| refunded += i128::from(c)),
                };
                if result.is_err() {
                    prop_assert_eq!(&invoice, &before, "a refused operation changes nothing");
                }
                prop_assert!(0 <= refunded && refunded <= paid);
                prop_assert_eq!(i128::from(invoice.paid().cents()), paid);
                prop_assert_eq!(i128::from(invoice.refunded().cents()), refunded);
                let total = i128::from(invoice.total().cents());
                prop_assert_eq!(i128::from(invoice.balance().cents()), total - paid + refunded);
            }
        }
    }
}
