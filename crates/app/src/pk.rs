//! Predicted concentration curves from published pharmacokinetic models (`ketaclinic-pk`).
//!
//! Pure computation on values the caller gives (weight, doses); no patient record is read, so
//! any signed-in member of staff may run it and nothing is audited. Every result is labelled a
//! model estimate, not a measured level.

use ketaclinic_domain::{FieldError, ValidationErrors};
use ketaclinic_pk::{ModelInfo, PkError, SimulationRequest, SimulationResult};

use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};

impl App {
    /// The models with their populations, sources, routes and caveats.
    pub fn pk_models(&self, _signed_in: &Actor) -> Vec<ModelInfo> {
        ketaclinic_pk::models()
    }

    /// Simulates a regimen; input the model cannot take is a field error.
    pub fn pk_simulate(&self, _signed_in: &Actor, request: &SimulationRequest) -> AppResult<SimulationResult> {
        ketaclinic_pk::simulate(request).map_err(|err| pk_error(&err))
    }
}

/// Maps a PK error to a validation error naming the field (or to `Unavailable` for a numerical
/// failure, which valid input should never reach).
pub fn pk_error(err: &PkError) -> AppError {
    match err.field() {
        Some(field) => AppError::Invalid(ValidationErrors::from(FieldError::new(field, err.to_string()))),
        None => AppError::Unavailable(format!("the model could not be evaluated: {err}")),
    }
}
