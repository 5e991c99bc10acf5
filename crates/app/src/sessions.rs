//! Treatment sessions in the chair (issue 5, first slice): create a session, record its
//! events (state machine in [`ketaclinic_domain::session::state`], events may be documented
//! after the fact), and ingest vital signs with threshold alerts. Discharge criteria, the REMS
//! form and the chair board build on this.

use jiff::{SignedDuration, Timestamp};
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::error::FieldError;
use ketaclinic_domain::ids::{PatientId, SessionAlertId, SessionEventId, TreatmentSessionId};
use ketaclinic_domain::schedule::TreatmentEvent;
use ketaclinic_domain::session::checkpoint::{CheckpointFacts, NextCheckpoint, next_checkpoint};
use ketaclinic_domain::session::discharge::{Criterion, DischargeCheck, DischargeFacts, evaluate};
use ketaclinic_domain::session::state::{apply, replay};
use ketaclinic_domain::session::{Session, SessionAlert, SessionEvent, SessionEventRecord, SessionState, Thresholds, VitalAlert, VitalReading, Vitals};

use crate::App;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{ClinicalRead, ClinicalWrite};

/// Clock skew tolerated on event and reading times.
const FUTURE_TOLERANCE: SignedDuration = SignedDuration::from_mins(5);
/// Most readings in one batch.
pub const MAX_READINGS: usize = 1_000;
/// Side effects the issue lists (issue 5, item 4).
pub const SIDE_EFFECTS: [&str; 13] = [
    "nausea",
    "vomiting",
    "headache",
    "dizziness",
    "anxiety",
    "dysphoria",
    "hypertension",
    "tachycardia",
    "sedation",
    "dissociation",
    "perceptual_changes",
    "respiratory_depression",
    "emergence_reaction",
];

/// What a vitals batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VitalsReceipt {
    pub accepted: u32,
    pub duplicates: u32,
    /// Alerts of the new readings, as stored (with their ids).
    pub alerts: Vec<SessionAlert>,
}

/// A session with its timeline, readings, alerts and discharge criteria.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub session: Session,
    pub events: Vec<SessionEventRecord>,
    pub vitals: Vec<VitalReading>,
    /// The stored alerts with their acknowledgements, in reading-time order.
    pub alerts: Vec<SessionAlert>,
    pub discharge: DischargeCheck,
    /// The pre-checks as they stand (recorded attestations once completed).
    pub prechecks: crate::session_prechecks::PrecheckStatus,
    /// The next observation due (BP, MOAA/S, CADSS), none once closed or before check-in.
    pub next_checkpoint: Option<NextCheckpoint>,
}

/// A session's MOAA/S and CADSS totals, each `(time, total)` in time order.
type Scores = (Vec<(Timestamp, u32)>, Vec<(Timestamp, u32)>);

/// A session's live state (see [`App::session_live`]).
#[derive(Debug, Clone)]
pub(crate) struct LiveSession {
    pub session: Session,
    pub events: Vec<SessionEventRecord>,
    pub vitals: Vec<VitalReading>,
    pub alerts: Vec<SessionAlert>,
    pub discharge: DischargeCheck,
    pub next_checkpoint: Option<NextCheckpoint>,
}

/// A refused discharge: the criteria as they stand, and whether an override could help.
#[derive(Debug, Clone)]
pub struct DischargeRefused {
    pub check: DischargeCheck,
    /// The unmet criteria include esketamine's label minimum, which no override shortens.
    pub label_minimum: bool,
}

fn alert_message(code: VitalAlert, v: &Vitals, t: &Thresholds) -> String {
    let bp = || format!("{}/{}", v.systolic.map_or("–".to_owned(), |s| s.to_string()), v.diastolic.map_or("–".to_owned(), |d| d.to_string()));
    match code {
        VitalAlert::BpHigh => format!("BP {} above {}/{}", bp(), t.alert_systolic, t.alert_diastolic),
        VitalAlert::HrHigh => format!("HR {} above {}", v.heart_rate.unwrap_or(0), t.alert_hr_high),
        VitalAlert::HrLow => format!("HR {} below {}", v.heart_rate.unwrap_or(0), t.alert_hr_low),
        VitalAlert::Spo2Low => format!("SpO2 {} % below {} %", v.spo2.unwrap_or(0), t.alert_spo2_low),
        VitalAlert::RrLow => format!("RR {} below {}", v.resp_rate.unwrap_or(0), t.alert_rr_low),
    }
}

