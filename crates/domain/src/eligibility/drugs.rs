//! The drug table: common drug names mapped to the classes eligibility cares about, and
//! antidepressants mapped to a minimum adequate daily dose for the TRD assessment.
//!
//! Why a table and not free text: REFERENCE §3.4 says medication reconciliation should tag
//! benzodiazepines, non-benzodiazepine sedative hypnotics, opioids, psychostimulants, MAOIs (and,
//! as practice, lamotrigine), and §5.1 defines an adequate antidepressant trial by dose and
//! duration. Both need a name → facts lookup that staff can read and a clinic can correct.
//!
//! The bundled rows live in `drug_rows.rs`. Every antidepressant dose carries its source and a
//! confidence in REFERENCE's sense ([`Confidence`]); none is `High` because no FDA/DailyMed
//! page was read directly — the label wording was read in copies. Class membership of the
//! interacting drugs is standard pharmacology and carries no dose. A clinic replaces or adds
//! rows with [`DrugTable::with_overrides`], e.g. to raise a minimum dose to its protocol's.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::drug_rows::BUNDLED;

/// A drug class: the interacting classes of REFERENCE §3.4 and the antidepressant classes.
/// `maoi` is both an interacting class and an antidepressant class; one word serves both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrugClass {
    Benzodiazepine,
    SedativeHypnotic,
    Opioid,
    Psychostimulant,
    Maoi,
    Lamotrigine,
    Ssri,
    Snri,
    Tca,
    OtherAntidepressant,
}

impl DrugClass {
    /// Every class, in the order a form lists them.
    pub const ALL: [Self; 10] = [
        Self::Benzodiazepine,
        Self::SedativeHypnotic,
        Self::Opioid,
        Self::Psychostimulant,
        Self::Maoi,
        Self::Lamotrigine,
        Self::Ssri,
        Self::Snri,
        Self::Tca,
        Self::OtherAntidepressant,
    ];

    /// The wire name (also the suffix of the `med_<class>` rule ids).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Benzodiazepine => "benzodiazepine",
            Self::SedativeHypnotic => "sedative_hypnotic",
            Self::Opioid => "opioid",
            Self::Psychostimulant => "psychostimulant",
            Self::Maoi => "maoi",
            Self::Lamotrigine => "lamotrigine",
            Self::Ssri => "ssri",
            Self::Snri => "snri",
            Self::Tca => "tca",
            Self::OtherAntidepressant => "other_antidepressant",
        }
    }

    /// An antidepressant class (counts towards TRD and Thase–Rush staging).
    pub fn is_antidepressant(self) -> bool {
        matches!(self, Self::Ssri | Self::Snri | Self::Tca | Self::Maoi | Self::OtherAntidepressant)
    }
}

/// How well a fact was confirmed, in the sense of REFERENCE's legend: `high` read in an
/// authoritative primary source, `medium` primary wording seen in a secondary copy or a
/// reputable secondary source, `low` not confirmed in a source read (a default to review).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// The smallest daily dose at which a trial of this antidepressant counts as adequate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinAdequateDose {
    /// Milligrams per day (for a transdermal system, mg per 24 hours).
    pub daily_mg: f64,
    pub confidence: Confidence,
    /// Where the number comes from, precise enough to re-check.
    pub source: String,
}

/// One drug: generic name, brand names, classes and (antidepressants) minimum adequate dose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrugEntry {
    /// Generic name, lower case.
    pub name: String,
    /// Common (US) brand names and other accepted spellings.
    #[serde(default)]
    pub brands: Vec<String>,
    pub classes: Vec<DrugClass>,
    #[serde(default)]
    pub min_adequate_dose: Option<MinAdequateDose>,
}

impl DrugEntry {
    /// The antidepressant class of this drug, if it is an antidepressant.
    pub fn antidepressant_class(&self) -> Option<DrugClass> {
        self.classes.iter().copied().find(|c| c.is_antidepressant())
    }

    /// Whether the drug belongs to `class`.
    pub fn has_class(&self, class: DrugClass) -> bool {
        self.classes.contains(&class)
    }
}

/// A drug table that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrugTableError {
    #[error("a drug row has an empty name")]
    EmptyName,
    #[error("drug `{name}` has no class")]
    NoClass { name: String },
    #[error("drug `{name}`: the minimum adequate dose must be a positive number of mg")]
    InvalidDose { name: String },
    #[error("the name `{name}` is used by more than one drug")]
    DuplicateName { name: String },
}

