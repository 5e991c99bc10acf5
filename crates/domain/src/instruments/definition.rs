//! The shape of an instrument definition: items, answer options, scoring rule, severity bands,
//! safety-flag rules, codes, licence and source.
//!
//! Everything here is plain `const` data. Adding an instrument means writing one more value of
//! [`Instrument`] (plus its tests), never new scoring logic: the generic evaluator in
//! [`super::score::score`] reads these rules. The same values are serialised as they are for
//! `GET /api/v1/instruments/{id}`, so what a form shows and what the scorer checks cannot drift
//! apart.

use serde::{Deserialize, Serialize};

/// Who completes the instrument; decides who may submit it and how a form is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Administration {
    /// The patient answers (clinic tablet or self-report link).
    SelfReport,
    /// A clinician interviews and rates (MADRS, CADSS).
    Clinician,
    /// A clinician observes the patient (MOAA/S).
    Observer,
}

/// Whether item texts are the published wording or only short labels.
///
/// Full wording is embedded only where the licence allows redistribution; elsewhere the clinic
/// uses its own licensed form and records answers against our short labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Wording {
    Full,
    ShortLabels,
}

/// A LOINC code, embedded only where `REFERENCE.md` §9 marks it verified.
///
/// Built from constants in this module; the tests check every code's mod-10 check digit, which
/// catches a mistyped code in the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Loinc(&'static str);

impl Loinc {
    /// A code from the verified list. Not checked here (this runs in `const` context); see
    /// [`Loinc::is_well_formed`].
    pub const fn new(code: &'static str) -> Self {
        Self(code)
    }

    /// The code, e.g. `44261-6`.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// `NNNNN-C` with a correct LOINC mod-10 (Luhn) check digit.
    pub fn is_well_formed(self) -> bool {
        let Some((number, check)) = self.0.split_once('-') else { return false };
        if number.is_empty() || number.len() > 7 || check.len() != 1 || !number.bytes().chain(check.bytes()).all(|b| b.is_ascii_digit()) {
            return false;
        }
        let digits: Vec<u32> = number.bytes().chain(check.bytes()).map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = digits
            .iter()
            .rev()
            .enumerate()
            .map(|(i, &d)| {
                if i % 2 == 1 {
                    let x = d * 2;
                    x / 10 + x % 10
                } else {
                    d
                }
            })
            .sum();
        sum.is_multiple_of(10)
    }
}

/// Instrument-level codes; each `None` until verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Codes {
    /// The panel (whole questionnaire).
    pub panel: Option<Loinc>,
    /// The total score observation.
    pub total: Option<Loinc>,
    /// The risk-level observation (C-SSRS).
    pub risk_level: Option<Loinc>,
}

impl Codes {
    /// No verified code: FHIR export falls back to the local code system.
    pub const NONE: Self = Self { panel: None, total: None, risk_level: None };
}

/// One answer option: the value stored and scored, and its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AnswerOption {
    pub value: u32,
    pub label: &'static str,
}

/// What an answer looks like on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerKind {
    /// A whole number that must equal one of the option values.
    Choice { options: &'static [AnswerOption] },
    /// A JSON boolean.
    YesNo,
}

/// When an item is asked, and so whether its absence is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Asked {
    /// Always asked; required.
    Always,
    /// Always offered but may be left out (PHQ-9 item 10).
    Optional,
    /// Asked only when `item` was answered yes; then required. Skip logic of the C-SSRS.
    WhenYes { item: &'static str },
    /// The respondent answers at least one of `items` (QIDS-SR16: "complete either 6 or 7").
    AtLeastOneOf { items: &'static [&'static str] },
}

/// One item of an instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Item {
    /// `"1"`…`"n"` in published order (API.md), or a named id (`6_past_3_months`, `level`).
    pub id: &'static str,
    /// Published wording or a short label; see [`Instrument::wording`].
    pub text: &'static str,
    pub answer: AnswerKind,
    pub asked: Asked,
    /// Counted by the scoring rule; `false` for items that are stored only.
    pub scored: bool,
    pub loinc: Option<Loinc>,
}

