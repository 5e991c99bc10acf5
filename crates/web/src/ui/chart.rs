//! The patient chart (`/patients/{id}/chart`): the people around the patient (contacts,
//! emergency contacts, escorts, care team) for everyone who opens records, and diagnoses,
//! allergies and medications for the clinical roles, with signed consents and the REMS
//! enrolment. Each list has an add form for roles that may write it; each entry a correction
//! form and an "entered in error" form (both need a reason) and a link to its history.
//!
//! Every write calls the chart use cases of `ketaclinic_app::chart` with the actor, which check
//! the kind's permission themselves; the page asks [`Ctx::can`] only to decide what to show.
//! A refused form comes back on the chart (422) with its errors and the values as typed; a
//! correction of a version someone else changed meanwhile comes back with a warning (409).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::chart::is_clinical;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{AppError, Permission};
use ketaclinic_domain::FieldError;
use ketaclinic_domain::chart::codes::{KNOWN, KnownDiagnosis};
use ketaclinic_domain::chart::{ChartEntry, ChartKind};
use ketaclinic_domain::ids::{ChartEntryId, PatientId};
use ketaclinic_domain::record::{RecordStatus, Version};
use serde::Deserialize;

use super::chart_display::{Shown, shown};
use super::chart_forms::{Input, attach, body_json, inputs, kind_text, pairs_of, reason_input, value_of};
use super::consents::{ConsentLine, RemsLine, consent_lines, rems_lines};
use super::forms::{ErrorLink, PageForm, PageQuery};
use super::login::Notice;
use super::{Ctx, Layout, PageResult, Section, sentence};

/// The people around the patient, shown to everyone with `patient.read`.
const CONTACT_KINDS: [ChartKind; 4] = [ChartKind::Contact, ChartKind::EmergencyContact, ChartKind::Escort, ChartKind::CareTeamMember];
/// The clinical lists, shown to roles with `clinical.read`.
const CLINICAL_KINDS: [ChartKind; 3] = [ChartKind::Diagnosis, ChartKind::Allergy, ChartKind::Medication];

/// A form on the chart: its controls and, after a refusal, its errors (then it opens).
#[derive(Debug, Clone)]
pub(crate) struct FormView {
    pub inputs: Vec<Input>,
    pub errors: Vec<ErrorLink>,
    pub open: bool,
}

/// The "entered in error" (or, for a struck entry, "restore") form of an entry.
#[derive(Debug, Clone)]
pub(crate) struct StatusView {
    pub to: &'static str,
    pub summary: &'static str,
    pub button: &'static str,
    pub form: FormView,
}

/// One entry of a list.
#[derive(Debug, Clone)]
pub(crate) struct EntryView {
    pub id: String,
    pub version: u32,
    pub kind: &'static str,
    pub struck: bool,
    pub shown: Shown,
    pub recorded: String,
    pub correct: Option<FormView>,
    pub status: Option<StatusView>,
}

/// One list of the chart.
#[derive(Debug, Clone)]
pub(crate) struct SectionView {
    pub anchor: &'static str,
    pub title: &'static str,
    pub noun: &'static str,
    pub empty: &'static str,
    pub entries: Vec<EntryView>,
    pub add: Option<FormView>,
    pub medications: bool,
}

/// The patient the chart belongs to.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub id: String,
    pub name: String,
    pub mrn: String,
    pub entered_in_error: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "chart.html")]
struct ChartPage {
    layout: Layout,
    patient: Head,
    notice: Option<Notice>,
    show_all: bool,
    sections: Vec<SectionView>,
    clinical: bool,
    consents: Vec<ConsentLine>,
    rems: Vec<RemsLine>,
    can_sign: bool,
    can_rems: bool,
    can_templates: bool,
    codes: &'static [KnownDiagnosis],
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ChartQuery {
    /// `1`: also show entries entered in error.
    all: String,
    /// What was just saved, for the notice.
    done: String,
}

/// A refused form and what was typed into it.
enum Refused<'a> {
    Add(ChartKind, &'a [(String, String)], &'a [FieldError]),
    Correct(ChartEntryId, &'a [(String, String)], &'a [FieldError]),
    Status(ChartEntryId, &'a [(String, String)], &'a [FieldError]),
}

fn finish(mut inputs: Vec<Input>, errors: &[FieldError], open: bool) -> FormView {
    let errors = attach(&mut inputs, errors);
    FormView { open: open || !errors.is_empty(), inputs, errors }
}

