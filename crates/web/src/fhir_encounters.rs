//! `Encounter` (treatment sessions) and `MedicationAdministration` (doses given in them) at
//! `/fhir`: read, and search by `patient` and `date` (repeatable, `eq`/`gt`/`ge`/`lt`/`le`;
//! MedicationAdministration also under its R4 name `effective-time`), `_sort` (`date` /
//! `-date`, default oldest first), `_count`, `_total=accurate` and the keyset `next` link.
//! `date` compares with the encounter's start (its booking time while it has not started) and
//! the dose's time (an infusion's start). Both need `clinical.read` and read through one audited
//! use case (`patient_treatments`). Mappings and the status table: `ketaclinic_fhir::map::session`.
//!
//! Ids: an Encounter is its session's uuid (what Observations already reference); a dose is
//! the session's and the event's uuids in base64url (44 characters), so a read finds the
//! session, and from it the patient, without a table of its own.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::treatment_history::PatientTreatments;
use ketaclinic_app::{Actor, AppError};
use ketaclinic_domain::ids::TreatmentSessionId;
use ketaclinic_fhir::map::parse_owned_id;
use ketaclinic_fhir::map::session::{encounter, medication_administrations};
use ketaclinic_fhir::{Resource, ServerBase};

use crate::fhir::{Fhir, FhirActor, Outcome};
use crate::fhir_paging::{Found, Spec, page, parse};
use crate::state::AppState;

const ENCOUNTER: Spec = Spec { resource_type: "Encounter", params: &["patient"], dates: &["date"], patient_required: true };
const ADMINISTRATION: Spec =
    Spec { resource_type: "MedicationAdministration", params: &["patient"], dates: &["date", "effective-time"], patient_required: true };

/// Every Encounter of a patient, one per session of the loaded treatments, dated by start. The
/// bulk export calls this with `App::patient_treatments`' data and keeps each
/// [`Found::resource`].
pub fn encounter_resources(found: &PatientTreatments) -> Vec<Found> {
    found
        .sessions
        .iter()
        .map(|(session, events)| {
            let (at, e) = encounter(session, events);
            Found { at, id: e.id.clone(), resource: Resource::Encounter(Box::new(e)) }
        })
        .collect()
}

/// Every MedicationAdministration of a patient: each dose of each loaded session, dated by
/// when it was given. The bulk export calls this with `App::patient_treatments`' data and keeps
/// each [`Found::resource`].
pub fn medication_administration_resources(found: &PatientTreatments) -> Vec<Found> {
    found
        .sessions
        .iter()
        .flat_map(|(session, events)| medication_administrations(session, events))
        .map(|(at, ma)| Found { at, id: ma.id.clone(), resource: Resource::MedicationAdministration(Box::new(ma)) })
        .collect()
}

/// Which of the two types an endpoint serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Encounter,
    Administration,
}

impl Kind {
    fn spec(self) -> &'static Spec {
        match self {
            Self::Encounter => &ENCOUNTER,
            Self::Administration => &ADMINISTRATION,
        }
    }

    fn resources(self, found: &PatientTreatments) -> Vec<Found> {
        match self {
            Self::Encounter => encounter_resources(found),
            Self::Administration => medication_administration_resources(found),
        }
    }
}

async fn search(state: AppState, actor: Actor, query: Option<String>, kind: Kind) -> Result<Fhir, Outcome> {
    let query = query.unwrap_or_default();
    let s = parse(&query, kind.spec())?;
    let patient = s.patient()?;
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let found = state.app.patient_treatments(&grant, patient).await?;
    Ok(Fhir(StatusCode::OK, page(kind.resources(&found), &s, kind.spec(), &query, &ServerBase::new(&state.web.public_url), |_| true)))
}

async fn read(state: AppState, actor: Actor, id: String, kind: Kind) -> Result<Fhir, Outcome> {
    let not_found = || Outcome::from(AppError::NotFound);
    let session = match kind {
        Kind::Encounter => id.parse::<uuid::Uuid>().ok(),
        Kind::Administration => parse_owned_id(&id).filter(|(_, event)| event.is_some()).map(|(session, _)| session),
    };
    let session = TreatmentSessionId(session.ok_or_else(not_found)?);
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let patient = state.app.patient_of_session(&grant, session).await?;
    let found = state.app.patient_treatments(&grant, patient).await?;
    let hit = kind.resources(&found).into_iter().find(|f| f.id == id).ok_or_else(not_found)?;
    Ok(Fhir(StatusCode::OK, hit.resource))
}

/// `GET /fhir/Encounter?patient=…`.
pub async fn search_encounters(State(state): State<AppState>, FhirActor(actor): FhirActor, RawQuery(query): RawQuery) -> Result<Fhir, Outcome> {
    search(state, actor, query, Kind::Encounter).await
}

/// `GET /fhir/Encounter/{id}`.
pub async fn read_encounter(State(state): State<AppState>, FhirActor(actor): FhirActor, Path(id): Path<String>) -> Result<Fhir, Outcome> {
    read(state, actor, id, Kind::Encounter).await
}

/// `GET /fhir/MedicationAdministration?patient=…`.
pub async fn search_administrations(State(state): State<AppState>, FhirActor(actor): FhirActor, RawQuery(query): RawQuery) -> Result<Fhir, Outcome> {
    search(state, actor, query, Kind::Administration).await
}

/// `GET /fhir/MedicationAdministration/{id}`.
pub async fn read_administration(State(state): State<AppState>, FhirActor(actor): FhirActor, Path(id): Path<String>) -> Result<Fhir, Outcome> {
    read(state, actor, id, Kind::Administration).await
}
