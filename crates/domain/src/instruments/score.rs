//! Validation and scoring of one set of answers against an [`Instrument`] definition.
//!
//! The evaluator is generic: every instrument-specific number comes from the definition or from
//! [`ScoringSettings`]. Validation collects every problem before failing so that a form can mark
//! all bad items at once; field names are `answers.<item id>` as the 422 response reports them.
//!
//! Answers to items that the skip logic did not ask (C-SSRS 3–5 after "no" on 2,
//! `6_past_3_months` after "no" on 6) are accepted only when they are `false`, and then ignored:
//! many forms send every checkbox, and "no" adds nothing. A "yes" there contradicts the gating
//! answer (intent to act without any active thought), so it is refused rather than silently
//! dropped or scored — a clinician must resolve it, because either reading changes the risk.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::definition::{AnswerKind, Asked, FlagRule, Instrument, Item, RiskLevel, Scoring, ScoringSettings};
use crate::error::{FieldError, ValidationErrors};

/// The result of scoring, as `POST /api/v1/instruments/{id}/score` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub instrument: String,
    /// `None` for the C-SSRS screener, which has no total.
    pub total: Option<u32>,
    /// Severity band id, `None` where the instrument has no bands.
    pub severity: Option<String>,
    /// Safety and pattern flags (`suicidal_ideation`, `sedation`, `dsm5_symptom_pattern` …).
    pub flags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_level: Option<RiskLevel>,
    /// QIDS-SR16 domains or PCL-5 clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<BTreeMap<String, u32>>,
}

/// One validated answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Value(u32),
    Yes(bool),
}

