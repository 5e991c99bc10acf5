//! `Condition` (the chart's diagnoses) and `AllergyIntolerance` (its allergies) at `/fhir`:
//! read, and search by `patient` with `_count`, `_total` and the keyset `next` link. Both read
//! through the chart use case, which checks `clinical.read` and audits the read of the
//! patient's chart; entries marked entered in error are included with that verification status
//! (see `ketaclinic_fhir::map::chart`). Ids are the patient's and the entry's uuids, so a read
//! knows whose chart to open. Undated: pages are in id order.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use ketaclinic_app::AppError;
use ketaclinic_domain::chart::{ChartEntry, ChartKind};
use ketaclinic_domain::ids::PatientId;
use ketaclinic_fhir::map::chart::{allergy_intolerance, chart_id, condition};
use ketaclinic_fhir::map::parse_owned_id;
use ketaclinic_fhir::{Resource, ServerBase};

use crate::fhir::{Fhir, FhirActor, Outcome};
use crate::fhir_paging::{Found, Spec, page, parse};
use crate::state::AppState;

const CONDITION: Spec = Spec { resource_type: "Condition", params: &["patient"], dates: &[], patient_required: true };
const ALLERGY: Spec = Spec { resource_type: "AllergyIntolerance", params: &["patient"], dates: &[], patient_required: true };

fn undated(entry: &ChartEntry, resource: Resource) -> Option<Found> {
    Some(Found { at: jiff::Timestamp::UNIX_EPOCH, id: chart_id(entry)?, resource })
}

/// Every Condition of a patient, from their diagnosis entries as the chart use case returns them
/// (`ChartKind::Diagnosis`, entered-in-error included). The bulk export calls this with the
/// entries it loaded and keeps each [`Found::resource`].
pub fn condition_resources(entries: &[ChartEntry]) -> Vec<Found> {
    entries.iter().filter_map(|e| undated(e, Resource::Condition(Box::new(condition(e)?)))).collect()
}

/// Every AllergyIntolerance of a patient, from their allergy entries (`ChartKind::Allergy`,
/// entered-in-error included). The bulk export calls this with the entries it loaded and keeps
/// each [`Found::resource`].
pub fn allergy_intolerance_resources(entries: &[ChartEntry]) -> Vec<Found> {
    entries.iter().filter_map(|e| undated(e, Resource::AllergyIntolerance(Box::new(allergy_intolerance(e)?)))).collect()
}

/// The chart entries of one kind (audited; `clinical.read`).
async fn entries(state: &AppState, actor: &ketaclinic_app::Actor, patient: PatientId, kind: ChartKind) -> Result<Vec<ChartEntry>, Outcome> {
    Ok(state.app.chart_entries(actor, patient, &[kind], true).await?)
}

async fn search(state: AppState, actor: ketaclinic_app::Actor, query: Option<String>, spec: &Spec, kind: ChartKind) -> Result<Fhir, Outcome> {
    let query = query.unwrap_or_default();
    let s = parse(&query, spec)?;
    let found = entries(&state, &actor, s.patient()?, kind).await?;
    let all = if kind == ChartKind::Diagnosis { condition_resources(&found) } else { allergy_intolerance_resources(&found) };
    Ok(Fhir(StatusCode::OK, page(all, &s, spec, &query, &ServerBase::new(&state.web.public_url), |_| true)))
}

async fn read(state: AppState, actor: ketaclinic_app::Actor, id: String, kind: ChartKind) -> Result<Fhir, Outcome> {
    let not_found = || Outcome::from(AppError::NotFound);
    let (patient, _) = parse_owned_id(&id).filter(|(_, entry)| entry.is_some()).ok_or_else(not_found)?;
    let found = entries(&state, &actor, PatientId(patient), kind).await?;
    let all = if kind == ChartKind::Diagnosis { condition_resources(&found) } else { allergy_intolerance_resources(&found) };
    let hit = all.into_iter().find(|f| f.id == id).ok_or_else(not_found)?;
    Ok(Fhir(StatusCode::OK, hit.resource))
}

/// `GET /fhir/Condition?patient=…`.
pub async fn search_conditions(State(state): State<AppState>, FhirActor(actor): FhirActor, RawQuery(query): RawQuery) -> Result<Fhir, Outcome> {
    search(state, actor, query, &CONDITION, ChartKind::Diagnosis).await
}

/// `GET /fhir/Condition/{id}`.
pub async fn read_condition(State(state): State<AppState>, FhirActor(actor): FhirActor, Path(id): Path<String>) -> Result<Fhir, Outcome> {
    read(state, actor, id, ChartKind::Diagnosis).await
}

/// `GET /fhir/AllergyIntolerance?patient=…`.
pub async fn search_allergies(State(state): State<AppState>, FhirActor(actor): FhirActor, RawQuery(query): RawQuery) -> Result<Fhir, Outcome> {
    search(state, actor, query, &ALLERGY, ChartKind::Allergy).await
}

/// `GET /fhir/AllergyIntolerance/{id}`.
pub async fn read_allergy(State(state): State<AppState>, FhirActor(actor): FhirActor, Path(id): Path<String>) -> Result<Fhir, Outcome> {
    read(state, actor, id, ChartKind::Allergy).await
}
