//! Procedure codes and modifiers: the CPT / HCPCS Level II codes a charge is billed under, and
//! the constants of the codes this clinic's rules emit.
//!
//! Source: `clinical/REFERENCE.md` §8, the only source of codes in this crate. Codes §8 tags L,
//! or whose future is uncertain there (S0013, J0013, the commercial split-bill E/M + prolonged
//! service codes), are deliberately absent: an admin who bills them adds them to the fee
//! schedule, where the code is only checked for shape.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// A procedure code of shape: five digits (CPT, e.g. `96365`) or a letter and four digits
/// (HCPCS Level II, e.g. `J3490`, `G2082`). Upper-cased. Only the shape is checked: whether a
/// code is current is the payer's code set, which this crate does not carry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProcedureCode(Cow<'static, str>);

impl ProcedureCode {
    /// Parses a code as typed (`j3490`, ` 96365 `).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        let b = code.as_bytes();
        let ok = b.len() == 5 && (b[0].is_ascii_digit() || b[0].is_ascii_uppercase()) && b[1..].iter().all(u8::is_ascii_digit);
        if ok { Ok(Self(Cow::Owned(code))) } else { Err(FieldError::new("code", "must be a CPT code (5 digits) or a HCPCS code (a letter and 4 digits)")) }
    }

    /// For the constants below; each is checked by `constants_have_the_right_shape`.
    const fn known(code: &'static str) -> Self {
        Self(Cow::Borrowed(code))
    }

    /// The code text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A two-character modifier (letters or digits, e.g. `KX`, `59`), upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Modifier(Cow<'static, str>);

