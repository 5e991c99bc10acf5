//! `QuestionnaireResponse` at `/fhir`: `POST` records an assessment through the same use case
//! as the native API (so it is validated and scored exactly alike, and raises the same safety
//! alerts), and `GET …/{id}` reads one back. The created response's `Link` header names the
//! score Observation(s) derived from it. Search takes `patient` (required), `questionnaire`
//! (the canonical URL or the instrument key; comma-separated alternatives), `authored` (with
//! prefixes), `_sort=authored|-authored`, `_count`, `_total` and the keyset `next` link.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ketaclinic_app::AppError;
use ketaclinic_app::assessments::AssessmentInput;
use ketaclinic_app::observations::PatientObservations;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ids::PatientId;
use ketaclinic_fhir::map::assessment::score_observations;
use ketaclinic_fhir::map::{owned_id, parse_owned_id, reference_id};
use ketaclinic_fhir::questionnaire_response::{incoming, questionnaire_response};
use ketaclinic_fhir::{OperationOutcome, Resource, ServerBase};

use crate::fhir::{Fhir, FhirActor, Outcome};
use crate::fhir_paging::{Found, Spec, page, parse};
use crate::state::AppState;

fn invalid(issues: Vec<(String, String)>) -> Outcome {
    Outcome::with(StatusCode::UNPROCESSABLE_ENTITY, OperationOutcome::invalid(issues))
}

/// `POST /fhir/QuestionnaireResponse` (`assessment.record`): 201 with the stored response.
pub async fn create(State(state): State<AppState>, FhirActor(actor): FhirActor, body: Bytes) -> Result<Response, Outcome> {
    let resource: Resource = serde_json::from_slice(&body).map_err(|e| {
        Outcome::with(StatusCode::BAD_REQUEST, OperationOutcome::error("structure", format!("not a FHIR resource this server reads: {e}"), None))
    })?;
    let Resource::QuestionnaireResponse(qr) = resource else {
        return Err(Outcome::with(
            StatusCode::BAD_REQUEST,
            OperationOutcome::error("structure", "the body must be a QuestionnaireResponse", Some("resourceType")),
        ));
    };
    let input = incoming(&qr).map_err(|errors| invalid(errors.into_iter().map(|e| (e.expression, e.message)).collect()))?;
    let patient = input
        .patient
        .parse::<uuid::Uuid>()
        .map(PatientId)
        .map_err(|_| invalid(vec![("QuestionnaireResponse.subject".to_owned(), "is not a patient of this server".to_owned())]))?;
    let grant = state.app.authorize::<perm::AssessmentRecord>(&actor).await?;
    let recorded = state
        .app
        .record_assessment(
            &grant,
            patient,
            AssessmentInput { instrument: input.instrument, answers: input.answers, administered_at: input.authored, session_id: None },
        )
        .await
        .map_err(|e| match e {
            AppError::Invalid(errors) => invalid(
                errors
                    .0
                    .into_iter()
                    .map(|f| match f.field.strip_prefix("answers.") {
                        Some(link_id) => (format!("QuestionnaireResponse.item.where(linkId='{link_id}')"), f.message),
                        None => (format!("QuestionnaireResponse ({})", f.field), f.message),
                    })
                    .collect(),
            ),
            AppError::NotFound => invalid(vec![("QuestionnaireResponse.subject".to_owned(), "is not a patient of this server".to_owned())]),
            other => other.into(),
        })?;
    let base = ServerBase::new(&state.web.public_url);
    let stored = questionnaire_response(&recorded, false, &base);
    let id = owned_id(recorded.patient_id.0, recorded.id.0);
    let mut response = Fhir(StatusCode::CREATED, Resource::QuestionnaireResponse(Box::new(stored))).into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&format!("{}/QuestionnaireResponse/{id}", base.fhir())) {
        headers.insert(header::LOCATION, location);
    }
    let links: Vec<String> = score_observations(&recorded, false, &base)
        .iter()
        .map(|(part, _)| format!("<{}/Observation/{}-{id}>; rel=\"related\"", base.fhir(), part.as_str()))
        .collect();
    if let Ok(link) = HeaderValue::from_str(&links.join(", "))
        && !links.is_empty()
    {
        headers.insert(header::LINK, link);
    }
    Ok(response)
}

/// `GET /fhir/QuestionnaireResponse/{id}` (`clinical.read`).
pub async fn read(State(state): State<AppState>, FhirActor(actor): FhirActor, Path(id): Path<String>) -> Result<Fhir, Outcome> {
    let not_found = || Outcome::from(AppError::NotFound);
    let (patient, assessment) = parse_owned_id(&id).and_then(|(p, a)| Some((PatientId(p), a?))).ok_or_else(not_found)?;
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let found = state.app.patient_observations(&grant, patient).await?;
    let (a, corrected) = found.assessments.iter().find(|(a, _)| a.id.0 == assessment).ok_or_else(not_found)?;
    let base = ServerBase::new(&state.web.public_url);
    Ok(Fhir(StatusCode::OK, Resource::QuestionnaireResponse(Box::new(questionnaire_response(a, *corrected, &base)))))
}

const RESPONSE: Spec = Spec { resource_type: "QuestionnaireResponse", params: &["patient", "questionnaire"], dates: &["authored"], patient_required: true };

/// Every QuestionnaireResponse of a patient (one per assessment, entered-in-error ones with that
/// status), dated by when it was administered. The bulk export calls this with the
/// observations it loaded and keeps each [`Found::resource`].
pub fn questionnaire_response_resources(found: &PatientObservations, base: &ServerBase) -> Vec<Found> {
    found
        .assessments
        .iter()
        .map(|(a, corrected)| Found {
            at: a.administered_at,
            id: owned_id(a.patient_id.0, a.id.0),
            resource: Resource::QuestionnaireResponse(Box::new(questionnaire_response(a, *corrected, base))),
        })
        .collect()
}

/// `GET /fhir/QuestionnaireResponse?patient=…` (`clinical.read`; audited as the patient's
/// observations read, which is where assessments are loaded from).
pub async fn search(State(state): State<AppState>, FhirActor(actor): FhirActor, RawQuery(query): RawQuery) -> Result<Fhir, Outcome> {
    let query = query.unwrap_or_default();
    let s = parse(&query, &RESPONSE)?;
    let patient = s.patient()?;
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let found = state.app.patient_observations(&grant, patient).await?;
    let base = ServerBase::new(&state.web.public_url);
    let wanted: Option<Vec<&str>> = s.get("questionnaire").map(|q| q.split(',').map(|one| reference_id(one, "Questionnaire")).collect());
    let keep = |f: &Found| {
        let Resource::QuestionnaireResponse(qr) = &f.resource else { return false };
        let instrument = qr.questionnaire.as_deref().map(|q| reference_id(q, "Questionnaire"));
        wanted.as_ref().is_none_or(|list| instrument.is_some_and(|i| list.contains(&i)))
    };
    Ok(Fhir(StatusCode::OK, page(questionnaire_response_resources(&found, &base), &s, &RESPONSE, &query, &base, keep)))
}
