//! Who is calling: session cookies and bearer tokens, resolved once per request by a
//! middleware, then read by the extractors [`ApiActor`] (401 problem) and [`PageActor`]
//! (redirect to the login page). The CSRF guard runs right after: a state-changing request
//! authenticated by a cookie must carry the session's CSRF token, in the `X-CSRF-Token` header
//! (JSON, htmx) or a `csrf_token` form field (plain forms).

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::secrets::constant_time_eq;
use ketaclinic_app::{Actor, AppError, AuthVia, ClientInfo};

use crate::extract::BODY_LIMIT;
use crate::problem::Problem;
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "kc_session";
/// Header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";

/// The resolved caller, if any (inserted by [`resolve_actor`]).
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Actor>);

/// The client's address and user agent. The address is the TCP peer (see docs/security.md on
/// proxies); `MockConnectInfo` stands in for it in in-process tests, as axum's own extractor does.
pub fn client_info(req: &Request) -> ClientInfo {
    let ua = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0).or_else(|| req.extensions().get::<MockConnectInfo<SocketAddr>>().map(|m| m.0));
    ClientInfo::new(peer.map(|a| a.ip().to_string()), ua)
}

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Resolves the caller from a bearer token or the session cookie. A bearer token that is
/// invalid is refused at once (a machine must learn its token is dead); a stale cookie just
/// means "not logged in".
pub async fn resolve_actor(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let client = client_info(&req);
    let actor = if let Some(token) = bearer(req.headers()) {
        match state.app.authenticate_token(token, &client).await {
            Ok(actor) => Some(actor),
            Err(AppError::Unauthenticated) => return Problem::unauthenticated().into_response(),
            Err(other) => return Problem::from(other).into_response(),
        }
    } else if let Some(value) = cookie(req.headers(), SESSION_COOKIE) {
        match state.app.authenticate_session(value, &client).await {
            Ok(actor) => Some(actor),
            Err(AppError::Unauthenticated) => None,
            Err(other) => return Problem::from(other).into_response(),
        }
    } else {
        None
    };
    req.extensions_mut().insert(client);
    req.extensions_mut().insert(Caller(actor));
    next.run(req).await
}

/// Refuses state-changing cookie-authenticated requests without the session's CSRF token.
pub async fn csrf_guard(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let expected = match req.extensions().get::<Caller>() {
        Some(Caller(Some(Actor { via: AuthVia::Session { .. }, csrf_token: Some(token), .. }))) if !safe => token.clone(),
        _ => return next.run(req).await,
    };
    if let Some(sent) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_time_eq(sent, &expected) { next.run(req).await } else { refuse(&req) };
    }
    let is_form = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return refuse(&req);
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else { return Problem::too_large(BODY_LIMIT).into_response() };
    let sent = form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
    let req = Request::from_parts(parts, Body::from(Bytes::clone(&bytes)));
    match sent {
        Some(sent) if constant_time_eq(&sent, &expected) => next.run(req).await,
        _ => refuse(&req),
    }
}

fn refuse(req: &Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        Problem::csrf().into_response()
    } else {
        crate::ui::error_page(axum::http::StatusCode::FORBIDDEN, "This form has expired", "Reload the page and submit it again.").into_response()
    }
}

/// An authenticated caller on the JSON API; 401 problem otherwise.
#[derive(Debug, Clone)]
pub struct ApiActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for ApiActor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(Caller(Some(actor))) => Ok(Self(actor.clone())),
            _ => Err(Problem::unauthenticated()),
        }
    }
}

/// The caller if authenticated, `None` otherwise — for the one endpoint that serves both the
/// public and staff (`POST /api/v1/enquiries`). An invalid bearer token is still refused by
/// [`resolve_actor`] before this runs.
#[derive(Debug, Clone)]
pub struct MaybeActor(pub Option<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<Caller>().and_then(|c| c.0.clone())))
    }
}

/// An authenticated caller on a page; a redirect to `/login?next=…` otherwise.
#[derive(Debug, Clone)]
pub struct PageActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(Caller(Some(actor))) => Ok(Self(actor.clone())),
            _ => {
                let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let target = format!("/login?next={}", form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// The client description the middleware stored.
#[derive(Debug, Clone)]
pub struct Client(pub ClientInfo);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ClientInfo>().cloned().unwrap_or_default()))
    }
}

/// `Set-Cookie` for a new session: `HttpOnly; SameSite=Strict`, `Secure` over TLS, lifetime of
/// the session's absolute expiry.
pub fn session_cookie(value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static("kc_session=; Path=/; Max-Age=0"))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static("kc_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure")
    } else {
        HeaderValue::from_static("kc_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
    }
}
