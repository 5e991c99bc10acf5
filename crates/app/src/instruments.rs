//! Validated instruments: their definitions and stateless scoring.
//!
//! Definitions and scoring are pure domain data and rules
//! (`ketaclinic_domain::instruments`); this module only adds who may ask and the clinic's
//! scoring settings. Neither touches patient data, so any signed-in member of staff may use
//! them and nothing is audited; storing an assessment on a patient (a later use case) is.

use ketaclinic_domain::instruments::{self, Instrument, Score};

use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};

impl App {
    /// Every instrument definition, in API order.
    pub fn instruments(&self, _signed_in: &Actor) -> &'static [Instrument] {
        instruments::all()
    }

    /// One instrument definition.
    pub fn instrument(&self, _signed_in: &Actor, id: &str) -> AppResult<&'static Instrument> {
        instruments::get(id).ok_or(AppError::NotFound)
    }

    /// Scores `answers` without storing anything.
    pub fn score_instrument(&self, signed_in: &Actor, id: &str, answers: &serde_json::Value) -> AppResult<Score> {
        let instrument = self.instrument(signed_in, id)?;
        Ok(instruments::score(instrument, answers, &self.settings.scoring)?)
    }
}
