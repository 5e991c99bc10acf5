//! The CapabilityStatement (`GET /fhir/metadata`): it claims exactly what the server does, so a
//! client (or a conformance suite) never tries an interaction we would refuse. Grow it with the
//! server, never ahead of it.

use serde::{Deserialize, Serialize};

fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// One interaction on a resource type (`read`, `search-type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Interaction {
    pub code: String,
}

/// One search parameter a resource type supports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SearchParam {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
}

/// An operation the server runs (`$export`), by its definition's canonical URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Operation {
    pub name: String,
    pub definition: String,
}

/// The Bulk Data Access IG's canonical URLs (the IG's own OperationDefinitions and
/// CapabilityStatement, which clients look for).
pub mod bulk_data {
    pub const CAPABILITY: &str = "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data";
    pub const EXPORT: &str = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export";
    pub const PATIENT_EXPORT: &str = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export";
}

/// What the server does with one resource type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RestResource {
    #[serde(rename = "type")]
    pub type_: String,
    pub interaction: Vec<Interaction>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub search_param: Vec<SearchParam>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub operation: Vec<Operation>,
}

/// How the server is secured (described in words; bearer tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RestSecurity {
    pub description: String,
}

/// The server's REST capabilities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Rest {
    pub mode: String,
    pub security: RestSecurity,
    pub resource: Vec<RestResource>,
    /// System-level operations (`$export`).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub operation: Vec<Operation>,
}

/// The software.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Software {
    pub name: String,
    pub version: String,
}

/// The implementation: this server at its base URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Implementation {
    pub description: String,
    pub url: String,
}

/// FHIR `CapabilityStatement` (an `instance` statement of this server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityStatement {
    /// The CapabilityStatements this server implements (the Bulk Data IG's).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub instantiates: Vec<String>,
    pub status: String,
    pub date: String,
    pub kind: String,
    pub software: Software,
    pub implementation: Implementation,
    pub fhir_version: String,
    pub format: Vec<String>,
    pub rest: Vec<Rest>,
}

fn param(name: &str, type_: &str) -> SearchParam {
    SearchParam { name: name.to_owned(), type_: type_.to_owned() }
}

const READ_SEARCH: &[&str] = &["read", "search-type"];

fn resource(type_: &str, interactions: &[&str], params: &[(&str, &str)]) -> RestResource {
    RestResource {
        type_: type_.to_owned(),
        interaction: interactions.iter().map(|code| Interaction { code: (*code).to_owned() }).collect(),
        search_param: params.iter().map(|(name, t)| param(name, t)).collect(),
        operation: Vec::new(),
    }
}

fn export(name: &str, definition: &str) -> Operation {
    Operation { name: name.to_owned(), definition: definition.to_owned() }
}

/// The statement of this server as it stands: Patient read and search, and `$export` of every
/// patient; Observation read, search (one patient's, by code, category and date) and create
/// (vital signs onto the open session); system `$export`; QuestionnaireResponse create (scored),
/// read and search; Questionnaire read and search (every instrument); Condition and
/// AllergyIntolerance read and search by patient; Encounter and MedicationAdministration read
/// and search by patient and date. Every search also takes `_count` and follows `next` links;
/// the dated ones take `_sort`.
pub fn capability_statement(base: &crate::ServerBase, version: &str, date: &str) -> CapabilityStatement {
    let patient = RestResource {
        operation: vec![export("export", bulk_data::PATIENT_EXPORT)],
        ..resource(
            "Patient",
            READ_SEARCH,
            &[("_id", "token"), ("identifier", "token"), ("family", "string"), ("given", "string"), ("name", "string"), ("birthdate", "date")],
        )
    };
    CapabilityStatement {
        instantiates: vec![bulk_data::CAPABILITY.to_owned()],
        status: "active".to_owned(),
        date: date.to_owned(),
        kind: "instance".to_owned(),
        software: Software { name: "ketaclinic".to_owned(), version: version.to_owned() },
        implementation: Implementation { description: "ketaclinic FHIR R4 endpoint".to_owned(), url: base.fhir() },
        fhir_version: "4.0.1".to_owned(),
        format: vec!["json".to_owned()],
        rest: vec![Rest {
            mode: "server".to_owned(),
            security: RestSecurity {
                description: "Bearer API tokens (`ketaclinic token create`); the token's staff role applies and every access is audited.".to_owned(),
            },
            resource: vec![
                patient,
                resource(
                    "Observation",
                    &["read", "search-type", "create"],
                    &[("patient", "reference"), ("subject", "reference"), ("code", "token"), ("category", "token"), ("date", "date")],
                ),
                resource(
                    "QuestionnaireResponse",
                    &["read", "search-type", "create"],
                    &[("patient", "reference"), ("questionnaire", "reference"), ("authored", "date")],
                ),
                resource("Questionnaire", READ_SEARCH, &[("_id", "token"), ("url", "uri")]),
                resource("Condition", READ_SEARCH, &[("patient", "reference")]),
                resource("AllergyIntolerance", READ_SEARCH, &[("patient", "reference")]),
                resource("Encounter", READ_SEARCH, &[("patient", "reference"), ("date", "date")]),
                resource("MedicationAdministration", READ_SEARCH, &[("patient", "reference"), ("date", "date"), ("effective-time", "date")]),
            ],
            operation: vec![export("export", bulk_data::EXPORT)],
        }],
    }
}
