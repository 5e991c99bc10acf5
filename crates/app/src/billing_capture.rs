//! Charge capture from a discharged treatment session, and the estimate of a planned course
//! (issue 8 items 8–9).
//!
//! Capture reads the facts off what the session recorded, never off what was planned: an IV
//! infusion's running time from its `administration_started` / `_resumed` to `_paused` /
//! `_stopped` events (pauses excluded, whole minutes, rounded down so no unrecorded minute is
//! billed); a SPRAVATO dose as the sum of its `device_administered` doses (28 mg each); an IM
//! injection from its being given. The codes follow from the domain's capture rules
//! ([`ketaclinic_domain::billing::capture`]), priced from the current fee schedule and linked to
//! the patient's active ICD-10-CM diagnoses (primary first). Capturing twice is idempotent: the
//! second call returns the stored charges, priced as they were.

use jiff::Timestamp;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::billing::capture::{self, CaptureError, EsketamineFacts, InfusionFacts};
use ketaclinic_domain::billing::charge::{self, ChargeError, CodedService, Diagnoses, MAX_DIAGNOSES};
use ketaclinic_domain::billing::estimate::{Estimate, PlannedVisit};
use ketaclinic_domain::chart::codes::IcdCode;
use ketaclinic_domain::chart::entries::ClinicalStatus;
use ketaclinic_domain::chart::{ChartBody, ChartKind};
use ketaclinic_domain::course::{Course, DoseRule};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{ChargeId, CourseId, PatientId, TreatmentSessionId};
use ketaclinic_domain::session::{SessionEvent, SessionEventRecord, SessionState};
use ketaclinic_domain::{FieldError, ValidationErrors};
use ketaclinic_store::billing_port::{ChargeRecord, FeeScheduleVersion};

use crate::App;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{BillingManage, BillingRead};

/// The charges of a session and whether this call captured them.
#[derive(Debug, Clone)]
pub struct Captured {
    pub charges: Vec<ChargeRecord>,
    pub created: bool,
}

/// A course's estimate with the fee-schedule version it was priced from.
#[derive(Debug, Clone)]
pub struct CourseEstimate {
    pub course: Course,
    pub estimate: Estimate,
    pub fee_schedule_version: u32,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(ValidationErrors::one(field, message))
}

/// A pricing failure as a 422 that names the missing code.
fn charge_error(e: ChargeError) -> AppError {
    match e {
        ChargeError::NotInFeeSchedule { .. } => invalid("fee_schedule", e.to_string()),
        other => invalid("charges", other.to_string()),
    }
}

/// Minutes the infusion ran: the sum of its running stretches, rounded down.
pub(crate) fn infusion_minutes(events: &[SessionEventRecord]) -> u32 {
    let mut running_since: Option<Timestamp> = None;
    let mut seconds: i64 = 0;
    for e in events {
        match e.event {
            SessionEvent::AdministrationStarted | SessionEvent::AdministrationResumed => {
                running_since = running_since.or(Some(e.at));
            }
            SessionEvent::AdministrationPaused | SessionEvent::AdministrationStopped => {
                if let Some(from) = running_since.take() {
                    seconds = seconds.saturating_add(e.at.duration_since(from).as_secs().max(0));
                }
            }
            _ => {}
        }
    }
    u32::try_from(seconds / 60).unwrap_or(u32::MAX)
}

/// The SPRAVATO dose given: the sum of the devices' doses (each checked to be 28 mg on entry).
fn esketamine_dose_mg(events: &[SessionEventRecord]) -> u32 {
    let mg = events
        .iter()
        .filter(|e| e.event == SessionEvent::DeviceAdministered)
        .filter_map(|e| e.payload.get("dose_mg").and_then(serde_json::Value::as_u64))
        .fold(0u64, u64::saturating_add);
    u32::try_from(mg).unwrap_or(u32::MAX)
}

fn capture_failed(e: CaptureError) -> AppError {
    invalid("session", format!("{e}: the session recorded no billable administration"))
}