/// A named group of items: a QIDS-SR16 domain or a PCL-5 cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Domain {
    pub id: &'static str,
    pub label: &'static str,
    pub items: &'static [&'static str],
}

/// Suicide-risk level of the C-SSRS screener triage, ordered none < low < moderate < high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    None,
    Low,
    Moderate,
    High,
}

/// One triage point: `level` applies when every item in `yes` was answered yes and every item
/// in `no` was answered no. The highest matching level wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TriageRule {
    pub level: RiskLevel,
    pub yes: &'static [&'static str],
    pub no: &'static [&'static str],
}

/// How answers become a total (and domains or a risk level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Scoring {
    /// Total = sum of scored items.
    Sum,
    /// Each domain scores the highest of its answered items; total = sum of domains (QIDS-SR16).
    DomainMax { domains: &'static [Domain] },
    /// Total = sum of scored items; each cluster's sum is reported too (PCL-5).
    ClusterSums { clusters: &'static [Domain] },
    /// No total; a risk level from triage points (C-SSRS screener).
    Triage { rules: &'static [TriageRule] },
    /// Total = the value of one item (MOAA/S level).
    Level { item: &'static str },
}

/// A clinic setting that a threshold may refer to; values live in [`ScoringSettings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    /// PCL-5 total at or above which PTSD is probable.
    Pcl5Cutoff,
    /// MADRS item 10 (suicidal thoughts) value at or above which `suicidal_ideation` is raised.
    MadrsSuicideItemMin,
}

/// A number in a rule: fixed by the instrument, or a clinic setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    Fixed(u32),
    Setting(Setting),
}

/// Clinic-configurable thresholds (REFERENCE marks these `[L]`, clinic settings, never hard rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScoringSettings {
    /// PCL-5 cut-off; REFERENCE §6.6 gives 31–33, the issue's default is 33.
    pub pcl5_cutoff: u32,
    /// MADRS item-10 threshold for the `suicidal_ideation` flag; default 2.
    pub madrs_suicide_item_min: u32,
}

/// Default PCL-5 cut-off (issue 4).
pub const DEFAULT_PCL5_CUTOFF: u32 = 33;
/// Default MADRS item-10 threshold (issue 4).
pub const DEFAULT_MADRS_SUICIDE_ITEM_MIN: u32 = 2;

impl Default for ScoringSettings {
    fn default() -> Self {
        Self { pcl5_cutoff: DEFAULT_PCL5_CUTOFF, madrs_suicide_item_min: DEFAULT_MADRS_SUICIDE_ITEM_MIN }
    }
}

impl ScoringSettings {
    /// The current value of a setting.
    pub fn value(&self, setting: Setting) -> u32 {
        match setting {
            Setting::Pcl5Cutoff => self.pcl5_cutoff,
            Setting::MadrsSuicideItemMin => self.madrs_suicide_item_min,
        }
    }

    /// Resolves a threshold against these settings.
    pub fn resolve(&self, threshold: Threshold) -> u32 {
        match threshold {
            Threshold::Fixed(value) => value,
            Threshold::Setting(setting) => self.value(setting),
        }
    }
}

/// A severity band: totals `min..=max` get `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Band {
    pub id: &'static str,
    pub min: u32,
    pub max: u32,
}

/// How a total maps to a severity id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Severity {
    /// No severity (C-SSRS, CADSS, MOAA/S: REFERENCE gives no bands).
    None,
    /// Fixed published bands, contiguous over the total range.
    Bands { bands: &'static [Band] },
    /// Two bands split at a clinic-set cut-off (PCL-5: "no empirically derived severity bands").
    Cutoff { cutoff: Threshold, below: &'static str, at_or_above: &'static str },
}

/// Items of `items` whose value is at least `item_min` must number at least `at_least`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PatternGroup {
    pub domain: &'static str,
    pub items: &'static [&'static str],
    pub at_least: u32,
}

