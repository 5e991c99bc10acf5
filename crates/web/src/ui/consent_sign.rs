//! Signing a consent on the clinic tablet (`/patients/{id}/consents/new`): choose a template,
//! show its full text large, the patient types their name and may draw a signature (a canvas
//! in `static/app.js` fills the hidden `signature_path`; the typed name alone works without
//! script). The signed-in member of staff is the witness. A template revised while the page
//! was open is refused (409) and the new text is shown to read again.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::AppError;
use ketaclinic_app::consents::SignatureInput;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::FieldError;
use ketaclinic_domain::chart::{ChartBody, ChartEntry};
use ketaclinic_domain::ids::{ChartEntryId, PatientId};
use ketaclinic_domain::record::Version;
use serde::Deserialize;
use uuid::Uuid;

use super::consents::modality_label;
use super::forms::{ErrorLink, Field, PageForm, PageQuery, apply_errors};
use super::login::Notice;
use super::{Ctx, Layout, PageResult, Section, sentence};

/// A template offered for signing.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub id: String,
    pub title: String,
    pub modality: &'static str,
    pub version: u32,
}

/// The template being signed.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    pub id: String,
    pub title: String,
    pub modality: &'static str,
    pub version: u32,
    /// Paragraphs of the text (split at blank lines).
    pub paragraphs: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "consent_sign.html")]
struct SignPage {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    witness: String,
    choices: Vec<Choice>,
    can_write_templates: bool,
    reading: Option<Reading>,
    typed_name: Field,
    signature_path: String,
    notice: Option<Notice>,
    errors: Vec<ErrorLink>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NewQuery {
    template: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SignForm {
    template: String,
    template_version: String,
    typed_name: String,
    signature_path: String,
}

fn choice(e: &ChartEntry) -> Option<Choice> {
    match &e.body {
        ChartBody::ConsentTemplate(t) => {
            Some(Choice { id: e.id.to_string(), title: t.title.clone(), modality: modality_label(t.modality), version: e.version.0 })
        }
        _ => None,
    }
}

fn reading(e: &ChartEntry) -> Option<Reading> {
    match &e.body {
        ChartBody::ConsentTemplate(t) => Some(Reading {
            id: e.id.to_string(),
            title: t.title.clone(),
            modality: modality_label(t.modality),
            version: e.version.0,
            paragraphs: t.text.replace("\r\n", "\n").split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect(),
        }),
        _ => None,
    }
}

/// What the page shows and keeps after a refusal.
struct Shown<'a> {
    template: Option<Uuid>,
    typed_name: &'a str,
    signature_path: &'a str,
    notice: Option<Notice>,
    errors: &'a [FieldError],
}

async fn sign_page(ctx: &Ctx, raw_id: &str, shown: Shown<'_>) -> Result<SignPage, Response> {
    let read = ctx.grant::<perm::PatientRead>().await?;
    let id = PatientId(ctx.path_id(raw_id)?);
    let patient = ctx.state.app.patient(&read, id).await.map_err(|e| ctx.fail(e))?;
    let templates = ctx.state.app.consent_templates(&ctx.actor, false).await.map_err(|e| ctx.fail(e))?;
    let reading = match shown.template {
        None => None,
        Some(tid) => Some(templates.iter().find(|e| e.id == ChartEntryId(tid)).and_then(reading).ok_or_else(|| ctx.not_found())?),
    };
    let patient_name = format!("{} {}", patient.details.given_name.as_str(), patient.details.family_name.as_str());
    let mut fields = [Field::new("typed_name", "Your full name", "text")
        .value(shown.typed_name)
        .autocomplete("off")
        .maxlength(200)
        .hint("Typing your name here is your signature.")];
    let errors = apply_errors(&mut fields, shown.errors);
    let [typed_name] = fields;
    let title = match &reading {
        Some(r) => format!("{} — {patient_name}", r.title),
        None => format!("Sign a consent — {patient_name}"),
    };
    Ok(SignPage {
        layout: ctx.layout(title, Section::Patients),
        patient_id: id.to_string(),
        patient_name,
        witness: ctx.actor.display_name.clone(),
        choices: templates.iter().filter_map(choice).collect(),
        can_write_templates: ctx.can(ketaclinic_app::Permission::ConsentTemplateManage),
        reading,
        typed_name,
        signature_path: shown.signature_path.to_owned(),
        notice: shown.notice,
        errors,
    })
}

/// `GET /patients/{id}/consents/new`: the templates to choose from; with `?template=` the
/// text and the signing form.
pub(crate) async fn new_form(ctx: Ctx, Path(id): Path<String>, PageQuery(query): PageQuery<NewQuery>) -> PageResult {
    ctx.grant::<perm::ConsentWitness>().await?;
    let template = match query.template.trim() {
        "" => None,
        raw => Some(Uuid::parse_str(raw).map_err(|_| ctx.not_found())?),
    };
    let shown = Shown { template, typed_name: "", signature_path: "", notice: None, errors: &[] };
    Ok(sign_page(&ctx, &id, shown).await?.into_response())
}

/// `POST /patients/{id}/consents`: records the signed consent, then the chart.
pub(crate) async fn sign(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<SignForm>) -> PageResult {
    let grant = ctx.grant::<perm::ConsentWitness>().await?;
    let patient = PatientId(ctx.path_id(&id)?);
    let Ok(template) = Uuid::parse_str(form.template.trim()) else {
        return Err(ctx.fail(AppError::Invalid(FieldError::new("template_id", "is missing; choose the consent again").into())));
    };
    let input = SignatureInput {
        template_id: ChartEntryId(template),
        template_version: Version(form.template_version.trim().parse::<u32>().unwrap_or(0)),
        typed_name: form.typed_name.clone(),
        signature_path: Some(form.signature_path.clone()),
    };
    match ctx.state.app.sign_consent(&grant, patient, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{patient}/chart?done=consent#consents")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let retired = errors.0.iter().find(|e| e.field == "template_id");
            let shown = match retired {
                // The template was retired meanwhile: back to the list, saying so.
                Some(e) => Shown {
                    template: None,
                    typed_name: "",
                    signature_path: "",
                    notice: Some(Notice { kind: "error", title: "Nothing was signed".to_owned(), text: sentence(&format!("This consent {}", e.message)) }),
                    errors: &[],
                },
                None => Shown { template: Some(template), typed_name: &form.typed_name, signature_path: &form.signature_path, notice: None, errors: &errors.0 },
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, sign_page(&ctx, &id, shown).await?).into_response())
        }
        Err(AppError::Conflict(_)) => {
            let notice = Notice {
                kind: "error",
                title: "The consent text was changed — nothing was signed".to_owned(),
                text: "The clinic revised this consent while the page was open. Please read the current text below with the patient, then sign again."
                    .to_owned(),
            };
            let shown = Shown { template: Some(template), typed_name: "", signature_path: "", notice: Some(notice), errors: &[] };
            Ok((StatusCode::CONFLICT, sign_page(&ctx, &id, shown).await?).into_response())
        }
        Err(other) => Err(ctx.fail(other)),
    }
}
