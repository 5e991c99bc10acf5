//! `/patients/{id}/courses`: the patient's treatment courses (issue 5, item 2) — each with its
//! protocol version, dose, induction, status, phase and end-of-induction review — and, for the
//! prescriber, drafting a course under the current protocol, signing it and changing its phase
//! with a reason. Refusals come back as the error page naming the fields or the conflict.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use ketaclinic_app::courses::CourseInput;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{AppError, Permission};
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::course::{Course, CoursePhase, CourseStatus, DoseRule, Induction, MgPerKg, Protocol, ReviewOutcome};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{CourseId, PatientId};
use serde::Deserialize;

use super::forms::{PageForm, PageQuery};
use super::login::Notice;
use super::safety_plan::patient_name;
use super::session_curve::{SeriesView, course_series};
use super::{Ctx, Layout, PageResult, Section};

/// One course as the page shows it.
pub(crate) struct CourseRow {
    pub id: String,
    pub modality: &'static str,
    pub protocol_version: u32,
    pub dose: String,
    pub induction: String,
    pub status: &'static str,
    pub draft: bool,
    pub phase: &'static str,
    pub review: Option<String>,
    pub created: String,
    pub signed: String,
    /// Phases it may move to: wire name and label.
    pub next: Vec<(&'static str, &'static str)>,
    /// The predicted plasma level of its dosed sessions (issue 9); none before the first dose.
    pub series: Option<SeriesView>,
}

/// The current protocol of a modality, in one line.
pub(crate) struct ProtocolRow {
    pub modality: &'static str,
    pub value: &'static str,
    pub summary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "courses.html")]
struct Page {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    notice: Option<Notice>,
    courses: Vec<CourseRow>,
    protocols: Vec<ProtocolRow>,
    can_manage: bool,
    has_open: bool,
}

/// `?done=…` after a change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DoneQuery {
    done: String,
}

/// The draft form: the modality, and the prescriber's own values (blank: the protocol's).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CreateForm {
    modality: String,
    mg_per_kg: String,
    infusion_minutes: String,
    dose_mg: String,
    sessions: String,
    per_week: String,
}

/// The phase form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PhaseForm {
    phase: String,
    reason: String,
    instrument: String,
}

fn modality_label(m: Modality) -> &'static str {
    match m {
        Modality::IvKetamine => "IV ketamine",
        Modality::ImKetamine => "IM ketamine",
        Modality::EsketamineNasal => "Esketamine nasal spray",
    }
}

fn phase_label(p: CoursePhase) -> &'static str {
    match p {
        CoursePhase::Induction => "Induction",
        CoursePhase::EndOfInductionReview => "End-of-induction review",
        CoursePhase::Maintenance => "Maintenance",
        CoursePhase::Completed => "Completed",
        CoursePhase::Stopped => "Stopped",
    }
}

fn dose_text(d: &DoseRule) -> String {
    match d {
        DoseRule::WeightBased { mg_per_kg, infusion_minutes: Some(m) } => format!("{} mg/kg over {m} min", mg_per_kg.as_mg()),
        DoseRule::WeightBased { mg_per_kg, infusion_minutes: None } => format!("{} mg/kg IM", mg_per_kg.as_mg()),
        DoseRule::Fixed { first_dose_mg, dose_mg } => format!("{first_dose_mg} mg on day 1, then {dose_mg} mg"),
    }
}

fn induction_text(i: Induction) -> String {
    format!("{} sessions, {} a week", i.sessions, i.per_week)
}

fn review_text(r: &ReviewOutcome) -> String {
    match r {
        ReviewOutcome::NoMeasurements { instrument } => format!("No {instrument} measurements during the course"),
        ReviewOutcome::Measured { instrument, baseline_total, latest_total, change_percent, response, remission, latest_responding, .. } => {
            let change = change_percent.map(|c| format!(" ({c:+} %)")).unwrap_or_default();
            let yes = |b: &bool| if *b { "yes" } else { "no" };
            format!(
                "{instrument}: baseline {baseline_total}, latest {latest_total}{change}; response {}, remission {}, responding at review {}",
                yes(response),
                yes(remission),
                yes(latest_responding)
            )
        }
    }
}

