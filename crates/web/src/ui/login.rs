//! Signing in and out.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::{Actor, AppError};
use serde::Deserialize;

use super::forms::{PageForm, PageQuery};
use super::{Layout, format_time};
use crate::auth::{Caller, Client, clear_cookie, session_cookie};
use crate::state::AppState;

/// The caller if signed in; never refuses.
#[derive(Debug, Clone)]
pub(crate) struct MaybeActor(pub Option<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<Caller>().and_then(|c| c.0.clone())))
    }
}

/// A message box: `error`, `warning` or `info`.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub kind: &'static str,
    pub title: String,
    pub text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    notice: Option<Notice>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LoginQuery {
    next: String,
    signed_out: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LoginForm {
    email: String,
    password: String,
    next: String,
}

/// Where to go after signing in: a path on this site, never another origin
/// (`//host`, `/\host`, spaces, control and non-ASCII characters are refused: a browser
/// sends paths percent-encoded).
pub(crate) fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && next.chars().all(|c| c.is_ascii_graphic());
    if ok { next } else { "/" }
}

/// `GET /login`: the sign-in form (or straight on, when already signed in).
pub(crate) async fn form(State(state): State<AppState>, MaybeActor(actor): MaybeActor, PageQuery(query): PageQuery<LoginQuery>) -> Response {
    if actor.is_some() {
        return Redirect::to(safe_next(&query.next)).into_response();
    }
    let notice = query.signed_out.map(|_| Notice { kind: "info", title: "You have signed out".to_owned(), text: "Sign in again to continue.".to_owned() });
    let layout = Layout::anonymous(&state, "Sign in");
    LoginPage { layout, email: String::new(), next: safe_next(&query.next).to_owned(), notice }.into_response()
}

/// `POST /login`: checks the credentials, sets the session cookie and goes on to `next`.
pub(crate) async fn submit(State(state): State<AppState>, Client(client): Client, PageForm(form): PageForm<LoginForm>) -> Response {
    let next = safe_next(&form.next).to_owned();
    let err = match state.app.login(&form.email, &form.password, &client).await {
        Ok(session) => {
            let max_age = state.app.settings().auth.session_absolute.as_secs();
            let cookie = session_cookie(&session.cookie_value, max_age, state.web.secure_cookies);
            return ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response();
        }
        Err(err) => err,
    };
    let policy = &state.app.settings().auth;
    let mut retry_after = None;
    let (status, title, text) = match err {
        AppError::BadCredentials => (
            StatusCode::UNAUTHORIZED,
            "The e-mail or password is wrong".to_owned(),
            format!(
                "Check both and try again. After {} failed attempts the account is locked for {} minutes.",
                policy.lockout_threshold,
                policy.lockout_duration.as_mins()
            ),
        ),
        AppError::Locked { until } => (
            StatusCode::LOCKED,
            "This account is locked".to_owned(),
            format!(
                "There were too many failed sign-ins. Try again after {}, or ask the clinic admin for help.",
                format_time(until, &state.app.settings().timezone)
            ),
        ),
        AppError::RateLimited { retry_after_secs } => {
            retry_after = Some(retry_after_secs);
            (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many sign-in attempts".to_owned(),
                format!("Too many attempts came from this device. Wait {retry_after_secs} seconds, then try again."),
            )
        }
        AppError::Unavailable(cause) => {
            tracing::error!(%cause, "storage unavailable at login");
            (StatusCode::SERVICE_UNAVAILABLE, "Sign-in is unavailable".to_owned(), "The database cannot be reached. Wait a moment and try again.".to_owned())
        }
        other => {
            tracing::warn!(error = %other, "unexpected login refusal");
            (StatusCode::BAD_REQUEST, "Sign-in failed".to_owned(), "Check the e-mail and password and try again.".to_owned())
        }
    };
    let layout = Layout::anonymous(&state, "Sign in");
    let page = LoginPage { layout, email: form.email, next, notice: Some(Notice { kind: "error", title, text }) };
    let mut response = (status, page).into_response();
    if let Some(secs) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// `POST /logout`: ends the session, clears the cookie, back to the sign-in page.
pub(crate) async fn logout(State(state): State<AppState>, MaybeActor(actor): MaybeActor) -> Response {
    if let Some(actor) = actor
        && let Err(err) = state.app.logout(&actor).await
    {
        tracing::error!(error = %err, "logout failed");
    }
    ([(header::SET_COOKIE, clear_cookie(state.web.secure_cookies))], Redirect::to("/login?signed_out=1")).into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/patients?q=a"), "/patients?q=a");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/a\nb"), "/");
        assert_eq!(safe_next("/ü"), "/");
    }
}
