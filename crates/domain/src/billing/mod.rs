//! Billing (issue 8 items 8 and 9, the arithmetic): coded charges from what happened, priced
//! from the clinic's fee schedule, on invoices and estimates, in integer cents.
//!
//! Codes come only from `clinical/REFERENCE.md` §8; IV ketamine is mostly self-pay, so the
//! superbill a patient files out of network has to be right to the code, the unit and the cent.
//!
//! - [`money`]: [`money::Money`], checked integer cents, parsing and display;
//! - [`code`]: procedure code and modifier newtypes, and the codes of REFERENCE §8;
//! - [`fee_schedule`]: the admin-kept price per code;
//! - [`capture`]: which codes and units follow from an infusion, a SPRAVATO session, an
//!   evaluation, a visit or scored instruments;
//! - [`charge`]: a captured service priced and linked to its ICD-10-CM diagnoses;
//! - [`invoice`]: charges, payments, refunds and the balance;
//! - [`estimate`]: the expected cost of a planned course.
//!
//! Flow in the app layer: facts → [`capture`] → [`charge::charges`] (with the
//! [`fee_schedule::FeeSchedule`] and [`charge::Diagnoses`]) → [`invoice::Invoice`].

pub mod capture;
pub mod charge;
pub mod code;
pub mod estimate;
pub mod fee_schedule;
pub mod invoice;
pub mod money;
