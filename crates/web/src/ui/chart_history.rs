//! The history of one chart entry (`/chart-entries/{id}/history`): every version, newest
//! first, with who, when and why, and what changed from the version before.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::IntoResponse;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ids::ChartEntryId;
use ketaclinic_domain::record::RecordStatus;

use super::chart_display::{Fact, shown, snapshot};
use super::chart_forms::kind_text;
use super::{Ctx, Layout, PageResult, Section};

/// One changed value between two versions.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub label: &'static str,
    pub before: String,
    pub after: String,
}

/// A version as the history page shows it.
#[derive(Debug, Clone)]
pub(crate) struct VersionView {
    pub version: u32,
    pub at: String,
    pub by: String,
    pub reason: String,
    pub status: &'static str,
    pub first: bool,
    pub changes: Vec<Change>,
}

#[derive(Template, WebTemplate)]
#[template(path = "chart_history.html")]
struct HistoryPage {
    layout: Layout,
    patient_id: String,
    kind: &'static str,
    noun: &'static str,
    title: String,
    versions: Vec<VersionView>,
}

fn changes(before: Option<&[Fact]>, after: &[Fact]) -> Vec<Change> {
    match before {
        None => after.iter().filter(|f| !f.value.is_empty()).map(|f| Change { label: f.label, before: String::new(), after: f.value.clone() }).collect(),
        Some(before) => before
            .iter()
            .zip(after)
            .filter(|(old, new)| old.value != new.value)
            .map(|(old, new)| Change { label: new.label, before: old.value.clone(), after: new.value.clone() })
            .collect(),
    }
}

/// `GET /chart-entries/{id}/history`: every version, newest first, with who, when and why.
pub(crate) async fn history(ctx: Ctx, Path(raw): Path<String>) -> PageResult {
    ctx.grant::<perm::PatientRead>().await?;
    let id = ChartEntryId(ctx.path_id(&raw)?);
    let versions = ctx.state.app.chart_entry_history(&ctx.actor, id).await.map_err(|e| ctx.fail(e))?;
    let Some(last) = versions.last() else { return Err(ctx.not_found()) };
    let kind = last.kind();
    let mut views = Vec::with_capacity(versions.len());
    let mut previous: Option<Vec<Fact>> = None;
    for v in &versions {
        let facts = snapshot(kind, &v.body.to_json());
        views.push(VersionView {
            version: v.version.0,
            at: ctx.time(v.recorded_at),
            by: if v.recorded_by == ctx.actor.user_id { "you".to_owned() } else { format!("staff account {}", v.recorded_by) },
            reason: v.reason.as_ref().map(|r| r.as_str().to_owned()).unwrap_or_default(),
            status: if v.status == RecordStatus::EnteredInError { "Entered in error" } else { "Active" },
            first: previous.is_none(),
            changes: changes(previous.as_deref(), &facts),
        });
        previous = Some(facts);
    }
    views.reverse();
    let (_, noun, _) = kind_text(kind);
    let title = shown(kind, &last.body.to_json()).title;
    let page = HistoryPage {
        layout: ctx.layout(format!("History of {noun} {title}"), Section::Patients),
        patient_id: last.patient_id.map(|p| p.to_string()).unwrap_or_default(),
        kind: kind.as_str(),
        noun,
        title,
        versions: views,
    };
    Ok(page.into_response())
}
