//! Racemic ketamine by weight: the dosing weight (actual, Devine ideal, or adjusted), the dose,
//! the volume to draw, the bag's total volume and the pump rate.
//!
//! Weight basis (REFERENCE §1.2: trials dose on actual weight; ideal/adjusted is practice
//! variation): Devine ideal body weight = 50 kg (male) or 45.5 kg (female) + 2.3 kg per inch
//! over 60 in, capped at the actual weight; adjusted = IBW + 0.4 × (actual − IBW) when actual >
//! IBW, else actual. Worked example (issue 5): 80 kg actual, 0.5 mg/kg, 40 min, 50 mg/mL, 100 mL
//! bag → 40.0 mg, 0.80 mL, 100.80 mL, 151.2 mL/h.

use serde::{Deserialize, Serialize};

use super::DoseWarning;
use super::units::{div_round, from_hundredths, from_tenths, thousandths};
use crate::error::{FieldError, ValidationErrors};
use crate::person::Sex;

/// Which weight the dose is calculated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightBasis {
    Actual,
    Ideal,
    Adjusted,
}

/// What the order says (wire form).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KetamineRequest {
    pub weight_kg: f64,
    /// Needed for ideal and adjusted weight.
    pub height_cm: Option<f64>,
    /// Needed for ideal and adjusted weight (`male` or `female`).
    pub sex: Option<Sex>,
    pub weight_basis: WeightBasis,
    pub dose_mg_per_kg: f64,
    /// IV: the infusion's length. Absent for an IM injection (no rate).
    pub infusion_minutes: Option<f64>,
    pub vial_concentration_mg_per_ml: f64,
    /// Diluent bag; 0 or absent for an undiluted draw (IM).
    pub bag_volume_ml: Option<f64>,
    pub max_dose_mg: Option<f64>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KetamineDose {
    /// To 0.01 kg.
    pub dose_weight_kg: f64,
    /// To 0.1 mg.
    pub dose_mg: f64,
    /// To 0.01 mL.
    pub drug_volume_ml: f64,
    /// Bag plus drug, to 0.01 mL.
    pub total_volume_ml: f64,
    /// Total ÷ minutes × 60, to 0.1 mL/h; absent without an infusion time.
    pub rate_ml_per_hour: Option<f64>,
    pub warnings: Vec<DoseWarning>,
}

/// The exact (integer) result, for tests and for storing on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exact {
    pub dose_weight_g: u128,
    /// Tenths of a milligram.
    pub dose_dmg: u128,
    /// Hundredths of a millilitre.
    pub drug_cml: u128,
    pub total_cml: u128,
    /// Tenths of a mL/h.
    pub rate_dml_h: Option<u128>,
}

/// Devine ideal body weight in grams for a height in millimetres.
pub fn ideal_weight_g(sex: Sex, height_mm: u128) -> Option<u128> {
    let base: u128 = match sex {
        Sex::Male => 50_000,
        Sex::Female => 45_500,
        Sex::Other | Sex::Unknown => return None,
    };
    // 2.3 kg per inch over 60 in: 2300 g × (mm / 25.4 − 60) = (23000 × mm − 35,052,000) / 254.
    let over = (23_000 * height_mm).saturating_sub(35_052_000);
    Some(base + div_round(over, 254))
}

