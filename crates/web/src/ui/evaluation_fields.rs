//! The evaluation form's view model: each input with its value kept and its error attached,
//! the repeatable trial and medication rows, the history and class checkboxes, and the error
//! summary in the order the form shows the inputs.

use ketaclinic_domain::FieldError;
use ketaclinic_domain::eligibility::{Condition, DrugClass};
use ketaclinic_domain::person::Sex;

use super::evaluation_form::{row_count, value};
use super::evaluation_labels::{self as labels, OUTCOMES, RISKS, SEVERITIES};
use super::forms::ErrorLink;
use super::patients::sex_label;
use super::sentence;

/// One form control; the same shape as `forms::Field`, so `macros.html`'s `field` renders it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Input {
    pub name: String,
    pub label: String,
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub hint: &'static str,
    pub autocomplete: &'static str,
    pub inputmode: &'static str,
    pub required: bool,
    pub mark_optional: bool,
    pub maxlength: usize,
    pub options: Vec<(String, String)>,
}

impl Input {
    pub fn describedby(&self) -> String {
        let hint = (!self.hint.is_empty()).then(|| format!("{}-hint", self.name));
        let error = self.error.as_ref().map(|_| format!("{}-error", self.name));
        hint.into_iter().chain(error).collect::<Vec<_>>().join(" ")
    }

    pub fn selected(&self, value: &str) -> bool {
        self.value == value
    }

    fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    fn numeric(mut self, mode: &'static str) -> Self {
        self.inputmode = mode;
        self
    }

    fn choices(mut self, blank: &str, choices: impl IntoIterator<Item = (&'static str, &'static str)>) -> Self {
        self.kind = "select";
        self.options = std::iter::once((String::new(), blank.to_owned())).chain(choices.into_iter().map(|(v, l)| (v.to_owned(), l.to_owned()))).collect();
        self
    }
}

/// A checkbox.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub id: String,
    pub name: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
    /// Checked in a fresh row (the page script resets cloned rows to this).
    pub default_checked: bool,
}

/// One antidepressant trial row.
#[derive(Debug, Clone)]
pub(crate) struct TrialRow {
    pub number: usize,
    pub fields: Vec<Input>,
    pub adherent: Check,
}

/// One medication row.
#[derive(Debug, Clone)]
pub(crate) struct MedRow {
    pub number: usize,
    pub name: Input,
    pub classes: Vec<Check>,
    pub class_error: Option<String>,
}

/// Everything the form template shows.
#[derive(Debug, Clone)]
pub(crate) struct FormView {
    pub facts: Vec<Input>,
    pub diagnosis: Vec<Input>,
    pub trials: Vec<TrialRow>,
    pub trials_error: Option<String>,
    pub augmentation: Check,
    pub ect: Check,
    pub history: Vec<Check>,
    pub history_error: Option<String>,
    pub vitals: Vec<Input>,
    pub meds: Vec<MedRow>,
    pub meds_error: Option<String>,
    pub cssrs: Input,
    pub notes: Vec<Input>,
    pub reason: Option<Input>,
    pub errors: Vec<ErrorLink>,
}

struct Builder<'a> {
    values: &'a [(String, String)],
    errors: &'a [FieldError],
    used: Vec<bool>,
    summary: Vec<ErrorLink>,
}

impl Builder<'_> {
    /// The messages for form field `name` as one sentence, listed in the summary under `context`.
    fn error(&mut self, name: &str, label: &str, context: &str, href: &str) -> Option<String> {
        let mut messages = Vec::new();
        for (i, e) in self.errors.iter().enumerate() {
            if e.field == name {
                messages.push(e.message.as_str());
                if let Some(u) = self.used.get_mut(i) {
                    *u = true;
                }
            }
        }
        if messages.is_empty() {
            return None;
        }
        let text = sentence(&format!("{label} {}", messages.join("; ")));
        let listed = if context.is_empty() { text.clone() } else { sentence(&format!("{context}: {} {}", label.to_lowercase(), messages.join("; "))) };
        self.summary.push(ErrorLink { href: format!("#{href}"), text: listed });
        Some(text)
    }

    fn input(&mut self, name: String, label: &str, context: &str) -> Input {
        let error = self.error(&name, label, context, &name);
        Input { value: value(self.values, &name).to_owned(), error, label: label.to_owned(), kind: "text", autocomplete: "off", name, ..Input::default() }
    }

    fn check(&self, id: String, name: &str, value: &str, label: &str, fresh: bool) -> Check {
        let posted = self.values.iter().any(|(k, v)| k == name && v == value);
        Check { id, name: name.to_owned(), value: value.to_owned(), label: label.to_owned(), checked: posted || fresh, default_checked: fresh }
    }
}

