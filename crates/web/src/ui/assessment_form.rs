//! Recording an assessment: the instrument's items as radio groups (one fieldset and legend per
//! item), submitted as an answers object to the use case, which scores and validates it. A
//! refusal re-renders the form with each item's error next to it and the answers kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use ketaclinic_app::AppError;
use ketaclinic_app::assessments::AssessmentInput;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::FieldError;
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::instruments::{self, AnswerKind, Asked, Instrument, Item, Wording};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::forms::{ErrorLink, Field, PageForm, PageQuery, apply_errors};
use super::{Ctx, Layout, PageResult, Section, sentence};

/// One answer option of an item.
#[derive(Debug, Clone)]
pub(crate) struct OptionView {
    pub id: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// One item: a fieldset of radio buttons.
#[derive(Debug, Clone)]
pub(crate) struct ItemView {
    /// Item id, `9`.
    pub item: &'static str,
    /// Form name, `item_9`.
    pub name: String,
    /// `Question 9`.
    pub number: String,
    pub text: &'static str,
    /// When it is asked (`Optional`, `Ask only if question 2 is yes`); empty for always.
    pub hint: String,
    /// Form name of the item whose "yes" opens this one (for the page script); empty if none.
    pub gate: String,
    pub options: Vec<OptionView>,
    pub error: Option<String>,
    pub yes_no: bool,
}

impl ItemView {
    /// The ids of the hint and error, for `aria-describedby` (empty when neither is shown).
    pub fn describedby(&self) -> String {
        let hint = (!self.hint.is_empty()).then(|| format!("{}-hint", self.name));
        let error = self.error.as_ref().map(|_| format!("{}-error", self.name));
        hint.into_iter().chain(error).collect::<Vec<_>>().join(" ")
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "assessment_new.html")]
struct NewPage {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    /// The chosen instrument; `None` shows the list to choose from.
    instrument: Option<&'static Instrument>,
    full_wording: bool,
    items: Vec<ItemView>,
    when: Field,
    errors: Vec<ErrorLink>,
    choices: Vec<(&'static str, &'static str, &'static str)>,
    /// The chairside session it is recorded on (MOAA/S, CADSS checkpoints), if any.
    session_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NewQuery {
    instrument: String,
    /// Recorded on this chairside session (from the session page's checkpoint link).
    session_id: String,
}

fn field_name(item: &Item) -> String {
    format!("item_{}", item.id)
}

/// `Question 6 (past 3 months)` for `6_past_3_months`.
fn number(item: &Item) -> String {
    match item.id.split_once('_') {
        Some((n, rest)) => format!("Question {n} ({})", rest.replace('_', " ")),
        None if item.id.parse::<u32>().is_ok() => format!("Question {}", item.id),
        None => "Answer".to_owned(),
    }
}

fn hint(instrument: &Instrument, item: &Item) -> String {
    let label = |id: &str| instrument.item(id).map_or_else(|| id.to_owned(), |i| number(i).to_lowercase());
    match item.asked {
        Asked::Always => String::new(),
        Asked::Optional => "Optional.".to_owned(),
        Asked::WhenYes { item } => format!("Ask only if {} is yes.", label(item)),
        Asked::AtLeastOneOf { items } => format!("Answer at least one of {}.", items.iter().map(|id| label(id)).collect::<Vec<_>>().join(" or ")),
    }
}

/// The items with the submitted values checked and the errors attached.
pub(crate) fn item_views(instrument: &Instrument, values: &[(String, String)], errors: &[FieldError]) -> Vec<ItemView> {
    instrument
        .items
        .iter()
        .map(|item| {
            let name = field_name(item);
            let current = values.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| v.as_str()).unwrap_or_default();
            let (choices, yes_no): (Vec<(String, String)>, bool) = match item.answer {
                AnswerKind::YesNo => (vec![("yes".to_owned(), "Yes".to_owned()), ("no".to_owned(), "No".to_owned())], true),
                AnswerKind::Choice { options } => (
                    options
                        .iter()
                        .map(|o| {
                            let value = o.value.to_string();
                            let label = if o.label.starts_with(&value) { o.label.to_owned() } else { format!("{} ({value})", o.label) };
                            (value, label)
                        })
                        .collect(),
                    false,
                ),
            };
            let options =
                choices.into_iter().map(|(value, label)| OptionView { id: format!("{name}-{value}"), checked: value == current, value, label }).collect();
            let field = format!("answers.{}", item.id);
            let messages: Vec<&str> = errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect();
            let error = (!messages.is_empty()).then(|| item_error(instrument, item, !current.is_empty(), &messages));
            let gate = match item.asked {
                Asked::WhenYes { item: gate } => format!("item_{gate}"),
                _ => String::new(),
            };
            ItemView { item: item.id, number: number(item), text: item.text, hint: hint(instrument, item), gate, options, error, yes_no, name }
        })
        .collect()
}

/// The use case's message, in the words of the form.
fn item_error(instrument: &Instrument, item: &Item, answered: bool, messages: &[&str]) -> String {
    let me = number(item);
    let gate = |id: &str| instrument.item(id).map_or_else(|| id.to_owned(), |i| number(i).to_lowercase());
    match (item.asked, answered) {
        (Asked::WhenYes { item: g }, false) => format!("{me} is asked because {} is yes: choose an answer.", gate(g)),
        (Asked::WhenYes { item: g }, true) => format!("{me} is asked only when {} is yes: answer No, or change {}.", gate(g), gate(g)),
        (_, false) if messages.contains(&"is required") => format!("Choose an answer for {}.", me.to_lowercase()),
        _ => sentence(&format!("{me}: {}", messages.join("; "))),
    }
}

fn when_field(value: &str) -> Field {
    Field::new("administered_at", "When was it filled in?", "datetime-local")
        .value(value)
        .optional()
        .hint("Leave empty for now. Fill in when entering a paper form afterwards (clinic time).")
}

/// The form values as the use case's answers object: numbers for choices, booleans for yes/no,
/// unanswered items left out (so the use case names them); anything unreadable is passed on
/// as text for the use case to refuse.
pub(crate) fn answers(instrument: &Instrument, values: &[(String, String)]) -> Value {
    let mut out = Map::new();
    for item in instrument.items {
        let name = field_name(item);
        let Some(raw) = values.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()) else { continue };
        let value = match (item.answer, raw) {
            (AnswerKind::YesNo, "yes") => Value::Bool(true),
            (AnswerKind::YesNo, "no") => Value::Bool(false),
            (AnswerKind::Choice { .. }, _) => raw.parse::<u32>().map_or_else(|_| Value::String(raw.to_owned()), Value::from),
            _ => Value::String(raw.to_owned()),
        };
        out.insert(item.id.to_owned(), value);
    }
    Value::Object(out)
}

/// A `datetime-local` value in the clinic's zone; empty is "now".
fn administered_at(ctx: &Ctx, raw: &str) -> Result<Option<Timestamp>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let tz = ctx.state.app.settings().timezone.clone();
    raw.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(tz).ok())
        .map(|z| Some(z.timestamp()))
        .ok_or_else(|| FieldError::new("administered_at", "must be a date and time, e.g. 2026-11-21 14:05"))
}

