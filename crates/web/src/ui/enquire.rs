//! The public call-back form (issue 3, item 1): `GET /enquire` and `POST /enquire`, no login.
//!
//! The page shows no staff navigation, even to a signed-in member of staff (the layout is the
//! anonymous one); only the session's CSRF token is carried over so the form still posts
//! through the CSRF guard. A signed-in role with `enquiry.manage` submits as staff (the
//! enquiry records who took it); anyone else submits as the public, with the per-address rate
//! limit and the honeypot of `ketaclinic_app::enquiries`. The honeypot field `website` is
//! hidden from people by the `.hp` class (off-screen, not announced, not focusable).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use ketaclinic_app::enquiries::{EnquiryInput, Submitter};
use ketaclinic_app::permissions::{allows, perm};
use ketaclinic_app::{Actor, AppError, Permission};
use ketaclinic_domain::FieldError;
use ketaclinic_domain::enquiry::{BEST_TIME_MAX_CHARS, MESSAGE_MAX_CHARS};
use serde::Deserialize;

use super::forms::{ErrorLink, Field, PageForm, apply_errors};
use super::login::MaybeActor;
use super::{Layout, error_page};
use crate::auth::Client;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "enquire.html")]
struct EnquirePage {
    layout: Layout,
    fields: Vec<Field>,
    consent: Field,
    errors: Vec<ErrorLink>,
}

#[derive(Template, WebTemplate)]
#[template(path = "enquire_thanks.html")]
struct ThanksPage {
    layout: Layout,
    /// `Monday 23 November at 16:00`.
    due: String,
}

/// What the form sends (every field defaults, so a missing one is a validation error).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EnquireForm {
    name: String,
    phone: String,
    email: String,
    best_time: String,
    message: String,
    consent_to_contact: String,
    website: String,
}

/// The public frame: no navigation; the CSRF token when a session exists.
fn layout(state: &AppState, actor: Option<&Actor>, title: &str) -> Layout {
    let csrf = actor.and_then(|a| a.csrf_token.clone()).unwrap_or_default();
    Layout { csrf, ..Layout::anonymous(state, title) }
}

fn fields(form: &EnquireForm) -> (Vec<Field>, Field) {
    let fields = vec![
        Field::new("name", "Your name", "text").value(&form.name).autocomplete("name").maxlength(200),
        Field::new("phone", "Phone number", "tel")
            .value(&form.phone)
            .autocomplete("tel")
            .inputmode("tel")
            .hint("The number we should call you back on.")
            .maxlength(40),
        Field::new("email", "E-mail", "email").value(&form.email).autocomplete("email").inputmode("email").optional().maxlength(254),
        Field::new("best_time", "Best time to call", "text")
            .value(&form.best_time)
            .hint("For example: weekday mornings, or after 5 pm.")
            .optional()
            .maxlength(BEST_TIME_MAX_CHARS),
        Field::new("message", "Anything you would like us to know", "textarea")
            .value(&form.message)
            .hint("Please do not include detailed medical information here; we will ask when we call.")
            .optional()
            .maxlength(MESSAGE_MAX_CHARS),
    ];
    let consent = Field::new("consent_to_contact", "I agree that the clinic may contact me about my enquiry", "checkbox")
        .value(if form.consent_to_contact.is_empty() { "" } else { "yes" });
    (fields, consent)
}

fn form_page(layout: Layout, form: &EnquireForm, errors: &[FieldError]) -> EnquirePage {
    let (fields, consent) = fields(form);
    let mut all = fields;
    all.push(consent);
    let mut summary = apply_errors(&mut all, errors);
    for link in &mut summary {
        if link.href == "#consent_to_contact" {
            "Please tick the box to agree that the clinic may contact you.".clone_into(&mut link.text);
        }
    }
    let mut consent = all.pop().unwrap_or_else(|| Field::new("consent_to_contact", "", "checkbox"));
    if consent.error.is_some() {
        consent.error = Some("Please tick the box to agree that the clinic may contact you.".to_owned());
    }
    EnquirePage { layout, fields: all, consent, errors: summary }
}

