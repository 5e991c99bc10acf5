//! A patient's treatment sessions with their events, for the FHIR `Encounter` and
//! `MedicationAdministration` endpoints (and the bulk export): one audited clinical read
//! returns every session; a patient's history is bounded (tens of sessions of a few dozen
//! events), and the FHIR layer maps, filters, sorts and pages it.

use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::session::{Session, SessionEventRecord};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::ClinicalRead;

/// Every session of one patient, each with its events (in recorded order).
#[derive(Debug, Clone, Default)]
pub struct PatientTreatments {
    pub sessions: Vec<(Session, Vec<SessionEventRecord>)>,
}

impl App {
    /// A patient's sessions and their events (`NotFound` for an unknown patient); audited as a
    /// session read of the patient, detail `fhir`.
    pub async fn patient_treatments(&self, grant: &Granted<ClinicalRead>, patient: PatientId) -> AppResult<PatientTreatments> {
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let found = self.load_treatments(patient).await?;
        let mut event = grant.actor().patient_event(self, AuditAction::SessionRead, AuditOutcome::Success, patient);
        event.detail = Some("fhir".to_owned());
        self.store.append_audit(vec![event]).await?;
        Ok(found)
    }

    /// A patient's sessions and events, unaudited: the callers (the FHIR reads above, the bulk
    /// export) write their own audit event.
    pub(crate) async fn load_treatments(&self, patient: PatientId) -> AppResult<PatientTreatments> {
        let mut sessions = Vec::new();
        for session in self.store.patient_sessions(patient).await? {
            let events = self.store.session_events(session.id).await?;
            sessions.push((session, events));
        }
        Ok(PatientTreatments { sessions })
    }
}
