//! Diagnosis codes: ICD-10-CM syntax and the bundled table of codes a ketamine clinic uses,
//! with their SNOMED CT concept where the mapping is verified.
//!
//! Source: `clinical/REFERENCE.md` §8.3 (ICD-10-CM codes and titles) and §9.3 (SNOMED CT
//! concepts). Only concepts tagged H or M there are attached; TRD has no code in either system
//! (REFERENCE §8.3, §9.3) and is documented through the treatment history instead. Recurrent
//! MDD (66344007) is tagged L in §9.3 and therefore not attached.

use serde::Serialize;

use crate::error::FieldError;

/// The FHIR system URI of ICD-10-CM (REFERENCE §9.4).
pub const ICD10CM_SYSTEM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
/// The FHIR system URI of SNOMED CT (REFERENCE §9.4).
pub const SNOMED_SYSTEM: &str = "http://snomed.info/sct";

/// A syntactically valid ICD-10-CM code: a letter, two characters (digit, then digit or
/// letter), and optionally a dot followed by one to four letters or digits. Upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct IcdCode(String);

impl IcdCode {
    /// Parses a code as typed (`f33.1`, ` F33.1 `).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        let bad = || FieldError::new("icd10cm", "must be an ICD-10-CM code such as F33.1");
        let (category, sub) = code.split_once('.').map_or((code.as_str(), None), |(c, s)| (c, Some(s)));
        let c = category.as_bytes();
        let category_ok = c.len() == 3 && c[0].is_ascii_uppercase() && c[1].is_ascii_digit() && c[2].is_ascii_alphanumeric();
        let sub_ok = sub.is_none_or(|s| (1..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
        if category_ok && sub_ok { Ok(Self(code)) } else { Err(bad()) }
    }

    /// The code text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the code is major depressive disorder (F32.x single episode or F33.x recurrent).
    pub fn is_mdd(&self) -> bool {
        self.0.starts_with("F32") || self.0.starts_with("F33")
    }
}

/// A SNOMED CT concept with the confidence REFERENCE §9.3 gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SnomedConcept {
    pub id: &'static str,
    pub display: &'static str,
}

/// One row of the bundled table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KnownDiagnosis {
    pub code: &'static str,
    pub display: &'static str,
    pub snomed: Option<SnomedConcept>,
}

const MDD_SINGLE: Option<SnomedConcept> = Some(SnomedConcept { id: "36923009", display: "Major depression, single episode" });
const MDD: Option<SnomedConcept> = Some(SnomedConcept { id: "370143000", display: "Major depressive disorder" });
const PTSD: Option<SnomedConcept> = Some(SnomedConcept { id: "47505003", display: "Posttraumatic stress disorder" });
const SUICIDAL_IDEATION: Option<SnomedConcept> = Some(SnomedConcept { id: "6471006", display: "Suicidal thoughts" });

/// The codes of REFERENCE §8.3 (titles as given there).
pub const KNOWN: &[KnownDiagnosis] = &[
    KnownDiagnosis { code: "F32.0", display: "Major depressive disorder, single episode, mild", snomed: MDD_SINGLE },
    KnownDiagnosis { code: "F32.1", display: "Major depressive disorder, single episode, moderate", snomed: MDD_SINGLE },
    KnownDiagnosis { code: "F32.2", display: "Major depressive disorder, single episode, severe without psychotic features", snomed: MDD_SINGLE },
    KnownDiagnosis { code: "F32.3", display: "Major depressive disorder, single episode, severe with psychotic features", snomed: MDD_SINGLE },
    KnownDiagnosis { code: "F32.4", display: "Major depressive disorder, single episode, in partial remission", snomed: MDD_SINGLE },
    KnownDiagnosis { code: "F32.5", display: "Major depressive disorder, single episode, in full remission", snomed: MDD_SINGLE },
    KnownDiagnosis { code: "F32.89", display: "Other specified depressive episodes", snomed: None },
    KnownDiagnosis { code: "F32.9", display: "Major depressive disorder, single episode, unspecified", snomed: MDD_SINGLE },
    KnownDiagnosis { code: "F32.A", display: "Depression, unspecified", snomed: None },
    KnownDiagnosis { code: "F33.0", display: "Major depressive disorder, recurrent, mild", snomed: MDD },
    KnownDiagnosis { code: "F33.1", display: "Major depressive disorder, recurrent, moderate", snomed: MDD },
    KnownDiagnosis { code: "F33.2", display: "Major depressive disorder, recurrent, severe without psychotic features", snomed: MDD },
    KnownDiagnosis { code: "F33.3", display: "Major depressive disorder, recurrent, severe with psychotic symptoms", snomed: MDD },
    KnownDiagnosis { code: "F33.40", display: "Major depressive disorder, recurrent, in remission, unspecified", snomed: MDD },
    KnownDiagnosis { code: "F33.41", display: "Major depressive disorder, recurrent, in partial remission", snomed: MDD },
    KnownDiagnosis { code: "F33.42", display: "Major depressive disorder, recurrent, in full remission", snomed: MDD },
    KnownDiagnosis { code: "F33.8", display: "Other recurrent depressive disorders", snomed: MDD },
    KnownDiagnosis { code: "F33.9", display: "Major depressive disorder, recurrent, unspecified", snomed: MDD },
    KnownDiagnosis { code: "F43.10", display: "Post-traumatic stress disorder, unspecified", snomed: PTSD },
    KnownDiagnosis { code: "F43.11", display: "Post-traumatic stress disorder, acute", snomed: PTSD },
    KnownDiagnosis { code: "F43.12", display: "Post-traumatic stress disorder, chronic", snomed: PTSD },
    KnownDiagnosis { code: "R45.851", display: "Suicidal ideations", snomed: SUICIDAL_IDEATION },
];

/// The bundled row for `code`, if any.
pub fn lookup(code: &IcdCode) -> Option<&'static KnownDiagnosis> {
    KNOWN.iter().find(|k| k.code == code.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax() {
        for ok in ["F33.1", "f33.1", " F32.A ", "R45.851", "F43", "T14.91XA"] {
            assert!(IcdCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "F3", "33.1", "F33.", "F33.12345", "F33-1", "FF3.1"] {
            assert!(IcdCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(IcdCode::parse("f32.a").map(|c| c.0), Ok("F32.A".to_owned()));
    }

    #[test]
    fn every_known_code_parses_and_maps() {
        for k in KNOWN {
            let code = IcdCode::parse(k.code);
            assert!(code.as_ref().is_ok_and(|c| lookup(c) == Some(k)), "{}", k.code);
        }
        let mdd = IcdCode::parse("F33.1").map(|c| (c.is_mdd(), lookup(&c).and_then(|k| k.snomed).map(|s| s.id)));
        assert_eq!(mdd, Ok((true, Some("370143000"))));
        assert_eq!(IcdCode::parse("F43.10").map(|c| c.is_mdd()), Ok(false));
    }
}
