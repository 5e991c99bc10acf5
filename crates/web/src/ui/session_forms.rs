//! The chairside session's forms: events (with an optional earlier time), a manual reading, the
//! MOAA/S checkpoint, pre-checks with a prescriber's overrides, alert acknowledgement, discharge
//! and booking from the patient page. Each posts to the same use case as the JSON API and comes
//! back to the session (post/redirect/get), or shows the page again with the refusal in words.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jiff::Timestamp;
use ketaclinic_app::AppError;
use ketaclinic_app::assessments::AssessmentInput;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::session_prechecks::PrecheckInput;
use ketaclinic_domain::ids::{PatientId, TreatmentSessionId};
use ketaclinic_domain::session::{VitalReading, Vitals};
use serde::Deserialize;

use super::forms::PageForm;
use super::session_live::{criterion_label, precheck_label};
use super::session_page::{back, page, refused};
use super::{Ctx, PageResult, sentence};

/// What the event forms send: `type` and whichever fields that event has.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EventForm {
    #[serde(rename = "type")]
    kind: String,
    dose_mg: String,
    lot: String,
    concentration_mg_per_ml: String,
    drawn_volume_ml: String,
    rate_ml_per_hour: String,
    /// Bag plus drug (mL), from the dose calculator: the session curve follows the pump with it.
    total_volume_ml: String,
    weight_kg: String,
    dose_mg_per_kg: String,
    product: String,
    effect: String,
    severity: String,
    drug: String,
    dose: String,
    route: String,
    note: String,
    text: String,
    reason: String,
    escort_name: String,
    escort_phone: String,
    /// "HH:MM" today (clinic time) when documenting after the fact; blank = now.
    at_time: String,
}

/// A number field: absent when blank; a typing error is the use case's to name.
fn number(raw: &str) -> Option<serde_json::Value> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    Some(
        raw.parse::<u64>()
            .map(serde_json::Value::from)
            .or_else(|_| raw.parse::<f64>().map(serde_json::Value::from))
            .unwrap_or_else(|_| serde_json::Value::from(raw)),
    )
}

impl EventForm {
    fn payload(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for (key, raw) in [
            ("dose_mg", &self.dose_mg),
            ("concentration_mg_per_ml", &self.concentration_mg_per_ml),
            ("drawn_volume_ml", &self.drawn_volume_ml),
            ("rate_ml_per_hour", &self.rate_ml_per_hour),
            ("total_volume_ml", &self.total_volume_ml),
            ("weight_kg", &self.weight_kg),
            ("dose_mg_per_kg", &self.dose_mg_per_kg),
        ] {
            if let Some(v) = number(raw) {
                map.insert(key.to_owned(), v);
            }
        }
        for (key, raw) in [
            ("product", &self.product),
            ("lot", &self.lot),
            ("effect", &self.effect),
            ("severity", &self.severity),
            ("drug", &self.drug),
            ("dose", &self.dose),
            ("route", &self.route),
            ("note", &self.note),
            ("text", &self.text),
            ("reason", &self.reason),
            ("escort_name", &self.escort_name),
            ("escort_phone", &self.escort_phone),
        ] {
            if !raw.trim().is_empty() {
                map.insert(key.to_owned(), serde_json::Value::from(raw.trim()));
            }
        }
        serde_json::Value::Object(map)
    }
}

/// The latest past moment showing "HH:MM" on the clinic's clock (`None` when blank): today's,
/// or yesterday's when today's is still ahead — documenting at 00:10 what happened at 23:50.
fn time_today(ctx: &Ctx, raw: &str) -> Result<Option<Timestamp>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let invalid = || AppError::Invalid(ketaclinic_domain::ValidationErrors::one("at", "must be a time as HH:MM"));
    let time: jiff::civil::Time = raw.parse().map_err(|_| invalid())?;
    let tz = ctx.state.app.settings().timezone.clone();
    let now = ctx.state.app.now();
    let today = now.to_zoned(tz.clone()).date();
    let at = today.to_datetime(time).to_zoned(tz.clone()).map_err(|_| invalid())?.timestamp();
    if at <= now {
        return Ok(Some(at));
    }
    let yesterday = today.yesterday().map_err(|_| invalid())?;
    yesterday.to_datetime(time).to_zoned(tz).map(|z| Some(z.timestamp())).map_err(|_| invalid())
}

