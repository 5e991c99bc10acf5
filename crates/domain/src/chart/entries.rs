//! The list entries of the chart: contact points, emergency contacts, escorts, diagnoses,
//! allergies, medications and the care team.
//!
//! Bodies arrive as JSON (`deny_unknown_fields`, so a misspelt field is an error rather than
//! silently dropped) and are then checked with [`Check`]: texts trimmed and bounded, phone
//! numbers normalised to E.164 with the clinic's region, codes checked against their syntax.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::codes::{self, IcdCode};
use super::{optional_text, required_text};
use crate::eligibility::DrugClass;
use crate::error::{FieldError, ValidationErrors};
use crate::ids::UserId;
use crate::person::Email;
use crate::phone::{E164, PhoneRegion};

/// Longest name of a person or substance.
pub const NAME_MAX: usize = 200;
/// Longest free-text note on an entry.
pub const NOTE_MAX: usize = 2_000;

/// What checking a body needs to know about the clinic.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext {
    /// How national phone numbers are read.
    pub region: PhoneRegion,
    /// The clinic-local date (no date in the chart may be later).
    pub today: Date,
}

/// Checks and normalises a body received from outside.
pub trait Check: Sized {
    /// The checked body, or every refused field.
    fn check(self, ctx: &CheckContext) -> Result<Self, ValidationErrors>;
}

fn phone(field: &str, raw: &str, ctx: &CheckContext) -> Result<String, FieldError> {
    E164::parse(raw, ctx.region).map(|p| p.as_str().to_owned()).map_err(|e| FieldError::new(field, e.message))
}

fn past_date(field: &str, date: Option<Date>, ctx: &CheckContext) -> Result<Option<Date>, FieldError> {
    match date {
        Some(d) if d > ctx.today => Err(FieldError::new(field, "must not be in the future")),
        other => Ok(other),
    }
}

/// Runs field checks, collecting every failure.
struct Checker(ValidationErrors);

impl Checker {
    fn new() -> Self {
        Self(ValidationErrors::default())
    }

    fn take<T: Default>(&mut self, result: Result<T, FieldError>) -> T {
        result.unwrap_or_else(|e| {
            self.0.0.push(e);
            T::default()
        })
    }

    fn finish<T>(self, value: T) -> Result<T, ValidationErrors> {
        self.0.into_result().map(|()| value)
    }
}

/// How a contact point reaches the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ContactSystem {
    #[default]
    Phone,
    Email,
    Address,
}

/// One more way to reach the patient besides the phone and e-mail of the demographics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ContactPoint {
    pub system: ContactSystem,
    /// A phone number (stored E.164), an e-mail address or a postal address.
    pub value: String,
    /// e.g. "mobile", "work", "home".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default)]
    pub preferred: bool,
}

impl Check for ContactPoint {
    fn check(mut self, ctx: &CheckContext) -> Result<Self, ValidationErrors> {
        let mut c = Checker::new();
        self.value = match self.system {
            ContactSystem::Phone => c.take(phone("value", &self.value, ctx)),
            ContactSystem::Email => c.take(Email::parse(&self.value).map(|e| e.as_str().to_owned()).map_err(|e| FieldError::new("value", e.message))),
            ContactSystem::Address => c.take(required_text("value", &self.value, 500)),
        };
        self.label = c.take(optional_text("label", self.label.as_deref(), 40));
        c.finish(self)
    }
}

/// Whom to call in an emergency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EmergencyContact {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
    pub phone: String,
}

impl Check for EmergencyContact {
    fn check(mut self, ctx: &CheckContext) -> Result<Self, ValidationErrors> {
        let mut c = Checker::new();
        self.name = c.take(required_text("name", &self.name, NAME_MAX));
        self.relationship = c.take(optional_text("relationship", self.relationship.as_deref(), 60));
        self.phone = c.take(phone("phone", &self.phone, ctx));
        c.finish(self)
    }
}

