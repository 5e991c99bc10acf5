//! The chairside session page (`/sessions/{id}`): what the nurse with one free hand needs —
//! the state and the one or two next actions as large buttons, a vital-signs entry that takes
//! five numbers and a tap, and a live region (chart, alerts, discharge criteria, timeline) that
//! redraws itself when anything about the session changes (`static/app.js` listens to the board
//! stream and fetches `/sessions/{id}/live`). Every form posts to the same use cases as the
//! JSON API and comes back here (post/redirect/get), or shows the refusal in words.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use ketaclinic_app::assessments::AssessmentInput;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::session_prechecks::{PrecheckInput, PrecheckStatus};
use ketaclinic_app::sessions::{SIDE_EFFECTS, SessionView};
use ketaclinic_app::{AppError, Permission};
use ketaclinic_domain::dosing::{KetamineRequest, WeightBasis, ketamine_dose};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{PatientId, TreatmentSessionId};
use ketaclinic_domain::session::checkpoint::Item;
use ketaclinic_domain::session::precheck::Precheck;
use ketaclinic_domain::session::{SessionEvent, VitalReading, Vitals};
use ketaclinic_pk::{Patient, RegimenEntry, Route};
use serde::Deserialize;

use super::dosing_page::{CurveView, curve};
use super::forms::PageForm;
use super::vitals_chart::{self, VitalsChart};
use super::{Ctx, Layout, PageResult, Section, sentence};

/// A modality in words.
pub(crate) fn modality_label(m: Modality) -> &'static str {
    match m {
        Modality::IvKetamine => "IV ketamine",
        Modality::ImKetamine => "IM ketamine",
        Modality::EsketamineNasal => "Esketamine nasal spray",
    }
}

/// One timeline line.
pub(crate) struct TimelineRow {
    pub time: String,
    pub what: String,
    pub detail: String,
    pub warning: bool,
}

/// One alert.
pub(crate) struct AlertRow {
    pub id: String,
    pub time: String,
    pub message: String,
    /// "Acknowledged 14:05 — rechecked, 150/90" once acknowledged.
    pub acknowledged: Option<String>,
}

/// The next checkpoint, in words.
pub(crate) struct CheckpointRow {
    pub what: String,
    pub due: String,
    pub label: String,
    pub overdue: bool,
}

/// One pre-check line.
pub(crate) struct PrecheckRow {
    pub id: &'static str,
    pub label: &'static str,
    /// `passed`, `passed_with_warning`, `failed`, `not_applicable`.
    pub outcome: &'static str,
    pub message: String,
    pub overridable: bool,
}

/// One discharge criterion.
pub(crate) struct CriterionRow {
    pub label: &'static str,
    pub met: bool,
    pub detail: String,
}

/// The live region: everything that changes while the patient sits in the chair.
pub(crate) struct Live {
    pub id: String,
    pub state_label: &'static str,
    pub chart: Option<VitalsChart>,
    pub latest: Option<LatestVitals>,
    pub alerts: Vec<AlertRow>,
    pub open_alerts: usize,
    pub checkpoint: Option<CheckpointRow>,
    pub closed: bool,
    pub csrf: String,
    pub criteria: Vec<CriterionRow>,
    pub discharge_ready: bool,
    pub ready_to_leave: Option<String>,
    pub minimum_until: Option<String>,
    pub timeline: Vec<TimelineRow>,
    /// The predicted plasma curve of what was given (none before dosing).
    pub curve: Option<CurveView>,
}

/// The latest reading, large.
pub(crate) struct LatestVitals {
    pub time: String,
    pub bp: String,
    pub heart_rate: String,
    pub spo2: String,
    pub resp_rate: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "session.html")]
struct Page {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    mrn: String,
    modality: &'static str,
    esketamine: bool,
    chair: String,
    state: &'static str,
    closed: bool,
    live: Live,
    side_effects: &'static [&'static str],
    can_override: bool,
    can_override_prechecks: bool,
    prechecks: Vec<PrecheckRow>,
    /// The calculator's inputs and, once calculated, the dose that fills the start form.
    calc: DoseCalcForm,
    dose: Option<DosePrefill>,
    error: Option<String>,
    errors: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "session_live.html")]
struct LivePartial {
    live: Live,
}

fn criterion_label(id: &str) -> &'static str {
    match id {
        "minimum_observation" => "Minimum observation time",
        "vitals_acceptable" => "Vital signs acceptable",
        "moaas_5" => "Fully alert (MOAA/S 5)",
        "dissociation_resolved" => "Dissociation resolved",
        "escort_confirmed" => "Escort confirmed",
        _ => "Criterion",
    }
}

