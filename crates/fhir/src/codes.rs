//! Code systems and the codes we emit, each verified in REFERENCE §9 (systems in §9.4).

/// `http://loinc.org` (REFERENCE §9.4).
pub const LOINC: &str = "http://loinc.org";
/// `http://snomed.info/sct` (REFERENCE §9.4).
pub const SNOMED: &str = "http://snomed.info/sct";
/// `http://hl7.org/fhir/sid/icd-10-cm` (REFERENCE §9.4).
pub const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
/// `http://hl7.org/fhir/sid/ndc` (REFERENCE §9.4).
pub const NDC: &str = "http://hl7.org/fhir/sid/ndc";
/// UCUM, the units of every quantity.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// FHIR's observation category code system (the vital-signs profile's required category).
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
/// FHIR's Condition clinical status (`active`, `resolved` …).
pub const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
/// FHIR's Condition verification status (we emit only `entered-in-error`).
pub const CONDITION_VERIFICATION: &str = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
/// FHIR's Condition category (`problem-list-item`).
pub const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
/// FHIR's AllergyIntolerance clinical status.
pub const ALLERGY_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
/// FHIR's AllergyIntolerance verification status (we emit only `entered-in-error`).
pub const ALLERGY_VERIFICATION: &str = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
/// HL7 v3 ActCode, the code system of `Encounter.class` (`AMB`, ambulatory).
pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// The FHIR R4 vital-signs profile every vital-sign Observation claims.
pub const VITAL_SIGNS_PROFILE: &str = "http://hl7.org/fhir/StructureDefinition/vitalsigns";

/// Vital-sign LOINC codes (REFERENCE §9.1), each with the concept's name as REFERENCE gives it
/// (used as the CodeableConcept's `text`; codings carry no `display`, so no display string of
/// ours can disagree with LOINC's).
pub mod vitals {
    pub const BP_PANEL: (&str, &str) = ("85354-9", "Blood pressure panel");
    pub const SYSTOLIC: (&str, &str) = ("8480-6", "Systolic BP");
    pub const DIASTOLIC: (&str, &str) = ("8462-4", "Diastolic BP");
    pub const HEART_RATE: (&str, &str) = ("8867-4", "Heart rate");
    /// SpO2 by pulse oximetry; the FHIR oxygen-saturation profile also requires 2708-6.
    pub const SPO2_PULSE_OX: (&str, &str) = ("59408-5", "SpO2 by pulse oximetry");
    pub const SPO2_ARTERIAL: (&str, &str) = ("2708-6", "O2 saturation in arterial blood");
    pub const RESP_RATE: (&str, &str) = ("9279-1", "Respiratory rate");
    pub const BODY_WEIGHT: (&str, &str) = ("29463-7", "Body weight");
}
