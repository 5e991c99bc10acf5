//! `GET /worklist`: what the clinical team should do next — questionnaires due or overdue
//! (per the treatment-event schedule) and booster reviews proposed after a relapse, with a
//! form for the prescriber to close each review.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use ketaclinic_app::AppError;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ids::TaskId;
use ketaclinic_domain::instruments;
use serde::Deserialize;

use super::forms::PageForm;
use super::{Ctx, Layout, PageResult, Section};

/// One due questionnaire.
pub(crate) struct DueRow {
    pub instrument: &'static str,
    pub reason: &'static str,
    pub due: String,
    pub overdue: bool,
}

/// A patient's due list.
pub(crate) struct PatientRow {
    pub id: String,
    pub name: String,
    pub mrn: String,
    pub items: Vec<DueRow>,
}

/// A task.
pub(crate) struct TaskRow {
    pub id: String,
    pub patient_id: String,
    pub detail: String,
    pub created: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "worklist.html")]
struct Page {
    layout: Layout,
    patients: Vec<PatientRow>,
    tasks: Vec<TaskRow>,
    can_close: bool,
    error: Option<String>,
}

/// What the close form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CloseForm {
    outcome: String,
    note: String,
}

pub(crate) fn due_rows(ctx: &Ctx, items: Vec<ketaclinic_domain::schedule::DueItem>) -> Vec<DueRow> {
    items
        .into_iter()
        .map(|i| DueRow {
            instrument: instruments::get(i.instrument).map_or(i.instrument, |d| d.name),
            reason: i.reason,
            due: ctx.time(i.due_at),
            overdue: i.overdue,
        })
        .collect()
}

async fn page(ctx: &Ctx, error: Option<String>) -> Result<Page, axum::response::Response> {
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    let due = ctx.state.app.clinic_due_list(&grant).await.map_err(|e| ctx.fail(e))?;
    let tasks = ctx.state.app.tasks(&grant, true).await.map_err(|e| ctx.fail(e))?;
    let mut task_rows = Vec::new();
    for t in tasks {
        task_rows.push(TaskRow { id: t.id.to_string(), patient_id: t.patient_id.to_string(), detail: t.detail, created: ctx.time(t.created_at) });
    }
    Ok(Page {
        layout: ctx.layout("Worklist", Section::Worklist),
        patients: due
            .into_iter()
            .map(|p| PatientRow {
                id: p.patient.id.to_string(),
                name: p.patient.display_name(),
                mrn: p.patient.mrn.as_str().to_owned(),
                items: due_rows(ctx, p.items),
            })
            .collect(),
        tasks: task_rows,
        can_close: ctx.can(ketaclinic_app::Permission::TaskClose),
        error,
    })
}

/// `GET /worklist`.
pub(crate) async fn show(ctx: Ctx) -> PageResult {
    Ok(page(&ctx, None).await?.into_response())
}

/// `POST /tasks/{id}/close`: back to the worklist, or the worklist with the refusal (422).
pub(crate) async fn close(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<CloseForm>) -> PageResult {
    let grant = ctx.grant::<perm::TaskClose>().await?;
    let id = TaskId(ctx.path_id(&id)?);
    match ctx.state.app.close_task(&grant, id, &form.outcome, Some(&form.note)).await {
        Ok(_) => Ok(Redirect::to("/worklist?closed=1").into_response()),
        Err(AppError::Invalid(e)) => {
            let text = e.0.iter().map(|f| super::sentence(&format!("{}: {}", f.field, f.message))).collect::<Vec<_>>().join(" ");
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page(&ctx, Some(text)).await?).into_response())
        }
        Err(other) => Err(ctx.fail(other)),
    }
}
