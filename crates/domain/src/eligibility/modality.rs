//! The ways ketaclinic gives ketamine or esketamine.
//!
//! One enum for the whole product: the eligibility engine picks its rule column by modality,
//! and sessions, dosing and billing will branch on the same value. The split that matters most
//! is regulatory (REFERENCE design note): esketamine nasal spray (SPRAVATO) is FDA-approved and
//! its label and REMS are binding, while racemic ketamine for depression is off-label, so its
//! rules are clinic protocol.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// How the drug is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    /// Racemic ketamine by intravenous infusion (off-label for depression, REFERENCE §1).
    IvKetamine,
    /// Racemic ketamine by intramuscular injection (off-label, REFERENCE §1.5).
    ImKetamine,
    /// Esketamine nasal spray, SPRAVATO (FDA-approved; label and REMS binding, REFERENCE §2).
    EsketamineNasal,
}

impl Modality {
    /// Every modality, in the order a form lists them.
    pub const ALL: [Self; 3] = [Self::IvKetamine, Self::ImKetamine, Self::EsketamineNasal];

    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IvKetamine => "iv_ketamine",
            Self::ImKetamine => "im_ketamine",
            Self::EsketamineNasal => "esketamine_nasal",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("modality", "must be one of iv_ketamine, im_ketamine, esketamine_nasal"))
    }

    /// Esketamine (SPRAVATO): the FDA label and REMS apply.
    pub fn is_esketamine(self) -> bool {
        matches!(self, Self::EsketamineNasal)
    }

    /// Racemic ketamine (IV or IM): off-label, governed by clinic protocol.
    pub fn is_racemic_ketamine(self) -> bool {
        !self.is_esketamine()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for m in Modality::ALL {
            assert_eq!(Modality::parse(m.as_str()), Ok(m));
            assert_eq!(serde_json::to_value(m).ok(), Some(serde_json::Value::String(m.as_str().to_owned())));
        }
        assert!(Modality::parse("oral_ketamine").is_err());
        assert!(Modality::EsketamineNasal.is_esketamine());
        assert!(Modality::ImKetamine.is_racemic_ketamine());
    }
}