fn entry_view(ctx: &Ctx, e: &ChartEntry, writable: bool, refused: Option<&Refused<'_>>) -> EntryView {
    let id = e.id.to_string();
    let body = e.body.to_json();
    let struck = e.status == RecordStatus::EnteredInError;
    let correct = (writable && !struck).then(|| {
        let (values, errors) = match refused {
            Some(Refused::Correct(rid, values, errors)) if *rid == e.id => (values.to_vec(), *errors),
            _ => (pairs_of(&body), &[][..]),
        };
        let mut list = inputs(e.kind(), &format!("c-{id}"), &values);
        let hint = "Required. Kept with the new version, e.g. “number changed”.";
        list.push(reason_input(format!("c-{id}-reason"), "Reason for the correction", hint, value_of(&values, "reason")));
        finish(list, errors, !errors.is_empty())
    });
    let status = writable.then(|| {
        let (values, errors) = match refused {
            Some(Refused::Status(rid, values, errors)) if *rid == e.id => (*values, *errors),
            _ => (&[][..], &[][..]),
        };
        let (to, summary, button, label) = if struck {
            ("active", "Restore", "Restore entry", "Why is this entry valid after all?")
        } else {
            ("entered_in_error", "Entered in error", "Mark entered in error", "Why was this entered in error?")
        };
        let reason =
            reason_input(format!("s-{id}-reason"), label, "Required. The entry is kept and struck through, never deleted.", value_of(values, "reason"));
        StatusView { to, summary, button, form: finish(vec![reason], errors, false) }
    });
    EntryView {
        version: e.version.0,
        kind: e.kind().as_str(),
        struck,
        shown: shown(e.kind(), &body),
        recorded: format!("Version {} · {}", e.version.0, ctx.time(e.recorded_at)),
        correct,
        status,
        id,
    }
}

fn section(ctx: &Ctx, kind: ChartKind, entries: &[ChartEntry], refused: Option<&Refused<'_>>) -> SectionView {
    let writable = ctx.can(if is_clinical(kind) { Permission::ClinicalWrite } else { Permission::ChartContactsWrite });
    let (title, noun, empty) = kind_text(kind);
    let add = writable.then(|| {
        let prefix = format!("add-{}", kind.as_str());
        match refused {
            Some(Refused::Add(k, values, errors)) if *k == kind => finish(inputs(kind, &prefix, values), errors, true),
            _ => finish(inputs(kind, &prefix, &[]), &[], false),
        }
    });
    SectionView {
        anchor: kind.as_str(),
        title,
        noun,
        empty,
        entries: entries.iter().filter(|e| e.kind() == kind).map(|e| entry_view(ctx, e, writable, refused)).collect(),
        add,
        medications: kind == ChartKind::Medication,
    }
}

async fn chart_page(ctx: &Ctx, raw_id: &str, show_all: bool, notice: Option<Notice>, refused: Option<&Refused<'_>>) -> Result<ChartPage, Response> {
    let read = ctx.grant::<perm::PatientRead>().await?;
    let id = PatientId(ctx.path_id(raw_id)?);
    let patient = ctx.state.app.patient(&read, id).await.map_err(|e| ctx.fail(e))?;
    let entries = ctx.state.app.chart_entries(&ctx.actor, id, &[], show_all).await.map_err(|e| ctx.fail(e))?;
    let clinical = ctx.can(Permission::ClinicalRead);
    let kinds: Vec<ChartKind> = CONTACT_KINDS.into_iter().chain(CLINICAL_KINDS.into_iter().filter(|_| clinical)).collect();
    let name = format!("{} {}", patient.details.given_name.as_str(), patient.details.family_name.as_str());
    Ok(ChartPage {
        layout: ctx.layout(format!("Chart of {name}"), Section::Patients),
        patient: Head { id: id.to_string(), name, mrn: patient.mrn.as_str().to_owned(), entered_in_error: patient.status == RecordStatus::EnteredInError },
        notice,
        show_all,
        sections: kinds.iter().map(|k| section(ctx, *k, &entries, refused)).collect(),
        clinical,
        consents: consent_lines(ctx, &entries),
        rems: rems_lines(ctx, &entries),
        can_sign: ctx.can(Permission::ConsentWitness),
        can_rems: ctx.can(Permission::RemsEnroll),
        can_templates: ctx.can(Permission::ConsentTemplateManage),
        codes: KNOWN,
    })
}

fn done_notice(done: &str) -> Option<Notice> {
    let (title, text) = match done {
        "corrected" => ("Entry corrected", "Saved as a new version; the earlier one is in the entry's history."),
        "entered_in_error" => ("Marked entered in error", "The entry is hidden from the chart and kept, struck through, with your reason."),
        "active" => ("Entry restored", "The entry is back on the chart."),
        "consent" => ("Consent signed", "The signed consent is in the Consents section below."),
        "rems" => ("REMS enrolment recorded", "The enrolment is in the SPRAVATO REMS section below."),
        _ => return None,
    };
    Some(Notice { kind: "success", title: title.to_owned(), text: text.to_owned() })
}

/// `GET /patients/{id}/chart` (`?all=1` also shows entries entered in error).
pub(crate) async fn show(ctx: Ctx, Path(id): Path<String>, PageQuery(query): PageQuery<ChartQuery>) -> PageResult {
    Ok(chart_page(&ctx, &id, !query.all.is_empty(), done_notice(&query.done), None).await?.into_response())
}

