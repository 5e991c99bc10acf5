//! A suicide safety plan in the Stanley–Brown style (REFERENCE §10): a short, personal,
//! written list of what the patient does, step by step, when a crisis is building.
//!
//! One current plan per patient, kept as a chart entry of kind `safety_plan`: the first save
//! is version 1, every later save a new version with a reason ("reviewed with patient"), so
//! earlier plans stay readable. The seven sections are lists of short lines; three of them
//! name people, places or services with a phone number.
//!
//! The professional and crisis section starts, on a new plan, with the US 988 Suicide & Crisis
//! Lifeline (call or text 988) and emergency services (911). Staff may edit or remove them (a
//! clinic outside the US has other numbers), which is why they are defaults and not fixed. A
//! body sent without that section gets them too; an explicitly empty list stays empty.
//!
//! Crisis services are often reached by a short dialling code (988, 911, 741741), which is no
//! E.164 number: that section alone accepts 3–6 digit codes; every other number is normalised
//! to E.164 with the clinic's region, as in [`super::entries`].

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::entries::{Check, CheckContext, NAME_MAX};
use crate::error::{FieldError, ValidationErrors};
use crate::phone::E164;

/// Most lines (or people) in one section.
pub const SECTION_MAX: usize = 20;
/// Longest line of a section.
pub const LINE_MAX: usize = 300;
/// Longest note on a person or service ("call or text, any time").
pub const CONTACT_NOTE_MAX: usize = 100;

/// A person, place or service on the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PlanContact {
    /// A person's name, a place ("the library on Main St") or a service.
    #[serde(default)]
    pub name: String,
    /// E.164 (or, for crisis services, a short code such as `988`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// e.g. "call or text, any time", "weekdays 9–5".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl PlanContact {
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.phone.as_deref().is_none_or(|p| p.trim().is_empty()) && self.note.as_deref().is_none_or(|n| n.trim().is_empty())
    }
}

/// The crisis lines a new plan starts with: the US 988 Suicide & Crisis Lifeline and
/// emergency services (REFERENCE §10).
pub fn default_crisis_contacts() -> Vec<PlanContact> {
    vec![
        PlanContact { name: "988 Suicide & Crisis Lifeline".to_owned(), phone: Some("988".to_owned()), note: Some("Call or text 988, any time".to_owned()) },
        PlanContact { name: "Emergency services".to_owned(), phone: Some("911".to_owned()), note: Some("If I am in immediate danger".to_owned()) },
    ]
}

/// One version of a patient's safety plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyPlan {
    /// Section 1: thoughts, moods, situations or behaviour that tell a crisis may be starting.
    #[serde(default)]
    pub warning_signs: Vec<String>,
    /// Section 2: what the patient can do alone to get through it.
    #[serde(default)]
    pub coping_strategies: Vec<String>,
    /// Section 3: people and places that take the patient's mind off things (phone optional).
    #[serde(default)]
    pub distractions: Vec<PlanContact>,
    /// Section 4: people the patient can ask for help (phone required).
    #[serde(default)]
    pub help_contacts: Vec<PlanContact>,
    /// Section 5: clinicians, services and crisis lines to call in a crisis (phone required).
    #[serde(default = "default_crisis_contacts")]
    pub crisis_contacts: Vec<PlanContact>,
    /// Section 6: how the surroundings are made safer (means of harm kept away).
    #[serde(default)]
    pub safe_environment: Vec<String>,
    /// Section 7: what the patient is living for, the thing that matters most.
    #[serde(default)]
    pub reasons_for_living: Vec<String>,
    /// Who wrote the plan with the patient, e.g. "Jo Rivera, therapist".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made_with: Option<String>,
    /// When the plan was last gone through with the patient; today when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_on: Option<Date>,
}

impl Default for SafetyPlan {
    /// A new, empty plan with the default crisis lines filled in.
    fn default() -> Self {
        Self {
            warning_signs: Vec::new(),
            coping_strategies: Vec::new(),
            distractions: Vec::new(),
            help_contacts: Vec::new(),
            crisis_contacts: default_crisis_contacts(),
            safe_environment: Vec::new(),
            reasons_for_living: Vec::new(),
            made_with: None,
            reviewed_on: None,
        }
    }
}

/// How phone numbers of a section are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PhoneRule {
    Optional,
    Required,
    /// Required; a 3–6 digit service code (988, 911) is accepted as well.
    RequiredOrShortCode,
}

/// A 3–6 digit dialling code of a service (988, 911, 741741), as typed.
fn short_code(raw: &str) -> Option<String> {
    let t = raw.trim();
    if (3..=6).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) { Some(t.to_owned()) } else { None }
}

fn phone(raw: &str, rule: PhoneRule, ctx: &CheckContext) -> Result<Option<String>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return if rule == PhoneRule::Optional { Ok(None) } else { Err("is required".to_owned()) };
    }
    if rule == PhoneRule::RequiredOrShortCode
        && let Some(code) = short_code(raw)
    {
        return Ok(Some(code));
    }
    E164::parse(raw, ctx.region)
        .map(|p| Some(p.as_str().to_owned()))
        .map_err(|e| if rule == PhoneRule::RequiredOrShortCode { format!("{}, or be a short service number such as 988", e.message) } else { e.message })
}

