//! The FHIR R4 resources we emit. [`Resource`] carries `resourceType`, so a resource on its own
//! and a resource inside a Bundle serialise the same way.

use serde::{Deserialize, Serialize};

use crate::types::{CodeableConcept, ContactPoint, HumanName, Identifier, Meta, Quantity, Reference};

fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// Any resource we emit, tagged with its `resourceType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "resourceType")]
pub enum Resource {
    CapabilityStatement(Box<crate::capability::CapabilityStatement>),
    Patient(Box<Patient>),
    Observation(Box<Observation>),
    QuestionnaireResponse(Box<crate::questionnaire_response::QuestionnaireResponse>),
    Questionnaire(Box<crate::questionnaire::Questionnaire>),
    Condition(Box<crate::clinical::Condition>),
    AllergyIntolerance(Box<crate::clinical::AllergyIntolerance>),
    Encounter(Box<crate::clinical::Encounter>),
    MedicationAdministration(Box<crate::clinical::MedicationAdministration>),
    /// Only ever contained in a MedicationAdministration, to carry the lot number.
    Medication(Box<crate::clinical::Medication>),
    OperationOutcome(OperationOutcome),
    Bundle(Bundle),
}

/// A patient (FHIR `Patient`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub name: Vec<HumanName>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub telecom: Vec<ContactPoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

/// One part of a multi-part observation (the systolic and diastolic of a blood pressure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ObservationComponent {
    pub code: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
}

/// A measurement or a score (FHIR `Observation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `final`, or `entered-in-error` for a corrected record.
    pub status: String,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub category: Vec<CodeableConcept>,
    pub code: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub interpretation: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<Reference>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub derived_from: Vec<Reference>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub component: Vec<ObservationComponent>,
}

/// One problem reported by an `OperationOutcome`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeIssue {
    /// `fatal`, `error`, `warning` or `information`.
    pub severity: String,
    /// An `IssueType` code (`invalid`, `not-found`, `forbidden`, `processing` …).
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub expression: Vec<String>,
}

/// Errors and warnings (FHIR `OperationOutcome`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    pub issue: Vec<OutcomeIssue>,
}

impl OperationOutcome {
    /// Error issues of code `invalid`, one per `(expression, diagnostics)`: how every refused
    /// input (a bad search parameter, a malformed resource, a failed validation) is reported.
    pub fn invalid(issues: impl IntoIterator<Item = (String, String)>) -> Self {
        let issue = issues
            .into_iter()
            .map(|(expression, diagnostics)| OutcomeIssue {
                severity: "error".to_owned(),
                code: "invalid".to_owned(),
                diagnostics: Some(diagnostics),
                expression: vec![expression],
            })
            .collect();
        Self { issue }
    }

    /// One error issue.
    pub fn error(code: &str, diagnostics: impl Into<String>, expression: Option<&str>) -> Self {
        Self {
            issue: vec![OutcomeIssue {
                severity: "error".to_owned(),
                code: code.to_owned(),
                diagnostics: Some(diagnostics.into()),
                expression: expression.map(str::to_owned).into_iter().collect(),
            }],
        }
    }
}

/// A link of a search Bundle (`self`, `next`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BundleLink {
    pub relation: String,
    pub url: String,
}

/// How an entry came to be in a search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BundleSearch {
    /// `match` or `include`.
    pub mode: String,
}

/// One resource in a Bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    /// The resource's absolute URL (`{base}/fhir/Patient/{id}`); required for resources with an
    /// id in a searchset (Bundle rule bdl-7 and the fullUrl conventions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    pub resource: Resource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<BundleSearch>,
}

/// A search result (FHIR `Bundle` of type `searchset`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    #[serde(rename = "type")]
    pub type_: String,
    /// Only when the client asked for `_total=accurate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub link: Vec<BundleLink>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub entry: Vec<BundleEntry>,
}
