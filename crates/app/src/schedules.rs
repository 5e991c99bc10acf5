//! Questionnaires due around treatment events (issue 4, item 5): recording events and reading
//! the due / overdue lists, per patient and for the clinic. The rules are
//! [`ketaclinic_domain::schedule::DEFAULT_RULES`]; the session module will record its events
//! through [`App::record_treatment_event`] (or the internal `append_treatment_event`).

use jiff::SignedDuration;
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::{PatientId, TreatmentEventId};
use ketaclinic_domain::patient::Patient;
use ketaclinic_domain::schedule::{DEFAULT_RULES, DueItem, TreatmentEvent, due};
use ketaclinic_store::RecordedEvent;

use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{ClinicalRead, ClinicalWrite};
use crate::{Actor, App};

/// How far back the clinic list looks for courses (older ones have long been reviewed).
const CLINIC_LOOKBACK: SignedDuration = SignedDuration::from_hours(24 * 180);
/// How far in the future an event other than a booked session may lie (clock skew).
const FUTURE_TOLERANCE: SignedDuration = SignedDuration::from_mins(5);

/// A patient and what is due for them.
#[derive(Debug, Clone)]
pub struct PatientDue {
    pub patient: Patient,
    pub items: Vec<DueItem>,
}

impl App {
    /// Appends a treatment event (also used by other use cases, e.g. an approved eligibility
    /// decision starts a course).
    pub(crate) async fn append_treatment_event(&self, actor: &Actor, patient: PatientId, event: TreatmentEvent) -> AppResult<RecordedEvent> {
        let recorded = RecordedEvent { id: TreatmentEventId(new_id()), patient_id: patient, event, recorded_by: Some(actor.user_id), recorded_at: self.now() };
        let mut audit = actor.patient_event(self, AuditAction::TreatmentEventRecorded, AuditOutcome::Success, patient);
        audit.detail = Some(event.kind().to_owned());
        self.store.insert_treatment_event(&recorded, audit).await?;
        Ok(recorded)
    }

    /// Records a treatment event. Only a booked session may lie in the future.
    pub async fn record_treatment_event(&self, grant: &Granted<ClinicalWrite>, patient: PatientId, event: TreatmentEvent) -> AppResult<RecordedEvent> {
        let now = self.now();
        let latest = now.saturating_add(FUTURE_TOLERANCE).unwrap_or(now);
        if !matches!(event, TreatmentEvent::SessionScheduled { .. }) && event.at() > latest {
            return Err(ValidationErrors::one("at", "must not be in the future (only a booked session may be)").into());
        }
        self.append_treatment_event(grant.actor(), patient, event).await
    }

    /// Starts a course unless one is running (called when eligibility is approved).
    pub(crate) async fn start_course_if_none(&self, actor: &Actor, patient: PatientId) -> AppResult<()> {
        let events = self.store.treatment_events(patient).await?;
        let running = events.iter().rev().find_map(|e| match e.event {
            TreatmentEvent::CourseStarted { .. } => Some(true),
            TreatmentEvent::CourseEnded { .. } => Some(false),
            _ => None,
        });
        if running != Some(true) {
            self.append_treatment_event(actor, patient, TreatmentEvent::CourseStarted { at: self.now() }).await?;
        }
        Ok(())
    }

    async fn due_for(&self, patient: PatientId) -> AppResult<Vec<DueItem>> {
        let events: Vec<TreatmentEvent> = self.store.treatment_events(patient).await?.into_iter().map(|e| e.event).collect();
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let answered: Vec<(String, jiff::Timestamp)> =
            self.standing_assessments(patient, None).await?.into_iter().map(|a| (a.instrument, a.administered_at)).collect();
        Ok(due(DEFAULT_RULES, &events, &answered, self.now()))
    }

    /// What is due or overdue for one patient (the read is audited).
    pub async fn due_assessments(&self, grant: &Granted<ClinicalRead>, patient: PatientId) -> AppResult<Vec<DueItem>> {
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let items = self.due_for(patient).await?;
        let mut event = grant.actor().patient_event(self, AuditAction::AssessmentsRead, AuditOutcome::Success, patient);
        event.detail = Some("due questionnaires".to_owned());
        self.store.append_audit(vec![event]).await?;
        Ok(items)
    }

    /// Every patient with something due, overdue first, then by due time. Patients are those
    /// with a treatment event in the last 180 days; each one listed is an audited read.
    pub async fn clinic_due_list(&self, grant: &Granted<ClinicalRead>) -> AppResult<Vec<PatientDue>> {
        let since = self.now().saturating_sub(CLINIC_LOOKBACK).unwrap_or(self.now());
        let mut out = Vec::new();
        for id in self.store.patients_with_events_since(since).await? {
            let items = self.due_for(id).await?;
            if items.is_empty() {
                continue;
            }
            if let Some(patient) = self.store.patient(id).await?.filter(|p| p.status == ketaclinic_domain::record::RecordStatus::Active) {
                out.push(PatientDue { patient, items });
            }
        }
        out.sort_by(|a, b| {
            let key = |p: &PatientDue| (!p.items.iter().any(|i| i.overdue), p.items.iter().map(|i| i.due_at).min());
            key(a).cmp(&key(b))
        });
        let mut audit = Vec::with_capacity(out.len());
        for p in &out {
            let mut event = grant.actor().patient_event(self, AuditAction::AssessmentsRead, AuditOutcome::Success, p.patient.id);
            event.detail = Some("clinic due list".to_owned());
            audit.push(event);
        }
        if !audit.is_empty() {
            self.store.append_audit(audit).await?;
        }
        Ok(out)
    }
}
