//! SPRAVATO REMS monitoring forms (issue 5, item 7): the queue page (`/rems-forms`: due dates,
//! days left, overdue highlighted, mark ready / submitted) and the printable form of a session
//! (`/sessions/{id}/rems-form`, laid out in the paper form's sections 1–10, missing items
//! marked). There is no server-side PDF: staff print the page or save it as PDF from the
//! browser (`@media print` in `app.css`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::AppError;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::rems_forms::{QueueFilter, RemsFormView};
use ketaclinic_domain::ids::TreatmentSessionId;
use ketaclinic_domain::session::rems_form::{Bp, Finding, RemsFormStatus};
use serde::Deserialize;

use super::forms::{PageForm, PageQuery};
use super::{Ctx, Layout, PageResult, Section};

/// One queue row.
pub(crate) struct QueueRow {
    pub session_id: String,
    pub patient_id: String,
    pub patient: String,
    pub treated: String,
    pub due: String,
    pub days_left: i64,
    pub overdue: bool,
    pub status: &'static str,
    pub complete: bool,
    pub missing: usize,
    pub confirmation: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "rems_forms.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<QueueRow>,
    filter: String,
    can_write: bool,
    today: String,
    notice: Option<String>,
    error: Option<String>,
}

/// `?status=` and the outcome of a post.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct QueueQuery {
    status: String,
    done: String,
}

/// What the status form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StatusForm {
    status: String,
    confirmation_number: String,
    submitted_on: String,
    /// Where to go back to (`form` for the form page, else the queue).
    back: String,
}

/// What the serious-adverse-event form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AnswerForm {
    serious_adverse_event: String,
    sae_description: String,
}

async fn queue_page(ctx: &Ctx, filter: &str, notice: Option<String>, error: Option<String>) -> Result<QueuePage, Response> {
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    let parsed = QueueFilter::parse(Some(filter)).map_err(|e| ctx.fail(AppError::from(e)))?;
    let entries = ctx.state.app.rems_queue(&grant, parsed, None, ketaclinic_app::rems_forms::MAX_QUEUE).await.map_err(|e| ctx.fail(e))?;
    let rows = entries
        .into_iter()
        .map(|e| QueueRow {
            session_id: e.session_id.to_string(),
            patient_id: e.patient_id.to_string(),
            patient: e.patient_name,
            treated: e.deadline.treatment_date.strftime("%m/%d/%Y").to_string(),
            due: e.deadline.due_on.strftime("%m/%d/%Y").to_string(),
            days_left: e.deadline.days_left,
            overdue: e.deadline.overdue,
            status: e.status.as_str(),
            complete: e.complete,
            missing: e.missing.len(),
            confirmation: e.confirmation_number.unwrap_or_default(),
        })
        .collect();
    let today = ctx.state.app.now().to_zoned(ctx.state.app.settings().timezone.clone()).date().to_string();
    Ok(QueuePage {
        layout: ctx.layout("REMS monitoring forms", Section::RemsForms),
        rows,
        filter: if filter.trim().is_empty() { "open".to_owned() } else { filter.trim().to_owned() },
        can_write: ctx.can(ketaclinic_app::Permission::ClinicalWrite),
        today,
        notice,
        error,
    })
}

/// `GET /rems-forms?status=`.
pub(crate) async fn queue(ctx: Ctx, PageQuery(q): PageQuery<QueueQuery>) -> PageResult {
    let notice = match q.done.as_str() {
        "ready" => Some("The form is marked ready to submit.".to_owned()),
        "submitted" => Some("The submission is recorded.".to_owned()),
        "draft" => Some("The form is back to draft.".to_owned()),
        _ => None,
    };
    Ok(queue_page(&ctx, &q.status, notice, None).await?.into_response())
}

/// The refusal of a status change, in words.
fn refusal(err: &AppError) -> Option<String> {
    match err {
        AppError::Invalid(e) => {
            Some(e.0.iter().map(|f| super::sentence(&format!("{}: {}", f.field.replace('_', " "), f.message))).collect::<Vec<_>>().join(" "))
        }
        AppError::Conflict(m) => Some(super::sentence(m)),
        _ => None,
    }
}

