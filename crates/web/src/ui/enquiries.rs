//! The call-back queue (issue 3, item 1) for roles with `enquiry.manage`: open enquiries (or
//! one status) earliest due first, overdue ones red and labelled "Overdue"; on each open one a
//! form to log a contact attempt and a form to change the status (closing needs a reason).
//! Both post and come back with 303 and a notice; a refusal shows the queue again with the
//! errors next to that enquiry's form (422) or a warning that it changed meanwhile (409).
//! The page links to the staff forms of `enquiry_forms.rs`: logging a phone call or voicemail, and
//! converting an enquiry whose consult is booked into a patient.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::enquiries::EnquiryView;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{AppError, Permission};
use ketaclinic_domain::FieldError;
use ketaclinic_domain::enquiry::{ContactAttempt, ContactChannel, ContactOutcome, EnquiryStatus};
use ketaclinic_domain::ids::EnquiryId;
use serde::Deserialize;

use super::forms::{ErrorLink, Field, PageForm, PageQuery, apply_errors};
use super::login::Notice;
use super::{Ctx, Layout, PageResult, Section, sentence};

/// A status in plain words.
pub(crate) fn status_label(status: EnquiryStatus) -> &'static str {
    match status {
        EnquiryStatus::New => "New",
        EnquiryStatus::Attempted => "Attempted",
        EnquiryStatus::Reached => "Reached",
        EnquiryStatus::ConsultBooked => "Consult booked",
        EnquiryStatus::Converted => "Converted",
        EnquiryStatus::Closed => "Closed",
    }
}

fn channel_label(channel: ContactChannel) -> &'static str {
    match channel {
        ContactChannel::Phone => "Phone",
        ContactChannel::Sms => "Text message",
        ContactChannel::Email => "E-mail",
    }
}

fn outcome_label(outcome: ContactOutcome) -> &'static str {
    match outcome {
        ContactOutcome::Reached => "Reached",
        ContactOutcome::NoAnswer => "No answer",
        ContactOutcome::LeftVoicemail => "Left voicemail",
        ContactOutcome::MessageSent => "Message sent",
        ContactOutcome::WrongNumber => "Wrong number",
    }
}

/// One logged attempt, as shown.
#[derive(Debug, Clone)]
pub(crate) struct AttemptLine {
    pub when: String,
    pub channel: &'static str,
    pub outcome: &'static str,
    pub note: String,
}

/// One enquiry of the queue with its forms (open enquiries only).
#[derive(Debug, Clone)]
pub(crate) struct EnquiryRow {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub best_time: String,
    pub message: String,
    pub received: String,
    pub due: String,
    pub overdue: bool,
    pub status: &'static str,
    pub closed_reason: String,
    pub source: &'static str,
    pub attempts: Vec<AttemptLine>,
    /// Channel, outcome and note; `None` when the enquiry is no longer open.
    pub attempt_form: Option<Vec<Field>>,
    /// Status and reason; `None` when the enquiry is no longer open.
    pub status_form: Option<Vec<Field>>,
    /// Offer "Convert to patient" (consult booked, and the role registers patients).
    pub convert: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "enquiries.html")]
