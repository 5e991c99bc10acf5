//! Safety alerts (issue 4, item 3): the clinical team's list of open alerts, newest first,
//! escalated ones red and labelled "Escalated"; prescribers acknowledge each with a documented
//! action (and a note for "other"). `?status=all` adds the acknowledged ones with who, when,
//! what and the note.
//!
//! Patients are shown as "Patient" and a short id linking to the chart, not by name: naming them
//! would cost one audited chart read per row on top of the list's own audit events.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::alerts::AlertView;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{AppError, Permission};
use ketaclinic_domain::FieldError;
use ketaclinic_domain::alert::{Acknowledgement, AlertAction, AlertKind};
use ketaclinic_domain::ids::AlertId;
use ketaclinic_domain::instruments;
use serde::Deserialize;

use super::forms::{ErrorLink, PageForm, PageQuery};
use super::login::Notice;
use super::{Ctx, Layout, PageResult, Section, sentence};

/// An alert kind in plain words.
pub(crate) fn kind_label(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::SuicidalIdeation => "Suicidal ideation reported",
        AlertKind::SuicideRisk => "Suicide risk (C-SSRS)",
        AlertKind::LossOfConsciousness => "Loss of consciousness (MOAA/S 0)",
    }
}

/// An acknowledgement action in plain words.
pub(crate) fn action_label(action: AlertAction) -> &'static str {
    match action {
        AlertAction::SafetyPlanReviewed => "Safety plan reviewed",
        AlertAction::FullCssrsDone => "Full C-SSRS done",
        AlertAction::CrisisLineGiven => "Crisis line given",
        AlertAction::EmergencyReferral => "Emergency referral",
        AlertAction::Other => "Other",
    }
}

/// The stored detail in words: `phq9; total 9; flags suicidal_ideation` →
/// `PHQ-9; total 9; flags suicidal ideation`.
fn detail_text(detail: &str) -> String {
    let mut parts = detail.split("; ");
    let first = parts.next().unwrap_or_default();
    let name = instruments::get(first).map_or(first, |i| i.name);
    std::iter::once(name.to_owned()).chain(parts.map(|p| p.replace('_', " "))).collect::<Vec<_>>().join("; ")
}

/// The last eight characters of an id (the random part of a UUIDv7).
fn short_id(id: &str) -> &str {
    id.get(id.len().saturating_sub(8)..).unwrap_or(id)
}

/// How an acknowledgement is shown.
#[derive(Debug, Clone)]
pub(crate) struct AckView {
    pub when: String,
    pub by: String,
    pub action: &'static str,
    pub note: String,
}

