//! GAD-7 (REFERENCE §6.2): seven items 0–3, total 0–21, bands 5/10/15. Free (Pfizer), so the
//! wording is embedded. Only the total-score LOINC (70274-6) is `[H]`; the panel code is `[M]` and
//! some code misuses it as the total, so it is left out.

use super::definition::{Administration, Band, Codes, Instrument, Item, Loinc, Scoring, Severity, TotalRange, Wording, choice};
use super::phq9::FREQUENCY;

const ITEMS: &[Item] = &[
    choice("1", "Feeling nervous, anxious, or on edge", FREQUENCY),
    choice("2", "Not being able to stop or control worrying", FREQUENCY),
    choice("3", "Worrying too much about different things", FREQUENCY),
    choice("4", "Trouble relaxing", FREQUENCY),
    choice("5", "Being so restless that it is hard to sit still", FREQUENCY),
    choice("6", "Becoming easily annoyed or irritable", FREQUENCY),
    choice("7", "Feeling afraid, as if something awful might happen", FREQUENCY),
];

const BANDS: &[Band] = &[
    Band { id: "minimal", min: 0, max: 4 },
    Band { id: "mild", min: 5, max: 9 },
    Band { id: "moderate", min: 10, max: 14 },
    Band { id: "severe", min: 15, max: 21 },
];

pub(crate) const GAD7: Instrument = Instrument {
    id: "gad7",
    name: "GAD-7",
    title: "Generalized Anxiety Disorder 7-item scale",
    administration: Administration::SelfReport,
    instructions: "Over the last 2 weeks, how often have you been bothered by the following problems?",
    wording: Wording::Full,
    items: ITEMS,
    scoring: Scoring::Sum,
    total_range: Some(TotalRange { min: 0, max: 21 }),
    severity: Severity::Bands { bands: BANDS },
    flags: &[],
    codes: Codes { panel: None, total: Some(Loinc::new("70274-6")), risk_level: None },
    licence: "Free to use without permission (Pfizer).",
    source: "Spitzer et al. 2006 (Arch Intern Med 166:1092); bands 5/10/15; total LOINC from the HL7 PHR IG scored-assessment value set \
             (REFERENCE.md §6.2, §9.2).",
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testkit::{assert_bands, refused, scored, set, with_total, without};
    use super::*;

    #[test]
    fn band_boundaries() {
        let table = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"), (15, "severe"), (21, "severe")];
        assert_bands(&GAD7, &table);
    }

    #[test]
    fn no_safety_flags() {
        assert!(scored(&GAD7, &with_total(&GAD7, 21)).flags.is_empty());
    }

    #[test]
    fn invalid_answers_name_the_items() {
        let base = with_total(&GAD7, 3);
        assert_eq!(refused(&GAD7, &without(&base, "7")), ["answers.7"]);
        assert_eq!(refused(&GAD7, &set(&base, "1", json!(4))), ["answers.1"]);
        assert_eq!(refused(&GAD7, &set(&base, "1", json!([1]))), ["answers.1"]);
        assert_eq!(refused(&GAD7, &set(&base, "8", json!(1))), ["answers.8"]);
        assert_eq!(refused(&GAD7, &set(&base, "2", json!(2.5))), ["answers.2"]);
    }
}
