//! C-SSRS screener (REFERENCE §6.5): six yes/no questions plus "within the past 3 months?"
//! after question 6; questions 3–5 are asked only after "yes" on question 2. Not summed: the
//! result is a risk level by the triage points. Licence for electronic/commercial use must be
//! verified with Columbia, so only short labels are embedded. Item and risk-level LOINC codes
//! are `[H]` (HL7 US Behavioral Health Profiles); the panel code is only `[M]` and is left out.

use super::FLAG_SUICIDAL_IDEATION;
use super::definition::{Administration, AnswerKind, Asked, Codes, FlagRule, Instrument, Item, Loinc, RiskLevel, Scoring, Severity, TriageRule, Wording};

const fn yes_no(id: &'static str, text: &'static str, asked: Asked, loinc: &'static str) -> Item {
    Item { id, text, answer: AnswerKind::YesNo, asked, scored: true, loinc: Some(Loinc::new(loinc)) }
}

const AFTER_2: Asked = Asked::WhenYes { item: "2" };

const ITEMS: &[Item] = &[
    yes_no("1", "Wish to be dead (past month)", Asked::Always, "93246-7"),
    yes_no("2", "Non-specific active suicidal thoughts (past month)", Asked::Always, "93247-5"),
    yes_no("3", "Active suicidal ideation with any methods, without plan or intent to act (past month)", AFTER_2, "93248-3"),
    yes_no("4", "Active suicidal ideation with some intent to act, without specific plan (past month)", AFTER_2, "93249-1"),
    yes_no("5", "Active suicidal ideation with specific plan and intent (past month)", AFTER_2, "93250-9"),
    yes_no("6", "Suicidal behaviour ever (prepared, started or did anything to end one's life)", Asked::Always, "93267-3"),
    yes_no("6_past_3_months", "Suicidal behaviour within the past 3 months", Asked::WhenYes { item: "6" }, "93269-9"),
];

/// Triage points (REFERENCE §6.5, issue 4); the highest matching level wins, no "yes" → none.
const TRIAGE: &[TriageRule] = &[
    TriageRule { level: RiskLevel::Low, yes: &["1"], no: &[] },
    TriageRule { level: RiskLevel::Low, yes: &["2"], no: &[] },
    TriageRule { level: RiskLevel::Moderate, yes: &["3"], no: &[] },
    TriageRule { level: RiskLevel::Moderate, yes: &["6"], no: &["6_past_3_months"] },
    TriageRule { level: RiskLevel::High, yes: &["4"], no: &[] },
    TriageRule { level: RiskLevel::High, yes: &["5"], no: &[] },
    TriageRule { level: RiskLevel::High, yes: &["6", "6_past_3_months"], no: &[] },
];

const FLAGS: &[FlagRule] = &[FlagRule::RiskAtLeast { flag: FLAG_SUICIDAL_IDEATION, level: RiskLevel::Low }];

