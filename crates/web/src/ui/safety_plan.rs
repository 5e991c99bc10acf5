//! The suicide safety plan (`/patients/{id}/safety-plan`, REFERENCE §10): the current plan,
//! large and clear, with its crisis lines as `tel:` links and a print stylesheet (the patient
//! takes it home), a link to its versions, and the sections both this page and the form
//! (`super::safety_plan_form`) show, titled in our own words.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use ketaclinic_app::Permission;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::safety_plan::plan_of;
use ketaclinic_domain::chart::{ChartEntry, PlanContact, SafetyPlan};
use ketaclinic_domain::ids::PatientId;
use serde::Deserialize;

use super::chart_display::Fact;
use super::forms::PageQuery;
use super::login::Notice;
use super::{Ctx, Layout, PageResult, Section};

/// How a section holds its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Lines,
    /// Rows of name, phone and note, posted as `{prefix}{n}_{name|phone|note}`.
    Rows {
        prefix: &'static str,
        row: &'static str,
        name: &'static str,
        phone_required: bool,
    },
}

/// One of the seven sections: its field in the plan, title and hint (our own words).
pub(super) struct Step {
    pub key: &'static str,
    pub title: &'static str,
    pub hint: &'static str,
    pub shape: Shape,
}

pub(super) const STEPS: [Step; 7] = [
    Step {
        key: "warning_signs",
        title: "My warning signs",
        hint: "Thoughts, feelings, situations or things I do that tell me a crisis may be starting.",
        shape: Shape::Lines,
    },
    Step {
        key: "coping_strategies",
        title: "What I can do on my own",
        hint: "Things that calm me or shift my attention without needing anyone else, e.g. a walk, music, a breathing exercise.",
        shape: Shape::Lines,
    },
    Step {
        key: "distractions",
        title: "People and places that take my mind off things",
        hint: "Someone to spend time with or somewhere to go. A phone number is optional.",
        shape: Shape::Rows { prefix: "distraction", row: "Person or place", name: "Person or place", phone_required: false },
    },
    Step {
        key: "help_contacts",
        title: "People I can ask for help",
        hint: "Family or friends I trust to call when I need support.",
        shape: Shape::Rows { prefix: "help", row: "Person", name: "Name", phone_required: true },
    },
    Step {
        key: "crisis_contacts",
        title: "Professionals and crisis services",
        hint: "Clinicians and services to call in a crisis. A new plan starts with the 988 Suicide & Crisis Lifeline and 911; short numbers such as 988 work here.",
        shape: Shape::Rows { prefix: "crisis", row: "Service", name: "Name", phone_required: true },
    },
    Step {
        key: "safe_environment",
        title: "Making my surroundings safer",
        hint: "Steps that keep means of harm out of reach, e.g. medicines held by someone else, firearms stored away from home.",
        shape: Shape::Lines,
    },
    Step { key: "reasons_for_living", title: "What I am living for", hint: "The people, plans and things that matter most to me.", shape: Shape::Lines },
];

// ---------- the plan as a page ----------

/// One entry of a section as the page shows it.
#[derive(Debug, Clone)]
pub(crate) struct LineView {
    pub text: String,
    /// The number as shown; empty when none.
    pub phone: String,
    /// The `tel:` target.
    pub tel: String,
    pub note: String,
}

/// A section of the plan.
#[derive(Debug, Clone)]
pub(crate) struct StepView {
    pub number: usize,
    pub key: &'static str,
    pub title: &'static str,
    pub lines: Vec<LineView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "safety_plan.html")]
struct PlanPage {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    notice: Option<Notice>,
    /// Sections 1–7; empty when there is no plan yet.
    steps: Vec<StepView>,
    /// Services reached by a short number (988, 911): shown on top in large type.
    crisis_lines: Vec<LineView>,
    made_with: String,
    reviewed_on: String,
    saved: String,
    entry_id: String,
    can_write: bool,
}

/// A phone as people read it: North American numbers grouped, others as stored.
pub(super) fn shown_phone(phone: &str) -> String {
    match phone.strip_prefix("+1") {
        Some(n) if n.len() == 10 => format!("+1 {}-{}-{}", &n[..3], &n[3..6], &n[6..]),
        _ => phone.to_owned(),
    }
}

fn contact_line(c: &PlanContact) -> LineView {
    let phone = c.phone.clone().unwrap_or_default();
    LineView { text: c.name.clone(), phone: shown_phone(&phone), tel: phone, note: c.note.clone().unwrap_or_default() }
}

fn text_line(text: &str) -> LineView {
    LineView { text: text.to_owned(), phone: String::new(), tel: String::new(), note: String::new() }
}

pub(super) fn lines_of<'a>(plan: &'a SafetyPlan, key: &str) -> &'a [String] {
    match key {
        "warning_signs" => &plan.warning_signs,
        "coping_strategies" => &plan.coping_strategies,
        "safe_environment" => &plan.safe_environment,
        "reasons_for_living" => &plan.reasons_for_living,
        _ => &[],
    }
}

