//! Enquiries: the public call-back form, staff-logged calls, the call-back queue, contact
//! attempts and status changes (issue 3, item 1).
//!
//! The public form is the one write in ketaclinic that needs no login, so it carries its own
//! protections here rather than at the edge:
//! - a per-address rate limit (`[enquiries] per_minute_per_ip`, default 20), checked before
//!   anything is parsed so a flood of bad requests is throttled too;
//! - a honeypot: a form field people never see. When a client fills it the answer looks like
//!   success (same shape, a fresh id and the real due time) but nothing is stored and no audit
//!   row is written, so a bot learns nothing and the queue and log stay clean;
//! - an audit event with actor `anonymous` and the client's address for every stored
//!   submission.
//!
//! Staff log phone and voicemail enquiries through the same use case and may back-date them
//! with `received_at`; the due time is always computed from the clinic calendar.

use jiff::Timestamp;
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditEvent, AuditOutcome};
use ketaclinic_domain::enquiry::{
    BEST_TIME_MAX_CHARS, ChangeError, ContactAttempt, ContactChannel, ContactOutcome, Enquiry, EnquiryDetails, EnquirySource, EnquiryStatus, MESSAGE_MAX_CHARS,
    optional_text,
};
use ketaclinic_domain::ids::{ContactAttemptId, EnquiryId, PatientId};
use ketaclinic_domain::patient::Patient;
use ketaclinic_domain::person::{Email, PersonName};
use ketaclinic_domain::phone::E164;
use ketaclinic_store::NewPatient;

use crate::App;
use crate::actor::{ClientInfo, anonymous_event};
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::patients::{PAGE_MAX, PatientInput};
use crate::permissions::Granted;
use crate::permissions::perm::{EnquiryManage, PatientRegister};

/// The audit label of the public form's submitter.
pub const ANONYMOUS: &str = "anonymous";

/// What the form (or staff) sent, unparsed.
#[derive(Debug, Clone, Default)]
pub struct EnquiryInput {
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub message: Option<String>,
    pub best_time: Option<String>,
    pub consent_to_contact: bool,
    /// Staff only: when the call or voicemail came in.
    pub received_at: Option<Timestamp>,
    /// The honeypot field; anything but empty marks a bot.
    pub website: Option<String>,
}

/// Who is submitting.
#[derive(Debug, Clone, Copy)]
pub enum Submitter<'a> {
    /// The public form, not logged in.
    Public(&'a ClientInfo),
    /// A member of staff logging a call.
    Staff(&'a Granted<EnquiryManage>),
}

/// What the submitter is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnquiryReceipt {
    pub id: EnquiryId,
    pub received_at: Timestamp,
    pub contact_due_by: Timestamp,
}

/// An enquiry as the queue shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnquiryView {
    pub enquiry: Enquiry,
    pub overdue: bool,
}

fn change_error(err: ChangeError) -> AppError {
    match err {
        ChangeError::Field(field) => AppError::Invalid(field.into()),
        // Well-formed, but the enquiry's current state does not allow it: 409.
        ChangeError::Transition(t) => AppError::Conflict(t.to_string()),
    }
}

impl App {
    /// Parses every field, reporting all problems at once.
    fn parse_enquiry(&self, input: &EnquiryInput, staff: bool, now: Timestamp) -> AppResult<(EnquiryDetails, Timestamp)> {
        let mut errors = ValidationErrors::default();
        let name = errors.collect("name", PersonName::parse(&input.name));
        let phone = errors.collect("phone", E164::parse(&input.phone, self.settings.phone_region));
        let email = errors.collect("email", input.email.as_deref().map(str::trim).filter(|e| !e.is_empty()).map(Email::parse).transpose());
        let message = errors.collect("message", optional_text("message", input.message.as_deref(), MESSAGE_MAX_CHARS));
        let best_time = errors.collect("best_time", optional_text("best_time", input.best_time.as_deref(), BEST_TIME_MAX_CHARS));
        if !input.consent_to_contact {
            errors.0.push(ketaclinic_domain::FieldError::new("consent_to_contact", "must be true: the clinic calls back only with consent"));
        }
        let received_at = match input.received_at {
            None => now,
            Some(_) if !staff => {
                errors.0.push(ketaclinic_domain::FieldError::new("received_at", "may only be set by signed-in staff"));
                now
            }
            Some(at) if at > now => {
                errors.0.push(ketaclinic_domain::FieldError::new("received_at", "must not be in the future"));
                now
            }
            Some(at) => jiff::Timestamp::from_microsecond(at.as_microsecond()).unwrap_or(at),
        };
        errors.clone().into_result()?;
        let (Some(name), Some(phone), Some(email), Some(message), Some(best_time)) = (name, phone, email, message, best_time) else {
            return Err(errors.into());
        };
        Ok((EnquiryDetails { name, phone, email, message, best_time, consent_to_contact: true }, received_at))
    }

