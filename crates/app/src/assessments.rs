//! Recording assessments on a patient and reading their outcomes.

use jiff::{SignedDuration, Timestamp};
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::alert::{self, Alert};
use ketaclinic_domain::assessment::{Assessment, AssessmentCorrection, AssessmentSource};
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::{AlertId, AssessmentId, PatientId};
use ketaclinic_domain::instruments;
use ketaclinic_domain::outcome::{self, Outcome, Point};

use crate::App;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{AssessmentRecord, PatientRead};

/// How far in the future an administration time may lie (clock skew between devices).
const FUTURE_TOLERANCE: SignedDuration = SignedDuration::from_mins(5);

/// An assessment as submitted.
#[derive(Debug, Clone)]
pub struct AssessmentInput {
    pub instrument: String,
    pub answers: serde_json::Value,
    /// Defaults to now; may be earlier (entered after the fact).
    pub administered_at: Option<Timestamp>,
    pub session_id: Option<uuid::Uuid>,
}

/// A short description of what raised the alert, for the prescriber's list.
pub(crate) fn alert_detail(a: &Assessment) -> String {
    let mut parts = vec![a.instrument.clone()];
    if let Some(total) = a.score.total {
        parts.push(format!("total {total}"));
    }
    if let Some(level) = a.score.risk_level {
        parts.push(format!("risk {}", serde_json::to_value(level).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()));
    }
    if !a.score.flags.is_empty() {
        parts.push(format!("flags {}", a.score.flags.join(", ")));
    }
    parts.join("; ")
}

impl App {
    /// Scores and stores an assessment on a patient, with its audit event.
    pub async fn record_assessment(&self, grant: &Granted<AssessmentRecord>, patient: PatientId, input: AssessmentInput) -> AppResult<Assessment> {
        let definition = instruments::get(&input.instrument).ok_or_else(|| ValidationErrors::one("instrument", "is not an instrument this clinic knows"))?;
        let score = instruments::score(definition, &input.answers, &self.settings.scoring)?;
        let now = self.now();
        let administered_at = input.administered_at.unwrap_or(now);
        if administered_at > now.saturating_add(FUTURE_TOLERANCE).unwrap_or(now) {
            return Err(ValidationErrors::one("administered_at", "must not be in the future").into());
        }
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        if let Some(session) = input.session_id {
            // A checkpoint belongs to a session of the same patient.
            let owner = self.store.treatment_session(ketaclinic_domain::ids::TreatmentSessionId(session)).await?.map(|s| s.patient_id);
            if owner != Some(patient) {
                return Err(ValidationErrors::one("session_id", "is not a session of this patient").into());
            }
        }
        let assessment = Assessment {
            id: AssessmentId(new_id()),
            patient_id: patient,
            instrument: definition.id.to_owned(),
            answers: input.answers,
            score,
            administered_at,
            session_id: input.session_id,
            source: AssessmentSource::Staff,
            recorded_by: Some(grant.actor().user_id),
            recorded_at: now,
        };
        let mut event = grant.actor().patient_event(self, AuditAction::AssessmentRecorded, AuditOutcome::Success, patient);
        event.detail = Some(format!("{} {}", assessment.instrument, assessment.id));
        let mut audit = vec![event];
        let alert = alert::raised_by(&assessment.score).map(|kind| Alert {
            id: AlertId(new_id()),
            patient_id: patient,
            kind,
            assessment_id: assessment.id,
            detail: alert_detail(&assessment),
            raised_at: now,
            acknowledgement: None,
        });
        if let Some(alert) = &alert {
            let mut raised = grant.actor().patient_event(self, AuditAction::AlertRaised, AuditOutcome::Success, patient);
            raised.resource_type = Some("Alert".to_owned());
            raised.resource_id = Some(alert.id.to_string());
            raised.detail = Some(alert.kind.as_str().to_owned());
            audit.push(raised);
        }
        self.store.insert_assessment(&assessment, alert.as_ref(), audit).await?;
        if let Some(session) = assessment.session_id {
            // MOAA/S and CADSS checkpoints change the session's discharge criteria.
            self.publish_session_change(ketaclinic_domain::ids::TreatmentSessionId(session));
        }
        self.propose_booster_if_relapsed(&assessment, Some(grant.actor().user_id)).await;
        Ok(assessment)
    }

