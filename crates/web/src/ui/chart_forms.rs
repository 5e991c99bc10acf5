//! The chart's list forms: the controls of each kind (named after the fields of its JSON body
//! in `ketaclinic_domain::chart::entries`), the body built from a posted form, and how an entry
//! reads on the chart and in its history.

use ketaclinic_domain::FieldError;
use ketaclinic_domain::chart::ChartKind;
use ketaclinic_domain::eligibility::DrugClass;
use serde_json::{Map, Value};

use super::forms::{ErrorLink, label_of};
use super::sentence;

/// Where a control's choices come from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Choices {
    None,
    Fixed(&'static [(&'static str, &'static str)]),
    DrugClasses,
}

/// One control of a kind's form.
#[derive(Debug, Clone, Copy)]
pub(super) struct Spec {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `tel`, `date`, `textarea`, `select`, `check` (one yes/no box) or `checks` (a group).
    pub kind: &'static str,
    required: bool,
    hint: &'static str,
    max: usize,
    pub choices: Choices,
    /// The tag an entry shows when a `check` is ticked.
    pub tag: &'static str,
}

const fn req(name: &'static str, label: &'static str, kind: &'static str, max: usize) -> Spec {
    Spec { name, label, kind, required: true, hint: "", max, choices: Choices::None, tag: "" }
}

const fn opt(name: &'static str, label: &'static str, kind: &'static str, max: usize) -> Spec {
    Spec { required: false, ..req(name, label, kind, max) }
}

const fn hint(spec: Spec, hint: &'static str) -> Spec {
    Spec { hint, ..spec }
}

const fn select(name: &'static str, label: &'static str, choices: &'static [(&'static str, &'static str)]) -> Spec {
    Spec { choices: Choices::Fixed(choices), ..req(name, label, "select", 0) }
}

const fn check(name: &'static str, label: &'static str, tag: &'static str) -> Spec {
    Spec { tag, ..opt(name, label, "check", 0) }
}

const SYSTEMS: &[(&str, &str)] = &[("phone", "Phone"), ("email", "E-mail"), ("address", "Postal address")];
const DIAGNOSIS_STATUS: &[(&str, &str)] = &[("active", "Active"), ("resolved", "Resolved")];
const MEDICATION_STATUS: &[(&str, &str)] = &[("active", "Taking"), ("resolved", "Stopped")];
const SEVERITIES: &[(&str, &str)] = &[("unknown", "Not known"), ("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")];

const NAME: Spec = req("name", "Name", "text", 200);
const RELATIONSHIP: Spec = hint(opt("relationship", "Relationship", "text", 60), "e.g. partner, sister, friend");

const CONTACT: &[Spec] = &[
    select("system", "Type", SYSTEMS),
    hint(req("value", "Phone number, e-mail or address", "text", 500), "Matching the type chosen above."),
    hint(opt("label", "Label", "text", 40), "e.g. mobile, work, home"),
    check("preferred", "Preferred way to reach the patient", "Preferred"),
];
const EMERGENCY_CONTACT: &[Spec] = &[NAME, RELATIONSHIP, req("phone", "Phone", "tel", 40)];
const ESCORT: &[Spec] = &[
    NAME,
    RELATIONSHIP,
    hint(req("phone", "Phone", "tel", 40), "The number the nurse calls when the patient is ready to go home."),
    hint(opt("note", "Note", "textarea", 2000), "e.g. available after 3 pm on weekdays"),
];
const CARE_TEAM: &[Spec] =
    &[NAME, hint(req("role", "Role", "text", 60), "e.g. therapist, referring psychiatrist, primary care"), opt("phone", "Phone", "tel", 40)];
const DIAGNOSIS: &[Spec] = &[
    hint(req("icd10cm", "ICD-10-CM code", "text", 10), "Type or pick a code, e.g. F33.1. Codes from the list get their title and SNOMED CT concept."),
    hint(opt("display", "Title", "text", 200), "Leave empty for a code from the list; required for other codes."),
    check("primary", "Primary diagnosis", "Primary"),
    select("status", "Status", DIAGNOSIS_STATUS),
    opt("onset", "Onset", "date", 0),
];
const ALLERGY: &[Spec] =
    &[req("substance", "Substance", "text", 200), opt("reaction", "Reaction", "textarea", 2000), select("severity", "Severity", SEVERITIES)];
const MEDICATION: &[Spec] = &[
    hint(req("name", "Medication", "text", 200), "Generic or brand name. Drugs the clinic's table knows are tagged with their class automatically."),
    hint(opt("dose", "Dose", "text", 100), "As prescribed, e.g. 20 mg once daily"),
    Spec {
        hint: "Highlighted classes need attention before a ketamine or esketamine session (sedation, blood pressure).",
        choices: Choices::DrugClasses,
        ..opt("classes", "Classes", "checks", 0)
    },
    opt("started_on", "Started on", "date", 0),
    select("status", "Status", MEDICATION_STATUS),
];

