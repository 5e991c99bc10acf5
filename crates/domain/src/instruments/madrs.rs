//! MADRS (REFERENCE §6.3): ten clinician-rated items 0–6, total 0–60, Snaith bands
//! 0–6/7–19/20–34/35–60; item 10 is suicidal thoughts. Redistribution terms are not confirmed,
//! so only short labels are embedded; no LOINC code is verified.

use super::FLAG_SUICIDAL_IDEATION;
use super::definition::{
    Administration, AnswerOption, Band, Codes, FlagRule, Instrument, Item, Scoring, Setting, Severity, Threshold, TotalRange, Wording, choice,
};

/// 0–6; the published anchors sit at the even steps, odd steps lie between them.
const RATING: &[AnswerOption] = &[
    AnswerOption { value: 0, label: "0 (absent)" },
    AnswerOption { value: 1, label: "1" },
    AnswerOption { value: 2, label: "2" },
    AnswerOption { value: 3, label: "3" },
    AnswerOption { value: 4, label: "4" },
    AnswerOption { value: 5, label: "5" },
    AnswerOption { value: 6, label: "6 (most severe)" },
];

const ITEMS: &[Item] = &[
    choice("1", "Apparent sadness", RATING),
    choice("2", "Reported sadness", RATING),
    choice("3", "Inner tension", RATING),
    choice("4", "Reduced sleep", RATING),
    choice("5", "Reduced appetite", RATING),
    choice("6", "Concentration difficulties", RATING),
    choice("7", "Lassitude", RATING),
    choice("8", "Inability to feel", RATING),
    choice("9", "Pessimistic thoughts", RATING),
    choice("10", "Suicidal thoughts", RATING),
];

const BANDS: &[Band] = &[
    Band { id: "normal", min: 0, max: 6 },
    Band { id: "mild", min: 7, max: 19 },
    Band { id: "moderate", min: 20, max: 34 },
    Band { id: "severe", min: 35, max: 60 },
];

/// Item 10 threshold is a clinic setting (default 2, issue 4).
const FLAGS: &[FlagRule] = &[FlagRule::ItemAtLeast { flag: FLAG_SUICIDAL_IDEATION, item: "10", min: Threshold::Setting(Setting::MadrsSuicideItemMin) }];

pub(crate) const MADRS: Instrument = Instrument {
    id: "madrs",
    name: "MADRS",
    title: "Montgomery–Åsberg Depression Rating Scale",
    administration: Administration::Clinician,
    instructions: "Clinician rating from a structured interview; rate each item 0–6 using the anchors of the clinic's licensed form.",
    wording: Wording::ShortLabels,
    items: ITEMS,
    scoring: Scoring::Sum,
    total_range: Some(TotalRange { min: 0, max: 60 }),
    severity: Severity::Bands { bands: BANDS },
    flags: FLAGS,
    codes: Codes::NONE,
    licence: "Published 1979 (Br J Psychiatry 134:382); redistribution terms not confirmed — short labels only [L].",
    source: "Montgomery & Åsberg 1979; item list and Snaith bands 0–6/7–19/20–34/35–60 (REFERENCE.md §6.3; issue 4).",
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testkit::{assert_bands, refused, scored, set, with_total, without};
    use super::super::{ScoringSettings, score};
    use super::*;

    #[test]
    fn band_boundaries() {
        let table = [(0, "normal"), (6, "normal"), (7, "mild"), (19, "mild"), (20, "moderate"), (34, "moderate"), (35, "severe"), (60, "severe")];
        assert_bands(&MADRS, &table);
    }

    #[test]
    fn item_10_threshold_is_a_clinic_setting() {
        let base = with_total(&MADRS, 0);
        assert!(scored(&MADRS, &set(&base, "10", json!(1))).flags.is_empty());
        assert_eq!(scored(&MADRS, &set(&base, "10", json!(2))).flags, ["suicidal_ideation"]);
        let strict = ScoringSettings { madrs_suicide_item_min: 1, ..ScoringSettings::default() };
        let s = score(&MADRS, &set(&base, "10", json!(1)), &strict).ok().map(|s| s.flags);
        assert_eq!(s, Some(vec!["suicidal_ideation".to_owned()]));
    }

    #[test]
    fn invalid_answers_name_the_items() {
        let base = with_total(&MADRS, 10);
        assert_eq!(refused(&MADRS, &without(&base, "10")), ["answers.10"]);
        assert_eq!(refused(&MADRS, &set(&base, "1", json!(7))), ["answers.1"]);
        assert_eq!(refused(&MADRS, &set(&base, "1", json!("six"))), ["answers.1"]);
        assert_eq!(refused(&MADRS, &set(&base, "0", json!(1))), ["answers.0"]);
    }
}
