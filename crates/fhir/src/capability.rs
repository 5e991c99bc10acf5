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

/// What the server does with one resource type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RestResource {
    #[serde(rename = "type")]
    pub type_: String,
    pub interaction: Vec<Interaction>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub search_param: Vec<SearchParam>,
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

/// The statement of this server as it stands: Patient read and search; Observation read and search (one
/// patient's, by code, category and date); QuestionnaireResponse create (scored) and read.
pub fn capability_statement(base: &crate::ServerBase, version: &str, date: &str) -> CapabilityStatement {
    CapabilityStatement {
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
                RestResource {
                    type_: "Patient".to_owned(),
                    interaction: vec![Interaction { code: "read".to_owned() }, Interaction { code: "search-type".to_owned() }],
                    search_param: vec![
                        param("_id", "token"),
                        param("identifier", "token"),
                        param("family", "string"),
                        param("given", "string"),
                        param("name", "string"),
                        param("birthdate", "date"),
                    ],
                },
                RestResource {
                    type_: "Observation".to_owned(),
                    interaction: vec![Interaction { code: "read".to_owned() }, Interaction { code: "search-type".to_owned() }],
                    search_param: vec![
                        param("patient", "reference"),
                        param("subject", "reference"),
                        param("code", "token"),
                        param("category", "token"),
                        param("date", "date"),
                    ],
                },
                RestResource {
                    type_: "QuestionnaireResponse".to_owned(),
                    interaction: vec![Interaction { code: "read".to_owned() }, Interaction { code: "create".to_owned() }],
                    search_param: Vec::new(),
                },
            ],
        }],
    }
}
