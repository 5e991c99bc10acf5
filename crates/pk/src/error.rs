//! Errors of the PK crate.
//!
//! Policy: every rejection of a [`crate::SimulationRequest`] names the offending request field
//! (JSON path such as `regimen[2].dose_mg`, see [`PkError::field`]) so the web layer can answer
//! 422 with `errors: [{field, message}]` and the CLI can print the same. The crate never panics on
//! input; numerical failure is not expected for validated input and is reported as `Numerical`.

use thiserror::Error;

/// Why a simulation request was refused.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum PkError {
    /// `model` is not one of [`crate::models`]' ids.
    #[error("unknown model `{model}`")]
    UnknownModel { model: String },
    /// The model has no parameters for this route (e.g. IM esketamine).
    #[error("model `{model}` cannot simulate route `{route}` (regimen[{index}])")]
    RouteNotSupported { index: usize, model: String, route: String },
    /// A number outside the range the models are meant for (dose, weight, age, times, ke0, ...).
    #[error("{field} = {value} is outside the accepted range {min}..={max}")]
    OutOfRange { field: String, value: f64, min: f64, max: f64 },
    /// A value that is missing, not finite, or not allowed in this combination.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// `end_min / step_min` would produce more grid points than allowed.
    #[error("the time grid would have {points} points; at most {max} are allowed (raise step_min or lower end_min)")]
    GridTooLarge { points: usize, max: usize },
    /// Too many population subjects (alone, or times the grid points).
    #[error("population of {subjects} subjects is too large: {reason}")]
    PopulationTooLarge { subjects: u32, reason: String },
    /// Numerical failure that validated input should never reach.
    #[error("numerical failure: {0}")]
    Numerical(String),
}

impl PkError {
    /// The request field this error is about, as a JSON path (`None` for `Numerical`).
    #[must_use]
    pub fn field(&self) -> Option<String> {
        match self {
            Self::UnknownModel { .. } => Some("model".to_owned()),
            Self::RouteNotSupported { index, .. } => Some(format!("regimen[{index}].route")),
            Self::OutOfRange { field, .. } | Self::Invalid { field, .. } => Some(field.clone()),
            Self::GridTooLarge { .. } => Some("step_min".to_owned()),
            Self::PopulationTooLarge { .. } => Some("population.subjects".to_owned()),
            Self::Numerical(_) => None,
        }
    }

    pub(crate) fn range(field: impl Into<String>, value: f64, min: f64, max: f64) -> Self {
        Self::OutOfRange { field: field.into(), value, min, max }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), reason: reason.into() }
    }
}