/// A person who may drive the patient home after a session. Ketamine and esketamine
/// patients may not drive until the next day (REFERENCE §4.5), so a session checks for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Escort {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Check for Escort {
    fn check(mut self, ctx: &CheckContext) -> Result<Self, ValidationErrors> {
        let mut c = Checker::new();
        self.name = c.take(required_text("name", &self.name, NAME_MAX));
        self.relationship = c.take(optional_text("relationship", self.relationship.as_deref(), 60));
        self.phone = c.take(phone("phone", &self.phone, ctx));
        self.note = c.take(optional_text("note", self.note.as_deref(), NOTE_MAX));
        c.finish(self)
    }
}

/// Whether a problem is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClinicalStatus {
    #[default]
    Active,
    Resolved,
}

/// A diagnosis coded in ICD-10-CM, with the SNOMED CT concept where REFERENCE §9.3 verifies
/// the mapping (looked up, never typed in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    pub icd10cm: String,
    /// Filled from the bundled table when the code is in it; required otherwise.
    #[serde(default)]
    pub display: String,
    /// Set from the bundled table only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snomed: Option<String>,
    #[serde(default)]
    pub primary: bool,
    #[serde(default)]
    pub status: ClinicalStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset: Option<Date>,
}

impl Check for Diagnosis {
    fn check(mut self, ctx: &CheckContext) -> Result<Self, ValidationErrors> {
        let mut c = Checker::new();
        let code = c.take(IcdCode::parse(&self.icd10cm).map(Some));
        let known = code.as_ref().and_then(codes::lookup);
        self.icd10cm = code.as_ref().map(|k| k.as_str().to_owned()).unwrap_or_default();
        self.snomed = known.and_then(|k| k.snomed).map(|s| s.id.to_owned());
        self.display = match (&code, known) {
            (_, Some(k)) if self.display.trim().is_empty() => k.display.to_owned(),
            // A bad code is reported once; asking for its title as well would only add noise.
            (None, _) => self.display.trim().to_owned(),
            _ => c.take(required_text("display", &self.display, NAME_MAX)),
        };
        self.onset = c.take(past_date("onset", self.onset, ctx));
        c.finish(self)
    }
}

/// How bad a reaction was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AllergySeverity {
    Mild,
    Moderate,
    Severe,
    #[default]
    Unknown,
}

/// An allergy or intolerance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Allergy {
    pub substance: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<String>,
    #[serde(default)]
    pub severity: AllergySeverity,
}

impl Check for Allergy {
    fn check(mut self, _ctx: &CheckContext) -> Result<Self, ValidationErrors> {
        let mut c = Checker::new();
        self.substance = c.take(required_text("substance", &self.substance, NAME_MAX));
        self.reaction = c.take(optional_text("reaction", self.reaction.as_deref(), NOTE_MAX));
        c.finish(self)
    }
}

/// A current (or stopped) medication with the classes that matter to ketamine treatment
/// (REFERENCE §3.4). The classes are the union of what staff tag and what the bundled drug
/// table knows about the name; the application fills the latter in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Medication {
    pub name: String,
    /// As prescribed, e.g. "20 mg once daily".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose: Option<String>,
    /// Classes as in the evaluation document (`benzodiazepine`, `ssri` …).
    #[serde(default)]
    pub classes: Vec<DrugClass>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<Date>,
    #[serde(default)]
    pub status: ClinicalStatus,
}

impl Check for Medication {
    fn check(mut self, ctx: &CheckContext) -> Result<Self, ValidationErrors> {
        let mut c = Checker::new();
        self.name = c.take(required_text("name", &self.name, NAME_MAX));
        self.dose = c.take(optional_text("dose", self.dose.as_deref(), 100));
        self.started_on = c.take(past_date("started_on", self.started_on, ctx));
        self.classes.sort();
        self.classes.dedup();
        c.finish(self)
    }
}

/// Someone on the patient's care team: a clinic user or an outside clinician.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CareTeamMember {
    pub name: String,
    /// e.g. "prescriber", "therapist", "referring psychiatrist", "primary care".
    pub role: String,
    /// Set when the member is a staff account of this clinic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Check for CareTeamMember {
    fn check(mut self, ctx: &CheckContext) -> Result<Self, ValidationErrors> {
        let mut c = Checker::new();
        self.name = c.take(required_text("name", &self.name, NAME_MAX));
        self.role = c.take(required_text("role", &self.role, 60));
        self.phone = self.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(|p| c.take(phone("phone", p, ctx)));
        c.finish(self)
    }
}
