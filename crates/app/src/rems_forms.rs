//! The SPRAVATO REMS Patient Monitoring Form of an esketamine session and the queue of forms to
//! submit within 7 days (issue 5, item 7; REFERENCE §2.5–2.6).
//!
//! The form is built on every read from the session (events, readings, MOAA/S and CADSS on the
//! session), the chart (medication classes, REMS enrolment), the staff account that discharged
//! the patient and the clinic settings — so a correction anywhere shows on the form at once.
//! Only what the record cannot say is stored: the submission status, the REMS confirmation
//! number and date, and staff's serious-adverse-event answer.
//!
//! Why the queue needs no hook into discharge: it lists dosed esketamine sessions that are
//! discharged or stopped early, left-joined with their form row (no row = draft). A session
//! therefore appears the moment it closes, whichever path closed it, and a form row is written
//! only when staff change something.
//!
//! Permissions: reading the form and the queue is a clinical read (`clinical.read`); changing
//! the status or answers is a clinical write (`clinical.write`, nurses and prescribers — the
//! people who monitor the session and submit its form).

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::Date;
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::chart::entries::ClinicalStatus;
use ketaclinic_domain::chart::{ChartBody, ChartKind};
use ketaclinic_domain::eligibility::DrugClass;
use ketaclinic_domain::ids::TreatmentSessionId;
use ketaclinic_domain::patient::Patient;
use ketaclinic_domain::session::rems_form::{
    BuiltForm, FormInputs, HcpFacts, Missing, PatientFacts, RemsFormRecord, RemsFormStatus, SettingFacts, StaffAnswers, StatusError, build, check_transition,
    due_on,
};
use ketaclinic_domain::session::{Session, SessionEvent, SessionState};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{ClinicalRead, ClinicalWrite};
use crate::settings::PLACEHOLDER_CLINIC_NAME;

/// Most entries on one page of the queue.
pub const MAX_QUEUE: u32 = 100;
/// Longest REMS confirmation number accepted.
const CONFIRMATION_MAX: usize = 60;
/// Longest serious-adverse-event description.
const SAE_MAX: usize = 2_000;

/// A session's form with its submission status and deadline.
#[derive(Debug, Clone)]
pub struct RemsFormView {
    pub session: Session,
    pub patient: Patient,
    pub built: BuiltForm,
    pub status: RemsFormStatus,
    pub record: Option<RemsFormRecord>,
    pub deadline: Option<Deadline>,
}

/// The 7-day deadline of a form (REFERENCE §2.5), in clinic-local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub treatment_date: Date,
    pub due_on: Date,
    /// Days from today to the due date (negative once past).
    pub days_left: i64,
    /// Past the due date and not submitted.
    pub overdue: bool,
}

/// One entry of the queue.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub session_id: TreatmentSessionId,
    pub patient_id: ketaclinic_domain::ids::PatientId,
    pub patient_name: String,
    pub session_state: SessionState,
    pub first_dose_at: Timestamp,
    pub deadline: Deadline,
    pub status: RemsFormStatus,
    pub complete: bool,
    pub missing: Vec<Missing>,
    pub confirmation_number: Option<String>,
    pub submitted_on: Option<Date>,
}

/// Which forms the queue lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueFilter {
    /// Draft and ready: what still has to be submitted (the default).
    Open,
    All,
    Only(RemsFormStatus),
}

impl QueueFilter {
    /// Parses `open`, `all`, `draft`, `ready` or `submitted` (absent = `open`).
    pub fn parse(raw: Option<&str>) -> Result<Self, ValidationErrors> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None | Some("open") => Ok(Self::Open),
            Some("all") => Ok(Self::All),
            Some(other) => {
                RemsFormStatus::parse(other).map(Self::Only).ok_or_else(|| ValidationErrors::one("status", "must be open, all, draft, ready or submitted"))
            }
        }
    }

    fn statuses(self) -> Vec<RemsFormStatus> {
        match self {
            Self::Open => vec![RemsFormStatus::Draft, RemsFormStatus::Ready],
            Self::All => RemsFormStatus::ALL.to_vec(),
            Self::Only(s) => vec![s],
        }
    }
}

/// A status change refused because the form is not complete: the missing items (HTTP 409).
#[derive(Debug, Clone)]
pub struct IncompleteForm {
    pub missing: Vec<Missing>,
}

impl App {
    fn rems_today(&self) -> Date {
        self.now().to_zoned(self.settings.timezone.clone()).date()
    }

