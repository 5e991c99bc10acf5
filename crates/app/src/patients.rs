//! Registering, finding, opening and correcting patients.

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::patient::{Mrn, Patient, PatientDetails, PatientVersion};
use ketaclinic_domain::person::{BirthDate, Email, PersonName, Phone, Sex};
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};
use ketaclinic_store::{NewPatient, PatientCursor, PatientQuery};

use crate::App;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{PatientMarkEnteredInError, PatientRead, PatientRegister, PatientUpdate};

/// Longest accepted search text.
pub const SEARCH_MAX_CHARS: usize = 100;
/// Largest page a list returns.
pub const PAGE_MAX: u32 = 100;
/// Page size when none is asked for.
pub const PAGE_DEFAULT: u32 = 25;

/// Patient details as typed (strings), parsed together so every bad field is reported.
#[derive(Debug, Clone, Default)]
pub struct PatientInput {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub sex: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// One page of a list and where the next one starts.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Opaque; pass back as `cursor` for the next page. `None` on the last page.
    pub next_cursor: Option<String>,
}

fn blank_to_none(value: Option<&String>) -> Option<&str> {
    value.map(|s| s.trim()).filter(|s| !s.is_empty())
}

impl App {
    /// The clinic-local date today (birth dates may not be later).
    fn today(&self) -> jiff::civil::Date {
        self.now().to_zoned(self.settings.timezone.clone()).date()
    }

    pub(crate) fn parse_details(&self, input: &PatientInput, errors: &mut ValidationErrors) -> Option<PatientDetails> {
        let given = errors.collect("given_name", PersonName::parse(&input.given_name));
        let family = errors.collect("family_name", PersonName::parse(&input.family_name));
        let birth = errors.collect("birth_date", BirthDate::parse(&input.birth_date, self.today()));
        let sex = errors.collect("sex", Sex::parse(&input.sex));
        let phone = blank_to_none(input.phone.as_ref()).map(|p| errors.collect("phone", Phone::parse(p)));
        let email = blank_to_none(input.email.as_ref()).map(|e| errors.collect("email", Email::parse(e)));
        Some(PatientDetails {
            given_name: given?,
            family_name: family?,
            birth_date: birth?,
            sex: sex?,
            phone: match phone {
                Some(p) => Some(p?),
                None => None,
            },
            email: match email {
                Some(e) => Some(e?),
                None => None,
            },
        })
    }

