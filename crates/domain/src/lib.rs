//! The clinical model of ketaclinic and its rules.
//!
//! This crate is pure on purpose: no async, no SQL, no HTTP, no clock and no randomness. Every
//! value that crosses into it from the outside is parsed into a newtype with a checked
//! constructor, so an invalid name, date or MRN cannot exist past the edge ("parse, don't
//! validate"). The clock and id generator live in `app` and are passed in as plain values, which
//! keeps every rule here deterministic under test.

pub mod alert;
pub mod assessment;
pub mod audit;
pub mod billing;
pub mod booking;
pub mod calendar;
pub mod chart;
pub mod course;
pub mod dashboard;
pub mod dosing;
pub mod eligibility;
pub mod enquiry;
pub mod error;
pub mod ids;
pub mod instruments;
pub mod outcome;
pub mod patient;
pub mod person;
pub mod phone;
pub mod record;
pub mod register;
pub mod schedule;
pub mod self_report;
pub mod session;
pub mod staff;
pub mod task;

pub use error::{FieldError, ValidationErrors};
