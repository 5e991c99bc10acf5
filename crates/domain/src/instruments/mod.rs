//! The validated instruments of measurement-based care (issue 4, item 1), as data.
//!
//! Each instrument is one `const` [`Instrument`] in its own file, with the worked examples that
//! prove it; [`score()`] is the one generic evaluator. Facts (items, ranges, bands, codes,
//! licences) come from `shared/clinical/REFERENCE.md` §6 and §9, named in each `source` field.

pub mod definition;
pub mod score;

mod cadss;
mod cssrs;
mod gad7;
mod madrs;
mod moaas;
mod pcl5;
mod phq9;
mod qids_sr16;

#[cfg(test)]
mod testkit;

pub use definition::{
    Administration, AnswerKind, AnswerOption, Asked, Band, Codes, DEFAULT_MADRS_SUICIDE_ITEM_MIN, DEFAULT_PCL5_CUTOFF, Domain, FlagRule, Instrument, Item,
    Loinc, PatternGroup, RiskLevel, Scoring, ScoringSettings, Setting, Severity, Threshold, TotalRange, TriageRule, Wording,
};
pub use score::{Score, score};

/// Every instrument, in the order `GET /api/v1/instruments` lists them (API.md).
static ALL: [Instrument; 8] = [phq9::PHQ9, gad7::GAD7, qids_sr16::QIDS_SR16, madrs::MADRS, cssrs::CSSRS_SCREENER, pcl5::PCL5, cadss::CADSS, moaas::MOAAS];

/// Every instrument definition.
pub fn all() -> &'static [Instrument] {
    &ALL
}

/// The instrument with API id `id` (`phq9`, `gad7`, `qids_sr16`, `madrs`, `cssrs_screener`,
/// `pcl5`, `cadss`, `moaas`).
pub fn get(id: &str) -> Option<&'static Instrument> {
    ALL.iter().find(|instrument| instrument.id == id)
}

