//! Routes of administration and the absorption assumptions for racemic ketamine.
//!
//! PK.md §0 and §1.4: no adult racemic population model with an absorption phase was obtained,
//! so non-IV racemic routes use the disposition model with a literature bioavailability `F` and
//! an **assumed** first-order absorption rate `ka`. Tmax after these routes depends strongly on
//! the disposition model (PK.md §0), so every such curve carries a caveat. Esketamine routes are
//! part of the Perez-Ruixo model itself (see `models::perez_ruixo2021`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Route of administration, as named in API.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    IvBolus,
    IvInfusion,
    Im,
    Intranasal,
    Oral,
}

impl Route {
    pub const ALL: [Self; 5] = [Self::IvBolus, Self::IvInfusion, Self::Im, Self::Intranasal, Self::Oral];

    /// The API name (`iv_bolus`, ...).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::IvBolus => "iv_bolus",
            Self::IvInfusion => "iv_infusion",
            Self::Im => "im",
            Self::Intranasal => "intranasal",
            Self::Oral => "oral",
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Route {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown route `{s}`"))
    }
}

/// Bioavailability and absorption rate of an extravascular racemic route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Absorption {
    /// Fraction of the dose that reaches the circulation.
    pub f: f64,
    /// First-order absorption rate constant, 1/min.
    pub ka_per_min: f64,
    /// Where `f` and `ka` come from, and what is assumed.
    pub note: &'static str,
}

/// Racemic ketamine absorption for a route; `None` for IV routes (no absorption phase).
pub(crate) fn racemic_absorption(route: Route) -> Option<Absorption> {
    match route {
        Route::IvBolus | Route::IvInfusion => None,
        // F 0.93 adults: Clements 1982 via Zanos 2018 (PK.md §1.4, M).
        // ka 0.1 /min (absorption t½ ≈ 7 min): ASSUMED so that Tmax falls in the 5–20 min
        // reported by secondary sources; no adult IM absorption model was obtained.
        Route::Im => Some(Absorption {
            f: 0.93,
            ka_per_min: 0.1,
            note: "IM racemic: F 0.93 (Clements 1982 via Zanos 2018, M); ka 0.1/min is an ASSUMPTION (no adult IM absorption model obtained, PK.md §0)",
        }),
        // F 0.45: Yanagihara 2003 (PK.md §1.4, H). ka 0.05 /min (t½ ≈ 14 min): ASSUMED.
        Route::Intranasal => Some(Absorption { f: 0.45, ka_per_min: 0.05, note: "IN racemic: F 0.45 (Yanagihara 2003, H); ka 0.05/min is an ASSUMPTION" }),
        // F 0.17: Clements 1982 / Yanagihara 2003 (17–20 %, PK.md §1.4, M).
        // ka = ln 2 / 59 min: absorption t½ of oral ketamine in paediatric burns (Brunette 2011,
        // H), transferred to adults as an ASSUMPTION. First-pass norketamine is not modelled.
        Route::Oral => Some(Absorption {
            f: 0.17,
            ka_per_min: std::f64::consts::LN_2 / 59.0,
            note: "oral racemic: F 0.17 (Clements 1982 / Yanagihara 2003, M); ka = ln2/59 min from paediatric data (Brunette 2011) is an ASSUMPTION for adults",
        }),
    }
}