/// `Monday 23 November at 16:00` in the clinic calendar's time zone.
pub(crate) fn due_text(state: &AppState, due: Timestamp) -> String {
    due.to_zoned(state.app.settings().calendar.time_zone().clone()).strftime("%A %-d %B at %H:%M").to_string()
}

/// `GET /enquire`: the empty form.
pub(crate) async fn form(State(state): State<AppState>, MaybeActor(actor): MaybeActor) -> Response {
    let layout = layout(&state, actor.as_ref(), "Ask us to call you");
    form_page(layout, &EnquireForm::default(), &[]).into_response()
}

/// `POST /enquire`: the thank-you page with the call-back time; the form again with its errors
/// (422); a friendly 429 page when one address sends too many.
pub(crate) async fn submit(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    Client(client): Client,
    PageForm(form): PageForm<EnquireForm>,
) -> Response {
    let input = EnquiryInput {
        name: form.name.clone(),
        phone: form.phone.clone(),
        email: Some(form.email.clone()),
        message: Some(form.message.clone()),
        best_time: Some(form.best_time.clone()),
        consent_to_contact: !form.consent_to_contact.is_empty(),
        received_at: None,
        website: Some(form.website.clone()),
    };
    let staff = actor.as_ref().filter(|a| allows(a.role, Permission::EnquiryManage));
    let result = match staff {
        Some(actor) => match state.app.authorize::<perm::EnquiryManage>(actor).await {
            Ok(grant) => state.app.submit_enquiry(&input, Submitter::Staff(&grant)).await,
            Err(err) => Err(err),
        },
        None => state.app.submit_enquiry(&input, Submitter::Public(&client)).await,
    };
    match result {
        Ok(receipt) => {
            let page = ThanksPage { layout: layout(&state, actor.as_ref(), "Thank you"), due: due_text(&state, receipt.contact_due_by) };
            page.into_response()
        }
        Err(AppError::Invalid(errors)) => {
            let page = form_page(layout(&state, actor.as_ref(), "Ask us to call you"), &form, &errors.0);
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(AppError::RateLimited { retry_after_secs }) => {
            let mut response = error_page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                &format!(
                    "We have received a lot of requests from your connection. Please wait {} and try again, or simply phone the clinic.",
                    wait_text(retry_after_secs)
                ),
            );
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Err(AppError::Unavailable(cause)) => {
            tracing::error!(%cause, "storage unavailable on the enquiry form");
            error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, something went wrong",
                "Your request could not be saved. Please try again in a moment, or phone the clinic.",
            )
        }
        Err(other) => {
            tracing::warn!(error = %other, "enquiry form refused");
            error_page(StatusCode::BAD_REQUEST, "Your request could not be sent", "Please reload the page and try again, or phone the clinic.")
        }
    }
}

/// `a minute`, `30 seconds`.
fn wait_text(secs: u64) -> String {
    match secs {
        0 | 1 => "a moment".to_owned(),
        60 => "a minute".to_owned(),
        s if s < 60 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_naturally() {
        assert_eq!(wait_text(1), "a moment");
        assert_eq!(wait_text(30), "30 seconds");
        assert_eq!(wait_text(60), "a minute");
        assert_eq!(wait_text(61), "2 minutes");
    }

    #[test]
    fn consent_errors_are_plain_words() {
        let state_free = form_layout_free(&[FieldError::new("consent_to_contact", "must be true"), FieldError::new("phone", "must start with +")]);
        assert_eq!(state_free.0.as_deref(), Some("Please tick the box to agree that the clinic may contact you."));
        assert_eq!(state_free.1, 2);
    }

    fn form_layout_free(errors: &[FieldError]) -> (Option<String>, usize) {
        let assets = crate::assets::Assets::load();
        let page = form_page(Layout::bare(&assets, "c", "t"), &EnquireForm::default(), errors);
        (page.consent.error, page.errors.len())
    }
}
