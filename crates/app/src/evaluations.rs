//! Pre-treatment evaluations (structured document plus free text, signed by a prescriber),
//! the eligibility check, and the prescriber's eligibility decision per modality.
//!
//! An evaluation is a chart entry of kind `evaluation`. A draft may be edited (each save is a
//! new version); signing writes a signed version, after which the evaluation is locked: a
//! change is an *amendment*, a new unsigned version with a reason that must be signed again.
//! A decision is always made against a signed version and keeps the engine's result for that
//! version as evidence.

use ketaclinic_domain::FieldError;
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::chart::consent::{DecisionOutcome, Override};
use ketaclinic_domain::chart::evaluation::Signature;
use ketaclinic_domain::chart::{ChartBody, ChartEntry, ChartKind, EligibilityDecision, EvaluationRecord};
use ketaclinic_domain::eligibility::{Decision, EligibilityResult, Evaluation, Modality, check};
use ketaclinic_domain::ids::{ChartEntryId, PatientId};
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{ClinicalRead, ClinicalWrite, EligibilityDecide, EvaluationSign};

/// The free-text parts of an evaluation.
#[derive(Debug, Clone, Default)]
pub struct EvaluationNotes {
    pub psychiatric: Option<String>,
    pub medical: Option<String>,
}

/// What the prescriber decides.
#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub modality: Modality,
    pub evaluation_id: ChartEntryId,
    /// `approved` or `declined`.
    pub outcome: String,
    pub overrides: Vec<Override>,
    pub note: Option<String>,
}

/// The eligibility of a patient for one modality: the engine's result on the latest
/// evaluation, and the latest decision if any.
#[derive(Debug, Clone)]
pub struct EligibilityView {
    pub modality: Modality,
    /// The evaluation the result is computed from (the newest one), if any.
    pub evaluation: Option<ChartEntry>,
    pub result: Option<EligibilityResult>,
    /// The most recent decision for this modality.
    pub decision: Option<ChartEntry>,
    /// Whether the decision was made on the evaluation version shown (not an older one).
    pub decision_current: bool,
}

