//! Pre-checks before dosing (issue 5): the facts come from the chart and the session, the
//! nurse attests what only the chair can see, a prescriber may override a failed check with a
//! reason, and completing them is the `prechecks_completed` event — with the full record of
//! every outcome, the attestations and the overrides as its payload. The rules are in
//! [`ketaclinic_domain::session::precheck`].

use jiff::Timestamp;
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::chart::consent::DecisionOutcome;
use ketaclinic_domain::chart::entries::Check;
use ketaclinic_domain::chart::{ChartBody, ChartKind, Escort};
use ketaclinic_domain::error::FieldError;
use ketaclinic_domain::ids::{TreatmentSessionId, UserId};
use ketaclinic_domain::record::RecordStatus;
use ketaclinic_domain::session::precheck::{
    Attestations, CheckResult, EligibilityState, EscortContact, FlaggedMedication, PrecheckFacts, PrecheckOverride, Pregnancy, REMS_CLASSES, evaluate, gate,
};
use ketaclinic_domain::session::{Session, SessionEvent, SessionEventRecord, SessionState, VitalReading};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::perm::{ClinicalRead, ClinicalWrite, PrecheckOverride as PrecheckOverridePerm};
use crate::permissions::{Granted, Permission, allows};

/// What the nurse sends (and a prescriber's overrides).
#[derive(Debug, Clone, Default)]
pub struct PrecheckInput {
    pub identity_confirmed: bool,
    /// Esketamine: no food for 2 h, no liquids for 30 min (ignored for IV/IM ketamine).
    pub fasting_confirmed: Option<bool>,
    /// The escort's name and phone.
    pub escort: Option<(String, String)>,
    pub medications_reviewed: bool,
    /// `not_pregnant` or `not_applicable`.
    pub pregnancy: Option<String>,
    /// `(check id, reason)` pairs.
    pub overrides: Vec<(String, String)>,
    /// When they were completed, if documented after the fact (default now).
    pub at: Option<Timestamp>,
}

/// The recorded completion.
#[derive(Debug, Clone)]
pub struct PrecheckCompletion {
    pub at: Timestamp,
    pub by: UserId,
    pub overrides: Vec<RecordedOverride>,
}

/// An override as recorded, with who gave it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RecordedOverride {
    pub check: String,
    pub reason: String,
    pub by: UserId,
    pub by_name: String,
}

/// The pre-checks of a session as they stand.
#[derive(Debug, Clone)]
pub struct PrecheckStatus {
    /// Every check in checklist order. Before completion the attestations are not known yet,
    /// so those checks show as failed ("not confirmed"); after it, they are the recorded ones.
    pub checks: Vec<CheckResult>,
    pub completed: Option<PrecheckCompletion>,
}

/// Pre-checks refused: the failed checks left without an override (HTTP 409).
#[derive(Debug, Clone)]
pub struct PrechecksRefused {
    pub unmet: Vec<CheckResult>,
}

fn parse_input(input: &PrecheckInput, ctx: &ketaclinic_domain::chart::entries::CheckContext) -> Result<Attestations, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let pregnancy = match input.pregnancy.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some("not_pregnant") => Some(Pregnancy::NotPregnant),
        Some("not_applicable") => Some(Pregnancy::NotApplicable),
        Some(_) => {
            errors.0.push(FieldError::new("pregnancy", "must be not_pregnant or not_applicable"));
            None
        }
    };
    let escort = match &input.escort {
        None => None,
        Some((name, phone)) => match (Escort { name: name.clone(), phone: phone.clone(), ..Escort::default() }).check(ctx) {
            Ok(e) => Some(EscortContact { name: e.name, phone: e.phone }),
            Err(e) => {
                errors.0.extend(e.0.into_iter().map(|f| FieldError::new(format!("escort.{}", f.field), f.message)));
                None
            }
        },
    };
    errors.into_result()?;
    Ok(Attestations {
        identity_confirmed: input.identity_confirmed,
        fasting_confirmed: input.fasting_confirmed.unwrap_or(false),
        escort,
        medications_reviewed: input.medications_reviewed,
        pregnancy,
    })
}

