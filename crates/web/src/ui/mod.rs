//! Server-rendered pages (askama + htmx).
//!
//! Every page handler takes a [`Ctx`] (the signed-in member of staff; a page request without a
//! session is redirected to `/login?next=…`), calls one use case, and renders a template whose
//! layout shows only the navigation the role may use. Refusals from the use cases become
//! friendly error pages with the right status (403 names the role and what it may not do).
//!
//! Templates live in `crates/web/templates/`; each page struct carries a [`Layout`] that
//! `base.html` reads. Forms post `application/x-www-form-urlencoded` with a `csrf_token` field;
//! htmx requests carry the token in `X-CSRF-Token` (set by `static/app.js`).

mod account;
mod admin;
mod alerts;
mod assessment_correction;
mod assessment_form;
mod assessment_panel;
mod audit;
mod board;
mod chart;
mod chart_display;
mod chart_forms;
mod chart_history;
mod consent_sign;
mod consents;
mod courses;
mod dosing_page;
mod eligibility;
mod eligibility_view;
mod enquire;
mod enquiries;
mod enquiry_forms;
mod evaluation;
mod evaluation_fields;
mod evaluation_form;
mod evaluation_labels;
mod forms;
mod home;
mod layout;
mod login;
mod outcomes;
mod patient_page;
mod patients;
mod pk_chart;
mod register;
mod register_counts;
mod register_forms;
mod register_reports;
mod rems;
mod rems_forms;
mod safety_plan;
mod safety_plan_form;
mod self_report;
mod session_curve;
mod session_dose;
mod session_forms;
mod session_live;
mod session_page;
mod trend_chart;
mod vitals_chart;
mod worklist;

use std::sync::OnceLock;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use ketaclinic_app::permissions::{PermissionKind, allows};
use ketaclinic_app::{Actor, AppError, Granted, Permission};
use ketaclinic_domain::staff::Role;
use uuid::Uuid;

use crate::assets::Assets;
use crate::auth::PageActor;
use crate::state::AppState;

pub(crate) use layout::{Layout, Section};

