//! Staff accounts and API tokens (admin).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::users::NewUserInput;
use ketaclinic_app::{ApiToken, StaffUser};
use ketaclinic_domain::ids::{TokenId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::path_id;
use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A new staff account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    pub email: String,
    pub name: String,
    /// `front_desk`, `nurse`, `prescriber`, `therapist`, `admin` or `auditor`.
    pub role: String,
    /// At least 12 characters.
    pub password: String,
}

/// A staff account (never its password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: uuid::Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub disabled: bool,
    pub locked_until: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl From<&StaffUser> for UserOut {
    fn from(u: &StaffUser) -> Self {
        Self {
            id: u.id.0,
            email: u.email.as_str().to_owned(),
            name: u.display_name.as_str().to_owned(),
            role: u.role.as_str().to_owned(),
            disabled: u.disabled,
            locked_until: u.locked_until,
            created_at: u.created_at,
        }
    }
}

/// A token to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCreate {
    /// What the token is for, e.g. "monitor gateway, chair 2".
    pub name: String,
}

/// An API token's metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub id: uuid::Uuid,
    pub user_id: uuid::Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl From<&ApiToken> for TokenOut {
    fn from(t: &ApiToken) -> Self {
        Self { id: t.id.0, user_id: t.user_id.0, name: t.label.clone(), created_at: t.created_at, last_used_at: t.last_used_at, revoked_at: t.revoked_at }
    }
}

/// A token just created; `token` is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    #[serde(flatten)]
    pub meta: TokenOut,
    pub token: String,
}

/// Every staff account.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = Vec<UserOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Vec<UserOut>>> {
    let grant = state.app.authorize::<perm::UserManage>(&actor).await?;
    Ok(Json(state.app.list_users(&grant).await?.iter().map(UserOut::from).collect()))
}

/// Creates a staff account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserCreate,
    responses((status = 201, body = UserOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiJson(body): ApiJson<UserCreate>) -> ApiResult<Response> {
    let grant = state.app.authorize::<perm::UserManage>(&actor).await?;
    let user = state.app.create_user(&grant, NewUserInput { email: body.email, display_name: body.name, role: body.role, password: body.password }).await?;
    Ok((StatusCode::CREATED, Json(UserOut::from(&user))).into_response())
}

async fn set_disabled(state: &AppState, actor: &ketaclinic_app::Actor, id: &str, disabled: bool) -> ApiResult<StatusCode> {
    let grant = state.app.authorize::<perm::UserManage>(actor).await?;
    state.app.set_user_disabled(&grant, UserId(path_id(id)?), disabled).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disables an account and revokes its sessions and tokens.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn disable(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<StatusCode> {
    set_disabled(&state, &actor, &id, true).await
}

/// Re-enables an account.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn enable(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<StatusCode> {
    set_disabled(&state, &actor, &id, false).await
}

/// Ends every session of an account.
#[utoipa::path(post, path = "/api/v1/users/{id}/revoke-sessions", tag = "users", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_sessions(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let grant = state.app.authorize::<perm::UserManage>(&actor).await?;
    state.app.revoke_user_sessions(&grant, UserId(path_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// API tokens of an account.
#[utoipa::path(get, path = "/api/v1/users/{id}/tokens", tag = "users", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<TokenOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_tokens(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<Json<Vec<TokenOut>>> {
    let grant = state.app.authorize::<perm::UserManage>(&actor).await?;
    Ok(Json(state.app.list_tokens(&grant, UserId(path_id(&id)?)).await?.iter().map(TokenOut::from).collect()))
}

/// Creates an API token acting as the account.
#[utoipa::path(post, path = "/api/v1/users/{id}/tokens", tag = "users", params(("id" = uuid::Uuid, Path)), request_body = TokenCreate,
    responses((status = 201, body = TokenCreated), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TokenCreate>,
) -> ApiResult<Response> {
    let grant = state.app.authorize::<perm::UserManage>(&actor).await?;
    let created = state.app.create_token(&grant, UserId(path_id(&id)?), &body.name).await?;
    Ok((StatusCode::CREATED, Json(TokenCreated { meta: TokenOut::from(&created.token), token: created.secret })).into_response())
}

/// Revokes a token; its next request is refused.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "users", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_token(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let grant = state.app.authorize::<perm::UserManage>(&actor).await?;
    state.app.revoke_token(&grant, TokenId(path_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}
