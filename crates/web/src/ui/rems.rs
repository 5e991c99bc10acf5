//! The SPRAVATO REMS patient enrolment (`/patients/{id}/rems-enrollment`, prescribers only):
//! the date, that patient and prescriber signed the enrolment form, and the REMS patient id
//! when the REMS issued one. The prescriber is whoever records it.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::AppError;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::FieldError;
use ketaclinic_domain::chart::ChartKind;
use ketaclinic_domain::ids::PatientId;
use serde::Deserialize;

use super::consents::{RemsLine, rems_lines};
use super::forms::{ErrorLink, Field, PageForm, apply_errors};
use super::{Ctx, Layout, PageResult, Section};

#[derive(Template, WebTemplate)]
#[template(path = "rems_enrollment.html")]
struct RemsPage {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    prescriber: String,
    rems: Vec<RemsLine>,
    fields: Vec<Field>,
    patient_signed: Field,
    prescriber_signed: Field,
    errors: Vec<ErrorLink>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RemsForm {
    enrolled_on: String,
    patient_signed: String,
    prescriber_signed: String,
    rems_patient_id: String,
}

async fn page(ctx: &Ctx, raw_id: &str, form: &RemsForm, errors: &[FieldError]) -> Result<RemsPage, Response> {
    let read = ctx.grant::<perm::PatientRead>().await?;
    let id = PatientId(ctx.path_id(raw_id)?);
    let patient = ctx.state.app.patient(&read, id).await.map_err(|e| ctx.fail(e))?;
    let existing = ctx.state.app.chart_entries(&ctx.actor, id, &[ChartKind::RemsEnrollment], false).await.map_err(|e| ctx.fail(e))?;
    let mut fields = vec![
        Field::new("enrolled_on", "Enrolled on", "date").value(&form.enrolled_on).hint("The date on the signed Patient Enrollment Form."),
        Field::new("rems_patient_id", "REMS patient id", "text").value(&form.rems_patient_id).optional().maxlength(60).hint("If the REMS issued one."),
        Field::new("patient_signed", "The patient signed the enrolment form", "checkbox").value(&form.patient_signed),
        Field::new("prescriber_signed", "I, the prescriber, signed the enrolment form", "checkbox").value(&form.prescriber_signed),
    ];
    let errors = apply_errors(&mut fields, errors);
    let prescriber_signed = fields.pop().unwrap_or_else(|| Field::new("prescriber_signed", "", "checkbox"));
    let patient_signed = fields.pop().unwrap_or_else(|| Field::new("patient_signed", "", "checkbox"));
    let patient_name = format!("{} {}", patient.details.given_name.as_str(), patient.details.family_name.as_str());
    Ok(RemsPage {
        layout: ctx.layout(format!("SPRAVATO REMS enrolment — {patient_name}"), Section::Patients),
        patient_id: id.to_string(),
        patient_name,
        prescriber: ctx.actor.display_name.clone(),
        rems: rems_lines(ctx, &existing),
        fields,
        patient_signed,
        prescriber_signed,
        errors,
    })
}

/// `GET /patients/{id}/rems-enrollment`.
pub(crate) async fn form(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    ctx.grant::<perm::RemsEnroll>().await?;
    let today = ctx.state.app.now().to_zoned(ctx.state.app.settings().timezone.clone()).date();
    let form = RemsForm { enrolled_on: today.to_string(), ..RemsForm::default() };
    Ok(page(&ctx, &id, &form, &[]).await?.into_response())
}

/// `POST /patients/{id}/rems-enrollment`: records the enrolment, then the chart.
pub(crate) async fn submit(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<RemsForm>) -> PageResult {
    let grant = ctx.grant::<perm::RemsEnroll>().await?;
    let patient = PatientId(ctx.path_id(&id)?);
    let raw_date = form.enrolled_on.trim();
    let date = if raw_date.is_empty() {
        Err(FieldError::new("enrolled_on", "is required"))
    } else {
        raw_date.parse::<jiff::civil::Date>().map_err(|_| FieldError::new("enrolled_on", "must be a date such as 2026-01-05"))
    };
    let errors = match date {
        Ok(date) => {
            let rems_id = Some(form.rems_patient_id.as_str()).filter(|r| !r.trim().is_empty());
            let json = serde_json::json!({
                "enrolled_on": date.to_string(),
                "patient_signed": !form.patient_signed.is_empty(),
                "prescriber_signed": !form.prescriber_signed.is_empty(),
                "rems_patient_id": rems_id,
            });
            match ctx.state.app.record_rems_enrollment(&grant, patient, json).await {
                Ok(_) => return Ok(Redirect::to(&format!("/patients/{patient}/chart?done=rems#rems")).into_response()),
                Err(AppError::Invalid(errors)) => errors.0,
                Err(other) => return Err(ctx.fail(other)),
            }
        }
        Err(error) => vec![error],
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&ctx, &id, &form, &errors).await?).into_response())
}
