//! The dose calculator page (`GET /dosing`, results on `POST /dosing`): the same pure
//! calculation as `POST /api/v1/dose-calculations` (racemic ketamine by weight, IV or IM;
//! esketamine by device), shown large, with the warnings in words and the predicted plasma
//! concentration curve of a published PK model under it. Nothing is stored and no patient
//! record is read, so any signed-in member of staff may use it.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use ketaclinic_domain::FieldError;
use ketaclinic_domain::dosing::esketamine::Indication;
use ketaclinic_domain::dosing::{DoseWarning, EsketamineRequest, KetamineRequest, WeightBasis, esketamine_dose, ketamine_dose};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::person::Sex;
use ketaclinic_pk::{ModelId, Patient, RegimenEntry, Route};
use serde::Deserialize;

use super::forms::{ErrorLink, Field, PageForm, apply_errors};
use super::session_curve::{CurveSpec, CurveView, curve, tidy};
use super::{Ctx, Layout, PageResult, Section};

/// The esketamine model has no weight covariate; the simulation still needs a weight.
const ESKETAMINE_NOMINAL_WEIGHT_KG: f64 = 70.0;

/// The submitted form; every field a string so a bad number is a field error, not a 400.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct DoseForm {
    modality: String,
    weight_kg: String,
    height_cm: String,
    sex: String,
    weight_basis: String,
    dose_mg_per_kg: String,
    infusion_minutes: String,
    vial_concentration_mg_per_ml: String,
    bag_volume_ml: String,
    max_dose_mg: String,
    dose_mg: String,
    indication: String,
    highest_previous_dose_mg: String,
    age_years: String,
}

impl Default for DoseForm {
    fn default() -> Self {
        Self {
            modality: "iv_ketamine".to_owned(),
            weight_kg: String::new(),
            height_cm: String::new(),
            sex: String::new(),
            weight_basis: "actual".to_owned(),
            dose_mg_per_kg: "0.5".to_owned(),
            infusion_minutes: "40".to_owned(),
            vial_concentration_mg_per_ml: "10".to_owned(),
            bag_volume_ml: "100".to_owned(),
            max_dose_mg: String::new(),
            dose_mg: "56".to_owned(),
            indication: "trd".to_owned(),
            highest_previous_dose_mg: String::new(),
            age_years: String::new(),
        }
    }
}

/// One large figure of the result: `Dose` — `40.0 mg`.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    pub label: String,
    pub value: String,
    /// A line under the value (`of 50 mg/mL`); empty for none.
    pub note: String,
}

/// The calculated dose.
#[derive(Debug, Clone)]
pub(crate) struct DoseView {
    /// `IV ketamine infusion`.
    pub heading: String,
    pub figures: Vec<Figure>,
    /// Esketamine: `Device 1 at 0 min`, …; empty for ketamine.
    pub schedule: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dosing.html")]
struct DosingPage {
    layout: Layout,
    errors: Vec<ErrorLink>,
    modality: Field,
    weight_kg: Field,
    height_cm: Field,
    sex: Field,
    weight_basis: Field,
    dose_mg_per_kg: Field,
    infusion_minutes: Field,
    vial_concentration_mg_per_ml: Field,
    bag_volume_ml: Field,
    max_dose_mg: Field,
    dose_mg: Field,
    indication: Field,
    highest_previous_dose_mg: Field,
    age_years: Field,
    result: Option<DoseView>,
    curve: Option<CurveView>,
}

fn opts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(v, l)| ((*v).to_owned(), (*l).to_owned())).collect()
}