/// The alerts one reading raises, ready to be stored with it.
fn alerts_of(session: &Session, r: &VitalReading, raised_at: Timestamp) -> Vec<SessionAlert> {
    let t = &session.thresholds;
    t.alerts(&r.vitals)
        .into_iter()
        .map(|code| SessionAlert {
            id: SessionAlertId(new_id()),
            session_id: session.id,
            code,
            message: alert_message(code, &r.vitals, t),
            at: r.at,
            device_id: r.device_id.clone(),
            raised_at,
            acknowledgement: None,
        })
        .collect()
}

/// Checks one reading's values against physiologic ranges (a typing or device error, not a
/// clinical judgement).
fn check_reading(i: usize, r: &VitalReading, latest: Timestamp, errors: &mut ValidationErrors) {
    let v = &r.vitals;
    let field = |name: &str| format!("readings[{i}].{name}");
    let ranges = [
        ("systolic", v.systolic, 40, 300),
        ("diastolic", v.diastolic, 20, 200),
        ("heart_rate", v.heart_rate, 20, 250),
        ("spo2", v.spo2, 50, 100),
        ("resp_rate", v.resp_rate, 2, 60),
    ];
    if ranges.iter().all(|(_, value, _, _)| value.is_none()) {
        errors.0.push(FieldError::new(format!("readings[{i}]"), "has no value"));
    }
    for (name, value, min, max) in ranges {
        if value.is_some_and(|x| !(min..=max).contains(&x)) {
            errors.0.push(FieldError::new(field(name), format!("must be between {min} and {max}")));
        }
    }
    if r.at > latest {
        errors.0.push(FieldError::new(field("at"), "must not be in the future"));
    }
    if r.device_id.trim().is_empty() || r.device_id.chars().count() > 64 {
        errors.0.push(FieldError::new(field("device_id"), "must be 1–64 characters"));
    }
}

/// Checks an event's payload; returns it with any warning added.
fn check_payload(
    event: SessionEvent,
    mut payload: serde_json::Value,
    previous_devices: &[Timestamp],
    at: Timestamp,
) -> Result<serde_json::Value, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let text = |p: &serde_json::Value, k: &str| p.get(k).and_then(serde_json::Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    match event {
        SessionEvent::AdministrationStarted if !payload.get("dose_mg").and_then(serde_json::Value::as_f64).is_some_and(|d| d > 0.0 && d <= 1000.0) => {
            errors.0.push(FieldError::new("dose_mg", "is required: the dose in mg (0–1000)"));
        }
        SessionEvent::RateChanged if !payload.get("rate_ml_per_hour").and_then(serde_json::Value::as_f64).is_some_and(|r| r > 0.0 && r <= 2000.0) => {
            errors.0.push(FieldError::new("rate_ml_per_hour", "is required: the new rate in mL/h (0–2000)"));
        }
        SessionEvent::DeviceAdministered => {
            if payload.get("dose_mg").and_then(serde_json::Value::as_u64) != Some(28) {
                errors.0.push(FieldError::new("dose_mg", "must be 28 (one esketamine device)"));
            }
            // Devices are 5 minutes apart (REFERENCE §2.2): a shorter gap is recorded with a warning.
            if previous_devices.iter().any(|p| at.duration_since(*p).abs() < SignedDuration::from_mins(5))
                && let Some(map) = payload.as_object_mut()
            {
                map.insert("warning".to_owned(), serde_json::Value::from("device_spacing_under_5_min"));
            }
        }
        SessionEvent::SideEffect => {
            if !text(&payload, "effect").is_some_and(|e| SIDE_EFFECTS.contains(&e.as_str())) {
                errors.0.push(FieldError::new("effect", format!("must be one of {}", SIDE_EFFECTS.join(", "))));
            }
            if !text(&payload, "severity").is_some_and(|s| ["mild", "moderate", "severe"].contains(&s.as_str())) {
                errors.0.push(FieldError::new("severity", "must be mild, moderate or severe"));
            }
        }
        SessionEvent::Note if text(&payload, "text").is_none() => {
            errors.0.push(FieldError::new("text", "is required"));
        }
        SessionEvent::StoppedEarly if text(&payload, "reason").is_none() => {
            errors.0.push(FieldError::new("reason", "must say why the session stopped early"));
        }
        _ => {}
    }
    errors.into_result().map(|()| payload)
}

