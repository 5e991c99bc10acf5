//! The storage traits. Handlers and use cases hold one `Arc<dyn Storage>`.

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::alert::{Acknowledgement, Alert};
use ketaclinic_domain::assessment::{Assessment, AssessmentCorrection};
use ketaclinic_domain::audit::{AuditEvent, AuditRecord};
use ketaclinic_domain::chart::{ChartEntry, ChartKind};
use ketaclinic_domain::course::{Course, CourseEvent, CoursePhase, CourseStatus, Protocol};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::enquiry::{Enquiry, EnquiryChange, EnquiryStatus};
use ketaclinic_domain::ids::{
    AlertId, ChartEntryId, EnquiryId, PatientId, SelfReportLinkId, SessionAlertId, SessionId, TaskId, TokenId, TreatmentSessionId, UserId,
};
use ketaclinic_domain::ids::{ContainerId, CountId, CourseId, LossReportId};
use ketaclinic_domain::outcome::Point;
use ketaclinic_domain::patient::{MrnPrefix, Patient, PatientVersion};
use ketaclinic_domain::person::Email;
use ketaclinic_domain::record::Version;
use ketaclinic_domain::register::container::{Container, Receipt};
use ketaclinic_domain::register::count::Count;
use ketaclinic_domain::register::loss::{LossReport, LossTask, TaskDone};
use ketaclinic_domain::register::movement::{LedgerEntry, NewEntry};
use ketaclinic_domain::register::product::{Location, Product};
use ketaclinic_domain::self_report::SelfReportLink;
use ketaclinic_domain::session::rems_form::{RemsFormRecord, RemsFormStatus, RemsQueueRow};
use ketaclinic_domain::session::{Session, SessionAlert, SessionAlertAck, SessionEventRecord, SessionState, VitalReading};
use ketaclinic_domain::task::{Task, TaskClosure};

use crate::error::StoreResult;
use crate::records::{ApiToken, AuditFilter, AuthSession, EnquiryCursor, NewPatient, PatientCursor, PatientQuery, PoolStats, RecordedEvent, StaffUser};

/// Staff accounts.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Adds an account; `Conflict` when the e-mail is taken.
    async fn insert_user(&self, user: &StaffUser, audit: AuditEvent) -> StoreResult<()>;
    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<StaffUser>>;
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<StaffUser>>;
    /// Every account, ordered by e-mail (a clinic has tens, not thousands).
    async fn list_users(&self) -> StoreResult<Vec<StaffUser>>;
    /// Records a failed login: the new failure count and lock, with its audit event.
    async fn record_login_failure(&self, id: UserId, failed_logins: u32, locked_until: Option<Timestamp>, audit: AuditEvent) -> StoreResult<()>;
    /// Disables or re-enables an account. Disabling also revokes its sessions and tokens.
    async fn set_user_disabled(&self, id: UserId, disabled: bool, at: Timestamp, audit: AuditEvent) -> StoreResult<()>;
    /// Stores a new password hash and revokes every session of the user except `keep`.
    async fn set_password_hash(&self, id: UserId, hash: &str, at: Timestamp, keep: Option<SessionId>, audit: AuditEvent) -> StoreResult<()>;
}

/// Login sessions and API tokens.
#[async_trait]
pub trait AuthStore: Send + Sync {
    /// Stores a new session after a successful login and clears the user's failure count.
    async fn insert_session(&self, session: &AuthSession, audit: AuditEvent) -> StoreResult<()>;
    /// The session with this token hash and its account, in one read (this runs on every
    /// browser request).
    async fn session_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<(AuthSession, StaffUser)>>;
    /// Moves the idle clock of a session forward.
    async fn touch_session(&self, id: SessionId, at: Timestamp) -> StoreResult<()>;
    async fn revoke_session(&self, id: SessionId, at: Timestamp, audit: AuditEvent) -> StoreResult<()>;
    /// Revokes every live session of a user; returns how many.
    async fn revoke_user_sessions(&self, user: UserId, at: Timestamp, audit: AuditEvent) -> StoreResult<u64>;
    async fn insert_token(&self, token: &ApiToken, audit: AuditEvent) -> StoreResult<()>;
    /// The token with this hash and its account, in one read (this runs on every API request).
    async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<(ApiToken, StaffUser)>>;
    async fn touch_token(&self, id: TokenId, at: Timestamp) -> StoreResult<()>;
    /// `NotFound` when no live token has that id.
    async fn revoke_token(&self, id: TokenId, at: Timestamp, audit: AuditEvent) -> StoreResult<()>;
    /// Tokens of one user, newest first, revoked ones included.
    async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<ApiToken>>;
}