fn course_row(ctx: &Ctx, c: &Course) -> CourseRow {
    let next = CoursePhase::ALL
        .into_iter()
        .filter(|to| c.phase.can_move_to(*to) && (c.status == CourseStatus::Signed || *to == CoursePhase::Stopped))
        .map(|to| (to.as_str(), phase_label(to)))
        .collect();
    CourseRow {
        id: c.id.to_string(),
        modality: modality_label(c.modality),
        protocol_version: c.protocol_version,
        dose: dose_text(&c.dose),
        induction: induction_text(c.induction),
        status: if c.status == CourseStatus::Signed { "Signed" } else { "Draft" },
        draft: c.status == CourseStatus::Draft && !c.phase.is_finished(),
        phase: phase_label(c.phase),
        review: c.review.as_ref().map(review_text),
        created: ctx.time(c.created_at),
        signed: c.signed_at.map(|t| ctx.time(t)).unwrap_or_default(),
        next,
        series: None,
    }
}

fn protocol_row(p: &Protocol) -> ProtocolRow {
    let b = &p.body;
    ProtocolRow {
        modality: modality_label(p.modality),
        value: p.modality.as_str(),
        summary: format!(
            "Version {}: {}; induction {}; observe at least {} min{}",
            p.version,
            dose_text(&b.dose),
            induction_text(b.induction),
            b.min_observation_minutes,
            if p.modality.is_esketamine() { " from the first device (label)" } else { " after the administration stops" }
        ),
    }
}

/// `GET /patients/{id}/courses`.
pub(crate) async fn show(ctx: Ctx, Path(raw): Path<String>, PageQuery(query): PageQuery<DoneQuery>) -> PageResult {
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    let id = PatientId(ctx.path_id(&raw)?);
    let name = patient_name(&ctx, id).await?;
    let courses = ctx.state.app.patient_courses(&grant, id).await.map_err(|e| ctx.fail(e))?;
    let protocols = ctx.state.app.protocols().await.map_err(|e| ctx.fail(e))?;
    let notice = match query.done.as_str() {
        "created" => Some("Course drafted. A prescriber signs it to start the induction."),
        "signed" => Some("Course signed: the induction has started."),
        "phase" => Some("Phase changed."),
        _ => None,
    }
    .map(|text| Notice { kind: "success", title: "Saved".to_owned(), text: text.to_owned() });
    let mut rows = Vec::with_capacity(courses.len());
    for c in &courses {
        let mut row = course_row(&ctx, c);
        if c.status == CourseStatus::Signed {
            let dosed = ctx.state.app.course_dosed_sessions(&grant, c.id).await.map_err(|e| ctx.fail(e))?;
            row.series = course_series(&ctx, &row.id, c.modality, &dosed);
        }
        rows.push(row);
    }
    let page = Page {
        layout: ctx.layout(format!("Treatment courses — {name}"), Section::Patients),
        patient_id: id.to_string(),
        patient_name: name,
        notice,
        has_open: courses.iter().any(|c| !c.phase.is_finished()),
        courses: rows,
        protocols: protocols.iter().map(protocol_row).collect(),
        can_manage: ctx.can(Permission::CourseManage),
    };
    Ok(page.into_response())
}

/// A number from the form within 0–100; blank is absent.
fn number(field: &str, raw: &str, errors: &mut ValidationErrors) -> Option<f64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=100.0).contains(&v) => Some(v),
        _ => {
            errors.0.push(ketaclinic_domain::FieldError::new(field, "must be a number between 0 and 100"));
            None
        }
    }
}

/// A whole number from the form; blank is absent.
fn whole(field: &str, raw: &str, errors: &mut ValidationErrors) -> Option<u32> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    raw.parse::<u32>().map_err(|_| errors.0.push(ketaclinic_domain::FieldError::new(field, "must be a whole number"))).ok()
}

