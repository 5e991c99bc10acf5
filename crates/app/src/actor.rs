//! Who is acting, from where — and the audit events that describe their actions.

use ketaclinic_domain::audit::{AuditAction, AuditEvent, AuditOutcome, USER_AGENT_MAX_CHARS};
use ketaclinic_domain::ids::{AuditEventId, PatientId, SessionId, TokenId, UserId};
use ketaclinic_domain::staff::Role;

use crate::App;
use crate::clock::new_id;

/// Where a request came from (for the audit log).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub addr: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// A client description with the user agent cut to the stored limit.
    pub fn new(addr: Option<String>, user_agent: Option<&str>) -> Self {
        Self { addr, user_agent: user_agent.map(|ua| ua.chars().take(USER_AGENT_MAX_CHARS).collect()) }
    }
}

/// How the actor proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    /// A browser session (cookie); state-changing requests must carry its CSRF token.
    Session { id: SessionId },
    /// An API bearer token (machines).
    Token { id: TokenId },
    /// The command line on the server itself (operator).
    Console,
    /// A device feed (the HL7 v2 monitor listener) acting as its configured staff account: the
    /// account is recorded in the audit log, the monitor's address as the client.
    Device,
}

/// An authenticated member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub via: AuthVia,
    /// The session's CSRF token (browser sessions only).
    pub csrf_token: Option<String>,
    pub client: ClientInfo,
}

impl Actor {
    /// An audit event by this actor, stamped with the app's clock.
    pub fn event(&self, app: &App, action: AuditAction, outcome: AuditOutcome) -> AuditEvent {
        AuditEvent {
            id: AuditEventId(new_id()),
            at: app.now(),
            actor_id: (self.via != AuthVia::Console).then_some(self.user_id),
            actor_label: self.email.clone(),
            actor_role: Some(self.role),
            action: action.as_str().to_owned(),
            resource_type: None,
            resource_id: None,
            patient_id: None,
            client_addr: self.client.addr.clone(),
            user_agent: self.client.user_agent.clone(),
            outcome,
            detail: None,
        }
    }

    /// An audit event about one patient.
    pub fn patient_event(&self, app: &App, action: AuditAction, outcome: AuditOutcome, patient: PatientId) -> AuditEvent {
        AuditEvent {
            resource_type: Some("Patient".to_owned()),
            resource_id: Some(patient.to_string()),
            patient_id: Some(patient),
            ..self.event(app, action, outcome)
        }
    }
}

/// An audit event by someone not (yet) authenticated, e.g. a failed login.
pub fn anonymous_event(app: &App, label: &str, client: &ClientInfo, action: AuditAction, outcome: AuditOutcome) -> AuditEvent {
    AuditEvent {
        id: AuditEventId(new_id()),
        at: app.now(),
        actor_id: None,
        actor_label: label.chars().take(254).collect(),
        actor_role: None,
        action: action.as_str().to_owned(),
        resource_type: None,
        resource_id: None,
        patient_id: None,
        client_addr: client.addr.clone(),
        user_agent: client.user_agent.clone(),
        outcome,
        detail: None,
    }
}