/// The recorded completion and its attestations, from the `prechecks_completed` event.
fn completion(events: &[SessionEventRecord]) -> Option<(PrecheckCompletion, Attestations)> {
    let e = events.iter().rev().find(|e| e.event == SessionEvent::PrechecksCompleted)?;
    let attestations = e.payload.get("attestations").and_then(|a| serde_json::from_value(a.clone()).ok()).unwrap_or_default();
    let overrides = e.payload.get("overrides").and_then(|o| serde_json::from_value(o.clone()).ok()).unwrap_or_default();
    Some((PrecheckCompletion { at: e.at, by: e.recorded_by, overrides }, attestations))
}

/// When pre-checks confirmed an escort (name and phone), for discharge's escort criterion.
pub(crate) fn precheck_escort_at(events: &[SessionEventRecord]) -> Option<Timestamp> {
    events
        .iter()
        .find(|e| e.event == SessionEvent::PrechecksCompleted && e.payload.pointer("/attestations/escort/phone").and_then(serde_json::Value::as_str).is_some())
        .map(|e| e.at)
}

impl App {
    /// The facts of the checks, from the chart and the session.
    async fn precheck_facts(
        &self,
        session: &Session,
        vitals: &[VitalReading],
        events: &[SessionEventRecord],
        attestations: Attestations,
    ) -> AppResult<PrecheckFacts> {
        let patient = session.patient_id;
        let consent = self.consent_status(patient, session.modality).await?;
        let entries = self.store.chart_entries(Some(patient), &[ChartKind::Evaluation, ChartKind::EligibilityDecision, ChartKind::Medication], false).await?;
        let evaluation = entries.iter().rev().find(|e| e.kind() == ChartKind::Evaluation && e.status == RecordStatus::Active);
        let decision = entries.iter().rev().find_map(|e| match &e.body {
            ChartBody::EligibilityDecision(d) if d.modality == session.modality && e.status == RecordStatus::Active => Some(d),
            _ => None,
        });
        let eligibility = match decision {
            None => EligibilityState::None,
            Some(d) if d.outcome == DecisionOutcome::Declined => EligibilityState::Declined,
            Some(d) if evaluation.is_some_and(|e| e.id == d.evaluation_id && e.version == d.evaluation_version) => EligibilityState::Approved,
            Some(_) => EligibilityState::ApprovedOnOlderEvaluation,
        };
        let mut flagged = Vec::new();
        for e in &entries {
            if let ChartBody::Medication(m) = &e.body
                && m.status == ketaclinic_domain::chart::entries::ClinicalStatus::Active
            {
                for class in m.classes.iter().filter(|c| REMS_CLASSES.contains(c)) {
                    flagged.push(FlaggedMedication { name: m.name.clone(), class: *class });
                }
            }
        }
        // Whether the protocol the session runs under asks for a PHQ-9 on the day.
        let phq9_required = self.session_protocol(session).await?.body.prechecks.pre_session_phq9;
        let phq9_today = if phq9_required {
            let today = self.now().to_zoned(self.settings.timezone.clone()).date();
            self.standing_assessments(patient, Some("phq9")).await?.iter().any(|a| a.administered_at.to_zoned(self.settings.timezone.clone()).date() == today)
        } else {
            false
        };
        let dosed = events.iter().find(|e| matches!(e.event, SessionEvent::AdministrationStarted | SessionEvent::DeviceAdministered)).map(|e| e.at);
        let pre_dose_bp = vitals
            .iter()
            .filter(|r| r.vitals.systolic.is_some() && r.vitals.diastolic.is_some() && dosed.is_none_or(|d| r.at < d))
            .max_by_key(|r| r.at)
            .map(|r| r.vitals);
        Ok(PrecheckFacts {
            esketamine: session.modality.is_esketamine(),
            attestations,
            consent_signed: consent.consent.is_some(),
            rems_enrolled: consent.rems_enrollment.is_some(),
            eligibility,
            flagged_medications: flagged,
            phq9_required,
            phq9_today,
            pre_dose_bp,
            thresholds: session.thresholds,
        })
    }