/// `POST /rems-forms/{id}/status`: back to the queue (or the form), or the page with the
/// refusal (409 incomplete or final, 422 bad input).
pub(crate) async fn mark(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<StatusForm>) -> PageResult {
    let grant = ctx.grant::<perm::ClinicalWrite>().await?;
    let sid = TreatmentSessionId(ctx.path_id(&id)?);
    let date = form.submitted_on.trim();
    let submitted_on = if date.is_empty() {
        None
    } else {
        match date.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                return Ok(
                    (StatusCode::UNPROCESSABLE_ENTITY, queue_page(&ctx, "", None, Some("Submitted on must be a date.".to_owned())).await?).into_response()
                );
            }
        }
    };
    let number = Some(form.confirmation_number.as_str()).filter(|n| !n.trim().is_empty());
    let result = ctx.state.app.mark_rems_form(&grant, sid, &form.status, number, submitted_on).await;
    let back_to_form = form.back == "form";
    let (status, error) = match result {
        Ok(Ok(_)) => {
            let target = if back_to_form { format!("/sessions/{sid}/rems-form?done={}", form.status) } else { format!("/rems-forms?done={}", form.status) };
            return Ok(Redirect::to(&target).into_response());
        }
        Ok(Err(incomplete)) => (
            StatusCode::CONFLICT,
            format!("The form is not complete: {}.", incomplete.missing.iter().map(|m| format!("{} ({})", m.field, m.message)).collect::<Vec<_>>().join("; ")),
        ),
        Err(e) => match refusal(&e) {
            Some(text) => (if matches!(e, AppError::Conflict(_)) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY }, text),
            None => return Err(ctx.fail(e)),
        },
    };
    if back_to_form {
        return Ok((status, form_page(&ctx, sid, None, Some(error)).await?).into_response());
    }
    Ok((status, queue_page(&ctx, "", None, Some(error)).await?).into_response())
}

/// One line of a section of the printed form.
pub(crate) struct Line {
    pub label: &'static str,
    pub value: String,
    pub missing: Option<String>,
}

/// A numbered section of the form (REFERENCE §2.6).
pub(crate) struct FormSection {
    pub number: u8,
    pub title: &'static str,
    pub lines: Vec<Line>,
}

#[derive(Template, WebTemplate)]
#[template(path = "rems_form.html")]
struct FormPage {
    layout: Layout,
    session_id: String,
    patient_id: String,
    sections: Vec<FormSection>,
    status: &'static str,
    complete: bool,
    missing: Vec<(String, String)>,
    due: String,
    overdue: bool,
    confirmation: String,
    submitted_on: String,
    can_write: bool,
    can_answer: bool,
    today: String,
    notice: Option<String>,
    error: Option<String>,
}

fn yn(v: Option<bool>) -> String {
    match v {
        Some(true) => "Yes".to_owned(),
        Some(false) => "No".to_owned(),
        None => String::new(),
    }
}

fn opt(v: Option<&str>) -> String {
    v.unwrap_or_default().to_owned()
}

fn bp(b: Option<Bp>, tz: &jiff::tz::TimeZone) -> String {
    b.map(|b| format!("{}/{} mmHg at {} ({} min)", b.systolic, b.diastolic, super::format_time(b.at, tz), b.minutes_after_administration)).unwrap_or_default()
}

fn finding(f: Finding) -> (String, String) {
    (yn(f.occurred), if f.occurred == Some(true) { yn(f.resolved_before_discharge) } else { "Not applicable".to_owned() })
}

