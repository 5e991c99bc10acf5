//! The patient-monitor feed (issue 7, item 5): readings a monitor or its gateway sent as HL7 v2
//! ORU^R01, already parsed and mapped by `ketaclinic-hl7v2` in the listener, recorded on the
//! patient's active session through [`App::record_vitals`] — the same validation, thresholds,
//! alerts and idempotency (session, device, time) as typed vitals, so a message sent twice
//! records nothing the second time.
//!
//! The patient is found by MRN (exact, case-insensitive; entered-in-error records are not
//! matched). The session is the patient's open one (not discharged or stopped); when there
//! are several, the one furthest along in the chair (administering, paused, observing before
//! checked in, before scheduled), then the most recently created.
//!
//! Outcomes the sender can act on (unknown patient, no active session, unusable values) are
//! [`MonitorOutcome`]s, answered as AE; `Err` is left for refusals of the actor and storage
//! failures.

use jiff::Timestamp;
use jiff::civil::DateTime;
use ketaclinic_domain::ids::{PatientId, TreatmentSessionId};
use ketaclinic_domain::patient::Patient;
use ketaclinic_domain::record::RecordStatus;
use ketaclinic_domain::session::{Session, SessionState, VitalAlert, VitalReading, Vitals};
use ketaclinic_store::{PatientCursor, PatientQuery};

use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::ClinicalWrite;
use crate::sessions::MAX_READINGS;
use crate::{Actor, App};

/// When a reading was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservedAt {
    /// The message carried a UTC offset.
    Instant(Timestamp),
    /// Local time without an offset: the clinic's time zone is assumed.
    Local(DateTime),
}

/// One reading from a monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorReading {
    pub at: ObservedAt,
    pub device_id: String,
    pub vitals: Vitals,
}

/// What one monitor message carries for one patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorReadings {
    /// PID-3: the MRN.
    pub mrn: String,
    pub readings: Vec<MonitorReading>,
}

/// What became of a monitor message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorOutcome {
    /// Recorded (`accepted` new readings; `duplicates` already held).
    Recorded { session_id: TreatmentSessionId, accepted: u32, duplicates: u32, alerts: Vec<VitalAlert> },
    /// No patient with that MRN.
    UnknownPatient,
    /// The patient has no open session to record on.
    NoActiveSession,
    /// The values cannot be recorded (out of physiologic range, in the future, no value …);
    /// the text says why, naming fields, never values.
    Unusable(String),
}

/// Longest MRN looked up.
const MRN_MAX_CHARS: usize = 64;
/// Pages of name-prefix matches read while looking for the exact MRN.
const LOOKUP_PAGES: usize = 20;
const LOOKUP_PAGE: u32 = 100;

/// How far along in the chair a session is (higher is further).
fn progress(state: SessionState) -> u8 {
    match state {
        SessionState::Administering | SessionState::Paused | SessionState::Observing => 3,
        SessionState::CheckedIn | SessionState::PrechecksDone => 2,
        SessionState::Scheduled => 1,
        SessionState::Discharged | SessionState::StoppedEarly => 0,
    }
}

impl App {
    /// Records a monitor message's readings on the patient's active session.
    pub async fn ingest_monitor_message(&self, actor: &Actor, msg: MonitorReadings) -> AppResult<MonitorOutcome> {
        let grant = self.authorize::<ClinicalWrite>(actor).await?;
        let Some(patient) = self.patient_by_mrn(&msg.mrn).await? else { return Ok(MonitorOutcome::UnknownPatient) };
        self.record_on_active_session(&grant, &patient, msg.readings).await
    }

    /// Records readings on the active session of the patient with this id (`POST
    /// /fhir/Observation`): the same session choice and outcomes as the monitor feed.
    pub async fn record_patient_vitals(&self, actor: &Actor, patient: PatientId, readings: Vec<MonitorReading>) -> AppResult<MonitorOutcome> {
        let grant = self.authorize::<ClinicalWrite>(actor).await?;
        let Some(patient) = self.store.patient(patient).await?.filter(|p| p.status == RecordStatus::Active) else {
            return Ok(MonitorOutcome::UnknownPatient);
        };
        self.record_on_active_session(&grant, &patient, readings).await
    }

