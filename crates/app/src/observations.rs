//! A patient's observations — vital signs from every session and scored assessments — for the
//! FHIR `Observation` endpoint. One audited clinical read returns everything the patient has;
//! a patient's history is bounded (tens of sessions of at most a few hundred readings), and the
//! FHIR layer filters, sorts and pages it.

use ketaclinic_domain::assessment::Assessment;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::{PatientId, TreatmentSessionId};
use ketaclinic_domain::session::VitalReading;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::ClinicalRead;

/// Everything observed of one patient.
#[derive(Debug, Clone)]
pub struct PatientObservations {
    /// Readings with the session they were taken in.
    pub vitals: Vec<(TreatmentSessionId, VitalReading)>,
    /// Assessments, each with whether it was marked entered in error.
    pub assessments: Vec<(Assessment, bool)>,
}

impl App {
    /// A patient's vital signs and scored assessments (`NotFound` for an unknown patient).
    pub async fn patient_observations(&self, grant: &Granted<ClinicalRead>, patient: PatientId) -> AppResult<PatientObservations> {
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let found = self.load_observations(patient).await?;
        let mut event = grant.actor().patient_event(self, AuditAction::ObservationsRead, AuditOutcome::Success, patient);
        event.detail = Some("fhir".to_owned());
        self.store.append_audit(vec![event]).await?;
        Ok(found)
    }

    /// A patient's observations, unaudited: the callers (the FHIR read above, the bulk export)
    /// write their own audit event.
    pub(crate) async fn load_observations(&self, patient: PatientId) -> AppResult<PatientObservations> {
        let mut vitals = Vec::new();
        for session in self.store.patient_sessions(patient).await? {
            vitals.extend(self.store.vitals(session.id).await?.into_iter().map(|r| (session.id, r)));
        }
        let corrected: Vec<_> = self.store.assessment_corrections(patient).await?.into_iter().map(|c| c.assessment_id).collect();
        let assessments = self
            .store
            .assessments(patient, None)
            .await?
            .into_iter()
            .map(|a| {
                let eie = corrected.contains(&a.id);
                (a, eie)
            })
            .collect();
        Ok(PatientObservations { vitals, assessments })
    }

    /// The patient a session belongs to (to resolve an Observation id; the read that follows is
    /// the audited one).
    pub async fn patient_of_session(&self, _grant: &Granted<ClinicalRead>, session: TreatmentSessionId) -> AppResult<PatientId> {
        Ok(self.store.treatment_session(session).await?.ok_or(AppError::NotFound)?.patient_id)
    }
}
