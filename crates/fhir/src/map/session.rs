//! A treatment session as an `Encounter`, and each dose given in it as a
//! `MedicationAdministration`.
//!
//! The Encounter's id is the session's uuid, which is what every vital-sign and score
//! Observation already names in `encounter`. Its status follows the session's state, using
//! only R4 `EncounterStatus` codes whose meaning fits:
//!
//! | session state | Encounter.status |
//! |---|---|
//! | `scheduled` | `planned` (booked, not yet arrived) |
//! | `checked_in` | `arrived` (present, nothing clinical begun) |
//! | `prechecks_done`, `administering`, `paused`, `observing` | `in-progress` |
//! | `discharged` | `finished` |
//! | `stopped_early` after check-in | `finished` (it happened, and it is over) |
//! | `stopped_early` before check-in | `cancelled` (it never took place) |
//!
//! `triaged` and `onleave` are not used: pre-checks are not a triage of priority, and a
//! patient never leaves mid-session. The period runs from the check-in to the discharge or
//! early stop. The class is `AMB` (ambulatory) from HL7 v3 ActCode: every session is an
//! outpatient visit.
//!
//! A dose is a `device_administered` event (one 28 mg esketamine device, given at an instant:
//! `effectiveDateTime`) or an `administration_started` event (IV infusion or IM injection:
//! `effectivePeriod` from the start to the `administration_stopped`, or to an early stop). The
//! dose is the `dose_mg` the event recorded, exactly as sent (for an infusion stopped early
//! that is the dose set up, not a computed part of it; the PK regimen apportions that). The drug
//! is text only (`ketamine` / `esketamine`): a session does not record which product or package
//! was used, so no NDC can be stated, and no RxNorm code is verified (REFERENCE §9.4). The route
//! is text only: REFERENCE verifies no SNOMED route code. The lot number is the event's `lot`
//! when staff recorded one (API.md: `administration_started {dose_mg, lot?}`,
//! `device_administered {dose_mg, lot?}`); it travels on a contained `Medication`'s
//! `batch.lotNumber`, where R4 keeps it. Lots of the controlled-substance register's draws
//! are not linked to a particular dose event, so they are not used here.

use jiff::Timestamp;
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::session::{Session, SessionEvent, SessionEventRecord, SessionState};

use crate::Resource;
use crate::clinical::{AdministrationDosage, Batch, Encounter, Medication, MedicationAdministration, Period};
use crate::codes::{ACT_CODE, UCUM};
use crate::types::{CodeableConcept, Coding, Quantity, Reference};

fn first(events: &[SessionEventRecord], event: SessionEvent) -> Option<Timestamp> {
    events.iter().filter(|e| e.event == event).map(|e| e.at).min()
}

fn ended(events: &[SessionEventRecord]) -> Option<Timestamp> {
    events.iter().filter(|e| matches!(e.event, SessionEvent::Discharged | SessionEvent::StoppedEarly)).map(|e| e.at).min()
}

/// What kind of session, in words.
fn modality_text(m: Modality) -> &'static str {
    match m {
        Modality::IvKetamine => "IV ketamine infusion",
        Modality::ImKetamine => "IM ketamine injection",
        Modality::EsketamineNasal => "Esketamine nasal spray",
    }
}

/// The session as an Encounter, with the instant search and sorting use: its start, or when it
/// was booked while it has not started.
pub fn encounter(s: &Session, events: &[SessionEventRecord]) -> (Timestamp, Encounter) {
    let start = first(events, SessionEvent::CheckedIn);
    let status = match s.state {
        SessionState::Scheduled => "planned",
        SessionState::CheckedIn => "arrived",
        SessionState::PrechecksDone | SessionState::Administering | SessionState::Paused | SessionState::Observing => "in-progress",
        SessionState::Discharged => "finished",
        SessionState::StoppedEarly if start.is_some() => "finished",
        SessionState::StoppedEarly => "cancelled",
    };
    let period = start.map(|start| Period { start: Some(super::instant(start)), end: ended(events).map(super::instant) });
    let encounter = Encounter {
        id: s.id.to_string(),
        status: status.to_owned(),
        class: Coding::new(ACT_CODE, "AMB", "ambulatory"),
        type_: vec![CodeableConcept::of(Vec::new(), modality_text(s.modality))],
        subject: Reference::to("Patient", s.patient_id),
        period,
    };
    (start.unwrap_or(s.created_at), encounter)
}

/// The FHIR id of a dose: the session's and the event's uuids (see [`super::owned_id`]).
pub fn administration_id(s: &Session, event: &SessionEventRecord) -> String {
    super::owned_id(s.id.0, event.id.0)
}

/// Every dose given in the session, each with its (start) instant, in time order.
pub fn medication_administrations(s: &Session, events: &[SessionEventRecord]) -> Vec<(Timestamp, MedicationAdministration)> {
    let mut sorted: Vec<&SessionEventRecord> = events.iter().collect();
    sorted.sort_by_key(|e| e.at);
    let (drug, route) = match s.modality {
        Modality::IvKetamine => ("ketamine", "Intravenous"),
        Modality::ImKetamine => ("ketamine", "Intramuscular"),
        Modality::EsketamineNasal => ("esketamine", "Intranasal"),
    };
    let mut out = Vec::new();
    for e in &sorted {
        let (status, date_time, period) = match e.event {
            SessionEvent::DeviceAdministered => ("completed", Some(super::instant(e.at)), None),
            SessionEvent::AdministrationStarted => {
                let after = |kind: SessionEvent| sorted.iter().find(|x| x.event == kind && x.at >= e.at).map(|x| x.at);
                let (status, end) = match (after(SessionEvent::AdministrationStopped), after(SessionEvent::StoppedEarly)) {
                    (Some(stop), _) => ("completed", Some(stop)),
                    (None, Some(stop)) => ("stopped", Some(stop)),
                    (None, None) if s.state == SessionState::Paused => ("on-hold", None),
                    (None, None) => ("in-progress", None),
                };
                (status, None, Some(Period { start: Some(super::instant(e.at)), end: end.map(super::instant) }))
            }
            _ => continue,
        };
        let dose = e.payload.get("dose_mg").and_then(serde_json::Value::as_number).map(|mg| Quantity {
            value: Some(mg.clone()),
            unit: Some("mg".to_owned()),
            system: Some(UCUM.to_owned()),
            code: Some("mg".to_owned()),
        });
        let lot = e.payload.get("lot").and_then(serde_json::Value::as_str).map(str::trim).filter(|l| !l.is_empty());
        let code = CodeableConcept::of(Vec::new(), drug);
        let (contained, medication_codeable_concept, medication_reference) = match lot {
            Some(lot) => (
                vec![Resource::Medication(Box::new(Medication { id: "med".to_owned(), code, batch: Some(Batch { lot_number: lot.to_owned() }) }))],
                None,
                Some(Reference { reference: Some("#med".to_owned()), display: None }),
            ),
            None => (Vec::new(), Some(code), None),
        };
        let administration = MedicationAdministration {
            id: administration_id(s, e),
            contained,
            status: status.to_owned(),
            medication_codeable_concept,
            medication_reference,
            subject: Reference::to("Patient", s.patient_id),
            context: Some(Reference::to("Encounter", s.id)),
            effective_date_time: date_time,
            effective_period: period,
            dosage: Some(AdministrationDosage { route: Some(CodeableConcept::of(Vec::new(), route)), dose }),
        };
        out.push((e.at, administration));
    }
    out
}
