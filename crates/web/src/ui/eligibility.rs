//! A patient's eligibility per modality: the engine's result on the newest evaluation, the
//! latest decision, and the prescriber's decision form (approve or decline; approving over a
//! blocking finding needs a reason for each; a label contraindication cannot be overridden).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::evaluations::{DecisionInput, EligibilityView};
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{AppError, Granted, Permission};
use ketaclinic_domain::FieldError;
use ketaclinic_domain::chart::ChartBody;
use ketaclinic_domain::chart::consent::{DecisionOutcome, Override};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{ChartEntryId, PatientId, UserId};
use ketaclinic_domain::record::RecordStatus;
use serde::Deserialize;

use super::eligibility_view::{FindingView, ResultView, result_view};
use super::evaluation_fields::Input;
use super::evaluation_form::value;
use super::evaluation_labels as labels;
use super::forms::{ErrorLink, PageForm, PageQuery};
use super::login::Notice;
use super::{Ctx, Layout, PageResult, Section, sentence};

/// A modality tab.
#[derive(Debug, Clone)]
pub(crate) struct Tab {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// The evaluation the result comes from.
#[derive(Debug, Clone)]
pub(crate) struct EvaluationRef {
    pub href: String,
    pub version: u32,
    pub signed: bool,
    /// `Signed by Dr P on 2026-11-21 14:05`, `Draft, not signed`.
    pub status: String,
}

/// The latest decision.
#[derive(Debug, Clone)]
pub(crate) struct DecisionView {
    pub approved: bool,
    pub by: String,
    pub at: String,
    pub evaluation_version: u32,
    pub current: bool,
    /// The engine's verdict when the decision was made.
    pub engine: &'static str,
    /// Rule, its explanation, the reason.
    pub overrides: Vec<(String, String, String)>,
    pub note: String,
}

/// A blocking finding with the reason to approve over it.
#[derive(Debug, Clone)]
pub(crate) struct ReasonInput {
    pub finding: FindingView,
    pub input: Input,
}

/// The decision form.
#[derive(Debug, Clone)]
pub(crate) struct DecisionForm {
    pub evaluation_id: String,
    pub outcome: String,
    pub outcome_error: Option<String>,
    pub reasons: Vec<ReasonInput>,
    pub locked: Vec<FindingView>,
    pub note: Input,
}

#[derive(Template, WebTemplate)]
#[template(path = "eligibility.html")]
struct EligibilityPage {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    modality: &'static str,
    modality_label: &'static str,
    tabs: Vec<Tab>,
    evaluation: Option<EvaluationRef>,
    result: Option<ResultView>,
    latest: Option<DecisionView>,
    form: Option<DecisionForm>,
    can_decide: bool,
    can_evaluate: bool,
    can_sign: bool,
    errors: Vec<ErrorLink>,
    notice: Option<Notice>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EligibilityQuery {
    modality: String,
    notice: String,
}

fn name_of(ctx: &Ctx, user: UserId, known: &[(UserId, String)]) -> String {
    if user == ctx.actor.user_id {
        return format!("{} (you)", ctx.actor.display_name);
    }
    known.iter().find(|(id, _)| *id == user).map_or_else(|| format!("Staff account {user}"), |(_, n)| n.clone())
}

fn decision_view(ctx: &Ctx, v: &EligibilityView, known: &[(UserId, String)]) -> Option<DecisionView> {
    let entry = v.decision.as_ref()?;
    let ChartBody::EligibilityDecision(d) = &entry.body else { return None };
    let message = |rule: &str| d.result.findings.iter().find(|f| f.rule == rule).map(|f| f.message.clone()).unwrap_or_default();
    Some(DecisionView {
        approved: d.outcome == DecisionOutcome::Approved,
        by: name_of(ctx, d.decided_by, known),
        at: ctx.time(d.decided_at),
        evaluation_version: d.evaluation_version.0,
        current: v.decision_current,
        engine: labels::decision(d.result.decision).label,
        overrides: d.overrides.iter().map(|o| (o.rule.clone(), message(&o.rule), o.reason.clone())).collect(),
        note: d.note.clone().unwrap_or_default(),
    })
}

/// The decision form for a signed evaluation, with the posted values and errors.
fn decision_form(evaluation_id: ChartEntryId, result: &ResultView, values: &[(String, String)], errors: &[FieldError]) -> DecisionForm {
    let joined = |name: &str| {
        let m: Vec<&str> = errors.iter().filter(|e| e.field == name).map(|e| e.message.as_str()).collect();
        (!m.is_empty()).then(|| m.join("; "))
    };
    let reasons = result
        .findings
        .iter()
        .filter(|f| f.blocking && !f.locked)
        .map(|f| {
            let name = format!("reason_{}", f.rule);
            let input = Input {
                value: value(values, &name).to_owned(),
                error: joined(&name).map(|m| sentence(&format!("Reason {m}"))),
                label: format!("Reason to approve despite {}", f.rule),
                kind: "textarea",
                maxlength: 2000,
                name,
                ..Input::default()
            };
            ReasonInput { finding: f.clone(), input }
        })
        .collect();
    let note = Input {
        value: value(values, "note").to_owned(),
        error: joined("note").map(|m| sentence(&format!("Note {m}"))),
        label: "Note".to_owned(),
        kind: "textarea",
        maxlength: 2000,
        hint: "Optional: anything the team should know about this decision.",
        name: "note".to_owned(),
        ..Input::default()
    };
    DecisionForm {
        evaluation_id: evaluation_id.to_string(),
        outcome: value(values, "outcome").to_owned(),
        outcome_error: joined("outcome").map(|m| sentence(&format!("Decision: {m}"))),
        reasons,
        locked: result.findings.iter().filter(|f| f.locked).cloned().collect(),
        note,
    }
}

/// The error summary: each error linked to its input, the rest to the form.
fn summary(errors: &[FieldError]) -> Vec<ErrorLink> {
    errors
        .iter()
        .map(|e| {
            let (href, text) = match e.field.as_str() {
                "outcome" => ("#outcome-approved".to_owned(), format!("Decision: {}", e.message)),
                "note" => ("#note".to_owned(), format!("Note {}", e.message)),
                f if f.starts_with("reason_") => (format!("#{f}"), format!("Reason to approve despite {}: {}", f.trim_start_matches("reason_"), e.message)),
                "evaluation_id" => ("#evaluation".to_owned(), format!("Evaluation: {}", e.message)),
                other => ("#decision".to_owned(), format!("{other} {}", e.message.replace('`', "\""))),
            };
            ErrorLink { href, text: sentence(&text) }
        })
        .collect()
}

async fn page(
    ctx: &Ctx,
    grant: &Granted<perm::ClinicalRead>,
    patient_id: PatientId,
    modality: Modality,
    values: &[(String, String)],
    errors: &[FieldError],
    notice: Option<Notice>,
) -> Result<EligibilityPage, Response> {
    let view = ctx.state.app.patient_eligibility(grant, patient_id, modality).await.map_err(|e| ctx.fail(e))?;
    let read = ctx.grant::<perm::PatientRead>().await?;
    let patient = ctx.state.app.patient(&read, patient_id).await.map_err(|e| ctx.fail(e))?;
    let mut known = Vec::new();
    let evaluation = view.evaluation.as_ref().and_then(|e| match &e.body {
        ChartBody::Evaluation(r) => {
            let status = match &r.signed {
                Some(s) => {
                    known.push((s.by, s.by_name.clone()));
                    format!("Signed by {} on {}", s.by_name, ctx.time(s.at))
                }
                None if e.version.0 > 1 => "Amended or edited, not signed yet".to_owned(),
                None => "Draft, not signed yet".to_owned(),
            };
            let signed = r.signed.is_some() && e.status == RecordStatus::Active;
            Some((e.id, EvaluationRef { href: format!("/evaluations/{}", e.id), version: e.version.0, signed, status }))
        }
        _ => None,
    });
    let result = view.result.as_ref().map(|r| result_view(ctx, modality, r));
    let can_decide = ctx.can(Permission::EligibilityDecide);
    let form = match (&evaluation, &result) {
        (Some((id, e)), Some(r)) if can_decide && e.signed => Some(decision_form(*id, r, values, errors)),
        _ => None,
    };
    let modality_label = labels::modality(modality);
    Ok(EligibilityPage {
        layout: ctx.layout(format!("{modality_label} eligibility — {}", patient.display_name()), Section::Patients),
        patient_id: patient_id.to_string(),
        patient_name: patient.display_name(),
        modality: modality.as_str(),
        modality_label,
        tabs: Modality::ALL
            .iter()
            .map(|m| Tab { href: format!("/patients/{patient_id}/eligibility?modality={}", m.as_str()), label: labels::modality(*m), current: *m == modality })
            .collect(),
        latest: decision_view(ctx, &view, &known),
        evaluation: evaluation.map(|(_, e)| e),
        result,
        form,
        can_decide,
        can_evaluate: ctx.can(Permission::ClinicalWrite),
        can_sign: ctx.can(Permission::EvaluationSign),
        errors: summary(errors),
        notice,
    })
}

/// `GET /patients/{id}/eligibility?modality=esketamine_nasal` (the default).
pub(crate) async fn show(ctx: Ctx, Path(id): Path<String>, PageQuery(query): PageQuery<EligibilityQuery>) -> PageResult {
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    let patient_id = PatientId(ctx.path_id(&id)?);
    let modality = match query.modality.trim() {
        "" => Modality::EsketamineNasal,
        raw => Modality::parse(raw).map_err(|e| ctx.fail(AppError::Invalid(e.into())))?,
    };
    let notice = (query.notice == "decided").then(|| Notice {
        kind: "success",
        title: "Decision recorded".to_owned(),
        text: "It is kept in the chart with the engine's result it was made on.".to_owned(),
    });
    Ok(page(&ctx, &grant, patient_id, modality, &[], &[], notice).await?.into_response())
}

/// The use case's errors named after the form's inputs.
fn form_errors(errors: Vec<FieldError>, overrides: &[Override]) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let rule_of = |i: &str| i.parse::<usize>().ok().and_then(|i| overrides.get(i)).map(|o| o.rule.clone());
            let indexed = e.field.strip_prefix("overrides[").and_then(|r| r.split_once(']'));
            match (e.field.as_str(), indexed) {
                (_, Some((i, ".reason"))) if rule_of(i).is_some() => FieldError::new(format!("reason_{}", rule_of(i).unwrap_or_default()), e.message),
                ("overrides", _) => match e.message.split('`').nth(1) {
                    Some(rule) => FieldError::new(format!("reason_{rule}"), "is needed to approve over this finding"),
                    None => e,
                },
                _ => e,
            }
        })
        .collect()
}