/// The form for `values` with `errors` (by form name) attached; `trials` and `meds` rows at
/// least; `reason` adds the amendment's reason field.
pub(crate) fn view(values: &[(String, String)], errors: &[FieldError], trials: usize, meds: usize, reason: bool) -> FormView {
    let mut b = Builder { values, errors, used: vec![false; errors.len()], summary: Vec::new() };
    let yes_no = [("no", "No"), ("yes", "Yes")];
    let facts = vec![
        b.input("age_years".into(), "Age (years)", "").numeric("numeric").hint("Worked out from the date of birth on the record."),
        b.input("sex".into(), "Sex", "").choices("Not recorded", Sex::ALL.map(|s| (s.as_str(), sex_label(s)))),
        b.input("pregnant".into(), "Pregnant", "").choices("Unknown", yes_no).hint("For a woman aged 12–55, unknown is a finding: a pregnancy test is needed."),
        b.input("breastfeeding".into(), "Breastfeeding", "").choices("Unknown", yes_no),
    ];
    let diagnosis = vec![
        b.input("primary_diagnosis".into(), "Primary diagnosis (ICD-10-CM)", "").hint("For example F33.2: major depressive disorder, recurrent, severe."),
        b.input("episode_duration_months".into(), "Current episode length (months)", "").numeric("numeric"),
        b.input("severity".into(), "Severity of the episode", "").choices("Not rated", SEVERITIES.map(|(_, v, l)| (v, l))),
    ];
    let trials_error = b.error("trials", "Antidepressant trials", "", "trials");
    let trial_rows = (0..trials.max(row_count(values, "trial")))
        .map(|row| {
            let context = format!("Trial {}", row + 1);
            let fresh = !values.iter().any(|(k, _)| *k == format!("trial{row}_drug"));
            let fields = vec![
                b.input(format!("trial{row}_drug"), "Drug", &context),
                b.input(format!("trial{row}_dose"), "Daily dose (mg)", &context).numeric("decimal"),
                b.input(format!("trial{row}_weeks"), "Weeks at that dose", &context).numeric("decimal"),
                b.input(format!("trial{row}_outcome"), "Outcome", &context).choices("Choose…", OUTCOMES.map(|(_, v, l)| (v, l))),
            ];
            let adherent = b.check(format!("trial{row}_adherent"), &format!("trial{row}_adherent"), "yes", "Taken as prescribed (adherent)", fresh);
            TrialRow { number: row + 1, fields, adherent }
        })
        .collect();
    let augmentation =
        b.check("augmentation_used".into(), "augmentation_used", "yes", "Augmentation used in this episode (e.g. lithium, an antipsychotic)", false);
    let ect = b.check("ect_used".into(), "ect_used", "yes", "ECT used in this episode", false);
    let history_error = b.error("history", "History", "", "history");
    let history = Condition::ALL.iter().map(|c| b.check(format!("history-{}", c.key()), "history", c.key(), labels::condition(*c), false)).collect();
    let vitals = vec![
        b.input("systolic".into(), "Systolic BP (mmHg)", "").numeric("numeric"),
        b.input("diastolic".into(), "Diastolic BP (mmHg)", "").numeric("numeric"),
        b.input("heart_rate".into(), "Heart rate (beats/min)", "").numeric("numeric"),
    ];
    let meds_error = b.error("medications", "Medications", "", "medications");
    let med_rows = (0..meds.max(row_count(values, "med")))
        .map(|row| {
            let context = format!("Medication {}", row + 1);
            let name = b.input(format!("med{row}_name"), "Name", &context);
            let class_key = format!("med{row}_class");
            let class_error = b.error(&class_key, "Classes", &context, &format!("{class_key}-group"));
            let classes = DrugClass::ALL
                .iter()
                .map(|c| b.check(format!("med{row}_class_{}", c.as_str()), &class_key, c.as_str(), labels::drug_class(*c), false))
                .collect();
            MedRow { number: row + 1, name, classes, class_error }
        })
        .collect();
    let cssrs = b.input("cssrs_risk".into(), "C-SSRS screener risk (latest)", "").choices("Not screened", RISKS.map(|(_, v, l)| (v, l)));
    let mut notes =
        vec![b.input("psychiatric_notes".into(), "Psychiatric evaluation notes", ""), b.input("medical_notes".into(), "Medical evaluation notes", "")];
    for n in &mut notes {
        n.kind = "textarea";
        n.maxlength = 20_000;
    }
    let reason = reason.then(|| {
        let mut r = b
            .input("reason".into(), "Reason for this change", "")
            .hint("Required. Kept with the new version, e.g. “Sertraline dose corrected from the pharmacy record”.");
        r.kind = "textarea";
        r.required = true;
        r.maxlength = 500;
        r
    });
    let rest: Vec<(String, String)> = errors.iter().zip(&b.used).filter(|(_, used)| !**used).map(|(e, _)| (e.field.clone(), e.message.clone())).collect();
    for (field, message) in rest {
        b.summary.push(ErrorLink { href: "#form-errors".to_owned(), text: sentence(&format!("{} {message}", super::forms::label_of(&field))) });
    }
    FormView {
        facts,
        diagnosis,
        trials: trial_rows,
        trials_error,
        augmentation,
        ect,
        history,
        history_error,
        vitals,
        meds: med_rows,
        meds_error,
        cssrs,
        notes,
        reason,
        errors: b.summary,
    }
}
