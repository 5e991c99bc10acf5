//! PHQ-9 (REFERENCE §6.1): nine items 0–3, total 0–27, Kroenke bands 5/10/15/20, item 9 is the
//! suicide item. Pfizer released it without copyright restriction, so the wording is embedded.

use super::FLAG_SUICIDAL_IDEATION;
use super::definition::{
    Administration, AnswerOption, Asked, Band, Codes, FlagRule, Instrument, Item, Loinc, Scoring, Severity, Threshold, TotalRange, Wording, choice,
};

/// Frequency options shared by PHQ-9 and GAD-7.
pub(crate) const FREQUENCY: &[AnswerOption] = &[
    AnswerOption { value: 0, label: "Not at all" },
    AnswerOption { value: 1, label: "Several days" },
    AnswerOption { value: 2, label: "More than half the days" },
    AnswerOption { value: 3, label: "Nearly every day" },
];

const DIFFICULTY: &[AnswerOption] = &[
    AnswerOption { value: 0, label: "Not difficult at all" },
    AnswerOption { value: 1, label: "Somewhat difficult" },
    AnswerOption { value: 2, label: "Very difficult" },
    AnswerOption { value: 3, label: "Extremely difficult" },
];

// Item LOINC codes in item order, as in the HL7 US Core PHQ-9 example [H].
const ITEMS: &[Item] = &[
    choice("1", "Little interest or pleasure in doing things", FREQUENCY).with_loinc("44250-9"),
    choice("2", "Feeling down, depressed, or hopeless", FREQUENCY).with_loinc("44255-8"),
    choice("3", "Trouble falling or staying asleep, or sleeping too much", FREQUENCY).with_loinc("44259-0"),
    choice("4", "Feeling tired or having little energy", FREQUENCY).with_loinc("44254-1"),
    choice("5", "Poor appetite or overeating", FREQUENCY).with_loinc("44251-7"),
    choice("6", "Feeling bad about yourself — or that you are a failure or have let yourself or your family down", FREQUENCY).with_loinc("44258-2"),
    choice("7", "Trouble concentrating on things, such as reading the newspaper or watching television", FREQUENCY).with_loinc("44252-5"),
    choice(
        "8",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
        FREQUENCY,
    )
    .with_loinc("44253-3"),
    choice("9", "Thoughts that you would be better off dead or of hurting yourself in some way", FREQUENCY).with_loinc("44260-8"),
    // Item 10's LOINC (69722-7) is only [M] in REFERENCE, so it is left out until verified.
    Item {
        scored: false,
        ..choice(
            "10",
            "If you checked off any problems, how difficult have these problems made it for you to do your work, take care of things at home, or get along with other people?",
            DIFFICULTY,
        )
        .asked(Asked::Optional)
    },
];

const BANDS: &[Band] = &[
    Band { id: "minimal", min: 0, max: 4 },
    Band { id: "mild", min: 5, max: 9 },
    Band { id: "moderate", min: 10, max: 14 },
    Band { id: "moderately_severe", min: 15, max: 19 },
    Band { id: "severe", min: 20, max: 27 },
];

/// Any answer ≥ 1 on item 9 triggers a suicide risk assessment regardless of the total.
const FLAGS: &[FlagRule] = &[FlagRule::ItemAtLeast { flag: FLAG_SUICIDAL_IDEATION, item: "9", min: Threshold::Fixed(1) }];

pub(crate) const PHQ9: Instrument = Instrument {
    id: "phq9",
    name: "PHQ-9",
    title: "Patient Health Questionnaire-9",
    administration: Administration::SelfReport,
    instructions: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    wording: Wording::Full,
    items: ITEMS,
    scoring: Scoring::Sum,
    total_range: Some(TotalRange { min: 0, max: 27 }),
    severity: Severity::Bands { bands: BANDS },
    flags: FLAGS,
    codes: Codes { panel: Some(Loinc::new("44249-1")), total: Some(Loinc::new("44261-6")), risk_level: None },
    licence: "Released by Pfizer without copyright restriction and at no charge (2010); no permission needed to reproduce.",
    source: "Kroenke, Spitzer & Williams 2001 (J Gen Intern Med 16:606); bands Kroenke cut-points 5/10/15/20; \
             LOINC from HL7 US Core STU7 PHQ-9 examples (REFERENCE.md §6.1, §9.2).",
};

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::testkit::{assert_bands, refused, scored, set, with_total, without};
    use super::*;

    #[test]
    fn band_boundaries() {
        let table = [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately_severe"),
            (19, "moderately_severe"),
            (20, "severe"),
            (27, "severe"),
        ];
        assert_bands(&PHQ9, &table);
    }

    #[test]
    fn item_9_raises_suicidal_ideation_regardless_of_total() {
        let base = with_total(&PHQ9, 0);
        assert!(scored(&PHQ9, &base).flags.is_empty());
        let s = scored(&PHQ9, &set(&base, "9", json!(1)));
        assert_eq!((s.total, s.severity.as_deref(), s.flags), (Some(1), Some("minimal"), vec!["suicidal_ideation".to_owned()]));
        // A high total without item 9 raises nothing: the flag is about the item, not the total.
        assert!(scored(&PHQ9, &with_total(&PHQ9, 24)).flags.is_empty());
    }

    #[test]
    fn item_10_is_accepted_and_not_scored() {
        let base = with_total(&PHQ9, 12);
        let s = scored(&PHQ9, &set(&base, "10", json!(3)));
        assert_eq!(s.total, Some(12));
        assert_eq!(refused(&PHQ9, &set(&base, "10", json!(4))), ["answers.10"]);
    }

    #[test]
    fn invalid_answers_name_the_items() {
        let base = with_total(&PHQ9, 5);
        assert_eq!(refused(&PHQ9, &without(&base, "9")), ["answers.9"]);
        assert_eq!(refused(&PHQ9, &set(&base, "3", json!(4))), ["answers.3"]);
        assert_eq!(refused(&PHQ9, &set(&base, "3", json!("2"))), ["answers.3"]);
        assert_eq!(refused(&PHQ9, &set(&base, "3", json!(true))), ["answers.3"]);
        assert_eq!(refused(&PHQ9, &set(&base, "3", json!(-1))), ["answers.3"]);
        assert_eq!(refused(&PHQ9, &set(&base, "11", json!(0))), ["answers.11"]);
        assert_eq!(refused(&PHQ9, &Value::Object(serde_json::Map::new())).len(), 9);
    }
}
