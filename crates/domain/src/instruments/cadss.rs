//! CADSS (REFERENCE §6.7): the 23 subjective items, each 0–4, total 0–92, as the ketamine and
//! esketamine literature reports it; the 5 observer items are not part of this definition.
//! Research-use licence (Bremner, Emory) to be verified, so items carry neutral labels only —
//! the clinic administers its own licensed form and records answers by item number. REFERENCE
//! gives no severity bands (the ">4 = dissociation" rule is `[L]`), so none are applied.

use super::definition::{Administration, AnswerOption, Codes, Instrument, Item, Scoring, Severity, TotalRange, Wording, choice};

const INTENSITY: &[AnswerOption] = &[
    AnswerOption { value: 0, label: "Not at all" },
    AnswerOption { value: 1, label: "Slightly" },
    AnswerOption { value: 2, label: "Moderately" },
    AnswerOption { value: 3, label: "Considerably" },
    AnswerOption { value: 4, label: "Extremely" },
];

const fn item(id: &'static str, text: &'static str) -> Item {
    choice(id, text, INTENSITY)
}

const ITEMS: &[Item] = &[
    item("1", "Subjective item 1"),
    item("2", "Subjective item 2"),
    item("3", "Subjective item 3"),
    item("4", "Subjective item 4"),
    item("5", "Subjective item 5"),
    item("6", "Subjective item 6"),
    item("7", "Subjective item 7"),
    item("8", "Subjective item 8"),
    item("9", "Subjective item 9"),
    item("10", "Subjective item 10"),
    item("11", "Subjective item 11"),
    item("12", "Subjective item 12"),
    item("13", "Subjective item 13"),
    item("14", "Subjective item 14"),
    item("15", "Subjective item 15"),
    item("16", "Subjective item 16"),
    item("17", "Subjective item 17"),
    item("18", "Subjective item 18"),
    item("19", "Subjective item 19"),
    item("20", "Subjective item 20"),
    item("21", "Subjective item 21"),
    item("22", "Subjective item 22"),
    item("23", "Subjective item 23"),
];

pub(crate) const CADSS: Instrument = Instrument {
    id: "cadss",
    name: "CADSS",
    title: "Clinician-Administered Dissociative States Scale (23 subjective items)",
    administration: Administration::Clinician,
    instructions: "Ask each subjective item from the clinic's licensed CADSS form and rate 0 (not at all) to 4 (extremely).",
    wording: Wording::ShortLabels,
    items: ITEMS,
    scoring: Scoring::Sum,
    total_range: Some(TotalRange { min: 0, max: 92 }),
    severity: Severity::None,
    flags: &[],
    codes: Codes::NONE,
    licence: "Bremner (Emory University); research use — verify terms before embedding item text [L].",
    source: "Bremner et al. 1998 (J Trauma Stress 11:125); 23-item subjective total 0–92 per Bremner administration instructions (REFERENCE.md §6.7).",
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testkit::{refused, scored, set, with_total, without};
    use super::*;

    #[test]
    fn totals_at_the_ends_and_between() {
        for total in [0, 1, 4, 5, 46, 91, 92] {
            let s = scored(&CADSS, &with_total(&CADSS, total));
            assert_eq!((s.total, s.severity, s.flags.len()), (Some(total), None, 0));
        }
    }

    #[test]
    fn invalid_answers_name_the_items() {
        let base = with_total(&CADSS, 6);
        assert_eq!(refused(&CADSS, &without(&base, "23")), ["answers.23"]);
        assert_eq!(refused(&CADSS, &set(&base, "1", json!(5))), ["answers.1"]);
        assert_eq!(refused(&CADSS, &set(&base, "24", json!(0))), ["answers.24"]);
        assert_eq!(refused(&CADSS, &set(&base, "2", json!(true))), ["answers.2"]);
    }
}