struct EnquiriesPage {
    layout: Layout,
    filter: Field,
    heading: String,
    rows: Vec<EnquiryRow>,
    overdue: usize,
    notice: Option<Notice>,
    errors: Vec<ErrorLink>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ListQuery {
    status: String,
    done: String,
    /// The id of an enquiry staff just logged (its call-back time is confirmed).
    logged: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AttemptInput {
    channel: String,
    outcome: String,
    note: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StatusInput {
    status: String,
    reason: String,
}

/// Which form of which enquiry was sent, with the values.
#[derive(Clone, Copy)]
enum Sent<'a> {
    Attempt(EnquiryId, &'a AttemptInput),
    Status(EnquiryId, &'a StatusInput),
}

/// A refused form and its errors.
struct Refused<'a> {
    sent: Sent<'a>,
    errors: &'a [FieldError],
}

fn options<T: Copy>(all: &[T], value: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<(String, String)> {
    std::iter::once((String::new(), "Choose…".to_owned())).chain(all.iter().map(|v| (value(*v).to_owned(), label(*v).to_owned()))).collect()
}

/// Field names are suffixed with the enquiry id so every row's controls have unique ids;
/// the form posts the plain names (see the template).
fn attempt_form(input: Option<&AttemptInput>) -> Vec<Field> {
    let (channel, outcome, note) = input.map_or(("phone", "", ""), |i| (i.channel.as_str(), i.outcome.as_str(), i.note.as_str()));
    vec![
        Field::new("channel", "Channel", "select").value(channel).options(options(ContactChannel::ALL, ContactChannel::as_str, channel_label)),
        Field::new("outcome", "Outcome", "select").value(outcome).options(options(ContactOutcome::ALL, ContactOutcome::as_str, outcome_label)),
        Field::new("note", "Note", "textarea").value(note).optional().maxlength(2000),
    ]
}

fn status_form(current: EnquiryStatus, input: Option<&StatusInput>) -> Vec<Field> {
    let (status, reason) = input.map_or(("", ""), |i| (i.status.as_str(), i.reason.as_str()));
    let next: Vec<EnquiryStatus> =
        EnquiryStatus::ALL.iter().copied().filter(|to| *to != current && *to != EnquiryStatus::Converted && current.transition(*to).is_ok()).collect();
    vec![
        Field::new("status", "New status", "select").value(status).options(options(&next, EnquiryStatus::as_str, status_label)),
        Field::new("reason", "Reason", "textarea")
            .value(reason)
            .hint("Required when closing, e.g. “not interested” or “wrong number”.")
            .optional()
            .maxlength(500),
    ]
}

/// Gives a row's form fields their own ids (`note-<id>`), attaching the refusal's errors.
fn finish(mut fields: Vec<Field>, id: &str, errors: &[FieldError], summary: &mut Vec<ErrorLink>) -> Vec<Field> {
    let links = apply_errors(&mut fields, errors);
    summary.extend(links.into_iter().map(|l| ErrorLink { href: if l.href == "#form-errors" { l.href } else { format!("{}-{id}", l.href) }, text: l.text }));
    fields
}

fn row(ctx: &Ctx, view: EnquiryView, refused: Option<&Refused<'_>>, summary: &mut Vec<ErrorLink>) -> EnquiryRow {
    let EnquiryView { enquiry: e, overdue } = view;
    let id = e.id.to_string();
    let open = e.status.is_open();
    let (attempt_input, attempt_errors) = match refused {
        Some(Refused { sent: Sent::Attempt(rid, input), errors }) if *rid == e.id => (Some(*input), *errors),
        _ => (None, &[][..]),
    };
    let (status_input, status_errors) = match refused {
        Some(Refused { sent: Sent::Status(rid, input), errors }) if *rid == e.id => (Some(*input), *errors),
        _ => (None, &[][..]),
    };
    let attempt = |a: &ContactAttempt| AttemptLine {
        when: ctx.time(a.at),
        channel: channel_label(a.channel),
        outcome: outcome_label(a.outcome),
        note: a.note.clone().unwrap_or_default(),
    };
    EnquiryRow {
        name: e.details.name.as_str().to_owned(),
        phone: e.details.phone.as_str().to_owned(),
        email: e.details.email.map(String::from).unwrap_or_default(),
        best_time: e.details.best_time.unwrap_or_default(),
        message: e.details.message.unwrap_or_default(),
        received: ctx.time(e.received_at),
        due: ctx.time(e.contact_due_by),
        overdue,
        status: status_label(e.status),
        closed_reason: e.closed_reason.unwrap_or_default(),
        source: if e.source.as_str() == "web_form" { "Web form" } else { "Logged by staff" },
        attempts: e.attempts.iter().map(attempt).collect(),
        convert: e.status == EnquiryStatus::ConsultBooked && ctx.can(Permission::PatientRegister),
        attempt_form: open.then(|| finish(attempt_form(attempt_input), &id, attempt_errors, summary)),
        status_form: open.then(|| finish(status_form(e.status, status_input), &id, status_errors, summary)),
        id,
    }
}

fn filter_field(status: &str) -> Field {
    let mut opts = vec![(String::new(), "Open enquiries".to_owned())];
    opts.extend(EnquiryStatus::ALL.iter().map(|s| (s.as_str().to_owned(), status_label(*s).to_owned())));
    Field::new("status", "Show", "select").value(status).options(opts).filter()
}

/// The queue page; `refused` puts a form's errors next to it.
async fn page(ctx: &Ctx, status: &str, notice: Option<Notice>, refused: Option<&Refused<'_>>) -> Result<EnquiriesPage, Response> {
    let grant = ctx.grant::<perm::EnquiryManage>().await?;
    let filter = Some(status.trim()).filter(|s| !s.is_empty());
    let list = ctx.state.app.enquiry_queue(&grant, filter).await.map_err(|e| ctx.fail(e))?;
    let overdue = list.iter().filter(|v| v.overdue).count();
    let mut errors = Vec::new();
    let known: Vec<EnquiryId> = list.iter().map(|v| v.enquiry.id).collect();
    let rows = list.into_iter().map(|v| row(ctx, v, refused, &mut errors)).collect();
    if let Some(Refused { sent: Sent::Attempt(id, _) | Sent::Status(id, _), errors: errs }) = refused
        && !known.contains(id)
    {
        let text = errs.iter().map(|e| format!("{} {}", super::forms::label_of(&e.field), e.message)).collect::<Vec<_>>().join("; ");
        errors.push(ErrorLink { href: "#form-errors".to_owned(), text: sentence(&format!("This enquiry is not in this list; {text}")) });
    }
    let heading =
        filter.and_then(|s| EnquiryStatus::parse(s).ok()).map_or("Call-back queue".to_owned(), |s| format!("Enquiries: {}", status_label(s).to_lowercase()));
    let layout = ctx.layout(heading.clone(), Section::Enquiries);
    Ok(EnquiriesPage { layout, filter: filter_field(status.trim()), heading, rows, overdue, notice, errors })
}

/// `GET /enquiries` (open ones) and `GET /enquiries?status=…`.
pub(crate) async fn list(ctx: Ctx, PageQuery(query): PageQuery<ListQuery>) -> PageResult {
    let notice = match query.done.as_str() {
        "" => None,
        "attempt" => Some(Notice { kind: "success", title: "Contact attempt logged".to_owned(), text: "The attempt is in the enquiry's history.".to_owned() }),
        other => EnquiryStatus::parse(other).ok().map(|s| Notice {
            kind: "success",
            title: "Status changed".to_owned(),
            text: format!("The enquiry is now “{}”.", status_label(s).to_lowercase()),
        }),
    };
    let mut page = page(&ctx, &query.status, notice, None).await?;
    if !query.logged.is_empty() {
        let row = page.rows.iter().find(|r| r.id == query.logged.trim());
        let text = row.map_or("The enquiry is in the queue.".to_owned(), |r| format!("Call {} back by {} (clinic time).", r.name, r.due));
        page.notice = Some(Notice { kind: "success", title: "Call logged".to_owned(), text });
    }
    Ok(page.into_response())
}

/// A refusal of either form, shown on the queue.
async fn refusal(ctx: &Ctx, err: AppError, sent: Sent<'_>) -> PageResult {
    match err {
        AppError::Invalid(errors) => {
            let page = page(ctx, "", None, Some(&Refused { sent, errors: &errors.0 })).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        AppError::Conflict(detail) => {
            let notice = Notice { kind: "warning", title: "Nothing was changed".to_owned(), text: sentence(&detail) };
            let page = page(ctx, "", Some(notice), None).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        other => Err(ctx.fail(other)),
    }
}

/// `POST /enquiries/{id}/attempts`: logs a contact attempt.
pub(crate) async fn attempt(ctx: Ctx, Path(raw): Path<String>, PageForm(input): PageForm<AttemptInput>) -> PageResult {
    let grant = ctx.grant::<perm::EnquiryManage>().await?;
    let id = EnquiryId(ctx.path_id(&raw)?);
    let note = Some(input.note.as_str()).filter(|n| !n.trim().is_empty());
    match ctx.state.app.record_contact_attempt(&grant, id, &input.channel, &input.outcome, note).await {
        Ok(_) => Ok(Redirect::to("/enquiries?done=attempt").into_response()),
        Err(err) => refusal(&ctx, err, Sent::Attempt(id, &input)).await,
    }
}

/// `POST /enquiries/{id}/status`: moves the enquiry on (closing needs a reason).
pub(crate) async fn set_status(ctx: Ctx, Path(raw): Path<String>, PageForm(input): PageForm<StatusInput>) -> PageResult {
    let grant = ctx.grant::<perm::EnquiryManage>().await?;
    let id = EnquiryId(ctx.path_id(&raw)?);
    let reason = Some(input.reason.as_str()).filter(|r| !r.trim().is_empty());
    match ctx.state.app.change_enquiry_status(&grant, id, &input.status, reason).await {
        Ok(view) => Ok(Redirect::to(&format!("/enquiries?done={}", view.enquiry.status.as_str())).into_response()),
        Err(err) => refusal(&ctx, err, Sent::Status(id, &input)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_form_offers_only_legal_moves() {
        let fields = status_form(EnquiryStatus::Reached, None);
        let values: Vec<&str> = fields[0].options.iter().map(|o| o.0.as_str()).collect();
        assert_eq!(values, ["", "consult_booked", "closed"]);
        let fields = status_form(EnquiryStatus::ConsultBooked, None);
        let values: Vec<&str> = fields[0].options.iter().map(|o| o.0.as_str()).collect();
        assert_eq!(values, ["", "closed"], "converting is not a status change");
    }
}