impl App {
    /// Books a session for a patient (state `scheduled`), in one of their signed courses of the
    /// same modality when `course` is given, with the thresholds of the modality's current
    /// protocol (its version is recorded on the session).
    pub async fn create_session(
        &self,
        grant: &Granted<ClinicalWrite>,
        patient: PatientId,
        modality: &str,
        course: Option<ketaclinic_domain::ids::CourseId>,
        chair: Option<&str>,
    ) -> AppResult<Session> {
        let modality = Modality::parse(modality).map_err(ValidationErrors::from)?;
        let chair = chair.map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
        if chair.as_ref().is_some_and(|c| c.chars().count() > 40) {
            return Err(ValidationErrors::one("chair", "must be at most 40 characters").into());
        }
        let course_id = self.session_course(patient, modality, course).await?;
        let protocol = self.protocol(modality).await?;
        let now = self.now();
        let session = Session {
            id: TreatmentSessionId(new_id()),
            patient_id: patient,
            modality,
            chair,
            state: SessionState::Scheduled,
            thresholds: protocol.body.thresholds,
            course_id,
            protocol_version: protocol.version,
            created_by: grant.actor().user_id,
            created_at: now,
            updated_at: now,
        };
        let mut event = grant.actor().patient_event(self, AuditAction::SessionCreated, AuditOutcome::Success, patient);
        event.resource_type = Some("Session".to_owned());
        event.resource_id = Some(session.id.to_string());
        event.detail = Some(modality.as_str().to_owned());
        self.store.insert_treatment_session(&session, event).await?;
        self.publish_session_change(session.id);
        Ok(session)
    }

    /// Records an event (`at` defaults to now and may be earlier). An event that does not fit
    /// the session's history in time order is a conflict (409) naming the state.
    pub async fn record_session_event(
        &self,
        grant: &Granted<ClinicalWrite>,
        id: TreatmentSessionId,
        kind: &str,
        at: Option<Timestamp>,
        payload: serde_json::Value,
    ) -> AppResult<Session> {
        let event: SessionEvent =
            serde_json::from_value(serde_json::Value::String(kind.to_owned())).map_err(|_| ValidationErrors::one("type", "is not a session event type"))?;
        if event == SessionEvent::Discharged {
            return Err(ValidationErrors::one("type", "discharge through POST /api/v1/sessions/{id}/discharge, which checks the criteria").into());
        }
        if event == SessionEvent::PrechecksCompleted {
            return Err(ValidationErrors::one("type", "complete pre-checks through POST /api/v1/sessions/{id}/prechecks, which evaluates them").into());
        }
        self.append_session_event(grant, id, event, at, payload).await
    }

