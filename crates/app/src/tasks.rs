//! Tasks the system proposes to the care team. After a relapse (two consecutive assessments
//! without response after response — [`ketaclinic_domain::outcome`]) the prescriber is asked to
//! review a booster (REFERENCE §1.4). The task is proposed right after the assessment that
//! shows the relapse is stored; one task per triggering assessment (storage refuses a second).

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::assessment::Assessment;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::{TaskId, UserId};
use ketaclinic_domain::instruments;
use ketaclinic_domain::outcome::{Point, PointState, outcome};
use ketaclinic_domain::task::{Task, TaskClosure, TaskKind, TaskOutcome};

use crate::App;
use crate::actor::anonymous_event;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{ClinicalRead, TaskClose};

/// Longest note on a closed task.
const NOTE_MAX: usize = 2_000;

impl App {
    /// Proposes a booster review when `assessment` is the point at which the patient's series
    /// of its instrument turned into a relapse. A failure here is logged, not returned: the
    /// assessment itself is stored and must not be re-sent.
    pub(crate) async fn propose_booster_if_relapsed(&self, assessment: &Assessment, by: Option<UserId>) {
        if let Err(e) = self.try_propose_booster(assessment, by).await {
            tracing::warn!(error = %e, assessment = %assessment.id, "could not propose a booster review");
        }
    }

    async fn try_propose_booster(&self, assessment: &Assessment, by: Option<UserId>) -> AppResult<()> {
        let Some(remission) = self.settings.remission.for_instrument(&assessment.instrument) else { return Ok(()) };
        let list = self.standing_assessments(assessment.patient_id, Some(&assessment.instrument)).await?;
        let points: Vec<Point> = list.iter().filter_map(|a| a.score.total.map(|total| Point { at: a.administered_at, total })).collect();
        let series = outcome(&points, Some(remission)).series;
        let Some(i) = list.iter().position(|a| a.id == assessment.id) else { return Ok(()) };
        let now_relapse = series.get(i).is_some_and(|p| p.state == PointState::Relapse);
        let before_relapse = i > 0 && series.get(i - 1).is_some_and(|p| p.state == PointState::Relapse);
        if !now_relapse || before_relapse {
            return Ok(());
        }
        let name = instruments::get(&assessment.instrument).map_or(assessment.instrument.as_str(), |d| d.name);
        let baseline = points.first().map_or(0, |p| p.total);
        let recent: Vec<String> = points.iter().take(i + 1).rev().take(2).rev().map(|p| p.total.to_string()).collect();
        let task = Task {
            id: TaskId(new_id()),
            patient_id: assessment.patient_id,
            kind: TaskKind::BoosterReview,
            detail: format!("{name} relapse after response: {} (baseline {baseline}) — consider a booster", recent.join(" then ")),
            source_assessment: assessment.id,
            created_at: self.now(),
            closure: None,
        };
        let mut event =
            anonymous_event(self, "ketaclinic (outcome rules)", &crate::ClientInfo::new(None, None), AuditAction::TaskCreated, AuditOutcome::Success);
        event.actor_id = by;
        event.patient_id = Some(task.patient_id);
        event.resource_type = Some("Task".to_owned());
        event.resource_id = Some(task.id.to_string());
        event.detail = Some(task.kind.as_str().to_owned());
        match self.store.insert_task(&task, event).await {
            Ok(()) | Err(ketaclinic_store::StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Tasks, newest first (open ones only when asked). The list names patients, so it is an
    /// audited clinical read.
    pub async fn tasks(&self, grant: &Granted<ClinicalRead>, open_only: bool) -> AppResult<Vec<Task>> {
        let list = self.store.tasks(None, open_only, 200).await?;
        let mut event = grant.actor().event(self, AuditAction::AssessmentsRead, AuditOutcome::Success);
        event.resource_type = Some("Task".to_owned());
        event.detail = Some(format!("{} tasks", list.len()));
        self.store.append_audit(vec![event]).await?;
        Ok(list)
    }

    /// Closes a task with an outcome and (for `declined`, required) a note.
    pub async fn close_task(&self, grant: &Granted<TaskClose>, id: TaskId, outcome: &str, note: Option<&str>) -> AppResult<Task> {
        let mut errors = ValidationErrors::default();
        let outcome = errors.collect("outcome", TaskOutcome::parse(outcome));
        let note = note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        if note.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX) {
            errors.0.push(ketaclinic_domain::FieldError::new("note", format!("must be at most {NOTE_MAX} characters")));
        }
        if outcome == Some(TaskOutcome::Declined) && note.is_none() {
            errors.0.push(ketaclinic_domain::FieldError::new("note", "say why no booster is needed"));
        }
        errors.clone().into_result()?;
        let Some(outcome) = outcome else { return Err(errors.into()) };
        let task = self.store.task(id).await?.ok_or(AppError::NotFound)?;
        let closure = TaskClosure { outcome, note, by: grant.actor().user_id, at: self.now() };
        let mut event = grant.actor().patient_event(self, AuditAction::TaskClosed, AuditOutcome::Success, task.patient_id);
        event.resource_type = Some("Task".to_owned());
        event.resource_id = Some(id.to_string());
        event.detail = Some(outcome.as_str().to_owned());
        self.store.close_task(id, &closure, event).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict("the task was already closed".to_owned()),
            other => other,
        })?;
        Ok(Task { closure: Some(closure), ..task })
    }
}
