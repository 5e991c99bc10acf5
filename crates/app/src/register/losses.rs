//! Loss and theft reports and their DEA deadlines (REFERENCE §7.8).

use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::ids::LossReportId;
use ketaclinic_domain::register::loss::{LossReport, LossTask, TaskDone};
use ketaclinic_domain::{FieldError, ValidationErrors};

use super::register_event;
use crate::App;
use crate::error::AppResult;
use crate::permissions::Granted;
use crate::permissions::perm::{InventoryManage, InventoryRead};

impl App {
    /// Loss and theft reports, newest discovery first.
    pub async fn loss_reports(&self, _grant: &Granted<InventoryRead>) -> AppResult<Vec<LossReport>> {
        Ok(self.store.loss_reports().await?)
    }

    /// Marks one deadline of a report done, with the confirmation or reference (the written
    /// notice's, or the Form 106 submission's).
    pub async fn complete_loss_task(&self, grant: &Granted<InventoryManage>, id: LossReportId, task: &str, reference: &str) -> AppResult<()> {
        let mut errors = ValidationErrors::default();
        let task = LossTask::parse(task);
        if task.is_none() {
            errors.0.push(FieldError::new("task", "must be notify_dea or form_106"));
        }
        let reference = reference.trim().to_owned();
        if reference.is_empty() || reference.chars().count() > 200 {
            errors.0.push(FieldError::new("reference", "is required: the notice's or submission's reference (at most 200 characters)"));
        }
        let (Some(task), true) = (task, errors.0.is_empty()) else { return Err(errors.into()) };
        let actor = grant.actor();
        let done = TaskDone { at: self.now(), by: actor.user_id, reference };
        let audit = register_event(self, actor, AuditAction::InventoryLossTaskDone, ("LossReport", id.to_string()), task.as_str().to_owned());
        self.store.complete_loss_task(id, task, &done, audit).await?;
        Ok(())
    }
}
