//! FHIR Bulk Data export over HTTP (the Bulk Data Access IG's asynchronous request pattern):
//!
//! 1. kick-off: `GET /fhir/$export` or `/fhir/Patient/$export` with `Prefer: respond-async`
//!    (and optionally `_type`, `_since`, `_outputFormat`) answers `202 Accepted` with a
//!    `Content-Location` status URL;
//! 2. the client polls the status URL: `202` with `X-Progress` while running, then `200` with
//!    the manifest (one NDJSON file per resource type);
//! 3. it downloads each file with the same bearer token (`requiresAccessToken: true`);
//! 4. `DELETE` on the status URL cancels a running export or deletes a finished one's files.
//!
//! Only the account that started an export can see it; anyone else gets a 404, as for a job
//! that never existed. Parameters the server does not support are refused, never ignored.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use ketaclinic_app::permissions::perm;
use ketaclinic_fhir::ServerBase;
use serde_json::json;

use crate::fhir::{FhirActor, Outcome};
use crate::fhir_export_job::{ExportRequest, JobState, StartError};
use crate::fhir_export_types::ExportType;
use crate::fhir_paging::refused;
use crate::fhir_search::ParamError;
use crate::state::AppState;

/// The NDJSON content type of export files.
pub const FHIR_NDJSON: &str = "application/fhir+ndjson";

fn not_found() -> Outcome {
    Outcome::new(StatusCode::NOT_FOUND, "not-found", "no such export (it may have been cancelled or its files may have expired)")
}

/// Which kick-off endpoint was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// `/fhir/$export`: everything, the instruments' Questionnaires included.
    System,
    /// `/fhir/Patient/$export`: the patients' compartments only.
    Patients,
}

impl Level {
    fn types(self) -> Vec<ExportType> {
        ExportType::ALL.into_iter().filter(|t| self == Self::System || t.in_patient_compartment()).collect()
    }
}

/// Parses the kick-off parameters; every problem is reported at once.
fn parse_request(query: &str, url: String, level: Level) -> Result<ExportRequest, Outcome> {
    let mut errors = Vec::new();
    let mut bad = |param: &str, message: String| errors.push(ParamError::new(param, message));
    let allowed = level.types();
    let mut request = ExportRequest { url, types: allowed.clone(), since: None };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "_outputFormat" => {
                if !matches!(value.as_ref(), "application/fhir+ndjson" | "application/ndjson" | "ndjson") {
                    bad("_outputFormat", format!("{value:?} is not supported; this server writes application/fhir+ndjson"));
                }
            }
            "_type" => {
                let mut types = Vec::new();
                for name in value.split(',').map(str::trim) {
                    match ExportType::parse(name).filter(|t| allowed.contains(t)) {
                        Some(t) if !types.contains(&t) => types.push(t),
                        Some(_) => {}
                        None => bad("_type", format!("{name:?} is not a type this export holds ({})", type_list(&allowed))),
                    }
                }
                request.types = allowed.iter().copied().filter(|t| types.contains(t)).collect();
            }
            // A FHIR instant: a date-time with seconds and a time zone.
            "_since" => match value.parse::<Timestamp>() {
                Ok(at) => request.since = Some(at),
                Err(_) => bad("_since", format!("{value:?} is not a FHIR instant such as 2026-11-01T00:00:00Z")),
            },
            other => bad(other, "is not supported by this server's $export (see /fhir/metadata)".to_owned()),
        }
    }
    if errors.is_empty() { Ok(request) } else { Err(refused(errors)) }
}

fn type_list(types: &[ExportType]) -> String {
    types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
}

/// `GET /fhir/$export`: every patient's record and the clinic's Questionnaires.
pub async fn kick_off_system(state: State<AppState>, actor: FhirActor, headers: HeaderMap, query: RawQuery) -> Result<Response, Outcome> {
    kick_off(state, actor, headers, query, Level::System).await
}

/// `GET /fhir/Patient/$export`: every patient's record.
pub async fn kick_off_patients(state: State<AppState>, actor: FhirActor, headers: HeaderMap, query: RawQuery) -> Result<Response, Outcome> {
    kick_off(state, actor, headers, query, Level::Patients).await
}

