//! Evaluations through the pages: the structured form (new, edit / amend with a reason), the
//! read-only view with its status, the prescriber's signature, and the live eligibility per
//! modality. Every change goes through the evaluation use cases.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::evaluations::EvaluationNotes;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{AppError, Permission};
use ketaclinic_domain::FieldError;
use ketaclinic_domain::chart::entries::ClinicalStatus;
use ketaclinic_domain::chart::{ChartBody, ChartEntry, ChartKind, EvaluationRecord};
use ketaclinic_domain::eligibility::{Evaluation, Medication};
use ketaclinic_domain::ids::{ChartEntryId, PatientId};
use ketaclinic_domain::patient::Patient;
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};
use serde::Deserialize;

use super::eligibility_view::{Compact, compact};
use super::evaluation_fields::{FormView, view};
use super::evaluation_form::{self as form, value};
use super::evaluation_labels as labels;
use super::forms::{PageForm, PageQuery};
use super::login::Notice;
use super::{Ctx, Layout, PageResult, Section};

#[derive(Template, WebTemplate)]
#[template(path = "evaluation_form.html")]
struct FormPage {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    heading: String,
    action: String,
    submit: &'static str,
    /// The version an edit starts from; 0 for a new evaluation.
    version: u32,
    cancel: String,
    notice: Option<Notice>,
    form: FormView,
}

type Values = Vec<(String, String)>;

async fn open_patient(ctx: &Ctx, id: PatientId) -> Result<Patient, Response> {
    let grant = ctx.grant::<perm::PatientRead>().await?;
    ctx.state.app.patient(&grant, id).await.map_err(|e| ctx.fail(e))
}

/// Every version of evaluation `raw` (oldest first; never empty).
async fn versions(ctx: &Ctx, raw: &str) -> Result<Vec<ChartEntry>, Response> {
    let id = ChartEntryId(ctx.path_id(raw)?);
    let versions = ctx.state.app.chart_entry_history(&ctx.actor, id).await.map_err(|e| ctx.fail(e))?;
    match versions.last() {
        Some(e) if matches!(e.body, ChartBody::Evaluation(_)) && e.patient_id.is_some() => Ok(versions),
        _ => Err(ctx.not_found()),
    }
}

fn record(entry: &ChartEntry) -> Option<&EvaluationRecord> {
    match &entry.body {
        ChartBody::Evaluation(r) => Some(r),
        _ => None,
    }
}

fn notes(parsed: &form::Parsed) -> EvaluationNotes {
    EvaluationNotes { psychiatric: Some(parsed.psychiatric_notes.clone()), medical: Some(parsed.medical_notes.clone()) }
}

/// Age, sex and current medications from the record and the chart.
async fn prefill(ctx: &Ctx, patient: &Patient) -> Result<Values, Response> {
    let today = ctx.state.app.now().to_zoned(ctx.state.app.settings().timezone.clone()).date();
    let born = patient.details.birth_date.date();
    let had_birthday = (today.month(), today.day()) >= (born.month(), born.day());
    let age = u32::try_from(today.year() - born.year() - i16::from(!had_birthday)).ok();
    let mut medications = Vec::new();
    if ctx.can(Permission::ClinicalRead) {
        let entries = ctx.state.app.chart_entries(&ctx.actor, patient.id, &[ChartKind::Medication], false).await.map_err(|e| ctx.fail(e))?;
        for entry in entries {
            if let ChartBody::Medication(m) = entry.body
                && m.status == ClinicalStatus::Active
            {
                medications.push(Medication { name: m.name, classes: m.classes });
            }
        }
    }
    let doc = Evaluation { age_years: age, sex: Some(patient.details.sex), medications, ..Evaluation::default() };
    Ok(form::values_of(&doc, "", ""))
}