fn checkpoint_item(i: Item) -> &'static str {
    match i {
        Item::BloodPressure => "blood pressure",
        Item::Moaas => "MOAA/S",
        Item::Cadss => "CADSS",
    }
}

fn precheck_label(c: Precheck) -> &'static str {
    match c {
        Precheck::IdentityConfirmed => "Identity confirmed",
        Precheck::ConsentValid => "Consent valid",
        Precheck::RemsEnrolled => "SPRAVATO REMS enrolment",
        Precheck::EligibilityCurrent => "Eligibility decision current",
        Precheck::Fasting => "Fasting (no food 2 h, no liquids 30 min)",
        Precheck::EscortConfirmed => "Escort confirmed",
        Precheck::MedicationsReviewed => "New medications reviewed",
        Precheck::PregnancyStatus => "Pregnancy status",
        Precheck::PreSessionPhq9 => "Pre-session PHQ-9",
        Precheck::PreDoseVitals => "Pre-dose vital signs",
    }
}

fn precheck_rows(status: &PrecheckStatus) -> Vec<PrecheckRow> {
    status
        .checks
        .iter()
        .map(|r| PrecheckRow {
            id: r.check.id(),
            label: precheck_label(r.check),
            outcome: r.outcome.name(),
            message: r.outcome.message().map(sentence).unwrap_or_default(),
            overridable: r.check.overridable(),
        })
        .collect()
}

fn event_label(e: SessionEvent) -> &'static str {
    match e {
        SessionEvent::CheckedIn => "Checked in",
        SessionEvent::PrechecksCompleted => "Pre-checks completed",
        SessionEvent::AdministrationStarted => "Administration started",
        SessionEvent::DeviceAdministered => "Device given (28 mg)",
        SessionEvent::AdministrationPaused => "Paused",
        SessionEvent::AdministrationResumed => "Resumed",
        SessionEvent::RateChanged => "Rate changed",
        SessionEvent::AdministrationStopped => "Administration stopped",
        SessionEvent::SideEffect => "Side effect",
        SessionEvent::Intervention => "Intervention",
        SessionEvent::Note => "Note",
        SessionEvent::EscortConfirmed => "Escort confirmed",
        SessionEvent::DissociationResolved => "Dissociation resolved (nurse)",
        SessionEvent::Discharged => "Discharged",
        SessionEvent::StoppedEarly => "Stopped early",
    }
}