/// The form's sections, each line marked with what is missing from it.
fn sections(v: &RemsFormView, tz: &jiff::tz::TimeZone) -> Vec<FormSection> {
    let f = &v.built.form;
    let miss = |field: &str| v.built.missing.iter().find(|m| m.field == field).map(|m| m.message.clone());
    let line = |label: &'static str, value: String, field: &str| Line { label, value, missing: miss(field) };
    let t = &f.treatment;
    let (sed, sed_res) = finding(f.adverse_events.sedation);
    let (dis, dis_res) = finding(f.adverse_events.dissociation);
    let (resp, resp_res) = finding(f.adverse_events.respiratory_depression);
    let c = &f.concomitant_medications;
    vec![
        FormSection {
            number: 1,
            title: "Patient information",
            lines: vec![
                line("First name", f.patient.first_name.clone(), "patient.first_name"),
                line("MI", opt(f.patient.middle_initial.as_deref()), "patient.middle_initial"),
                line("Last name", f.patient.last_name.clone(), "patient.last_name"),
                line("Birthdate (MM/DD/YYYY)", f.patient.birth_date.strftime("%m/%d/%Y").to_string(), "patient.birth_date"),
                line("Sex", opt(f.patient.sex), "patient.sex"),
                line("Is this the patient's first treatment?", yn(Some(f.patient.first_treatment)), "patient.first_treatment"),
                line(
                    "If yes, is the patient enrolled in the REMS?",
                    if f.patient.first_treatment { yn(f.patient.rems_enrolled) } else { "Not applicable".to_owned() },
                    "patient.rems_enrolled",
                ),
            ],
        },
        FormSection {
            number: 2,
            title: "Concomitant medications (sedation, dissociation, respiratory depression or blood pressure)",
            lines: vec![
                line("Benzodiazepines", yn(Some(c.benzodiazepines)), "concomitant"),
                line("Non-benzodiazepine sedative hypnotics", yn(Some(c.non_benzodiazepine_sedative_hypnotics)), "concomitant"),
                line("Psychostimulants", yn(Some(c.psychostimulants)), "concomitant"),
                line("Monoamine oxidase inhibitors (MAOIs)", yn(Some(c.maois)), "concomitant"),
                line("Opioids", yn(Some(c.opioids)), "concomitant"),
            ],
        },
        FormSection {
            number: 3,
            title: "Healthcare provider conducting the monitoring",
            lines: vec![
                line("First name", opt(f.hcp.first_name.as_deref()), "hcp.first_name"),
                line("Last name", opt(f.hcp.last_name.as_deref()), "hcp.last_name"),
                line("Telephone", opt(f.hcp.telephone.as_deref()), "hcp.telephone"),
                line("Email", opt(f.hcp.email.as_deref()), "hcp.email"),
            ],
        },
        FormSection {
            number: 4,
            title: "Healthcare setting",
            lines: vec![
                line("Name", opt(f.setting.name.as_deref()), "setting.name"),
                line("Address 1", opt(f.setting.address_1.as_deref()), "setting.address_1"),
                line("Address 2", opt(f.setting.address_2.as_deref()), "setting.address_2"),
                line("City", opt(f.setting.city.as_deref()), "setting.city"),
                line("State", opt(f.setting.state.as_deref()), "setting.state"),
                line("ZIP", opt(f.setting.zip.as_deref()), "setting.zip"),
            ],
        },
        FormSection {
            number: 5,
            title: "Treatment session",
            lines: vec![
                line("Treatment date (MM/DD/YYYY)", t.date.map(|d| d.strftime("%m/%d/%Y").to_string()).unwrap_or_default(), "treatment.date"),
                line(
                    "Dose administered",
                    t.dose
                        .map(|d| if d.choice == "other" { format!("Other: {} mg", d.mg) } else { format!("{} mg ({} devices)", d.mg, d.devices) })
                        .unwrap_or_default(),
                    "treatment.dose",
                ),
                line("Lot number(s)", t.lot_numbers.join(", "), "treatment.lot_numbers"),
                line(
                    "Treatment duration (minutes from first device to end of monitoring; at least 120)",
                    t.duration_minutes.map(|m| m.to_string()).unwrap_or_default(),
                    "treatment.duration_minutes",
                ),
            ],
        },
        FormSection {
            number: 6,
            title: "REMS evaluation question",
            lines: vec![line(
                "If there were no 2-hour minimum, when would the patient have been ready to leave? (minutes from start of administration)",
                f.ready_to_leave_minutes.map(|m| m.to_string()).unwrap_or_default(),
                "ready_to_leave_minutes",
            )],
        },
        FormSection {
            number: 7,
            title: "Vital signs",
            lines: vec![
                line("In acceptable range prior to administration?", yn(f.vitals_acceptable.before_administration), "vitals_acceptable.before_administration"),
                line("In acceptable range prior to session completion?", yn(f.vitals_acceptable.before_completion), "vitals_acceptable.before_completion"),
            ],
        },
        FormSection {
            number: 8,
            title: "Blood pressure (systolic/diastolic)",
            lines: vec![
                line("Prior to administration", bp(f.blood_pressure.before_administration, tz), "blood_pressure.before_administration"),
                line("About 40 minutes post-administration", bp(f.blood_pressure.post_administration_40_min, tz), "blood_pressure.post_administration_40_min"),
                line("Prior to session completion", bp(f.blood_pressure.before_completion, tz), "blood_pressure.before_completion"),
            ],
        },
        FormSection {
            number: 9,
            title: "Adverse events during the session",
            lines: vec![
                line("Sedation", sed, "adverse_events.sedation"),
                line("Sedation resolved before discharge?", sed_res, "adverse_events.sedation.resolved_before_discharge"),
                line("Dissociation", dis, "adverse_events.dissociation"),
                line("Dissociation resolved before discharge?", dis_res, "adverse_events.dissociation.resolved_before_discharge"),
                line("Respiratory depression / changes on pulse oximetry", resp, "adverse_events.respiratory_depression"),
                line("Respiratory depression resolved before discharge?", resp_res, "adverse_events.respiratory_depression.resolved_before_discharge"),
            ],
        },
        FormSection {
            number: 10,
            title: "Serious adverse event",
            lines: vec![
                line("Did a serious adverse event occur?", yn(f.serious_adverse_event.occurred), "serious_adverse_event"),
                line("Description", opt(f.serious_adverse_event.description.as_deref()), "serious_adverse_event.description"),
            ],
        },
    ]
}

