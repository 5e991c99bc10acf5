//! What `templates/base.html` needs: the clinic's name, asset URLs, the signed-in member of
//! staff, their CSRF token, and the navigation their role may use.

use ketaclinic_app::permissions::allows;
use ketaclinic_app::{Actor, Permission};

use crate::assets::Assets;
use crate::state::AppState;

/// Which navigation entry a page belongs to (marked `aria-current`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Home,
    Alerts,
    Enquiries,
    Patients,
    Register,
    Outcomes,
    Worklist,
    Board,
    RemsForms,
    /// The controlled-substance register (not `Register`, which is "Register patient").
    Substances,
    Dosing,
    ConsentTemplates,
    Audit,
    Users,
    Account,
    None,
}

/// One entry of the main navigation.
#[derive(Debug, Clone)]
pub(crate) struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
    /// A count after the label (open safety alerts); empty for none.
    pub count: String,
    /// What the count means, for screen readers (`open, 1 escalated`).
    pub count_text: String,
    /// Show the count red (an escalated alert).
    pub alarm: bool,
}

/// The signed-in member of staff, as the header shows them.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    pub name: String,
    pub role: &'static str,
    pub account_current: bool,
}

/// The frame of every page.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub clinic: String,
    pub title: String,
    pub css_url: String,
    pub htmx_url: String,
    pub js_url: String,
    pub icon_url: String,
    pub user: Option<SignedIn>,
    /// The session's CSRF token; empty when nobody is signed in.
    pub csrf: String,
    pub nav: Vec<NavLink>,
}

/// The navigation, in order, with the permission each entry needs (`None`: everyone).
const NAV: [(&str, &str, Option<Permission>, Section); 14] = [
    ("/", "Home", None, Section::Home),
    ("/alerts", "Alerts", Some(Permission::AlertRead), Section::Alerts),
    ("/enquiries", "Enquiries", Some(Permission::EnquiryManage), Section::Enquiries),
    ("/patients", "Patients", Some(Permission::PatientRead), Section::Patients),
    ("/patients/new", "Register patient", Some(Permission::PatientRegister), Section::Register),
    ("/board", "Chair board", Some(Permission::ClinicalRead), Section::Board),
    ("/worklist", "Worklist", Some(Permission::ClinicalRead), Section::Worklist),
    ("/rems-forms", "REMS forms", Some(Permission::ClinicalRead), Section::RemsForms),
    ("/register", "Controlled substances", Some(Permission::InventoryRead), Section::Substances),
    ("/outcomes", "Outcomes", Some(Permission::DashboardRead), Section::Outcomes),
    ("/dosing", "Dose calculator", None, Section::Dosing),
    ("/consent-templates", "Consent texts", Some(Permission::ConsentTemplateManage), Section::ConsentTemplates),
    ("/audit", "Audit log", Some(Permission::AuditRead), Section::Audit),
    ("/admin/users", "Staff accounts", Some(Permission::UserManage), Section::Users),
];

impl Layout {
    /// A page without a signed-in user (login, error pages from outside a session).
    pub fn bare(assets: &Assets, clinic: &str, title: &str) -> Self {
        Self {
            clinic: clinic.to_owned(),
            title: title.to_owned(),
            css_url: assets.url("app.css").to_owned(),
            htmx_url: assets.url("htmx.min.js").to_owned(),
            js_url: assets.url("app.js").to_owned(),
            icon_url: assets.url("favicon.svg").to_owned(),
            user: None,
            csrf: String::new(),
            nav: Vec::new(),
        }
    }

    /// A page for `actor`: navigation limited to what the role may use.
    pub fn for_actor(state: &AppState, actor: &Actor, title: String, section: Section) -> Self {
        let nav = NAV
            .iter()
            .filter(|(_, _, permission, _)| permission.is_none_or(|p| allows(actor.role, p)))
            .map(|&(href, label, _, s)| NavLink { href, label, current: s == section, count: String::new(), count_text: String::new(), alarm: false })
            .collect();
        Self {
            user: Some(SignedIn { name: actor.display_name.clone(), role: actor.role.label(), account_current: section == Section::Account }),
            csrf: actor.csrf_token.clone().unwrap_or_default(),
            nav,
            ..Self::bare(&state.assets, &state.web.clinic_name, &title)
        }
    }

    /// Shows the number of open safety alerts next to the Alerts link (pages that have loaded
    /// the alerts anyway: counting them on every page would audit every page view).
    pub fn with_alert_count(mut self, open: usize, escalated: usize) -> Self {
        if let Some(link) = self.nav.iter_mut().find(|l| l.href == "/alerts") {
            link.count = open.to_string();
            link.count_text = if escalated > 0 { format!(" open, {escalated} escalated") } else { " open".to_owned() };
            link.alarm = escalated > 0;
        }
        self
    }

    /// The login page's frame: the clinic's name, no navigation.
    pub fn anonymous(state: &AppState, title: &str) -> Self {
        Self::bare(&state.assets, &state.web.clinic_name, title)
    }
}