    /// The pre-checks of a session from what is already stored (unaudited: callers audit).
    pub(crate) async fn precheck_snapshot(&self, session: &Session, events: &[SessionEventRecord], vitals: &[VitalReading]) -> AppResult<PrecheckStatus> {
        let (completed, attestations) = match completion(events) {
            Some((c, a)) => (Some(c), a),
            None => (None, Attestations::default()),
        };
        let facts = self.precheck_facts(session, vitals, events, attestations).await?;
        Ok(PrecheckStatus { checks: evaluate(&facts), completed })
    }

    /// The pre-checks of a session now (an audited clinical read).
    pub async fn precheck_status(&self, grant: &Granted<ClinicalRead>, id: TreatmentSessionId) -> AppResult<PrecheckStatus> {
        let session = self.store.treatment_session(id).await?.ok_or(AppError::NotFound)?;
        let events = self.store.session_events(id).await?;
        let vitals = self.store.vitals(id).await?;
        let status = self.precheck_snapshot(&session, &events, &vitals).await?;
        let mut event = grant.actor().patient_event(
            self,
            ketaclinic_domain::audit::AuditAction::SessionRead,
            ketaclinic_domain::audit::AuditOutcome::Success,
            session.patient_id,
        );
        event.resource_type = Some("Session".to_owned());
        event.resource_id = Some(id.to_string());
        event.detail = Some("prechecks".to_owned());
        self.store.append_audit(vec![event]).await?;
        Ok(status)
    }

    /// Completes the pre-checks of a checked-in session: every check passes, or each failed one
    /// is overridden by a prescriber with a reason (identity, consent, REMS enrolment and the
    /// medication review cannot be). Otherwise refused with the unmet checks (409). On success
    /// the `prechecks_completed` event carries the full record and the session moves to
    /// `prechecks_done`.
    pub async fn complete_prechecks(
        &self,
        grant: &Granted<ClinicalWrite>,
        id: TreatmentSessionId,
        input: &PrecheckInput,
    ) -> AppResult<Result<Session, PrechecksRefused>> {
        let attestations = parse_input(input, &self.check_context())?;
        let session = self.store.treatment_session(id).await?.ok_or(AppError::NotFound)?;
        if session.state != SessionState::CheckedIn {
            return Err(AppError::Conflict(format!(
                "pre-checks are completed for a checked-in session, not one that is {}",
                serde_json::to_value(session.state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
            )));
        }
        let events = self.store.session_events(id).await?;
        let vitals = self.store.vitals(id).await?;
        let facts = self.precheck_facts(&session, &vitals, &events, attestations.clone()).await?;
        let results = evaluate(&facts);
        let (overrides, unmet) = gate(&results, &input.overrides)?;
        if !overrides.is_empty() && !allows(grant.actor().role, Permission::PrecheckOverride) {
            // Refused and audited as a denial: only a prescriber overrides.
            self.authorize::<PrecheckOverridePerm>(grant.actor()).await?;
        }
        if !unmet.is_empty() {
            return Ok(Err(PrechecksRefused { unmet }));
        }
        let actor = grant.actor();
        let recorded: Vec<RecordedOverride> = overrides
            .iter()
            .map(|PrecheckOverride { check, reason }| RecordedOverride {
                check: check.id().to_owned(),
                reason: reason.clone(),
                by: actor.user_id,
                by_name: actor.display_name.clone(),
            })
            .collect();
        let payload = serde_json::json!({
            "checks": results.iter().map(|r| serde_json::json!({
                "check": r.check.id(),
                "outcome": r.outcome.name(),
                "message": r.outcome.message(),
                "overridden": overrides.iter().any(|o| o.check == r.check),
            })).collect::<Vec<_>>(),
            "attestations": attestations,
            "overrides": recorded,
        });
        let done = self.append_session_event(grant, id, SessionEvent::PrechecksCompleted, input.at, payload).await?;
        Ok(Ok(done))
    }
}
