//! Thin FHIR R4 models for exactly what ketaclinic emits and accepts, and pure mappings from the
//! domain.
//!
//! No Rust FHIR crate is both R4-complete and maintained, and a generated model of all of R4 is
//! tens of thousands of lines we would neither use nor review (ARCHITECTURE.md). So this crate
//! models only the resources and fields we emit, serialises them the way FHIR JSON wants
//! (camelCase, empty values left out, `resourceType` on every resource), and maps domain values
//! onto them. Codes come only from REFERENCE §9 where they are verified (LOINC, SNOMED CT,
//! UCUM, NDC); anything else is a code in a local code system whose canonical URL hangs off the
//! server's configurable base URL ([`ServerBase`]). Every emitted resource type is validated
//! against the official R4 JSON Schema in this crate's tests.

pub mod capability;
pub mod clinical;
pub mod codes;
pub mod map;
pub mod observation_in;
pub mod questionnaire;
pub mod questionnaire_response;
pub mod resources;
pub mod types;

pub use resources::{Bundle, BundleEntry, BundleLink, Observation, ObservationComponent, OperationOutcome, OutcomeIssue, Patient, Resource};
pub use types::{CodeableConcept, Coding, ContactPoint, HumanName, Identifier, Meta, Quantity, Reference};

/// The server's public base URL (e.g. `https://clinic.example.org`), from which the canonical
/// URLs of local code systems and identifier systems are derived, so they are stable for one
/// clinic and distinct between clinics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerBase(String);

impl ServerBase {
    /// `base` without a trailing slash.
    pub fn new(base: &str) -> Self {
        Self(base.trim_end_matches('/').to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The FHIR endpoint (`{base}/fhir`).
    pub fn fhir(&self) -> String {
        format!("{}/fhir", self.0)
    }

    /// A local code system, `{base}/fhir/CodeSystem/{name}`.
    pub fn code_system(&self, name: &str) -> String {
        format!("{}/fhir/CodeSystem/{name}", self.0)
    }

    /// The identifier system of the clinic's medical record numbers.
    pub fn mrn_system(&self) -> String {
        format!("{}/fhir/sid/mrn", self.0)
    }
}
