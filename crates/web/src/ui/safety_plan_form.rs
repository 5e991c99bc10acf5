//! The safety plan form (`/patients/{id}/safety-plan/edit`), filled in with the patient on a
//! tablet: one textarea per list section (one line per entry) and rows of name, phone and
//! note for the people, places and services (more rows with the page script's "Add a row").
//!
//! Saving calls `App::save_safety_plan`; the first save is version 1, later saves send the
//! version the form was opened on and a reason. A refusal re-renders the form (422) with every
//! error next to its control and the text as typed; a plan saved by someone else meanwhile
//! comes back (409) with the text kept and a warning, so nothing typed is lost.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use ketaclinic_app::AppError;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::safety_plan::plan_of;
use ketaclinic_domain::FieldError;
use ketaclinic_domain::chart::safety_plan::{CONTACT_NOTE_MAX, LINE_MAX, SECTION_MAX};
use ketaclinic_domain::chart::{ChartEntry, PlanContact, SafetyPlan};
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::record::Version;

use super::chart_forms::value_of;
use super::forms::{ErrorLink, PageForm};
use super::login::Notice;
use super::safety_plan::{STEPS, Shape, current, lines_of, patient_name, rows_of};
use super::{Ctx, Layout, PageResult, Section, sentence};

/// Highest row number a form may post per section (a plan holds at most 20).
const MAX_ROWS: usize = 50;

/// One control of a people row.
#[derive(Debug, Clone)]
pub(crate) struct RowInput {
    pub id: String,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub required: bool,
    pub maxlength: usize,
}

/// One row of people, places or services.
#[derive(Debug, Clone)]
pub(crate) struct RowView {
    pub number: usize,
    pub inputs: Vec<RowInput>,
}

/// A section of the form: a textarea (`rows` empty) or rows.
#[derive(Debug, Clone)]
pub(crate) struct StepForm {
    pub number: usize,
    pub key: &'static str,
    pub title: &'static str,
    pub hint: &'static str,
    pub error: Option<String>,
    pub is_rows: bool,
    /// The textarea's lines.
    pub text: String,
    pub prefix: &'static str,
    pub row_label: &'static str,
    pub rows: Vec<RowView>,
}

/// A single control (made with, reviewed on, reason).
#[derive(Debug, Clone)]
pub(crate) struct Single {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub hint: &'static str,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "safety_plan_form.html")]
struct FormPage {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    notice: Option<Notice>,
    errors: Vec<ErrorLink>,
    steps: Vec<StepForm>,
    made_with: Single,
    reviewed_on: Single,
    /// Present when revising.
    reason: Option<Single>,
    version: String,
    line_max: usize,
    section_max: usize,
}

/// A plan as form values, named as the form posts them.
fn pairs(plan: &SafetyPlan) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in &STEPS {
        match s.shape {
            Shape::Lines => out.push((s.key.to_owned(), lines_of(plan, s.key).join("\n"))),
            Shape::Rows { prefix, .. } => {
                for (n, c) in rows_of(plan, s.key).iter().enumerate() {
                    out.push((format!("{prefix}{n}_name"), c.name.clone()));
                    out.push((format!("{prefix}{n}_phone"), c.phone.clone().unwrap_or_default()));
                    out.push((format!("{prefix}{n}_note"), c.note.clone().unwrap_or_default()));
                }
            }
        }
    }
    out.push(("made_with".to_owned(), plan.made_with.clone().unwrap_or_default()));
    out.push(("reviewed_on".to_owned(), plan.reviewed_on.map(|d| d.to_string()).unwrap_or_default()));
    out
}

/// The row number and part of `{prefix}{n}_{part}`.
fn row_key<'a>(key: &'a str, prefix: &str) -> Option<(usize, &'a str)> {
    let (n, part) = key.strip_prefix(prefix)?.split_once('_')?;
    Some((n.parse().ok()?, part))
}

/// How many rows of `prefix` the values hold.
fn row_count(values: &[(String, String)], prefix: &str) -> usize {
    values.iter().filter_map(|(k, _)| row_key(k, prefix)).map(|(n, _)| n + 1).filter(|n| *n <= MAX_ROWS).max().unwrap_or(0)
}