fn page(ctx: &Ctx, form: &DoseForm, errors: &[FieldError], result: Option<DoseView>, curve: Option<CurveView>) -> DosingPage {
    let number = |name, label, value: &str| Field::new(name, label, "text").inputmode("decimal").value(value);
    let mut fields = [
        Field::new("modality", "Treatment", "select").value(&form.modality).options(opts(&[
            ("iv_ketamine", "IV ketamine infusion"),
            ("im_ketamine", "IM ketamine injection"),
            ("esketamine_nasal", "Esketamine nasal spray (SPRAVATO)"),
        ])),
        number("weight_kg", "Weight (kg)", &form.weight_kg).hint("Actual body weight, 1–400 kg."),
        number("height_cm", "Height (cm)", &form.height_cm).optional().hint("Needed for ideal or adjusted weight."),
        Field::new("sex", "Sex", "select").value(&form.sex).optional().hint("Needed for ideal or adjusted weight (Devine formula).").options(opts(&[
            ("", "Not given"),
            ("female", "Female"),
            ("male", "Male"),
        ])),
        Field::new("weight_basis", "Dose on", "select").value(&form.weight_basis).options(opts(&[
            ("actual", "Actual weight"),
            ("ideal", "Ideal weight (Devine, capped at actual)"),
            ("adjusted", "Adjusted weight (ideal + 0.4 × excess)"),
        ])),
        number("dose_mg_per_kg", "Dose (mg/kg)", &form.dose_mg_per_kg).hint("Usually 0.5 mg/kg; a warning outside 0.1–1.0."),
        number("infusion_minutes", "Infusion time (minutes)", &form.infusion_minutes).hint("IV only: sets the pump rate."),
        number("vial_concentration_mg_per_ml", "Vial concentration (mg/mL)", &form.vial_concentration_mg_per_ml).hint("For example 10, 50 or 100."),
        number("bag_volume_ml", "Diluent bag (mL)", &form.bag_volume_ml).hint("IV only; an IM injection is drawn undiluted."),
        number("max_dose_mg", "Maximum dose (mg)", &form.max_dose_mg).optional().hint("The order's cap, if it has one."),
        Field::new("dose_mg", "Dose", "select").value(&form.dose_mg).options(opts(&[
            ("28", "28 mg (1 device)"),
            ("56", "56 mg (2 devices)"),
            ("84", "84 mg (3 devices)"),
        ])),
        Field::new("indication", "Indication", "select")
            .value(&form.indication)
            .options(opts(&[("trd", "Treatment-resistant depression"), ("mdsi", "Depression with acute suicidal ideation or behaviour")])),
        Field::new("highest_previous_dose_mg", "Highest previous dose", "select")
            .value(&form.highest_previous_dose_mg)
            .hint("84 mg needs an earlier 56 mg dose for treatment-resistant depression.")
            .options(opts(&[("", "None: this is the first dose"), ("28", "28 mg"), ("56", "56 mg"), ("84", "84 mg")])),
        Field::new("age_years", "Age (years)", "text")
            .inputmode("numeric")
            .value(&form.age_years)
            .optional()
            .hint("Flags a first dose above 28 mg at 65 or over."),
    ];
    let summary = apply_errors(&mut fields, errors);
    let [
        modality,
        weight_kg,
        height_cm,
        sex,
        weight_basis,
        dose_mg_per_kg,
        infusion_minutes,
        vial_concentration_mg_per_ml,
        bag_volume_ml,
        max_dose_mg,
        dose_mg,
        indication,
        highest_previous_dose_mg,
        age_years,
    ] = fields;
    DosingPage {
        layout: ctx.layout("Dose calculator", Section::Dosing),
        errors: summary,
        modality,
        weight_kg,
        height_cm,
        sex,
        weight_basis,
        dose_mg_per_kg,
        infusion_minutes,
        vial_concentration_mg_per_ml,
        bag_volume_ml,
        max_dose_mg,
        dose_mg,
        indication,
        highest_previous_dose_mg,
        age_years,
        result,
        curve,
    }
}

/// `GET /dosing`: the empty calculator with the usual defaults.
pub(crate) async fn form(ctx: Ctx) -> PageResult {
    Ok(page(&ctx, &DoseForm::default(), &[], None, None).into_response())
}

/// `POST /dosing`: the calculation and its curve, or the form again (422) naming each bad field.
pub(crate) async fn calculate(ctx: Ctx, PageForm(form): PageForm<DoseForm>) -> PageResult {
    let outcome = match Modality::parse(form.modality.trim()) {
        Err(e) => Err(vec![e]),
        Ok(m) if m.is_esketamine() => esketamine(&ctx, &form),
        Ok(m) => ketamine(&ctx, &form, m),
    };
    Ok(match outcome {
        Ok((result, curve)) => page(&ctx, &form, &[], Some(result), Some(curve)).into_response(),
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, page(&ctx, &form, &errors, None, None)).into_response(),
    })
}

/// A decimal field: empty is `None`; anything else must be a finite number.
fn decimal(errors: &mut Vec<FieldError>, name: &str, raw: &str) -> Option<f64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.replace(',', ".").parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            errors.push(FieldError::new(name, "must be a number"));
            None
        }
    }
}

/// A whole-number field: empty is `None`.
fn whole(errors: &mut Vec<FieldError>, name: &str, raw: &str) -> Option<u32> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    raw.parse::<u32>().map_err(|_| errors.push(FieldError::new(name, "must be a whole number"))).ok()
}

type Outcome = Result<(DoseView, CurveView), Vec<FieldError>>;