impl Modifier {
    /// Parses a modifier as typed (`kx`).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let m = raw.trim().to_ascii_uppercase();
        if m.len() == 2 && m.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(Cow::Owned(m)))
        } else {
            Err(FieldError::new("modifier", "must be two letters or digits, e.g. KX"))
        }
    }

    /// The modifier text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_conversions {
    ($t:ty) => {
        impl TryFrom<String> for $t {
            type Error = FieldError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(c: $t) -> Self {
                c.0.into_owned()
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
string_conversions!(ProcedureCode);
string_conversions!(Modifier);

// --- REFERENCE §8.1: IV / IM ketamine (off-label; mostly self-pay) ---

/// 96365 — IV infusion for therapy, prophylaxis or diagnosis, initial, up to 1 hour. Requires
/// more than 15 minutes; reported for 16–90 minutes. REFERENCE §8.1 [H].
pub const IV_INFUSION_INITIAL: ProcedureCode = ProcedureCode::known("96365");
/// +96366 — IV infusion, each additional hour (add-on to 96365), only when more than 30 minutes
/// beyond the previous hour, i.e. from a total of 91 minutes. REFERENCE §8.1 [H].
pub const IV_INFUSION_ADDITIONAL_HOUR: ProcedureCode = ProcedureCode::known("96366");
/// 96374 — IV push, 15 minutes or less. REFERENCE §8.1 [H].
pub const IV_PUSH: ProcedureCode = ProcedureCode::known("96374");
/// 96372 — therapeutic injection, subcutaneous or intramuscular (IM ketamine). REFERENCE §8.1 [M].
pub const THERAPEUTIC_INJECTION: ProcedureCode = ProcedureCode::known("96372");
/// J3490 — unclassified drug; used for ketamine HCl, which has no specific J-code.
/// REFERENCE §8.1 [M].
pub const UNCLASSIFIED_DRUG: ProcedureCode = ProcedureCode::known("J3490");
/// 90791 — psychiatric diagnostic evaluation without medical services. REFERENCE §8.1 [M].
pub const PSYCHIATRIC_EVALUATION: ProcedureCode = ProcedureCode::known("90791");
/// 90792 — psychiatric diagnostic evaluation with medical services. REFERENCE §8.1 [M].
pub const PSYCHIATRIC_EVALUATION_MEDICAL: ProcedureCode = ProcedureCode::known("90792");
/// 99202–99205 — office or other outpatient E/M visit, new patient, levels 2 to 5 (index 0 is
/// level 2). REFERENCE §8.1 [M].
pub const OFFICE_VISIT_NEW: [ProcedureCode; 4] = [E99202, E99203, E99204, E99205];
/// 99212–99215 — office or other outpatient E/M visit, established patient, levels 2 to 5
/// (index 0 is level 2). REFERENCE §8.1 [M].
pub const OFFICE_VISIT_ESTABLISHED: [ProcedureCode; 4] = [E99212, E99213, E99214, E99215];
const E99202: ProcedureCode = ProcedureCode::known("99202");
const E99203: ProcedureCode = ProcedureCode::known("99203");
const E99204: ProcedureCode = ProcedureCode::known("99204");
const E99205: ProcedureCode = ProcedureCode::known("99205");
const E99212: ProcedureCode = ProcedureCode::known("99212");
const E99213: ProcedureCode = ProcedureCode::known("99213");
const E99214: ProcedureCode = ProcedureCode::known("99214");
const E99215: ProcedureCode = ProcedureCode::known("99215");
/// 96127 — brief emotional / behavioural assessment (PHQ-9, GAD-7 …) with scoring, per
/// instrument. REFERENCE §8.1 [M].
pub const BRIEF_ASSESSMENT: ProcedureCode = ProcedureCode::known("96127");

// --- REFERENCE §8.2: SPRAVATO (esketamine) ---

/// G2082 — office / outpatient E/M of an established patient requiring physician / QHP
/// supervision and provision of up to 56 mg esketamine nasal self-administration, including
/// 2 hours' post-administration observation. Includes the drug. REFERENCE §8.2 [H] (CGS Medicare).
pub const ESKETAMINE_UP_TO_56_MG: ProcedureCode = ProcedureCode::known("G2082");
/// G2083 — as G2082, for more than 56 mg (i.e. 84 mg). Includes the drug. REFERENCE §8.2 [H].
pub const ESKETAMINE_OVER_56_MG: ProcedureCode = ProcedureCode::known("G2083");
/// KX — appended to G2082 / G2083 for Medicare to indicate REMS enrolment. REFERENCE §8.2 [H/M].
pub const REMS_ENROLLED: Modifier = Modifier(Cow::Borrowed("KX"));

/// One row of the bundled table: a code the capture rules can emit and a short descriptor an
/// admin screen can offer when creating the fee schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownCode {
    pub code: ProcedureCode,
    pub descriptor: &'static str,
}

const fn row(code: ProcedureCode, descriptor: &'static str) -> KnownCode {
    KnownCode { code, descriptor }
}

/// The codes of REFERENCE §8 that this crate's rules emit, with descriptors paraphrased there.
pub const KNOWN: &[KnownCode] = &[
    row(IV_INFUSION_INITIAL, "IV infusion, initial, up to 1 hour"),
    row(IV_INFUSION_ADDITIONAL_HOUR, "IV infusion, each additional hour"),
    row(IV_PUSH, "IV push, 15 minutes or less"),
    row(THERAPEUTIC_INJECTION, "Therapeutic injection, SC/IM"),
    row(UNCLASSIFIED_DRUG, "Unclassified drug (ketamine HCl)"),
    row(PSYCHIATRIC_EVALUATION, "Psychiatric diagnostic evaluation"),
    row(PSYCHIATRIC_EVALUATION_MEDICAL, "Psychiatric diagnostic evaluation with medical services"),
    row(E99202, "Office visit, new patient, level 2"),
    row(E99203, "Office visit, new patient, level 3"),
    row(E99204, "Office visit, new patient, level 4"),
    row(E99205, "Office visit, new patient, level 5"),
    row(E99212, "Office visit, established patient, level 2"),
    row(E99213, "Office visit, established patient, level 3"),
    row(E99214, "Office visit, established patient, level 4"),
    row(E99215, "Office visit, established patient, level 5"),
    row(BRIEF_ASSESSMENT, "Brief emotional/behavioral assessment, per instrument"),
    row(ESKETAMINE_UP_TO_56_MG, "Esketamine nasal self-administration, up to 56 mg, with observation"),
    row(ESKETAMINE_OVER_56_MG, "Esketamine nasal self-administration, over 56 mg, with observation"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        for ok in ["96365", "j3490", " G2082 ", "99215"] {
            assert!(ProcedureCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "9636", "963655", "JJ349", "J349X", "9636A", "96-65", "J 349"] {
            assert!(ProcedureCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ProcedureCode::parse("j3490").map(String::from), Ok("J3490".to_owned()));
        assert_eq!(Modifier::parse("kx"), Ok(REMS_ENROLLED));
        for bad in ["", "K", "KXX", "K-"] {
            assert!(Modifier::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn constants_have_the_right_shape() {
        for k in KNOWN {
            assert_eq!(ProcedureCode::parse(k.code.as_str()).as_ref(), Ok(&k.code), "{}", k.code);
            assert!(!k.descriptor.is_empty());
        }
        assert_eq!(Modifier::parse(REMS_ENROLLED.as_str()), Ok(REMS_ENROLLED));
        let codes: std::collections::BTreeSet<&str> = KNOWN.iter().map(|k| k.code.as_str()).collect();
        assert_eq!(codes.len(), KNOWN.len(), "no code listed twice");
        let constants = [
            IV_INFUSION_INITIAL,
            IV_INFUSION_ADDITIONAL_HOUR,
            IV_PUSH,
            THERAPEUTIC_INJECTION,
            UNCLASSIFIED_DRUG,
            PSYCHIATRIC_EVALUATION,
            PSYCHIATRIC_EVALUATION_MEDICAL,
            BRIEF_ASSESSMENT,
            ESKETAMINE_UP_TO_56_MG,
            ESKETAMINE_OVER_56_MG,
        ];
        for c in constants.iter().chain(&OFFICE_VISIT_NEW).chain(&OFFICE_VISIT_ESTABLISHED) {
            assert!(codes.contains(c.as_str()), "{c} is in the table");
        }
        assert_eq!(codes.len(), constants.len() + 8, "and the table holds nothing else");
        for absent in ["S0013", "J0013", "99417", "99415", "99416"] {
            assert!(!codes.contains(absent), "{absent} is low-confidence in REFERENCE §8.2 and must not be bundled");
        }
    }

    #[test]
    fn serde_round_trips_and_checks() {
        let json = serde_json::to_string(&IV_INFUSION_INITIAL).unwrap_or_default();
        assert_eq!(json, "\"96365\"");
        assert_eq!(serde_json::from_str::<ProcedureCode>(&json).ok(), Some(IV_INFUSION_INITIAL));
        assert!(serde_json::from_str::<ProcedureCode>("\"9636\"").is_err());
        assert!(serde_json::from_str::<Modifier>("\"K\"").is_err());
    }
}
