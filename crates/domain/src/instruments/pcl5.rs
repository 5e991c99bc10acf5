//! PCL-5 (REFERENCE §6.6): twenty items 0–4 over the past month, total 0–80, clusters B (1–5),
//! C (6–7), D (8–14), E (15–20). There are no empirically derived severity bands, only a
//! provisional-PTSD cut-off (31–33 in the literature; clinic setting, default 33) and the DSM-5
//! symptom pattern (items rated ≥ 2 "moderately": ≥1 B, ≥1 C, ≥2 D, ≥2 E). Free from the US VA
//! National Center for PTSD, so the wording is embedded. No LOINC code is verified.

use super::FLAG_DSM5_SYMPTOM_PATTERN;
use super::definition::{
    Administration, AnswerOption, Codes, Domain, FlagRule, Instrument, Item, PatternGroup, Scoring, Setting, Severity, Threshold, TotalRange, Wording, choice,
};

const BOTHER: &[AnswerOption] = &[
    AnswerOption { value: 0, label: "Not at all" },
    AnswerOption { value: 1, label: "A little bit" },
    AnswerOption { value: 2, label: "Moderately" },
    AnswerOption { value: 3, label: "Quite a bit" },
    AnswerOption { value: 4, label: "Extremely" },
];

const fn item(id: &'static str, text: &'static str) -> Item {
    choice(id, text, BOTHER)
}

const ITEMS: &[Item] = &[
    item("1", "Repeated, disturbing, and unwanted memories of the stressful experience?"),
    item("2", "Repeated, disturbing dreams of the stressful experience?"),
    item("3", "Suddenly feeling or acting as if the stressful experience were actually happening again (as if you were actually back there reliving it)?"),
    item("4", "Feeling very upset when something reminded you of the stressful experience?"),
    item(
        "5",
        "Having strong physical reactions when something reminded you of the stressful experience (for example, heart pounding, trouble breathing, sweating)?",
    ),
    item("6", "Avoiding memories, thoughts, or feelings related to the stressful experience?"),
    item("7", "Avoiding external reminders of the stressful experience (for example, people, places, conversations, activities, objects, or situations)?"),
    item("8", "Trouble remembering important parts of the stressful experience?"),
    item(
        "9",
        "Having strong negative beliefs about yourself, other people, or the world (for example, having thoughts such as: I am bad, there is something seriously \
         wrong with me, no one can be trusted, the world is completely dangerous)?",
    ),
    item("10", "Blaming yourself or someone else for the stressful experience or what happened after it?"),
    item("11", "Having strong negative feelings such as fear, horror, anger, guilt, or shame?"),
    item("12", "Loss of interest in activities that you used to enjoy?"),
    item("13", "Feeling distant or cut off from other people?"),
    item("14", "Trouble experiencing positive feelings (for example, being unable to feel happiness or have loving feelings for people close to you)?"),
    item("15", "Irritable behavior, angry outbursts, or acting aggressively?"),
    item("16", "Taking too many risks or doing things that could cause you harm?"),
    item("17", "Being \"superalert\" or watchful or on guard?"),
    item("18", "Feeling jumpy or easily startled?"),
    item("19", "Having difficulty concentrating?"),
    item("20", "Trouble falling or staying asleep?"),
];

const B: &[&str] = &["1", "2", "3", "4", "5"];
const C: &[&str] = &["6", "7"];
const D: &[&str] = &["8", "9", "10", "11", "12", "13", "14"];
const E: &[&str] = &["15", "16", "17", "18", "19", "20"];

const CLUSTERS: &[Domain] = &[
    Domain { id: "B", label: "Intrusion (items 1–5)", items: B },
    Domain { id: "C", label: "Avoidance (items 6–7)", items: C },
    Domain { id: "D", label: "Negative alterations in cognitions and mood (items 8–14)", items: D },
    Domain { id: "E", label: "Alterations in arousal and reactivity (items 15–20)", items: E },
];

const FLAGS: &[FlagRule] = &[FlagRule::ItemPattern {
    flag: FLAG_DSM5_SYMPTOM_PATTERN,
    item_min: 2,
    groups: &[
        PatternGroup { domain: "B", items: B, at_least: 1 },
        PatternGroup { domain: "C", items: C, at_least: 1 },
        PatternGroup { domain: "D", items: D, at_least: 2 },
        PatternGroup { domain: "E", items: E, at_least: 2 },
    ],
}];