pub(super) fn rows_of<'a>(plan: &'a SafetyPlan, key: &str) -> &'a [PlanContact] {
    match key {
        "distractions" => &plan.distractions,
        "help_contacts" => &plan.help_contacts,
        "crisis_contacts" => &plan.crisis_contacts,
        _ => &[],
    }
}

fn step_views(plan: &SafetyPlan) -> Vec<StepView> {
    STEPS
        .iter()
        .enumerate()
        .map(|(i, s)| StepView {
            number: i + 1,
            key: s.key,
            title: s.title,
            lines: match s.shape {
                Shape::Lines => lines_of(plan, s.key).iter().map(|l| text_line(l)).collect(),
                Shape::Rows { .. } => rows_of(plan, s.key).iter().map(contact_line).collect(),
            },
        })
        .collect()
}

/// Every value of a plan in words, section by section (the history page compares these).
pub(crate) fn facts(body: &serde_json::Value) -> Vec<Fact> {
    let Ok(plan) = serde_json::from_value::<SafetyPlan>(body.clone()) else { return Vec::new() };
    let mut out: Vec<Fact> = step_views(&plan)
        .into_iter()
        .zip(STEPS.iter())
        .map(|(v, s)| {
            let value = v
                .lines
                .iter()
                .map(|l| {
                    let extra: Vec<&str> = [l.phone.as_str(), l.note.as_str()].into_iter().filter(|t| !t.is_empty()).collect();
                    if extra.is_empty() { l.text.clone() } else { format!("{} ({})", l.text, extra.join(", ")) }
                })
                .collect::<Vec<_>>()
                .join("; ");
            Fact { label: s.title, value, tel: false }
        })
        .collect();
    out.push(Fact { label: "Made with", value: plan.made_with.unwrap_or_default(), tel: false });
    out.push(Fact { label: "Reviewed on", value: plan.reviewed_on.map(|d| d.to_string()).unwrap_or_default(), tel: false });
    out
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PlanQuery {
    done: String,
}

pub(super) async fn patient_name(ctx: &Ctx, id: PatientId) -> Result<String, Response> {
    let read = ctx.grant::<perm::PatientRead>().await?;
    let patient = ctx.state.app.patient(&read, id).await.map_err(|e| ctx.fail(e))?;
    Ok(format!("{} {}", patient.details.given_name.as_str(), patient.details.family_name.as_str()))
}

/// The patient's current plan (the read is audited).
pub(super) async fn current(ctx: &Ctx, id: PatientId) -> Result<Option<ChartEntry>, Response> {
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    ctx.state.app.safety_plan(&grant, id).await.map_err(|e| ctx.fail(e))
}

/// `GET /patients/{id}/safety-plan`: the plan, ready to print.
pub(crate) async fn show(ctx: Ctx, Path(raw): Path<String>, PageQuery(query): PageQuery<PlanQuery>) -> PageResult {
    ctx.grant::<perm::ClinicalRead>().await?;
    let id = PatientId(ctx.path_id(&raw)?);
    let name = patient_name(&ctx, id).await?;
    let entry = current(&ctx, id).await?;
    let plan = entry.as_ref().and_then(plan_of);
    let shown = plan.cloned().unwrap_or_default();
    let crisis_lines = shown.crisis_contacts.iter().filter(|c| c.phone.as_deref().is_some_and(|p| !p.starts_with('+'))).map(contact_line).collect();
    let notice = (query.done == "saved").then(|| Notice {
        kind: "success",
        title: "Safety plan saved".to_owned(),
        text: "Saved as a new version; earlier versions are in the history.".to_owned(),
    });
    let page = PlanPage {
        layout: ctx.layout(format!("Safety plan — {name}"), Section::Patients),
        patient_id: id.to_string(),
        patient_name: name,
        notice,
        steps: if plan.is_some() { step_views(&shown) } else { Vec::new() },
        crisis_lines,
        made_with: plan.and_then(|p| p.made_with.clone()).unwrap_or_default(),
        reviewed_on: plan.and_then(|p| p.reviewed_on).map(|d| d.to_string()).unwrap_or_default(),
        saved: entry.as_ref().map(|e| format!("Version {} · saved {}", e.version.0, ctx.time(e.recorded_at))).unwrap_or_default(),
        entry_id: entry.as_ref().map(|e| e.id.to_string()).unwrap_or_default(),
        can_write: ctx.can(Permission::SafetyPlanWrite),
    };
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_read_grouped_and_history_lists_every_section() {
        assert_eq!(shown_phone("+12125550143"), "+1 212-555-0143");
        assert_eq!(shown_phone("988"), "988");
        let plan = SafetyPlan { warning_signs: vec!["Not sleeping".to_owned()], ..SafetyPlan::default() };
        let facts = facts(&serde_json::to_value(&plan).unwrap());
        assert_eq!(facts.len(), STEPS.len() + 2);
        assert_eq!(facts[0].value, "Not sleeping");
        assert!(facts[4].value.starts_with("988 Suicide & Crisis Lifeline (988, "), "{}", facts[4].value);
    }
}
