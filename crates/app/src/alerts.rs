//! Safety alerts: raised by assessments, seen by the clinical team, acknowledged by a
//! prescriber with a documented action, escalated when nobody acknowledges in time.

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::alert::{Acknowledgement, Alert, AlertAction};
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::AlertId;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::patients::PAGE_MAX;
use crate::permissions::Granted;
use crate::permissions::perm::{AlertAcknowledge, AlertRead};

/// An alert as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertView {
    pub alert: Alert,
    /// Unacknowledged past the clinic's escalation time.
    pub escalated: bool,
}

/// How many alerts are open, and how many of those are escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertCounts {
    pub open: usize,
    pub escalated: usize,
}

/// Most open alerts counted; a clinic with more has a bigger problem than the number.
const COUNT_LIMIT: u32 = 1000;

impl App {
    /// Counts of open and escalated alerts for dashboards. Not audited: the numbers name no
    /// patient, and a home page shown many times a day must not fill the audit log.
    pub async fn alert_counts(&self, _grant: &Granted<AlertRead>) -> AppResult<AlertCounts> {
        let open = self.store.alerts(true, COUNT_LIMIT).await?;
        let now = self.now();
        let escalated = open.iter().filter(|a| a.escalated(now, self.settings.alert_escalation)).count();
        Ok(AlertCounts { open: open.len(), escalated })
    }

    /// Alerts newest first (open ones only unless `include_acknowledged`). Each patient named
    /// in the list gets an audit event: the list reveals who is at risk.
    pub async fn alerts(&self, grant: &Granted<AlertRead>, include_acknowledged: bool) -> AppResult<Vec<AlertView>> {
        let alerts = self.store.alerts(!include_acknowledged, PAGE_MAX).await?;
        let now = self.now();
        let mut patients: Vec<_> = alerts.iter().map(|a| a.patient_id).collect();
        patients.sort();
        patients.dedup();
        let events = if patients.is_empty() {
            vec![grant.actor().event(self, AuditAction::AlertsRead, AuditOutcome::Success)]
        } else {
            patients.into_iter().map(|p| grant.actor().patient_event(self, AuditAction::AlertsRead, AuditOutcome::Success, p)).collect()
        };
        self.store.append_audit(events).await?;
        let after = self.settings.alert_escalation;
        Ok(alerts.into_iter().map(|alert| AlertView { escalated: alert.escalated(now, after), alert }).collect())
    }

    /// Acknowledges an alert with what was done; an alert is acknowledged once.
    pub async fn acknowledge_alert(&self, grant: &Granted<AlertAcknowledge>, id: AlertId, action: &str, note: Option<&str>) -> AppResult<Alert> {
        let mut errors = ValidationErrors::default();
        let action = errors.collect("action", AlertAction::parse(action));
        errors.clone().into_result()?;
        let Some(action) = action else { return Err(errors.into()) };
        let ack = Acknowledgement::new(self.now(), grant.actor().user_id, action, note).map_err(ValidationErrors::from)?;
        let mut alert = self.store.alert(id).await?.ok_or(AppError::NotFound)?;
        let mut event = grant.actor().patient_event(self, AuditAction::AlertAcknowledged, AuditOutcome::Success, alert.patient_id);
        event.resource_type = Some("Alert".to_owned());
        event.resource_id = Some(id.to_string());
        event.detail = Some(action.as_str().to_owned());
        self.store.acknowledge_alert(id, &ack, event).await?;
        alert.acknowledgement = Some(ack);
        Ok(alert)
    }
}