/// Calculates with integer units; `Err` names every bad field.
pub fn ketamine_exact(r: &KetamineRequest) -> Result<(Exact, Vec<DoseWarning>), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let weight = errors.collect("weight_kg", thousandths("weight_kg", r.weight_kg, 1.0, 400.0));
    let per_kg = errors.collect("dose_mg_per_kg", thousandths("dose_mg_per_kg", r.dose_mg_per_kg, 0.01, 5.0));
    let conc = errors.collect("vial_concentration_mg_per_ml", thousandths("vial_concentration_mg_per_ml", r.vial_concentration_mg_per_ml, 1.0, 100.0));
    let bag = errors.collect("bag_volume_ml", thousandths("bag_volume_ml", r.bag_volume_ml.unwrap_or(0.0), 0.0, 1000.0));
    let minutes = r.infusion_minutes.map(|m| errors.collect("infusion_minutes", thousandths("infusion_minutes", m, 1.0, 600.0)));
    let max = r.max_dose_mg.map(|m| errors.collect("max_dose_mg", thousandths("max_dose_mg", m, 1.0, 1000.0)));
    let ideal = match r.weight_basis {
        WeightBasis::Actual => None,
        WeightBasis::Ideal | WeightBasis::Adjusted => {
            let height = match r.height_cm {
                Some(h) => errors.collect("height_cm", thousandths("height_cm", h, 100.0, 250.0)),
                None => errors.collect("height_cm", Err(FieldError::new("height_cm", "is needed for ideal or adjusted weight"))),
            };
            let sex = match r.sex {
                Some(s @ (Sex::Male | Sex::Female)) => Some(s),
                _ => errors.collect("sex", Err(FieldError::new("sex", "must be male or female for ideal or adjusted weight (Devine formula)"))),
            };
            // height in thousandths of a cm = hundredths of a mm → mm.
            height.zip(sex).and_then(|(h, s)| ideal_weight_g(s, div_round(u128::from(h), 100)))
        }
    };
    errors.clone().into_result()?;
    let (Some(weight), Some(per_kg), Some(conc), Some(bag)) = (weight, per_kg, conc, bag) else { return Err(errors) };
    let actual = u128::from(weight);
    let dose_weight_g = match (r.weight_basis, ideal) {
        (WeightBasis::Actual, _) | (_, None) => actual,
        (WeightBasis::Ideal, Some(ibw)) => ibw.min(actual),
        (WeightBasis::Adjusted, Some(ibw)) if actual > ibw => ibw + div_round(2 * (actual - ibw), 5),
        (WeightBasis::Adjusted, Some(_)) => actual,
    };
    let mut warnings = Vec::new();
    if !(100..=1000).contains(&per_kg) {
        warnings.push(DoseWarning::DoseOutsideUsualRange);
    }
    // µg = g × µg/kg / 1000; shown to 0.1 mg = 100 µg.
    let mut dose_dmg = div_round(dose_weight_g * u128::from(per_kg), 100_000);
    if let Some(Some(max)) = max {
        let max_dmg = div_round(u128::from(max), 100);
        if dose_dmg > max_dmg {
            dose_dmg = max_dmg;
            warnings.push(DoseWarning::CappedAtMaxDose);
        }
    }
    // mL = mg / (mg/mL); in hundredths: dose_dmg × 100 µg × 100 / conc_µg_per_ml.
    let drug_cml = div_round(dose_dmg * 10_000, u128::from(conc));
    let total_cml = div_round(u128::from(bag), 10) + drug_cml;
    if conc == 100_000 && bag == 0 {
        warnings.push(DoseWarning::UndilutedHighConcentration);
    }
    // rate (0.1 mL/h) = total_cml / 100 × 60 / min × 10 = total_cml × 6 / min; min in thousandths.
    let rate_dml_h = match minutes {
        Some(Some(m)) => Some(div_round(total_cml * 6_000, u128::from(m))),
        _ => None,
    };
    Ok((Exact { dose_weight_g, dose_dmg, drug_cml, total_cml, rate_dml_h }, warnings))
}

