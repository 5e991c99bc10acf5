//! Self-report (issue 4, item 4): the staff page that sends questionnaire links, and the
//! patient's mobile-first form behind `/r/{token}`.
//!
//! The patient page shows nothing but the first name, the questionnaires and the clinic's name:
//! no navigation, no MRN, no staff names. It is sent with `Cache-Control: no-store`,
//! `Referrer-Policy: no-referrer` (the token is in the path) and `X-Robots-Tag: noindex`.
//! Several questionnaires share one page; their fields are prefixed `phq9__item_1` so their
//! item ids do not collide.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::AppError;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::self_report::{Closed, Submission};
use ketaclinic_domain::FieldError;
use ketaclinic_domain::ids::{PatientId, SelfReportLinkId};
use ketaclinic_domain::instruments::{self, Instrument};
use ketaclinic_domain::self_report::{LinkState, SELF_REPORT_INSTRUMENTS, SelfReportLink};

use super::assessment_form::{ItemView, answers, item_views};
use super::forms::{ErrorLink, PageForm};
use super::{Ctx, Layout, PageResult, Section, error_page};
use crate::auth::Client;
use crate::state::AppState;

/// One questionnaire on the patient's page.
pub(crate) struct Questionnaire {
    pub name: &'static str,
    pub title: &'static str,
    pub instructions: &'static str,
    pub items: Vec<ItemView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "self_report.html")]
struct FormPage {
    layout: Layout,
    first_name: String,
    token: String,
    questionnaires: Vec<Questionnaire>,
    errors: Vec<ErrorLink>,
}

#[derive(Template, WebTemplate)]
#[template(path = "self_report_closed.html")]
struct ClosedPage {
    layout: Layout,
    heading: &'static str,
    message: &'static str,
    kiosk: bool,
}

/// One link in the staff list.
pub(crate) struct LinkRow {
    pub id: String,
    pub instruments: String,
    pub state: &'static str,
    pub created: String,
    pub expires: String,
    pub open: bool,
    pub kiosk: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "patient_self_report.html")]
struct StaffPage {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    choices: Vec<(&'static str, &'static str)>,
    links: Vec<LinkRow>,
    /// The link just created (its address is shown once).
    new_url: Option<String>,
    can_send: bool,
    error: Option<String>,
    /// Questionnaires due for the patient (empty when none or not visible to the role).
    due: Vec<super::worklist::DueRow>,
    /// Self-report instruments that are due (preselected in the form).
    due_ids: Vec<&'static str>,
}

impl StaffPage {
    /// Ticked in the form: the due self-report questionnaires, or PHQ-9 when none is due.
    fn preselect(&self, id: &str) -> bool {
        if self.due_ids.is_empty() { id == "phq9" } else { self.due_ids.contains(&id) }
    }
}

/// Headers of every patient-facing page.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(HeaderName::from_static("x-robots-tag"), HeaderValue::from_static("noindex, nofollow"));
    response
}

fn prefix(instrument: &Instrument) -> String {
    format!("{}__", instrument.id)
}