    /// Registers a patient; the MRN is generated unless one is given.
    pub async fn register_patient(&self, grant: &Granted<PatientRegister>, input: &PatientInput, mrn: Option<&str>) -> AppResult<Patient> {
        let mut errors = ValidationErrors::default();
        let details = self.parse_details(input, &mut errors);
        let mrn = blank_to_none(mrn.map(str::to_owned).as_ref()).map(|m| errors.collect("mrn", Mrn::parse(m)));
        errors.clone().into_result()?;
        let (Some(details), mrn) = (details, mrn.flatten()) else { return Err(errors.into()) };
        let new = NewPatient { id: PatientId(new_id()), mrn, details, at: self.now(), author: grant.actor().user_id };
        let event = grant.actor().patient_event(self, AuditAction::PatientCreated, AuditOutcome::Success, new.id);
        self.store.insert_patient(&new, &self.settings.mrn_prefix, event).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Invalid(ValidationErrors::one("mrn", "is already assigned to another patient")),
            other => other,
        })
    }

    /// Opens a patient record. The read is on the audit log before the data is returned.
    pub async fn patient(&self, grant: &Granted<PatientRead>, id: PatientId) -> AppResult<Patient> {
        let found = self.store.patient(id).await?;
        let outcome = if found.is_some() { AuditOutcome::Success } else { AuditOutcome::Failure };
        self.store.append_audit(vec![grant.actor().patient_event(self, AuditAction::PatientRead, outcome, id)]).await?;
        found.ok_or(AppError::NotFound)
    }

    /// Finds patients by name words, MRN or birth date (`YYYY-MM-DD`), a page at a time.
    pub async fn search_patients(
        &self,
        grant: &Granted<PatientRead>,
        text: &str,
        cursor: Option<&str>,
        limit: Option<u32>,
        include_entered_in_error: bool,
    ) -> AppResult<Page<Patient>> {
        let text = text.trim();
        if text.chars().count() > SEARCH_MAX_CHARS {
            return Err(ValidationErrors::one("q", format!("must be at most {SEARCH_MAX_CHARS} characters")).into());
        }
        let limit = limit.unwrap_or(PAGE_DEFAULT);
        if !(1..=PAGE_MAX).contains(&limit) {
            return Err(ValidationErrors::one("limit", format!("must be between 1 and {PAGE_MAX}")).into());
        }
        let mut query = PatientQuery { include_entered_in_error, ..PatientQuery::default() };
        match text.parse::<jiff::civil::Date>() {
            Ok(date) => query.birth_date = Some(date),
            Err(_) => query.words = text.split_whitespace().take(3).map(str::to_lowercase).collect(),
        }
        let after = cursor.map(decode_cursor).transpose()?;
        let items = self.store.search_patients(&query, after.as_ref(), limit).await?;
        let mut event = grant.actor().event(self, AuditAction::PatientSearched, AuditOutcome::Success);
        event.detail = Some(format!("{} results", items.len()));
        self.store.append_audit(vec![event]).await?;
        let full = u32::try_from(items.len()).is_ok_and(|n| n == limit);
        let next_cursor = items.last().filter(|_| full).map(encode_cursor);
        Ok(Page { items, next_cursor })
    }

    /// Corrects a patient's details: a new version with the author, time and reason.
    pub async fn update_patient(
        &self,
        grant: &Granted<PatientUpdate>,
        id: PatientId,
        input: &PatientInput,
        expected: Version,
        reason: &str,
    ) -> AppResult<Patient> {
        let mut errors = ValidationErrors::default();
        let details = self.parse_details(input, &mut errors);
        let reason = errors.collect("reason", ChangeReason::parse(reason));
        errors.clone().into_result()?;
        let (Some(details), Some(reason)) = (details, reason) else { return Err(errors.into()) };
        let current = self.store.patient(id).await?.ok_or(AppError::NotFound)?;
        let revised = current.revised(details, current.status, self.now());
        self.save_revision(grant.actor(), revised, expected, reason).await
    }

    /// Marks a patient record as entered in error (or back to active): a status, never a delete.
    pub async fn set_patient_status(
        &self,
        grant: &Granted<PatientMarkEnteredInError>,
        id: PatientId,
        status: RecordStatus,
        expected: Version,
        reason: &str,
    ) -> AppResult<Patient> {
        let reason = ChangeReason::parse(reason).map_err(ValidationErrors::from)?;
        let current = self.store.patient(id).await?.ok_or(AppError::NotFound)?;
        let revised = current.revised(current.details.clone(), status, self.now());
        self.save_revision(grant.actor(), revised, expected, reason).await
    }

    async fn save_revision(&self, actor: &crate::Actor, revised: Patient, expected: Version, reason: ChangeReason) -> AppResult<Patient> {
        let version = PatientVersion::of(&revised, actor.user_id, Some(reason));
        let mut event = actor.patient_event(self, AuditAction::PatientUpdated, AuditOutcome::Success, revised.id);
        event.detail = Some(format!("version {}", revised.version.0));
        self.store.update_patient(&revised, &version, expected, event).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(msg) => AppError::Conflict(format!("the record changed since you opened it ({msg}); reload and try again")),
            other => other,
        })?;
        Ok(revised)
    }

    /// Every version of a patient record, oldest first.
    pub async fn patient_history(&self, grant: &Granted<PatientRead>, id: PatientId) -> AppResult<Vec<PatientVersion>> {
        let versions = self.store.patient_history(id).await?;
        let outcome = if versions.is_empty() { AuditOutcome::Failure } else { AuditOutcome::Success };
        self.store.append_audit(vec![grant.actor().patient_event(self, AuditAction::PatientHistoryRead, outcome, id)]).await?;
        if versions.is_empty() { Err(AppError::NotFound) } else { Ok(versions) }
    }
}

const CURSOR_SEP: char = '\u{1f}';

/// The keyset position just after `p` in the patient list's order.
pub(crate) fn cursor_after(p: &Patient) -> PatientCursor {
    PatientCursor { family: p.details.family_name.as_str().to_lowercase(), given: p.details.given_name.as_str().to_lowercase(), id: p.id }
}

fn encode_cursor(p: &Patient) -> String {
    let c = cursor_after(p);
    hex::encode(format!("{}{CURSOR_SEP}{}{CURSOR_SEP}{}", c.family, c.given, c.id))
}

fn decode_cursor(raw: &str) -> AppResult<PatientCursor> {
    let bad = || AppError::Invalid(ValidationErrors::one("cursor", "is not a cursor this server issued"));
    let text = String::from_utf8(hex::decode(raw).map_err(|_| bad())?).map_err(|_| bad())?;
    let mut parts = text.split(CURSOR_SEP);
    let (Some(family), Some(given), Some(id), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
    Ok(PatientCursor { family: family.to_owned(), given: given.to_owned(), id: id.parse().map_err(|_| bad())? })
}