/// The calculation as shown and returned by the API.
pub fn ketamine_dose(r: &KetamineRequest) -> Result<KetamineDose, ValidationErrors> {
    let (e, warnings) = ketamine_exact(r)?;
    Ok(KetamineDose {
        dose_weight_kg: from_hundredths(div_round(e.dose_weight_g, 10)),
        dose_mg: from_tenths(e.dose_dmg),
        drug_volume_ml: from_hundredths(e.drug_cml),
        total_volume_ml: from_hundredths(e.total_cml),
        rate_ml_per_hour: e.rate_dml_h.map(from_tenths),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(weight: f64, basis: WeightBasis) -> KetamineRequest {
        KetamineRequest {
            weight_kg: weight,
            height_cm: Some(180.0),
            sex: Some(Sex::Male),
            weight_basis: basis,
            dose_mg_per_kg: 0.5,
            infusion_minutes: Some(40.0),
            vial_concentration_mg_per_ml: 50.0,
            bag_volume_ml: Some(100.0),
            max_dose_mg: None,
        }
    }

    #[test]
    fn the_worked_example_of_the_issue() {
        let d = ketamine_dose(&req(80.0, WeightBasis::Actual));
        assert_eq!(
            d,
            Ok(KetamineDose {
                dose_weight_kg: 80.0,
                dose_mg: 40.0,
                drug_volume_ml: 0.8,
                total_volume_ml: 100.8,
                rate_ml_per_hour: Some(151.2),
                warnings: vec![]
            })
        );
    }

    /// 180 cm male: 180 / 2.54 = 70.866 in, 10.866 in over 60 → 50 + 24.99 = 74.99 kg.
    /// Adjusted at 100 kg: 74.992 + 0.4 × 25.008 = 84.995 kg (shown 85.00) → 42.5 mg.
    #[test]
    fn ideal_and_adjusted_weight() {
        assert_eq!(ideal_weight_g(Sex::Male, 1800), Some(74_992));
        assert_eq!(ideal_weight_g(Sex::Female, 1524), Some(45_500), "exactly 60 in");
        assert_eq!(ideal_weight_g(Sex::Female, 1400), Some(45_500), "below 60 in adds nothing");
        let ideal = ketamine_dose(&req(100.0, WeightBasis::Ideal)).map(|d| (d.dose_weight_kg, d.dose_mg));
        assert_eq!(ideal, Ok((74.99, 37.5)));
        let adjusted = ketamine_dose(&req(100.0, WeightBasis::Adjusted)).map(|d| (d.dose_weight_kg, d.dose_mg));
        assert_eq!(adjusted, Ok((85.0, 42.5)));
        // Ideal is capped at actual, and adjusted equals actual when actual ≤ IBW.
        assert_eq!(ketamine_dose(&req(60.0, WeightBasis::Ideal)).map(|d| d.dose_weight_kg), Ok(60.0));
        assert_eq!(ketamine_dose(&req(60.0, WeightBasis::Adjusted)).map(|d| d.dose_weight_kg), Ok(60.0));
        let no_sex = KetamineRequest { sex: Some(Sex::Unknown), ..req(80.0, WeightBasis::Ideal) };
        assert_eq!(ketamine_dose(&no_sex).map_err(|e| e.0[0].field.clone()), Err("sex".to_owned()));
    }

    #[test]
    fn rounding_boundaries() {
        // 70.1 kg × 0.5 = 35.05 mg → 35.1 (half up); 35.1 mg / 50 = 0.702 mL → 0.70.
        let d = ketamine_dose(&KetamineRequest { weight_kg: 70.1, ..req(70.1, WeightBasis::Actual) });
        assert_eq!(d.as_ref().map(|d| (d.dose_mg, d.drug_volume_ml)), Ok((35.1, 0.7)));
        // 70.5 kg × 0.5 = 35.25 mg → 35.3; 35.3 mg / 50 = 0.706 mL → 0.71.
        let d = ketamine_dose(&KetamineRequest { weight_kg: 70.5, ..req(70.5, WeightBasis::Actual) });
        assert_eq!(d.map(|d| (d.dose_mg, d.drug_volume_ml)), Ok((35.3, 0.71)));
    }

    #[test]
    fn warnings() {
        let high = KetamineRequest { dose_mg_per_kg: 1.1, max_dose_mg: Some(60.0), ..req(80.0, WeightBasis::Actual) };
        let d = ketamine_dose(&high);
        assert_eq!(d.as_ref().map(|d| d.dose_mg), Ok(60.0));
        assert_eq!(d.map(|d| d.warnings), Ok(vec![DoseWarning::DoseOutsideUsualRange, DoseWarning::CappedAtMaxDose]));
        assert_eq!(ketamine_dose(&KetamineRequest { dose_mg_per_kg: 1.0, ..req(80.0, WeightBasis::Actual) }).map(|d| d.warnings), Ok(vec![]), "1.0 is inside");
        assert_eq!(ketamine_dose(&KetamineRequest { dose_mg_per_kg: 0.1, ..req(80.0, WeightBasis::Actual) }).map(|d| d.warnings), Ok(vec![]), "0.1 is inside");
        let im = KetamineRequest { vial_concentration_mg_per_ml: 100.0, bag_volume_ml: None, infusion_minutes: None, ..req(80.0, WeightBasis::Actual) };
        let d = ketamine_dose(&im);
        assert_eq!(d.as_ref().map(|d| (d.drug_volume_ml, d.total_volume_ml, d.rate_ml_per_hour)), Ok((0.4, 0.4, None)));
        assert_eq!(d.map(|d| d.warnings), Ok(vec![DoseWarning::UndilutedHighConcentration]));
    }

    #[test]
    fn bad_input_names_every_field() {
        let bad = KetamineRequest { weight_kg: -1.0, dose_mg_per_kg: f64::NAN, vial_concentration_mg_per_ml: 0.0, ..req(80.0, WeightBasis::Adjusted) };
        let fields: Vec<String> = ketamine_dose(&bad).err().map(|e| e.0.into_iter().map(|f| f.field).collect()).unwrap_or_default();
        assert_eq!(fields, ["weight_kg", "dose_mg_per_kg", "vial_concentration_mg_per_ml"]);
    }
}