    /// A patient's assessments in time order, optionally of one instrument.
    pub async fn assessments(&self, grant: &Granted<PatientRead>, patient: PatientId, instrument: Option<&str>) -> AppResult<Vec<Assessment>> {
        if let Some(id) = instrument
            && instruments::get(id).is_none()
        {
            return Err(ValidationErrors::one("instrument", "is not an instrument this clinic knows").into());
        }
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let list = self.standing_assessments(patient, instrument).await?;
        self.store.append_audit(vec![grant.actor().patient_event(self, AuditAction::AssessmentsRead, AuditOutcome::Success, patient)]).await?;
        Ok(list)
    }

    /// A patient's assessments without those marked entered in error: what outcomes,
    /// schedules, relapse checks and charts use.
    pub(crate) async fn standing_assessments(&self, patient: PatientId, instrument: Option<&str>) -> AppResult<Vec<Assessment>> {
        let list = self.store.assessments(patient, instrument).await?;
        let corrected = self.store.assessment_corrections(patient).await?;
        Ok(list.into_iter().filter(|a| !corrected.iter().any(|c| c.assessment_id == a.id)).collect())
    }

    /// Every assessment of a patient, each with its correction if it was entered in error
    /// (history hides nothing).
    pub async fn assessment_history(
        &self,
        grant: &Granted<PatientRead>,
        patient: PatientId,
        instrument: Option<&str>,
    ) -> AppResult<Vec<(Assessment, Option<AssessmentCorrection>)>> {
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let list = self.store.assessments(patient, instrument).await?;
        let corrected = self.store.assessment_corrections(patient).await?;
        self.store.append_audit(vec![grant.actor().patient_event(self, AuditAction::AssessmentsRead, AuditOutcome::Success, patient)]).await?;
        Ok(list
            .into_iter()
            .map(|a| {
                let c = corrected.iter().find(|c| c.assessment_id == a.id).cloned();
                (a, c)
            })
            .collect())
    }

    /// Marks an assessment entered in error, with the reason. The record stays; outcomes and
    /// charts leave it out. A corrected score is recorded as a new assessment.
    pub async fn mark_assessment_entered_in_error(
        &self,
        grant: &Granted<AssessmentRecord>,
        patient: PatientId,
        id: AssessmentId,
        reason: &str,
    ) -> AppResult<AssessmentCorrection> {
        let reason = ketaclinic_domain::record::ChangeReason::parse(reason).map_err(ValidationErrors::from)?;
        let list = self.store.assessments(patient, None).await?;
        if !list.iter().any(|a| a.id == id) {
            return Err(AppError::NotFound);
        }
        let correction = AssessmentCorrection { assessment_id: id, reason, by: grant.actor().user_id, at: self.now() };
        let mut event = grant.actor().patient_event(self, AuditAction::AssessmentRecorded, AuditOutcome::Success, patient);
        event.resource_type = Some("Assessment".to_owned());
        event.resource_id = Some(id.to_string());
        event.detail = Some("entered in error".to_owned());
        self.store.correct_assessment(&correction, event).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict("the assessment is already marked entered in error".to_owned()),
            other => other,
        })?;
        Ok(correction)
    }

    /// Baseline, latest, change, response, remission and relapse for one instrument. The
    /// baseline is the first assessment ever (the current course's first once courses exist).
    pub async fn outcome(&self, grant: &Granted<PatientRead>, patient: PatientId, instrument: &str) -> AppResult<Outcome> {
        let definition = instruments::get(instrument).ok_or_else(|| ValidationErrors::one("instrument", "is not an instrument this clinic knows"))?;
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let list = self.standing_assessments(patient, Some(definition.id)).await?;
        self.store.append_audit(vec![grant.actor().patient_event(self, AuditAction::OutcomesRead, AuditOutcome::Success, patient)]).await?;
        let points: Vec<Point> = list.iter().filter_map(|a| a.score.total.map(|total| Point { at: a.administered_at, total })).collect();
        Ok(outcome::outcome(&points, self.settings.remission.for_instrument(definition.id)))
    }
}