fn ketamine(ctx: &Ctx, form: &DoseForm, modality: Modality) -> Outcome {
    let iv = modality == Modality::IvKetamine;
    let mut errors = Vec::new();
    let weight = decimal(&mut errors, "weight_kg", &form.weight_kg);
    if weight.is_none() && form.weight_kg.trim().is_empty() {
        errors.push(FieldError::new("weight_kg", "is required"));
    }
    let height_cm = decimal(&mut errors, "height_cm", &form.height_cm);
    let sex = match form.sex.trim() {
        "" => None,
        "male" => Some(Sex::Male),
        "female" => Some(Sex::Female),
        _ => {
            errors.push(FieldError::new("sex", "must be male or female"));
            None
        }
    };
    let basis = match form.weight_basis.trim() {
        "actual" | "" => WeightBasis::Actual,
        "ideal" => WeightBasis::Ideal,
        "adjusted" => WeightBasis::Adjusted,
        _ => {
            errors.push(FieldError::new("weight_basis", "must be actual, ideal or adjusted"));
            WeightBasis::Actual
        }
    };
    let per_kg = decimal(&mut errors, "dose_mg_per_kg", &form.dose_mg_per_kg);
    if per_kg.is_none() && form.dose_mg_per_kg.trim().is_empty() {
        errors.push(FieldError::new("dose_mg_per_kg", "is required"));
    }
    let minutes = if iv { decimal(&mut errors, "infusion_minutes", &form.infusion_minutes) } else { None };
    if iv && minutes.is_none() && form.infusion_minutes.trim().is_empty() {
        errors.push(FieldError::new("infusion_minutes", "is required for an IV infusion"));
    }
    let conc = decimal(&mut errors, "vial_concentration_mg_per_ml", &form.vial_concentration_mg_per_ml);
    if conc.is_none() && form.vial_concentration_mg_per_ml.trim().is_empty() {
        errors.push(FieldError::new("vial_concentration_mg_per_ml", "is required"));
    }
    let bag = if iv { decimal(&mut errors, "bag_volume_ml", &form.bag_volume_ml) } else { None };
    let max = decimal(&mut errors, "max_dose_mg", &form.max_dose_mg);
    let request = KetamineRequest {
        // Missing required numbers already have their error; NaN keeps the domain from adding a second.
        weight_kg: weight.unwrap_or(f64::NAN),
        height_cm,
        sex,
        weight_basis: basis,
        dose_mg_per_kg: per_kg.unwrap_or(f64::NAN),
        infusion_minutes: minutes,
        vial_concentration_mg_per_ml: conc.unwrap_or(f64::NAN),
        bag_volume_ml: bag,
        max_dose_mg: max,
    };
    let dose = ketamine_dose(&request);
    if let Err(domain) = &dose {
        errors.extend(domain.0.iter().filter(|e| !errors.iter().any(|mine| mine.field == e.field)).cloned().collect::<Vec<_>>());
    }
    let dose = match dose {
        Ok(dose) if errors.is_empty() => dose,
        _ => return Err(errors),
    };
    let conc = request.vial_concentration_mg_per_ml;
    let mut figures = vec![
        Figure {
            label: "Dose".to_owned(),
            value: format!("{:.1} mg", dose.dose_mg),
            note: format!("{} mg/kg × {:.2} kg ({})", tidy(request.dose_mg_per_kg), dose.dose_weight_kg, basis_label(basis)),
        },
        Figure { label: "Drug to draw".to_owned(), value: format!("{:.2} mL", dose.drug_volume_ml), note: format!("of {} mg/mL", tidy(conc)) },
    ];
    if iv {
        figures.push(Figure {
            label: "Total volume".to_owned(),
            value: format!("{:.2} mL", dose.total_volume_ml),
            note: format!("{} mL bag + drug", tidy(request.bag_volume_ml.unwrap_or(0.0))),
        });
        if let (Some(rate), Some(m)) = (dose.rate_ml_per_hour, minutes) {
            figures.push(Figure { label: "Pump rate".to_owned(), value: format!("{rate:.1} mL/h"), note: format!("over {} minutes", tidy(m)) });
        }
    } else {
        figures.push(Figure { label: "Route".to_owned(), value: "IM injection".to_owned(), note: "undiluted, no pump rate".to_owned() });
    }
    let result = DoseView {
        heading: if iv { "IV ketamine infusion" } else { "IM ketamine injection" }.to_owned(),
        figures,
        schedule: Vec::new(),
        warnings: dose.warnings.iter().map(|w| warning(*w)).collect(),
    };
    let regimen = if iv {
        vec![RegimenEntry { route: Route::IvInfusion, dose_mg: dose.dose_mg, start_min: 0.0, duration_min: minutes }]
    } else {
        vec![RegimenEntry { route: Route::Im, dose_mg: dose.dose_mg, start_min: 0.0, duration_min: None }]
    };
    let model = if iv { ModelId::Domino1984 } else { ModelId::Clements1981 };
    let windows = minutes.map(|m| vec![(0.0, m)]).unwrap_or_default();
    let patient = Patient { weight_kg: request.weight_kg, age_years: None, ancestry: None };
    let curve = curve(ctx, &CurveSpec { id: "pk-curve", model, patient, regimen, windows, planned: false });
    Ok((result, curve))
}