/// One answer of the action radio group.
#[derive(Debug, Clone)]
pub(crate) struct ActionChoice {
    pub id: String,
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// A prescriber's acknowledgement form on an open alert.
#[derive(Debug, Clone)]
pub(crate) struct AckForm {
    pub choices: Vec<ActionChoice>,
    pub note: String,
    pub action_error: Option<String>,
    pub note_error: Option<String>,
}

/// One alert of the list.
#[derive(Debug, Clone)]
pub(crate) struct AlertRow {
    pub id: String,
    pub kind: &'static str,
    pub detail: String,
    pub raised: String,
    pub escalated: bool,
    /// The chart link; `None` for roles that may not open charts.
    pub patient_href: Option<String>,
    pub patient_label: String,
    pub ack: Option<AckView>,
    pub form: Option<AckForm>,
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts.html")]
struct AlertsPage {
    layout: Layout,
    show_all: bool,
    rows: Vec<AlertRow>,
    open: usize,
    escalated: usize,
    notice: Option<Notice>,
    errors: Vec<ErrorLink>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ListQuery {
    status: String,
    acknowledged: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AckInput {
    action: String,
    note: String,
}

/// A refused acknowledgement to show again: the alert, the values and the errors.
struct Refused<'a> {
    id: AlertId,
    input: &'a AckInput,
    errors: &'a [FieldError],
}

fn ack_view(ctx: &Ctx, ack: &Acknowledgement) -> AckView {
    let by = if ack.by == ctx.actor.user_id { "you".to_owned() } else { format!("staff member {}", short_id(&ack.by.to_string())) };
    AckView { when: ctx.time(ack.at), by, action: action_label(ack.action), note: ack.note.clone().unwrap_or_default() }
}

fn message(field: &str, errors: &[FieldError]) -> Option<String> {
    let texts: Vec<&str> = errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect();
    match (field, texts.is_empty()) {
        (_, true) => None,
        ("action", false) => Some("Choose what was done.".to_owned()),
        (_, false) => Some(sentence(&format!("Note {}", texts.join("; ")))),
    }
}

fn form(id: &str, refused: Option<&Refused<'_>>) -> AckForm {
    let (chosen, note, errors) = refused.map_or(("", "", &[][..]), |r| (r.input.action.trim(), r.input.note.as_str(), r.errors));
    let choices = AlertAction::ALL
        .iter()
        .map(|a| ActionChoice {
            id: format!("action-{id}-{}", a.as_str()),
            value: a.as_str(),
            label: if *a == AlertAction::Other { "Other — say what in the note" } else { action_label(*a) },
            checked: a.as_str() == chosen,
        })
        .collect();
    AckForm { choices, note: note.to_owned(), action_error: message("action", errors), note_error: message("note", errors) }
}

fn row(ctx: &Ctx, view: AlertView, refused: Option<&Refused<'_>>) -> AlertRow {
    let AlertView { alert, escalated } = view;
    let id = alert.id.to_string();
    let patient = alert.patient_id.to_string();
    let mine = refused.filter(|r| r.id == alert.id);
    let form = (alert.acknowledgement.is_none() && ctx.can(Permission::AlertAcknowledge)).then(|| form(&id, mine));
    AlertRow {
        kind: kind_label(alert.kind),
        detail: detail_text(&alert.detail),
        raised: ctx.time(alert.raised_at),
        escalated,
        patient_href: ctx.can(Permission::PatientRead).then(|| format!("/patients/{patient}")),
        patient_label: format!("Patient {}", short_id(&patient)),
        ack: alert.acknowledgement.as_ref().map(|a| ack_view(ctx, a)),
        form,
        id,
    }
}

/// The list page; `refused` puts an acknowledgement's errors next to its form.
async fn page(ctx: &Ctx, show_all: bool, notice: Option<Notice>, refused: Option<&Refused<'_>>) -> Result<AlertsPage, Response> {
    let grant = ctx.grant::<perm::AlertRead>().await?;
    let list = ctx.state.app.alerts(&grant, show_all).await.map_err(|e| ctx.fail(e))?;
    let open = list.iter().filter(|v| v.alert.acknowledgement.is_none()).count();
    let escalated = list.iter().filter(|v| v.escalated).count();
    let rows: Vec<AlertRow> = list.into_iter().map(|v| row(ctx, v, refused)).collect();
    let mut errors = Vec::new();
    let refused_row = refused.and_then(|r| rows.iter().find(|row| row.id == r.id.to_string()));
    if let Some((r, f)) = refused_row.and_then(|r| r.form.as_ref().map(|f| (r, f))) {
        if let (Some(text), Some(first)) = (&f.action_error, f.choices.first()) {
            errors.push(ErrorLink { href: format!("#{}", first.id), text: text.clone() });
        }
        if let Some(text) = &f.note_error {
            errors.push(ErrorLink { href: format!("#note-{}", r.id), text: text.clone() });
        }
    }
    if let (Some(r), None) = (refused, refused_row) {
        // The alert is no longer open (or never was): say what was wrong anyway.
        let text = sentence(&format!(
            "This alert is no longer open; {}",
            r.errors.iter().map(|e| format!("{} {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
        ));
        errors.push(ErrorLink { href: "#form-errors".to_owned(), text });
    }
    let title = if show_all { "All safety alerts" } else { "Open safety alerts" };
    let layout = ctx.layout(title, Section::Alerts).with_alert_count(open, escalated);
    Ok(AlertsPage { layout, show_all, rows, open, escalated, notice, errors })
}

/// `GET /alerts` (open alerts) and `GET /alerts?status=all`.
pub(crate) async fn list(ctx: Ctx, PageQuery(query): PageQuery<ListQuery>) -> PageResult {
    let notice = (!query.acknowledged.is_empty()).then(|| Notice {
        kind: "success",
        title: "Alert acknowledged".to_owned(),
        text: "The action is documented and the alert has left the open list.".to_owned(),
    });
    Ok(page(&ctx, query.status == "all", notice, None).await?.into_response())
}

/// `POST /alerts/{id}/acknowledge`: 303 back to the list, the list again with 422 (the form's
/// errors) or 409 (someone acknowledged it first: by whom and how).
pub(crate) async fn acknowledge(ctx: Ctx, Path(raw): Path<String>, PageForm(input): PageForm<AckInput>) -> PageResult {
    let grant = ctx.grant::<perm::AlertAcknowledge>().await?;
    let id = AlertId(ctx.path_id(&raw)?);
    let note = Some(input.note.as_str()).filter(|n| !n.trim().is_empty());
    match ctx.state.app.acknowledge_alert(&grant, id, &input.action, note).await {
        Ok(_) => Ok(Redirect::to(&format!("/alerts?acknowledged={id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let refused = Refused { id, input: &input, errors: &errors.0 };
            let page = page(&ctx, false, None, Some(&refused)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(AppError::Conflict(_)) => {
            let mut page = page(&ctx, true, None, None).await?;
            let text = match page.rows.iter().find(|r| r.id == id.to_string()).and_then(|r| r.ack.as_ref()) {
                Some(ack) => format!("Already acknowledged by {} at {} ({}). Nothing was changed.", ack.by, ack.when, ack.action),
                None => "Already acknowledged by someone else. Nothing was changed.".to_owned(),
            };
            page.notice = Some(Notice { kind: "warning", title: "This alert was already acknowledged".to_owned(), text });
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(other) => Err(ctx.fail(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_plain_words() {
        assert_eq!(kind_label(AlertKind::SuicideRisk), "Suicide risk (C-SSRS)");
        assert_eq!(detail_text("phq9; total 9; flags suicidal_ideation"), "PHQ-9; total 9; flags suicidal ideation");
        assert_eq!(detail_text("odd"), "odd");
        assert_eq!(short_id("01900000-0000-7000-8000-00000000a1e7"), "0000a1e7");
        assert_eq!(short_id("abc"), "abc");
        assert_eq!(
            message("note", &[FieldError::new("note", "must say what was done when the action is other")]).as_deref(),
            Some("Note must say what was done when the action is other.")
        );
        assert_eq!(message("action", &[FieldError::new("action", "must be one of …")]).as_deref(), Some("Choose what was done."));
        assert!(message("action", &[]).is_none());
    }
}