/// `POST /patients/{id}/eligibility-decisions`: 303 back to the eligibility page, or the page
/// again with 422 and the errors next to the decision form's inputs.
pub(crate) async fn decide(ctx: Ctx, Path(id): Path<String>, PageForm(values): PageForm<Vec<(String, String)>>) -> PageResult {
    let grant = ctx.grant::<perm::EligibilityDecide>().await?;
    let patient_id = PatientId(ctx.path_id(&id)?);
    let modality = Modality::parse(value(&values, "modality")).map_err(|e| ctx.fail(AppError::Invalid(e.into())))?;
    let outcome = value(&values, "outcome").trim().to_owned();
    let overrides: Vec<Override> = if outcome == "approved" {
        values
            .iter()
            .filter_map(|(k, v)| Some(Override { rule: k.strip_prefix("reason_")?.to_owned(), reason: v.clone() }))
            .filter(|o| !o.reason.trim().is_empty())
            .collect()
    } else {
        Vec::new()
    };
    let errors = match uuid::Uuid::parse_str(value(&values, "evaluation_id").trim()) {
        Ok(evaluation) => {
            let note = Some(value(&values, "note").to_owned());
            let input = DecisionInput { modality, evaluation_id: ChartEntryId(evaluation), outcome, overrides: overrides.clone(), note };
            match ctx.state.app.decide_eligibility(&grant, patient_id, &input).await {
                Ok(_) => {
                    let to = format!("/patients/{patient_id}/eligibility?modality={}&notice=decided#latest-decision", modality.as_str());
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(AppError::Invalid(e)) => form_errors(e.0, &overrides),
                Err(other) => return Err(ctx.fail(other)),
            }
        }
        Err(_) => vec![FieldError::new("evaluation_id", "the form did not say which evaluation; reload the page")],
    };
    let read = ctx.grant::<perm::ClinicalRead>().await?;
    let page = page(&ctx, &read, patient_id, modality, &values, &errors, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