/// Patients (versioned).
#[async_trait]
pub trait PatientStore: Send + Sync {
    /// Registers a patient as version 1 and returns it with its MRN; `Conflict` when a given
    /// MRN is taken. The audit event's `resource_id` and `patient_id` are the new patient's.
    async fn insert_patient(&self, patient: &NewPatient, prefix: &MrnPrefix, audit: AuditEvent) -> StoreResult<Patient>;
    async fn patient(&self, id: PatientId) -> StoreResult<Option<Patient>>;
    /// One page of matches in (family, given, id) order after `after`.
    async fn search_patients(&self, query: &PatientQuery, after: Option<&PatientCursor>, limit: u32) -> StoreResult<Vec<Patient>>;
    /// Writes the next version; `Conflict` when the stored version is not `expected`.
    async fn update_patient(&self, revised: &Patient, version: &PatientVersion, expected: Version, audit: AuditEvent) -> StoreResult<()>;
    /// Every version, oldest first.
    async fn patient_history(&self, id: PatientId) -> StoreResult<Vec<PatientVersion>>;
}

/// Scored assessments.
#[async_trait]
pub trait AssessmentStore: Send + Sync {
    /// Stores an assessment and the alert it raises (if any) with their audit events, in one
    /// transaction.
    async fn insert_assessment(&self, assessment: &Assessment, alert: Option<&Alert>, audit: Vec<AuditEvent>) -> StoreResult<()>;
    /// A patient's assessments in time order (administered, then id), optionally of one
    /// instrument. Bounded by one patient's history, so not paged.
    async fn assessments(&self, patient: PatientId, instrument: Option<&str>) -> StoreResult<Vec<Assessment>>;
    /// Marks an assessment entered in error. `NotFound` for an unknown one; `Conflict` when it
    /// is already marked.
    async fn correct_assessment(&self, correction: &AssessmentCorrection, audit: AuditEvent) -> StoreResult<()>;
    /// The corrections of a patient's assessments.
    async fn assessment_corrections(&self, patient: PatientId) -> StoreResult<Vec<AssessmentCorrection>>;
}

/// Safety alerts.
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Alerts newest first; only unacknowledged ones when `open_only`.
    async fn alerts(&self, open_only: bool, limit: u32) -> StoreResult<Vec<Alert>>;
    async fn alert(&self, id: AlertId) -> StoreResult<Option<Alert>>;
    /// Records the acknowledgement; `NotFound` for an unknown alert, `Conflict` when it was
    /// already acknowledged (an acknowledgement is never overwritten).
    async fn acknowledge_alert(&self, id: AlertId, ack: &Acknowledgement, audit: AuditEvent) -> StoreResult<()>;
}

/// Enquiries (call-back requests) and their contact attempts.
#[async_trait]
pub trait EnquiryStore: Send + Sync {
    /// Stores a new enquiry (its `attempts` must be empty) with its audit event.
    async fn insert_enquiry(&self, enquiry: &Enquiry, audit: AuditEvent) -> StoreResult<()>;
    /// One enquiry with its attempts, oldest first.
    async fn enquiry(&self, id: EnquiryId) -> StoreResult<Option<Enquiry>>;
    /// The call-back queue: enquiries whose status is one of `statuses`, earliest due first
    /// (then id), after the keyset position `after`, each with its attempts.
    async fn enquiries(&self, statuses: &[EnquiryStatus], after: Option<&EnquiryCursor>, limit: u32) -> StoreResult<Vec<Enquiry>>;
    /// Writes a status change (and the attempt it records, if any). `NotFound` for an unknown
    /// enquiry; `Conflict` when its stored status is no longer `change.expected` (someone
    /// else changed it since it was read), in which case nothing is written.
    async fn change_enquiry(&self, id: EnquiryId, change: &EnquiryChange, audit: AuditEvent) -> StoreResult<()>;
    /// Registers `patient` and marks the enquiry converted into it, in one transaction, with
    /// the audit events (patient created, enquiry status changed). Same `NotFound` / `Conflict`
    /// rules as [`Self::change_enquiry`]; `Conflict` also when a given MRN is taken.
    async fn convert_enquiry(
        &self,
        id: EnquiryId,
        change: &EnquiryChange,
        patient: &NewPatient,
        prefix: &MrnPrefix,
        audit: Vec<AuditEvent>,
    ) -> StoreResult<Patient>;
}