/// Every page route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/patients", get(patients::list).post(patients::create))
        .route("/patients/new", get(patients::new_form))
        .route("/patients/{id}", get(patient_page::show))
        .route("/patients/{id}/edit", get(patient_page::edit_form).post(patient_page::edit))
        .route("/patients/{id}/status", post(patient_page::set_status))
        .route("/patients/{id}/history", get(patient_page::history))
        .route("/patients/{id}/access", get(audit::access_report))
        .route("/patients/{id}/assessments", post(assessment_form::create))
        .route("/patients/{id}/assessments/new", get(assessment_form::new_form))
        .route("/patients/{id}/assessments/entered-in-error", post(assessment_correction::mark))
        .route("/patients/{id}/evaluations", post(evaluation::create))
        .route("/patients/{id}/evaluations/new", get(evaluation::new_form))
        .route("/patients/{id}/evaluations/latest", get(evaluation::latest))
        .route("/patients/{id}/eligibility", get(eligibility::show))
        .route("/patients/{id}/eligibility-decisions", post(eligibility::decide))
        .route("/evaluations/{id}", get(evaluation::show))
        .route("/evaluations/{id}/edit", get(evaluation::edit_form).post(evaluation::amend))
        .route("/evaluations/{id}/sign", post(evaluation::sign))
        .route("/patients/{id}/chart", get(chart::show))
        .route("/patients/{id}/chart/{kind}", post(chart::add))
        .route("/chart-entries/{id}", post(chart::revise))
        .route("/chart-entries/{id}/history", get(chart_history::history))
        .route("/consent-templates", get(consents::list).post(consents::create))
        .route("/consent-templates/{id}/edit", get(consents::edit_form).post(consents::edit))
        .route("/patients/{id}/consents", post(consent_sign::sign))
        .route("/patients/{id}/consents/new", get(consent_sign::new_form))
        .route("/patients/{id}/rems-enrollment", get(rems::form).post(rems::submit))
        .route("/patients/{id}/safety-plan", get(safety_plan::show))
        .route("/patients/{id}/courses", get(courses::show).post(courses::create))
        .route("/courses/{id}/sign", post(courses::sign))
        .route("/courses/{id}/phase", post(courses::phase))
        .route("/patients/{id}/safety-plan/edit", get(safety_plan_form::edit_form).post(safety_plan_form::save))
        .route("/alerts", get(alerts::list))
        .route("/alerts/{id}/acknowledge", post(alerts::acknowledge))
        .route("/enquire", get(enquire::form).post(enquire::submit))
        .route("/r/done", get(self_report::done))
        .route("/r/{token}", get(self_report::form).post(self_report::submit))
        .route("/patients/{id}/self-report", get(self_report::staff).post(self_report::create))
        .route("/self-report-links/{id}/revoke", post(self_report::revoke))
        .route("/enquiries", get(enquiries::list))
        .route("/enquiries/new", get(enquiry_forms::new_form).post(enquiry_forms::create))
        .route("/enquiries/{id}/convert", get(enquiry_forms::convert_form).post(enquiry_forms::convert))
        .route("/enquiries/{id}/attempts", post(enquiries::attempt))
        .route("/enquiries/{id}/status", post(enquiries::set_status))
        .route("/dosing", get(dosing_page::form).post(dosing_page::calculate))
        .route("/outcomes", get(outcomes::show))
        .route("/worklist", get(worklist::show))
        .route("/board", get(board::show))
        .route("/patients/{id}/sessions", post(session_forms::create))
        .route("/sessions/{id}", get(session_page::show_page))
        .route("/sessions/{id}/live", get(session_page::live_partial))
        .route("/sessions/{id}/events", post(session_forms::record_event))
        .route("/sessions/{id}/vitals", post(session_forms::record_vitals))
        .route("/sessions/{id}/moaas", post(session_forms::record_moaas))
        .route("/sessions/{id}/dose", post(session_dose::calculate_dose))
        .route("/sessions/{id}/discharge", post(session_forms::discharge))
        .route("/sessions/{id}/prechecks", post(session_forms::complete_prechecks))
        .route("/sessions/{id}/alerts/{alert_id}/acknowledge", post(session_forms::acknowledge_alert))
        .route("/rems-forms", get(rems_forms::queue))
        .route("/rems-forms/{session_id}/status", post(rems_forms::mark))
        .route("/sessions/{id}/rems-form", get(rems_forms::show))
        .route("/sessions/{id}/rems-form/answers", post(rems_forms::answer))
        .route("/tasks/{id}/close", post(worklist::close))
        .route("/audit", get(audit::log))
        .route("/admin/users", get(admin::list).post(admin::create))
        .route("/admin/users/{id}/disable", post(admin::disable))
        .route("/admin/users/{id}/enable", post(admin::enable))
        .route("/admin/users/{id}/revoke-sessions", post(admin::revoke_sessions))
        .route("/account/password", get(account::form).post(account::submit))
        .route("/register", get(register::overview))
        .route("/register/receive", get(register_forms::receive_form).post(register_forms::receive))
        .route("/register/locations", post(register_forms::add_location))
        .route("/register/containers/{id}", get(register::container))
        .route("/register/containers/{id}/draw", post(register_forms::draw))
        .route("/register/containers/{id}/administer", post(register_forms::administer))
        .route("/register/containers/{id}/return", post(register_forms::return_to_stock))
        .route("/register/containers/{id}/waste", post(register_forms::waste))
        .route("/register/containers/{id}/transfer", post(register_forms::transfer))
        .route("/register/containers/{id}/loss", post(register_forms::loss))
        .route("/register/containers/{id}/dispose", post(register_forms::dispose))
        .route("/register/containers/{id}/adjust", post(register_forms::adjust))
        .route("/register/losses/{id}/tasks", post(register_forms::complete_task))
        .route("/register/lots/{lot}", get(register::lot))
        .route("/register/counts", get(register_counts::list).post(register_counts::start))
        .route("/register/counts/{id}", get(register_counts::sheet).post(register_counts::save))
        .route("/register/reports", get(register_reports::show))
        .route("/register/reports/{file}", get(register_reports::csv))
}

/// Result of a page handler: the page, or an error page / redirect.
pub(crate) type PageResult = Result<Response, Response>;

/// The error page.
#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    detail: String,
    status: u16,
}

/// The hashed asset URLs, for pages rendered without router state (error pages from the
/// fallback and the CSRF guard). The names are content hashes, so they equal the state's.
fn static_assets() -> &'static Assets {
    static ASSETS: OnceLock<Assets> = OnceLock::new();
    ASSETS.get_or_init(Assets::load)
}

/// An error page in the site layout, without navigation (the caller may not be known).
pub fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let layout = Layout::bare(static_assets(), "ketaclinic", title);
    let page = ErrorPage { layout, heading: title.to_owned(), detail: detail.to_owned(), status: status.as_u16() };
    (status, page).into_response()
}