/// When a flag is raised. Flags are how safety items reach the alert workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum FlagRule {
    /// `item` answered with a value ≥ `min`.
    ItemAtLeast { flag: &'static str, item: &'static str, min: Threshold },
    /// The total is ≤ `max` (MOAA/S sedation and loss of consciousness).
    TotalAtMost { flag: &'static str, max: u32 },
    /// The triage risk is ≥ `level`.
    RiskAtLeast { flag: &'static str, level: RiskLevel },
    /// Every group has enough items ≥ `item_min` (PCL-5 DSM-5 symptom pattern).
    ItemPattern { flag: &'static str, item_min: u32, groups: &'static [PatternGroup] },
}

/// Published range of the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TotalRange {
    pub min: u32,
    pub max: u32,
}

/// A validated instrument, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Instrument {
    /// Stable id used in URLs and storage (`phq9`, `gad7`, …).
    pub id: &'static str,
    /// Short display name (`PHQ-9`).
    pub name: &'static str,
    /// Full title.
    pub title: &'static str,
    pub administration: Administration,
    /// Instructions shown above the items (published wording where allowed).
    pub instructions: &'static str,
    pub wording: Wording,
    pub items: &'static [Item],
    pub scoring: Scoring,
    /// `None` for instruments without a total (C-SSRS screener).
    pub total_range: Option<TotalRange>,
    pub severity: Severity,
    pub flags: &'static [FlagRule],
    pub codes: Codes,
    /// Licence status as REFERENCE §6 records it.
    pub licence: &'static str,
    /// Where the items, scoring and bands come from.
    pub source: &'static str,
}

impl Instrument {
    /// The item with `id`, if the instrument has it.
    pub fn item(&self, id: &str) -> Option<&'static Item> {
        self.items.iter().find(|item| item.id == id)
    }

    /// Severity bands with clinic settings applied, e.g. for shading a trend chart.
    pub fn bands(&self, settings: &ScoringSettings) -> Vec<Band> {
        match self.severity {
            Severity::None => Vec::new(),
            Severity::Bands { bands } => bands.to_vec(),
            Severity::Cutoff { cutoff, below, at_or_above } => {
                let cut = settings.resolve(cutoff);
                let max = self.total_range.map_or(cut, |r| r.max);
                let mut out = Vec::with_capacity(2);
                if cut > 0 {
                    out.push(Band { id: below, min: 0, max: cut - 1 });
                }
                out.push(Band { id: at_or_above, min: cut, max });
                out
            }
        }
    }
}

/// Shorthands for writing definitions.
pub(crate) const fn choice(id: &'static str, text: &'static str, options: &'static [AnswerOption]) -> Item {
    Item { id, text, answer: AnswerKind::Choice { options }, asked: Asked::Always, scored: true, loinc: None }
}

impl Item {
    /// The same item with a LOINC code.
    pub(crate) const fn with_loinc(self, code: &'static str) -> Self {
        Self { loinc: Some(Loinc::new(code)), ..self }
    }

    /// The same item with another asking rule.
    pub(crate) const fn asked(self, asked: Asked) -> Self {
        Self { asked, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loinc_check_digit() {
        assert!(Loinc::new("44261-6").is_well_formed());
        assert!(Loinc::new("70274-6").is_well_formed());
        assert!(!Loinc::new("44261-7").is_well_formed());
        assert!(!Loinc::new("44261").is_well_formed());
        assert!(!Loinc::new("4426a-6").is_well_formed());
    }

    #[test]
    fn settings_default_and_resolve() {
        let s = ScoringSettings::default();
        assert_eq!(s.resolve(Threshold::Setting(Setting::Pcl5Cutoff)), 33);
        assert_eq!(s.resolve(Threshold::Setting(Setting::MadrsSuicideItemMin)), 2);
        assert_eq!(s.resolve(Threshold::Fixed(7)), 7);
        let parsed: ScoringSettings = serde_json::from_str(r#"{"pcl5_cutoff": 31}"#).unwrap_or_default();
        assert_eq!(parsed, ScoringSettings { pcl5_cutoff: 31, madrs_suicide_item_min: 2 });
    }
}