pub(super) fn specs(kind: ChartKind) -> &'static [Spec] {
    match kind {
        ChartKind::Contact => CONTACT,
        ChartKind::EmergencyContact => EMERGENCY_CONTACT,
        ChartKind::Escort => ESCORT,
        ChartKind::CareTeamMember => CARE_TEAM,
        ChartKind::Diagnosis => DIAGNOSIS,
        ChartKind::Allergy => ALLERGY,
        ChartKind::Medication => MEDICATION,
        _ => &[],
    }
}

/// Section title, the noun of one entry, and what an empty section says.
pub(crate) fn kind_text(kind: ChartKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        ChartKind::Contact => ("Contacts", "contact", "No other ways to reach the patient yet (phone and e-mail of the record are on the patient page)."),
        ChartKind::EmergencyContact => ("Emergency contacts", "emergency contact", "No emergency contact yet."),
        ChartKind::Escort => ("Escorts", "escort", "Nobody is recorded to drive the patient home yet. Patients may not drive after a session."),
        ChartKind::CareTeamMember => ("Care team", "care team member", "No care team members yet."),
        ChartKind::Diagnosis => ("Diagnoses", "diagnosis", "No diagnoses recorded."),
        ChartKind::Allergy => ("Allergies", "allergy", "No allergies recorded. Record “no known allergies” only once asked."),
        ChartKind::Medication => ("Medications", "medication", "No medications recorded."),
        ChartKind::SafetyPlan => ("Safety plan", "safety plan", "No safety plan yet."),
        _ => ("Entries", "entry", "Nothing recorded."),
    }
}

/// A drug class in words.
pub(crate) fn class_label(class: DrugClass) -> &'static str {
    match class {
        DrugClass::Benzodiazepine => "Benzodiazepine",
        DrugClass::SedativeHypnotic => "Sedative hypnotic",
        DrugClass::Opioid => "Opioid",
        DrugClass::Psychostimulant => "Psychostimulant",
        DrugClass::Maoi => "MAOI",
        DrugClass::Lamotrigine => "Lamotrigine",
        DrugClass::Ssri => "SSRI",
        DrugClass::Snri => "SNRI",
        DrugClass::Tca => "Tricyclic (TCA)",
        DrugClass::OtherAntidepressant => "Other antidepressant",
    }
}

/// Classes highlighted on the chart: they matter to sedation and blood pressure in a session
/// and to the SPRAVATO REMS monitoring.
pub(crate) fn rems_relevant(class: DrugClass) -> bool {
    matches!(class, DrugClass::Benzodiazepine | DrugClass::SedativeHypnotic | DrugClass::Opioid | DrugClass::Psychostimulant | DrugClass::Maoi)
}

/// One choice of a select or checkbox group.
#[derive(Debug, Clone)]
pub(crate) struct Opt {
    pub value: String,
    pub label: String,
    /// Highlighted (a REMS-relevant drug class).
    pub alert: bool,
}

pub(super) fn options(choices: Choices) -> Vec<Opt> {
    match choices {
        Choices::None => Vec::new(),
        Choices::Fixed(list) => list.iter().map(|(v, l)| Opt { value: (*v).to_owned(), label: (*l).to_owned(), alert: false }).collect(),
        Choices::DrugClasses => {
            DrugClass::ALL.iter().map(|c| Opt { value: c.as_str().to_owned(), label: class_label(*c).to_owned(), alert: rems_relevant(*c) }).collect()
        }
    }
}

/// A control as the chart templates render it; `id` is unique on the page.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pub id: String,
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    /// Ticked values of a checkbox group.
    pub checked: Vec<String>,
    pub options: Vec<Opt>,
    pub error: Option<String>,
    pub hint: &'static str,
    pub required: bool,
    pub maxlength: usize,
    /// The id of a datalist of suggestions (diagnosis codes).
    pub list: &'static str,
}

impl Input {
    /// The ids of the hint and error, for `aria-describedby`.
    pub fn describedby(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }

    /// Whether `value` is ticked (groups) or selected (selects).
    pub fn has(&self, value: &str) -> bool {
        if self.kind == "checks" { self.checked.iter().any(|c| c == value) } else { self.value == value }
    }
}

/// The last value of `name` in a posted form (empty when absent).
pub(crate) fn value_of<'a>(values: &'a [(String, String)], name: &str) -> &'a str {
    values.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
}