    async fn record_on_active_session(&self, grant: &Granted<ClinicalWrite>, patient: &Patient, readings: Vec<MonitorReading>) -> AppResult<MonitorOutcome> {
        let Some(session) = self.active_session(patient).await? else { return Ok(MonitorOutcome::NoActiveSession) };
        if readings.is_empty() {
            return Ok(MonitorOutcome::Unusable("no reading in the message".to_owned()));
        }
        if readings.len() > MAX_READINGS {
            return Ok(MonitorOutcome::Unusable(format!("more than {MAX_READINGS} readings in one message")));
        }
        let tz = &self.settings().timezone;
        let mut timed = Vec::with_capacity(readings.len());
        for r in readings {
            let at = match r.at {
                ObservedAt::Instant(t) => Some(t),
                ObservedAt::Local(dt) => dt.to_zoned(tz.clone()).ok().map(|z| z.timestamp()),
            };
            let Some(at) = at else { return Ok(MonitorOutcome::Unusable("an observation time is not a valid local time".to_owned())) };
            timed.push(VitalReading { at, device_id: r.device_id, vitals: r.vitals });
        }
        match self.record_vitals(grant, session.id, timed).await {
            Ok(receipt) => Ok(MonitorOutcome::Recorded {
                session_id: session.id,
                accepted: receipt.accepted,
                duplicates: receipt.duplicates,
                alerts: receipt.alerts.iter().map(|a| a.code).collect(),
            }),
            Err(AppError::Invalid(errors)) => Ok(MonitorOutcome::Unusable(errors.to_string())),
            Err(other) => Err(other),
        }
    }

    /// The active patient with exactly this MRN (case-insensitive).
    async fn patient_by_mrn(&self, mrn: &str) -> AppResult<Option<Patient>> {
        let mrn = mrn.trim();
        if mrn.is_empty() || mrn.chars().count() > MRN_MAX_CHARS || mrn.chars().any(char::is_whitespace) {
            return Ok(None);
        }
        // The search matches the MRN exactly, or a name by prefix: read on until the MRN shows.
        let query = PatientQuery { words: vec![mrn.to_lowercase()], ..PatientQuery::default() };
        let mut after: Option<PatientCursor> = None;
        for _ in 0..LOOKUP_PAGES {
            let page = self.store.search_patients(&query, after.as_ref(), LOOKUP_PAGE).await?;
            if let Some(found) = page.iter().find(|p| p.mrn.as_str().eq_ignore_ascii_case(mrn)) {
                return Ok(Some(found.clone()));
            }
            let Some(last) = page.last().filter(|_| page.len() == usize::try_from(LOOKUP_PAGE).unwrap_or(usize::MAX)) else { return Ok(None) };
            after = Some(crate::patients::cursor_after(last));
        }
        Ok(None)
    }