fn value_of<'a>(values: &'a [(String, String)], key: &str) -> &'a str {
    values.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_default()
}

async fn page(
    ctx: &Ctx,
    raw_id: &str,
    instrument: Option<&'static Instrument>,
    values: &[(String, String)],
    errors: &[FieldError],
) -> Result<NewPage, Response> {
    let read = ctx.grant::<perm::PatientRead>().await?;
    let id = PatientId(ctx.path_id(raw_id)?);
    let patient = ctx.state.app.patient(&read, id).await.map_err(|e| ctx.fail(e))?;
    let name = patient.display_name();
    let mut when = [when_field(value_of(values, "administered_at"))];
    let mut summary = Vec::new();
    let items = instrument.map(|i| item_views(i, values, errors)).unwrap_or_default();
    for item in &items {
        if let (Some(error), Some(first)) = (&item.error, item.options.first()) {
            summary.push(ErrorLink { href: format!("#{}", first.id), text: error.clone() });
        }
    }
    let rest: Vec<FieldError> = errors.iter().filter(|e| !items.iter().any(|i| e.field == format!("answers.{}", i.item))).cloned().collect();
    summary.extend(apply_errors(&mut when, &rest));
    let [when] = when;
    let title = match instrument {
        Some(i) if errors.is_empty() => format!("{} for {name}", i.name),
        Some(i) => format!("{} for {name} — check the answers", i.name),
        None => format!("Record an assessment for {name}"),
    };
    Ok(NewPage {
        layout: ctx.layout(title, Section::Patients),
        patient_id: id.to_string(),
        patient_name: name,
        full_wording: instrument.is_some_and(|i| i.wording == Wording::Full),
        instrument,
        items,
        when,
        errors: summary,
        choices: instruments::all().iter().map(|i| (i.id, i.name, i.title)).collect(),
        session_id: Uuid::parse_str(value_of(values, "session_id").trim()).map(|u| u.to_string()).unwrap_or_default(),
    })
}

