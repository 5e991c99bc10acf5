//! Consent templates (`/consent-templates`, for roles with `consent.template_manage`): the list
//! with a form for a new one, and revisions with a reason. Also how signed consents and the
//! REMS enrolment read on the chart. Signing is in `consent_sign.rs`, the enrolment form in
//! `rems.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::AppError;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::FieldError;
use ketaclinic_domain::chart::{ChartBody, ChartEntry, ConsentTemplate};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::ChartEntryId;
use ketaclinic_domain::record::{RecordStatus, Version};
use serde::Deserialize;

use super::forms::{ErrorLink, Field, PageForm, PageQuery, apply_errors};
use super::login::Notice;
use super::{Ctx, Layout, PageResult, Section};

/// A modality in words.
pub(crate) fn modality_label(modality: Modality) -> &'static str {
    match modality {
        Modality::IvKetamine => "IV ketamine",
        Modality::ImKetamine => "IM ketamine",
        Modality::EsketamineNasal => "Esketamine nasal spray (SPRAVATO)",
    }
}

/// A signed consent as the chart shows it.
#[derive(Debug, Clone)]
pub(crate) struct ConsentLine {
    pub title: String,
    pub modality: &'static str,
    pub version: u32,
    pub signed_at: String,
    pub typed_name: String,
    pub witness: String,
    /// SVG path data of the drawn signature (M/L commands and numbers only); empty if none.
    pub path: String,
    pub struck: bool,
}

/// A REMS enrolment as the chart shows it.
#[derive(Debug, Clone)]
pub(crate) struct RemsLine {
    pub enrolled_on: String,
    pub patient_signed: bool,
    pub prescriber_signed: bool,
    pub rems_id: String,
    pub recorded: String,
    pub struck: bool,
}

/// The signed consents among `entries`.
pub(crate) fn consent_lines(ctx: &Ctx, entries: &[ChartEntry]) -> Vec<ConsentLine> {
    entries
        .iter()
        .filter_map(|e| match &e.body {
            ChartBody::Consent(c) => Some(ConsentLine {
                title: c.title.clone(),
                modality: modality_label(c.modality),
                version: c.template_version.0,
                signed_at: ctx.time(c.signed_at),
                typed_name: c.typed_name.clone(),
                witness: c.witness_name.clone(),
                path: c.signature_path.clone().unwrap_or_default(),
                struck: e.status == RecordStatus::EnteredInError,
            }),
            _ => None,
        })
        .collect()
}

/// The REMS enrolments among `entries`.
pub(crate) fn rems_lines(ctx: &Ctx, entries: &[ChartEntry]) -> Vec<RemsLine> {
    entries
        .iter()
        .filter_map(|e| match &e.body {
            ChartBody::RemsEnrollment(r) => Some(RemsLine {
                enrolled_on: r.enrolled_on.to_string(),
                patient_signed: r.patient_signed,
                prescriber_signed: r.prescriber_signed,
                rems_id: r.rems_patient_id.clone().unwrap_or_default(),
                recorded: ctx.time(e.recorded_at),
                struck: e.status == RecordStatus::EnteredInError,
            }),
            _ => None,
        })
        .collect()
}

/// A template row of the list.
#[derive(Debug, Clone)]
pub(crate) struct TemplateRow {
    pub id: String,
    pub title: String,
    pub modality: &'static str,
    pub version: u32,
    pub active: bool,
    pub changed: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consent_templates.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<TemplateRow>,
    notice: Option<Notice>,
    fields: Vec<Field>,
    errors: Vec<ErrorLink>,
}

#[derive(Template, WebTemplate)]
#[template(path = "consent_template_edit.html")]
struct EditPage {
    layout: Layout,
    id: String,
    version: u32,
    fields: Vec<Field>,
    active: bool,
    errors: Vec<ErrorLink>,
    conflict: bool,
}

/// What the template forms send.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct TemplateForm {
    modality: String,
    title: String,
    text: String,
    /// Edit form only: "yes" while the template is offered for signing.
    active: String,
    version: String,
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ListQuery {
    done: String,
}

fn template_fields(form: &TemplateForm, with_reason: bool) -> Vec<Field> {
    let modalities = Modality::ALL.iter().map(|m| (m.as_str().to_owned(), modality_label(*m).to_owned()));
    let mut fields = vec![
        Field::new("modality", "Treatment", "select").value(&form.modality).options(modalities),
        Field::new("title", "Title", "text").value(&form.title).maxlength(200).hint("As the patient sees it, e.g. “Consent to IV ketamine treatment”."),
        Field::new("text", "Consent text", "textarea")
            .value(&form.text)
            .maxlength(50_000)
            .hint("Plain text; leave a blank line between paragraphs. The patient reads exactly this before signing."),
    ];
    if with_reason {
        fields.push(
            Field::new("reason", "Reason for the revision", "textarea")
                .value(&form.reason)
                .maxlength(500)
                .hint("Required. Consents signed earlier keep the version they were signed on."),
        );
    }
    fields
}

/// The template body, or the modality's refusal (a select, so only a tampered form gets it).
fn template_json(form: &TemplateForm, active: bool) -> Result<serde_json::Value, FieldError> {
    let modality = Modality::parse(&form.modality)?;
    Ok(serde_json::json!({ "modality": modality.as_str(), "title": form.title, "text": form.text, "active": active }))
}