/// The signed-in member of staff on a page request, with the router state.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub state: AppState,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match PageActor::from_request_parts(parts, state).await {
            Ok(PageActor(actor)) => Ok(Self { state: state.clone(), actor }),
            // htmx would follow the redirect and swap the login page into a results region;
            // ask it to load the login page instead.
            Err(redirect) if parts.headers.contains_key("hx-request") => {
                let target = redirect.headers().get(header::LOCATION).cloned().unwrap_or_else(|| HeaderValue::from_static("/login"));
                Err((StatusCode::UNAUTHORIZED, [(HeaderName::from_static("hx-redirect"), target)]).into_response())
            }
            Err(redirect) => Err(redirect),
        }
    }
}

impl Ctx {
    /// The layout of a page titled `title` in `section` of the navigation.
    pub fn layout(&self, title: impl Into<String>, section: Section) -> Layout {
        Layout::for_actor(&self.state, &self.actor, title.into(), section)
    }

    /// Whether the actor's role has `permission` (for showing links and buttons; the use
    /// cases check again).
    pub fn can(&self, permission: Permission) -> bool {
        allows(self.actor.role, permission)
    }

    /// Checks permission `P`; a refusal is audited by the use case and shown as a 403 page.
    pub async fn grant<P: PermissionKind>(&self) -> Result<Granted<P>, Response> {
        self.state.app.authorize::<P>(&self.actor).await.map_err(|e| self.fail(e))
    }

    /// `ts` in the clinic's time zone, `2026-11-21 14:05`.
    pub fn time(&self, ts: Timestamp) -> String {
        format_time(ts, &self.state.app.settings().timezone)
    }

    /// A use-case error as an error page with navigation.
    pub fn fail(&self, err: AppError) -> Response {
        let (status, heading, detail) = match err {
            AppError::Forbidden(what) => (
                StatusCode::FORBIDDEN,
                "Not allowed".to_owned(),
                if self.actor.role == Role::Admin {
                    format!("Your role ({}) may not {what}: clinic admins manage accounts and review access, but do not open charts.", self.actor.role.label())
                } else {
                    format!("Your role ({}) may not {what}. If your work needs this, ask the clinic admin.", self.actor.role.label())
                },
            ),
            AppError::NotFound => (StatusCode::NOT_FOUND, "Not found".to_owned(), "There is no such record. Check the link, or search again.".to_owned()),
            AppError::Unauthenticated => return Redirect::to("/login").into_response(),
            AppError::Conflict(detail) => (StatusCode::CONFLICT, "Changed by someone else".to_owned(), sentence(&detail)),
            AppError::Invalid(errors) => {
                let list = errors.0.iter().map(|e| format!("{} {}", forms::label_of(&e.field), e.message)).collect::<Vec<_>>().join("; ");
                (StatusCode::UNPROCESSABLE_ENTITY, "Invalid input".to_owned(), sentence(&list))
            }
            AppError::Unavailable(cause) => {
                tracing::error!(%cause, "storage unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "Service unavailable".to_owned(), "The database is unavailable. Wait a moment and try again.".to_owned())
            }
            AppError::BadCredentials | AppError::Locked { .. } | AppError::RateLimited { .. } => {
                (StatusCode::UNAUTHORIZED, "Sign-in problem".to_owned(), "Sign in again.".to_owned())
            }
        };
        let layout = self.layout(heading.clone(), Section::None);
        (status, ErrorPage { layout, heading, detail, status: status.as_u16() }).into_response()
    }

    /// A 404 page for a path id that is not an id.
    pub fn not_found(&self) -> Response {
        self.fail(AppError::NotFound)
    }

    /// Parses a record id from the path; anything else names no record.
    #[expect(clippy::result_large_err, reason = "the error is the page to send, built at most once per request")]
    pub fn path_id(&self, raw: &str) -> Result<Uuid, Response> {
        Uuid::parse_str(raw).map_err(|_| self.not_found())
    }
}

/// `ts` in time zone `tz`, `2026-11-21 14:05`.
pub(crate) fn format_time(ts: Timestamp, tz: &jiff::tz::TimeZone) -> String {
    ts.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

/// A message as a sentence: capital first letter, final full stop.
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// A query-string value, percent-encoded.
pub(crate) fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_capitalised_and_closed() {
        assert_eq!(sentence("the record changed"), "The record changed.");
        assert_eq!(sentence("Done!"), "Done!");
        assert_eq!(sentence("  "), "");
    }

    #[test]
    fn times_use_the_clinic_zone() {
        let ts: Timestamp = "2026-11-21T13:05:09Z".parse().unwrap();
        let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(format_time(ts, &tz), "2026-11-21 14:05");
    }
}