/// The plan a posted form describes, and what the form itself could not read.
fn plan_from(values: &[(String, String)]) -> (SafetyPlan, Vec<FieldError>) {
    let mut plan = SafetyPlan { crisis_contacts: Vec::new(), ..SafetyPlan::default() };
    let mut errors = Vec::new();
    for s in &STEPS {
        match s.shape {
            Shape::Lines => {
                let lines = value_of(values, s.key).lines().map(str::to_owned).collect();
                match s.key {
                    "warning_signs" => plan.warning_signs = lines,
                    "coping_strategies" => plan.coping_strategies = lines,
                    "safe_environment" => plan.safe_environment = lines,
                    _ => plan.reasons_for_living = lines,
                }
            }
            Shape::Rows { prefix, .. } => {
                if values.iter().filter_map(|(k, _)| row_key(k, prefix)).any(|(n, _)| n >= MAX_ROWS) {
                    errors.push(FieldError::new(s.key, format!("has more rows than the form allows ({MAX_ROWS})")));
                }
                let rows = (0..row_count(values, prefix))
                    .map(|n| {
                        let part = |p: &str| Some(value_of(values, &format!("{prefix}{n}_{p}")).to_owned()).filter(|v| !v.trim().is_empty());
                        PlanContact { name: part("name").unwrap_or_default(), phone: part("phone"), note: part("note") }
                    })
                    .collect();
                match s.key {
                    "distractions" => plan.distractions = rows,
                    "help_contacts" => plan.help_contacts = rows,
                    _ => plan.crisis_contacts = rows,
                }
            }
        }
    }
    plan.made_with = Some(value_of(values, "made_with").to_owned());
    let raw_date = value_of(values, "reviewed_on").trim();
    if !raw_date.is_empty() {
        match raw_date.parse::<jiff::civil::Date>() {
            Ok(d) => plan.reviewed_on = Some(d),
            Err(_) => errors.push(FieldError::new("reviewed_on", "must be a date such as 2026-01-05")),
        }
    }
    (plan, errors)
}

/// Errors placed next to their controls (keyed by control id) and the summary.
struct Placed {
    at: HashMap<String, Vec<String>>,
    summary: Vec<ErrorLink>,
}

impl Placed {
    fn take(&mut self, key: &str) -> Option<String> {
        self.at.remove(key).map(|m| m.join(" "))
    }
}

fn single_label(name: &str) -> Option<&'static str> {
    match name {
        "made_with" => Some("Made with"),
        "reviewed_on" => Some("Reviewed on"),
        "reason" => Some("Reason for the new version"),
        _ => None,
    }
}

/// Places each error of the use case (`help_contacts[0].phone`, `warning_signs[3]`,
/// `reason` …) at the control the form shows for it.
fn place(errors: &[FieldError]) -> Placed {
    let mut placed = Placed { at: HashMap::new(), summary: Vec::new() };
    for e in errors {
        let (section, index, part) = match e.field.split_once('[') {
            Some((section, rest)) => {
                let (n, part) = rest.split_once(']').unwrap_or((rest, ""));
                (section, n.parse::<usize>().ok(), part.trim_start_matches('.'))
            }
            None => (e.field.as_str(), None, ""),
        };
        let step = STEPS.iter().find(|s| s.key == section);
        let (key, inline, summary) = match (step, index) {
            (Some(s), Some(n)) => match s.shape {
                Shape::Rows { prefix, row, name, .. } => {
                    let label = match part {
                        "name" => name,
                        "phone" => "Phone",
                        _ => "Note",
                    };
                    let text = sentence(&format!("{label} {}", e.message));
                    (format!("{prefix}{n}_{part}"), text.clone(), format!("{}, {} {}: {text}", s.title, row.to_lowercase(), n + 1))
                }
                Shape::Lines => {
                    let text = sentence(&format!("line {} {}", n + 1, e.message));
                    (s.key.to_owned(), text.clone(), format!("{}: {text}", s.title))
                }
            },
            (Some(s), None) => {
                let text = sentence(&e.message);
                (s.key.to_owned(), text.clone(), format!("{}: {text}", s.title))
            }
            (None, _) => {
                let text = sentence(&format!("{} {}", single_label(&e.field).unwrap_or(&e.field), e.message));
                (e.field.clone(), text.clone(), text)
            }
        };
        let href = if step.is_some() || single_label(&e.field).is_some() { format!("#{key}") } else { "#form-errors".to_owned() };
        placed.summary.push(ErrorLink { href, text: summary });
        placed.at.entry(key).or_default().push(inline);
    }
    placed
}