/// The prescriber's own dose rule and induction, each starting from the protocol's.
async fn overrides(ctx: &Ctx, form: &CreateForm) -> Result<(Option<DoseRule>, Option<Induction>), AppError> {
    let Ok(modality) = Modality::parse(&form.modality) else { return Ok((None, None)) };
    let protocol = ctx.state.app.protocol(modality).await?;
    let mut errors = ValidationErrors::default();
    let mg = number("dose.mg_per_kg", &form.mg_per_kg, &mut errors);
    let minutes = whole("dose.infusion_minutes", &form.infusion_minutes, &mut errors);
    let fixed = whole("dose.dose_mg", &form.dose_mg, &mut errors);
    let sessions = whole("induction.sessions", &form.sessions, &mut errors);
    let per_week = whole("induction.per_week", &form.per_week, &mut errors);
    errors.into_result()?;
    let dose = match protocol.body.dose {
        DoseRule::WeightBased { mg_per_kg, infusion_minutes } if mg.is_some() || minutes.is_some() => {
            // `number` keeps values within 0..=100 mg/kg, so the product fits a u32.
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked finite, non-negative and at most 100 000")]
            let mg_per_kg = mg.map_or(mg_per_kg, |v| MgPerKg::from_ug_per_kg((v * 1000.0).round() as u32));
            Some(DoseRule::WeightBased { mg_per_kg, infusion_minutes: minutes.or(infusion_minutes) })
        }
        DoseRule::Fixed { first_dose_mg, .. } if fixed.is_some() => Some(DoseRule::Fixed { first_dose_mg, dose_mg: fixed.unwrap_or_default() }),
        _ => None,
    };
    let induction = (sessions.is_some() || per_week.is_some())
        .then(|| Induction { sessions: sessions.unwrap_or(protocol.body.induction.sessions), per_week: per_week.unwrap_or(protocol.body.induction.per_week) });
    Ok((dose, induction))
}

/// `POST /patients/{id}/courses`: drafts a course, back to the list.
pub(crate) async fn create(ctx: Ctx, Path(raw): Path<String>, PageForm(form): PageForm<CreateForm>) -> PageResult {
    let grant = ctx.grant::<perm::CourseManage>().await?;
    let id = PatientId(ctx.path_id(&raw)?);
    let (dose, induction) = overrides(&ctx, &form).await.map_err(|e| ctx.fail(e))?;
    let input = CourseInput { modality: form.modality, dose, induction };
    ctx.state.app.create_course(&grant, id, input).await.map_err(|e| ctx.fail(e))?;
    Ok(Redirect::to(&format!("/patients/{id}/courses?done=created")).into_response())
}

/// `POST /courses/{id}/sign`.
pub(crate) async fn sign(ctx: Ctx, Path(raw): Path<String>) -> PageResult {
    let grant = ctx.grant::<perm::CourseManage>().await?;
    let id = CourseId(ctx.path_id(&raw)?);
    let course = ctx.state.app.sign_course(&grant, id).await.map_err(|e| ctx.fail(e))?;
    Ok(Redirect::to(&format!("/patients/{}/courses?done=signed", course.patient_id)).into_response())
}

/// `POST /courses/{id}/phase`.
pub(crate) async fn phase(ctx: Ctx, Path(raw): Path<String>, PageForm(form): PageForm<PhaseForm>) -> PageResult {
    let grant = ctx.grant::<perm::CourseManage>().await?;
    let id = CourseId(ctx.path_id(&raw)?);
    let instrument = Some(form.instrument.as_str()).filter(|i| !i.trim().is_empty());
    let course = ctx.state.app.change_course_phase(&grant, id, &form.phase, &form.reason, instrument).await.map_err(|e| ctx.fail(e))?;
    Ok(Redirect::to(&format!("/patients/{}/courses?done=phase", course.patient_id)).into_response())
}
