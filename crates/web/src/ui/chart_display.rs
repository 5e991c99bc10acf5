//! How a chart list entry reads: on the chart (title, values, tags) and in its history (every
//! value in form order, so versions can be compared).

use ketaclinic_domain::chart::ChartKind;
use serde_json::Value;

use super::chart_forms::{Opt, Spec, options, specs};

/// One labelled value of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fact {
    pub label: &'static str,
    pub value: String,
    /// A phone number (shown as a `tel:` link).
    pub tel: bool,
}

/// A short label on an entry (a drug class, "Primary").
#[derive(Debug, Clone)]
pub(crate) struct Tag {
    pub label: String,
    pub alert: bool,
}

/// An entry as the chart shows it.
#[derive(Debug, Clone)]
pub(crate) struct Shown {
    pub title: String,
    /// `tel:` link of a phone contact's title; empty otherwise.
    pub title_href: String,
    pub facts: Vec<Fact>,
    pub tags: Vec<Tag>,
}

fn text_of(body: &Value, name: &str) -> String {
    match body.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Every value of an entry in form order with the control's name and kind.
fn named_facts(kind: ChartKind, body: &Value) -> Vec<(&'static str, &'static str, Fact)> {
    let mut facts = Vec::new();
    for s in specs(kind) {
        let raw = text_of(body, s.name);
        let value = match s.kind {
            "check" => if body.get(s.name).and_then(Value::as_bool).unwrap_or(false) { "Yes" } else { "No" }.to_owned(),
            "checks" => tag_options(s, body).into_iter().map(|o| o.label).collect::<Vec<_>>().join(", "),
            "select" => options(s.choices).into_iter().find(|o| o.value == raw).map_or(raw, |o| o.label),
            _ => raw,
        };
        let tel = s.kind == "tel" || (kind == ChartKind::Contact && s.name == "value" && text_of(body, "system") == "phone");
        facts.push((s.name, s.kind, Fact { label: s.label, value, tel }));
    }
    if kind == ChartKind::Diagnosis {
        facts.push(("snomed", "text", Fact { label: "SNOMED CT", value: text_of(body, "snomed"), tel: false }));
    }
    facts
}

/// The ticked choices of a checkbox group.
fn tag_options(s: &Spec, body: &Value) -> Vec<Opt> {
    let ticked: Vec<&str> = body.get(s.name).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    options(s.choices).into_iter().filter(|o| ticked.contains(&o.value.as_str())).collect()
}

/// Every value of an entry in form order, in words (the history compares these).
pub(crate) fn snapshot(kind: ChartKind, body: &Value) -> Vec<Fact> {
    if kind == ChartKind::SafetyPlan {
        return super::safety_plan::facts(body);
    }
    named_facts(kind, body).into_iter().map(|(_, _, f)| f).collect()
}

/// The fields that make an entry's title.
fn title_fields(kind: ChartKind) -> &'static [&'static str] {
    match kind {
        ChartKind::Contact => &["value"],
        ChartKind::Diagnosis => &["icd10cm", "display"],
        ChartKind::Allergy => &["substance"],
        _ => &["name"],
    }
}

/// An entry for the chart: title, the other non-empty values, and tags.
pub(crate) fn shown(kind: ChartKind, body: &Value) -> Shown {
    let titles = title_fields(kind);
    let title = titles.iter().map(|f| text_of(body, f)).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" — ");
    let phone_contact = kind == ChartKind::Contact && text_of(body, "system") == "phone";
    let mut tags = Vec::new();
    for s in specs(kind) {
        match s.kind {
            "check" if body.get(s.name).and_then(Value::as_bool).unwrap_or(false) => tags.push(Tag { label: s.tag.to_owned(), alert: false }),
            "checks" => tags.extend(tag_options(s, body).into_iter().map(|o| Tag { label: o.label, alert: o.alert })),
            _ => {}
        }
    }
    let facts = named_facts(kind, body)
        .into_iter()
        .filter(|(name, control, f)| !f.value.is_empty() && !titles.contains(name) && *control != "check" && *control != "checks")
        .map(|(_, _, f)| f)
        .collect();
    Shown { title_href: if phone_contact { format!("tel:{title}") } else { String::new() }, title, facts, tags }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::chart_forms::{inputs, pairs_of};

    #[test]
    fn entries_read_with_title_facts_and_tags() {
        let body = serde_json::json!({"name": "Xanax", "dose": "0.5 mg", "classes": ["benzodiazepine", "ssri"], "status": "active"});
        let s = shown(ChartKind::Medication, &body);
        assert_eq!(s.title, "Xanax");
        assert_eq!(s.facts.iter().map(|f| f.label).collect::<Vec<_>>(), ["Dose", "Status"]);
        assert_eq!(s.tags.iter().map(|t| (t.label.as_str(), t.alert)).collect::<Vec<_>>(), [("Benzodiazepine", true), ("SSRI", false)]);
        let prefill = inputs(ChartKind::Medication, "c", &pairs_of(&body));
        assert!(prefill[2].has("benzodiazepine") && !prefill[2].has("opioid"));
        let dx = shown(ChartKind::Diagnosis, &serde_json::json!({"icd10cm": "F33.1", "display": "MDD", "snomed": "370143000", "primary": true}));
        assert_eq!((dx.title.as_str(), dx.tags[0].label.as_str()), ("F33.1 — MDD", "Primary"));
        assert!(dx.facts.iter().any(|f| f.label == "SNOMED CT" && f.value == "370143000"));
    }
}