pub(crate) const CSSRS_SCREENER: Instrument = Instrument {
    id: "cssrs_screener",
    name: "C-SSRS Screener",
    title: "Columbia–Suicide Severity Rating Scale, Screen Version (past month, with lifetime/3-month behaviour)",
    administration: Administration::Clinician,
    instructions: "Ask questions 1 and 2. If question 2 is yes, ask questions 3, 4 and 5. Ask question 6 in all cases; if yes, ask whether it was within the past 3 months.",
    wording: Wording::ShortLabels,
    items: ITEMS,
    scoring: Scoring::Triage { rules: TRIAGE },
    total_range: None,
    severity: Severity::None,
    flags: FLAGS,
    codes: Codes { panel: None, total: None, risk_level: Some(Loinc::new("93374-7")) },
    licence: "Columbia Lighthouse Project; free for clinical/community use, electronic/commercial deployment may need a licence — verify with Columbia [L].",
    source: "Posner et al. 2011; items and skip logic from the HL7 US Behavioral Health Profiles C-SSRS example; triage points from \
             C-SSRS triage guidelines [M] (REFERENCE.md §6.5, §9.2).",
};

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use serde_json::{Value, json};

    use super::super::testkit::{refused, scored};
    use super::*;

    /// Builds answers from the "yes" items; every other always-asked item is false.
    fn yes(ids: &[&str]) -> Value {
        let mut a = json!({"1": false, "2": false, "6": false});
        if ids.contains(&"2") {
            for id in ["3", "4", "5"] {
                a[id] = json!(false);
            }
        }
        if ids.contains(&"6") {
            a["6_past_3_months"] = json!(false);
        }
        for id in ids {
            a[*id] = json!(true);
        }
        a
    }

    #[test]
    fn triage_table() {
        let table: [(&[&str], RiskLevel); 13] = [
            (&[], RiskLevel::None),
            (&["1"], RiskLevel::Low),
            (&["2"], RiskLevel::Low),
            (&["1", "2"], RiskLevel::Low),
            (&["2", "3"], RiskLevel::Moderate),
            (&["6"], RiskLevel::Moderate),
            (&["1", "6"], RiskLevel::Moderate),
            (&["2", "4"], RiskLevel::High),
            (&["2", "5"], RiskLevel::High),
            (&["2", "3", "4", "5"], RiskLevel::High),
            (&["6", "6_past_3_months"], RiskLevel::High),
            (&["2", "3", "6"], RiskLevel::Moderate),
            (&["1", "2", "3", "6", "6_past_3_months"], RiskLevel::High),
        ];
        for (ids, level) in table {
            let s = scored(&CSSRS_SCREENER, &yes(ids));
            assert_eq!(s.risk_level, Some(level), "yes on {ids:?}");
            assert_eq!((s.total, s.severity.as_deref(), s.domains.is_none()), (None, None, true));
            let expected: &[&str] = if level >= RiskLevel::Low { &["suicidal_ideation"] } else { &[] };
            assert_eq!(s.flags, expected, "yes on {ids:?}");
        }
    }

    #[test]
    fn skip_logic() {
        // 3–5 and 6_past_3_months may be left out when their gate is no.
        assert_eq!(scored(&CSSRS_SCREENER, &json!({"1": true, "2": false, "6": false})).risk_level, Some(RiskLevel::Low));
        // A false answer to a skipped item is accepted and ignored.
        let all_false = json!({"1": false, "2": false, "3": false, "4": false, "5": false, "6": false, "6_past_3_months": false});
        assert_eq!(scored(&CSSRS_SCREENER, &all_false).risk_level, Some(RiskLevel::None));
        // A yes to a skipped item contradicts its gate and is refused.
        assert_eq!(refused(&CSSRS_SCREENER, &json!({"1": false, "2": false, "4": true, "6": false})), ["answers.4"]);
        assert_eq!(refused(&CSSRS_SCREENER, &json!({"1": false, "2": false, "6": false, "6_past_3_months": true})), ["answers.6_past_3_months"]);
        // Once the gate is yes the follow-ups are required.
        assert_eq!(refused(&CSSRS_SCREENER, &json!({"1": false, "2": true, "6": false})), ["answers.3", "answers.4", "answers.5"]);
        assert_eq!(refused(&CSSRS_SCREENER, &json!({"1": false, "2": false, "6": true})), ["answers.6_past_3_months"]);
    }

    #[test]
    fn invalid_answers_name_the_items() {
        assert_eq!(refused(&CSSRS_SCREENER, &json!({"2": false, "6": false})), ["answers.1"]);
        assert_eq!(refused(&CSSRS_SCREENER, &json!({"1": 1, "2": false, "6": false})), ["answers.1"]);
        assert_eq!(refused(&CSSRS_SCREENER, &json!({"1": "yes", "2": false, "6": false})), ["answers.1"]);
        assert_eq!(refused(&CSSRS_SCREENER, &json!({"1": false, "2": false, "6": false, "7": false})), ["answers.7"]);
    }
}
