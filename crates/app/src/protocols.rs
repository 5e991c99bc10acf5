//! The clinic's treatment protocols (issue 5, item 1): the current version per modality, the
//! history of versions, and revising one (a new version with a reason).
//!
//! A modality never revised runs on **version 0**, the built-in defaults of
//! [`ProtocolBody::defaults`], with the two values the configuration already carried before
//! protocols existed laid over them — the session thresholds ([`Settings::session_thresholds`])
//! and `[sessions] pre_session_phq9` — so a clinic's configuration keeps meaning what it meant.
//! Once revised, the stored version is the protocol and the configuration no longer applies.
//!
//! Protocols hold no patient data, so reading them needs only a sign-in and is not audited;
//! revising needs `protocol.manage` and is audited with the version and modality.
//!
//! [`Settings::session_thresholds`]: crate::Settings::session_thresholds

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::course::{Protocol, ProtocolBody};
use ketaclinic_domain::eligibility::Modality;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::ProtocolManage;

impl App {
    /// Version 0 of `modality`: the built-in defaults with the configured thresholds and
    /// pre-session PHQ-9 setting.
    fn built_in_protocol(&self, modality: Modality) -> Protocol {
        let mut protocol = Protocol::built_in(modality);
        protocol.body.thresholds = self.settings.session_thresholds;
        protocol.body.prechecks.pre_session_phq9 = self.settings.pre_session_phq9;
        protocol
    }

    /// The current protocol of `modality`: its newest stored version, or version 0.
    pub async fn protocol(&self, modality: Modality) -> AppResult<Protocol> {
        let stored = self.store.protocol_versions(modality).await?;
        Ok(stored.into_iter().last().unwrap_or_else(|| self.built_in_protocol(modality)))
    }

    /// The protocol version a session ran under (version 0: the built-in defaults).
    pub(crate) async fn session_protocol(&self, session: &ketaclinic_domain::session::Session) -> AppResult<Protocol> {
        if session.protocol_version == 0 {
            return Ok(self.built_in_protocol(session.modality));
        }
        let stored = self.store.protocol_versions(session.modality).await?;
        stored.into_iter().find(|p| p.version == session.protocol_version).ok_or_else(|| {
            AppError::Unavailable(format!("protocol {} version {} of session {} is missing", session.modality.as_str(), session.protocol_version, session.id))
        })
    }

    /// The current protocol of every modality, in [`Modality::ALL`] order.
    pub async fn protocols(&self) -> AppResult<Vec<Protocol>> {
        let stored = self.store.current_protocols().await?;
        Ok(Modality::ALL.into_iter().map(|m| stored.iter().find(|p| p.modality == m).cloned().unwrap_or_else(|| self.built_in_protocol(m))).collect())
    }

    /// Every version of `modality`'s protocol, oldest first, starting with version 0 (what the
    /// first revision replaced).
    pub async fn protocol_history(&self, modality: Modality) -> AppResult<Vec<Protocol>> {
        let mut list = vec![self.built_in_protocol(modality)];
        list.extend(self.store.protocol_versions(modality).await?);
        Ok(list)
    }

    /// Writes the next version of `modality`'s protocol. The body is checked for the modality
    /// (esketamine stays inside the label) and the reason is required; every refused field is
    /// reported at once. Two revisions racing for the same version: the second is a conflict.
    pub async fn revise_protocol(&self, grant: &Granted<ProtocolManage>, modality: Modality, body: ProtocolBody, reason: &str) -> AppResult<Protocol> {
        let current = self.protocol(modality).await?;
        let next = current.revise(body, reason, grant.actor().user_id, self.now()).map_err(AppError::Invalid)?;
        let mut event = grant.actor().event(self, AuditAction::ProtocolRevised, AuditOutcome::Success);
        event.resource_type = Some("Protocol".to_owned());
        event.resource_id = Some(format!("{}/{}", modality.as_str(), next.version));
        event.detail = Some(format!("version {}", next.version));
        self.store.insert_protocol(&next, event).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict("the protocol was revised meanwhile; reload it and try again".to_owned()),
            other => other,
        })?;
        Ok(next)
    }
}

/// Parses a modality named in a path: an unknown one names no protocol (404).
pub fn modality_in_path(raw: &str) -> AppResult<Modality> {
    Modality::parse(raw).map_err(|_| AppError::NotFound)
}

/// Parses a modality named in a body (422 naming the field).
pub fn modality_field(raw: &str) -> AppResult<Modality> {
    Modality::parse(raw).map_err(|e| AppError::Invalid(ValidationErrors::from(e)))
}