async fn form_page(ctx: &Ctx, sid: TreatmentSessionId, notice: Option<String>, error: Option<String>) -> Result<FormPage, Response> {
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    let view = ctx.state.app.rems_form(&grant, sid).await.map_err(|e| ctx.fail(e))?;
    let tz = ctx.state.app.settings().timezone.clone();
    let name = format!("{} {}", view.patient.details.given_name.as_str(), view.patient.details.family_name.as_str());
    let can_write = ctx.can(ketaclinic_app::Permission::ClinicalWrite) && view.status != RemsFormStatus::Submitted;
    Ok(FormPage {
        layout: ctx.layout(format!("SPRAVATO REMS Patient Monitoring Form — {name}"), Section::RemsForms),
        session_id: sid.to_string(),
        patient_id: view.session.patient_id.to_string(),
        sections: sections(&view, &tz),
        status: view.status.as_str(),
        complete: view.built.complete(),
        missing: view.built.missing.iter().map(|m| (m.field.to_owned(), m.message.clone())).collect(),
        due: view.deadline.map(|d| d.due_on.strftime("%m/%d/%Y").to_string()).unwrap_or_default(),
        overdue: view.deadline.is_some_and(|d| d.overdue),
        confirmation: view.record.as_ref().and_then(|r| r.confirmation_number.clone()).unwrap_or_default(),
        submitted_on: view.record.as_ref().and_then(|r| r.submitted_on).map(|d| d.strftime("%m/%d/%Y").to_string()).unwrap_or_default(),
        can_write,
        can_answer: can_write && view.built.form.serious_adverse_event.source != Some("session"),
        today: ctx.state.app.now().to_zoned(tz).date().to_string(),
        notice,
        error,
    })
}

/// `GET /sessions/{id}/rems-form`: the printable form.
pub(crate) async fn show(ctx: Ctx, Path(id): Path<String>, PageQuery(q): PageQuery<QueueQuery>) -> PageResult {
    let sid = TreatmentSessionId(ctx.path_id(&id)?);
    let notice = match q.done.as_str() {
        "" => None,
        "answer" => Some("The answer is saved.".to_owned()),
        other => Some(format!("The form is now {other}.")),
    };
    Ok(form_page(&ctx, sid, notice, None).await?.into_response())
}

/// `POST /sessions/{id}/rems-form/answers`: staff's answer to item 10.
pub(crate) async fn answer(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<AnswerForm>) -> PageResult {
    let grant = ctx.grant::<perm::ClinicalWrite>().await?;
    let sid = TreatmentSessionId(ctx.path_id(&id)?);
    let occurred = match form.serious_adverse_event.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            let page = form_page(&ctx, sid, None, Some("Choose whether a serious adverse event occurred.".to_owned())).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match ctx.state.app.answer_rems_form(&grant, sid, occurred, Some(&form.sae_description)).await {
        Ok(_) => Ok(Redirect::to(&format!("/sessions/{sid}/rems-form?done=answer")).into_response()),
        Err(e) => match refusal(&e) {
            Some(text) => {
                let status = if matches!(e, AppError::Conflict(_)) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
                Ok((status, form_page(&ctx, sid, None, Some(text)).await?).into_response())
            }
            None => Err(ctx.fail(e)),
        },
    }
}
