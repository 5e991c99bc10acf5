//! The patient's suicide safety plan (REFERENCE §10; the body and its checks are in
//! `ketaclinic_domain::chart::safety_plan`).
//!
//! A patient has one current plan, a chart entry of kind `safety_plan`. Saving without a plan
//! writes version 1; saving again is a revision and must name the version it was made from
//! (a plan changed meanwhile is a conflict, never overwritten) and say why, e.g. "reviewed
//! with patient". Every version stays in the entry's history. Nurses, prescribers and
//! therapists write plans (`safety_plan.write`); reading is part of the clinical chart
//! (`clinical.read`). Writes and reads are audited as chart events.

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::chart::entries::Check;
use ketaclinic_domain::chart::{ChartBody, ChartEntry, ChartKind, SafetyPlan};
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{ClinicalRead, SafetyPlanWrite};

/// A saved plan, and whether the save started it (version 1) or revised it.
#[derive(Debug, Clone)]
pub struct SavedPlan {
    pub entry: ChartEntry,
    pub created: bool,
}

/// The plan of a chart entry (an entry of another kind names no plan).
pub fn plan_of(entry: &ChartEntry) -> Option<&SafetyPlan> {
    match &entry.body {
        ChartBody::SafetyPlan(plan) => Some(plan),
        _ => None,
    }
}

impl App {
    /// The newest active plan of a patient, unaudited (callers audit).
    async fn current_safety_plan(&self, patient: PatientId) -> AppResult<Option<ChartEntry>> {
        Ok(self.store.chart_entries(Some(patient), &[ChartKind::SafetyPlan], false).await?.pop())
    }

    /// The patient's current safety plan, `None` when there is none yet. The read is audited.
    pub async fn safety_plan(&self, grant: &Granted<ClinicalRead>, patient: PatientId) -> AppResult<Option<ChartEntry>> {
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let current = self.current_safety_plan(patient).await?;
        let mut event = grant.actor().patient_event(self, AuditAction::ChartRead, AuditOutcome::Success, patient);
        event.detail = Some(ChartKind::SafetyPlan.as_str().to_owned());
        self.store.append_audit(vec![event]).await?;
        Ok(current)
    }

    /// Saves the patient's safety plan: version 1 when there is none (`expected` must then be
    /// `None`; a reason is not needed), otherwise a new version of the current plan, which
    /// needs the version it was edited from and a reason.
    pub async fn save_safety_plan(
        &self,
        grant: &Granted<SafetyPlanWrite>,
        patient: PatientId,
        plan: SafetyPlan,
        expected: Option<Version>,
        reason: Option<&str>,
    ) -> AppResult<SavedPlan> {
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let current = match (self.current_safety_plan(patient).await?, expected) {
            (None, None) => None,
            (Some(current), Some(expected)) => Some(self.current_entry(current.id, expected).await?),
            (Some(current), None) => {
                return Err(AppError::Conflict(format!(
                    "this patient already has a safety plan (version {}); send that version and a reason to revise it",
                    current.version.0
                )));
            }
            (None, Some(_)) => {
                return Err(AppError::Conflict("this patient has no safety plan yet; save one without a version to start it".to_owned()));
            }
        };
        let mut errors = ValidationErrors::default();
        let plan = plan.check(&self.check_context()).map_err(|e| errors.0.extend(e.0)).ok();
        let reason = current.as_ref().and_then(|_| errors.collect("reason", ChangeReason::parse(reason.unwrap_or_default())));
        errors.clone().into_result()?;
        let actor = grant.actor();
        match (current, plan, reason) {
            (None, Some(plan), _) => Ok(SavedPlan { entry: self.insert_entry(actor, Some(patient), ChartBody::SafetyPlan(plan)).await?, created: true }),
            (Some(current), Some(plan), Some(reason)) => {
                let revised = current.revised(ChartBody::SafetyPlan(plan), RecordStatus::Active, reason, actor.user_id, self.now());
                self.store_revision(actor, &revised).await?;
                Ok(SavedPlan { entry: revised, created: false })
            }
            _ => Err(errors.into()),
        }
    }
}
