//! The published models, as data: parameters, covariates, source and confidence (PK.md §1).
//!
//! Confidence follows PK.md: **high** = primary abstract or numerically reproduced,
//! **medium** = one careful secondary encoding or two agreeing ones, **low** = a single secondary
//! encoding or unverified.

pub(crate) mod clements1981;
pub(crate) mod domino1984;
pub(crate) mod hijazi2003;
pub(crate) mod kamp2020;
pub(crate) mod perez_ruixo2021;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::mammillary::Mammillary;
use crate::route::{Route, racemic_absorption};

/// Model identifiers, as named in API.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelId {
    Domino1984,
    Clements1981,
    Hijazi2003,
    Kamp2020,
    PerezRuixo2021,
}

impl ModelId {
    pub const ALL: [Self; 5] = [Self::Domino1984, Self::Kamp2020, Self::Clements1981, Self::Hijazi2003, Self::PerezRuixo2021];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Domino1984 => "domino1984",
            Self::Clements1981 => "clements1981",
            Self::Hijazi2003 => "hijazi2003",
            Self::Kamp2020 => "kamp2020",
            Self::PerezRuixo2021 => "perez_ruixo2021",
        }
    }

    /// The racemic disposition at a body weight; `None` for the esketamine model.
    pub(crate) fn racemic_disposition(self, weight_kg: f64) -> Option<Mammillary> {
        match self {
            Self::Domino1984 => Some(domino1984::disposition(weight_kg)),
            Self::Clements1981 => Some(clements1981::disposition(weight_kg)),
            Self::Hijazi2003 => Some(hijazi2003::disposition(weight_kg)),
            Self::Kamp2020 => Some(kamp2020::disposition(weight_kg)),
            Self::PerezRuixo2021 => None,
        }
    }

    /// Full description of the model.
    #[must_use]
    pub fn info(self) -> ModelInfo {
        match self {
            Self::Domino1984 => domino1984::info(),
            Self::Clements1981 => clements1981::info(),
            Self::Hijazi2003 => hijazi2003::info(),
            Self::Kamp2020 => kamp2020::info(),
            Self::PerezRuixo2021 => perez_ruixo2021::info(),
        }
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ModelId {
    type Err = crate::PkError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|m| m.as_str() == s).ok_or_else(|| crate::PkError::UnknownModel { model: s.to_owned() })
    }
}

/// Which molecule the model describes. Racemic and esketamine models are not interchangeable
/// (PK.md §3.2, "Units").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Drug {
    RacemicKetamine,
    Esketamine,
}

/// Confidence in the parameter values (PK.md header: H / M / L).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

/// One published parameter value with its unit and provenance note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub value: f64,
    pub unit: String,
}

impl Parameter {
    pub(crate) fn new(name: &str, value: f64, unit: &str) -> Self {
        Self { name: name.to_owned(), value, unit: unit.to_owned() }
    }
}

/// What `GET /api/v1/pk/models` lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub id: ModelId,
    pub drug: Drug,
    pub population: String,
    pub source: String,
    pub confidence: Confidence,
    pub routes: Vec<Route>,
    pub caveats: Vec<String>,
    pub parameters: Vec<Parameter>,
}

/// Every model, racemic first, with populations, sources, routes and caveats.
#[must_use]
pub fn models() -> Vec<ModelInfo> {
    ModelId::ALL.into_iter().map(ModelId::info).collect()
}

/// Assumed between-subject CV for racemic models, which have no published Ω here (PK.md §3.3:
/// "use an assumed CV (e.g. 30 % on CL and V1) and label it as an assumption").
pub(crate) const RACEMIC_ASSUMED_CV: f64 = 0.30;

pub(crate) fn racemic_routes() -> Vec<Route> {
    Route::ALL.to_vec()
}

pub(crate) fn racemic_caveats() -> Vec<String> {
    let mut caveats = vec![
        "Model estimate, not a measured level. Racemic models disagree by about ±30 % at the end of a 40-min infusion and up to 2× afterwards (PK.md §5)."
            .to_owned(),
        format!(
            "No published between-subject variability: population bands use an ASSUMED CV of {:.0} % on CL and V1 (PK.md §3.3).",
            RACEMIC_ASSUMED_CV * 100.0
        ),
    ];
    for route in [Route::Im, Route::Intranasal, Route::Oral] {
        if let Some(abs) = racemic_absorption(route) {
            caveats.push(abs.note.to_owned());
        }
    }
    caveats
}