async fn kick_off(
    State(state): State<AppState>,
    FhirActor(actor): FhirActor,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    level: Level,
) -> Result<Response, Outcome> {
    let prefer = headers.get("prefer").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !prefer.split(',').any(|p| p.trim() == "respond-async") {
        return Err(Outcome::new(StatusCode::BAD_REQUEST, "invalid", "a bulk export is asynchronous: send the header Prefer: respond-async"));
    }
    let query = query.unwrap_or_default();
    let base = ServerBase::new(&state.web.public_url);
    let path = if level == Level::System { "$export" } else { "Patient/$export" };
    let url = if query.is_empty() { format!("{}/{path}", base.fhir()) } else { format!("{}/{path}?{query}", base.fhir()) };
    let request = parse_request(&query, url, level)?;
    let grant = state.app.authorize::<perm::BulkExport>(&actor).await?;
    state.exports.purge(state.app.now());
    let id = state.exports.start(state.app.clone(), grant, request, base.clone()).map_err(|e| match e {
        StartError::Busy(_) => Outcome::new(StatusCode::TOO_MANY_REQUESTS, "throttled", e.to_string()),
        StartError::Io(_) => {
            tracing::error!(error = %e, "bulk export could not start");
            Outcome::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", "the export could not be started; see the server log")
        }
    })?;
    let location = format!("{}/$export-status/{id}", base.fhir());
    let mut response = StatusCode::ACCEPTED.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::CONTENT_LOCATION, value);
    }
    Ok(response)
}

fn job_id(raw: &str) -> Result<uuid::Uuid, Outcome> {
    raw.parse().map_err(|_| not_found())
}

/// `GET /fhir/$export-status/{job}`: progress, the manifest, or the failure.
pub async fn status(State(state): State<AppState>, FhirActor(actor): FhirActor, Path(job): Path<String>) -> Result<Response, Outcome> {
    let id = job_id(&job)?;
    state.exports.purge(state.app.now());
    let (job_state, transaction_time, request) = state.exports.status(id, actor.user_id).ok_or_else(not_found)?;
    match job_state {
        JobState::Running { patients, resources } => {
            let mut response = StatusCode::ACCEPTED.into_response();
            let progress = format!("{patients} patients, {resources} resources written");
            if let Ok(value) = HeaderValue::from_str(&progress) {
                response.headers_mut().insert("x-progress", value);
            }
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            Ok(response)
        }
        JobState::Done { outputs, .. } => {
            let manifest = json!({
                "transactionTime": transaction_time.to_string(),
                "request": request,
                "requiresAccessToken": true,
                "output": outputs,
                "error": [],
            });
            Ok((StatusCode::OK, axum::Json(manifest)).into_response())
        }
        JobState::Failed { .. } => {
            Err(Outcome::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", "the export failed; see the server log, and start it again"))
        }
    }
}

/// `DELETE /fhir/$export-status/{job}`: cancels the export and deletes its files.
pub async fn cancel(State(state): State<AppState>, FhirActor(actor): FhirActor, Path(job): Path<String>) -> Result<StatusCode, Outcome> {
    let id = job_id(&job)?;
    if state.exports.cancel(id, actor.user_id) { Ok(StatusCode::ACCEPTED) } else { Err(not_found()) }
}

/// `GET /fhir/$export-file/{job}/{Type}.ndjson`: one output file, streamed.
pub async fn file(State(state): State<AppState>, FhirActor(actor): FhirActor, Path((job, name)): Path<(String, String)>) -> Result<Response, Outcome> {
    let id = job_id(&job)?;
    state.exports.purge(state.app.now());
    let type_ = name.strip_suffix(".ndjson").ok_or_else(not_found)?;
    let path = state.exports.file(id, actor.user_id, type_).ok_or_else(not_found)?;
    let file = tokio::fs::File::open(&path).await.map_err(|_| not_found())?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_NDJSON))], body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kick_off_parameters_are_checked_not_ignored() {
        let parse =
            |q: &str, level| parse_request(q, String::new(), level).unwrap_or_else(|_| ExportRequest { url: String::new(), types: Vec::new(), since: None });
        let ok = parse("_type=Observation,Patient,Observation&_since=2026-11-01T00:00:00Z&_outputFormat=ndjson", Level::System);
        assert_eq!(ok.types, [ExportType::Patient, ExportType::Observation], "manifest order, duplicates dropped");
        assert_eq!(ok.since.map(|t| t.to_string()), Some("2026-11-01T00:00:00Z".to_owned()));
        assert!(parse("", Level::System).types.contains(&ExportType::Questionnaire));
        assert!(!parse("", Level::Patients).types.contains(&ExportType::Questionnaire), "definitions are in no patient's compartment");
        assert_eq!(parse("", Level::Patients).types.len(), ExportType::ALL.len() - 1);
        assert!(parse_request("_type=Questionnaire", String::new(), Level::Patients).is_err());
        for bad in ["_type=Medication", "_since=2026-11-01", "_outputFormat=text/csv", "_typeFilter=Observation%3Fcode%3Dx", "patient=Patient/1"] {
            assert!(parse_request(bad, String::new(), Level::System).is_err(), "{bad}");
        }
    }
}