/// Names → drugs, looked up case- and whitespace-insensitively.
#[derive(Debug, Clone, PartialEq)]
pub struct DrugTable {
    entries: Vec<DrugEntry>,
    index: HashMap<String, usize>,
}

// Built without the checks of `DrugTable::new` (which would need a panic path here); a unit
// test proves the bundled rows pass them and give the same table.
static BUNDLED_TABLE: LazyLock<DrugTable> = LazyLock::new(|| DrugTable::unchecked(BUNDLED.iter().map(|row| row.to_entry()).collect()));

impl Default for DrugTable {
    /// The bundled table.
    fn default() -> Self {
        Self::bundled().clone()
    }
}

impl DrugTable {
    /// The bundled, sourced table, built once.
    pub fn bundled() -> &'static Self {
        &BUNDLED_TABLE
    }

    /// A table of exactly these rows.
    pub fn new(entries: Vec<DrugEntry>) -> Result<Self, DrugTableError> {
        let mut index = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            if normalise(&entry.name).is_empty() {
                return Err(DrugTableError::EmptyName);
            }
            if entry.classes.is_empty() {
                return Err(DrugTableError::NoClass { name: entry.name.clone() });
            }
            if let Some(dose) = &entry.min_adequate_dose
                && !(dose.daily_mg.is_finite() && dose.daily_mg > 0.0)
            {
                return Err(DrugTableError::InvalidDose { name: entry.name.clone() });
            }
            for name in std::iter::once(&entry.name).chain(&entry.brands) {
                let key = normalise(name);
                if key.is_empty() {
                    return Err(DrugTableError::EmptyName);
                }
                if index.insert(key.clone(), i).is_some_and(|other| other != i) {
                    return Err(DrugTableError::DuplicateName { name: key });
                }
            }
        }
        Ok(Self { entries, index })
    }

    fn unchecked(entries: Vec<DrugEntry>) -> Self {
        let mut index = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            for name in std::iter::once(&entry.name).chain(&entry.brands) {
                index.entry(normalise(name)).or_insert(i);
            }
        }
        Self { entries, index }
    }

    /// This table with clinic rows applied: a row whose generic name matches a row of the table
    /// replaces it (brands, classes and dose all come from the new row); other rows are added.
    pub fn with_overrides(&self, rows: impl IntoIterator<Item = DrugEntry>) -> Result<Self, DrugTableError> {
        let mut entries = self.entries.clone();
        for row in rows {
            let key = normalise(&row.name);
            match entries.iter_mut().find(|e| normalise(&e.name) == key) {
                Some(existing) => *existing = row,
                None => entries.push(row),
            }
        }
        Self::new(entries)
    }

    /// Every row, in table order.
    pub fn entries(&self) -> &[DrugEntry] {
        &self.entries
    }

    /// Finds a drug by generic or brand name, ignoring case and extra whitespace. When the whole
    /// name is not known, trailing words that do not name a different drug are dropped one at a
    /// time — a strength ("50 mg"), a salt ("hydrochloride", "HCl") or a release form ("XR",
    /// "ER", "SR", "XL") — so "Sertraline HCl 50 mg" finds sertraline. "CR" is not dropped
    /// because paroxetine CR has different strengths from paroxetine.
    pub fn lookup(&self, name: &str) -> Option<&DrugEntry> {
        let mut key = normalise(name);
        loop {
            if let Some(&i) = self.index.get(&key) {
                return self.entries.get(i);
            }
            let (head, last) = key.rsplit_once(' ')?;
            if !is_droppable_suffix(last) {
                return None;
            }
            key = head.to_owned();
        }
    }
}

