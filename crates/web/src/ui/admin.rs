//! Staff accounts (clinic admin): list, create, disable / enable, sign out everywhere.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use ketaclinic_app::permissions::perm;
use ketaclinic_app::users::NewUserInput;
use ketaclinic_app::{AppError, Granted, StaffUser};
use ketaclinic_domain::ids::UserId;
use ketaclinic_domain::staff::Role;
use serde::Deserialize;

use super::forms::{ErrorLink, Field, PageForm, PageQuery, apply_errors};
use super::login::Notice;
use super::{Ctx, Layout, PageResult, Section, sentence};

/// An account as the table shows it.
#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub disabled: bool,
    pub locked_until: Option<String>,
    pub created_at: String,
    pub is_me: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
    notice: Option<Notice>,
    fields: Vec<Field>,
    errors: Vec<ErrorLink>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct UsersQuery {
    done: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NewUserForm {
    email: String,
    name: String,
    role: String,
    password: String,
}

fn user_fields(form: &NewUserForm) -> Vec<Field> {
    let mut roles = vec![(String::new(), "Choose…".to_owned())];
    roles.extend(Role::ALL.into_iter().map(|r| (r.as_str().to_owned(), r.label().to_owned())));
    vec![
        Field::new("name", "Full name", "text").value(&form.name).autocomplete("off").maxlength(100),
        Field::new("email", "E-mail (used to sign in)", "email").value(&form.email).inputmode("email").autocomplete("off").maxlength(254),
        Field::new("role", "Role", "select").value(&form.role).options(roles).hint("Decides what the account may see and do."),
        Field::new("password", "First password", "password")
            .autocomplete("new-password")
            .hint("At least 12 characters. Give it to the person privately; they can change it under “Password”."),
    ]
}

async fn render(
    ctx: &Ctx,
    grant: &Granted<perm::UserManage>,
    notice: Option<Notice>,
    fields: Vec<Field>,
    errors: Vec<ErrorLink>,
) -> Result<UsersPage, axum::response::Response> {
    let users = ctx.state.app.list_users(grant).await.map_err(|e| ctx.fail(e))?;
    let now = ctx.state.app.now();
    let users = users.iter().map(|u: &StaffUser| UserRow {
        id: u.id.to_string(),
        name: u.display_name.as_str().to_owned(),
        email: u.email.as_str().to_owned(),
        role: u.role.label(),
        disabled: u.disabled,
        locked_until: u.locked_until.filter(|t| *t > now).map(|t| ctx.time(t)),
        created_at: ctx.time(u.created_at),
        is_me: u.id == ctx.actor.user_id,
    });
    Ok(UsersPage { layout: ctx.layout("Staff accounts", Section::Users), users: users.collect(), notice, fields, errors })
}

/// `GET /admin/users`.
pub(crate) async fn list(ctx: Ctx, PageQuery(query): PageQuery<UsersQuery>) -> PageResult {
    let grant = ctx.grant::<perm::UserManage>().await?;
    let text = match query.done.as_str() {
        "created" => Some("The account was created."),
        "disabled" => Some("The account was disabled and signed out everywhere."),
        "enabled" => Some("The account was enabled. The person can sign in again."),
        "revoked" => Some("Every session of the account was ended."),
        _ => None,
    };
    let notice = text.map(|t| Notice { kind: "success", title: "Done".to_owned(), text: t.to_owned() });
    let page = render(&ctx, &grant, notice, user_fields(&NewUserForm::default()), Vec::new()).await?;
    Ok(page.into_response())
}

/// `POST /admin/users`: creates an account.
pub(crate) async fn create(ctx: Ctx, PageForm(form): PageForm<NewUserForm>) -> PageResult {
    let grant = ctx.grant::<perm::UserManage>().await?;
    let input = NewUserInput { email: form.email.clone(), display_name: form.name.clone(), role: form.role.clone(), password: form.password.clone() };
    match ctx.state.app.create_user(&grant, input).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=created").into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut fields = user_fields(&form);
            let errors = apply_errors(&mut fields, &errors.0);
            let mut page = render(&ctx, &grant, None, fields, errors).await?;
            page.layout.title = "Staff accounts — check the form".to_owned();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(ctx.fail(other)),
    }
}

/// What an account button does.
#[derive(Debug, Clone, Copy)]
enum AccountAction {
    Disable,
    Enable,
    RevokeSessions,
}

async fn act(ctx: Ctx, raw_id: &str, action: AccountAction) -> PageResult {
    let grant = ctx.grant::<perm::UserManage>().await?;
    let id = UserId(ctx.path_id(raw_id)?);
    let result = match action {
        AccountAction::Disable => ctx.state.app.set_user_disabled(&grant, id, true).await.map(|()| "disabled"),
        AccountAction::Enable => ctx.state.app.set_user_disabled(&grant, id, false).await.map(|()| "enabled"),
        AccountAction::RevokeSessions => ctx.state.app.revoke_user_sessions(&grant, id).await.map(|_| "revoked"),
    };
    match result {
        Ok(done) => Ok(Redirect::to(&format!("/admin/users?done={done}")).into_response()),
        Err(AppError::Conflict(detail)) => {
            let notice = Notice { kind: "error", title: "Not done".to_owned(), text: sentence(&detail) };
            let page = render(&ctx, &grant, Some(notice), user_fields(&NewUserForm::default()), Vec::new()).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(other) => Err(ctx.fail(other)),
    }
}

/// `POST /admin/users/{id}/disable`.
pub(crate) async fn disable(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    act(ctx, &id, AccountAction::Disable).await
}

/// `POST /admin/users/{id}/enable`.
pub(crate) async fn enable(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    act(ctx, &id, AccountAction::Enable).await
}

/// `POST /admin/users/{id}/revoke-sessions`.
pub(crate) async fn revoke_sessions(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    act(ctx, &id, AccountAction::RevokeSessions).await
}