/// The versioned chart entries of patients, and clinic documents (consent templates).
#[async_trait]
pub trait ChartStore: Send + Sync {
    /// Stores version 1 of a new entry with its audit event. `NotFound` when its patient does
    /// not exist.
    async fn insert_chart_entry(&self, entry: &ChartEntry, audit: AuditEvent) -> StoreResult<()>;
    /// Stores the next version of an entry. `NotFound` for an unknown entry; `Conflict` when
    /// the stored version is not `entry.version - 1` (someone changed it since it was read).
    async fn revise_chart_entry(&self, entry: &ChartEntry, audit: AuditEvent) -> StoreResult<()>;
    /// The current version of one entry.
    async fn chart_entry(&self, id: ChartEntryId) -> StoreResult<Option<ChartEntry>>;
    /// Current versions of a patient's entries (or of clinic documents when `patient` is
    /// `None`) of the given kinds (all kinds when empty), oldest entry first. Entered-in-error
    /// entries only when asked for. Bounded by one chart, so not paged.
    async fn chart_entries(&self, patient: Option<PatientId>, kinds: &[ChartKind], include_entered_in_error: bool) -> StoreResult<Vec<ChartEntry>>;
    /// Every version of one entry, oldest first.
    async fn chart_history(&self, id: ChartEntryId) -> StoreResult<Vec<ChartEntry>>;
}

/// Aggregate reads for the clinic dashboard (no patient is named in the result).
#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// Every active patient's totals of one instrument, in time order, grouped by patient
    /// (patients in id order). Assessments without a total are left out.
    async fn instrument_series(&self, instrument: &str) -> StoreResult<Vec<(PatientId, Vec<Point>)>>;
    /// The modality of each patient's latest approved eligibility decision.
    async fn approved_modalities(&self) -> StoreResult<Vec<(PatientId, String)>>;
    /// The points of `instrument` that were marked entered in error (few; the dashboard leaves
    /// them out without slowing its scan of the covering index).
    async fn corrected_points(&self, instrument: &str) -> StoreResult<Vec<(PatientId, Point)>>;
}

/// Treatment events (append-only): what makes questionnaires due.
#[async_trait]
pub trait TreatmentEventStore: Send + Sync {
    /// Appends an event with its audit event. `NotFound` when the patient does not exist.
    async fn insert_treatment_event(&self, event: &RecordedEvent, audit: AuditEvent) -> StoreResult<()>;
    /// A patient's events in time order.
    async fn treatment_events(&self, patient: PatientId) -> StoreResult<Vec<RecordedEvent>>;
    /// Patients with any event at or after `since` (for the clinic's due list).
    async fn patients_with_events_since(&self, since: Timestamp) -> StoreResult<Vec<PatientId>>;
}

/// Tasks for the care team.
#[async_trait]
pub trait TaskStore: Send + Sync {
    /// Stores a new task; `Conflict` when its trigger already made one (so proposing twice is
    /// harmless).
    async fn insert_task(&self, task: &Task, audit: AuditEvent) -> StoreResult<()>;
    async fn task(&self, id: TaskId) -> StoreResult<Option<Task>>;
    /// Tasks newest first; only open ones when `open_only`; of one patient when given.
    async fn tasks(&self, patient: Option<PatientId>, open_only: bool, limit: u32) -> StoreResult<Vec<Task>>;
    /// Closes an open task; `NotFound` for an unknown one, `Conflict` when already closed.
    async fn close_task(&self, id: TaskId, closure: &TaskClosure, audit: AuditEvent) -> StoreResult<()>;
}

