//! Scheduling: chairs, rooms, staff and patients, the constraints every booking must meet,
//! series booking for a course's induction, and the waitlist (issue 8, items 1–3 and 5).
//!
//! The chair is the clinic's scarcest resource, an esketamine session cannot happen without a
//! prescriber on site (SPRAVATO REMS, REFERENCE §2.4), and a six-session induction has to fit
//! everyone's calendar at once. This module holds those rules as pure functions of plain values:
//! `app` loads the clinic, the bookings of the days concerned and the patient's readiness,
//! calls [`constraint::check`] or [`series::propose`], and writes the result in one transaction.
//!
//! - [`slot`]: half-open intervals of instants and their clinic-local view;
//! - [`resource`]: chairs and rooms, staff with working hours and presence, patient readiness;
//! - [`appointment_type`]: kinds of visit, their lengths (a setting) and needs (fixed);
//! - [`appointment`]: appointments, bookings and staff duties;
//! - [`clinic`]: the clinic as the scheduler sees it, and the nurse's chair capacity;
//! - [`violation`]: typed findings with wire codes, errors versus warnings;
//! - [`constraint`]: the check of one proposed booking;
//! - [`series`]: proposing a whole series, and re-checking after a move;
//! - [`waitlist`]: who can take a freed slot;
//! - [`ical`]: iCalendar feeds of appointments, without patient identifiers for staff.
//!
//! Times are UTC [`jiff::Timestamp`]s; hours are compared on the clinic's wall clock through
//! [`BusinessCalendar`](crate::calendar::BusinessCalendar).

pub mod appointment;
pub mod appointment_type;
pub mod clinic;
pub mod constraint;
pub mod ical;
pub mod resource;
pub mod series;
pub mod slot;
pub mod violation;
pub mod waitlist;

#[cfg(test)]
mod tests;