    /// The patient's open session furthest along, then the newest. Read through the patient's
    /// own sessions (an index lookup), not the clinic's open ones: a monitor feed or gateway
    /// posting for one patient should not cost more on a busy day.
    async fn active_session(&self, patient: &Patient) -> AppResult<Option<Session>> {
        let sessions = self.store.patient_sessions(patient.id).await?;
        Ok(sessions
            .into_iter()
            .filter(|s| !s.state.is_closed())
            .max_by(|a, b| progress(a.state).cmp(&progress(b.state)).then(a.created_at.cmp(&b.created_at)).then(a.id.0.cmp(&b.id.0))))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use jiff::SignedDuration;
    use ketaclinic_domain::ids::TokenId;
    use ketaclinic_domain::staff::Role;
    use ketaclinic_store_sqlite::SqliteStore;

    use super::*;
    use crate::clock::SystemClock;
    use crate::patients::PatientInput;
    use crate::permissions::perm;
    use crate::users::NewUserInput;
    use crate::{AuthVia, ClientInfo, Settings};

    struct Clinic {
        app: App,
        gateway: Actor,
        desk: Actor,
        _dir: tempfile::TempDir,
    }

    async fn clinic() -> Clinic {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("t.db")).await.unwrap());
        let settings = Settings { timezone: jiff::tz::TimeZone::get("America/New_York").unwrap(), ..Settings::default() };
        let app = App::new(store, Arc::new(SystemClock), settings);
        let admin = app.authorize::<perm::UserManage>(&Actor::console()).await.unwrap();
        let mut actors = Vec::new();
        for (name, role) in [("gateway", Role::Nurse), ("desk", Role::FrontDesk)] {
            let input = NewUserInput {
                email: format!("{name}@feed.example.org"),
                display_name: name.to_owned(),
                role: role.as_str().to_owned(),
                password: "a long test password".to_owned(),
            };
            let user = app.create_user(&admin, input).await.unwrap();
            actors.push(Actor {
                user_id: user.id,
                email: user.email.as_str().to_owned(),
                display_name: name.to_owned(),
                role,
                via: AuthVia::Token { id: TokenId(uuid::Uuid::nil()) },
                csrf_token: None,
                client: ClientInfo::new(Some("127.0.0.1".to_owned()), None),
            });
        }
        let desk = actors.pop().unwrap();
        let gateway = actors.pop().unwrap();
        Clinic { app, gateway, desk, _dir: dir }
    }

    impl Clinic {
        async fn patient(&self, mrn: &str) -> Patient {
            let grant = self.app.authorize::<perm::PatientRegister>(&self.desk).await.unwrap();
            let input = PatientInput {
                given_name: "Ann".into(),
                family_name: "Feed".into(),
                birth_date: "1980-01-01".into(),
                sex: "female".into(),
                phone: None,
                email: None,
            };
            self.app.register_patient(&grant, &input, Some(mrn)).await.unwrap()
        }

        async fn session(&self, patient: &Patient) -> TreatmentSessionId {
            let grant = self.app.authorize::<ClinicalWrite>(&self.gateway).await.unwrap();
            self.app.create_session(&grant, patient.id, "iv_ketamine", None, None).await.unwrap().id
        }

        async fn send(&self, mrn: &str, at: ObservedAt, systolic: u32) -> AppResult<MonitorOutcome> {
            let vitals = Vitals { systolic: Some(systolic), diastolic: Some(80), heart_rate: Some(70), spo2: Some(98), resp_rate: None };
            let msg = MonitorReadings { mrn: mrn.to_owned(), readings: vec![MonitorReading { at, device_id: "MON/BAY1".to_owned(), vitals }] };
            self.app.ingest_monitor_message(&self.gateway, msg).await
        }
    }

    fn minutes_ago(app: &App, m: i64) -> Timestamp {
        let t = app.now() - SignedDuration::from_mins(m);
        Timestamp::from_second(t.as_second()).unwrap()
    }

    #[tokio::test]
    async fn readings_go_to_the_patient_s_open_session() {
        let c = clinic().await;
        let at = minutes_ago(&c.app, 10);
        assert_eq!(c.send("KC-NOBODY", ObservedAt::Instant(at), 120).await.unwrap(), MonitorOutcome::UnknownPatient);
        assert_eq!(c.send("", ObservedAt::Instant(at), 120).await.unwrap(), MonitorOutcome::UnknownPatient);
        let p = c.patient("EXT-41").await;
        assert_eq!(c.send("EXT-41", ObservedAt::Instant(at), 120).await.unwrap(), MonitorOutcome::NoActiveSession);
        let older = c.session(&p).await;
        let newer = c.session(&p).await;
        let got = c.send("ext-41", ObservedAt::Instant(at), 120).await.unwrap();
        assert_eq!(
            got,
            MonitorOutcome::Recorded { session_id: newer, accepted: 1, duplicates: 0, alerts: vec![] },
            "MRN case-insensitive; the newest of two scheduled"
        );
        assert_ne!(older, newer);
        let again = c.send("EXT-41", ObservedAt::Instant(at), 120).await.unwrap();
        assert_eq!(again, MonitorOutcome::Recorded { session_id: newer, accepted: 0, duplicates: 1, alerts: vec![] }, "a resent message records nothing");
        let high = c.send("EXT-41", ObservedAt::Instant(minutes_ago(&c.app, 5)), 190).await.unwrap();
        assert!(matches!(&high, MonitorOutcome::Recorded { alerts, .. } if alerts == &[VitalAlert::BpHigh]), "{high:?}");
        let bad = c.send("EXT-41", ObservedAt::Instant(minutes_ago(&c.app, 4)), 900).await.unwrap();
        assert!(matches!(&bad, MonitorOutcome::Unusable(why) if why.contains("systolic") && !why.contains("900")), "{bad:?}");
        let future = c.send("EXT-41", ObservedAt::Instant(c.app.now() + SignedDuration::from_hours(1)), 120).await.unwrap();
        assert!(matches!(future, MonitorOutcome::Unusable(_)), "{future:?}");
    }

    #[tokio::test]
    async fn local_times_are_clinic_time_and_the_actor_needs_clinical_write() {
        let c = clinic().await;
        let p = c.patient("EXT-42").await;
        let session = c.session(&p).await;
        let at = minutes_ago(&c.app, 30);
        let local = at.to_zoned(c.app.settings().timezone.clone()).datetime();
        let got = c.send("EXT-42", ObservedAt::Local(local), 120).await.unwrap();
        assert!(matches!(got, MonitorOutcome::Recorded { accepted: 1, .. }), "{got:?}");
        let vitals = c.app.store.vitals(session).await.unwrap();
        assert_eq!(vitals.iter().map(|v| v.at).collect::<Vec<_>>(), vec![at], "New York wall time resolved to the instant");
        let refused = c.app.ingest_monitor_message(&c.desk, MonitorReadings { mrn: "EXT-42".to_owned(), readings: vec![] }).await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    }
}