    pub(crate) async fn append_session_event(
        &self,
        grant: &Granted<ClinicalWrite>,
        id: TreatmentSessionId,
        event: SessionEvent,
        at: Option<Timestamp>,
        payload: serde_json::Value,
    ) -> AppResult<Session> {
        let kind = serde_json::to_value(event).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        let now = self.now();
        let at = at.map_or(now, |t| Timestamp::from_microsecond(t.as_microsecond()).unwrap_or(t));
        if at > now.saturating_add(FUTURE_TOLERANCE).unwrap_or(now) {
            return Err(ValidationErrors::one("at", "must not be in the future").into());
        }
        let session = self.store.treatment_session(id).await?.ok_or(AppError::NotFound)?;
        let history = self.store.session_events(id).await?;
        let devices: Vec<Timestamp> = history.iter().filter(|e| e.event == SessionEvent::DeviceAdministered).map(|e| e.at).collect();
        let payload = check_payload(event, payload, &devices, at)?;
        let mut timeline: Vec<(Timestamp, SessionEvent)> = history.iter().map(|e| (e.at, e.event)).collect();
        timeline.push((at, event));
        let next = if history.last().is_none_or(|last| at >= last.at) {
            apply(session.state, event).map_err(|e| AppError::Conflict(e.to_string()))?
        } else {
            replay(&timeline).map_err(|(_, e)| AppError::Conflict(format!("documented at that time, {e}")))?
        };
        let record =
            SessionEventRecord { id: SessionEventId(new_id()), session_id: id, event, at, payload, recorded_by: grant.actor().user_id, recorded_at: now };
        let mut audit = grant.actor().patient_event(self, AuditAction::SessionEventRecorded, AuditOutcome::Success, session.patient_id);
        audit.resource_type = Some("Session".to_owned());
        audit.resource_id = Some(id.to_string());
        audit.detail = Some(kind);
        self.store.append_session_event(&record, session.state, next, audit).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict("the session changed meanwhile; reload and try again".to_owned()),
            other => other,
        })?;
        self.publish_session_change(id);
        // The schedule learns about the session (post-session questionnaires).
        if next == SessionState::Discharged {
            self.append_treatment_event(
                grant.actor(),
                session.patient_id,
                TreatmentEvent::SessionCompleted { at, first_of_induction: false, last_of_induction: false },
            )
            .await?;
        }
        Ok(Session { state: next, updated_at: now, ..session })
    }

    /// Ingests vital signs (idempotent on session, device and time; any order). Alerts are
    /// computed for the new readings from the session's thresholds.
    pub async fn record_vitals(&self, grant: &Granted<ClinicalWrite>, id: TreatmentSessionId, readings: Vec<VitalReading>) -> AppResult<VitalsReceipt> {
        if readings.is_empty() || readings.len() > MAX_READINGS {
            return Err(ValidationErrors::one("readings", format!("must hold 1 to {MAX_READINGS} readings")).into());
        }
        let now = self.now();
        let latest = now.saturating_add(FUTURE_TOLERANCE).unwrap_or(now);
        let mut errors = ValidationErrors::default();
        for (i, r) in readings.iter().enumerate() {
            check_reading(i, r, latest, &mut errors);
        }
        errors.into_result()?;
        let readings: Vec<VitalReading> = readings
            .into_iter()
            .map(|r| VitalReading {
                at: Timestamp::from_microsecond(r.at.as_microsecond()).unwrap_or(r.at),
                device_id: r.device_id.trim().to_owned(),
                vitals: r.vitals,
            })
            .collect();
        let session = self.store.treatment_session(id).await?.ok_or(AppError::NotFound)?;
        let mut audit = grant.actor().patient_event(self, AuditAction::VitalsRecorded, AuditOutcome::Success, session.patient_id);
        audit.resource_type = Some("Session".to_owned());
        audit.resource_id = Some(id.to_string());
        audit.detail = Some(format!("{} readings", readings.len()));
        let readings: Vec<(VitalReading, Vec<SessionAlert>)> = readings
            .into_iter()
            .map(|r| {
                let alerts = alerts_of(&session, &r, now);
                (r, alerts)
            })
            .collect();
        let new = self.store.insert_vitals(id, &readings, now, audit).await?;
        self.publish_session_change(id);
        let accepted = u32::try_from(new.iter().filter(|n| **n).count()).unwrap_or(u32::MAX);
        let duplicates = u32::try_from(new.len()).unwrap_or(u32::MAX).saturating_sub(accepted);
        let alerts = readings.into_iter().zip(&new).filter(|(_, n)| **n).flat_map(|((_, alerts), _)| alerts).collect();
        Ok(VitalsReceipt { accepted, duplicates, alerts })
    }

    /// A session with its timeline, readings and alerts (an audited clinical read).
    pub async fn session_view(&self, grant: &Granted<ClinicalRead>, id: TreatmentSessionId) -> AppResult<SessionView> {
        let view = self.session_snapshot(id).await?;
        let mut event = grant.actor().patient_event(self, AuditAction::SessionRead, AuditOutcome::Success, view.session.patient_id);
        event.resource_type = Some("Session".to_owned());
        event.resource_id = Some(id.to_string());
        self.store.append_audit(vec![event]).await?;
        Ok(view)
    }

    /// A session as it stands, unaudited: the callers audit (the session read above, the chair
    /// board once per viewing).
    pub(crate) async fn session_snapshot(&self, id: TreatmentSessionId) -> AppResult<SessionView> {
        let live = self.session_live(id).await?;
        let prechecks = self.precheck_snapshot(&live.session, &live.events, &live.vitals).await?;
        let LiveSession { session, events, vitals, alerts, discharge, next_checkpoint } = live;
        Ok(SessionView { session, events, vitals, alerts, discharge, prechecks, next_checkpoint })
    }

    /// What changes in the chair — everything of [`SessionView`] but the pre-checks, whose
    /// chart reads (consent, REMS, eligibility, medications) the chair board does not need on
    /// every reading.
    pub(crate) async fn session_live(&self, id: TreatmentSessionId) -> AppResult<LiveSession> {
        let session = self.store.treatment_session(id).await?.ok_or(AppError::NotFound)?;
        let events = self.store.session_events(id).await?;
        let vitals = self.store.vitals(id).await?;
        let alerts = self.store.session_alerts(id).await?;
        let scores = self.session_scores(&session).await?;
        let minimum = self.session_min_observation(&session).await?;
        let discharge = self.discharge_check_with(&session, &events, &vitals, &scores, minimum);
        let next_checkpoint = self.next_checkpoint(&session, &events, &vitals, &discharge, &scores);
        Ok(LiveSession { session, events, vitals, alerts, discharge, next_checkpoint })
    }

    /// The session's MOAA/S and CADSS totals (time, total), not entered in error.
    async fn session_scores(&self, session: &Session) -> AppResult<Scores> {
        let on_session = |list: Vec<ketaclinic_domain::assessment::Assessment>| -> Vec<(Timestamp, u32)> {
            list.into_iter().filter(|a| a.session_id == Some(session.id.0)).filter_map(|a| a.score.total.map(|t| (a.administered_at, t))).collect()
        };
        let moaas = on_session(self.standing_assessments(session.patient_id, Some("moaas")).await?);
        let cadss = on_session(self.standing_assessments(session.patient_id, Some("cadss")).await?);
        Ok((moaas, cadss))
    }

    /// The next observation due (REFERENCE §2.4, §4.1, §4.4; rules in the domain).
    fn next_checkpoint(
        &self,
        session: &Session,
        events: &[SessionEventRecord],
        vitals: &[VitalReading],
        discharge: &DischargeCheck,
        (moaas, cadss): &Scores,
    ) -> Option<NextCheckpoint> {
        let first = |kind: SessionEvent| events.iter().find(|e| e.event == kind).map(|e| e.at);
        let started = if session.modality.is_esketamine() {
            first(SessionEvent::DeviceAdministered).or(first(SessionEvent::AdministrationStarted))
        } else {
            [first(SessionEvent::AdministrationStarted), first(SessionEvent::DeviceAdministered)].into_iter().flatten().min()
        };
        let facts = CheckpointFacts {
            esketamine: session.modality.is_esketamine(),
            checked_in_at: first(SessionEvent::CheckedIn),
            dosing_started_at: started,
            administration_stopped_at: events.iter().rev().find(|e| e.event == SessionEvent::AdministrationStopped).map(|e| e.at),
            minimum_until: discharge.minimum_until,
            closed: session.state.is_closed(),
            bp_readings: vitals.iter().filter(|r| r.vitals.systolic.is_some() || r.vitals.diastolic.is_some()).map(|r| r.at).collect(),
            moaas: moaas.iter().map(|(t, _)| *t).collect(),
            cadss: cadss.iter().map(|(t, _)| *t).collect(),
        };
        next_checkpoint(&facts, self.now())
    }

    /// The discharge criteria of a session now, from its events, readings and the MOAA/S and
    /// CADSS assessments recorded on it.
    async fn discharge_check(&self, session: &Session, events: &[SessionEventRecord], vitals: &[VitalReading]) -> AppResult<DischargeCheck> {
        let scores = self.session_scores(session).await?;
        let minimum = self.session_min_observation(session).await?;
        Ok(self.discharge_check_with(session, events, vitals, &scores, minimum))
    }

    /// IV/IM ketamine's observation after the stop, from the protocol version the session ran
    /// under (a later revision does not change a session's rules). Esketamine's label minimum is
    /// not the protocol's to set (the discharge rules hold it).
    async fn session_min_observation(&self, session: &Session) -> AppResult<SignedDuration> {
        let protocol = self.session_protocol(session).await?;
        Ok(SignedDuration::from_mins(i64::from(protocol.body.min_observation_minutes)))
    }

    fn discharge_check_with(
        &self,
        session: &Session,
        events: &[SessionEventRecord],
        vitals: &[VitalReading],
        (moaas, cadss): &Scores,
        ketamine_min_observation: SignedDuration,
    ) -> DischargeCheck {
        let first = |kind: SessionEvent| events.iter().find(|e| e.event == kind).map(|e| e.at);
        let started = [first(SessionEvent::AdministrationStarted), first(SessionEvent::DeviceAdministered)].into_iter().flatten().min();
        let facts = DischargeFacts {
            esketamine: session.modality.is_esketamine(),
            first_device_at: first(SessionEvent::DeviceAdministered),
            administration_started_at: started,
            administration_stopped_at: events.iter().rev().find(|e| e.event == SessionEvent::AdministrationStopped).map(|e| e.at),
            ketamine_min_observation,
            vitals: vitals.iter().map(|r| (r.at, r.vitals)).collect(),
            moaas: moaas.clone(),
            cadss: cadss.clone(),
            dissociation_attested_at: first(SessionEvent::DissociationResolved),
            // An escort event, or the escort confirmed at the pre-checks (name and phone).
            escort_confirmed_at: [first(SessionEvent::EscortConfirmed), crate::session_prechecks::precheck_escort_at(events)].into_iter().flatten().min(),
        };
        evaluate(&facts, &session.thresholds, self.now())
    }

    /// Discharges a session in `observing` when every criterion is met. Otherwise it is refused
    /// with the unmet list, unless a prescriber overrides with a reason — which never shortens
    /// esketamine's 120-minute label minimum. The ready-to-leave time is stored on the event.
    pub async fn discharge(
        &self,
        grant: &Granted<ClinicalWrite>,
        id: TreatmentSessionId,
        override_reason: Option<&str>,
    ) -> AppResult<Result<Session, DischargeRefused>> {
        let session = self.store.treatment_session(id).await?.ok_or(AppError::NotFound)?;
        if session.state != SessionState::Observing {
            return Err(AppError::Conflict(format!(
                "a session is discharged from observation, not while {}",
                serde_json::to_value(session.state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
            )));
        }
        let events = self.store.session_events(id).await?;
        let vitals = self.store.vitals(id).await?;
        let check = self.discharge_check(&session, &events, &vitals).await?;
        let label_minimum = session.modality.is_esketamine() && check.unmet.iter().any(|(c, _)| *c == Criterion::MinimumObservation);
        let reason = override_reason.map(str::trim).filter(|r| !r.is_empty());
        let mut payload = serde_json::json!({
            "ready_to_leave_at": check.ready_to_leave_at,
            "unmet": check.unmet.iter().map(|(c, m)| serde_json::json!({"criterion": c.id(), "message": m})).collect::<Vec<_>>(),
        });
        if !check.ready {
            match reason {
                Some(r) if !label_minimum => {
                    if !crate::permissions::allows(grant.actor().role, crate::Permission::DischargeOverride) {
                        self.authorize::<crate::permissions::perm::DischargeOverride>(grant.actor()).await?;
                    }
                    if let Some(map) = payload.as_object_mut() {
                        map.insert("override_reason".to_owned(), serde_json::Value::from(r));
                    }
                }
                _ => return Ok(Err(DischargeRefused { check, label_minimum })),
            }
        }
        let done = self.append_session_event(grant, id, SessionEvent::Discharged, None, payload).await?;
        Ok(Ok(done))
    }
}
