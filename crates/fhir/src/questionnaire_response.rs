//! `QuestionnaireResponse`: the answers of an assessment, emitted, and accepted from a client to
//! be scored exactly as the native API scores them. Items are the instrument's item ids as
//! `linkId`s; a choice is a `valueInteger` (the option's scored value), a yes/no a
//! `valueBoolean`. The questionnaire is named by its canonical URL,
//! `{base}/fhir/Questionnaire/{instrument}`.

use jiff::Timestamp;
use ketaclinic_domain::assessment::Assessment;
use serde::{Deserialize, Serialize};

use crate::ServerBase;
use crate::map::reference_id;
use crate::types::Reference;

fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Answer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
}

/// One item and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub link_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub answer: Vec<Answer>,
}

/// FHIR `QuestionnaireResponse`, the fields we emit and read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questionnaire: Option<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authored: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub item: Vec<Item>,
}

/// The canonical URL of an instrument's Questionnaire.
pub fn questionnaire_url(base: &ServerBase, instrument: &str) -> String {
    format!("{}/Questionnaire/{instrument}", base.fhir())
}

/// An assessment's answers as a QuestionnaireResponse (id = the assessment's).
pub fn questionnaire_response(a: &Assessment, entered_in_error: bool, base: &ServerBase) -> QuestionnaireResponse {
    let item = a
        .answers
        .as_object()
        .map(|answers| {
            answers
                .iter()
                .filter_map(|(link_id, value)| {
                    let answer = match value {
                        serde_json::Value::Bool(b) => Answer { value_boolean: Some(*b), ..Answer::default() },
                        other => Answer { value_integer: Some(other.as_i64()?), ..Answer::default() },
                    };
                    Some(Item { link_id: link_id.clone(), text: None, answer: vec![answer] })
                })
                .collect()
        })
        .unwrap_or_default();
    QuestionnaireResponse {
        id: Some(crate::map::owned_id(a.patient_id.0, a.id.0)),
        questionnaire: Some(questionnaire_url(base, &a.instrument)),
        status: if entered_in_error { "entered-in-error" } else { "completed" }.to_owned(),
        subject: Some(Reference::to("Patient", a.patient_id)),
        authored: Some(super::map::instant(a.administered_at)),
        item,
    }
}

/// What an incoming QuestionnaireResponse asks to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub patient: String,
    pub instrument: String,
    /// Item id → value, the native API's `answers`.
    pub answers: serde_json::Value,
    pub authored: Option<Timestamp>,
}

/// A problem with an incoming resource: the FHIRPath-ish expression and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub expression: String,
    pub message: String,
}

impl InputError {
    pub(crate) fn new(expression: &str, message: &str) -> Self {
        Self { expression: expression.to_owned(), message: message.to_owned() }
    }
}

/// Reads an incoming QuestionnaireResponse. Scoring (and so the validation of the answers
/// against the instrument) is the caller's, through the same use case as the native API.
pub fn incoming(qr: &QuestionnaireResponse) -> Result<Incoming, Vec<InputError>> {
    let mut errors = Vec::new();
    if qr.status != "completed" {
        errors.push(InputError::new("QuestionnaireResponse.status", "must be completed: only finished questionnaires are scored"));
    }
    let instrument = qr.questionnaire.as_deref().map(|q| reference_id(q, "Questionnaire").to_owned()).filter(|q| !q.is_empty());
    if instrument.is_none() {
        errors.push(InputError::new("QuestionnaireResponse.questionnaire", "is required: the Questionnaire's canonical URL (…/Questionnaire/phq9)"));
    }
    let patient = qr.subject.as_ref().and_then(|s| s.reference.as_deref()).filter(|r| r.contains("Patient/")).map(|r| reference_id(r, "Patient").to_owned());
    if patient.is_none() {
        errors.push(InputError::new("QuestionnaireResponse.subject", "is required: a reference to the Patient"));
    }
    let authored = match qr.authored.as_deref() {
        None => None,
        Some(raw) => match raw.parse::<Timestamp>() {
            Ok(at) => Some(at),
            Err(_) => {
                errors.push(InputError::new("QuestionnaireResponse.authored", "must be an instant with a time zone (RFC 3339)"));
                None
            }
        },
    };
    let mut answers = serde_json::Map::new();
    for (i, item) in qr.item.iter().enumerate() {
        let at = format!("QuestionnaireResponse.item[{i}]");
        match item.answer.as_slice() {
            [Answer { value_integer: Some(v), value_boolean: None }] => {
                answers.insert(item.link_id.clone(), serde_json::Value::from(*v));
            }
            [Answer { value_integer: None, value_boolean: Some(b) }] => {
                answers.insert(item.link_id.clone(), serde_json::Value::Bool(*b));
            }
            [] => {}
            _ => errors.push(InputError::new(&at, "must have one answer, a valueInteger or a valueBoolean")),
        }
        if answers.len() > 200 {
            errors.push(InputError::new("QuestionnaireResponse.item", "has too many items"));
            break;
        }
    }
    match (patient, instrument, errors.is_empty()) {
        (Some(patient), Some(instrument), true) => Ok(Incoming { patient, instrument, answers: serde_json::Value::Object(answers), authored }),
        _ => Err(errors),
    }
}
