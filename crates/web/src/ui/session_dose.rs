//! The dose for today's weight on the session page (`POST /sessions/{id}/dose`): the domain's
//! ketamine calculator by actual weight, shown on the session and filled into the start form.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use ketaclinic_domain::dosing::{KetamineRequest, WeightBasis, ketamine_dose};
use ketaclinic_domain::ids::TreatmentSessionId;
use serde::Deserialize;

use super::forms::PageForm;
use super::session_curve::{CurveView, planned_curve};
use super::session_page::page;
use super::{Ctx, PageResult, sentence};

/// The session's dose calculator (IV/IM ketamine by actual weight; the full calculator with
/// ideal and adjusted weight is `/dosing`). Every field a string: a typing error is a field error.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct DoseCalcForm {
    pub(super) weight_kg: String,
    pub(super) dose_mg_per_kg: String,
    pub(super) infusion_minutes: String,
    pub(super) concentration_mg_per_ml: String,
    pub(super) bag_volume_ml: String,
}

impl Default for DoseCalcForm {
    /// REFERENCE §1.1: 0.5 mg/kg over 40 minutes is the standard IV dose.
    fn default() -> Self {
        Self {
            weight_kg: String::new(),
            dose_mg_per_kg: "0.5".to_owned(),
            infusion_minutes: "40".to_owned(),
            concentration_mg_per_ml: "10".to_owned(),
            bag_volume_ml: "100".to_owned(),
        }
    }
}

/// A calculated dose, carried into the start form (and so into the administration record).
pub(crate) struct DosePrefill {
    pub dose_mg: String,
    pub drawn_volume_ml: String,
    pub rate_ml_per_hour: String,
    pub concentration_mg_per_ml: String,
    pub weight_kg: String,
    pub dose_mg_per_kg: String,
    /// Bag plus drug, mL: with it in the `administration_started` payload (`total_volume_ml`)
    /// the session curve follows the pump exactly (drug per mL = dose ÷ this volume).
    pub total_volume_ml: String,
    pub summary: String,
    pub warnings: Vec<String>,
    /// The predicted curve of the dose as calculated, labelled "planned" (issue 9): an infusion
    /// over the calculator's minutes when it has some (the calculator then gives a pump rate),
    /// an IM injection otherwise. `session.html` draws it in the dose result with
    /// `{% if let Some(c) = d.planned %}{% include "pk_curve.html" %}{% endif %}`.
    pub planned: Option<CurveView>,
}

/// `POST /sessions/{id}/dose`: the dose for today's weight, shown on the session and filled into
/// the start form; nothing is stored until the nurse starts the administration.
pub(crate) async fn calculate_dose(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<DoseCalcForm>) -> PageResult {
    let id = TreatmentSessionId(ctx.path_id(&id)?);
    let mut errors = Vec::new();
    let mut number = |raw: &str, label: &str| -> f64 {
        raw.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).unwrap_or_else(|| {
            errors.push(format!("{label} must be a number."));
            0.0
        })
    };
    let weight = number(&form.weight_kg, "Weight (kg)");
    let per_kg = number(&form.dose_mg_per_kg, "Dose (mg/kg)");
    let minutes = number(&form.infusion_minutes, "Infusion (minutes)");
    let concentration = number(&form.concentration_mg_per_ml, "Vial concentration (mg/mL)");
    let bag = number(&form.bag_volume_ml, "Bag volume (mL)");
    let calculated = if errors.is_empty() {
        let request = KetamineRequest {
            weight_kg: weight,
            height_cm: None,
            sex: None,
            weight_basis: WeightBasis::Actual,
            dose_mg_per_kg: per_kg,
            infusion_minutes: Some(minutes).filter(|m| *m > 0.0),
            vial_concentration_mg_per_ml: concentration,
            bag_volume_ml: Some(bag).filter(|b| *b > 0.0),
            max_dose_mg: None,
        };
        ketamine_dose(&request).map_err(|e| errors.extend(e.0.iter().map(|f| sentence(&format!("{} {}", super::forms::label_of(&f.field), f.message))))).ok()
    } else {
        None
    };
    let mut page = page(&ctx, id, (!errors.is_empty()).then(|| "No dose was calculated — please check:".to_owned()), errors).await?;
    page.dose = calculated.map(|d| {
        let rate = d.rate_ml_per_hour.map(|r| format!("{r:.1}")).unwrap_or_default();
        DosePrefill {
            summary: format!(
                "{per_kg} mg/kg × {:.2} kg = {:.1} mg: {:.2} mL of {concentration} mg/mL{}",
                d.dose_weight_kg,
                d.dose_mg,
                d.drug_volume_ml,
                d.rate_ml_per_hour.map(|r| format!(" in {:.2} mL at {r:.1} mL/h over {minutes} min", d.total_volume_ml)).unwrap_or_default()
            ),
            dose_mg: format!("{:.1}", d.dose_mg),
            drawn_volume_ml: format!("{:.2}", d.drug_volume_ml),
            total_volume_ml: format!("{:.2}", d.total_volume_ml),
            rate_ml_per_hour: rate,
            concentration_mg_per_ml: form.concentration_mg_per_ml.trim().to_owned(),
            weight_kg: form.weight_kg.trim().to_owned(),
            dose_mg_per_kg: form.dose_mg_per_kg.trim().to_owned(),
            warnings: d.warnings.into_iter().map(super::dosing_page::warning).collect(),
            planned: planned_curve(&ctx, d.dose_mg, Some(minutes).filter(|m| *m > 0.0), weight),
        }
    });
    let status = if page.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    page.calc = form;
    Ok((status, page).into_response())
}