fn record_of(entry: &ChartEntry) -> AppResult<&EvaluationRecord> {
    match &entry.body {
        ChartBody::Evaluation(r) => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

impl App {
    /// Runs the eligibility engine with the clinic's policy (stateless; nothing stored).
    pub fn eligibility_result(&self, modality: Modality, evaluation: &Evaluation) -> AppResult<EligibilityResult> {
        check(modality, evaluation, &self.settings.eligibility)
            .map_err(|e| AppError::Invalid(ValidationErrors(e.0.into_iter().map(|f| FieldError::new(format!("evaluation.{}", f.field), f.message)).collect())))
    }

    /// The stateless check behind `POST /api/v1/eligibility/check`; the call is audited
    /// (it carries clinical data even though it names no patient).
    pub async fn check_eligibility(&self, grant: &Granted<ClinicalRead>, modality: Modality, evaluation: &Evaluation) -> AppResult<EligibilityResult> {
        let result = self.eligibility_result(modality, evaluation)?;
        let mut event = grant.actor().event(self, AuditAction::EligibilityChecked, AuditOutcome::Success);
        event.detail = Some(format!("{} -> {}", modality.as_str(), decision_name(result.decision)));
        self.store.append_audit(vec![event]).await?;
        Ok(result)
    }

    /// Starts an evaluation (an unsigned draft, version 1).
    pub async fn create_evaluation(
        &self,
        grant: &Granted<ClinicalWrite>,
        patient: PatientId,
        document: Evaluation,
        notes: &EvaluationNotes,
    ) -> AppResult<ChartEntry> {
        let record = EvaluationRecord::draft(document, notes.psychiatric.as_deref(), notes.medical.as_deref())?;
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        self.insert_entry(grant.actor(), Some(patient), ChartBody::Evaluation(Box::new(record))).await
    }

    /// Saves a new version of an evaluation: an edit of a draft, or an amendment of a signed
    /// one. Either way the new version is unsigned and says why it was written.
    pub async fn amend_evaluation(
        &self,
        grant: &Granted<ClinicalWrite>,
        id: ChartEntryId,
        expected: Version,
        document: Evaluation,
        notes: &EvaluationNotes,
        reason: &str,
    ) -> AppResult<ChartEntry> {
        let mut errors = ValidationErrors::default();
        let reason = errors.collect("reason", ChangeReason::parse(reason));
        let record = match EvaluationRecord::draft(document, notes.psychiatric.as_deref(), notes.medical.as_deref()) {
            Ok(r) => Some(r),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        errors.clone().into_result()?;
        let (Some(reason), Some(record)) = (reason, record) else { return Err(errors.into()) };
        let current = self.current_entry(id, expected).await?;
        record_of(&current)?;
        let revised = current.revised(ChartBody::Evaluation(Box::new(record)), RecordStatus::Active, reason, grant.actor().user_id, self.now());
        self.store_revision(grant.actor(), &revised).await?;
        Ok(revised)
    }

    /// Signs the current version of an evaluation, which locks it.
    pub async fn sign_evaluation(&self, grant: &Granted<EvaluationSign>, id: ChartEntryId, expected: Version) -> AppResult<ChartEntry> {
        let current = self.current_entry(id, expected).await?;
        let record = record_of(&current)?;
        if record.is_signed() {
            return Err(AppError::Conflict("this version is already signed".to_owned()));
        }
        if current.status != RecordStatus::Active {
            return Err(AppError::Conflict("an evaluation entered in error cannot be signed".to_owned()));
        }
        let actor = grant.actor();
        let signed = EvaluationRecord { signed: Some(Signature { by: actor.user_id, by_name: actor.display_name.clone(), at: self.now() }), ..record.clone() };
        let reason = ChangeReason::parse(&format!("signed by {}", actor.display_name)).map_err(ValidationErrors::from)?;
        let revised = current.revised(ChartBody::Evaluation(Box::new(signed)), RecordStatus::Active, reason, actor.user_id, self.now());
        self.store_revision(actor, &revised).await?;
        Ok(revised)
    }

    /// The eligibility for `modality` on the patient's newest evaluation, and the latest
    /// decision. The read is audited.
    pub async fn patient_eligibility(&self, grant: &Granted<ClinicalRead>, patient: PatientId, modality: Modality) -> AppResult<EligibilityView> {
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let entries = self.store.chart_entries(Some(patient), &[ChartKind::Evaluation, ChartKind::EligibilityDecision], false).await?;
        let evaluation = entries.iter().rev().find(|e| e.kind() == ChartKind::Evaluation).cloned();
        let decision = entries.iter().rev().find(|e| matches!(&e.body, ChartBody::EligibilityDecision(d) if d.modality == modality)).cloned();
        let result = match &evaluation {
            Some(e) => Some(self.eligibility_result(modality, &record_of(e)?.document)?),
            None => None,
        };
        let decision_current = match (&decision, &evaluation) {
            (Some(d), Some(e)) => matches!(&d.body, ChartBody::EligibilityDecision(d) if d.evaluation_id == e.id && d.evaluation_version == e.version),
            _ => false,
        };
        let mut event = grant.actor().patient_event(self, AuditAction::ChartRead, AuditOutcome::Success, patient);
        event.detail = Some(format!("eligibility {}", modality.as_str()));
        self.store.append_audit(vec![event]).await?;
        Ok(EligibilityView { modality, evaluation, result, decision, decision_current })
    }

    /// Records the prescriber's decision for one modality against a signed evaluation.
    /// Approving over a blocking finding needs a reason per finding; a label contraindication
    /// cannot be overridden.
    pub async fn decide_eligibility(&self, grant: &Granted<EligibilityDecide>, patient: PatientId, input: &DecisionInput) -> AppResult<ChartEntry> {
        let outcome = match input.outcome.as_str() {
            "approved" => DecisionOutcome::Approved,
            "declined" => DecisionOutcome::Declined,
            _ => return Err(ValidationErrors::one("outcome", "must be approved or declined").into()),
        };
        let note = crate::chart::optional_note("note", input.note.as_deref())?;
        let evaluation = self.store.chart_entry(input.evaluation_id).await?.ok_or_else(|| ValidationErrors::one("evaluation_id", "is not an evaluation"))?;
        if evaluation.patient_id != Some(patient) {
            return Err(ValidationErrors::one("evaluation_id", "is not an evaluation of this patient").into());
        }
        let record = record_of(&evaluation).map_err(|_| ValidationErrors::one("evaluation_id", "is not an evaluation"))?;
        if !record.is_signed() || evaluation.status != RecordStatus::Active {
            return Err(ValidationErrors::one("evaluation_id", "the evaluation must be signed before a decision is made on it").into());
        }
        let result = self.eligibility_result(input.modality, &record.document)?;
        let overrides = EligibilityDecision::check_overrides(input.modality, &result, outcome, &input.overrides)?;
        let decision = EligibilityDecision {
            modality: input.modality,
            evaluation_id: evaluation.id,
            evaluation_version: evaluation.version,
            result,
            outcome,
            overrides,
            note,
            decided_by: grant.actor().user_id,
            decided_at: self.now(),
        };
        let entry = self.insert_entry(grant.actor(), Some(patient), ChartBody::EligibilityDecision(Box::new(decision))).await?;
        // An approval starts a treatment course: its baseline questionnaires become due.
        if outcome == DecisionOutcome::Approved {
            self.start_course_if_none(grant.actor(), patient).await?;
        }
        Ok(entry)
    }
}

/// The wire name of a decision.
pub fn decision_name(decision: Decision) -> &'static str {
    match decision {
        Decision::Eligible => "eligible",
        Decision::EligibleWithCautions => "eligible_with_cautions",
        Decision::NotEligible => "not_eligible",
        Decision::Incomplete => "incomplete",
    }
}