/// Lower case with runs of whitespace collapsed to one space.
pub fn normalise(name: &str) -> String {
    name.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

const DROPPABLE_WORDS: &[&str] = &[
    "mg",
    "hcl",
    "hydrochloride",
    "hbr",
    "sulfate",
    "maleate",
    "oxalate",
    "hydrobromide",
    "mesylate",
    "succinate",
    "tartrate",
    "besylate",
    "xr",
    "er",
    "sr",
    "xl",
    "la",
    "ir",
    "dr",
    "oral",
    "tablet",
    "tablets",
    "capsule",
    "capsules",
];

fn is_droppable_suffix(word: &str) -> bool {
    if DROPPABLE_WORDS.contains(&word) {
        return true;
    }
    let digits = word.strip_suffix("mg").unwrap_or(word);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_rows_build_a_consistent_table() {
        let rows: Vec<DrugEntry> = BUNDLED.iter().map(|r| r.to_entry()).collect();
        let table = DrugTable::new(rows);
        assert_eq!(table.as_ref().ok(), Some(DrugTable::bundled()), "{table:?}");
    }

    #[test]
    fn every_antidepressant_has_a_sourced_minimum_dose() {
        for entry in DrugTable::bundled().entries() {
            let is_antidepressant = entry.antidepressant_class().is_some();
            if let Some(dose) = &entry.min_adequate_dose {
                assert!(is_antidepressant, "{} has a dose but no antidepressant class", entry.name);
                assert!(dose.source.len() > 20, "{} has no real source", entry.name);
            } else {
                // Only oral selegiline (an MAOI at Parkinson's doses) lacks a dose.
                assert!(!is_antidepressant || entry.name == "selegiline", "{} lacks a dose", entry.name);
            }
        }
    }

    #[test]
    fn lookup_ignores_case_whitespace_brands_salts_strengths_and_release_forms() {
        let t = DrugTable::bundled();
        let name = |q: &str| t.lookup(q).map(|e| e.name.as_str());
        assert_eq!(name("Sertraline"), Some("sertraline"));
        assert_eq!(name("  ZOLOFT "), Some("sertraline"));
        assert_eq!(name("sertraline HCl 50 mg"), Some("sertraline"));
        assert_eq!(name("Effexor   XR"), Some("venlafaxine"));
        assert_eq!(name("venlafaxine ER 150mg"), Some("venlafaxine"));
        assert_eq!(name("Wellbutrin XL"), Some("bupropion"));
        assert_eq!(name("Xanax"), Some("alprazolam"));
        assert_eq!(name("Emsam"), Some("selegiline transdermal"));
        assert_eq!(name("paxil cr"), None);
        assert_eq!(name("unknownazepine"), None);
        assert_eq!(name(""), None);
        assert_eq!(name("mg"), None);
    }

    #[test]
    fn clinic_overrides_replace_or_add_rows() {
        let stricter = DrugEntry {
            name: "Sertraline".to_owned(),
            brands: vec!["Zoloft".to_owned()],
            classes: vec![DrugClass::Ssri],
            min_adequate_dose: Some(MinAdequateDose { daily_mg: 100.0, confidence: Confidence::Low, source: "clinic protocol 2026".to_owned() }),
        };
        let added = DrugEntry { name: "agomelatine".to_owned(), brands: vec![], classes: vec![DrugClass::OtherAntidepressant], min_adequate_dose: None };
        let table = DrugTable::bundled().with_overrides([stricter, added]);
        let table = table.as_ref().ok();
        assert_eq!(table.and_then(|t| t.lookup("zoloft")).and_then(|e| e.min_adequate_dose.as_ref()).map(|d| d.daily_mg), Some(100.0));
        assert!(table.and_then(|t| t.lookup("agomelatine")).is_some());
        assert_eq!(table.map(|t| t.entries().len()), Some(DrugTable::bundled().entries().len() + 1));

        let clash = DrugEntry { name: "newdrug".to_owned(), brands: vec!["Xanax".to_owned()], classes: vec![DrugClass::Opioid], min_adequate_dose: None };
        assert_eq!(DrugTable::bundled().with_overrides([clash]).err(), Some(DrugTableError::DuplicateName { name: "xanax".to_owned() }));
        let bad_dose = DrugEntry {
            name: "x".to_owned(),
            brands: vec![],
            classes: vec![DrugClass::Ssri],
            min_adequate_dose: Some(MinAdequateDose { daily_mg: -1.0, confidence: Confidence::Low, source: String::new() }),
        };
        assert!(matches!(DrugTable::bundled().with_overrides([bad_dose]), Err(DrugTableError::InvalidDose { .. })));
        let no_class = DrugEntry { name: "y".to_owned(), brands: vec![], classes: vec![], min_adequate_dose: None };
        assert!(matches!(DrugTable::new(vec![no_class]), Err(DrugTableError::NoClass { .. })));
    }
}
