//! Reading the whole clinic out for a FHIR Bulk Data export (issue 7): patients a page at a
//! time in a stable keyset order (family name, given name, id — never OFFSET, so a page costs
//! the same at the end of the list as at the start and a patient added mid-export cannot shift
//! the pages), each with everything recorded about them. Every patient read is audited as an
//! export of that patient's record, in one append per page.

use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::chart::{ChartEntry, ChartKind};
use ketaclinic_domain::patient::Patient;
use ketaclinic_store::{PatientCursor, PatientQuery};

use crate::App;
use crate::error::AppResult;
use crate::observations::PatientObservations;
use crate::permissions::Granted;
use crate::permissions::perm::BulkExport;
use crate::treatment_history::PatientTreatments;

/// One patient's record as the export maps it to FHIR resources.
#[derive(Debug, Clone)]
pub struct ExportedPatient {
    pub patient: Patient,
    pub observations: PatientObservations,
    /// Diagnoses and allergies, entered-in-error entries included (they are exported with
    /// that status, so an importer can retract what it took earlier).
    pub chart: Vec<ChartEntry>,
    pub treatments: PatientTreatments,
}

/// Where the next page starts: after this patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCursor(PatientCursor);

/// One page of the export.
#[derive(Debug, Clone)]
pub struct ExportPage {
    pub patients: Vec<ExportedPatient>,
    /// `None` when this was the last page.
    pub next: Option<ExportCursor>,
}

impl App {
    /// Up to `limit` patients after `after`, with their records. Records marked entered in
    /// error are left out: they were mistakes, and an importing system would take them as
    /// patients.
    pub async fn export_page(&self, grant: &Granted<BulkExport>, after: Option<&ExportCursor>, limit: u32) -> AppResult<ExportPage> {
        let query = PatientQuery::default();
        let found = self.store.search_patients(&query, after.map(|c| &c.0), limit).await?;
        let next = found.last().filter(|_| u32::try_from(found.len()).is_ok_and(|n| n == limit)).map(|p| ExportCursor(crate::patients::cursor_after(p)));
        let mut patients = Vec::with_capacity(found.len());
        let mut events = Vec::with_capacity(found.len());
        for patient in found {
            let observations = self.load_observations(patient.id).await?;
            let chart = self.store.chart_entries(Some(patient.id), &[ChartKind::Diagnosis, ChartKind::Allergy], true).await?;
            let treatments = self.load_treatments(patient.id).await?;
            events.push(grant.actor().patient_event(self, AuditAction::PatientExported, AuditOutcome::Success, patient.id));
            patients.push(ExportedPatient { patient, observations, chart, treatments });
        }
        if !events.is_empty() {
            self.store.append_audit(events).await?;
        }
        Ok(ExportPage { patients, next })
    }
}