/// The payload's fields in words (`dose_mg: 40`, `lot: K123` …), skipping bookkeeping.
fn payload_words(payload: &serde_json::Value) -> String {
    let Some(map) = payload.as_object() else { return String::new() };
    map.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "warning" | "unmet" | "prechecks"))
        .filter_map(|(k, v)| {
            let value = match v {
                serde_json::Value::String(s) if !s.is_empty() => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
                _ => return None,
            };
            Some(format!("{}: {value}", k.replace('_', " ")))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn show(v: Option<u32>) -> String {
    v.map_or_else(|| "–".to_owned(), |x| x.to_string())
}

pub(crate) fn live(ctx: &Ctx, view: &SessionView) -> Live {
    let now = ctx.state.app.now();
    let first = |kinds: &[SessionEvent]| view.events.iter().find(|e| kinds.contains(&e.event)).map(|e| e.at);
    let dosed = first(&[SessionEvent::AdministrationStarted, SessionEvent::DeviceAdministered]);
    let stopped = view.events.iter().rev().find(|e| e.event == SessionEvent::AdministrationStopped).map(|e| e.at);
    let start: Option<Timestamp> = [view.events.first().map(|e| e.at), view.vitals.iter().map(|r| r.at).min()].into_iter().flatten().min();
    let chart = start
        .filter(|_| !view.vitals.is_empty())
        .map(|s| vitals_chart::layout(&view.vitals, &view.session.thresholds, s, now, dosed.map(|d| (d, stopped.filter(|t| *t >= d)))));
    let latest = view.vitals.iter().max_by_key(|r| r.at).map(|r| LatestVitals {
        time: ctx.time(r.at),
        bp: format!("{}/{}", show(r.vitals.systolic), show(r.vitals.diastolic)),
        heart_rate: show(r.vitals.heart_rate),
        spo2: show(r.vitals.spo2),
        resp_rate: show(r.vitals.resp_rate),
    });
    let d = &view.discharge;
    let mut criteria: Vec<CriterionRow> = d.met.iter().map(|c| CriterionRow { label: criterion_label(c.id()), met: true, detail: String::new() }).collect();
    criteria.extend(d.unmet.iter().map(|(c, why)| CriterionRow { label: criterion_label(c.id()), met: false, detail: sentence(why) }));
    Live {
        id: view.session.id.to_string(),
        state_label: view.session.state.label(),
        chart,
        latest,
        alerts: view
            .alerts
            .iter()
            .rev()
            .map(|a| AlertRow {
                id: a.id.to_string(),
                time: ctx.time(a.at),
                message: sentence(&a.message),
                acknowledged: a.acknowledgement.as_ref().map(|k| {
                    let note = k.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
                    format!("Acknowledged {}{note}", ctx.time(k.at))
                }),
            })
            .collect(),
        open_alerts: view.alerts.iter().filter(|a| a.acknowledgement.is_none()).count(),
        checkpoint: view.next_checkpoint.as_ref().map(|c| CheckpointRow {
            what: c.what.iter().map(|i| checkpoint_item(*i)).collect::<Vec<_>>().join(", "),
            due: ctx.time(c.due_at),
            label: c.label.clone(),
            overdue: c.overdue,
        }),
        closed: view.session.state.is_closed(),
        csrf: ctx.actor.csrf_token.clone().unwrap_or_default(),
        criteria,
        discharge_ready: d.ready,
        ready_to_leave: d.ready_to_leave_at.map(|t| ctx.time(t)),
        minimum_until: d.minimum_until.map(|t| ctx.time(t)),
        curve: recorded_curve(ctx, view, now),
        timeline: view
            .events
            .iter()
            .rev()
            .map(|e| TimelineRow {
                time: ctx.time(e.at),
                what: event_label(e.event).to_owned(),
                detail: payload_words(&e.payload),
                warning: e.payload.get("warning").is_some(),
            })
            .collect(),
    }
}

async fn page(ctx: &Ctx, id: TreatmentSessionId, error: Option<String>, errors: Vec<String>) -> Result<Page, Response> {
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    let view = ctx.state.app.session_view(&grant, id).await.map_err(|e| ctx.fail(e))?;
    let patient_grant = ctx.grant::<perm::PatientRead>().await?;
    let patient = ctx.state.app.patient(&patient_grant, view.session.patient_id).await.map_err(|e| ctx.fail(e))?;
    let s = &view.session;
    Ok(Page {
        layout: ctx.layout(format!("Session · {}", patient.display_name()), Section::Board),
        patient_id: patient.id.to_string(),
        patient_name: patient.display_name(),
        mrn: patient.mrn.as_str().to_owned(),
        modality: modality_label(s.modality),
        esketamine: s.modality.is_esketamine(),
        chair: s.chair.clone().unwrap_or_default(),
        state: s.state.as_str(),
        closed: s.state.is_closed(),
        live: live(ctx, &view),
        side_effects: &SIDE_EFFECTS,
        can_override: ctx.can(Permission::DischargeOverride),
        can_override_prechecks: ctx.can(Permission::PrecheckOverride),
        prechecks: precheck_rows(&view.prechecks),
        calc: DoseCalcForm::default(),
        dose: None,
        error,
        errors,
    })
}

/// `GET /sessions/{id}`.
pub(crate) async fn show_page(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let id = TreatmentSessionId(ctx.path_id(&id)?);
    Ok(page(&ctx, id, None, Vec::new()).await?.into_response())
}

/// `GET /sessions/{id}/live`: the live region alone, for the page's script to swap in.
pub(crate) async fn live_partial(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let id = TreatmentSessionId(ctx.path_id(&id)?);
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    let view = ctx.state.app.session_view(&grant, id).await.map_err(|e| ctx.fail(e))?;
    Ok(LivePartial { live: live(&ctx, &view) }.into_response())
}

/// The page again with the refusal, with the status it deserves.
async fn refused(ctx: &Ctx, id: TreatmentSessionId, err: AppError) -> PageResult {
    let (status, message, errors) = match err {
        AppError::Invalid(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Nothing was saved — please check:".to_owned(),
            e.0.iter().map(|f| sentence(&format!("{} {}", super::forms::label_of(&f.field), f.message))).collect(),
        ),
        AppError::Conflict(detail) => (StatusCode::CONFLICT, sentence(&detail), Vec::new()),
        other => return Err(ctx.fail(other)),
    };
    Ok((status, page(ctx, id, Some(message), errors).await?).into_response())
}

fn back(id: TreatmentSessionId, anchor: &str) -> Response {
    Redirect::to(&format!("/sessions/{id}#{anchor}")).into_response()
}

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

/// The session's dose calculator (IV/IM ketamine by actual weight; the full calculator with
/// ideal and adjusted weight is `/dosing`). Every field a string: a typing error is a field error.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct DoseCalcForm {
    weight_kg: String,
    dose_mg_per_kg: String,
    infusion_minutes: String,
    concentration_mg_per_ml: String,
    bag_volume_ml: String,
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
    pub summary: String,
    pub warnings: Vec<String>,
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
            rate_ml_per_hour: rate,
            concentration_mg_per_ml: form.concentration_mg_per_ml.trim().to_owned(),
            weight_kg: form.weight_kg.trim().to_owned(),
            dose_mg_per_kg: form.dose_mg_per_kg.trim().to_owned(),
            warnings: d.warnings.into_iter().map(super::dosing_page::warning).collect(),
        }
    });
    let status = if page.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    page.calc = form;
    Ok((status, page).into_response())
}

