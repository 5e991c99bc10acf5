//! The start page: who is signed in, and the quick links their role may use.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Response};
use ketaclinic_app::Permission;

use super::{Ctx, Layout, Section};

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    greeting: &'static str,
    name: String,
    role: &'static str,
    can_search: bool,
    can_register: bool,
    can_audit: bool,
    can_manage_users: bool,
}

/// `GET /`.
pub(crate) async fn show(ctx: Ctx) -> Response {
    let hour = ctx.state.app.now().to_zoned(ctx.state.app.settings().timezone.clone()).hour();
    let greeting = match hour {
        0..=11 => "Good morning",
        12..=17 => "Good afternoon",
        _ => "Good evening",
    };
    HomePage {
        layout: ctx.layout("Home", Section::Home),
        greeting,
        name: ctx.actor.display_name.clone(),
        role: ctx.actor.role.label(),
        can_search: ctx.can(Permission::PatientRead),
        can_register: ctx.can(Permission::PatientRegister),
        can_audit: ctx.can(Permission::AuditRead),
        can_manage_users: ctx.can(Permission::UserManage),
    }
    .into_response()
}