/// Safety flag raised by a suicide item or a C-SSRS risk of at least low.
pub const FLAG_SUICIDAL_IDEATION: &str = "suicidal_ideation";
/// MOAA/S level ≤ 3.
pub const FLAG_SEDATION: &str = "sedation";
/// MOAA/S level 0.
pub const FLAG_LOSS_OF_CONSCIOUSNESS: &str = "loss_of_consciousness";
/// PCL-5 DSM-5 symptom pattern (items ≥ 2: ≥1 B, ≥1 C, ≥2 D, ≥2 E).
pub const FLAG_DSM5_SYMPTOM_PATTERN: &str = "dsm5_symptom_pattern";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
    use proptest::prelude::*;

    use super::testkit::{max_total, valid_answers};
    use super::*;

    #[test]
    fn ids_match_the_api() {
        let ids: Vec<&str> = all().iter().map(|i| i.id).collect();
        assert_eq!(ids, ["phq9", "gad7", "qids_sr16", "madrs", "cssrs_screener", "pcl5", "cadss", "moaas"]);
        assert!(get("phq9").is_some());
        assert!(get("PHQ9").is_none());
    }

    #[test]
    fn item_ids_are_unique_and_numbered_in_order() {
        for instrument in all() {
            let ids: Vec<&str> = instrument.items.iter().map(|i| i.id).collect();
            let numbered: Vec<&str> = ids.iter().copied().filter(|id| id.parse::<u32>().is_ok()).collect();
            let expected: Vec<String> = (1..=numbered.len()).map(|n| n.to_string()).collect();
            assert_eq!(numbered, expected, "{}", instrument.id);
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), ids.len(), "{}", instrument.id);
        }
    }

    #[test]
    fn every_reference_to_an_item_names_a_real_item() {
        for instrument in all() {
            let mut refs: Vec<&str> = Vec::new();
            for item in instrument.items {
                match item.asked {
                    Asked::WhenYes { item } => refs.push(item),
                    Asked::AtLeastOneOf { items } => refs.extend(items),
                    Asked::Always | Asked::Optional => {}
                }
            }
            match instrument.scoring {
                Scoring::DomainMax { domains: groups } | Scoring::ClusterSums { clusters: groups } => groups.iter().for_each(|d| refs.extend(d.items)),
                Scoring::Triage { rules } => rules.iter().for_each(|r| refs.extend(r.yes.iter().chain(r.no))),
                Scoring::Level { item } => refs.push(item),
                Scoring::Sum => {}
            }
            for rule in instrument.flags {
                match *rule {
                    FlagRule::ItemAtLeast { item, .. } => refs.push(item),
                    FlagRule::ItemPattern { groups, .. } => groups.iter().for_each(|g| refs.extend(g.items)),
                    FlagRule::TotalAtMost { .. } | FlagRule::RiskAtLeast { .. } => {}
                }
            }
            for id in refs {
                assert!(instrument.item(id).is_some(), "{}: unknown item {id}", instrument.id);
            }
        }
    }

    #[test]
    fn published_range_matches_the_items_and_bands_cover_it() {
        for instrument in all() {
            let Some(range) = instrument.total_range else {
                assert!(matches!(instrument.scoring, Scoring::Triage { .. }));
                continue;
            };
            assert_eq!(max_total(instrument), range.max, "{}", instrument.id);
            let bands = instrument.bands(&ScoringSettings::default());
            if bands.is_empty() {
                continue;
            }
            assert_eq!(bands.first().unwrap().min, range.min, "{}", instrument.id);
            assert_eq!(bands.last().unwrap().max, range.max, "{}", instrument.id);
            for pair in bands.windows(2) {
                assert_eq!(pair[0].max + 1, pair[1].min, "{}: gap or overlap", instrument.id);
            }
        }
    }

    #[test]
    fn every_loinc_code_has_a_valid_check_digit() {
        for instrument in all() {
            let codes = [instrument.codes.panel, instrument.codes.total, instrument.codes.risk_level];
            for code in codes.into_iter().chain(instrument.items.iter().map(|i| i.loinc)).flatten() {
                assert!(code.is_well_formed(), "{}: {}", instrument.id, code.as_str());
            }
        }
    }

    #[test]
    fn definitions_serialise_for_the_api() {
        let json = serde_json::to_value(all()).unwrap();
        let phq9 = &json[0];
        assert_eq!(phq9["id"], "phq9");
        assert_eq!(phq9["items"][8]["loinc"], "44260-8");
        assert_eq!(phq9["items"][0]["answer"]["kind"], "choice");
        assert_eq!(phq9["items"][0]["answer"]["options"][3], serde_json::json!({"value": 3, "label": "Nearly every day"}));
        assert_eq!(phq9["scoring"]["rule"], "sum");
        assert_eq!(phq9["severity"]["bands"][4], serde_json::json!({"id": "severe", "min": 20, "max": 27}));
        assert_eq!(phq9["codes"]["total"], "44261-6");
        assert_eq!(json[4]["items"][2]["asked"], serde_json::json!({"rule": "when_yes", "item": "2"}));
        assert_eq!(json[5]["severity"]["cutoff"], serde_json::json!({"setting": "pcl5_cutoff"}));
        for (instrument, value) in all().iter().zip(json.as_array().unwrap()) {
            assert!(!value["licence"].as_str().unwrap().is_empty(), "{}", instrument.id);
            assert!(!value["source"].as_str().unwrap().is_empty(), "{}", instrument.id);
        }
    }

    fn any_valid() -> impl Strategy<Value = (usize, serde_json::Value)> {
        (0..ALL.len(), proptest::collection::vec(any::<u32>(), 64)).prop_map(|(index, seeds)| (index, valid_answers(&ALL[index], &seeds)))
    }

    proptest! {
        #[test]
        fn any_valid_answer_set_scores_within_range((index, answers) in any_valid()) {
            let instrument = &ALL[index];
            let result = score(instrument, &answers, &ScoringSettings::default());
            prop_assert!(result.is_ok(), "{}: {:?} for {answers}", instrument.id, result);
            let s = result.unwrap();
            match instrument.total_range {
                Some(range) => {
                    let total = s.total.expect("a total");
                    prop_assert!((range.min..=range.max).contains(&total));
                    prop_assert_eq!(s.severity.is_some(), instrument.severity != Severity::None);
                    if let Some(domains) = &s.domains {
                        prop_assert_eq!(domains.values().sum::<u32>(), total);
                    }
                }
                None => {
                    prop_assert!(s.total.is_none());
                    prop_assert!(s.risk_level.is_some());
                }
            }
        }
    }
}
