//! Chart entries as FHIR: a diagnosis as a problem-list `Condition`, an allergy as an
//! `AllergyIntolerance`.
//!
//! Codings carry only what the chart holds: ICD-10-CM always (the chart refuses a diagnosis
//! without one), SNOMED CT only where the bundled table of verified mappings (REFERENCE §9.3)
//! gave the entry one. Codings have no `display`, so no title of ours can disagree with the code
//! system's; the chart's title is the concept's `text`. An allergy's substance is free text in
//! the chart, so it is `code.text` only. Statuses use FHIR's own code systems. An entry marked
//! entered in error stays visible with `verificationStatus` `entered-in-error` and no
//! `clinicalStatus` (invariants con-5 / ait-2), as FHIR expects of a retracted record. Ids are
//! [`super::owned_id`] of the patient and the entry, so a read needs no lookup table.

use ketaclinic_domain::chart::entries::{AllergySeverity, ClinicalStatus};
use ketaclinic_domain::chart::{ChartBody, ChartEntry};
use ketaclinic_domain::record::RecordStatus;

use crate::clinical::{AllergyIntolerance, AllergyReaction, Condition};
use crate::codes::{ALLERGY_CLINICAL, ALLERGY_VERIFICATION, CONDITION_CATEGORY, CONDITION_CLINICAL, CONDITION_VERIFICATION, ICD10CM, SNOMED};
use crate::types::{CodeableConcept, Coding, Meta, Reference};

fn status(system: &str, code: &str) -> CodeableConcept {
    CodeableConcept::of(vec![Coding::new(system, code, "")], "")
}

fn meta(entry: &ChartEntry) -> Meta {
    Meta { version_id: Some(entry.version.0.to_string()), last_updated: Some(super::instant(entry.recorded_at)), profile: Vec::new() }
}

/// The FHIR id of a patient's chart entry.
pub fn chart_id(entry: &ChartEntry) -> Option<String> {
    Some(super::owned_id(entry.patient_id?.0, entry.id.0))
}

/// A diagnosis entry as a `Condition` (`None` for any other kind of entry).
pub fn condition(entry: &ChartEntry) -> Option<Condition> {
    let ChartBody::Diagnosis(d) = &entry.body else { return None };
    let patient = entry.patient_id?;
    let mut coding = vec![Coding::new(ICD10CM, &d.icd10cm, "")];
    coding.extend(d.snomed.as_deref().map(|sctid| Coding::new(SNOMED, sctid, "")));
    let retracted = entry.status == RecordStatus::EnteredInError;
    let clinical = match d.status {
        ClinicalStatus::Active => "active",
        ClinicalStatus::Resolved => "resolved",
    };
    Some(Condition {
        id: chart_id(entry)?,
        meta: Some(meta(entry)),
        clinical_status: (!retracted).then(|| status(CONDITION_CLINICAL, clinical)),
        verification_status: retracted.then(|| status(CONDITION_VERIFICATION, "entered-in-error")),
        category: vec![CodeableConcept::of(vec![Coding::new(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")], "")],
        code: CodeableConcept::of(coding, &d.display),
        subject: Reference::to("Patient", patient),
        onset_date_time: d.onset.map(|day| day.to_string()),
    })
}

/// An allergy entry as an `AllergyIntolerance` (`None` for any other kind of entry). The chart
/// keeps no status for allergies, so every current one is `active`. A reaction is emitted when
/// the chart describes one or grades its severity; FHIR requires a manifestation, so a graded
/// reaction without a description says so in words rather than inventing a symptom.
pub fn allergy_intolerance(entry: &ChartEntry) -> Option<AllergyIntolerance> {
    let ChartBody::Allergy(a) = &entry.body else { return None };
    let patient = entry.patient_id?;
    let retracted = entry.status == RecordStatus::EnteredInError;
    let severity = match a.severity {
        AllergySeverity::Mild => Some("mild"),
        AllergySeverity::Moderate => Some("moderate"),
        AllergySeverity::Severe => Some("severe"),
        AllergySeverity::Unknown => None,
    };
    let reaction = match (&a.reaction, severity) {
        (None, None) => Vec::new(),
        (text, severity) => vec![AllergyReaction {
            manifestation: vec![CodeableConcept::of(Vec::new(), text.as_deref().unwrap_or("Reaction not described"))],
            severity: severity.map(str::to_owned),
        }],
    };
    Some(AllergyIntolerance {
        id: chart_id(entry)?,
        meta: Some(meta(entry)),
        clinical_status: (!retracted).then(|| status(ALLERGY_CLINICAL, "active")),
        verification_status: retracted.then(|| status(ALLERGY_VERIFICATION, "entered-in-error")),
        code: CodeableConcept::of(Vec::new(), &a.substance),
        patient: Reference::to("Patient", patient),
        reaction,
    })
}