/// `POST /sessions/{id}/events`.
pub(crate) async fn record_event(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<EventForm>) -> PageResult {
    let id = TreatmentSessionId(ctx.path_id(&id)?);
    let grant = ctx.grant::<perm::ClinicalWrite>().await?;
    let at = match time_today(&ctx, &form.at_time) {
        Ok(at) => at,
        Err(e) => return refused(&ctx, id, e).await,
    };
    match ctx.state.app.record_session_event(&grant, id, &form.kind, at, form.payload()).await {
        Ok(_) => Ok(back(id, "actions")),
        Err(e) => refused(&ctx, id, e).await,
    }
}

/// What the vital-signs form sends (blank fields are not measured).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct VitalsForm {
    systolic: String,
    diastolic: String,
    heart_rate: String,
    spo2: String,
    resp_rate: String,
    /// "HH:MM" when entering a reading taken earlier; blank = now.
    at_time: String,
}

/// `POST /sessions/{id}/vitals`: one manual reading, now or at the time given.
pub(crate) async fn record_vitals(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<VitalsForm>) -> PageResult {
    let id = TreatmentSessionId(ctx.path_id(&id)?);
    let grant = ctx.grant::<perm::ClinicalWrite>().await?;
    let mut errors = Vec::new();
    let mut field = |raw: &str, label: &str| -> Option<u32> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        raw.parse().map_err(|_| errors.push(format!("{label} must be a whole number."))).ok()
    };
    let vitals = Vitals {
        systolic: field(&form.systolic, "Systolic"),
        diastolic: field(&form.diastolic, "Diastolic"),
        heart_rate: field(&form.heart_rate, "Heart rate"),
        spo2: field(&form.spo2, "SpO2"),
        resp_rate: field(&form.resp_rate, "Respiratory rate"),
    };
    if !errors.is_empty() {
        return Ok(
            (StatusCode::UNPROCESSABLE_ENTITY, page(&ctx, id, Some("The reading was not saved — please check:".to_owned()), errors).await?).into_response()
        );
    }
    let at = match time_today(&ctx, &form.at_time) {
        Ok(at) => at.unwrap_or_else(|| ctx.state.app.now()),
        Err(e) => return refused(&ctx, id, e).await,
    };
    let reading = VitalReading { at, device_id: "manual".to_owned(), vitals };
    match ctx.state.app.record_vitals(&grant, id, vec![reading]).await {
        Ok(_) => Ok(back(id, "vitals")),
        Err(e) => refused(&ctx, id, e).await,
    }
}

/// What the MOAA/S checkpoint sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct MoaasForm {
    level: String,
}

/// `POST /sessions/{id}/moaas`: a MOAA/S checkpoint recorded on the session.
pub(crate) async fn record_moaas(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<MoaasForm>) -> PageResult {
    let id = TreatmentSessionId(ctx.path_id(&id)?);
    let read = ctx.grant::<perm::ClinicalRead>().await?;
    let grant = ctx.grant::<perm::AssessmentRecord>().await?;
    let view = ctx.state.app.session_view(&read, id).await.map_err(|e| ctx.fail(e))?;
    let level = form.level.trim().parse::<u32>().map_or_else(|_| serde_json::Value::from(form.level.trim()), serde_json::Value::from);
    let input =
        AssessmentInput { instrument: "moaas".to_owned(), answers: serde_json::json!({ "level": level }), administered_at: None, session_id: Some(id.0) };
    match ctx.state.app.record_assessment(&grant, view.session.patient_id, input).await {
        Ok(_) => Ok(back(id, "checkpoints")),
        Err(e) => refused(&ctx, id, e).await,
    }
}

/// What the discharge form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DischargeForm {
    override_reason: String,
}

/// `POST /sessions/{id}/discharge`: home, or the unmet criteria in words (409).
pub(crate) async fn discharge(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<DischargeForm>) -> PageResult {
    let id = TreatmentSessionId(ctx.path_id(&id)?);
    let grant = ctx.grant::<perm::ClinicalWrite>().await?;
    let reason = Some(form.override_reason.trim()).filter(|r| !r.is_empty());
    match ctx.state.app.discharge(&grant, id, reason).await {
        Ok(Ok(_)) => Ok(back(id, "discharge")),
        Ok(Err(refused)) => {
            let message = if refused.label_minimum {
                "Not discharged: the SPRAVATO label requires 120 minutes of observation from the first device, which no override shortens."
            } else if reason.is_some() {
                "Not discharged."
            } else {
                "Not discharged: these criteria are unmet. A prescriber may override clinic-policy criteria with a reason."
            };
            let errors = refused.check.unmet.iter().map(|(c, why)| format!("{}: {}", criterion_label(c.id()), sentence(why))).collect();
            Ok((StatusCode::CONFLICT, page(&ctx, id, Some(message.to_owned()), errors).await?).into_response())
        }
        Err(e) => refused(&ctx, id, e).await,
    }
}