fn step_forms(values: &[(String, String)], placed: &mut Placed, extra_rows: usize) -> Vec<StepForm> {
    STEPS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let error = placed.take(s.key);
            let (is_rows, text, prefix, row_label, rows) = match s.shape {
                Shape::Lines => (false, value_of(values, s.key).to_owned(), "", "", Vec::new()),
                Shape::Rows { prefix, row, name, phone_required } => {
                    let count = (row_count(values, prefix) + extra_rows).max(1);
                    let rows = (0..count)
                        .map(|n| {
                            let mut input = |part: &str, label: &'static str, kind: &'static str, required: bool, maxlength: usize| {
                                let id = format!("{prefix}{n}_{part}");
                                RowInput { value: value_of(values, &id).to_owned(), error: placed.take(&id), id, label, kind, required, maxlength }
                            };
                            let inputs = vec![
                                input("name", name, "text", true, 200),
                                input("phone", "Phone", "tel", phone_required, 40),
                                input("note", "Note", "text", false, CONTACT_NOTE_MAX),
                            ];
                            RowView { number: n + 1, inputs }
                        })
                        .collect();
                    (true, String::new(), prefix, row, rows)
                }
            };
            StepForm { number: i + 1, key: s.key, title: s.title, hint: s.hint, error, is_rows, text, prefix, row_label, rows }
        })
        .collect()
}

/// The form page from form values (an opened plan, or what was posted).
fn form_page(ctx: &Ctx, id: PatientId, name: String, values: &[(String, String)], errors: &[FieldError], notice: Option<Notice>) -> FormPage {
    let mut placed = place(errors);
    let version = value_of(values, "version").trim().to_owned();
    // An opened plan gets one empty row per section to add to; a refused form keeps its rows.
    let extra_rows = usize::from(errors.is_empty());
    let steps = step_forms(values, &mut placed, extra_rows);
    let single = |name: &'static str, kind: &'static str, hint: &'static str, placed: &mut Placed| Single {
        name,
        label: single_label(name).unwrap_or(name),
        kind,
        hint,
        value: value_of(values, name).to_owned(),
        error: placed.take(name),
    };
    let made_with = single("made_with", "text", "Who went through the plan with the patient, e.g. “Jo Rivera, therapist”.", &mut placed);
    let reviewed_on = single("reviewed_on", "date", "When the plan was gone through with the patient. Today when left empty.", &mut placed);
    let reason = (!version.is_empty())
        .then(|| single("reason", "textarea", "Required. Kept with the new version, e.g. “reviewed with patient after session 4”.", &mut placed));
    FormPage {
        layout: ctx.layout(format!("Safety plan — {name}"), Section::Patients),
        patient_id: id.to_string(),
        patient_name: name,
        notice,
        errors: placed.summary,
        steps,
        made_with,
        reviewed_on,
        reason,
        version,
        line_max: LINE_MAX,
        section_max: SECTION_MAX,
    }
}

/// The form values of the current plan (with its version), or of a new plan.
fn opened(entry: Option<&ChartEntry>, today: jiff::civil::Date) -> Vec<(String, String)> {
    let plan = entry.and_then(plan_of).cloned().unwrap_or_default();
    let mut values = pairs(&SafetyPlan { reviewed_on: Some(today), ..plan });
    if let Some(e) = entry {
        values.push(("version".to_owned(), e.version.0.to_string()));
    }
    values
}

/// `GET /patients/{id}/safety-plan/edit`: the form, filled with the current plan (a new plan
/// starts with the crisis lines).
pub(crate) async fn edit_form(ctx: Ctx, Path(raw): Path<String>) -> PageResult {
    ctx.grant::<perm::SafetyPlanWrite>().await?;
    let id = PatientId(ctx.path_id(&raw)?);
    let name = patient_name(&ctx, id).await?;
    let entry = current(&ctx, id).await?;
    let today = ctx.state.app.now().to_zoned(ctx.state.app.settings().timezone.clone()).date();
    Ok(form_page(&ctx, id, name, &opened(entry.as_ref(), today), &[], None).into_response())
}