fn form_page(ctx: &Ctx, patient: &Patient, edit: Option<(&str, u32, bool)>, view: FormView, notice: Option<Notice>) -> FormPage {
    let name = patient.display_name();
    let (heading, action, submit, version, cancel) = match edit {
        None => (format!("New evaluation for {name}"), format!("/patients/{}/evaluations", patient.id), "Save draft", 0, format!("/patients/{}", patient.id)),
        Some((id, version, signed)) => (
            if signed { format!("Amend the signed evaluation of {name}") } else { format!("Edit the draft evaluation of {name}") },
            format!("/evaluations/{id}/edit"),
            "Save new version",
            version,
            format!("/evaluations/{id}"),
        ),
    };
    let title = if view.errors.is_empty() { heading.clone() } else { format!("{heading} — check the form") };
    FormPage {
        layout: ctx.layout(title, Section::Patients),
        patient_id: patient.id.to_string(),
        patient_name: name,
        heading,
        action,
        submit,
        version,
        cancel,
        notice,
        form: view,
    }
}

/// What the patient page's "Evaluation & eligibility" area offers the role.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PatientLinks {
    pub read: bool,
    pub write: bool,
}

/// The links for the patient page (a record entered in error gets no new evaluation).
pub(crate) fn patient_links(ctx: &Ctx, active: bool) -> PatientLinks {
    PatientLinks { read: ctx.can(Permission::ClinicalRead), write: active && ctx.can(Permission::ClinicalWrite) }
}

/// `GET /patients/{id}/evaluations/new`.
pub(crate) async fn new_form(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    ctx.grant::<perm::ClinicalWrite>().await?;
    let patient = open_patient(&ctx, PatientId(ctx.path_id(&id)?)).await?;
    let values = prefill(&ctx, &patient).await?;
    let meds = form::row_count(&values, "med") + 2;
    Ok(form_page(&ctx, &patient, None, view(&values, &[], 4, meds, false), None).into_response())
}

/// The form's own errors plus the domain's checks of what could be read, so one refusal names
/// every problem.
fn edge_errors(parsed: &form::Parsed, extra: Vec<FieldError>) -> Vec<FieldError> {
    let mut more = parsed.document.validate().err().map(|e| e.0).unwrap_or_default();
    more.extend(extra);
    parsed.form_errors(&more)
}