    fn deadline(&self, first_dose_at: Timestamp, status: RemsFormStatus) -> Deadline {
        let (treatment_date, due) = due_on(first_dose_at, &self.settings.timezone);
        let today = self.rems_today();
        let days_left = i64::from(today.until(due).map(|s| s.get_days()).unwrap_or(0));
        Deadline { treatment_date, due_on: due, days_left, overdue: status != RemsFormStatus::Submitted && today > due }
    }

    /// Builds a session's form from store data (no audit: the callers audit).
    async fn build_rems_form(&self, session: &Session, record: Option<&RemsFormRecord>) -> AppResult<(Patient, BuiltForm)> {
        let patient = self.store.patient(session.patient_id).await?.ok_or(AppError::NotFound)?;
        let events = self.store.session_events(session.id).await?;
        let vitals = self.store.vitals(session.id).await?;
        let on_session = |list: Vec<ketaclinic_domain::assessment::Assessment>| -> Vec<(Timestamp, u32)> {
            let mut v: Vec<(Timestamp, u32)> =
                list.into_iter().filter(|a| a.session_id == Some(session.id.0)).filter_map(|a| a.score.total.map(|t| (a.administered_at, t))).collect();
            v.sort_by_key(|(at, _)| *at);
            v
        };
        let moaas = on_session(self.standing_assessments(session.patient_id, Some("moaas")).await?);
        let cadss = on_session(self.standing_assessments(session.patient_id, Some("cadss")).await?);
        let first_dose =
            events.iter().filter(|e| matches!(e.event, SessionEvent::DeviceAdministered | SessionEvent::AdministrationStarted)).map(|e| e.at).min();
        let treated_on = first_dose.unwrap_or_else(|| self.now()).to_zoned(self.settings.timezone.clone()).date();
        let prior_treatments = self.store.esketamine_treatments_before(session.patient_id, first_dose.unwrap_or_else(|| self.now())).await?;

        let chart = self.store.chart_entries(Some(session.patient_id), &[ChartKind::Medication, ChartKind::RemsEnrollment], false).await?;
        let mut classes: BTreeSet<DrugClass> = BTreeSet::new();
        let mut rems_enrolled = false;
        for entry in &chart {
            match &entry.body {
                ChartBody::Medication(m) if m.status == ClinicalStatus::Active => classes.extend(m.classes.iter().copied()),
                ChartBody::RemsEnrollment(r) if r.enrolled_on <= treated_on => rems_enrolled = true,
                _ => {}
            }
        }

        // The HCP who conducted the monitoring: whoever ended it (discharge or early stop).
        let ended = events.iter().find(|e| matches!(e.event, SessionEvent::Discharged | SessionEvent::StoppedEarly));
        let hcp = match ended {
            Some(e) => match self.store.user_by_id(e.recorded_by).await? {
                Some(u) => HcpFacts {
                    display_name: u.display_name.as_str().to_owned(),
                    telephone: self.settings.clinic.phone.clone(),
                    email: u.email.as_str().to_owned(),
                },
                None => HcpFacts::default(),
            },
            None => HcpFacts { telephone: self.settings.clinic.phone.clone(), ..HcpFacts::default() },
        };
        let c = &self.settings.clinic;
        let setting = SettingFacts {
            name: if c.name == PLACEHOLDER_CLINIC_NAME { String::new() } else { c.name.clone() },
            address_1: c.address_1.clone(),
            address_2: c.address_2.clone(),
            city: c.city.clone(),
            state: c.state.clone(),
            zip: c.zip.clone(),
        };
        let ready_to_leave_at = events
            .iter()
            .find(|e| e.event == SessionEvent::Discharged)
            .and_then(|e| e.payload.get("ready_to_leave_at").and_then(serde_json::Value::as_str).and_then(|t| t.parse::<Timestamp>().ok()));
        let staff = record.map_or_else(StaffAnswers::default, |r| StaffAnswers {
            serious_adverse_event: r.serious_adverse_event,
            sae_description: r.sae_description.clone(),
        });
        let d = &patient.details;
        let built = build(&FormInputs {
            patient: PatientFacts {
                given_name: d.given_name.as_str().to_owned(),
                family_name: d.family_name.as_str().to_owned(),
                birth_date: d.birth_date.date(),
                sex: d.sex,
            },
            prior_treatments,
            rems_enrolled,
            medication_classes: &classes,
            hcp,
            setting,
            timezone: &self.settings.timezone,
            thresholds: &session.thresholds,
            events: &events,
            vitals: &vitals,
            moaas: &moaas,
            cadss: &cadss,
            ready_to_leave_at,
            staff,
        });
        Ok((patient, built))
    }