/// `POST /patients/{id}/safety-plan/edit`: saves, then shows the plan.
pub(crate) async fn save(ctx: Ctx, Path(raw): Path<String>, PageForm(mut values): PageForm<Vec<(String, String)>>) -> PageResult {
    let grant = ctx.grant::<perm::SafetyPlanWrite>().await?;
    let id = PatientId(ctx.path_id(&raw)?);
    let raw_version = value_of(&values, "version").trim().to_owned();
    let expected = if raw_version.is_empty() {
        None
    } else {
        let Ok(v) = raw_version.parse::<u32>() else {
            return Err(ctx.fail(AppError::Conflict("the form did not say which version it changes; reload the plan and try again".to_owned())));
        };
        Some(Version(v))
    };
    let (plan, form_errors) = plan_from(&values);
    let errors = if form_errors.is_empty() {
        match ctx.state.app.save_safety_plan(&grant, id, plan, expected, Some(value_of(&values, "reason"))).await {
            Ok(_) => return Ok(Redirect::to(&format!("/patients/{id}/safety-plan?done=saved")).into_response()),
            Err(AppError::Invalid(errors)) => errors.0,
            Err(AppError::Conflict(detail)) => {
                // Keep what was typed; the form now revises the plan as it is.
                let now = current(&ctx, id).await?;
                values.retain(|(k, _)| k != "version");
                if let Some(e) = &now {
                    values.push(("version".to_owned(), e.version.0.to_string()));
                }
                let notice = Notice {
                    kind: "error",
                    title: "Someone else saved this plan while you were editing".to_owned(),
                    text: sentence(&format!(
                        "Nothing was saved: {detail}. Your text is kept below; open the current plan in another tab to compare, then save again to replace it"
                    )),
                };
                let name = patient_name(&ctx, id).await?;
                return Ok((StatusCode::CONFLICT, form_page(&ctx, id, name, &values, &[], Some(notice))).into_response());
            }
            Err(other) => return Err(ctx.fail(other)),
        }
    } else {
        form_errors
    };
    let name = patient_name(&ctx, id).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, form_page(&ctx, id, name, &values, &errors, None)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_form_becomes_a_plan_and_back() {
        let form = v(&[
            ("warning_signs", "Not sleeping\r\n\r\nSkipping meals"),
            ("help0_name", "Sam"),
            ("help0_phone", "212 555 0143"),
            ("help1_name", ""),
            ("crisis0_name", "988 Lifeline"),
            ("crisis0_phone", "988"),
            ("reviewed_on", "2026-11-20"),
            ("made_with", "Jo"),
        ]);
        let (plan, errors) = plan_from(&form);
        assert!(errors.is_empty());
        assert_eq!(plan.warning_signs, ["Not sleeping", "", "Skipping meals"], "line numbers stay as typed for the errors");
        assert_eq!(plan.help_contacts.len(), 2);
        assert_eq!(plan.help_contacts[0].phone.as_deref(), Some("212 555 0143"));
        assert_eq!(plan.crisis_contacts[0].phone.as_deref(), Some("988"));
        let back = pairs(&plan);
        assert!(back.contains(&("help0_name".to_owned(), "Sam".to_owned())));
        let (_, bad) = plan_from(&v(&[("reviewed_on", "soon"), ("help99_name", "x")]));
        assert_eq!(bad.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["help_contacts", "reviewed_on"]);
    }

    #[test]
    fn errors_land_on_their_controls() {
        let errors = vec![
            FieldError::new("help_contacts[0].phone", "is required"),
            FieldError::new("warning_signs[2]", "must be at most 300 characters"),
            FieldError::new("reason", "is required"),
        ];
        let mut placed = place(&errors);
        assert_eq!(placed.take("help0_phone").as_deref(), Some("Phone is required."));
        assert_eq!(placed.take("warning_signs").as_deref(), Some("Line 3 must be at most 300 characters."));
        assert_eq!(placed.summary[0].href, "#help0_phone");
        assert_eq!(placed.summary[0].text, "People I can ask for help, person 1: Phone is required.");
        assert_eq!(placed.summary[2].text, "Reason for the new version is required.");
    }
}
