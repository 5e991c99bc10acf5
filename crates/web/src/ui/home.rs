//! The start page: who is signed in, the open safety alerts (for the clinical team and the
//! admin), and the quick links their role may use.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Response};
use ketaclinic_app::Permission;
use ketaclinic_app::permissions::perm;

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
    alerts: Option<AlertCard>,
}

/// The safety-alert card: open and escalated counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AlertCard {
    pub open: usize,
    pub escalated: usize,
}

impl AlertCard {
    /// `2 open safety alerts (1 escalated)`, or `No open safety alerts`.
    pub fn title(&self) -> String {
        match self.open {
            0 => "No open safety alerts".to_owned(),
            1 => format!("1 open safety alert ({} escalated)", self.escalated),
            n => format!("{n} open safety alerts ({} escalated)", self.escalated),
        }
    }
}

/// `GET /`.
pub(crate) async fn show(ctx: Ctx) -> Response {
    let alerts = if ctx.can(Permission::AlertRead) {
        let counted = match ctx.grant::<perm::AlertRead>().await {
            Ok(grant) => ctx.state.app.alert_counts(&grant).await.map_err(|e| ctx.fail(e)),
            Err(page) => Err(page),
        };
        match counted {
            Ok(counts) => Some(AlertCard { open: counts.open, escalated: counts.escalated }),
            Err(page) => return page,
        }
    } else {
        None
    };
    let mut layout = ctx.layout("Home", Section::Home);
    if let Some(card) = alerts {
        layout = layout.with_alert_count(card.open, card.escalated);
    }
    let hour = ctx.state.app.now().to_zoned(ctx.state.app.settings().timezone.clone()).hour();
    let greeting = match hour {
        0..=11 => "Good morning",
        12..=17 => "Good afternoon",
        _ => "Good evening",
    };
    HomePage {
        layout,
        greeting,
        name: ctx.actor.display_name.clone(),
        role: ctx.actor.role.label(),
        can_search: ctx.can(Permission::PatientRead),
        can_register: ctx.can(Permission::PatientRegister),
        can_audit: ctx.can(Permission::AuditRead),
        can_manage_users: ctx.can(Permission::UserManage),
        alerts,
    }
    .into_response()
}
