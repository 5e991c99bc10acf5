//! Treatment courses (issue 5, item 2): a prescriber drafts a course under the modality's
//! current protocol (its dose rule and induction, or others within the protocol's validation),
//! signs it, and moves it through its phases with a reason; the clinical roles read it.
//!
//! Every write stores the course, its event and its audit event in one transaction. After the
//! write, the schedule of questionnaires learns of it through the treatment-event seam
//! ([`ketaclinic_domain::schedule::TreatmentEvent`]): signing starts a course (baseline
//! questionnaires become due, unless an approved eligibility decision already started one),
//! the review ends the induction, maintenance starts weekly questionnaires, and completing or
//! stopping ends the course. A failure there is logged, not returned: the course change is
//! stored and must not be re-sent.
//!
//! The end-of-induction review records the outcome of measurement-based care for one
//! instrument (PHQ-9 unless the prescriber names another) from the assessments not marked
//! entered in error, or "no measurements" — a course works without assessments.

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::course::{Course, CourseEvent, CourseEventKind, CoursePhase, CourseStatus, DoseRule, Induction, PhaseError, ReviewOutcome};
use ketaclinic_domain::ids::{CourseEventId, CourseId, PatientId};
use ketaclinic_domain::instruments;
use ketaclinic_domain::outcome::Point;
use ketaclinic_domain::record::ChangeReason;
use ketaclinic_domain::schedule::TreatmentEvent;

use crate::App;
use crate::actor::Actor;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{ClinicalRead, CourseManage};
use crate::protocols::modality_field;

/// The instrument of the end-of-induction review unless the prescriber names another.
pub const DEFAULT_REVIEW_INSTRUMENT: &str = "phq9";

/// A course as the prescriber drafts it: the modality, and a dose rule or induction series of
/// their own (absent: the protocol's).
#[derive(Debug, Clone)]
pub struct CourseInput {
    pub modality: String,
    pub dose: Option<DoseRule>,
    pub induction: Option<Induction>,
}

/// A course with its events, oldest first.
#[derive(Debug, Clone)]
pub struct CourseView {
    pub course: Course,
    pub events: Vec<CourseEvent>,
}

fn conflict(e: PhaseError) -> AppError {
    AppError::Conflict(e.to_string())
}

fn course_audit(app: &App, actor: &Actor, action: AuditAction, course: &Course, detail: String) -> ketaclinic_domain::audit::AuditEvent {
    let mut event = actor.patient_event(app, action, AuditOutcome::Success, course.patient_id);
    event.resource_type = Some("Course".to_owned());
    event.resource_id = Some(course.id.to_string());
    event.detail = Some(detail);
    event
}

impl App {
    /// Drafts a course for `patient` under the modality's current protocol. `Conflict` while
    /// the patient has a course that is neither completed nor stopped.
    pub async fn create_course(&self, grant: &Granted<CourseManage>, patient: PatientId, input: CourseInput) -> AppResult<Course> {
        let modality = modality_field(&input.modality)?;
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let protocol = self.protocol(modality).await?;
        let actor = grant.actor();
        let now = self.now();
        let course = Course::draft(CourseId(new_id()), patient, &protocol, input.dose, input.induction, actor.user_id, now)?;
        if self.store.patient_courses(patient).await?.iter().any(|c| !c.phase.is_finished()) {
            return Err(AppError::Conflict("the patient already has an open treatment course; complete or stop it first".to_owned()));
        }
        let event = CourseEvent { id: CourseEventId(new_id()), course_id: course.id, kind: CourseEventKind::Created, by: actor.user_id, at: now };
        let audit = course_audit(self, actor, AuditAction::CourseCreated, &course, format!("{} protocol v{}", modality.as_str(), protocol.version));
        self.store.insert_course(&course, &event, audit).await?;
        Ok(course)
    }

    /// Signs a draft: the course starts in induction.
    pub async fn sign_course(&self, grant: &Granted<CourseManage>, id: CourseId) -> AppResult<Course> {
        let course = self.store.course(id).await?.ok_or(AppError::NotFound)?;
        let actor = grant.actor();
        let now = self.now();
        let signed = course.sign(actor.user_id, now).map_err(conflict)?;
        let event = CourseEvent { id: CourseEventId(new_id()), course_id: id, kind: CourseEventKind::Signed, by: actor.user_id, at: now };
        let audit = course_audit(self, actor, AuditAction::CourseSigned, &signed, "signed".to_owned());
        self.store.update_course(&signed, (course.status, course.phase), &event, audit).await.map_err(changed_meanwhile)?;
        if let Err(e) = self.start_course_if_none(actor, signed.patient_id).await {
            tracing::warn!(error = %e, course = %id, "could not record the course start for the questionnaire schedule");
        }
        Ok(signed)
    }

