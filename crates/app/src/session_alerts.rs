//! Acknowledging a session's vital-sign alert (issue 5, item 3). Alerts are stored when their
//! reading arrives ([`App::record_vitals`]); the nurse in the chair acknowledges each one, with
//! an optional note of what was done (recheck, slowed infusion, prescriber called …).
//!
//! Who may: whoever records the session (`clinical.write`, nurse and prescriber) — the alert is
//! a chairside vital sign the nurse responds to, unlike the PHQ-9 item-9 safety alerts, whose
//! acknowledgement is the prescriber's (`alert.acknowledge`).

use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::{SessionAlertId, TreatmentSessionId};
use ketaclinic_domain::session::{SessionAlert, SessionAlertAck};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::ClinicalWrite;

impl App {
    /// Acknowledges alert `alert` of session `session` (404 when the session has no such
    /// alert, 409 when it was already acknowledged) and returns it as now stored.
    pub async fn acknowledge_session_alert(
        &self,
        grant: &Granted<ClinicalWrite>,
        session: TreatmentSessionId,
        alert: SessionAlertId,
        note: Option<&str>,
    ) -> AppResult<SessionAlert> {
        let note = crate::chart::optional_note("note", note)?;
        let s = self.store.treatment_session(session).await?.ok_or(AppError::NotFound)?;
        let ack = SessionAlertAck { by: grant.actor().user_id, at: self.now(), note };
        let mut audit = grant.actor().patient_event(self, AuditAction::SessionAlertAcknowledged, AuditOutcome::Success, s.patient_id);
        audit.resource_type = Some("Session".to_owned());
        audit.resource_id = Some(session.to_string());
        audit.detail = Some(format!("alert {alert}"));
        self.store.acknowledge_session_alert(session, alert, &ack, audit).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict("the alert was already acknowledged".to_owned()),
            other => other,
        })?;
        self.publish_session_change(session);
        let stored = self.store.session_alerts(session).await?.into_iter().find(|a| a.id == alert).ok_or(AppError::NotFound)?;
        Ok(stored)
    }
}
