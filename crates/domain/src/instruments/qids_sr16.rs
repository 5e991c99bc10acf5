//! QIDS-SR16 (REFERENCE §6.4): sixteen items 0–3 over the past seven days, collapsed into the
//! nine DSM symptom domains; total 0–27. Widely reported free for clinical and research use, so
//! the wording is embedded. No LOINC code is verified.
//!
//! The published form asks the respondent to complete either item 6 or 7 and either 8 or 9
//! ("not both"); at least one of each pair is required here, and both are accepted because the
//! appetite/weight domain takes the highest answer anyway.

use super::FLAG_SUICIDAL_IDEATION;
use super::definition::{
    Administration, AnswerOption, Asked, Band, Codes, Domain, FlagRule, Instrument, Item, Scoring, Severity, Threshold, TotalRange, Wording, choice,
};

/// Four options valued 0–3 with the item's own statements.
const fn opts(labels: [&'static str; 4]) -> [AnswerOption; 4] {
    [
        AnswerOption { value: 0, label: labels[0] },
        AnswerOption { value: 1, label: labels[1] },
        AnswerOption { value: 2, label: labels[2] },
        AnswerOption { value: 3, label: labels[3] },
    ]
}

const APPETITE: Asked = Asked::AtLeastOneOf { items: &["6", "7"] };
const WEIGHT: Asked = Asked::AtLeastOneOf { items: &["8", "9"] };
const NO_WEIGHT_CHANGE: &str = "I have not had a change in my weight.";

const ITEMS: &[Item] = &[
    choice(
        "1",
        "Falling asleep",
        &opts([
            "I never take longer than 30 minutes to fall asleep.",
            "I take at least 30 minutes to fall asleep, less than half the time.",
            "I take at least 30 minutes to fall asleep, more than half the time.",
            "I take more than 60 minutes to fall asleep, more than half the time.",
        ]),
    ),
    choice(
        "2",
        "Sleep during the night",
        &opts([
            "I do not wake up at night.",
            "I have a restless, light sleep with a few brief awakenings each night.",
            "I wake up at least once a night, but I go back to sleep easily.",
            "I awaken more than once a night and stay awake for 20 minutes or more, more than half the time.",
        ]),
    ),
    choice(
        "3",
        "Waking up too early",
        &opts([
            "Most of the time, I awaken no more than 30 minutes before I need to get up.",
            "More than half the time, I awaken more than 30 minutes before I need to get up.",
            "I almost always awaken at least one hour or so before I need to, but I go back to sleep eventually.",
            "I awaken at least one hour before I need to, and can't go back to sleep.",
        ]),
    ),
    choice(
        "4",
        "Sleeping too much",
        &opts([
            "I sleep no longer than 7–8 hours/night, without napping during the day.",
            "I sleep no longer than 10 hours in a 24-hour period including naps.",
            "I sleep no longer than 12 hours in a 24-hour period including naps.",
            "I sleep longer than 12 hours in a 24-hour period including naps.",
        ]),
    ),
    choice(
        "5",
        "Feeling sad",
        &opts(["I do not feel sad.", "I feel sad less than half the time.", "I feel sad more than half the time.", "I feel sad nearly all of the time."]),
    ),
    choice(
        "6",
        "Decreased appetite",
        &opts([
            "There is no change in my usual appetite.",
            "I eat somewhat less often or lesser amounts of food than usual.",
            "I eat much less than usual and only with personal effort.",
            "I rarely eat within a 24-hour period, and only with extreme personal effort or when others persuade me to eat.",
        ]),
    )
    .asked(APPETITE),
    choice(
        "7",
        "Increased appetite",
        &opts([
            "There is no change from my usual appetite.",
            "I feel a need to eat more frequently than usual.",
            "I regularly eat more often and/or greater amounts of food than usual.",
            "I feel driven to overeat both at mealtime and between meals.",
        ]),
    )
    .asked(APPETITE),
    choice(
        "8",
        "Decreased weight (within the last two weeks)",
        &opts([NO_WEIGHT_CHANGE, "I feel as if I have had a slight weight loss.", "I have lost 2 pounds or more.", "I have lost 5 pounds or more."]),
    )
    .asked(WEIGHT),
    choice(
        "9",
        "Increased weight (within the last two weeks)",
        &opts([NO_WEIGHT_CHANGE, "I feel as if I have had a slight weight gain.", "I have gained 2 pounds or more.", "I have gained 5 pounds or more."]),
    )
    .asked(WEIGHT),
    choice(
        "10",
        "Concentration / decision making",
        &opts([
            "There is no change in my usual capacity to concentrate or make decisions.",
            "I occasionally feel indecisive or find that my attention wanders.",
            "Most of the time, I struggle to focus my attention or to make decisions.",
            "I cannot concentrate well enough to read or cannot make even minor decisions.",
        ]),
    ),
    choice(
        "11",
        "View of myself",
        &opts([
            "I see myself as equally worthwhile and deserving as other people.",
            "I am more self-blaming than usual.",
            "I largely believe that I cause problems for others.",
            "I think almost constantly about major and minor defects in myself.",
        ]),
    ),
    choice(
        "12",
        "Thoughts of death or suicide",
        &opts([
            "I do not think of suicide or death.",
            "I feel that life is empty or wonder if it's worth living.",
            "I think of suicide or death several times a week for several minutes.",
            "I think of suicide or death several times a day in some detail, or I have made specific plans for suicide or have actually tried to take my life.",
        ]),
    ),
    choice(
        "13",
        "General interest",
        &opts([
            "There is no change from usual in how interested I am in other people or activities.",
            "I notice that I am less interested in people or activities.",
            "I find I have interest in only one or two of my formerly pursued activities.",
            "I have virtually no interest in formerly pursued activities.",
        ]),
    ),
    choice(
        "14",
        "Energy level",
        &opts([
            "There is no change in my usual level of energy.",
            "I get tired more easily than usual.",
            "I have to make a big effort to start or finish my usual daily activities (for example, shopping, homework, cooking or going to work).",
            "I really cannot carry out most of my usual daily activities because I just don't have the energy.",
        ]),
    ),
    choice(
        "15",
        "Feeling slowed down",
        &opts([
            "I think, speak, and move at my usual rate of speed.",
            "I find that my thinking is slowed down or my voice sounds dull or flat.",
            "It takes me several seconds to respond to most questions and I'm sure my thinking is slowed.",
            "I am often unable to respond to questions without extreme effort.",
        ]),
    ),
    choice(
        "16",
        "Feeling restless",
        &opts([
            "I do not feel restless.",
            "I'm often fidgety, wringing my hands, or need to shift how I am sitting.",
            "I have impulses to move about and am quite restless.",
            "At times, I am unable to stay seated and need to pace around.",
        ]),
    ),
];

/// REFERENCE §6.4 collapse rule: the nine DSM domains.
const DOMAINS: &[Domain] = &[
    Domain { id: "sleep", label: "Sleep (max of items 1–4)", items: &["1", "2", "3", "4"] },
    Domain { id: "sad_mood", label: "Sad mood (item 5)", items: &["5"] },
    Domain { id: "appetite_weight", label: "Appetite/weight (max of items 6–9)", items: &["6", "7", "8", "9"] },
    Domain { id: "concentration", label: "Concentration (item 10)", items: &["10"] },
    Domain { id: "self_view", label: "Self-view (item 11)", items: &["11"] },
    Domain { id: "suicidal_ideation", label: "Suicidal ideation (item 12)", items: &["12"] },
    Domain { id: "interest", label: "Interest (item 13)", items: &["13"] },
    Domain { id: "energy", label: "Energy/fatiguability (item 14)", items: &["14"] },
    Domain { id: "psychomotor", label: "Psychomotor (max of items 15–16)", items: &["15", "16"] },
];

const BANDS: &[Band] = &[
    Band { id: "none", min: 0, max: 5 },
    Band { id: "mild", min: 6, max: 10 },
    Band { id: "moderate", min: 11, max: 15 },
    Band { id: "severe", min: 16, max: 20 },
    Band { id: "very_severe", min: 21, max: 27 },
];

const FLAGS: &[FlagRule] = &[FlagRule::ItemAtLeast { flag: FLAG_SUICIDAL_IDEATION, item: "12", min: Threshold::Fixed(1) }];

pub(crate) const QIDS_SR16: Instrument = Instrument {
    id: "qids_sr16",
    name: "QIDS-SR16",
    title: "Quick Inventory of Depressive Symptomatology, Self-Report (16 items)",
    administration: Administration::SelfReport,
    instructions: "Choose the one response to each item that best describes you for the past seven days. Answer either item 6 or 7, and either item 8 or 9.",
    wording: Wording::Full,
    items: ITEMS,
    scoring: Scoring::DomainMax { domains: DOMAINS },
    total_range: Some(TotalRange { min: 0, max: 27 }),
    severity: Severity::Bands { bands: BANDS },
    flags: FLAGS,
    codes: Codes::NONE,
    licence: "Widely reported free for clinical and research use (ids-qids.org) [M].",
    source: "Rush et al. 2003 (Biol Psychiatry 54:573); domain collapse and bands from ids-qids.org/interpretation (REFERENCE.md §6.4).",
};

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use serde_json::{Value, json};

    use super::super::testkit::{assert_bands, refused, scored, set, with_total, without, zeros};
    use super::*;

    #[test]
    fn band_boundaries() {
        let table = [
            (0, "none"),
            (5, "none"),
            (6, "mild"),
            (10, "mild"),
            (11, "moderate"),
            (15, "moderate"),
            (16, "severe"),
            (20, "severe"),
            (21, "very_severe"),
            (27, "very_severe"),
        ];
        assert_bands(&QIDS_SR16, &table);
    }

    #[test]
    fn domains_take_the_highest_item_and_sum() {
        let mut a = Value::Object(zeros(&QIDS_SR16));
        for (id, v) in [("1", 1), ("2", 3), ("3", 2), ("4", 0), ("5", 2), ("6", 1), ("7", 2), ("8", 3), ("9", 0)] {
            a = set(&a, id, json!(v));
        }
        for (id, v) in [("10", 1), ("11", 2), ("12", 0), ("13", 3), ("14", 1), ("15", 1), ("16", 2)] {
            a = set(&a, id, json!(v));
        }
        let s = scored(&QIDS_SR16, &a);
        let domains = s.domains.unwrap();
        let expected = [
            ("appetite_weight", 3),
            ("concentration", 1),
            ("energy", 1),
            ("interest", 3),
            ("psychomotor", 2),
            ("sad_mood", 2),
            ("self_view", 2),
            ("sleep", 3),
            ("suicidal_ideation", 0),
        ];
        assert_eq!(domains.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), expected);
        // 3 + 2 + 3 + 1 + 2 + 0 + 3 + 1 + 2 = 17, not the 24 a plain sum of items would give.
        assert_eq!((s.total, s.severity.as_deref()), (Some(17), Some("severe")));
        assert!(s.flags.is_empty());
    }

    #[test]
    fn item_12_raises_suicidal_ideation() {
        let s = scored(&QIDS_SR16, &set(&with_total(&QIDS_SR16, 0), "12", json!(1)));
        assert_eq!((s.total, s.flags), (Some(1), vec!["suicidal_ideation".to_owned()]));
    }

    #[test]
    fn one_of_each_appetite_and_weight_pair_is_required() {
        let base = with_total(&QIDS_SR16, 4);
        // zeros() answers 6 and 8; 7 or 9 alone are just as valid.
        assert!(scored(&QIDS_SR16, &set(&without(&base, "6"), "7", json!(2))).total.is_some());
        assert!(scored(&QIDS_SR16, &set(&without(&base, "8"), "9", json!(1))).total.is_some());
        assert_eq!(refused(&QIDS_SR16, &without(&base, "6")), ["answers.6", "answers.7"]);
        assert_eq!(refused(&QIDS_SR16, &without(&base, "8")), ["answers.8", "answers.9"]);
    }

    #[test]
    fn invalid_answers_name_the_items() {
        let base = with_total(&QIDS_SR16, 4);
        assert_eq!(refused(&QIDS_SR16, &without(&base, "16")), ["answers.16"]);
        assert_eq!(refused(&QIDS_SR16, &set(&base, "12", json!(4))), ["answers.12"]);
        assert_eq!(refused(&QIDS_SR16, &set(&base, "12", json!(false))), ["answers.12"]);
        assert_eq!(refused(&QIDS_SR16, &set(&base, "17", json!(0))), ["answers.17"]);
    }
}
