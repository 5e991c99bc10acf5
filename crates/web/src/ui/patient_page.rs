//! One patient: the record, corrections, entered-in-error, and its version history.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{AppError, Permission};
use ketaclinic_domain::course::course::CourseStatus;
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::patient::{Patient, PatientVersion};
use ketaclinic_domain::record::{RecordStatus, Version};
use serde::Deserialize;

use super::assessment_panel::{self, AssessmentsView};
use super::forms::{ErrorLink, Field, PageForm, PageQuery, apply_errors};
use super::login::Notice;
use super::patients::{PatientFormValues, patient_fields, sex_label};
use super::{Ctx, Layout, PageResult, Section, sentence};

/// The record as the patient page shows it.
#[derive(Debug, Clone)]
pub(crate) struct PatientView {
    pub id: String,
    pub mrn: String,
    pub name: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub sex: &'static str,
    pub phone: String,
    pub email: String,
    pub entered_in_error: bool,
    pub version: u32,
    pub created_at: String,
    pub updated_at: String,
}

impl PatientView {
    fn of(ctx: &Ctx, p: &Patient) -> Self {
        let d = &p.details;
        Self {
            id: p.id.to_string(),
            mrn: p.mrn.as_str().to_owned(),
            name: p.display_name(),
            given_name: d.given_name.as_str().to_owned(),
            family_name: d.family_name.as_str().to_owned(),
            birth_date: d.birth_date.date().to_string(),
            sex: sex_label(d.sex),
            phone: d.phone.as_ref().map(|x| x.as_str().to_owned()).unwrap_or_default(),
            email: d.email.as_ref().map(|x| x.as_str().to_owned()).unwrap_or_default(),
            entered_in_error: p.status == RecordStatus::EnteredInError,
            version: p.version.0,
            created_at: ctx.time(p.created_at),
            updated_at: ctx.time(p.updated_at),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "patient.html")]
struct ShowPage {
    layout: Layout,
    patient: PatientView,
    notice: Option<Notice>,
    can_edit: bool,
    can_set_status: bool,
    can_audit: bool,
    status_reason: Field,
    status_errors: Vec<ErrorLink>,
    assessments: AssessmentsView,
    evaluation_links: super::evaluation::PatientLinks,
    chart_links: Vec<super::chart::PageLink>,
    /// Nurses and prescribers book chairside sessions from here.
    can_book_session: bool,
    /// Signed, running courses a session can be booked in: (id, label).
    courses: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ShowQuery {
    notice: String,
    /// An assessment just recorded, to confirm.
    recorded: String,
}

fn reason_field(label: &'static str, value: &str) -> Field {
    Field::new("reason", label, "textarea").value(value).maxlength(500)
}

async fn show_page(
    ctx: &Ctx,
    patient: &Patient,
    notice: Option<Notice>,
    status_reason: Field,
    status_errors: Vec<ErrorLink>,
    recorded: &str,
) -> Result<ShowPage, Response> {
    let view = PatientView::of(ctx, patient);
    let assessments = assessment_panel::load(ctx, patient.id, recorded, patient.status != RecordStatus::EnteredInError).await?;
    let can_book_session = ctx.can(Permission::ClinicalWrite) && patient.status != RecordStatus::EnteredInError;
    let courses = if can_book_session { bookable_courses(ctx, patient.id).await? } else { Vec::new() };
    Ok(ShowPage {
        layout: ctx.layout(view.name.clone(), Section::Patients),
        patient: view,
        notice,
        can_edit: ctx.can(Permission::PatientUpdate),
        can_set_status: ctx.can(Permission::PatientMarkEnteredInError),
        can_audit: ctx.can(Permission::AuditRead),
        status_reason,
        status_errors,
        assessments,
        evaluation_links: super::evaluation::patient_links(ctx, patient.status != RecordStatus::EnteredInError),
        chart_links: super::chart::patient_links(ctx, &patient.id.to_string()),
        can_book_session,
        courses,
    })
}

/// The patient's signed courses still running, for the session booking form.
async fn bookable_courses(ctx: &Ctx, patient: PatientId) -> Result<Vec<(String, String)>, Response> {
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    let courses = ctx.state.app.patient_courses(&grant, patient).await.map_err(|e| ctx.fail(e))?;
    Ok(courses
        .into_iter()
        .filter(|c| c.status == CourseStatus::Signed && !c.phase.is_finished())
        .map(|c| {
            (
                c.id.to_string(),
                format!(
                    "{} course, {} (signed {})",
                    super::session_page::modality_label(c.modality),
                    c.phase.as_str().replace('_', " "),
                    c.signed_at.map(|t| ctx.time(t)).unwrap_or_default()
                ),
            )
        })
        .collect())
}

async fn open(ctx: &Ctx, raw_id: &str) -> Result<Patient, Response> {
    let grant = ctx.grant::<perm::PatientRead>().await?;
    let id = PatientId(ctx.path_id(raw_id)?);
    ctx.state.app.patient(&grant, id).await.map_err(|e| ctx.fail(e))
}

/// `GET /patients/{id}`.
pub(crate) async fn show(ctx: Ctx, Path(id): Path<String>, PageQuery(query): PageQuery<ShowQuery>) -> PageResult {
    let patient = open(&ctx, &id).await?;
    let notice = match query.notice.as_str() {
        "created" => Some(("Patient registered", format!("The record was saved with MRN {}.", patient.mrn.as_str()))),
        "updated" => Some(("Record corrected", format!("Saved as version {}. The earlier version is kept in the history.", patient.version.0))),
        "status" => Some(("Status changed", format!("Saved as version {}.", patient.version.0))),
        _ => None,
    }
    .map(|(title, text)| Notice { kind: "success", title: title.to_owned(), text });
    let label = if patient.status == RecordStatus::EnteredInError { "Why is this record valid after all?" } else { "Why was this record entered in error?" };
    Ok(show_page(&ctx, &patient, notice, reason_field(label, ""), Vec::new(), &query.recorded).await?.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "patient_edit.html")]
struct EditPage {
    layout: Layout,
    id: String,
    mrn: String,
    version: u32,
    fields: Vec<Field>,
    errors: Vec<ErrorLink>,
    conflict: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EditForm {
    #[serde(flatten)]
    values: PatientFormValues,
    version: String,
    reason: String,
}

fn edit_fields(values: &PatientFormValues, reason: &str) -> Vec<Field> {
    let mut fields = patient_fields(values, false);
    fields.push(
        reason_field("Reason for the correction", reason).hint("Required. Kept with this version, e.g. “Spelling of family name corrected from ID card”."),
    );
    fields
}

/// `GET /patients/{id}/edit`.
pub(crate) async fn edit_form(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    ctx.grant::<perm::PatientUpdate>().await?;
    let patient = open(&ctx, &id).await?;
    let values = PatientFormValues::of(&patient);
    let page = EditPage {
        layout: ctx.layout(format!("Correct {}", patient.display_name()), Section::Patients),
        id: patient.id.to_string(),
        mrn: values.mrn.clone(),
        version: patient.version.0,
        fields: edit_fields(&values, ""),
        errors: Vec::new(),
        conflict: false,
    };
    Ok(page.into_response())
}

/// `POST /patients/{id}/edit`: a new version with the reason; a stale version is a 409.
pub(crate) async fn edit(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<EditForm>) -> PageResult {
    let grant = ctx.grant::<perm::PatientUpdate>().await?;
    let patient_id = PatientId(ctx.path_id(&id)?);
    let Ok(version) = form.version.trim().parse::<u32>() else {
        return Err(ctx.fail(AppError::Conflict("the form did not say which version it corrects; reload the record and try again".to_owned())));
    };
    let result = ctx.state.app.update_patient(&grant, patient_id, &form.values.input(), Version(version), &form.reason).await;
    let (status, errors, conflict) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/patients/{patient_id}?notice=updated")).into_response()),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors.0, false),
        Err(AppError::Conflict(_)) => (StatusCode::CONFLICT, Vec::new(), true),
        Err(other) => return Err(ctx.fail(other)),
    };
    let mut fields = edit_fields(&form.values, &form.reason);
    let errors = apply_errors(&mut fields, &errors);
    let page = EditPage {
        layout: ctx.layout("Correct a patient record — check the form", Section::Patients),
        id: patient_id.to_string(),
        mrn: String::new(),
        version,
        fields,
        errors,
        conflict,
    };
    Ok((status, page).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StatusForm {
    status: String,
    version: String,
    reason: String,
}

/// `POST /patients/{id}/status`: marks the record entered in error (or active again).
pub(crate) async fn set_status(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<StatusForm>) -> PageResult {
    let grant = ctx.grant::<perm::PatientMarkEnteredInError>().await?;
    let patient_id = PatientId(ctx.path_id(&id)?);
    let status = RecordStatus::parse(form.status.trim()).map_err(|e| ctx.fail(AppError::Invalid(e.into())))?;
    let version = Version(form.version.trim().parse::<u32>().unwrap_or(0));
    let result = ctx.state.app.set_patient_status(&grant, patient_id, status, version, &form.reason).await;
    let (code, errors, notice) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/patients/{patient_id}?notice=status")).into_response()),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors.0, None),
        Err(AppError::Conflict(detail)) => (
            StatusCode::CONFLICT,
            Vec::new(),
            Some(Notice { kind: "error", title: "The record changed since you opened it".to_owned(), text: sentence(&format!("Nothing was saved: {detail}")) }),
        ),
        Err(other) => return Err(ctx.fail(other)),
    };
    let patient = open(&ctx, &id).await?;
    let mut reason = [reason_field("Reason", &form.reason)];
    let errors = apply_errors(&mut reason, &errors);
    let [reason] = reason;
    Ok((code, show_page(&ctx, &patient, notice, reason, errors, "").await?).into_response())
}

/// One changed field between two versions.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// A version as the history page shows it.
#[derive(Debug, Clone)]
pub(crate) struct VersionView {
    pub version: u32,
    pub at: String,
    pub by: String,
    pub reason: String,
    pub status: &'static str,
    pub changes: Vec<Change>,
    pub first: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "patient_history.html")]
struct HistoryPage {
    layout: Layout,
    id: String,
    name: String,
    mrn: String,
    versions: Vec<VersionView>,
}

fn status_label(status: RecordStatus) -> &'static str {
    match status {
        RecordStatus::Active => "Active",
        RecordStatus::EnteredInError => "Entered in error",
    }
}

fn snapshot(v: &PatientVersion) -> [(&'static str, String); 8] {
    let d = &v.details;
    [
        ("MRN", v.mrn.as_str().to_owned()),
        ("Given name", d.given_name.as_str().to_owned()),
        ("Family name", d.family_name.as_str().to_owned()),
        ("Date of birth", d.birth_date.date().to_string()),
        ("Sex", sex_label(d.sex).to_owned()),
        ("Phone", d.phone.as_ref().map(|x| x.as_str().to_owned()).unwrap_or_default()),
        ("E-mail", d.email.as_ref().map(|x| x.as_str().to_owned()).unwrap_or_default()),
        ("Status", status_label(v.status).to_owned()),
    ]
}

/// What changed from `before` to `after` (for the first version: every value it set).
fn changes(before: Option<&PatientVersion>, after: &PatientVersion) -> Vec<Change> {
    let now = snapshot(after);
    match before {
        None => now.into_iter().filter(|(_, v)| !v.is_empty()).map(|(field, after)| Change { field, before: String::new(), after }).collect(),
        Some(before) => snapshot(before)
            .into_iter()
            .zip(now)
            .filter(|((_, old), (_, new))| old != new)
            .map(|((field, before), (_, after))| Change { field, before, after })
            .collect(),
    }
}

/// `GET /patients/{id}/history`: every version, newest first, with who, when, why and what.
pub(crate) async fn history(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let grant = ctx.grant::<perm::PatientRead>().await?;
    let patient_id = PatientId(ctx.path_id(&id)?);
    let versions = ctx.state.app.patient_history(&grant, patient_id).await.map_err(|e| ctx.fail(e))?;
    let mut views = Vec::with_capacity(versions.len());
    let mut previous: Option<&PatientVersion> = None;
    for v in &versions {
        let by = if v.recorded_by == ctx.actor.user_id { "You".to_owned() } else { format!("Staff account {}", v.recorded_by) };
        views.push(VersionView {
            version: v.version.0,
            at: ctx.time(v.recorded_at),
            by,
            reason: v.reason.as_ref().map(|r| r.as_str().to_owned()).unwrap_or_default(),
            status: status_label(v.status),
            changes: changes(previous, v),
            first: previous.is_none(),
        });
        previous = Some(v);
    }
    views.reverse();
    let (name, mrn) = versions
        .last()
        .map(|v| (format!("{} {}", v.details.given_name.as_str(), v.details.family_name.as_str()), v.mrn.as_str().to_owned()))
        .unwrap_or_default();
    let page = HistoryPage { layout: ctx.layout(format!("History of {name}"), Section::Patients), id: patient_id.to_string(), name, mrn, versions: views };
    Ok(page.into_response())
}