/// The questionnaires with the submitted values and the errors of each.
fn questionnaires(list: &[&'static Instrument], values: &[(String, String)], errors: &[FieldError]) -> Vec<Questionnaire> {
    list.iter()
        .map(|i| {
            let p = prefix(i);
            let own: Vec<(String, String)> = values.iter().filter_map(|(k, v)| k.strip_prefix(&p).map(|k| (k.to_owned(), v.clone()))).collect();
            let field = format!("{}.", i.id);
            let errs: Vec<FieldError> = errors.iter().filter_map(|e| e.field.strip_prefix(&field).map(|f| FieldError::new(f, e.message.clone()))).collect();
            let mut items = item_views(i, &own, &errs);
            for item in &mut items {
                item.name = format!("{p}{}", item.name);
                if !item.gate.is_empty() {
                    item.gate = format!("{p}{}", item.gate);
                }
                for o in &mut item.options {
                    o.id = format!("{p}{}", o.id);
                }
            }
            Questionnaire { name: i.name, title: i.title, instructions: i.instructions, items }
        })
        .collect()
}

fn closed_page(state: &AppState, closed: Closed, kiosk: bool) -> Response {
    let (status, heading, message) = match closed {
        Closed::Unknown => (
            StatusCode::NOT_FOUND,
            "This link does not work",
            "Please check that you opened the whole link from the clinic's message, or ask the clinic for a new one.",
        ),
        Closed::Used => (StatusCode::GONE, "Thank you — this form has been sent", "Your answers reached the clinic. Each link can be used once."),
        Closed::Expired => (StatusCode::GONE, "This link has expired", "Links stay open for a limited time. Please ask the clinic for a new one."),
        Closed::Revoked => (StatusCode::GONE, "This link is no longer in use", "The clinic has withdrawn it. Please ask the clinic for a new one."),
    };
    let page = ClosedPage { layout: Layout::anonymous(state, heading), heading, message, kiosk };
    private((status, page).into_response())
}

fn app_failure(err: AppError) -> Response {
    match err {
        AppError::RateLimited { retry_after_secs } => {
            let mut r = error_page(StatusCode::TOO_MANY_REQUESTS, "Please wait a moment", "Too many attempts from this connection. Try again in a minute.");
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            private(r)
        }
        other => {
            tracing::error!(error = %other, "self-report page failed");
            private(error_page(StatusCode::SERVICE_UNAVAILABLE, "Something went wrong", "Please try again in a few minutes."))
        }
    }
}

/// `GET /r/{token}`: the form.
pub(crate) async fn form(State(state): State<AppState>, Client(client): Client, Path(token): Path<String>) -> Response {
    match state.app.self_report_form(&token, &client).await {
        Ok(Ok(form)) => {
            let page = FormPage {
                layout: Layout::anonymous(&state, "Your questionnaire"),
                first_name: form.first_name,
                token,
                questionnaires: questionnaires(&form.instruments, &[], &[]),
                errors: Vec::new(),
            };
            private(page.into_response())
        }
        Ok(Err(closed)) => closed_page(&state, closed, false),
        Err(e) => app_failure(e),
    }
}

/// `POST /r/{token}`: stores the answers (303 to the thank-you page) or shows the form again
/// with what is missing (422).
pub(crate) async fn submit(
    State(state): State<AppState>,
    Client(client): Client,
    Path(token): Path<String>,
    PageForm(values): PageForm<Vec<(String, String)>>,
) -> Response {
    let answers_for = |i: &'static Instrument| {
        let p = prefix(i);
        let own: Vec<(String, String)> = values.iter().filter_map(|(k, v)| k.strip_prefix(&p).map(|k| (k.to_owned(), v.clone()))).collect();
        answers(i, &own)
    };
    match state.app.submit_self_report(&token, answers_for, &client).await {
        Ok(Ok(Submission::Stored { kiosk })) => private(Redirect::to(if kiosk { "/r/done?kiosk=1" } else { "/r/done" }).into_response()),
        Ok(Ok(Submission::Refused { form, errors })) => {
            let questionnaires = questionnaires(&form.instruments, &values, &errors.0);
            let mut summary = Vec::new();
            for q in &questionnaires {
                for item in &q.items {
                    if let (Some(error), Some(first)) = (&item.error, item.options.first()) {
                        summary.push(ErrorLink { href: format!("#{}", first.id), text: format!("{}: {error}", q.name) });
                    }
                }
            }
            if summary.is_empty() {
                summary = errors.0.iter().map(|e| ErrorLink { href: "#top".to_owned(), text: format!("{}: {}", e.field, e.message) }).collect();
            }
            let page = FormPage {
                layout: Layout::anonymous(&state, "Your questionnaire — please check"),
                first_name: form.first_name,
                token,
                questionnaires,
                errors: summary,
            };
            private((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Ok(Err(closed)) => closed_page(&state, closed, false),
        Err(e) => app_failure(e),
    }
}

/// `GET /r/done`: thank you (kiosk: hand the tablet back).
pub(crate) async fn done(State(state): State<AppState>, axum::extract::RawQuery(query): axum::extract::RawQuery) -> Response {
    let kiosk = query.is_some_and(|q| q.contains("kiosk=1"));
    let page = ClosedPage {
        layout: Layout::anonymous(&state, "Thank you"),
        heading: "Thank you — your answers were sent",
        message: if kiosk {
            "Please hand the tablet back to the clinic staff."
        } else {
            "The clinic team will see them before your next visit. You can close this page."
        },
        kiosk,
    };
    private(page.into_response())
}

fn row(ctx: &Ctx, l: &SelfReportLink, state: LinkState) -> LinkRow {
    LinkRow {
        id: l.id.to_string(),
        instruments: l.instruments.iter().map(|i| instruments::get(i).map_or(i.as_str(), |d| d.name)).collect::<Vec<_>>().join(", "),
        state: state.as_str(),
        created: ctx.time(l.created_at),
        expires: ctx.time(l.expires_at),
        open: state == LinkState::Open,
        kiosk: l.kiosk,
    }
}

async fn staff_page(ctx: &Ctx, raw_id: &str, new_url: Option<String>, error: Option<String>) -> Result<StaffPage, Response> {
    let read = ctx.grant::<perm::PatientRead>().await?;
    let id = PatientId(ctx.path_id(raw_id)?);
    let patient = ctx.state.app.patient(&read, id).await.map_err(|e| ctx.fail(e))?;
    let links = ctx.state.app.self_report_links(&read, id).await.map_err(|e| ctx.fail(e))?;
    let name = patient.display_name();
    let due_items = if ctx.can(ketaclinic_app::Permission::ClinicalRead) {
        let grant = ctx.grant::<perm::ClinicalRead>().await?;
        ctx.state.app.due_assessments(&grant, id).await.map_err(|e| ctx.fail(e))?
    } else {
        Vec::new()
    };
    let due_ids: Vec<&'static str> = due_items.iter().map(|d| d.instrument).filter(|i| SELF_REPORT_INSTRUMENTS.contains(i)).collect();
    Ok(StaffPage {
        due: super::worklist::due_rows(ctx, due_items),
        due_ids,
        layout: ctx.layout(format!("Questionnaire links for {name}"), Section::Patients),
        patient_id: id.to_string(),
        patient_name: name,
        choices: SELF_REPORT_INSTRUMENTS.iter().filter_map(|i| instruments::get(i).map(|d| (d.id, d.name))).collect(),
        links: links.iter().map(|(l, s)| row(ctx, l, *s)).collect(),
        new_url,
        can_send: ctx.can(ketaclinic_app::Permission::AssessmentRecord),
        error,
    })
}

/// `GET /patients/{id}/self-report`: the links and the form to send one.
pub(crate) async fn staff(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    Ok(staff_page(&ctx, &id, None, None).await?.into_response())
}

/// `POST /patients/{id}/self-report`: creates a link and shows its address once; with
/// `kiosk`, opens the form right here on the clinic tablet.
pub(crate) async fn create(ctx: Ctx, Path(id): Path<String>, PageForm(values): PageForm<Vec<(String, String)>>) -> PageResult {
    let grant = ctx.grant::<perm::AssessmentRecord>().await?;
    let patient = PatientId(ctx.path_id(&id)?);
    let chosen: Vec<String> = values.iter().filter(|(k, _)| k == "instrument").map(|(_, v)| v.clone()).collect();
    let kiosk = values.iter().any(|(k, v)| k == "kiosk" && !v.is_empty());
    let hours = values.iter().find(|(k, _)| k == "expires_in_hours").map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    let hours = match hours.map(str::parse::<i64>) {
        Some(Ok(h)) => Some(h),
        Some(Err(_)) => {
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, staff_page(&ctx, &id, None, Some("Hours must be a whole number.".to_owned())).await?).into_response());
        }
        None => None,
    };
    match ctx.state.app.create_self_report_link(&grant, patient, &chosen, if kiosk { Some(hours.unwrap_or(2)) } else { hours }, kiosk).await {
        Ok(made) if kiosk => Ok(Redirect::to(&format!("/r/{}", made.token)).into_response()),
        Ok(made) => {
            let url = format!("/r/{}", made.token);
            Ok(staff_page(&ctx, &id, Some(url), None).await?.into_response())
        }
        Err(AppError::Invalid(e)) => {
            let message = e.0.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; ");
            Ok((StatusCode::UNPROCESSABLE_ENTITY, staff_page(&ctx, &id, None, Some(super::sentence(&message))).await?).into_response())
        }
        Err(other) => Err(ctx.fail(other)),
    }
}

/// `POST /self-report-links/{id}/revoke`.
pub(crate) async fn revoke(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let grant = ctx.grant::<perm::AssessmentRecord>().await?;
    let link = ctx.state.app.revoke_self_report_link(&grant, SelfReportLinkId(ctx.path_id(&id)?)).await.map_err(|e| ctx.fail(e))?;
    Ok(Redirect::to(&format!("/patients/{}/self-report", link.patient_id)).into_response())
}
