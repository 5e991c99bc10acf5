//! `POST /fhir/Observation`: a vital sign from a client (a monitor gateway that speaks FHIR, a
//! device hub), recorded on the patient's active session exactly as a typed or HL7 reading is —
//! the same session choice, physiologic ranges, thresholds, alerts and idempotency (session,
//! device, time), so posting the same Observation twice records it once.
//!
//! `201 Created` with `Location` and the stored Observation (its server id); `200` with the same
//! body for a repeat. A patient who is unknown or has no open session, or a value outside what
//! can be recorded, is `422` with an OperationOutcome saying which; a body that is not a
//! vital-sign Observation is `400`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ketaclinic_app::AppError;
use ketaclinic_app::monitor_feed::{MonitorOutcome, MonitorReading, ObservedAt};
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::session::VitalReading;
use ketaclinic_fhir::map::vitals::vital_signs;
use ketaclinic_fhir::observation_in::incoming_vitals;
use ketaclinic_fhir::{OperationOutcome, Resource, ServerBase};

use crate::fhir::{Fhir, FhirActor, Outcome};
use crate::fhir_observations::vital_id;
use crate::state::AppState;

fn refuse(status: StatusCode, code: &str, diagnostics: impl Into<String>, expression: Option<&str>) -> Outcome {
    Outcome::with(status, OperationOutcome::error(code, diagnostics, expression))
}

/// `POST /fhir/Observation` (`clinical.write`).
pub async fn create(State(state): State<AppState>, FhirActor(actor): FhirActor, body: Bytes) -> Result<Response, Outcome> {
    let resource: Resource =
        serde_json::from_slice(&body).map_err(|e| refuse(StatusCode::BAD_REQUEST, "structure", format!("not a FHIR JSON resource: {e}"), None))?;
    let Resource::Observation(observation) = resource else {
        return Err(refuse(StatusCode::BAD_REQUEST, "invalid", "the body must be an Observation", Some("resourceType")));
    };
    let incoming = incoming_vitals(&observation)
        .map_err(|errors| Outcome::with(StatusCode::BAD_REQUEST, OperationOutcome::invalid(errors.into_iter().map(|e| (e.expression, e.message)))))?;
    let unknown = || refuse(StatusCode::UNPROCESSABLE_ENTITY, "not-found", "no such patient", Some("Observation.subject"));
    let patient = incoming.patient.parse::<uuid::Uuid>().map(PatientId).map_err(|_| unknown())?;
    let reading = MonitorReading { at: ObservedAt::Instant(incoming.at), device_id: incoming.device.clone(), vitals: incoming.vitals };
    let outcome = state.app.record_patient_vitals(&actor, patient, vec![reading]).await.map_err(Outcome::from)?;
    let (session, status) = match outcome {
        MonitorOutcome::Recorded { session_id, accepted, .. } => (session_id, if accepted > 0 { StatusCode::CREATED } else { StatusCode::OK }),
        MonitorOutcome::UnknownPatient => return Err(unknown()),
        MonitorOutcome::NoActiveSession => {
            return Err(refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "processing",
                "the patient has no open session to record the reading on",
                Some("Observation.subject"),
            ));
        }
        MonitorOutcome::Unusable(why) => return Err(refuse(StatusCode::UNPROCESSABLE_ENTITY, "value", why, Some("Observation.value"))),
    };
    let stored = VitalReading { at: incoming.at, device_id: incoming.device, vitals: incoming.vitals };
    let (kind, mut observation) = vital_signs(&stored, patient, session)
        .into_iter()
        .find(|(kind, _)| *kind == incoming.kind)
        .ok_or_else(|| Outcome::from(AppError::Unavailable("a recorded reading did not map back to its Observation".to_owned())))?;
    let id = vital_id(kind, session, &stored);
    observation.id = Some(id.clone());
    let mut response = Fhir(status, Resource::Observation(Box::new(observation))).into_response();
    let location = format!("{}/Observation/{id}", ServerBase::new(&state.web.public_url).fhir());
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}
