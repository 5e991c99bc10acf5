//! Esketamine (SPRAVATO) by device: 28 mg per device, 5 minutes between devices (REFERENCE
//! §2.2). Label rules are hard: only 28, 56 or 84 mg; 84 mg only after an initial 56 mg
//! starting dose for TRD (REFERENCE §2.3) — the MDSI indication starts at 84 mg.

use serde::{Deserialize, Serialize};

use super::DoseWarning;
use crate::error::{FieldError, ValidationErrors};

/// Milligrams per device (REFERENCE §2.2).
pub const MG_PER_DEVICE: u32 = 28;
/// Minutes between devices (REFERENCE §2.2).
pub const MINUTES_BETWEEN_DEVICES: u32 = 5;

/// Which indication the course treats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indication {
    /// Treatment-resistant depression.
    #[default]
    Trd,
    /// MDD with acute suicidal ideation or behaviour.
    Mdsi,
}

/// What the order says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EsketamineRequest {
    pub dose_mg: u32,
    #[serde(default)]
    pub indication: Indication,
    /// The highest dose the patient has received before; absent for a first dose.
    pub highest_previous_dose_mg: Option<u32>,
    pub age_years: Option<u32>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EsketamineDose {
    pub dose_mg: u32,
    pub devices: u32,
    /// Minutes after the first device at which each device is given: `[0, 5, 10]`.
    pub schedule_min: Vec<u32>,
    pub warnings: Vec<DoseWarning>,
}

/// Checks the order against the label and lays out the devices.
pub fn esketamine_dose(r: &EsketamineRequest) -> Result<EsketamineDose, ValidationErrors> {
    if ![28, 56, 84].contains(&r.dose_mg) {
        return Err(ValidationErrors::one("dose_mg", "must be 28, 56 or 84 mg (one to three 28 mg devices)"));
    }
    if r.dose_mg == 84 && r.indication == Indication::Trd && r.highest_previous_dose_mg.is_none_or(|p| p < 56) {
        return Err(FieldError::new("dose_mg", "84 mg is given only after an initial 56 mg dose (SPRAVATO label)").into());
    }
    let devices = r.dose_mg / MG_PER_DEVICE;
    let mut warnings = Vec::new();
    if r.age_years.is_some_and(|a| a >= 65) && r.highest_previous_dose_mg.is_none() && r.dose_mg > 28 {
        warnings.push(DoseWarning::GeriatricStartingDose);
    }
    Ok(EsketamineDose { dose_mg: r.dose_mg, devices, schedule_min: (0..devices).map(|d| d * MINUTES_BETWEEN_DEVICES).collect(), warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(dose: u32, previous: Option<u32>) -> EsketamineRequest {
        EsketamineRequest { dose_mg: dose, indication: Indication::Trd, highest_previous_dose_mg: previous, age_years: Some(40) }
    }

    #[test]
    fn devices_and_schedule() {
        let d = esketamine_dose(&req(56, None));
        assert_eq!(d.map(|d| (d.devices, d.schedule_min)), Ok((2, vec![0, 5])));
        let d = esketamine_dose(&req(84, Some(56)));
        assert_eq!(d.map(|d| (d.devices, d.schedule_min)), Ok((3, vec![0, 5, 10])));
        assert_eq!(esketamine_dose(&req(28, None)).map(|d| d.schedule_min), Ok(vec![0]));
    }

    #[test]
    fn label_refusals() {
        for bad in [0, 27, 42, 112] {
            assert!(esketamine_dose(&req(bad, Some(56))).is_err(), "{bad}");
        }
        assert!(esketamine_dose(&req(84, None)).is_err(), "84 mg first dose (TRD)");
        assert!(esketamine_dose(&req(84, Some(28))).is_err(), "never had 56 mg");
        let mdsi = EsketamineRequest { indication: Indication::Mdsi, ..req(84, None) };
        assert!(esketamine_dose(&mdsi).is_ok(), "MDSI starts at 84 mg");
    }

    #[test]
    fn geriatric_start_is_flagged() {
        let old = EsketamineRequest { age_years: Some(65), ..req(56, None) };
        assert_eq!(esketamine_dose(&old).map(|d| d.warnings), Ok(vec![DoseWarning::GeriatricStartingDose]));
        let later = EsketamineRequest { age_years: Some(70), ..req(56, Some(56)) };
        assert_eq!(esketamine_dose(&later).map(|d| d.warnings), Ok(vec![]));
        let young = EsketamineRequest { age_years: Some(64), ..req(56, None) };
        assert_eq!(esketamine_dose(&young).map(|d| d.warnings), Ok(vec![]));
    }
}