pub(crate) const PCL5: Instrument = Instrument {
    id: "pcl5",
    name: "PCL-5",
    title: "PTSD Checklist for DSM-5",
    administration: Administration::SelfReport,
    instructions: "Below is a list of problems that people sometimes have in response to a very stressful experience. Please read each problem carefully and \
                   then choose one of the answers to indicate how much you have been bothered by that problem in the past month.",
    wording: Wording::Full,
    items: ITEMS,
    scoring: Scoring::ClusterSums { clusters: CLUSTERS },
    total_range: Some(TotalRange { min: 0, max: 80 }),
    severity: Severity::Cutoff { cutoff: Threshold::Setting(Setting::Pcl5Cutoff), below: "below_cutoff", at_or_above: "probable_ptsd" },
    flags: FLAGS,
    codes: Codes::NONE,
    licence: "US Department of Veterans Affairs, National Center for PTSD; free to use [M].",
    source: "Weathers et al. 2013 / Blevins et al. 2015 (J Trauma Stress 28:489); clusters, cut-point and DSM-5 rule from \
             comorbidityguidelines.org.au PCL-5 scoring (REFERENCE.md §6.6).",
};

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use serde_json::{Value, json};

    use super::super::testkit::{assert_bands, refused, scored, set, with_total, without};
    use super::super::{ScoringSettings, score};
    use super::*;

    fn answers(values: [u32; 20]) -> Value {
        Value::Object((1..=20).zip(values).map(|(id, v)| (id.to_string(), json!(v))).collect())
    }

    #[test]
    fn cutoff_boundaries() {
        assert_bands(&PCL5, &[(0, "below_cutoff"), (32, "below_cutoff"), (33, "probable_ptsd"), (80, "probable_ptsd")]);
    }

    #[test]
    fn cutoff_is_a_clinic_setting() {
        let low = ScoringSettings { pcl5_cutoff: 31, ..ScoringSettings::default() };
        let band = |total| score(&PCL5, &with_total(&PCL5, total), &low).ok().and_then(|s| s.severity);
        assert_eq!(band(30).as_deref(), Some("below_cutoff"));
        assert_eq!(band(31).as_deref(), Some("probable_ptsd"));
        assert_eq!(PCL5.bands(&low).iter().map(|b| (b.id, b.min, b.max)).collect::<Vec<_>>(), [("below_cutoff", 0, 30), ("probable_ptsd", 31, 80)]);
    }

    #[test]
    fn cluster_sums() {
        let s = scored(&PCL5, &answers([1, 2, 3, 4, 0, 2, 1, 0, 1, 2, 3, 4, 0, 1, 4, 3, 2, 1, 0, 1]));
        let domains: Vec<(String, u32)> = s.domains.unwrap().into_iter().collect();
        assert_eq!(domains, [("B".into(), 10), ("C".into(), 3), ("D".into(), 11), ("E".into(), 11)]);
        assert_eq!(s.total, Some(35));
        assert_eq!(s.severity.as_deref(), Some("probable_ptsd"));
    }

    #[test]
    fn dsm5_symptom_pattern() {
        // Minimal pattern: one B, one C, two D, two E at exactly 2 ("moderately") — total 12,
        // below the cut-off, yet the DSM-5 rule holds.
        let minimal = [2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0];
        let s = scored(&PCL5, &answers(minimal));
        assert_eq!((s.total, s.severity.as_deref(), s.flags), (Some(12), Some("below_cutoff"), vec!["dsm5_symptom_pattern".to_owned()]));
        // Missing any one required symptom breaks the pattern; 1 ("a little bit") does not count.
        for (index, one) in [(0, 1), (5, 1), (8, 1), (15, 1)] {
            let mut broken = minimal;
            broken[index] = one;
            assert!(scored(&PCL5, &answers(broken)).flags.is_empty(), "item {}", index + 1);
        }
        // A high total confined to clusters B and D is probable PTSD without the pattern.
        let s = scored(&PCL5, &answers([4, 4, 4, 4, 4, 0, 0, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0]));
        assert_eq!((s.severity.as_deref(), s.flags.len()), (Some("probable_ptsd"), 0));
    }

    #[test]
    fn invalid_answers_name_the_items() {
        let base = with_total(&PCL5, 20);
        assert_eq!(refused(&PCL5, &without(&base, "20")), ["answers.20"]);
        assert_eq!(refused(&PCL5, &set(&base, "1", json!(5))), ["answers.1"]);
        assert_eq!(refused(&PCL5, &set(&base, "1", json!(false))), ["answers.1"]);
        assert_eq!(refused(&PCL5, &set(&base, "21", json!(0))), ["answers.21"]);
    }
}
