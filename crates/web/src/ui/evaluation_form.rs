//! The evaluation form: reading the posted values into the domain's [`Evaluation`] (blank
//! trial and medication rows ignored, unreadable numbers refused here with the form's own
//! field names), and naming the use case's errors (`evaluation.antidepressant_trials[0].weeks`)
//! after the input they belong to. The view model is in `evaluation_fields`.
//!
//! Form names: `age_years`, `sex`, `pregnant`, `breastfeeding`, `primary_diagnosis`,
//! `episode_duration_months`, `severity`, `trial{n}_drug|dose|weeks|adherent|outcome`,
//! `augmentation_used`, `ect_used`, `history` (repeated), `systolic`, `diastolic`,
//! `heart_rate`, `med{n}_name`, `med{n}_class` (repeated), `cssrs_risk`, the two notes and
//! (amendments) `reason`.

use ketaclinic_domain::FieldError;
use ketaclinic_domain::eligibility::{AntidepressantTrial, DrugClass, Evaluation, Medication, Vitals};
use ketaclinic_domain::person::Sex;

use super::evaluation_labels::{OUTCOMES, RISKS, SEVERITIES};

/// The most rows of one list the form reads (the domain accepts 100 entries).
const MAX_ROWS: usize = 100;

/// The last value posted under `key` (empty if none).
pub(crate) fn value<'a>(values: &'a [(String, String)], key: &str) -> &'a str {
    values.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_default()
}

fn all<'a>(values: &'a [(String, String)], key: &'a str) -> impl Iterator<Item = &'a str> {
    values.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Rows posted for a list: one more than the highest `{prefix}{n}_…` index (at most 100).
pub(crate) fn row_count(values: &[(String, String)], prefix: &str) -> usize {
    values
        .iter()
        .filter_map(|(k, _)| k.strip_prefix(prefix)?.split_once('_')?.0.parse::<usize>().ok())
        .filter(|n| *n < MAX_ROWS)
        .map(|n| n + 1)
        .max()
        .unwrap_or(0)
}

/// The form values of a stored evaluation (the prefill of an amendment).
pub(crate) fn values_of(doc: &Evaluation, psychiatric: &str, medical: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |k: String, v: String| out.push((k, v));
    let yes_no = |b: Option<bool>| b.map_or("", |b| if b { "yes" } else { "no" }).to_owned();
    put("age_years".into(), doc.age_years.map(|a| a.to_string()).unwrap_or_default());
    put("sex".into(), doc.sex.map(|s| s.as_str().to_owned()).unwrap_or_default());
    put("pregnant".into(), yes_no(doc.pregnant));
    put("breastfeeding".into(), yes_no(doc.breastfeeding));
    put("primary_diagnosis".into(), doc.primary_diagnosis.clone().unwrap_or_default());
    put("episode_duration_months".into(), doc.episode_duration_months.map(|m| m.to_string()).unwrap_or_default());
    put("severity".into(), SEVERITIES.iter().find(|(s, _, _)| Some(*s) == doc.severity).map(|(_, v, _)| (*v).to_owned()).unwrap_or_default());
    for (i, t) in doc.antidepressant_trials.iter().enumerate() {
        put(format!("trial{i}_drug"), t.drug.clone());
        put(format!("trial{i}_dose"), t.daily_dose_mg.to_string());
        put(format!("trial{i}_weeks"), t.weeks.to_string());
        put(format!("trial{i}_outcome"), OUTCOMES.iter().find(|(o, _, _)| *o == t.outcome).map(|(_, v, _)| (*v).to_owned()).unwrap_or_default());
        if t.adherent {
            put(format!("trial{i}_adherent"), "yes".into());
        }
    }
    for (flag, key) in [(doc.augmentation_used, "augmentation_used"), (doc.ect_used, "ect_used")] {
        if flag {
            put(key.into(), "yes".into());
        }
    }
    for key in &doc.history {
        put("history".into(), key.clone());
    }
    let v = doc.vitals.unwrap_or_default();
    for (key, n) in [("systolic", v.systolic), ("diastolic", v.diastolic), ("heart_rate", v.heart_rate)] {
        put(key.into(), n.map(|n| n.to_string()).unwrap_or_default());
    }
    for (i, m) in doc.medications.iter().enumerate() {
        put(format!("med{i}_name"), m.name.clone());
        for c in &m.classes {
            put(format!("med{i}_class"), c.as_str().to_owned());
        }
    }
    put("cssrs_risk".into(), RISKS.iter().find(|(r, _, _)| Some(*r) == doc.cssrs_risk).map(|(_, v, _)| (*v).to_owned()).unwrap_or_default());
    put("psychiatric_notes".into(), psychiatric.to_owned());
    put("medical_notes".into(), medical.to_owned());
    out
}

/// The posted form read into a document.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parsed {
    pub document: Evaluation,
    pub psychiatric_notes: String,
    pub medical_notes: String,
    /// What the form itself refuses (unreadable numbers, half-filled trials), by form name.
    pub errors: Vec<FieldError>,
    /// The form row of each trial and medication of the document.
    trial_rows: Vec<usize>,
    med_rows: Vec<usize>,
}

