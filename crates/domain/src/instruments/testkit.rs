//! Helpers shared by the instruments' tests: building answer sets from data.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test helpers fail loudly")]

use serde_json::{Map, Value};

use super::definition::{AnswerKind, Asked, Instrument, Item, Scoring, ScoringSettings};
use super::score::{Score, score};
use crate::error::ValidationErrors;

fn max_option(item: &Item) -> u32 {
    match item.answer {
        AnswerKind::Choice { options } => options.iter().map(|o| o.value).max().unwrap_or(0),
        AnswerKind::YesNo => 0,
    }
}

/// The highest total the definition allows, computed from its items and scoring rule.
pub fn max_total(instrument: &Instrument) -> u32 {
    let item_max = |id: &str| instrument.item(id).map_or(0, max_option);
    match instrument.scoring {
        Scoring::Sum | Scoring::ClusterSums { .. } => instrument.items.iter().filter(|i| i.scored).map(max_option).sum(),
        Scoring::DomainMax { domains } => domains.iter().map(|d| d.items.iter().map(|id| item_max(id)).max().unwrap_or(0)).sum(),
        Scoring::Level { item } => item_max(item),
        Scoring::Triage { .. } => 0,
    }
}

/// Every required item answered 0 (or no), plus the first of each "at least one of" group.
pub fn zeros(instrument: &Instrument) -> Map<String, Value> {
    let mut map = Map::new();
    for item in instrument.items {
        let include = match item.asked {
            Asked::Always => true,
            Asked::AtLeastOneOf { items } => items.first() == Some(&item.id),
            Asked::Optional | Asked::WhenYes { .. } => false,
        };
        if include {
            let zero = match item.answer {
                AnswerKind::Choice { .. } => Value::from(0),
                AnswerKind::YesNo => Value::Bool(false),
            };
            map.insert(item.id.to_owned(), zero);
        }
    }
    map
}

/// A valid answer set with the given total: carrier items filled in published order, each up
/// to its maximum, everything else 0. For domain scoring the carriers are each domain's first
/// item, so the total equals the sum of carriers.
pub fn with_total(instrument: &Instrument, total: u32) -> Value {
    let mut map = zeros(instrument);
    let carriers: Vec<&Item> = match instrument.scoring {
        Scoring::DomainMax { domains } => domains.iter().filter_map(|d| d.items.first().and_then(|id| instrument.item(id))).collect(),
        Scoring::Level { item } => instrument.item(item).into_iter().collect(),
        _ => instrument.items.iter().filter(|i| i.scored).collect(),
    };
    let mut left = total;
    for item in carriers {
        let v = left.min(max_option(item));
        map.insert(item.id.to_owned(), Value::from(v));
        left -= v;
    }
    assert_eq!(left, 0, "{}: total {total} is above the maximum", instrument.id);
    Value::Object(map)
}

/// Any valid answer set, chosen by `seeds` (one or two per item).
pub fn valid_answers(instrument: &Instrument, seeds: &[u32]) -> Value {
    let mut map = Map::new();
    let seed = |i: usize| seeds.get(i % seeds.len().max(1)).copied().unwrap_or(0);
    for (i, item) in instrument.items.iter().enumerate() {
        let (choose, include) = (seed(2 * i), seed(2 * i + 1) % 2 == 0);
        let asked = match item.asked {
            Asked::Always => true,
            Asked::Optional | Asked::AtLeastOneOf { .. } => include,
            Asked::WhenYes { item: gate } => map.get(gate) == Some(&Value::Bool(true)),
        };
        if !asked {
            continue;
        }
        let value = match item.answer {
            AnswerKind::Choice { options } => Value::from(options[usize::try_from(choose).unwrap() % options.len()].value),
            AnswerKind::YesNo => Value::Bool(choose % 2 == 0),
        };
        map.insert(item.id.to_owned(), value);
    }
    for item in instrument.items {
        if let Asked::AtLeastOneOf { items } = item.asked
            && !items.iter().any(|id| map.contains_key(*id))
        {
            map.insert(item.id.to_owned(), Value::from(0));
        }
    }
    Value::Object(map)
}

/// Scores with the default settings and expects success.
pub fn scored(instrument: &Instrument, answers: &Value) -> Score {
    score(instrument, answers, &ScoringSettings::default()).unwrap_or_else(|e| panic!("{}: {e}", instrument.id))
}

/// The refused field names, sorted.
pub fn refused(instrument: &Instrument, answers: &Value) -> Vec<String> {
    let result: Result<Score, ValidationErrors> = score(instrument, answers, &ScoringSettings::default());
    let mut fields: Vec<String> = result.expect_err("answers should be refused").0.into_iter().map(|f| f.field).collect();
    fields.sort();
    fields
}

/// Answers with `id` set to `value` on top of `base`.
pub fn set(base: &Value, id: &str, value: Value) -> Value {
    let mut out = base.clone();
    out[id] = value;
    out
}

/// Answers with `id` removed from `base`.
pub fn without(base: &Value, id: &str) -> Value {
    let mut out = base.clone();
    out.as_object_mut().unwrap().remove(id);
    out
}

/// Checks a boundary table: each `(total, severity)` row scores to that band.
pub fn assert_bands(instrument: &Instrument, table: &[(u32, &str)]) {
    for &(total, band) in table {
        let s = scored(instrument, &with_total(instrument, total));
        assert_eq!(s.total, Some(total), "{}", instrument.id);
        assert_eq!(s.severity.as_deref(), Some(band), "{} total {total}", instrument.id);
    }
}
