//! `Questionnaire` at `/fhir`: every instrument definition, read by its id or its key
//! (`/fhir/Questionnaire/qids-sr16` and `…/qids_sr16`, so the canonical URL resolves) and
//! searched with no parameters (all of them), `_id` or `url` (the canonical URL a
//! QuestionnaireResponse names). Definitions are clinic-independent and
//! hold no patient data, so any signed-in token may read them and nothing is audited, as with
//! `GET /api/v1/instruments`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use ketaclinic_fhir::map::questionnaire::{questionnaire, questionnaire_id};
use ketaclinic_fhir::{Resource, ServerBase};

use crate::fhir::{Fhir, FhirActor, Outcome};
use crate::fhir_paging::{Found, Spec, page, parse};
use crate::state::AppState;

const QUESTIONNAIRE: Spec = Spec { resource_type: "Questionnaire", params: &["_id", "url"], dates: &[], patient_required: false };

/// Every instrument as a Questionnaire (undated: in id order). The bulk export calls this to
/// ship the Questionnaires its QuestionnaireResponses name, keeping each [`Found::resource`].
pub fn questionnaire_resources(instruments: &[ketaclinic_domain::instruments::Instrument], base: &ServerBase) -> Vec<Found> {
    instruments
        .iter()
        .map(|i| Found { at: jiff::Timestamp::UNIX_EPOCH, id: questionnaire_id(i.id), resource: Resource::Questionnaire(Box::new(questionnaire(i, base))) })
        .collect()
}

/// `GET /fhir/Questionnaire?…`.
pub async fn search(State(state): State<AppState>, FhirActor(actor): FhirActor, RawQuery(query): RawQuery) -> Result<Fhir, Outcome> {
    let query = query.unwrap_or_default();
    let s = parse(&query, &QUESTIONNAIRE)?;
    let base = ServerBase::new(&state.web.public_url);
    let all = questionnaire_resources(state.app.instruments(&actor), &base);
    let (id, url) = (s.get("_id"), s.get("url"));
    let keep = |f: &Found| {
        let Resource::Questionnaire(q) = &f.resource else { return false };
        id.is_none_or(|id| questionnaire_id(id) == q.id) && url.is_none_or(|url| url == q.url)
    };
    Ok(Fhir(StatusCode::OK, page(all, &s, &QUESTIONNAIRE, &query, &base, keep)))
}

/// `GET /fhir/Questionnaire/{id}` (the id or the instrument key).
pub async fn read(State(state): State<AppState>, FhirActor(actor): FhirActor, Path(id): Path<String>) -> Result<Fhir, Outcome> {
    let instrument = state.app.instrument(&actor, &id.replace('-', "_"))?;
    Ok(Fhir(StatusCode::OK, Resource::Questionnaire(Box::new(questionnaire(instrument, &ServerBase::new(&state.web.public_url))))))
}