    /// The session and its form, for an esketamine session (409 otherwise).
    async fn form_view(&self, id: TreatmentSessionId) -> AppResult<RemsFormView> {
        let session = self.store.treatment_session(id).await?.ok_or(AppError::NotFound)?;
        if !session.modality.is_esketamine() {
            return Err(AppError::Conflict(format!(
                "the SPRAVATO REMS monitoring form belongs to esketamine sessions; this one is {}",
                session.modality.as_str()
            )));
        }
        let record = self.store.rems_form_record(id).await?;
        let (patient, built) = self.build_rems_form(&session, record.as_ref()).await?;
        let status = record.as_ref().map_or(RemsFormStatus::Draft, |r| r.status);
        let deadline = built.form.treatment.first_administration_at.map(|t| self.deadline(t, status));
        Ok(RemsFormView { session, patient, built, status, record, deadline })
    }

    /// The REMS monitoring form of an esketamine session (an audited clinical read).
    pub async fn rems_form(&self, grant: &Granted<ClinicalRead>, id: TreatmentSessionId) -> AppResult<RemsFormView> {
        let view = self.form_view(id).await?;
        let mut event = grant.actor().patient_event(self, AuditAction::RemsFormRead, AuditOutcome::Success, view.session.patient_id);
        event.resource_type = Some("Session".to_owned());
        event.resource_id = Some(id.to_string());
        self.store.append_audit(vec![event]).await?;
        Ok(view)
    }

    /// The queue of forms, by first dose (the most urgent first), after the keyset `after`;
    /// each entry says whether its form is complete. One audit event per patient listed.
    pub async fn rems_queue(
        &self,
        grant: &Granted<ClinicalRead>,
        filter: QueueFilter,
        after: Option<(Timestamp, TreatmentSessionId)>,
        limit: u32,
    ) -> AppResult<Vec<QueueEntry>> {
        let rows = self.store.rems_queue(&filter.statuses(), after, limit.clamp(1, MAX_QUEUE)).await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut audit = Vec::new();
        for row in rows {
            let status = row.status();
            let Some(session) = self.store.treatment_session(row.session_id).await? else { continue };
            let (_, built) = self.build_rems_form(&session, row.record.as_ref()).await?;
            let mut event = grant.actor().patient_event(self, AuditAction::RemsFormsListed, AuditOutcome::Success, row.patient_id);
            event.resource_type = Some("Session".to_owned());
            event.resource_id = Some(row.session_id.to_string());
            audit.push(event);
            out.push(QueueEntry {
                session_id: row.session_id,
                patient_id: row.patient_id,
                patient_name: format!("{} {}", row.given_name, row.family_name),
                session_state: row.state,
                first_dose_at: row.first_dose_at,
                deadline: self.deadline(row.first_dose_at, status),
                status,
                complete: built.complete(),
                missing: built.missing,
                confirmation_number: row.record.as_ref().and_then(|r| r.confirmation_number.clone()),
                submitted_on: row.record.as_ref().and_then(|r| r.submitted_on),
            });
        }
        if audit.is_empty() {
            audit.push(grant.actor().event(self, AuditAction::RemsFormsListed, AuditOutcome::Success));
        }
        self.store.append_audit(audit).await?;
        Ok(out)
    }