/// What the booking form on the patient page sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CreateForm {
    modality: String,
    chair: String,
    /// A signed course of the patient's (blank: none).
    course_id: String,
}

/// `POST /patients/{id}/sessions`: books a session and opens it.
pub(crate) async fn create(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<CreateForm>) -> PageResult {
    let patient = PatientId(ctx.path_id(&id)?);
    let grant = ctx.grant::<perm::ClinicalWrite>().await?;
    let course = match form.course_id.trim() {
        "" => None,
        raw => Some(ketaclinic_domain::ids::CourseId(
            uuid::Uuid::parse_str(raw).map_err(|_| ctx.fail(AppError::Invalid(ketaclinic_domain::ValidationErrors::one("course_id", "is not a course"))))?,
        )),
    };
    match ctx.state.app.create_session(&grant, patient, &form.modality, course, Some(&form.chair)).await {
        Ok(s) => Ok(Redirect::to(&format!("/sessions/{}", s.id)).into_response()),
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `POST /sessions/{id}/prechecks`: the nurse's confirmations and any prescriber overrides
/// (`override_<check>` fields holding the reason). Refused checks come back listed (409).
pub(crate) async fn complete_prechecks(ctx: Ctx, Path(id): Path<String>, PageForm(fields): PageForm<Vec<(String, String)>>) -> PageResult {
    let id = TreatmentSessionId(ctx.path_id(&id)?);
    let grant = ctx.grant::<perm::ClinicalWrite>().await?;
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let yes = |name: &str| get(name) == "yes";
    let escort = (!get("escort_name").is_empty() || !get("escort_phone").is_empty()).then(|| (get("escort_name"), get("escort_phone")));
    let input = PrecheckInput {
        identity_confirmed: yes("identity_confirmed"),
        fasting_confirmed: Some(yes("fasting_confirmed")),
        escort,
        medications_reviewed: yes("medications_reviewed"),
        pregnancy: Some(get("pregnancy")).filter(|p| !p.is_empty()),
        overrides: fields
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("override_").map(|check| (check.to_owned(), v.trim().to_owned())))
            .filter(|(_, reason)| !reason.is_empty())
            .collect(),
        at: match time_today(&ctx, &get("at_time")) {
            Ok(at) => at,
            Err(e) => return refused(&ctx, id, e).await,
        },
    };
    match ctx.state.app.complete_prechecks(&grant, id, &input).await {
        Ok(Ok(_)) => Ok(back(id, "actions")),
        Ok(Err(refused)) => {
            let errors =
                refused.unmet.iter().map(|r| format!("{}: {}", precheck_label(r.check), r.outcome.message().map(sentence).unwrap_or_default())).collect();
            let message = "Pre-checks not complete: dosing waits until these pass or a prescriber overrides them with a reason.";
            Ok((StatusCode::CONFLICT, page(&ctx, id, Some(message.to_owned()), errors).await?).into_response())
        }
        Err(e) => refused(&ctx, id, e).await,
    }
}

/// What the acknowledgement form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AckForm {
    note: String,
}

/// `POST /sessions/{id}/alerts/{alert_id}/acknowledge`.
pub(crate) async fn acknowledge_alert(ctx: Ctx, Path((id, alert)): Path<(String, String)>, PageForm(form): PageForm<AckForm>) -> PageResult {
    let id = TreatmentSessionId(ctx.path_id(&id)?);
    let alert = ketaclinic_domain::ids::SessionAlertId(ctx.path_id(&alert)?);
    let grant = ctx.grant::<perm::ClinicalWrite>().await?;
    match ctx.state.app.acknowledge_session_alert(&grant, id, alert, Some(&form.note)).await {
        Ok(_) => Ok(back(id, "alerts")),
        Err(e) => refused(&ctx, id, e).await,
    }
}