    /// Takes an enquiry from the public form or from staff (see the module docs).
    pub async fn submit_enquiry(&self, input: &EnquiryInput, submitter: Submitter<'_>) -> AppResult<EnquiryReceipt> {
        if let Submitter::Public(client) = submitter {
            self.enquiry_limiter.check(client.addr.as_deref())?;
        }
        let now = self.now();
        let receipt_at =
            |received_at| EnquiryReceipt { id: EnquiryId(new_id()), received_at, contact_due_by: self.settings.calendar.contact_due_by(received_at) };
        // Checked before validation, so a bot gets the same success whatever else it sent.
        let honeypot = input.website.as_deref().is_some_and(|w| !w.trim().is_empty());
        if honeypot && matches!(submitter, Submitter::Public(_)) {
            return Ok(receipt_at(now));
        }
        let (details, received_at) = self.parse_enquiry(input, matches!(submitter, Submitter::Staff(_)), now)?;
        let receipt = receipt_at(received_at);
        let (source, recorded_by, mut event) = match submitter {
            Submitter::Public(client) => {
                (EnquirySource::WebForm, None, anonymous_event(self, ANONYMOUS, client, AuditAction::EnquiryReceived, AuditOutcome::Success))
            }
            Submitter::Staff(grant) => {
                (EnquirySource::Staff, Some(grant.actor().user_id), grant.actor().event(self, AuditAction::EnquiryReceived, AuditOutcome::Success))
            }
        };
        enquiry_resource(&mut event, receipt.id);
        let enquiry = Enquiry {
            id: receipt.id,
            details,
            source,
            recorded_by,
            received_at,
            contact_due_by: receipt.contact_due_by,
            status: EnquiryStatus::New,
            closed_reason: None,
            updated_at: now,
            attempts: Vec::new(),
            patient_id: None,
        };
        self.store.insert_enquiry(&enquiry, event).await?;
        Ok(receipt)
    }

    /// The call-back queue, earliest due first: open enquiries, or those with `status`.
    pub async fn enquiry_queue(&self, grant: &Granted<EnquiryManage>, status: Option<&str>) -> AppResult<Vec<EnquiryView>> {
        let statuses = match status {
            None => EnquiryStatus::OPEN.to_vec(),
            Some(raw) => vec![EnquiryStatus::parse(raw).map_err(ValidationErrors::from)?],
        };
        let list = self.store.enquiries(&statuses, None, PAGE_MAX).await?;
        let mut event = grant.actor().event(self, AuditAction::EnquiriesRead, AuditOutcome::Success);
        event.resource_type = Some("Enquiry".to_owned());
        event.detail = Some(format!("status={}", status.unwrap_or("open")));
        self.store.append_audit(vec![event]).await?;
        let now = self.now();
        Ok(list.into_iter().map(|enquiry| EnquiryView { overdue: enquiry.overdue(now), enquiry }).collect())
    }

    /// Logs a contact attempt; a first attempt moves `new` to `attempted` (or `reached`).
    pub async fn record_contact_attempt(
        &self,
        grant: &Granted<EnquiryManage>,
        id: EnquiryId,
        channel: &str,
        outcome: &str,
        note: Option<&str>,
    ) -> AppResult<EnquiryView> {
        let mut errors = ValidationErrors::default();
        let channel = errors.collect("channel", ContactChannel::parse(channel));
        let outcome = errors.collect("outcome", ContactOutcome::parse(outcome));
        let note = errors.collect("note", optional_text("note", note, MESSAGE_MAX_CHARS));
        errors.clone().into_result()?;
        let (Some(channel), Some(outcome), Some(note)) = (channel, outcome, note) else { return Err(errors.into()) };
        let enquiry = self.store.enquiry(id).await?.ok_or(AppError::NotFound)?;
        let attempt = ContactAttempt { id: ContactAttemptId(new_id()), at: self.now(), channel, outcome, note, by: grant.actor().user_id };
        let change = enquiry.record_attempt(attempt).map_err(change_error)?;
        let mut event = grant.actor().event(self, AuditAction::EnquiryAttemptRecorded, AuditOutcome::Success);
        enquiry_resource(&mut event, id);
        event.detail = Some(format!("{} {}", channel.as_str(), outcome.as_str()));
        self.store.change_enquiry(id, &change, event).await?;
        self.reread(id).await
    }