fn template_of(entry: &ChartEntry) -> Option<&ConsentTemplate> {
    match &entry.body {
        ChartBody::ConsentTemplate(t) => Some(t),
        _ => None,
    }
}

async fn list_page(ctx: &Ctx, notice: Option<Notice>, form: &TemplateForm, errors: &[FieldError]) -> Result<ListPage, Response> {
    ctx.grant::<perm::ConsentTemplateManage>().await?;
    let templates = ctx.state.app.consent_templates(&ctx.actor, true).await.map_err(|e| ctx.fail(e))?;
    let rows = templates
        .iter()
        .filter_map(|e| {
            template_of(e).map(|t| TemplateRow {
                id: e.id.to_string(),
                title: t.title.clone(),
                modality: modality_label(t.modality),
                version: e.version.0,
                active: t.active,
                changed: ctx.time(e.recorded_at),
            })
        })
        .collect();
    let mut fields = template_fields(form, false);
    let errors = apply_errors(&mut fields, errors);
    Ok(ListPage { layout: ctx.layout("Consent templates", Section::ConsentTemplates), rows, notice, fields, errors })
}

/// `GET /consent-templates`.
pub(crate) async fn list(ctx: Ctx, PageQuery(query): PageQuery<ListQuery>) -> PageResult {
    let notice = match query.done.as_str() {
        "created" => Some(("Template saved", "It is offered for signing now.")),
        "revised" => Some(("Template revised", "Saved as a new version. Consents signed earlier keep the version they were signed on.")),
        _ => None,
    }
    .map(|(title, text)| Notice { kind: "success", title: title.to_owned(), text: text.to_owned() });
    Ok(list_page(&ctx, notice, &TemplateForm::default(), &[]).await?.into_response())
}

/// `POST /consent-templates`: a new template, back to the list.
pub(crate) async fn create(ctx: Ctx, PageForm(form): PageForm<TemplateForm>) -> PageResult {
    let grant = ctx.grant::<perm::ConsentTemplateManage>().await?;
    let errors = match template_json(&form, true) {
        Ok(json) => match ctx.state.app.create_consent_template(&grant, json).await {
            Ok(_) => return Ok(Redirect::to("/consent-templates?done=created").into_response()),
            Err(AppError::Invalid(errors)) => errors.0,
            Err(other) => return Err(ctx.fail(other)),
        },
        Err(error) => vec![error],
    };
    let mut page = list_page(&ctx, None, &form, &errors).await?;
    page.layout.title = "Consent templates — check the form".to_owned();
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The current version of template `raw_id` (inactive ones included).
async fn find(ctx: &Ctx, raw_id: &str) -> Result<ChartEntry, Response> {
    let id = ChartEntryId(ctx.path_id(raw_id)?);
    let templates = ctx.state.app.consent_templates(&ctx.actor, true).await.map_err(|e| ctx.fail(e))?;
    templates.into_iter().find(|e| e.id == id).ok_or_else(|| ctx.not_found())
}

/// `GET /consent-templates/{id}/edit`.
pub(crate) async fn edit_form(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    ctx.grant::<perm::ConsentTemplateManage>().await?;
    let entry = find(&ctx, &id).await?;
    let t = template_of(&entry).ok_or_else(|| ctx.not_found())?;
    let form = TemplateForm { modality: t.modality.as_str().to_owned(), title: t.title.clone(), text: t.text.clone(), ..TemplateForm::default() };
    let page = EditPage {
        layout: ctx.layout(format!("Revise “{}”", t.title), Section::ConsentTemplates),
        id: entry.id.to_string(),
        version: entry.version.0,
        fields: template_fields(&form, true),
        active: t.active,
        errors: Vec::new(),
        conflict: false,
    };
    Ok(page.into_response())
}

/// `POST /consent-templates/{id}/edit`: a new version with the reason; 409 when stale.
pub(crate) async fn edit(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<TemplateForm>) -> PageResult {
    let grant = ctx.grant::<perm::ConsentTemplateManage>().await?;
    let template_id = ChartEntryId(ctx.path_id(&id)?);
    let version = form.version.trim().parse::<u32>().unwrap_or(0);
    let active = !form.active.is_empty();
    let result = match template_json(&form, active) {
        Ok(json) => ctx.state.app.revise_consent_template(&grant, template_id, Version(version), json, &form.reason).await,
        Err(error) => Err(AppError::Invalid(error.into())),
    };
    let (status, errors, conflict) = match result {
        Ok(_) => return Ok(Redirect::to("/consent-templates?done=revised").into_response()),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors.0, false),
        Err(AppError::Conflict(_)) => (StatusCode::CONFLICT, Vec::new(), true),
        Err(other) => return Err(ctx.fail(other)),
    };
    let mut fields = template_fields(&form, true);
    let errors = apply_errors(&mut fields, &errors);
    let page = EditPage {
        layout: ctx.layout(
            if conflict { "Revise a consent template — changed meanwhile" } else { "Revise a consent template — check the form" },
            Section::ConsentTemplates,
        ),
        id: template_id.to_string(),
        version,
        fields,
        active,
        errors,
        conflict,
    };
    Ok((status, page).into_response())
}
