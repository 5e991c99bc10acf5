//! The signed-in member of staff's own account: changing the password.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use ketaclinic_app::AppError;
use ketaclinic_domain::FieldError;
use serde::Deserialize;

use super::forms::{ErrorLink, Field, PageForm, PageQuery, apply_errors};
use super::login::Notice;
use super::{Ctx, Layout, PageResult, Section};

#[derive(Template, WebTemplate)]
#[template(path = "account_password.html")]
struct PasswordPage {
    layout: Layout,
    fields: Vec<Field>,
    errors: Vec<ErrorLink>,
    notice: Option<Notice>,
    email: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DoneQuery {
    done: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

fn fields() -> Vec<Field> {
    vec![
        Field::new("current_password", "Current password", "password").autocomplete("current-password"),
        Field::new("new_password", "New password", "password")
            .autocomplete("new-password")
            .hint("At least 12 characters. A few unrelated words are easy to type and hard to guess."),
        Field::new("confirm_password", "New password again", "password").autocomplete("new-password"),
    ]
}

fn page(ctx: &Ctx, fields: Vec<Field>, errors: Vec<ErrorLink>, notice: Option<Notice>) -> PasswordPage {
    let title = if errors.is_empty() { "Change your password" } else { "Change your password — check the form" };
    PasswordPage { layout: ctx.layout(title, Section::Account), fields, errors, notice, email: ctx.actor.email.clone() }
}

/// `GET /account/password`.
pub(crate) async fn form(ctx: Ctx, PageQuery(query): PageQuery<DoneQuery>) -> PageResult {
    let notice = (query.done == "changed").then(|| Notice {
        kind: "success",
        title: "Password changed".to_owned(),
        text: "Use the new password from now on. Your other sessions were signed out.".to_owned(),
    });
    Ok(page(&ctx, fields(), Vec::new(), notice).into_response())
}

/// `POST /account/password`: checks the current password and the policy; other sessions end.
pub(crate) async fn submit(ctx: Ctx, PageForm(form): PageForm<PasswordForm>) -> PageResult {
    let errors = if form.new_password != form.confirm_password {
        vec![FieldError::new("confirm_password", "does not match the new password")]
    } else {
        match ctx.state.app.change_password(&ctx.actor, &form.current_password, &form.new_password).await {
            Ok(()) => return Ok(Redirect::to("/account/password?done=changed").into_response()),
            Err(AppError::Invalid(errors)) => errors.0,
            Err(other) => return Err(ctx.fail(other)),
        }
    };
    let mut fields = fields();
    let errors = apply_errors(&mut fields, &errors);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&ctx, fields, errors, None)).into_response())
}