    /// Moves an enquiry to `status` (`closed` needs a reason). Converting creates a patient,
    /// which this use case does not do, so `converted` is refused here.
    pub async fn change_enquiry_status(&self, grant: &Granted<EnquiryManage>, id: EnquiryId, status: &str, reason: Option<&str>) -> AppResult<EnquiryView> {
        let to = EnquiryStatus::parse(status).map_err(ValidationErrors::from)?;
        if to == EnquiryStatus::Converted {
            return Err(ValidationErrors::one("status", "converted is set by converting the enquiry into a patient, not by a status change").into());
        }
        let enquiry = self.store.enquiry(id).await?.ok_or(AppError::NotFound)?;
        let change = enquiry.change_status(to, reason, self.now()).map_err(change_error)?;
        let mut event = grant.actor().event(self, AuditAction::EnquiryStatusChanged, AuditOutcome::Success);
        enquiry_resource(&mut event, id);
        event.detail = Some(format!("{} -> {}", enquiry.status.as_str(), to.as_str()));
        self.store.change_enquiry(id, &change, event).await?;
        self.reread(id).await
    }

    /// Converts an enquiry into a patient: registers the patient (the enquiry's phone and
    /// e-mail unless the input gives others) and marks the enquiry `converted` with a link to
    /// the new record, in one transaction.
    pub async fn convert_enquiry(
        &self,
        grant: &Granted<EnquiryManage>,
        register: &Granted<PatientRegister>,
        id: EnquiryId,
        input: &PatientInput,
    ) -> AppResult<(Patient, EnquiryView)> {
        let enquiry = self.store.enquiry(id).await?.ok_or(AppError::NotFound)?;
        let mut input = input.clone();
        if input.phone.as_deref().is_none_or(|p| p.trim().is_empty()) {
            input.phone = Some(enquiry.details.phone.as_str().to_owned());
        }
        if input.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
            input.email = enquiry.details.email.as_ref().map(|e| e.as_str().to_owned());
        }
        let mut errors = ValidationErrors::default();
        let details = self.parse_details(&input, &mut errors);
        errors.clone().into_result()?;
        let Some(details) = details else { return Err(errors.into()) };
        let change = enquiry.change_status(EnquiryStatus::Converted, None, self.now()).map_err(change_error)?;
        let new = NewPatient { id: PatientId(new_id()), mrn: None, details, at: self.now(), author: register.actor().user_id };
        let created = register.actor().patient_event(self, AuditAction::PatientCreated, AuditOutcome::Success, new.id);
        let mut converted = grant.actor().patient_event(self, AuditAction::EnquiryConverted, AuditOutcome::Success, new.id);
        converted.resource_type = Some("Enquiry".to_owned());
        converted.resource_id = Some(id.to_string());
        converted.detail = Some(format!("{} -> converted", enquiry.status.as_str()));
        let patient = self.store.convert_enquiry(id, &change, &new, &self.settings.mrn_prefix, vec![created, converted]).await?;
        Ok((patient, self.reread(id).await?))
    }

    async fn reread(&self, id: EnquiryId) -> AppResult<EnquiryView> {
        let enquiry = self.store.enquiry(id).await?.ok_or(AppError::NotFound)?;
        Ok(EnquiryView { overdue: enquiry.overdue(self.now()), enquiry })
    }
}

/// Names the enquiry in an audit event. Enquirers are not patients yet, so `patient_id` stays
/// empty; the enquiry id links the log to the record.
fn enquiry_resource(event: &mut AuditEvent, id: EnquiryId) {
    event.resource_type = Some("Enquiry".to_owned());
    event.resource_id = Some(id.to_string());
}
