//! The resource types a Bulk Data export can hold, and one patient's record mapped to them.
//! Each resource carries the instant it last changed, which `_since` and the export's
//! transaction time filter on.

use jiff::Timestamp;
use ketaclinic_app::export::ExportedPatient;
use ketaclinic_app::treatment_history::PatientTreatments;
use ketaclinic_fhir::map::patient::patient;
use ketaclinic_fhir::questionnaire_response::questionnaire_response;
use ketaclinic_fhir::{Resource, ServerBase};

use crate::fhir_chart::{allergy_intolerance_resources, condition_resources};
use crate::fhir_encounters::{encounter_resources, medication_administration_resources};
use crate::fhir_instruments::questionnaire_resources;
use crate::fhir_observations::candidates;

/// A resource type in an export (`_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportType {
    Patient,
    Condition,
    AllergyIntolerance,
    Encounter,
    MedicationAdministration,
    Observation,
    QuestionnaireResponse,
    /// The instruments' definitions: not a patient's, so only in a system-level export.
    Questionnaire,
}

impl ExportType {
    /// Every type, in the order a manifest lists them (the patient first, so an importer meets
    /// it before what refers to it; encounters before what happened in them).
    pub const ALL: [Self; 8] = [
        Self::Patient,
        Self::Condition,
        Self::AllergyIntolerance,
        Self::Encounter,
        Self::MedicationAdministration,
        Self::Observation,
        Self::QuestionnaireResponse,
        Self::Questionnaire,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Patient => "Patient",
            Self::Condition => "Condition",
            Self::AllergyIntolerance => "AllergyIntolerance",
            Self::Encounter => "Encounter",
            Self::MedicationAdministration => "MedicationAdministration",
            Self::Observation => "Observation",
            Self::QuestionnaireResponse => "QuestionnaireResponse",
            Self::Questionnaire => "Questionnaire",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// Whether the type belongs to a patient's compartment (what `/Patient/$export` holds).
    pub fn in_patient_compartment(self) -> bool {
        self != Self::Questionnaire
    }
}

/// The resources of one patient's record among `types`, each with when it last changed.
///
/// When it last changed: the patient record's last version; a chart entry's last version; a
/// session's last change for its Encounter and its administrations; a vital sign's reading
/// time (a reading is never edited); an assessment's recording time.
pub fn patient_resources(exported: &ExportedPatient, types: &[ExportType], base: &ServerBase) -> Vec<(ExportType, Timestamp, Resource)> {
    let mut out = Vec::new();
    let p = &exported.patient;
    let wants = |t: ExportType| types.contains(&t);
    if wants(ExportType::Patient) {
        out.push((ExportType::Patient, p.updated_at, Resource::Patient(Box::new(patient(p, base)))));
    }
    for entry in &exported.chart {
        let one = std::slice::from_ref(entry);
        if wants(ExportType::Condition) {
            out.extend(condition_resources(one).into_iter().map(|f| (ExportType::Condition, entry.recorded_at, f.resource)));
        }
        if wants(ExportType::AllergyIntolerance) {
            out.extend(allergy_intolerance_resources(one).into_iter().map(|f| (ExportType::AllergyIntolerance, entry.recorded_at, f.resource)));
        }
    }
    if wants(ExportType::Encounter) || wants(ExportType::MedicationAdministration) {
        for (session, events) in &exported.treatments.sessions {
            let one = PatientTreatments { sessions: vec![(session.clone(), events.clone())] };
            if wants(ExportType::Encounter) {
                out.extend(encounter_resources(&one).into_iter().map(|f| (ExportType::Encounter, session.updated_at, f.resource)));
            }
            if wants(ExportType::MedicationAdministration) {
                let given = medication_administration_resources(&one);
                out.extend(given.into_iter().map(|f| (ExportType::MedicationAdministration, session.updated_at, f.resource)));
            }
        }
    }
    if wants(ExportType::Observation) {
        for c in candidates(p.id, &exported.observations, base) {
            out.push((ExportType::Observation, c.changed, Resource::Observation(Box::new(c.observation))));
        }
    }
    if wants(ExportType::QuestionnaireResponse) {
        for (assessment, corrected) in &exported.observations.assessments {
            let qr = questionnaire_response(assessment, *corrected, base);
            out.push((ExportType::QuestionnaireResponse, assessment.recorded_at, Resource::QuestionnaireResponse(Box::new(qr))));
        }
    }
    out
}

/// The clinic's own definitions (the Questionnaires), written once per system-level export.
/// They are built into the server and carry no change time, so `_since` leaves them out.
pub fn definitions(types: &[ExportType], base: &ServerBase) -> Vec<(ExportType, Timestamp, Resource)> {
    if !types.contains(&ExportType::Questionnaire) {
        return Vec::new();
    }
    questionnaire_resources(ketaclinic_domain::instruments::all(), base)
        .into_iter()
        .map(|f| (ExportType::Questionnaire, Timestamp::UNIX_EPOCH, f.resource))
        .collect()
}
