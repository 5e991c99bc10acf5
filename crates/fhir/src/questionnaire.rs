//! `Questionnaire`: an instrument definition as FHIR sees it, so a client can render it, fill
//! it in and `POST` the QuestionnaireResponse. Only the fields we fill are modelled.

use serde::{Deserialize, Serialize};

use crate::types::Coding;

fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// One allowed answer (the scored value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AnswerOption {
    pub value_integer: i64,
}

/// An item asked only when an earlier yes/no item was answered yes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct EnableWhen {
    pub question: String,
    pub operator: String,
    pub answer_boolean: bool,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireItem {
    pub link_id: String,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub code: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `integer` (a choice of scored values) or `boolean`.
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub enable_when: Vec<EnableWhen>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub answer_option: Vec<AnswerOption>,
}

/// FHIR `Questionnaire`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Questionnaire {
    pub id: String,
    pub url: String,
    /// A computer-friendly name (the instrument key in capitals, e.g. `PHQ9`).
    pub name: String,
    pub title: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub subject_type: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copyright: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub code: Vec<Coding>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub item: Vec<QuestionnaireItem>,
}