fn esketamine(ctx: &Ctx, form: &DoseForm) -> Outcome {
    let mut errors = Vec::new();
    let dose_mg = whole(&mut errors, "dose_mg", &form.dose_mg);
    if dose_mg.is_none() && form.dose_mg.trim().is_empty() {
        errors.push(FieldError::new("dose_mg", "is required: 28, 56 or 84 mg"));
    }
    let indication = match form.indication.trim() {
        "trd" | "" => Indication::Trd,
        "mdsi" => Indication::Mdsi,
        _ => {
            errors.push(FieldError::new("indication", "must be trd or mdsi"));
            Indication::Trd
        }
    };
    let previous = whole(&mut errors, "highest_previous_dose_mg", &form.highest_previous_dose_mg);
    let age = whole(&mut errors, "age_years", &form.age_years);
    if age.is_some_and(|a| a > 120) {
        errors.push(FieldError::new("age_years", "must be between 0 and 120"));
    }
    let Some(dose_mg) = dose_mg else { return Err(errors) };
    let request = EsketamineRequest { dose_mg, indication, highest_previous_dose_mg: previous, age_years: age };
    let dose = match esketamine_dose(&request) {
        Ok(dose) if errors.is_empty() => dose,
        Ok(_) => return Err(errors),
        Err(domain) => {
            errors.extend(domain.0);
            return Err(errors);
        }
    };
    let result = DoseView {
        heading: "Esketamine nasal spray".to_owned(),
        figures: vec![
            Figure { label: "Dose".to_owned(), value: format!("{} mg", dose.dose_mg), note: String::new() },
            Figure { label: "Devices".to_owned(), value: format!("{} × 28 mg", dose.devices), note: "one device = two sprays, one per nostril".to_owned() },
        ],
        schedule: dose.schedule_min.iter().enumerate().map(|(i, m)| format!("Device {} at {m} min", i + 1)).collect(),
        warnings: dose.warnings.iter().map(|w| warning(*w)).collect(),
    };
    let regimen =
        dose.schedule_min.iter().map(|m| RegimenEntry { route: Route::Intranasal, dose_mg: 28.0, start_min: f64::from(*m), duration_min: None }).collect();
    let last = dose.schedule_min.last().copied().map_or(0.0, f64::from);
    let patient = Patient { weight_kg: ESKETAMINE_NOMINAL_WEIGHT_KG, age_years: age.map(f64::from), ancestry: None };
    let windows = if last > 0.0 { vec![(0.0, last)] } else { Vec::new() };
    let curve = curve(ctx, &CurveSpec { id: "pk-curve", model: ModelId::PerezRuixo2021, patient, regimen, windows, planned: false });
    Ok((result, curve))
}

fn basis_label(basis: WeightBasis) -> &'static str {
    match basis {
        WeightBasis::Actual => "actual weight",
        WeightBasis::Ideal => "ideal weight",
        WeightBasis::Adjusted => "adjusted weight",
    }
}

/// A warning in words.
pub(crate) fn warning(w: DoseWarning) -> String {
    match w {
        DoseWarning::DoseOutsideUsualRange => "The dose per kg is outside the usual 0.1–1.0 mg/kg: check the order.",
        DoseWarning::CappedAtMaxDose => "The dose was limited to the order's maximum dose.",
        DoseWarning::UndilutedHighConcentration => "100 mg/mL concentrate with no diluent bag: it must be diluted before IV use.",
        DoseWarning::GeriatricStartingDose => "Age 65 or over and a first dose above 28 mg: some labels start at 28 mg.",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_and_print() {
        let mut errors = Vec::new();
        assert_eq!(decimal(&mut errors, "w", " 80,5 "), Some(80.5));
        assert_eq!(decimal(&mut errors, "w", ""), None);
        assert_eq!(decimal(&mut errors, "w", "heavy"), None);
        assert_eq!(whole(&mut errors, "a", "6.5"), None);
        assert_eq!(errors.len(), 2);
        assert_eq!((tidy(0.5), tidy(50.0)), ("0.5".to_owned(), "50".to_owned()));
    }
}