impl App {
    /// The patient's active, non-erroneous ICD-10-CM diagnoses, primary first; 422 when none.
    async fn charge_diagnoses(&self, patient: PatientId) -> AppResult<Diagnoses> {
        let entries = self.store.chart_entries(Some(patient), &[ChartKind::Diagnosis], false).await?;
        let mut active: Vec<(bool, IcdCode)> = entries
            .iter()
            .filter_map(|e| match &e.body {
                ChartBody::Diagnosis(d) if d.status == ClinicalStatus::Active => IcdCode::parse(&d.icd10cm).ok().map(|c| (d.primary, c)),
                _ => None,
            })
            .collect();
        active.sort_by_key(|(primary, _)| !primary);
        let mut codes: Vec<IcdCode> = Vec::new();
        for (_, code) in active {
            if !codes.contains(&code) && codes.len() < MAX_DIAGNOSES {
                codes.push(code);
            }
        }
        Diagnoses::new(codes).map_err(|_| {
            invalid(
                "diagnoses",
                "the patient's chart has no active ICD-10-CM diagnosis; a charge must be linked to one, so add the diagnosis to the chart first",
            )
        })
    }

    /// The current fee schedule, or 422 when no price was ever entered.
    async fn priced_by(&self) -> AppResult<FeeScheduleVersion> {
        self.store.current_fee_schedule().await?.ok_or_else(|| invalid("fee_schedule", "the clinic has no fee schedule yet; an admin enters the prices first"))
    }

    /// Captures the charges of a discharged session (see the module docs). 409 while the session
    /// is not discharged; 422 without a diagnosis, a fee schedule, a price for a code, or a
    /// recorded administration.
    pub async fn capture_session_charges(&self, grant: &Granted<BillingManage>, id: TreatmentSessionId) -> AppResult<Captured> {
        let session = self.store.treatment_session(id).await?.ok_or(AppError::NotFound)?;
        let existing = self.store.session_charges(id).await?;
        if !existing.is_empty() {
            return Ok(Captured { charges: existing, created: false });
        }
        if session.state != SessionState::Discharged {
            return Err(AppError::Conflict("charges are captured once the session is discharged".to_owned()));
        }
        let events = self.store.session_events(id).await?;
        let service_at = events
            .iter()
            .find(|e| matches!(e.event, SessionEvent::AdministrationStarted | SessionEvent::DeviceAdministered))
            .map(|e| e.at)
            .ok_or_else(|| invalid("session", "the session recorded no administration, so there is nothing to bill"))?;
        let services: Vec<CodedService> = match session.modality {
            Modality::IvKetamine => capture::iv_infusion(InfusionFacts { minutes: infusion_minutes(&events) }).map_err(capture_failed)?,
            Modality::ImKetamine => capture::im_injection(),
            Modality::EsketamineNasal => {
                let facts = EsketamineFacts { dose_mg: esketamine_dose_mg(&events), medicare: self.medicare(session.patient_id).await? };
                vec![capture::esketamine(facts).map_err(capture_failed)?]
            }
        };
        let diagnoses = self.charge_diagnoses(session.patient_id).await?;
        let fees = self.priced_by().await?;
        let priced = charge::charges(services, &fees.schedule, &diagnoses).map_err(charge_error)?;
        let actor = grant.actor();
        let now = self.now();
        let records: Vec<ChargeRecord> = priced
            .into_iter()
            .zip(1u32..)
            .map(|(charge, line)| ChargeRecord {
                id: ChargeId(new_id()),
                patient_id: session.patient_id,
                session_id: id,
                line,
                service_at,
                charge,
                fee_schedule_version: fees.version,
                captured_by: actor.user_id,
                captured_at: now,
            })
            .collect();
        let codes: Vec<String> = records.iter().map(|r| format!("{}×{}", r.charge.line().service().code, r.charge.line().service().units)).collect();
        let mut event = actor.patient_event(self, AuditAction::ChargesCaptured, AuditOutcome::Success, session.patient_id);
        event.resource_type = Some("TreatmentSession".to_owned());
        event.resource_id = Some(id.to_string());
        event.detail = Some(format!("{} (fee schedule v{})", codes.join(" "), fees.version));
        match self.store.insert_charges(&records, event).await {
            Ok(()) => Ok(Captured { charges: records, created: true }),
            // Another capture of the same session won the race: its charges are the answer.
            Err(ketaclinic_store::StoreError::Conflict(_)) => Ok(Captured { charges: self.store.session_charges(id).await?, created: false }),
            Err(e) => Err(e.into()),
        }
    }

    /// A session's captured charges, in line order (empty before capture).
    pub async fn session_charges(&self, grant: &Granted<BillingRead>, id: TreatmentSessionId) -> AppResult<Vec<ChargeRecord>> {
        let session = self.store.treatment_session(id).await?.ok_or(AppError::NotFound)?;
        let mut event = grant.actor().patient_event(self, AuditAction::BillingRead, AuditOutcome::Success, session.patient_id);
        event.detail = Some(format!("charges of session {id}"));
        self.store.append_audit(vec![event]).await?;
        Ok(self.store.session_charges(id).await?)
    }

