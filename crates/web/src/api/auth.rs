//! Login, logout, the current user, password change.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ketaclinic_app::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{ApiActor, Client, clear_cookie, session_cookie};
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// The signed-in member of staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: uuid::Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
}

impl From<&Actor> for Me {
    fn from(a: &Actor) -> Self {
        Self { id: a.user_id.0, email: a.email.clone(), name: a.display_name.clone(), role: a.role.as_str().to_owned() }
    }
}

/// A new session: the cookie is set; `csrf_token` must be sent as `X-CSRF-Token` on every
/// state-changing request made with the cookie.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: Me,
    pub csrf_token: String,
}

/// Logs in and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = Problem), (status = 423, body = Problem), (status = 429, body = Problem)))]
pub async fn login(State(state): State<AppState>, Client(client): Client, ApiJson(body): ApiJson<LoginRequest>) -> ApiResult<Response> {
    let session = state.app.login(&body.email, &body.password, &client).await?;
    let max_age = state.app.settings().auth.session_absolute.as_secs();
    let cookie = session_cookie(&session.cookie_value, max_age, state.web.secure_cookies);
    let body = LoginResponse { user: Me::from(&session.actor), csrf_token: session.csrf_token };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Ends the browser session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = Problem)))]
pub async fn logout(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Response> {
    state.app.logout(&actor).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_cookie(state.web.secure_cookies))]).into_response())
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = Problem)))]
pub async fn me(ApiActor(actor): ApiActor) -> Json<Me> {
    Json(Me::from(&actor))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

/// Changes the caller's password; every other session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn change_password(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiJson(body): ApiJson<PasswordChange>) -> Result<StatusCode, Problem> {
    state.app.change_password(&actor, &body.current_password, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}