/// Collects every refused field of one plan.
struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, field: String, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Trims `raw`; blank is `None`, longer than `max` is refused.
    fn text(&mut self, field: String, raw: &str, max: usize) -> Option<String> {
        let t = raw.trim();
        if t.is_empty() {
            return None;
        }
        if t.chars().count() > max {
            self.push(field, format!("must be at most {max} characters"));
        }
        Some(t.to_owned())
    }

    /// A section of lines: trimmed, blank lines dropped, each and their number bounded.
    fn lines(&mut self, section: &str, lines: Vec<String>) -> Vec<String> {
        let kept: Vec<String> = lines.iter().enumerate().filter_map(|(i, l)| self.text(format!("{section}[{i}]"), l, LINE_MAX)).collect();
        if kept.len() > SECTION_MAX {
            self.push(section.to_owned(), format!("must have at most {SECTION_MAX} lines"));
        }
        kept
    }

    /// A section of people or services: blank rows dropped, names required, phones normalised.
    fn contacts(&mut self, section: &str, rows: Vec<PlanContact>, rule: PhoneRule, ctx: &CheckContext) -> Vec<PlanContact> {
        let mut kept = Vec::new();
        for (i, row) in rows.into_iter().enumerate() {
            if row.is_blank() {
                continue;
            }
            let name = self.text(format!("{section}[{i}].name"), &row.name, NAME_MAX);
            if name.is_none() {
                self.push(format!("{section}[{i}].name"), "is required");
            }
            let phone = phone(row.phone.as_deref().unwrap_or_default(), rule, ctx).unwrap_or_else(|message| {
                self.push(format!("{section}[{i}].phone"), message);
                None
            });
            let note = row.note.as_deref().and_then(|n| self.text(format!("{section}[{i}].note"), n, CONTACT_NOTE_MAX));
            kept.push(PlanContact { name: name.unwrap_or_default(), phone, note });
        }
        if kept.len() > SECTION_MAX {
            self.push(section.to_owned(), format!("must have at most {SECTION_MAX} entries"));
        }
        kept
    }
}