    /// What a course's induction is expected to cost at today's prices: its planned sessions,
    /// coded by the same rules as a real session fed with the planned facts (the course's
    /// infusion time, its esketamine doses, Medicare's KX modifier). Maintenance is left out:
    /// its length is open until the end-of-induction review. 422 names a code without a price.
    pub async fn course_estimate(&self, grant: &Granted<BillingRead>, id: CourseId) -> AppResult<CourseEstimate> {
        let course = self.store.course(id).await?.ok_or(AppError::NotFound)?;
        let medicare = self.medicare(course.patient_id).await?;
        let plan = induction_plan(&course, medicare)?;
        let fees = self.priced_by().await?;
        let estimate = Estimate::new(&plan, &fees.schedule).map_err(charge_error)?;
        let mut event = grant.actor().patient_event(self, AuditAction::BillingRead, AuditOutcome::Success, course.patient_id);
        event.detail = Some(format!("estimate of course {id}"));
        self.store.append_audit(vec![event]).await?;
        Ok(CourseEstimate { course, estimate, fee_schedule_version: fees.version })
    }
}

/// The planned visits of a course's induction.
fn induction_plan(course: &Course, medicare: bool) -> AppResult<Vec<PlannedVisit>> {
    let Some(sessions) = std::num::NonZeroU32::new(course.induction.sessions) else { return Ok(Vec::new()) };
    let visit = |label: &str, services: Vec<CodedService>, count| PlannedVisit { label: label.to_owned(), services, count };
    let unplannable = || AppError::Invalid(ValidationErrors::from(FieldError::new("course", "the course's dose rule does not fit its modality")));
    Ok(match (course.modality, &course.dose) {
        (Modality::IvKetamine, DoseRule::WeightBased { infusion_minutes: Some(minutes), .. }) => {
            let services = capture::iv_infusion(InfusionFacts { minutes: *minutes }).map_err(|_| unplannable())?;
            vec![visit("Induction infusion", services, sessions)]
        }
        (Modality::ImKetamine, DoseRule::WeightBased { .. }) => vec![visit("Induction injection", capture::im_injection(), sessions)],
        (Modality::EsketamineNasal, DoseRule::Fixed { first_dose_mg, dose_mg }) => {
            let code = |dose_mg| capture::esketamine(EsketamineFacts { dose_mg, medicare }).map_err(|_| unplannable());
            let mut plan = vec![visit("First induction session", vec![code(*first_dose_mg)?], std::num::NonZeroU32::MIN)];
            if let Some(rest) = std::num::NonZeroU32::new(sessions.get().saturating_sub(1)) {
                plan.push(visit("Induction session", vec![code(*dose_mg)?], rest));
            }
            plan
        }
        _ => return Err(unplannable()),
    })
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use ketaclinic_domain::ids::{SessionEventId, TreatmentSessionId, UserId};
    use ketaclinic_domain::session::{SessionEvent, SessionEventRecord};
    use uuid::Uuid;

    use super::infusion_minutes;

    fn at(event: SessionEvent, second: i64) -> SessionEventRecord {
        SessionEventRecord {
            id: SessionEventId(Uuid::nil()),
            session_id: TreatmentSessionId(Uuid::nil()),
            event,
            at: Timestamp::from_second(1_790_000_000 + second).unwrap_or(Timestamp::UNIX_EPOCH),
            payload: serde_json::Value::Null,
            recorded_by: UserId(Uuid::nil()),
            recorded_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn pauses_are_excluded_and_partial_minutes_dropped() {
        use SessionEvent as E;
        let run = [at(E::AdministrationStarted, 0), at(E::AdministrationPaused, 600), at(E::AdministrationResumed, 900), at(E::AdministrationStopped, 2_159)];
        assert_eq!(infusion_minutes(&run), 30, "10 min + 20 min 59 s, the pause left out");
        assert_eq!(infusion_minutes(&[at(E::AdministrationStarted, 0)]), 0, "a run never stopped bills nothing");
        assert_eq!(infusion_minutes(&[at(E::AdministrationStarted, 0), at(E::AdministrationStopped, 91 * 60)]), 91);
    }
}