    /// Moves a course to `phase` with `reason`. Entering the end-of-induction review records
    /// the outcome of `instrument` (default PHQ-9). Illegal moves and drafts are conflicts.
    pub async fn change_course_phase(
        &self,
        grant: &Granted<CourseManage>,
        id: CourseId,
        phase: &str,
        reason: &str,
        instrument: Option<&str>,
    ) -> AppResult<Course> {
        let mut errors = ValidationErrors::default();
        let to = errors.collect("phase", CoursePhase::parse(phase));
        let reason = errors.collect("reason", ChangeReason::parse(reason));
        let instrument = instrument.map(str::trim).filter(|i| !i.is_empty()).unwrap_or(DEFAULT_REVIEW_INSTRUMENT);
        let definition = instruments::get(instrument);
        if definition.is_none() {
            errors.0.push(ketaclinic_domain::FieldError::new("instrument", "is not an instrument this clinic knows"));
        }
        errors.clone().into_result()?;
        let (Some(to), Some(reason), Some(definition)) = (to, reason, definition) else { return Err(errors.into()) };
        let course = self.store.course(id).await?.ok_or(AppError::NotFound)?;
        let now = self.now();
        let review = if to == CoursePhase::EndOfInductionReview && course.status == CourseStatus::Signed && course.phase.can_move_to(to) {
            let list = self.standing_assessments(course.patient_id, Some(definition.id)).await?;
            let points: Vec<Point> = list.iter().filter_map(|a| a.score.total.map(|total| Point { at: a.administered_at, total })).collect();
            let start = course.signed_at.unwrap_or(course.created_at);
            Some(ReviewOutcome::of(definition.id, &points, start, now, self.settings.remission.for_instrument(definition.id)))
        } else {
            None
        };
        let actor = grant.actor();
        let (next, kind) = course.change_phase(to, reason, review, now).map_err(conflict)?;
        let event = CourseEvent { id: CourseEventId(new_id()), course_id: id, kind, by: actor.user_id, at: now };
        let audit = course_audit(self, actor, AuditAction::CoursePhaseChanged, &next, format!("{} -> {}", course.phase.as_str(), to.as_str()));
        self.store.update_course(&next, (course.status, course.phase), &event, audit).await.map_err(changed_meanwhile)?;
        let schedule = match to {
            CoursePhase::EndOfInductionReview => Some(TreatmentEvent::InductionEnded { at: now }),
            CoursePhase::Maintenance => Some(TreatmentEvent::MaintenanceStarted { at: now }),
            CoursePhase::Completed | CoursePhase::Stopped => Some(TreatmentEvent::CourseEnded { at: now }),
            CoursePhase::Induction => None,
        };
        // A draft that is stopped never started, so the schedule has nothing to end.
        if let Some(event) = schedule.filter(|_| course.status == CourseStatus::Signed)
            && let Err(e) = self.append_treatment_event(actor, next.patient_id, event).await
        {
            tracing::warn!(error = %e, course = %id, "could not record the phase change for the questionnaire schedule");
        }
        Ok(next)
    }

    /// A patient's courses, newest first (an audited clinical read).
    pub async fn patient_courses(&self, grant: &Granted<ClinicalRead>, patient: PatientId) -> AppResult<Vec<Course>> {
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let list = self.store.patient_courses(patient).await?;
        let mut event = grant.actor().patient_event(self, AuditAction::CoursesRead, AuditOutcome::Success, patient);
        event.detail = Some(format!("{} courses", list.len()));
        self.store.append_audit(vec![event]).await?;
        Ok(list)
    }

    /// One course with its events (an audited clinical read).
    pub async fn course(&self, grant: &Granted<ClinicalRead>, id: CourseId) -> AppResult<CourseView> {
        let course = self.store.course(id).await?.ok_or(AppError::NotFound)?;
        let events = self.store.course_events(id).await?;
        let event = course_audit(self, grant.actor(), AuditAction::CoursesRead, &course, "course".to_owned());
        self.store.append_audit(vec![event]).await?;
        Ok(CourseView { course, events })
    }
}

fn changed_meanwhile(e: ketaclinic_store::StoreError) -> AppError {
    match AppError::from(e) {
        AppError::Conflict(_) => AppError::Conflict("the course was changed by someone else meanwhile; reload it and try again".to_owned()),
        other => other,
    }
}

impl App {
    /// Checks the course a session is booked in: the patient's own, signed, unfinished, of the
    /// session's modality. Returns it for the session record.
    pub(crate) async fn session_course(
        &self,
        patient: PatientId,
        modality: ketaclinic_domain::eligibility::Modality,
        course: Option<CourseId>,
    ) -> AppResult<Option<CourseId>> {
        let Some(id) = course else { return Ok(None) };
        let course = self.store.course(id).await?.ok_or_else(|| ValidationErrors::one("course_id", "is not a treatment course"))?;
        if course.patient_id != patient {
            return Err(ValidationErrors::one("course_id", "is a course of another patient").into());
        }
        if course.modality != modality {
            return Err(ValidationErrors::one("course_id", format!("is a {} course, not {}", course.modality.as_str(), modality.as_str())).into());
        }
        if course.status != CourseStatus::Signed {
            return Err(AppError::Conflict("the course is a draft: a prescriber signs it before sessions are booked in it".to_owned()));
        }
        if course.phase.is_finished() {
            return Err(AppError::Conflict(format!("the course is {}: book the session in an open course", course.phase.as_str())));
        }
        Ok(Some(id))
    }
}