/// The controls of `kind`'s form, ids prefixed with `prefix`, filled from `values` (a posted
/// form, or [`pairs_of`] an entry's body); selects default to their first choice.
pub(crate) fn inputs(kind: ChartKind, prefix: &str, values: &[(String, String)]) -> Vec<Input> {
    specs(kind)
        .iter()
        .map(|s| {
            let options = options(s.choices);
            let mut value = value_of(values, s.name).to_owned();
            if s.kind == "select" && !options.iter().any(|o| o.value == value) {
                value = options.first().map(|o| o.value.clone()).unwrap_or_default();
            }
            Input {
                id: format!("{prefix}-{}", s.name),
                name: s.name,
                label: s.label,
                kind: s.kind,
                checked: values.iter().filter(|(k, v)| k == s.name && !v.is_empty()).map(|(_, v)| v.clone()).collect(),
                value,
                options,
                error: None,
                hint: s.hint,
                required: s.required,
                maxlength: s.max,
                list: if s.name == "icd10cm" { "icd10-codes" } else { "" },
            }
        })
        .collect()
}

/// A required reason (corrections and status changes), with a page-unique id.
pub(crate) fn reason_input(id: String, label: &'static str, hint: &'static str, value: &str) -> Input {
    Input {
        id,
        name: "reason",
        label,
        kind: "textarea",
        value: value.to_owned(),
        checked: Vec::new(),
        options: Vec::new(),
        error: None,
        hint,
        required: true,
        maxlength: 500,
        list: "",
    }
}

/// Puts `errors` next to their controls; returns the summary (errors naming no control link
/// to the summary itself).
pub(crate) fn attach(inputs: &mut [Input], errors: &[FieldError]) -> Vec<ErrorLink> {
    let mut summary = Vec::new();
    for input in inputs.iter_mut() {
        let messages: Vec<&str> = errors.iter().filter(|e| e.field == input.name).map(|e| e.message.as_str()).collect();
        if !messages.is_empty() {
            let text = sentence(&format!("{} {}", input.label, messages.join("; ")));
            summary.push(ErrorLink { href: format!("#{}", input.id), text: text.clone() });
            input.error = Some(text);
        }
    }
    for e in errors.iter().filter(|e| !inputs.iter().any(|i| i.name == e.field)) {
        summary.push(ErrorLink { href: "#form-errors".to_owned(), text: sentence(&format!("{} {}", label_of(&e.field), e.message)) });
    }
    summary
}

/// The JSON body of `kind` from a posted form. Dates are checked here (a body with an
/// unreadable date could only be refused as a whole); everything else is the use case's.
pub(crate) fn body_json(kind: ChartKind, values: &[(String, String)]) -> Result<Value, Vec<FieldError>> {
    let mut body = Map::new();
    let mut errors = Vec::new();
    for s in specs(kind) {
        let raw = value_of(values, s.name).trim();
        let value = match s.kind {
            "check" => Value::Bool(!raw.is_empty()),
            "checks" => Value::Array(values.iter().filter(|(k, v)| k == s.name && !v.is_empty()).map(|(_, v)| Value::String(v.clone())).collect()),
            "date" | "select" if raw.is_empty() => continue,
            "date" => match raw.parse::<jiff::civil::Date>() {
                Ok(date) => Value::String(date.to_string()),
                Err(_) => {
                    errors.push(FieldError::new(s.name, "must be a date such as 2026-01-05"));
                    continue;
                }
            },
            _ => Value::String(value_of(values, s.name).to_owned()),
        };
        body.insert(s.name.to_owned(), value);
    }
    if errors.is_empty() { Ok(Value::Object(body)) } else { Err(errors) }
}

/// An entry's body as form values (to prefill a correction).
pub(crate) fn pairs_of(body: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (key, value) in body.as_object().into_iter().flatten() {
        match value {
            Value::String(s) => out.push((key.clone(), s.clone())),
            Value::Bool(true) => out.push((key.clone(), "yes".to_owned())),
            Value::Number(n) => out.push((key.clone(), n.to_string())),
            Value::Array(items) => out.extend(items.iter().filter_map(Value::as_str).map(|s| (key.clone(), s.to_owned()))),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_medication_form_becomes_its_body() {
        let form = pairs(&[("name", "Xanax"), ("dose", ""), ("classes", "benzodiazepine"), ("classes", "opioid"), ("started_on", ""), ("status", "active")]);
        let body = body_json(ChartKind::Medication, &form).unwrap();
        assert_eq!(body, serde_json::json!({"name": "Xanax", "dose": "", "classes": ["benzodiazepine", "opioid"], "status": "active"}));
        let bad = body_json(ChartKind::Medication, &pairs(&[("name", "x"), ("started_on", "soon")])).unwrap_err();
        assert_eq!(bad[0].field, "started_on");
    }
}