fn whole(values: &[(String, String)], key: &str, example: &str, errors: &mut Vec<FieldError>) -> Option<u32> {
    let raw = value(values, key).trim();
    if raw.is_empty() {
        return None;
    }
    raw.parse::<u32>().map_err(|_| errors.push(FieldError::new(key, format!("must be a whole number, e.g. {example}")))).ok()
}

fn decimal(raw: &str, key: String, what: &str, errors: &mut Vec<FieldError>) -> Option<f64> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.push(FieldError::new(key, format!("is needed for this trial: {what}")));
        return None;
    }
    match raw.replace(',', ".").parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            errors.push(FieldError::new(key, format!("must be a number: {what}")));
            None
        }
    }
}

fn pick<T: Copy>(raw: &str, key: &str, choices: impl IntoIterator<Item = (T, &'static str)>, errors: &mut Vec<FieldError>) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let found = choices.into_iter().find(|(_, v)| *v == raw).map(|(t, _)| t);
    if found.is_none() {
        errors.push(FieldError::new(key, "is not one of the choices"));
    }
    found
}

/// Reads the posted values; `errors` lists what the form itself cannot read.
pub(crate) fn parse(values: &[(String, String)]) -> Parsed {
    let mut errors = Vec::new();
    let e = &mut errors;
    let yes_no = [(true, "yes"), (false, "no")];
    let mut doc = Evaluation {
        age_years: whole(values, "age_years", "42", e),
        sex: pick(value(values, "sex"), "sex", Sex::ALL.map(|s| (s, s.as_str())), e),
        pregnant: pick(value(values, "pregnant"), "pregnant", yes_no, e),
        breastfeeding: pick(value(values, "breastfeeding"), "breastfeeding", yes_no, e),
        primary_diagnosis: Some(value(values, "primary_diagnosis").trim().to_ascii_uppercase()).filter(|d| !d.is_empty()),
        episode_duration_months: whole(values, "episode_duration_months", "18", e),
        severity: pick(value(values, "severity"), "severity", SEVERITIES.map(|(s, v, _)| (s, v)), e),
        augmentation_used: value(values, "augmentation_used") == "yes",
        ect_used: value(values, "ect_used") == "yes",
        history: all(values, "history").map(str::to_owned).collect(),
        cssrs_risk: pick(value(values, "cssrs_risk"), "cssrs_risk", RISKS.map(|(r, v, _)| (r, v)), e),
        ..Evaluation::default()
    };
    let mut trial_rows = Vec::new();
    for row in 0..row_count(values, "trial") {
        let key = |f: &str| format!("trial{row}_{f}");
        let (drug, dose, weeks, outcome) =
            (value(values, &key("drug")), value(values, &key("dose")), value(values, &key("weeks")), value(values, &key("outcome")));
        if [drug, dose, weeks, outcome].iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let daily_dose_mg = decimal(dose, key("dose"), "the daily dose in mg, e.g. 150", e);
        let weeks = decimal(weeks, key("weeks"), "weeks at that dose, e.g. 8", e);
        let outcome = if outcome.trim().is_empty() {
            e.push(FieldError::new(key("outcome"), "is needed for this trial: choose how it ended"));
            None
        } else {
            pick(outcome, &key("outcome"), OUTCOMES.map(|(o, v, _)| (o, v)), e)
        };
        if let (Some(daily_dose_mg), Some(weeks), Some(outcome)) = (daily_dose_mg, weeks, outcome) {
            let adherent = value(values, &key("adherent")) == "yes";
            doc.antidepressant_trials.push(AntidepressantTrial { drug: drug.trim().to_owned(), daily_dose_mg, weeks, adherent, outcome });
            trial_rows.push(row);
        }
    }
    let mut med_rows = Vec::new();
    for row in 0..row_count(values, "med") {
        let name = value(values, &format!("med{row}_name")).trim();
        let class_key = format!("med{row}_class");
        let raw: Vec<&str> = all(values, &class_key).collect();
        if name.is_empty() && raw.is_empty() {
            continue;
        }
        let classes = raw.iter().filter_map(|c| pick(c, &class_key, DrugClass::ALL.map(|d| (d, d.as_str())), e)).collect();
        doc.medications.push(Medication { name: name.to_owned(), classes });
        med_rows.push(row);
    }
    let (systolic, diastolic, heart_rate) = (whole(values, "systolic", "128", e), whole(values, "diastolic", "82", e), whole(values, "heart_rate", "72", e));
    if ["systolic", "diastolic", "heart_rate"].iter().any(|k| !value(values, k).trim().is_empty()) {
        doc.vitals = Some(Vitals { systolic, diastolic, heart_rate });
    }
    Parsed {
        document: doc,
        psychiatric_notes: value(values, "psychiatric_notes").to_owned(),
        medical_notes: value(values, "medical_notes").to_owned(),
        errors,
        trial_rows,
        med_rows,
    }
}

impl Parsed {
    /// The form's own errors and `more` (the domain's or the use case's), all named by form field.
    pub(crate) fn form_errors(&self, more: &[FieldError]) -> Vec<FieldError> {
        let mut out = self.errors.clone();
        out.extend(more.iter().map(|e| FieldError::new(self.form_field(&e.field), e.message.clone())));
        out
    }

    /// `evaluation.antidepressant_trials[1].weeks` → `trial3_weeks` (if trial 1 came from row 3).
    fn form_field(&self, field: &str) -> String {
        let f = field.strip_prefix("evaluation.").unwrap_or(field);
        let indexed = |rest: &str, rows: &[usize]| -> Option<(usize, String)> {
            let (i, tail) = rest.split_once(']')?;
            Some((*rows.get(i.parse::<usize>().ok()?)?, tail.trim_start_matches('.').to_owned()))
        };
        if let Some(rest) = f.strip_prefix("antidepressant_trials[") {
            return match indexed(rest, &self.trial_rows) {
                Some((row, tail)) => format!("trial{row}_{}", if tail == "daily_dose_mg" { "dose" } else { tail.as_str() }),
                None => "trials".to_owned(),
            };
        }
        if let Some(rest) = f.strip_prefix("medications[") {
            return match indexed(rest, &self.med_rows) {
                Some((row, tail)) if tail == "classes" => format!("med{row}_class"),
                Some((row, _)) => format!("med{row}_name"),
                None => "medications".to_owned(),
            };
        }
        match f {
            "antidepressant_trials" => "trials".to_owned(),
            h if h.starts_with("history") => "history".to_owned(),
            v if v.starts_with("vitals.") => v.trim_start_matches("vitals.").to_owned(),
            other => other.to_owned(),
        }
    }
}
