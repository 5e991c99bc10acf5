//! The waitlist: who could take a slot that has just been freed (issue 8, item 5).
//!
//! A cancelled two-hour chair slot is worth filling the same day. Given the freed slot, the
//! clinic wants "the waitlisted patients who fit it and are ready (consent, REMS, eligibility),
//! most urgent first"; among equally urgent patients the one waiting longest comes first, then
//! the patient id, so the order is total and the same list always gives the same answer.
//!
//! An entry **fits** when its appointment, started at the freed slot's start, ends within the
//! slot; the slot's chair or room is of the kind the appointment needs (a freed chair does not
//! serve integration therapy); and the appointment falls on one of the patient's preferred
//! weekdays and inside one of their preferred time windows (no preference means any). An entry
//! is **ready** when it has nothing that [`readiness_findings`] would warn about: here readiness
//! is a filter, because offering a slot to a patient who cannot be treated in it wastes the slot.
//!
//! This is a shortlist, not a booking: staff for the slot are checked by [`check`](super::constraint::check)
//! when the offer is accepted.

use jiff::Timestamp;
use jiff::civil::Weekday;
use serde::{Deserialize, Serialize};

use crate::ids::PatientId;

use super::appointment_type::AppointmentKind;
use super::clinic::Clinic;
use super::constraint::readiness_findings;
use super::resource::{Readiness, SpaceKind};
use super::slot::{Slot, TimeWindow};

/// How soon a waiting patient should be seen; later variants are more urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Routine,
    Soon,
    Urgent,
}

/// One patient waiting for an appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistEntry {
    pub patient: PatientId,
    pub kind: AppointmentKind,
    /// Preferred weekdays; empty means any.
    pub days: Vec<Weekday>,
    /// Preferred times of day; empty means any.
    pub windows: Vec<TimeWindow>,
    pub urgency: Urgency,
    pub readiness: Readiness,
    pub added_at: Timestamp,
}

/// A slot that has become free, and the kind of space it holds (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreedSlot {
    pub slot: Slot,
    pub space: Option<SpaceKind>,
}

/// The entries that fit `freed` and are ready, most urgent first, then longest waiting.
pub fn candidates<'a>(clinic: &Clinic, entries: &'a [WaitlistEntry], freed: FreedSlot) -> Vec<&'a WaitlistEntry> {
    let mut found: Vec<&WaitlistEntry> = entries.iter().filter(|e| readiness_findings(e.kind, e.readiness).is_empty() && fits(clinic, e, freed)).collect();
    found.sort_by(|a, b| b.urgency.cmp(&a.urgency).then(a.added_at.cmp(&b.added_at)).then(a.patient.cmp(&b.patient)));
    found
}

fn fits(clinic: &Clinic, entry: &WaitlistEntry, freed: FreedSlot) -> bool {
    let length = clinic.types.length(entry.kind).duration();
    let Ok(slot) = Slot::starting_at(freed.slot.start(), length) else { return false };
    if slot.end() > freed.slot.end() {
        return false;
    }
    if entry.kind.needs().space.is_some_and(|kind| freed.space != Some(kind)) {
        return false;
    }
    let Some(span) = slot.local(clinic.calendar.time_zone()) else { return false };
    (entry.days.is_empty() || entry.days.contains(&span.date.weekday())) && (entry.windows.is_empty() || entry.windows.iter().any(|w| w.contains(span)))
}
