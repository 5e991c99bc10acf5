//! Staff forms around the call-back queue: logging a phone call or voicemail
//! (`/enquiries/new`, back-dated with `received_at` in the clinic's time zone) and converting an
//! enquiry whose consult is booked into a patient (`/enquiries/{id}/convert`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use ketaclinic_app::AppError;
use ketaclinic_app::enquiries::{EnquiryInput, Submitter};
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::FieldError;
use ketaclinic_domain::enquiry::{BEST_TIME_MAX_CHARS, Enquiry, EnquiryStatus, MESSAGE_MAX_CHARS};
use ketaclinic_domain::ids::EnquiryId;
use serde::Deserialize;

use super::forms::{ErrorLink, Field, PageForm, apply_errors};
use super::login::Notice;
use super::patients::{PatientFormValues, patient_fields};
use super::{Ctx, Layout, PageResult, Section, sentence};

#[derive(Template, WebTemplate)]
#[template(path = "enquiry_new.html")]
struct NewPage {
    layout: Layout,
    fields: Vec<Field>,
    consent: Field,
    errors: Vec<ErrorLink>,
    timezone: String,
}

/// What the staff form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NewForm {
    name: String,
    phone: String,
    email: String,
    best_time: String,
    message: String,
    received_at: String,
    consent_to_contact: String,
}

fn new_page(ctx: &Ctx, form: &NewForm, errors: &[FieldError]) -> NewPage {
    let mut fields = vec![
        Field::new("name", "Caller's name", "text").value(&form.name).maxlength(200),
        Field::new("phone", "Phone number", "tel").value(&form.phone).inputmode("tel").maxlength(40).hint("The number to call back."),
        Field::new("email", "E-mail", "email").value(&form.email).inputmode("email").optional().maxlength(254),
        Field::new("best_time", "Best time to call", "text").value(&form.best_time).optional().maxlength(BEST_TIME_MAX_CHARS),
        Field::new("message", "What they asked about", "textarea").value(&form.message).optional().maxlength(MESSAGE_MAX_CHARS),
        Field::new("received_at", "Call or voicemail received", "datetime-local")
            .value(&form.received_at)
            .hint("Clinic time. Change it for a voicemail left earlier; the call-back deadline counts from here."),
        Field::new("consent_to_contact", "The caller agreed that the clinic may call them back", "checkbox").value(&form.consent_to_contact),
    ];
    let errors = apply_errors(&mut fields, errors);
    let consent = fields.pop().unwrap_or_else(|| Field::new("consent_to_contact", "", "checkbox"));
    let tz = &ctx.state.app.settings().timezone;
    let title = if errors.is_empty() { "Log a phone call or voicemail" } else { "Log a phone call or voicemail — check the form" };
    NewPage { layout: ctx.layout(title, Section::Enquiries), fields, consent, errors, timezone: tz.iana_name().unwrap_or("UTC").to_owned() }
}

/// A `datetime-local` value in the clinic's zone; empty is "now".
fn received_at(ctx: &Ctx, raw: &str) -> Result<Option<Timestamp>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let tz = ctx.state.app.settings().timezone.clone();
    raw.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(tz).ok())
        .map(|z| Some(z.timestamp()))
        .ok_or_else(|| FieldError::new("received_at", "must be a date and time, e.g. 2026-11-21 14:05"))
}

/// `GET /enquiries/new`: the form, received now.
pub(crate) async fn new_form(ctx: Ctx) -> PageResult {
    ctx.grant::<perm::EnquiryManage>().await?;
    let now = ctx.state.app.now().to_zoned(ctx.state.app.settings().timezone.clone());
    let form = NewForm { received_at: now.strftime("%Y-%m-%dT%H:%M").to_string(), ..NewForm::default() };
    Ok(new_page(&ctx, &form, &[]).into_response())
}

/// `POST /enquiries/new`: logs the enquiry, then the queue naming its call-back time.
pub(crate) async fn create(ctx: Ctx, PageForm(form): PageForm<NewForm>) -> PageResult {
    let grant = ctx.grant::<perm::EnquiryManage>().await?;
    let errors = match received_at(&ctx, &form.received_at) {
        Ok(at) => {
            let input = EnquiryInput {
                name: form.name.clone(),
                phone: form.phone.clone(),
                email: Some(form.email.clone()),
                message: Some(form.message.clone()),
                best_time: Some(form.best_time.clone()),
                consent_to_contact: !form.consent_to_contact.is_empty(),
                received_at: at,
                website: None,
            };
            match ctx.state.app.submit_enquiry(&input, Submitter::Staff(&grant)).await {
                Ok(receipt) => return Ok(Redirect::to(&format!("/enquiries?logged={}#enquiry-{}", receipt.id, receipt.id)).into_response()),
                Err(AppError::Invalid(errors)) => errors.0,
                Err(other) => return Err(ctx.fail(other)),
            }
        }
        Err(error) => vec![error],
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page(&ctx, &form, &errors)).into_response())
}