/// `GET /patients/{id}/assessments/new?instrument=phq9`; without an instrument, the list.
pub(crate) async fn new_form(ctx: Ctx, Path(id): Path<String>, PageQuery(query): PageQuery<NewQuery>) -> PageResult {
    ctx.grant::<perm::AssessmentRecord>().await?;
    let instrument = match query.instrument.trim() {
        "" => None,
        other => Some(instruments::get(other).ok_or_else(|| ctx.not_found())?),
    };
    let values = [("session_id".to_owned(), query.session_id)];
    Ok(page(&ctx, &id, instrument, &values, &[]).await?.into_response())
}

/// `POST /patients/{id}/assessments`: scores and stores; 303 to the patient page, or the form
/// again with 422.
pub(crate) async fn create(ctx: Ctx, Path(id): Path<String>, PageForm(values): PageForm<Vec<(String, String)>>) -> PageResult {
    let grant = ctx.grant::<perm::AssessmentRecord>().await?;
    let patient_id = PatientId(ctx.path_id(&id)?);
    let Some(instrument) = instruments::get(value_of(&values, "instrument").trim()) else {
        return Err(ctx.fail(AppError::Invalid(FieldError::new("instrument", "is not an instrument this clinic knows; choose one from the list").into())));
    };
    let errors = match administered_at(&ctx, value_of(&values, "administered_at")) {
        Ok(at) => {
            let session_id = match value_of(&values, "session_id").trim() {
                "" => None,
                raw => Some(Uuid::parse_str(raw).map_err(|_| ctx.fail(AppError::Invalid(FieldError::new("session_id", "is not a session").into())))?),
            };
            let input = AssessmentInput { instrument: instrument.id.to_owned(), answers: answers(instrument, &values), administered_at: at, session_id };
            match ctx.state.app.record_assessment(&grant, patient_id, input).await {
                // A checkpoint on a session goes back to the chair.
                Ok(_) if session_id.is_some() => {
                    return Ok(Redirect::to(&format!("/sessions/{}#checkpoints", session_id.unwrap_or_default())).into_response());
                }
                Ok(saved) => return Ok(Redirect::to(&format!("/patients/{patient_id}?recorded={}#assessments", saved.id)).into_response()),
                Err(AppError::Invalid(errors)) => errors.0,
                Err(other) => return Err(ctx.fail(other)),
            }
        }
        Err(error) => vec![error],
    };
    let page = page(&ctx, &id, Some(instrument), &values, &errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use serde_json::json;

    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn form_values_become_numbers_and_booleans_and_blanks_are_left_out() {
        let phq9 = instruments::get("phq9").unwrap();
        let got = answers(phq9, &pairs(&[("item_1", "2"), ("item_2", ""), ("item_3", "x"), ("csrf_token", "t"), ("item_99", "1")]));
        assert_eq!(got, json!({"1": 2, "3": "x"}));
        let cssrs = instruments::get("cssrs_screener").unwrap();
        let got = answers(cssrs, &pairs(&[("item_1", "yes"), ("item_2", "no"), ("item_6_past_3_months", "maybe")]));
        assert_eq!(got, json!({"1": true, "2": false, "6_past_3_months": "maybe"}));
    }

    #[test]
    fn items_keep_values_and_explain_errors() {
        let cssrs = instruments::get("cssrs_screener").unwrap();
        let errors = vec![FieldError::new("answers.3", "is required when the item it follows is yes"), FieldError::new("answers.1", "is required")];
        let views = item_views(cssrs, &pairs(&[("item_2", "yes")]), &errors);
        assert!(views[1].options[0].checked && !views[1].options[1].checked);
        assert_eq!(views[0].error.as_deref(), Some("Choose an answer for question 1."));
        assert_eq!(views[2].error.as_deref(), Some("Question 3 is asked because question 2 is yes: choose an answer."));
        assert_eq!((views[2].gate.as_str(), views[2].hint.as_str()), ("item_2", "Ask only if question 2 is yes."));
        assert_eq!(views[6].number, "Question 6 (past 3 months)");
        let moaas = instruments::get("moaas").unwrap();
        assert_eq!(item_views(moaas, &[], &[])[0].number, "Answer");
    }
}