/// The answers that count: validated and restricted to items that were asked.
#[derive(Debug, Default)]
struct Answers(BTreeMap<&'static str, Answer>);

impl Answers {
    fn value(&self, id: &str) -> Option<u32> {
        match self.0.get(id) {
            Some(Answer::Value(v)) => Some(*v),
            _ => None,
        }
    }

    fn answered(&self, id: &str, yes: bool) -> bool {
        self.0.get(id) == Some(&Answer::Yes(yes))
    }
}

/// Validates `answers` (a JSON object from item id to number or boolean) and scores them.
pub fn score(instrument: &Instrument, answers: &Value, settings: &ScoringSettings) -> Result<Score, ValidationErrors> {
    let answers = validate(instrument, answers)?;
    Ok(evaluate(instrument, &answers, settings))
}

fn validate(instrument: &Instrument, raw: &Value) -> Result<Answers, ValidationErrors> {
    let Some(object) = raw.as_object() else {
        return Err(ValidationErrors::one("answers", "must be an object from item id to answer"));
    };
    let mut errors = ValidationErrors::default();
    for key in object.keys() {
        if instrument.item(key).is_none() {
            errors.0.push(FieldError::new(format!("answers.{key}"), format!("is not an item of {}", instrument.name)));
        }
    }
    // First pass: type and range of every given answer (null counts as not given).
    let mut given = Answers::default();
    for item in instrument.items {
        match object.get(item.id) {
            None | Some(Value::Null) => {}
            Some(value) => {
                if let Some(answer) = errors.collect(&format!("answers.{}", item.id), parse(item, value)) {
                    given.0.insert(item.id, answer);
                }
            }
        }
    }
    // Second pass: required items present, skipped items not contradicting their gate.
    let mut asked = Answers::default();
    for item in instrument.items {
        let field = format!("answers.{}", item.id);
        let answer = given.0.get(item.id).copied();
        let present = answer.is_some() || object.get(item.id).is_some_and(|v| !v.is_null());
        match item.asked {
            Asked::Always if !present => errors.0.push(FieldError::new(field, "is required")),
            Asked::WhenYes { item: gate } if !given.answered(gate, true) => {
                if answer.is_some_and(|a| a != Answer::Yes(false)) {
                    errors.0.push(FieldError::new(field, format!("is asked only when item {gate} is yes; leave it out or answer false")));
                }
                continue;
            }
            Asked::WhenYes { .. } if !present => errors.0.push(FieldError::new(field, "is required when the item it follows is yes")),
            Asked::AtLeastOneOf { items } if !items.iter().any(|id| object.get(*id).is_some_and(|v| !v.is_null())) => {
                errors.0.push(FieldError::new(field, format!("answer at least one of items {}", items.join(", "))));
            }
            _ => {}
        }
        if let Some(answer) = answer {
            asked.0.insert(item.id, answer);
        }
    }
    errors.into_result().map(|()| asked)
}

fn parse(item: &Item, value: &Value) -> Result<Answer, FieldError> {
    match item.answer {
        AnswerKind::YesNo => value.as_bool().map(Answer::Yes).ok_or_else(|| FieldError::new("", "must be true or false")),
        AnswerKind::Choice { options } => {
            let allowed = || options.iter().map(|o| o.value.to_string()).collect::<Vec<_>>().join(", ");
            let number = value.as_u64().and_then(|n| u32::try_from(n).ok());
            match number {
                Some(n) if options.iter().any(|o| o.value == n) => Ok(Answer::Value(n)),
                _ if value.is_number() => Err(FieldError::new("", format!("must be one of {}", allowed()))),
                _ => Err(FieldError::new("", format!("must be a whole number, one of {}", allowed()))),
            }
        }
    }
}

fn evaluate(instrument: &Instrument, answers: &Answers, settings: &ScoringSettings) -> Score {
    let scored_sum = || instrument.items.iter().filter(|item| item.scored).filter_map(|item| answers.value(item.id)).sum::<u32>();
    let (total, domains, risk) = match instrument.scoring {
        Scoring::Sum => (Some(scored_sum()), None, None),
        Scoring::Level { item } => (answers.value(item), None, None),
        Scoring::DomainMax { domains } => {
            let map: BTreeMap<String, u32> =
                domains.iter().map(|d| (d.id.to_owned(), d.items.iter().filter_map(|id| answers.value(id)).max().unwrap_or(0))).collect();
            (Some(map.values().sum()), Some(map), None)
        }
        Scoring::ClusterSums { clusters } => {
            let map = clusters.iter().map(|c| (c.id.to_owned(), c.items.iter().filter_map(|id| answers.value(id)).sum())).collect();
            (Some(scored_sum()), Some(map), None)
        }
        Scoring::Triage { rules } => {
            let matches = |yes: &[&str], no: &[&str]| yes.iter().all(|id| answers.answered(id, true)) && no.iter().all(|id| answers.answered(id, false));
            let level = rules.iter().filter(|r| matches(r.yes, r.no)).map(|r| r.level).max().unwrap_or(RiskLevel::None);
            (None, None, Some(level))
        }
    };
    let severity = total.and_then(|t| instrument.bands(settings).into_iter().find(|b| (b.min..=b.max).contains(&t)).map(|b| b.id.to_owned()));
    let mut flags: Vec<String> = Vec::new();
    for rule in instrument.flags {
        let (flag, raised) = match *rule {
            FlagRule::ItemAtLeast { flag, item, min } => (flag, answers.value(item).is_some_and(|v| v >= settings.resolve(min))),
            FlagRule::TotalAtMost { flag, max } => (flag, total.is_some_and(|t| t <= max)),
            FlagRule::RiskAtLeast { flag, level } => (flag, risk.is_some_and(|r| r >= level)),
            FlagRule::ItemPattern { flag, item_min, groups } => {
                let group_met = |items: &[&str], at_least: u32| {
                    let count = items.iter().filter(|id| answers.value(id).is_some_and(|v| v >= item_min)).count();
                    u32::try_from(count).is_ok_and(|c| c >= at_least)
                };
                (flag, groups.iter().all(|g| group_met(g.items, g.at_least)))
            }
        };
        if raised && !flags.iter().any(|f| f == flag) {
            flags.push(flag.to_owned());
        }
    }
    Score { instrument: instrument.id.to_owned(), total, severity, flags, risk_level: risk, domains }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use serde_json::json;

    use super::*;
    use crate::instruments::get;

    fn fields(result: Result<Score, ValidationErrors>) -> Vec<String> {
        result.err().map(|e| e.0.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    }

    #[test]
    fn answers_must_be_an_object() {
        let phq9 = get("phq9").unwrap();
        assert_eq!(fields(score(phq9, &json!([1, 2]), &ScoringSettings::default())), ["answers"]);
    }

    #[test]
    fn null_counts_as_not_given() {
        let phq9 = get("phq9").unwrap();
        let mut a = json!({"1":0,"2":0,"3":0,"4":0,"5":0,"6":0,"7":0,"8":0,"9":0,"10":null});
        assert!(score(phq9, &a, &ScoringSettings::default()).is_ok());
        a["9"] = Value::Null;
        assert_eq!(fields(score(phq9, &a, &ScoringSettings::default())), ["answers.9"]);
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let phq9 = get("phq9").unwrap();
        let a = json!({"1":0,"2":4,"3":"1","4":1.5,"5":-1,"6":0,"7":0,"8":true,"11":0});
        let mut got = fields(score(phq9, &a, &ScoringSettings::default()));
        got.sort();
        assert_eq!(got, ["answers.11", "answers.2", "answers.3", "answers.4", "answers.5", "answers.8", "answers.9"]);
    }

    #[test]
    fn score_serialises_as_the_api_shape() {
        let s = Score { instrument: "phq9".into(), total: Some(3), severity: Some("minimal".into()), flags: vec![], risk_level: None, domains: None };
        assert_eq!(serde_json::to_value(&s).unwrap(), json!({"instrument":"phq9","total":3,"severity":"minimal","flags":[]}));
        let c = Score { instrument: "cssrs_screener".into(), total: None, severity: None, flags: vec![], risk_level: Some(RiskLevel::High), domains: None };
        assert_eq!(serde_json::to_value(&c).unwrap()["risk_level"], json!("high"));
        assert_eq!(serde_json::to_value(&c).unwrap()["total"], Value::Null);
    }
}