/// The enquiry being converted, as the form's header shows it.
#[derive(Debug, Clone)]
pub(crate) struct EnquirySummary {
    pub name: String,
    pub phone: String,
    pub received: String,
    pub message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "enquiry_convert.html")]
struct ConvertPage {
    layout: Layout,
    id: String,
    enquiry: Option<EnquirySummary>,
    fields: Vec<Field>,
    errors: Vec<ErrorLink>,
    notice: Option<Notice>,
}

/// `Ada Mae Quill` → (`Ada Mae`, `Quill`); a single word is the given name.
pub(crate) fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    match name.rsplit_once(' ') {
        Some((given, family)) => (given.trim().to_owned(), family.to_owned()),
        None => (name.to_owned(), String::new()),
    }
}

/// The enquiry `id` if its consult is booked (the only state that converts).
async fn booked(ctx: &Ctx, id: EnquiryId) -> Result<Option<Enquiry>, Response> {
    let grant = ctx.grant::<perm::EnquiryManage>().await?;
    let list = ctx.state.app.enquiry_queue(&grant, Some(EnquiryStatus::ConsultBooked.as_str())).await.map_err(|e| ctx.fail(e))?;
    Ok(list.into_iter().map(|v| v.enquiry).find(|e| e.id == id))
}

fn convert_page(ctx: &Ctx, id: EnquiryId, enquiry: Option<&Enquiry>, form: &PatientFormValues, errors: &[FieldError], notice: Option<Notice>) -> ConvertPage {
    let mut fields = patient_fields(form, false);
    let errors = apply_errors(&mut fields, errors);
    let summary = enquiry.map(|e| EnquirySummary {
        name: e.details.name.as_str().to_owned(),
        phone: e.details.phone.as_str().to_owned(),
        received: ctx.time(e.received_at),
        message: e.details.message.clone().unwrap_or_default(),
    });
    let title = summary.as_ref().map_or("Convert an enquiry".to_owned(), |s| format!("Convert {} to a patient", s.name));
    ConvertPage { layout: ctx.layout(title, Section::Enquiries), id: id.to_string(), enquiry: summary, fields, errors, notice }
}

/// `GET /enquiries/{id}/convert`: the registration form prefilled from the enquiry.
pub(crate) async fn convert_form(ctx: Ctx, Path(raw): Path<String>) -> PageResult {
    ctx.grant::<perm::EnquiryManage>().await?;
    ctx.grant::<perm::PatientRegister>().await?;
    let id = EnquiryId(ctx.path_id(&raw)?);
    let Some(enquiry) = booked(&ctx, id).await? else {
        return Ok((StatusCode::NOT_FOUND, convert_page(&ctx, id, None, &PatientFormValues::default(), &[], None)).into_response());
    };
    let (given_name, family_name) = split_name(enquiry.details.name.as_str());
    let form = PatientFormValues {
        given_name,
        family_name,
        phone: enquiry.details.phone.as_str().to_owned(),
        email: enquiry.details.email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default(),
        ..PatientFormValues::default()
    };
    Ok(convert_page(&ctx, id, Some(&enquiry), &form, &[], None).into_response())
}

/// `POST /enquiries/{id}/convert`: registers the patient and marks the enquiry converted.
pub(crate) async fn convert(ctx: Ctx, Path(raw): Path<String>, PageForm(form): PageForm<PatientFormValues>) -> PageResult {
    let manage = ctx.grant::<perm::EnquiryManage>().await?;
    let register = ctx.grant::<perm::PatientRegister>().await?;
    let id = EnquiryId(ctx.path_id(&raw)?);
    let (status, errors, notice) = match ctx.state.app.convert_enquiry(&manage, &register, id, &form.input()).await {
        Ok((patient, _)) => return Ok(Redirect::to(&format!("/patients/{}?notice=created", patient.id)).into_response()),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors.0, None),
        Err(AppError::Conflict(detail)) => {
            let text = sentence(&format!("Nothing was registered: {detail}"));
            (StatusCode::CONFLICT, Vec::new(), Some(Notice { kind: "error", title: "This enquiry cannot be converted now".to_owned(), text }))
        }
        Err(AppError::NotFound) => (StatusCode::NOT_FOUND, Vec::new(), None),
        Err(other) => return Err(ctx.fail(other)),
    };
    let enquiry = booked(&ctx, id).await?;
    let page = convert_page(&ctx, id, enquiry.as_ref(), &form, &errors, notice);
    Ok((status, page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_last_space() {
        assert_eq!(split_name(" Ada Mae Quill "), ("Ada Mae".to_owned(), "Quill".to_owned()));
        assert_eq!(split_name("Cher"), ("Cher".to_owned(), String::new()));
    }
}
