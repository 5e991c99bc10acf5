//! The FHIR R4 endpoint at `/fhir` (issue 7): `application/fhir+json`, bearer tokens only, the
//! token's staff role applies, every access is audited by the use cases it calls, and every
//! error is an `OperationOutcome`. It serves what the CapabilityStatement claims and nothing
//! more; any other `/fhir` path is a 404 `not-supported` outcome rather than a silent gap.

use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{Actor, AppError, AuthVia};
use ketaclinic_domain::ids::PatientId;
use ketaclinic_fhir::capability::capability_statement;
use ketaclinic_fhir::map::patient::patient;
use ketaclinic_fhir::{OperationOutcome, Resource, ServerBase};

use crate::auth::Caller;
use crate::state::AppState;

/// The FHIR content type.
pub const FHIR_JSON: &str = "application/fhir+json";

/// Every `/fhir` route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route("/fhir/Patient", get(crate::fhir_patients::search))
        .route("/fhir/Patient/{id}", get(read_patient))
        .route("/fhir/Observation", get(crate::fhir_observations::search).post(crate::fhir_observation_create::create))
        .route("/fhir/Observation/{id}", get(crate::fhir_observations::read))
        .route("/fhir/QuestionnaireResponse", post(crate::fhir_questionnaires::create).get(crate::fhir_questionnaires::search))
        .route("/fhir/Questionnaire", get(crate::fhir_instruments::search))
        .route("/fhir/Questionnaire/{id}", get(crate::fhir_instruments::read))
        .route("/fhir/Condition", get(crate::fhir_chart::search_conditions))
        .route("/fhir/Condition/{id}", get(crate::fhir_chart::read_condition))
        .route("/fhir/AllergyIntolerance", get(crate::fhir_chart::search_allergies))
        .route("/fhir/AllergyIntolerance/{id}", get(crate::fhir_chart::read_allergy))
        .route("/fhir/Encounter", get(crate::fhir_encounters::search_encounters))
        .route("/fhir/Encounter/{id}", get(crate::fhir_encounters::read_encounter))
        .route("/fhir/MedicationAdministration", get(crate::fhir_encounters::search_administrations))
        .route("/fhir/MedicationAdministration/{id}", get(crate::fhir_encounters::read_administration))
        .route("/fhir/QuestionnaireResponse/{id}", get(crate::fhir_questionnaires::read))
        .route("/fhir/$export", get(crate::fhir_export::kick_off_system))
        .route("/fhir/Patient/$export", get(crate::fhir_export::kick_off_patients))
        .route("/fhir/$export-status/{job}", get(crate::fhir_export::status).delete(crate::fhir_export::cancel))
        .route("/fhir/$export-file/{job}/{file}", get(crate::fhir_export::file))
        .route("/fhir/{*rest}", any(unsupported))
}

/// A FHIR response: the resource (or outcome) as `application/fhir+json`.
#[derive(Debug)]
pub struct Fhir(pub StatusCode, pub Resource);

impl IntoResponse for Fhir {
    fn into_response(self) -> Response {
        let mut response = (self.0, axum::Json(self.1)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
        response
    }
}

/// An error as an `OperationOutcome` with the HTTP status FHIR uses for it.
#[derive(Debug)]
pub struct Outcome(StatusCode, OperationOutcome);

impl Outcome {
    /// An outcome with its status.
    pub fn with(status: StatusCode, outcome: OperationOutcome) -> Self {
        Self(status, outcome)
    }

    /// One error issue of `code` with its status.
    pub(crate) fn new(status: StatusCode, code: &str, diagnostics: impl Into<String>) -> Self {
        Self(status, OperationOutcome::error(code, diagnostics, None))
    }
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let unauthenticated = self.0 == StatusCode::UNAUTHORIZED;
        let mut response = Fhir(self.0, Resource::OperationOutcome(self.1)).into_response();
        if unauthenticated {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<AppError> for Outcome {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Unauthenticated | AppError::BadCredentials => Self::new(StatusCode::UNAUTHORIZED, "login", "a valid bearer token is required"),
            AppError::Locked { .. } => Self::new(StatusCode::FORBIDDEN, "security", "the account is locked"),
            AppError::RateLimited { retry_after_secs } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "throttled", format!("wait {retry_after_secs} s and try again"))
            }
            AppError::Forbidden(what) => Self::new(StatusCode::FORBIDDEN, "forbidden", format!("your role may not {what}")),
            AppError::NotFound => Self::new(StatusCode::NOT_FOUND, "not-found", "no such resource"),
            AppError::Invalid(errors) => Self(StatusCode::UNPROCESSABLE_ENTITY, OperationOutcome::invalid(errors.0.into_iter().map(|e| (e.field, e.message)))),
            AppError::Conflict(detail) => Self::new(StatusCode::CONFLICT, "conflict", detail),
            AppError::Unavailable(cause) => {
                tracing::error!(%cause, "storage unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "transient", "the database is unavailable; try again shortly")
            }
        }
    }
}

/// A caller with a bearer token. Browser sessions are refused: FHIR is for machines, and a
/// cookie-authenticated cross-site read is one more thing to defend.
#[derive(Debug)]
pub struct FhirActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for FhirActor {
    type Rejection = Outcome;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(Caller(Some(actor))) if matches!(actor.via, AuthVia::Token { .. }) => Ok(Self(actor.clone())),
            _ => Err(AppError::Unauthenticated.into()),
        }
    }
}

fn base(state: &AppState) -> ServerBase {
    ServerBase::new(&state.web.public_url)
}

/// `GET /fhir/metadata`: the CapabilityStatement (public, as FHIR clients expect).
pub async fn metadata(State(state): State<AppState>) -> Fhir {
    let date = state.app.now().strftime("%Y-%m-%d").to_string();
    Fhir(StatusCode::OK, Resource::CapabilityStatement(Box::new(capability_statement(&base(&state), env!("CARGO_PKG_VERSION"), &date))))
}

/// `GET /fhir/Patient/{id}` (`patient.read`; audited as a patient read).
pub async fn read_patient(State(state): State<AppState>, FhirActor(actor): FhirActor, Path(id): Path<String>) -> Result<Fhir, Outcome> {
    let id = id.parse::<uuid::Uuid>().map(PatientId).map_err(|_| Outcome::from(AppError::NotFound))?;
    let grant = state.app.authorize::<perm::PatientRead>(&actor).await?;
    let found = state.app.patient(&grant, id).await?;
    Ok(Fhir(StatusCode::OK, Resource::Patient(Box::new(patient(&found, &base(&state))))))
}

/// Anything else under `/fhir`: not supported (yet), said plainly.
pub async fn unsupported() -> Outcome {
    Outcome::new(StatusCode::NOT_FOUND, "not-supported", "this FHIR interaction is not supported; see /fhir/metadata for what is")
}