/// Treatment sessions in the chair: the session, its events (append-only) and vital signs.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session (state `scheduled`) with its audit event; `NotFound` when the
    /// patient does not exist. (Not `insert_session`: that is [`AuthStore`]'s, and the two
    /// would be ambiguous on `dyn Storage`.)
    async fn insert_treatment_session(&self, session: &Session, audit: AuditEvent) -> StoreResult<()>;
    async fn treatment_session(&self, id: TreatmentSessionId) -> StoreResult<Option<Session>>;
    /// Sessions not yet discharged or stopped, oldest first.
    async fn open_sessions(&self) -> StoreResult<Vec<Session>>;
    /// Every session of one patient, oldest first.
    async fn patient_sessions(&self, patient: PatientId) -> StoreResult<Vec<Session>>;
    /// Appends an event and moves the session from `expected` to `next`, in one transaction.
    /// `NotFound` for an unknown session; `Conflict` (nothing written) when its state is no
    /// longer `expected`.
    async fn append_session_event(&self, event: &SessionEventRecord, expected: SessionState, next: SessionState, audit: AuditEvent) -> StoreResult<()>;
    /// A session's events ordered by `at`, then by recording order.
    async fn session_events(&self, id: TreatmentSessionId) -> StoreResult<Vec<SessionEventRecord>>;
    /// Sessions with an administration event (`administration_started` or
    /// `device_administered`) at or after `from` and before `to`, in id order (for the register's
    /// reconciliation).
    async fn sessions_dosed_between(&self, from: Timestamp, to: Timestamp) -> StoreResult<Vec<TreatmentSessionId>>;
    /// Stores readings, each with the alerts it raises, in one transaction; a reading already
    /// stored for the same session, device and time is skipped, and so are its alerts (an
    /// alert is stored only with its new reading, so a replayed batch raises nothing twice).
    /// Returns, per reading, whether it was new. `NotFound` for an unknown session.
    async fn insert_vitals(
        &self,
        id: TreatmentSessionId,
        readings: &[(VitalReading, Vec<SessionAlert>)],
        recorded_at: Timestamp,
        audit: AuditEvent,
    ) -> StoreResult<Vec<bool>>;
    /// A session's readings in time order.
    async fn vitals(&self, id: TreatmentSessionId) -> StoreResult<Vec<VitalReading>>;
    /// A session's alerts with their acknowledgements, in reading-time order.
    async fn session_alerts(&self, id: TreatmentSessionId) -> StoreResult<Vec<SessionAlert>>;
    /// Acknowledges an alert of session `session` with its audit event, in one transaction.
    /// `NotFound` when the session has no such alert; `Conflict` (nothing written) when it was
    /// already acknowledged.
    async fn acknowledge_session_alert(&self, session: TreatmentSessionId, alert: SessionAlertId, ack: &SessionAlertAck, audit: AuditEvent) -> StoreResult<()>;
}

/// SPRAVATO REMS monitoring forms: the submission row of each dosed esketamine session and the
/// queue of forms to submit (REFERENCE §2.5). The queue is driven by the sessions themselves
/// (dosed esketamine sessions that are discharged or stopped, left-joined with their row), so a
/// form needs no row until staff change it and discharge needs no hook.
#[async_trait]
pub trait RemsFormStore: Send + Sync {
    /// A session's form row; `None` when staff have not changed it (a draft).
    async fn rems_form_record(&self, session: TreatmentSessionId) -> StoreResult<Option<RemsFormRecord>>;
    /// Writes the row (insert or replace) with its audit event when the stored status is still
    /// `expected` (no row counts as `draft`). `NotFound` for an unknown session; `Conflict`
    /// (nothing written) when the status moved meanwhile or the stored form was submitted.
    async fn save_rems_form(&self, record: &RemsFormRecord, expected: RemsFormStatus, audit: AuditEvent) -> StoreResult<()>;
    /// The queue: dosed esketamine sessions that are discharged or stopped early, whose status
    /// is one of `statuses`, by first dose time then session id, after the keyset `after`.
    async fn rems_queue(&self, statuses: &[RemsFormStatus], after: Option<(Timestamp, TreatmentSessionId)>, limit: u32) -> StoreResult<Vec<RemsQueueRow>>;
    /// How many esketamine sessions of `patient` were dosed before `before` (the form's "first
    /// treatment?").
    async fn esketamine_treatments_before(&self, patient: PatientId, before: Timestamp) -> StoreResult<u64>;
}

