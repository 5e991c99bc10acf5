//! The clinic's changes to the eligibility rules.
//!
//! REFERENCE's design note: SPRAVATO label and REMS items are hard requirements, racemic
//! ketamine rules are clinic protocol. So a clinic may change the kind of a `policy` rule for a
//! modality, or turn it off, but any change to a `label` rule is refused. Two more limits keep
//! the decision meaningful: a missing-information rule can only stay `missing` or be turned
//! off, and no other rule can become `missing`. An override that restates the default is
//! accepted and not stored (a protocol exported with every row still loads).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Modality;
use super::rules::{Basis, FindingKind, RuleDefinition, rule};

/// One protocol line: the kind a rule has for a modality, `kind: null` to turn it off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    pub rule: String,
    pub modality: Modality,
    pub kind: Option<FindingKind>,
}

/// A refused override.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("there is no eligibility rule `{rule}`")]
    UnknownRule { rule: String },
    #[error("rule `{rule}` for {} is set by the product label and cannot be changed", modality.as_str())]
    LabelRule { rule: String, modality: Modality },
    #[error("rule `{rule}` reports missing information; it can only be `missing` or turned off")]
    MissingOnly { rule: String },
    #[error("rule `{rule}` cannot be of kind `missing`; only missing-information rules are")]
    MissingNotAllowed { rule: String },
}

/// The rule kinds in force: the table's defaults plus the clinic's overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EligibilityPolicy {
    overrides: BTreeMap<(&'static str, Modality), Option<FindingKind>>,
}

impl EligibilityPolicy {
    /// A policy from protocol lines; the first refused line is the error.
    pub fn from_overrides(lines: impl IntoIterator<Item = RuleOverride>) -> Result<Self, PolicyError> {
        let mut policy = Self::default();
        for line in lines {
            policy.set(&line.rule, line.modality, line.kind)?;
        }
        Ok(policy)
    }

    /// Sets the kind of `rule` for `modality` (`None` turns it off).
    pub fn set(&mut self, rule_id: &str, modality: Modality, kind: Option<FindingKind>) -> Result<(), PolicyError> {
        let definition = rule(rule_id).ok_or_else(|| PolicyError::UnknownRule { rule: rule_id.to_owned() })?;
        let cell = definition.cell(modality);
        if cell.kind == kind {
            self.overrides.remove(&(definition.rule, modality));
            return Ok(());
        }
        if cell.basis == Basis::Label {
            return Err(PolicyError::LabelRule { rule: definition.rule.to_owned(), modality });
        }
        let missing_rule = definition.trigger.is_missing_information();
        if missing_rule && kind.is_some_and(|k| k != FindingKind::Missing) {
            return Err(PolicyError::MissingOnly { rule: definition.rule.to_owned() });
        }
        if !missing_rule && kind == Some(FindingKind::Missing) {
            return Err(PolicyError::MissingNotAllowed { rule: definition.rule.to_owned() });
        }
        self.overrides.insert((definition.rule, modality), kind);
        Ok(())
    }

    /// The kind in force for a rule and modality (`None`: the rule does not apply).
    pub fn kind(&self, definition: &RuleDefinition, modality: Modality) -> Option<FindingKind> {
        self.overrides.get(&(definition.rule, modality)).copied().unwrap_or(definition.cell(modality).kind)
    }

    /// Whether the clinic changed this rule for this modality.
    pub fn is_changed(&self, definition: &RuleDefinition, modality: Modality) -> bool {
        self.overrides.contains_key(&(definition.rule, modality))
    }

    /// The stored overrides, as protocol lines.
    pub fn overrides(&self) -> Vec<RuleOverride> {
        self.overrides.iter().map(|((rule, modality), kind)| RuleOverride { rule: (*rule).to_owned(), modality: *modality, kind: *kind }).collect()
    }
}