/// `POST /patients/{id}/evaluations`: saves a draft, 303 to it; or the form again with 422.
pub(crate) async fn create(ctx: Ctx, Path(id): Path<String>, PageForm(values): PageForm<Values>) -> PageResult {
    let grant = ctx.grant::<perm::ClinicalWrite>().await?;
    let patient_id = PatientId(ctx.path_id(&id)?);
    let parsed = form::parse(&values);
    let errors = if parsed.errors.is_empty() {
        match ctx.state.app.create_evaluation(&grant, patient_id, parsed.document.clone(), &notes(&parsed)).await {
            Ok(entry) => return Ok(Redirect::to(&format!("/evaluations/{}?notice=saved", entry.id)).into_response()),
            Err(AppError::Invalid(e)) => parsed.form_errors(&e.0),
            Err(other) => return Err(ctx.fail(other)),
        }
    } else {
        edge_errors(&parsed, Vec::new())
    };
    let patient = open_patient(&ctx, patient_id).await?;
    let page = form_page(&ctx, &patient, None, view(&values, &errors, 1, 1, false), None);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `GET /evaluations/{id}/edit`: the form prefilled from the current version.
pub(crate) async fn edit_form(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    ctx.grant::<perm::ClinicalWrite>().await?;
    let versions = versions(&ctx, &id).await?;
    let (Some(entry), Some(patient_id)) = (versions.last(), versions.last().and_then(|e| e.patient_id)) else { return Err(ctx.not_found()) };
    let Some(r) = record(entry) else { return Err(ctx.not_found()) };
    if entry.status != RecordStatus::Active {
        return Err(ctx.fail(AppError::Conflict("this evaluation was entered in error; start a new one instead".to_owned())));
    }
    let patient = open_patient(&ctx, patient_id).await?;
    let values = form::values_of(&r.document, r.psychiatric_notes.as_deref().unwrap_or_default(), r.medical_notes.as_deref().unwrap_or_default());
    let form_view = view(&values, &[], (r.document.antidepressant_trials.len() + 2).max(4), r.document.medications.len() + 2, true);
    Ok(form_page(&ctx, &patient, Some((&id, entry.version.0, r.signed.is_some())), form_view, None).into_response())
}

/// `POST /evaluations/{id}/edit`: a new, unsigned version with the reason; 303 to it.
pub(crate) async fn amend(ctx: Ctx, Path(id): Path<String>, PageForm(values): PageForm<Values>) -> PageResult {
    let grant = ctx.grant::<perm::ClinicalWrite>().await?;
    let entry_id = ChartEntryId(ctx.path_id(&id)?);
    let Ok(version) = value(&values, "version").trim().parse::<u32>() else {
        return Err(ctx.fail(AppError::Conflict("the form did not say which version it changes; open the evaluation again".to_owned())));
    };
    let parsed = form::parse(&values);
    let reason = value(&values, "reason");
    let (status, errors, notice) = if parsed.errors.is_empty() {
        match ctx.state.app.amend_evaluation(&grant, entry_id, Version(version), parsed.document.clone(), &notes(&parsed), reason).await {
            Ok(_) => return Ok(Redirect::to(&format!("/evaluations/{entry_id}?notice=amended")).into_response()),
            Err(AppError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, parsed.form_errors(&e.0), None),
            Err(AppError::Conflict(detail)) => (
                StatusCode::CONFLICT,
                Vec::new(),
                Some(Notice {
                    kind: "error",
                    title: "Someone saved a newer version".to_owned(),
                    text: format!("Nothing was saved: {detail}. Open the evaluation again to see the current version, then make your change there."),
                }),
            ),
            Err(other) => return Err(ctx.fail(other)),
        }
    } else {
        let reason_error = ChangeReason::parse(reason).err();
        (StatusCode::UNPROCESSABLE_ENTITY, edge_errors(&parsed, reason_error.into_iter().collect()), None)
    };
    let versions = versions(&ctx, &id).await?;
    let (Some(entry), Some(patient_id)) = (versions.last(), versions.last().and_then(|e| e.patient_id)) else { return Err(ctx.not_found()) };
    let signed = record(entry).is_some_and(EvaluationRecord::is_signed);
    let patient = open_patient(&ctx, patient_id).await?;
    let page = form_page(&ctx, &patient, Some((&id, version, signed)), view(&values, &errors, 1, 1, true), notice);
    Ok((status, page).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SignForm {
    version: String,
}

/// `POST /evaluations/{id}/sign`: signs the version the prescriber read.
pub(crate) async fn sign(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<SignForm>) -> PageResult {
    let grant = ctx.grant::<perm::EvaluationSign>().await?;
    let entry_id = ChartEntryId(ctx.path_id(&id)?);
    let version = Version(form.version.trim().parse::<u32>().unwrap_or(0));
    ctx.state.app.sign_evaluation(&grant, entry_id, version).await.map_err(|e| ctx.fail(e))?;
    Ok(Redirect::to(&format!("/evaluations/{entry_id}?notice=signed")).into_response())
}

/// `GET /patients/{id}/evaluations/latest`: the newest evaluation, or the eligibility page
/// (which says there is none and offers to start one).
pub(crate) async fn latest(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    ctx.grant::<perm::ClinicalRead>().await?;
    let patient_id = PatientId(ctx.path_id(&id)?);
    let entries = ctx.state.app.chart_entries(&ctx.actor, patient_id, &[ChartKind::Evaluation], false).await.map_err(|e| ctx.fail(e))?;
    Ok(match entries.last() {
        Some(e) => Redirect::to(&format!("/evaluations/{}", e.id)),
        None => Redirect::to(&format!("/patients/{patient_id}/eligibility")),
    }
    .into_response())
}

/// One trial, read-only.
#[derive(Debug, Clone)]
pub(crate) struct TrialLine {
    pub drug: String,
    pub dose: String,
    pub weeks: String,
    pub adherent: &'static str,
    pub outcome: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "evaluation.html")]
struct ShowPage {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    id: String,
    version: u32,
    notice: Option<Notice>,
    /// `success` (signed), `warning` (unsigned), `error` (entered in error).
    status_kind: &'static str,
    status_title: String,
    status_text: String,
    version_line: String,
    facts: Vec<(&'static str, String)>,
    trials: Vec<TrialLine>,
    history: Vec<&'static str>,
    medications: Vec<(String, String)>,
    psychiatric_notes: String,
    medical_notes: String,
    can_sign: bool,
    can_amend: bool,
    signed: bool,
    eligibility: Vec<Compact>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ShowQuery {
    notice: String,
}

/// `GET /evaluations/{id}`: the current version, its status, and the live eligibility.
pub(crate) async fn show(ctx: Ctx, Path(id): Path<String>, PageQuery(query): PageQuery<ShowQuery>) -> PageResult {
    ctx.grant::<perm::ClinicalRead>().await?;
    let versions = versions(&ctx, &id).await?;
    let (Some(entry), Some(patient_id)) = (versions.last(), versions.last().and_then(|e| e.patient_id)) else { return Err(ctx.not_found()) };
    let Some(r) = record(entry) else { return Err(ctx.not_found()) };
    let patient = open_patient(&ctx, patient_id).await?;
    let d = &r.document;
    let active = entry.status == RecordStatus::Active;
    let was_signed = versions.iter().rev().skip(1).any(|v| record(v).is_some_and(EvaluationRecord::is_signed));
    let (status_kind, status_title, status_text) = match (&r.signed, active) {
        (_, false) => ("error", "Entered in error".to_owned(), "Do not use this evaluation for decisions. It is kept, unchanged, for the record.".to_owned()),
        (Some(s), true) => {
            ("success", format!("Signed by {}", s.by_name), format!("Signed on {}. Any change is an amendment that must be signed again.", ctx.time(s.at)))
        }
        (None, true) if was_signed => (
            "warning",
            "Amended — not signed".to_owned(),
            "This version changes a signed evaluation. A prescriber must sign it before an eligibility decision is made on it.".to_owned(),
        ),
        (None, true) => ("warning", "Draft — not signed".to_owned(), "A prescriber must sign it before an eligibility decision is made on it.".to_owned()),
    };
    let who = if entry.recorded_by == ctx.actor.user_id { "you".to_owned() } else { format!("staff account {}", entry.recorded_by) };
    let why = entry.reason.as_ref().map(|r| format!(" Reason: {}", r.as_str())).unwrap_or_default();
    let notice = match query.notice.as_str() {
        "saved" => Some(("Evaluation saved as a draft", "A prescriber signs it to make it the basis of an eligibility decision.".to_owned())),
        "amended" => Some(("New version saved", format!("Version {} is not signed yet.", entry.version.0))),
        "signed" => Some(("Evaluation signed", format!("Version {} is signed and locked.", entry.version.0))),
        _ => None,
    }
    .map(|(title, text)| Notice { kind: "success", title: title.to_owned(), text });
    let page = ShowPage {
        layout: ctx.layout(format!("Evaluation of {}", patient.display_name()), Section::Patients),
        patient_id: patient_id.to_string(),
        patient_name: patient.display_name(),
        id: entry.id.to_string(),
        version: entry.version.0,
        notice,
        status_kind,
        status_title,
        status_text,
        version_line: format!("Version {}, saved {} by {who}.{why}", entry.version.0, ctx.time(entry.recorded_at)),
        facts: labels::facts(d),
        trials: d
            .antidepressant_trials
            .iter()
            .map(|t| TrialLine {
                drug: t.drug.clone(),
                dose: format!("{} mg/day", t.daily_dose_mg),
                weeks: format!("{} weeks", t.weeks),
                adherent: if t.adherent { "Yes" } else { "No" },
                outcome: labels::outcome(t.outcome),
            })
            .collect(),
        history: d.conditions().map(labels::condition).collect::<Vec<_>>(),
        medications: d.medications.iter().map(|m| (m.name.clone(), m.classes.iter().map(|c| labels::drug_class(*c)).collect::<Vec<_>>().join(", "))).collect(),
        psychiatric_notes: r.psychiatric_notes.clone().unwrap_or_default(),
        medical_notes: r.medical_notes.clone().unwrap_or_default(),
        can_sign: active && r.signed.is_none() && ctx.can(Permission::EvaluationSign),
        can_amend: active && ctx.can(Permission::ClinicalWrite),
        signed: r.signed.is_some(),
        eligibility: compact(&ctx, patient_id, d),
    };
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use ketaclinic_domain::eligibility::Condition;

    use super::*;

    #[test]
    fn every_condition_has_a_label() {
        for c in Condition::ALL {
            assert!(!labels::condition(c).is_empty());
        }
    }
}
