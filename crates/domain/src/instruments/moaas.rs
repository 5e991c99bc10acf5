//! MOAA/S (REFERENCE §6.8): one observed level 0–5. SPRAVATO trials defined level 0 as loss of
//! consciousness `[H]`; sedation is usually ≤ 3 `[L]`. The level is the total; REFERENCE gives no
//! severity bands, the flags carry the meaning. Level 1 wording differs between sources; the
//! Chernik 1990 / BMC Anesthesiology wording is stored.

use super::definition::{Administration, AnswerOption, Codes, FlagRule, Instrument, Item, Scoring, Severity, TotalRange, Wording, choice};
use super::{FLAG_LOSS_OF_CONSCIOUSNESS, FLAG_SEDATION};

const LEVELS: &[AnswerOption] = &[
    AnswerOption { value: 0, label: "Does not respond to painful trapezius squeeze" },
    AnswerOption { value: 1, label: "Responds only after painful trapezius squeeze" },
    AnswerOption { value: 2, label: "Responds only after mild prodding or shaking" },
    AnswerOption { value: 3, label: "Responds only after name called loudly and/or repeatedly" },
    AnswerOption { value: 4, label: "Lethargic response to name in normal tone" },
    AnswerOption { value: 5, label: "Responds readily to name spoken in normal tone (alert)" },
];

const ITEMS: &[Item] = &[choice("level", "Responsiveness", LEVELS)];

const FLAGS: &[FlagRule] = &[FlagRule::TotalAtMost { flag: FLAG_SEDATION, max: 3 }, FlagRule::TotalAtMost { flag: FLAG_LOSS_OF_CONSCIOUSNESS, max: 0 }];

pub(crate) const MOAAS: Instrument = Instrument {
    id: "moaas",
    name: "MOAA/S",
    title: "Modified Observer's Assessment of Alertness/Sedation",
    administration: Administration::Observer,
    instructions: "Observe the patient's response to name, prodding and trapezius squeeze, in that order, and record the level.",
    wording: Wording::Full,
    items: ITEMS,
    scoring: Scoring::Level { item: "level" },
    total_range: Some(TotalRange { min: 0, max: 5 }),
    severity: Severity::None,
    flags: FLAGS,
    codes: Codes::NONE,
    licence: "Published observer scale (Chernik et al. 1990); no licence restriction recorded.",
    source: "Chernik et al. 1990 (J Clin Psychopharmacol 10:244); table from BMC Anesthesiol 2022 (REFERENCE.md §6.8, §4.4).",
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testkit::{refused, scored};
    use super::*;

    #[test]
    fn every_level_and_its_flags() {
        let table: [(u32, &[&str]); 6] =
            [(5, &[]), (4, &[]), (3, &["sedation"]), (2, &["sedation"]), (1, &["sedation"]), (0, &["sedation", "loss_of_consciousness"])];
        for (level, flags) in table {
            let s = scored(&MOAAS, &json!({ "level": level }));
            assert_eq!((s.total, s.severity), (Some(level), None));
            assert_eq!(s.flags, flags, "level {level}");
        }
    }

    #[test]
    fn invalid_answers_name_the_items() {
        assert_eq!(refused(&MOAAS, &json!({})), ["answers.level"]);
        assert_eq!(refused(&MOAAS, &json!({ "level": 6 })), ["answers.level"]);
        assert_eq!(refused(&MOAAS, &json!({ "level": "5" })), ["answers.level"]);
        assert_eq!(refused(&MOAAS, &json!({ "level": 5, "1": 5 })), ["answers.1"]);
    }
}
