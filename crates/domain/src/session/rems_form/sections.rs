//! The items of the form (REFERENCE §2.6 items 1–10), as [`super::build`] fills them.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

/// Item 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatientSection {
    pub first_name: String,
    /// Not kept in the chart; optional on the form.
    pub middle_initial: Option<String>,
    pub last_name: String,
    pub birth_date: Date,
    /// `male`, `female` or `other`; none when the chart says unknown.
    pub sex: Option<&'static str>,
    pub first_treatment: bool,
    /// Asked when this is the first treatment.
    pub rems_enrolled: Option<bool>,
}

/// Item 2: each class present among the patient's active medications (REFERENCE §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Concomitant {
    pub benzodiazepines: bool,
    pub non_benzodiazepine_sedative_hypnotics: bool,
    pub psychostimulants: bool,
    pub maois: bool,
    pub opioids: bool,
}

/// Item 3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HcpSection {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub telephone: Option<String>,
    pub email: Option<String>,
}

/// Item 4.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingSection {
    pub name: Option<String>,
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
}

/// The dose box of item 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dose {
    pub mg: u32,
    /// Devices counted (0 when the dose came from `administration_started`).
    pub devices: u32,
    /// `56`, `84` or `other`.
    pub choice: &'static str,
}

/// Item 5 and the times it is computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreatmentSection {
    pub date: Option<Date>,
    pub dose: Option<Dose>,
    pub lot_numbers: Vec<String>,
    pub first_administration_at: Option<Timestamp>,
    pub monitoring_ended_at: Option<Timestamp>,
    /// From the first administration to the end of monitoring (must be ≥ 120).
    pub duration_minutes: Option<i64>,
}

/// A blood pressure of item 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bp {
    pub systolic: u32,
    pub diastolic: u32,
    pub at: Timestamp,
    /// Minutes after the first administration (negative before it).
    pub minutes_after_administration: i64,
}

/// Item 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BloodPressure {
    pub before_administration: Option<Bp>,
    pub post_administration_40_min: Option<Bp>,
    pub before_completion: Option<Bp>,
}

/// Item 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VitalsAcceptable {
    pub before_administration: Option<bool>,
    pub before_completion: Option<bool>,
}

/// One adverse event of item 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub occurred: Option<bool>,
    /// Asked when it occurred.
    pub resolved_before_discharge: Option<bool>,
}

/// Item 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AdverseEvents {
    pub sedation: Finding,
    pub dissociation: Finding,
    pub respiratory_depression: Finding,
}

/// Item 10.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeriousAdverseEvent {
    pub occurred: Option<bool>,
    pub description: Option<String>,
    /// `session` (an event of the session) or `staff` (answered on the form); none if missing.
    pub source: Option<&'static str>,
}

/// The form, items 1–10 of REFERENCE §2.6.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemsForm {
    pub patient: PatientSection,
    pub concomitant_medications: Concomitant,
    pub hcp: HcpSection,
    pub setting: SettingSection,
    pub treatment: TreatmentSection,
    /// Item 6: minutes from the start of administration.
    pub ready_to_leave_minutes: Option<i64>,
    pub vitals_acceptable: VitalsAcceptable,
    pub blood_pressure: BloodPressure,
    pub adverse_events: AdverseEvents,
    pub serious_adverse_event: SeriousAdverseEvent,
}