impl Check for SafetyPlan {
    /// Trims every text, drops blank lines and rows, bounds sections and lines, normalises
    /// phone numbers, fills `reviewed_on` with today, and asks for at least a warning sign or
    /// a reason for living (a plan with neither is not a plan yet).
    fn check(self, ctx: &CheckContext) -> Result<Self, ValidationErrors> {
        let mut e = Errors(Vec::new());
        let plan = Self {
            warning_signs: e.lines("warning_signs", self.warning_signs),
            coping_strategies: e.lines("coping_strategies", self.coping_strategies),
            distractions: e.contacts("distractions", self.distractions, PhoneRule::Optional, ctx),
            help_contacts: e.contacts("help_contacts", self.help_contacts, PhoneRule::Required, ctx),
            crisis_contacts: e.contacts("crisis_contacts", self.crisis_contacts, PhoneRule::RequiredOrShortCode, ctx),
            safe_environment: e.lines("safe_environment", self.safe_environment),
            reasons_for_living: e.lines("reasons_for_living", self.reasons_for_living),
            made_with: self.made_with.as_deref().and_then(|m| e.text("made_with".to_owned(), m, NAME_MAX)),
            reviewed_on: Some(self.reviewed_on.unwrap_or(ctx.today)),
        };
        if plan.reviewed_on.is_some_and(|d| d > ctx.today) {
            e.push("reviewed_on".to_owned(), "must not be in the future");
        }
        if plan.warning_signs.is_empty() && plan.reasons_for_living.is_empty() {
            e.push("warning_signs".to_owned(), "needs at least one line, or write a reason for living");
        }
        ValidationErrors(e.0).into_result().map(|()| plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::PhoneRegion;

    fn ctx() -> CheckContext {
        CheckContext { region: PhoneRegion::Nanp, today: jiff::civil::date(2026, 11, 21) }
    }

    fn fields(err: &ValidationErrors) -> Vec<&str> {
        err.0.iter().map(|f| f.field.as_str()).collect()
    }

    fn minimal() -> SafetyPlan {
        SafetyPlan { warning_signs: vec!["Not sleeping".to_owned()], ..SafetyPlan::default() }
    }

    #[test]
    fn a_new_plan_starts_with_988_and_911() {
        let plan = SafetyPlan::default();
        let phones: Vec<_> = plan.crisis_contacts.iter().map(|c| c.phone.as_deref()).collect();
        assert_eq!(phones, [Some("988"), Some("911")]);
        // A body without the section gets them as well; an explicit empty list stays empty.
        let sent: SafetyPlan = serde_json::from_value(serde_json::json!({"warning_signs": ["x"]})).unwrap();
        assert_eq!(sent.crisis_contacts, default_crisis_contacts());
        let none: SafetyPlan = serde_json::from_value(serde_json::json!({"warning_signs": ["x"], "crisis_contacts": []})).unwrap();
        assert!(none.crisis_contacts.is_empty());
        let checked = minimal().check(&ctx()).unwrap();
        assert_eq!(checked.crisis_contacts[0].phone.as_deref(), Some("988"), "short codes survive the check");
    }

    #[test]
    fn texts_are_trimmed_and_blank_lines_and_rows_dropped() {
        let plan = SafetyPlan {
            warning_signs: vec!["  Staying in bed all day  ".to_owned(), "   ".to_owned(), String::new()],
            distractions: vec![PlanContact { name: " Library ".to_owned(), ..PlanContact::default() }, PlanContact::default()],
            made_with: Some("  ".to_owned()),
            ..SafetyPlan::default()
        };
        let checked = plan.check(&ctx()).unwrap();
        assert_eq!(checked.warning_signs, ["Staying in bed all day"]);
        assert_eq!(checked.distractions, [PlanContact { name: "Library".to_owned(), phone: None, note: None }]);
        assert_eq!(checked.made_with, None);
        assert_eq!(checked.reviewed_on, Some(ctx().today), "reviewed today unless said otherwise");
    }

    #[test]
    fn phones_are_normalised_and_short_codes_only_for_services() {
        let plan = SafetyPlan {
            help_contacts: vec![PlanContact { name: "Sam".to_owned(), phone: Some("(212) 555-0143".to_owned()), note: None }],
            crisis_contacts: vec![
                PlanContact { name: "Dr Ode".to_owned(), phone: Some("+1 212 555 0199".to_owned()), note: None },
                PlanContact { name: "Crisis Text Line".to_owned(), phone: Some(" 741741 ".to_owned()), note: Some("text HOME".to_owned()) },
            ],
            ..minimal()
        };
        let checked = plan.check(&ctx()).unwrap();
        assert_eq!(checked.help_contacts[0].phone.as_deref(), Some("+12125550143"));
        assert_eq!(checked.crisis_contacts[0].phone.as_deref(), Some("+12125550199"));
        assert_eq!(checked.crisis_contacts[1].phone.as_deref(), Some("741741"));

        let bad = SafetyPlan {
            help_contacts: vec![
                PlanContact { name: "Sam".to_owned(), phone: Some("988".to_owned()), note: None },
                PlanContact { name: "Kim".to_owned(), phone: None, note: None },
                PlanContact { name: String::new(), phone: Some("2125550143".to_owned()), note: None },
            ],
            distractions: vec![PlanContact { name: "Gym".to_owned(), phone: Some("12".to_owned()), note: None }],
            crisis_contacts: vec![PlanContact { name: "Line".to_owned(), phone: Some("98".to_owned()), note: None }],
            ..minimal()
        };
        let err = bad.check(&ctx()).unwrap_err();
        assert_eq!(
            fields(&err),
            ["distractions[0].phone", "help_contacts[0].phone", "help_contacts[1].phone", "help_contacts[2].name", "crisis_contacts[0].phone"]
        );
        assert!(err.0[4].message.contains("988"), "the message says short numbers work here: {}", err.0[4].message);
    }

    #[test]
    fn sections_and_lines_are_bounded() {
        let plan = SafetyPlan {
            coping_strategies: vec!["walk".to_owned(); SECTION_MAX + 1],
            safe_environment: vec!["x".repeat(LINE_MAX + 1), "ok".to_owned()],
            help_contacts: vec![PlanContact { name: "Sam".to_owned(), phone: Some("2125550143".to_owned()), note: None }; SECTION_MAX + 1],
            made_with: Some("y".repeat(NAME_MAX + 1)),
            reviewed_on: Some(jiff::civil::date(2026, 11, 22)),
            ..minimal()
        };
        let err = plan.check(&ctx()).unwrap_err();
        assert_eq!(fields(&err), ["coping_strategies", "help_contacts", "safe_environment[0]", "made_with", "reviewed_on"]);
        let exactly = SafetyPlan { coping_strategies: vec!["w".repeat(LINE_MAX); SECTION_MAX], ..minimal() };
        assert!(exactly.check(&ctx()).is_ok(), "the limits themselves are allowed");
    }

    #[test]
    fn a_plan_needs_a_warning_sign_or_a_reason_for_living() {
        let err = SafetyPlan { coping_strategies: vec!["music".to_owned()], ..SafetyPlan::default() }.check(&ctx()).unwrap_err();
        assert_eq!(fields(&err), ["warning_signs"]);
        let reasons = SafetyPlan { reasons_for_living: vec!["My daughter".to_owned()], ..SafetyPlan::default() };
        assert!(reasons.check(&ctx()).is_ok());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_value::<SafetyPlan>(serde_json::json!({"warning_sings": ["x"]})).unwrap_err();
        assert!(err.to_string().contains("unknown field `warning_sings`"), "{err}");
        let err = serde_json::from_value::<PlanContact>(serde_json::json!({"name": "x", "fone": "1"})).unwrap_err();
        assert!(err.to_string().contains("unknown field `fone`"), "{err}");
    }
}
