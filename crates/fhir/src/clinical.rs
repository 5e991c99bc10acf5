//! The chart and treatment resources we emit: `Condition` (diagnoses), `AllergyIntolerance`,
//! `Encounter` (treatment sessions), `MedicationAdministration` (doses given) and the
//! `Medication` a dose may contain to carry its lot number (R4 keeps the lot on
//! `Medication.batch`, not on the administration). Only the fields we fill are modelled.

use serde::{Deserialize, Serialize};

use crate::types::{CodeableConcept, Coding, Meta, Quantity, Reference};

fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// A stretch of time; either end may be open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// A diagnosis on the problem list (FHIR `Condition`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Absent when the record is entered in error (invariant con-5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clinical_status: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_status: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub category: Vec<CodeableConcept>,
    pub code: CodeableConcept,
    pub subject: Reference,
    /// A date (`YYYY-MM-DD`), which is a valid FHIR `dateTime`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onset_date_time: Option<String>,
}

/// One reaction of an allergy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AllergyReaction {
    pub manifestation: Vec<CodeableConcept>,
    /// `mild`, `moderate` or `severe`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
}

/// An allergy or intolerance (FHIR `AllergyIntolerance`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AllergyIntolerance {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Absent when the record is entered in error (invariant ait-2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clinical_status: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_status: Option<CodeableConcept>,
    pub code: CodeableConcept,
    pub patient: Reference,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub reaction: Vec<AllergyReaction>,
}

/// A treatment session (FHIR `Encounter`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Encounter {
    pub id: String,
    pub status: String,
    pub class: Coding,
    #[serde(default, skip_serializing_if = "is_empty")]
    #[serde(rename = "type")]
    pub type_: Vec<CodeableConcept>,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// The lot a dose came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    pub lot_number: String,
}

/// The drug of one administration, contained in it to carry the lot (FHIR `Medication`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Medication {
    pub id: String,
    pub code: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<Batch>,
}

/// How a dose was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AdministrationDosage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dose: Option<Quantity>,
}

/// A dose given (FHIR `MedicationAdministration`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MedicationAdministration {
    pub id: String,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub contained: Vec<crate::Resource>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medication_codeable_concept: Option<CodeableConcept>,
    /// `#med`, the contained [`Medication`], when a lot is recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medication_reference: Option<Reference>,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dosage: Option<AdministrationDosage>,
}