    /// Moves a form to `draft`, `ready` (complete only) or `submitted` (complete, with the
    /// REMS confirmation number and a submission date not in the future nor before the
    /// treatment). A submitted form is final (409). An incomplete form is refused with its
    /// missing items.
    pub async fn mark_rems_form(
        &self,
        grant: &Granted<ClinicalWrite>,
        id: TreatmentSessionId,
        status: &str,
        confirmation_number: Option<&str>,
        submitted_on: Option<Date>,
    ) -> AppResult<Result<RemsFormView, IncompleteForm>> {
        let mut errors = ValidationErrors::default();
        let to = RemsFormStatus::parse(status);
        if to.is_none() {
            errors.0.push(ketaclinic_domain::FieldError::new("status", "must be draft, ready or submitted"));
        }
        let number = confirmation_number.map(str::trim).filter(|c| !c.is_empty());
        if to == Some(RemsFormStatus::Submitted) {
            match number {
                None => errors.0.push(ketaclinic_domain::FieldError::new("confirmation_number", "is required: the REMS's confirmation of the submission")),
                Some(n) if n.chars().count() > CONFIRMATION_MAX => {
                    errors.0.push(ketaclinic_domain::FieldError::new("confirmation_number", format!("must be at most {CONFIRMATION_MAX} characters")));
                }
                Some(_) => {}
            }
            match submitted_on {
                None => errors.0.push(ketaclinic_domain::FieldError::new("submitted_on", "is required: the date the form was submitted")),
                Some(d) if d > self.rems_today() => errors.0.push(ketaclinic_domain::FieldError::new("submitted_on", "must not be in the future")),
                Some(_) => {}
            }
        } else if to.is_some() {
            if number.is_some() {
                errors.0.push(ketaclinic_domain::FieldError::new("confirmation_number", "is recorded with status submitted only"));
            }
            if submitted_on.is_some() {
                errors.0.push(ketaclinic_domain::FieldError::new("submitted_on", "is recorded with status submitted only"));
            }
        }
        errors.into_result()?;
        let Some(to) = to else { return Err(ValidationErrors::one("status", "must be draft, ready or submitted").into()) };
        let view = self.form_view(id).await?;
        if let (Some(d), Some(deadline)) = (submitted_on, view.deadline)
            && d < deadline.treatment_date
        {
            return Err(ValidationErrors::one("submitted_on", "must not be before the treatment date").into());
        }
        match check_transition(view.status, to, view.built.complete()) {
            Ok(()) => {}
            Err(StatusError::Incomplete) => return Ok(Err(IncompleteForm { missing: view.built.missing })),
            Err(e) => return Err(AppError::Conflict(e.to_string())),
        }
        let record = RemsFormRecord {
            session_id: id,
            status: to,
            confirmation_number: number.filter(|_| to == RemsFormStatus::Submitted).map(str::to_owned),
            submitted_on: submitted_on.filter(|_| to == RemsFormStatus::Submitted),
            serious_adverse_event: view.record.as_ref().and_then(|r| r.serious_adverse_event),
            sae_description: view.record.as_ref().and_then(|r| r.sae_description.clone()),
            changed_by: grant.actor().user_id,
            changed_at: self.now(),
        };
        self.save_form(grant, &view, record, format!("{} → {}", view.status.as_str(), to.as_str())).await
    }

    /// Records staff's answer to item 10 (serious adverse event) when the session's events do
    /// not establish it. Refused once submitted (409); a "yes" needs a description (422).
    pub async fn answer_rems_form(
        &self,
        grant: &Granted<ClinicalWrite>,
        id: TreatmentSessionId,
        serious_adverse_event: bool,
        description: Option<&str>,
    ) -> AppResult<Result<RemsFormView, IncompleteForm>> {
        let description = description.map(str::trim).filter(|d| !d.is_empty());
        if serious_adverse_event && description.is_none() {
            return Err(ValidationErrors::one("sae_description", "is required when a serious adverse event occurred").into());
        }
        if description.is_some_and(|d| d.chars().count() > SAE_MAX) {
            return Err(ValidationErrors::one("sae_description", format!("must be at most {SAE_MAX} characters")).into());
        }
        let view = self.form_view(id).await?;
        if view.status == RemsFormStatus::Submitted {
            return Err(AppError::Conflict(StatusError::Submitted.to_string()));
        }
        let record = RemsFormRecord {
            session_id: id,
            status: view.status,
            confirmation_number: None,
            submitted_on: None,
            serious_adverse_event: Some(serious_adverse_event),
            sae_description: description.map(str::to_owned),
            changed_by: grant.actor().user_id,
            changed_at: self.now(),
        };
        self.save_form(grant, &view, record, format!("serious adverse event: {}", if serious_adverse_event { "yes" } else { "no" })).await
    }

    async fn save_form(
        &self,
        grant: &Granted<ClinicalWrite>,
        view: &RemsFormView,
        record: RemsFormRecord,
        detail: String,
    ) -> AppResult<Result<RemsFormView, IncompleteForm>> {
        let mut audit = grant.actor().patient_event(self, AuditAction::RemsFormChanged, AuditOutcome::Success, view.session.patient_id);
        audit.resource_type = Some("Session".to_owned());
        audit.resource_id = Some(view.session.id.to_string());
        audit.detail = Some(detail);
        self.store.save_rems_form(&record, view.status, audit).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(m) => AppError::Conflict(format!("{m}; reload and try again")),
            other => other,
        })?;
        Ok(Ok(self.form_view(view.session.id).await?))
    }
}