fn kind_of_path(raw: &str) -> Option<ChartKind> {
    ChartKind::parse(raw).ok().filter(|k| ChartKind::LISTS.contains(k))
}

/// `POST /patients/{id}/chart/{kind}`: adds an entry, back to the chart at that list.
pub(crate) async fn add(ctx: Ctx, Path((id, raw_kind)): Path<(String, String)>, PageForm(values): PageForm<Vec<(String, String)>>) -> PageResult {
    let kind = kind_of_path(&raw_kind).ok_or_else(|| ctx.not_found())?;
    if is_clinical(kind) {
        ctx.grant::<perm::ClinicalWrite>().await?;
    } else {
        ctx.grant::<perm::ChartContactsWrite>().await?;
    }
    let patient = PatientId(ctx.path_id(&id)?);
    let errors = match body_json(kind, &values) {
        Ok(json) => match ctx.state.app.add_chart_entry(&ctx.actor, patient, kind, json).await {
            Ok(_) => return Ok(Redirect::to(&format!("/patients/{patient}/chart#{}", kind.as_str())).into_response()),
            Err(AppError::Invalid(errors)) => errors.0,
            Err(other) => return Err(ctx.fail(other)),
        },
        Err(errors) => errors,
    };
    let show_all = !value_of(&values, "all").is_empty();
    let page = chart_page(&ctx, &id, show_all, None, Some(&Refused::Add(kind, &values, &errors))).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `POST /chart-entries/{id}`: a correction (`correct=1` and the body's fields) or a status
/// change (`status`), with `version` and `reason`; back to the chart at that list.
pub(crate) async fn revise(ctx: Ctx, Path(raw): Path<String>, PageForm(values): PageForm<Vec<(String, String)>>) -> PageResult {
    ctx.grant::<perm::ChartContactsWrite>().await?;
    let id = ChartEntryId(ctx.path_id(&raw)?);
    let Ok(version) = value_of(&values, "version").trim().parse::<u32>() else {
        return Err(ctx.fail(AppError::Conflict("the form did not say which version it changes; reload the chart and try again".to_owned())));
    };
    let correcting = !value_of(&values, "correct").is_empty();
    let (json, status) = if correcting {
        let kind = ChartKind::parse(value_of(&values, "kind").trim()).map_err(|e| ctx.fail(AppError::Invalid(e.into())))?;
        match body_json(kind, &values) {
            Ok(json) => (Some(json), None),
            Err(errors) => return refused_revision(&ctx, &values, Refused::Correct(id, &values, &errors)).await,
        }
    } else {
        (None, Some(value_of(&values, "status").trim()))
    };
    match ctx.state.app.revise_chart_entry(&ctx.actor, id, Version(version), json, status, value_of(&values, "reason")).await {
        Ok(entry) => {
            let done = if correcting { "corrected" } else { entry.status.as_str() };
            let all = if value_of(&values, "all").is_empty() { "" } else { "&all=1" };
            let patient = entry.patient_id.map(|p| p.to_string()).unwrap_or_default();
            Ok(Redirect::to(&format!("/patients/{patient}/chart?done={done}{all}#{}", entry.kind().as_str())).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let refused = if correcting { Refused::Correct(id, &values, &errors.0) } else { Refused::Status(id, &values, &errors.0) };
            refused_revision(&ctx, &values, refused).await
        }
        Err(AppError::Conflict(detail)) => {
            let notice = Notice {
                kind: "error",
                title: "Someone else changed this entry while you were editing".to_owned(),
                text: sentence(&format!("Nothing was saved: {detail}. The chart below shows the current version")),
            };
            let page = chart_page(&ctx, value_of(&values, "patient"), !value_of(&values, "all").is_empty(), Some(notice), None).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(other) => Err(ctx.fail(other)),
    }
}

async fn refused_revision(ctx: &Ctx, values: &[(String, String)], refused: Refused<'_>) -> PageResult {
    let page = chart_page(ctx, value_of(values, "patient"), !value_of(values, "all").is_empty(), None, Some(&refused)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// A link of the patient page into the chart and its workflows.
#[derive(Debug, Clone)]
pub(crate) struct PageLink {
    pub href: String,
    pub label: &'static str,
}

/// The chart, consent and REMS links the patient page shows to this role (everyone who opens
/// the record may open the chart).
pub(crate) fn patient_links(ctx: &Ctx, patient_id: &str) -> Vec<PageLink> {
    let mut links = vec![PageLink { href: format!("/patients/{patient_id}/chart"), label: "Chart" }];
    if ctx.can(Permission::ConsentWitness) {
        links.push(PageLink { href: format!("/patients/{patient_id}/consents/new"), label: "Sign a consent" });
    }
    if ctx.can(Permission::RemsEnroll) {
        links.push(PageLink { href: format!("/patients/{patient_id}/rems-enrollment"), label: "REMS enrolment" });
    }
    links
}