/// Treatment protocols (versioned, append-only) and treatment courses with their events.
#[async_trait]
pub trait CourseStore: Send + Sync {
    /// Stores a protocol version (its `revision` must be set) with its audit event;
    /// `Conflict` when the modality already has that version (someone revised it meanwhile).
    async fn insert_protocol(&self, protocol: &Protocol, audit: AuditEvent) -> StoreResult<()>;
    /// The newest stored version of each modality (modalities never revised are absent).
    async fn current_protocols(&self) -> StoreResult<Vec<Protocol>>;
    /// Every stored version of one modality, oldest first.
    async fn protocol_versions(&self, modality: Modality) -> StoreResult<Vec<Protocol>>;
    /// Stores a new course with its `created` event and audit event, in one transaction.
    /// `NotFound` when the patient does not exist.
    async fn insert_course(&self, course: &Course, event: &CourseEvent, audit: AuditEvent) -> StoreResult<()>;
    async fn course(&self, id: CourseId) -> StoreResult<Option<Course>>;
    /// A patient's courses, newest first.
    async fn patient_courses(&self, patient: PatientId) -> StoreResult<Vec<Course>>;
    /// A course's events in recording order.
    async fn course_events(&self, id: CourseId) -> StoreResult<Vec<CourseEvent>>;
    /// Writes the course's new state with its event and audit event, in one transaction, when
    /// its stored status and phase are still `expected`. `NotFound` for an unknown course;
    /// `Conflict` (nothing written) when it changed meanwhile.
    async fn update_course(&self, course: &Course, expected: (CourseStatus, CoursePhase), event: &CourseEvent, audit: AuditEvent) -> StoreResult<()>;
}