/// When no weight was recorded with the dose (the model needs one), and the esketamine model's
/// nominal weight (it has no weight covariate): said in the caption.
const NOMINAL_WEIGHT_KG: f64 = 70.0;

/// The predicted plasma curve of the administration as recorded (issue 9): racemic ketamine by
/// infusion (Domino 1984) or injection (Clements 1981) from the start's dose, spread evenly to
/// the stop (or now); esketamine (Perez-Ruixo 2021) one 28 mg intranasal dose per device at its
/// time. Pauses and rate changes are not modelled yet — the caption says so.
fn recorded_curve(ctx: &Ctx, view: &SessionView, now: Timestamp) -> Option<CurveView> {
    let start = view.events.iter().find(|e| matches!(e.event, SessionEvent::AdministrationStarted | SessionEvent::DeviceAdministered))?;
    let minutes = |t: Timestamp| (t.duration_since(start.at).as_secs_f64() / 60.0).max(0.0);
    let mut drawn = if view.session.modality.is_esketamine() {
        let devices: Vec<RegimenEntry> = view
            .events
            .iter()
            .filter(|e| e.event == SessionEvent::DeviceAdministered)
            .map(|e| RegimenEntry { route: Route::Intranasal, dose_mg: 28.0, start_min: minutes(e.at), duration_min: None })
            .collect();
        let last = devices.last().map_or(0.0, |d| d.start_min);
        let patient = Patient { weight_kg: NOMINAL_WEIGHT_KG, age_years: None, ancestry: None };
        curve(ctx, "perez_ruixo2021", "Perez-Ruixo et al. 2021", "esketamine", patient, devices, (last > 0.0).then_some((0.0, last)))
    } else {
        let dose = start.payload.get("dose_mg").and_then(serde_json::Value::as_f64)?;
        let weight = start.payload.get("weight_kg").and_then(serde_json::Value::as_f64);
        let patient = Patient { weight_kg: weight.unwrap_or(NOMINAL_WEIGHT_KG), age_years: None, ancestry: None };
        let mut caption_note = if weight.is_none() { format!(" No weight was recorded with the dose: {NOMINAL_WEIGHT_KG} kg assumed.") } else { String::new() };
        let mut drawn = if view.session.modality == Modality::IvKetamine {
            let stop = view.events.iter().rev().find(|e| e.event == SessionEvent::AdministrationStopped).map_or(now, |e| e.at);
            let duration = minutes(stop).max(1.0);
            caption_note.push_str(" The recorded dose is spread evenly from start to stop; pauses and rate changes are not modelled.");
            let regimen = vec![RegimenEntry { route: Route::IvInfusion, dose_mg: dose, start_min: 0.0, duration_min: Some(duration) }];
            curve(ctx, "domino1984", "Domino et al. 1984", "ketamine", patient, regimen, Some((0.0, duration)))
        } else {
            let regimen = vec![RegimenEntry { route: Route::Im, dose_mg: dose, start_min: 0.0, duration_min: None }];
            curve(ctx, "clements1981", "Clements et al. 1981", "ketamine", patient, regimen, None)
        };
        drawn.caption.push_str(&caption_note);
        drawn
    };
    drawn.caption.push_str(" Minutes from the start of administration.");
    Some(drawn)
}