/// The controlled-substance register (REFERENCE §7). Every method that moves stock writes its
/// ledger rows through the domain's gate ([`Ledger::apply`]) **inside** the write transaction,
/// against the container's rows as that transaction sees them, so two draws racing for the same
/// vial can never both succeed when only one fits: the second is refused with `Conflict` and
/// writes nothing. Ledger rows are chained like the audit log.
///
/// [`Ledger::apply`]: ketaclinic_domain::register::ledger::Ledger::apply
#[async_trait]
pub trait RegisterStore: Send + Sync {
    /// The catalogue, built-in products first, then by name.
    async fn cs_products(&self) -> StoreResult<Vec<Product>>;
    /// Adds a product; `Conflict` when the id is taken.
    async fn insert_cs_product(&self, product: &Product, audit: AuditEvent) -> StoreResult<()>;
    /// Storage locations by name.
    async fn cs_locations(&self) -> StoreResult<Vec<Location>>;
    /// Adds a location; `Conflict` when the name is taken.
    async fn insert_cs_location(&self, location: &Location, by: UserId, at: Timestamp, audit: AuditEvent) -> StoreResult<()>;
    /// Stores a receipt, its containers and one `receipt` ledger row per container, in one
    /// transaction. The containers' `number` (0 on the way in) is assigned here, one after the
    /// clinic's highest, and their label is `{prefix}-{number:06}`. Returns the stored rows.
    async fn insert_receipt(
        &self,
        receipt: &Receipt,
        containers: Vec<(Container, NewEntry)>,
        prefix: &str,
        audit: AuditEvent,
    ) -> StoreResult<(Vec<Container>, Vec<LedgerEntry>)>;
    async fn cs_receipts(&self) -> StoreResult<Vec<Receipt>>;
    async fn cs_container(&self, id: ContainerId) -> StoreResult<Option<Container>>;
    /// Every container, by number.
    async fn cs_containers(&self) -> StoreResult<Vec<Container>>;
    /// Appends movements (and the loss report one of them files) with their audit events, in
    /// one transaction, after checking each against the ledger as the transaction sees it.
    /// `Conflict` (nothing written) when any is refused.
    async fn post_movements(&self, entries: Vec<NewEntry>, loss: Option<LossReport>, audit: Vec<AuditEvent>) -> StoreResult<Vec<LedgerEntry>>;
    /// The ledger rows of some containers (every row when `containers` is empty), in chain
    /// order.
    async fn ledger_entries_of(&self, containers: &[ContainerId]) -> StoreResult<Vec<LedgerEntry>>;
    /// Rows after `after_seq`, in chain order (for verification and export).
    async fn ledger_page(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<LedgerEntry>>;
    /// The rows of every container that something was drawn from for `session` (its draws and
    /// what became of them, in chain order).
    async fn ledger_for_session(&self, session: TreatmentSessionId) -> StoreResult<Vec<LedgerEntry>>;
    /// Stores a new draft count sheet with its audit event.
    async fn insert_count(&self, count: &Count, audit: AuditEvent) -> StoreResult<()>;
    async fn cs_count(&self, id: CountId) -> StoreResult<Option<Count>>;
    /// Count sheets, newest first.
    async fn cs_counts(&self) -> StoreResult<Vec<Count>>;
    /// Saves a draft's lines when its stored version is still `count.version - 1` and it is a
    /// draft. `NotFound` for an unknown sheet; `Conflict` otherwise.
    async fn save_count(&self, count: &Count, audit: AuditEvent) -> StoreResult<()>;
    /// Signs a sheet (same version rule as [`Self::save_count`]) and appends its `count` and
    /// adjustment rows, checked like [`Self::post_movements`], in one transaction.
    async fn sign_count(&self, count: &Count, entries: Vec<NewEntry>, audit: AuditEvent) -> StoreResult<Vec<LedgerEntry>>;
    /// Loss and theft reports, newest discovery first.
    async fn loss_reports(&self) -> StoreResult<Vec<LossReport>>;
    /// Records a loss report's task as done. `NotFound` for an unknown report; `Conflict` when
    /// the task was already done.
    async fn complete_loss_task(&self, id: LossReportId, task: LossTask, done: &TaskDone, audit: AuditEvent) -> StoreResult<()>;
}

/// One-time self-report links.
#[async_trait]
pub trait SelfReportStore: Send + Sync {
    /// Stores a new link with its audit event; `Conflict` if the token hash is taken.
    async fn insert_self_report_link(&self, link: &SelfReportLink, audit: AuditEvent) -> StoreResult<()>;
    /// The link whose token has this SHA-256, whatever its state.
    async fn self_report_link_by_hash(&self, token_hash: &str) -> StoreResult<Option<SelfReportLink>>;
    async fn self_report_link(&self, id: SelfReportLinkId) -> StoreResult<Option<SelfReportLink>>;
    /// A patient's links, newest first.
    async fn self_report_links(&self, patient: PatientId) -> StoreResult<Vec<SelfReportLink>>;
    /// Revokes an open link. `NotFound` for an unknown id; `Conflict` when it was already used
    /// or revoked.
    async fn revoke_self_report_link(&self, id: SelfReportLinkId, at: Timestamp, audit: AuditEvent) -> StoreResult<()>;
    /// Uses the link at `at` and stores its assessments (and the alerts they raise) with the
    /// audit events, in one transaction. `Conflict` — and nothing written — unless the link is
    /// open at `at` (not used, not revoked, not expired).
    async fn complete_self_report(
        &self,
        id: SelfReportLinkId,
        at: Timestamp,
        results: Vec<(Assessment, Option<Alert>)>,
        audit: Vec<AuditEvent>,
    ) -> StoreResult<()>;
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends events (group-committed with concurrent writes); returns once they are durable.
    async fn append_audit(&self, events: Vec<AuditEvent>) -> StoreResult<()>;
    /// Newest first, before `before_seq`, narrowed by `filter`.
    async fn audit_page(&self, filter: &AuditFilter, before_seq: Option<u64>, limit: u32) -> StoreResult<Vec<AuditRecord>>;
    /// Oldest first, after `after_seq` (for verification).
    async fn audit_chain_page(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<AuditRecord>>;
}

/// Liveness of the database.
#[async_trait]
pub trait HealthStore: Send + Sync {
    async fn ping(&self) -> StoreResult<()>;
    fn pool_stats(&self) -> PoolStats;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}

/// Everything a backend provides.
pub trait Storage:
    UserStore
    + AuthStore
    + PatientStore
    + AssessmentStore
    + AlertStore
    + EnquiryStore
    + ChartStore
    + SelfReportStore
    + DashboardStore
    + TreatmentEventStore
    + TaskStore
    + SessionStore
    + RemsFormStore
    + CourseStore
    + RegisterStore
    + crate::billing_port::BillingStore
    + crate::booking_port::BookingStore
    + crate::calendar_feed_port::CalendarFeedStore
    + AuditStore
    + HealthStore
{
}

impl<
    T: UserStore
        + AuthStore
        + PatientStore
        + AssessmentStore
        + AlertStore
        + EnquiryStore
        + ChartStore
        + SelfReportStore
        + DashboardStore
        + TreatmentEventStore
        + TaskStore
        + SessionStore
        + RemsFormStore
        + CourseStore
        + RegisterStore
        + crate::billing_port::BillingStore
        + crate::booking_port::BookingStore
        + crate::calendar_feed_port::CalendarFeedStore
        + AuditStore
        + HealthStore,
> Storage for T
{
}
