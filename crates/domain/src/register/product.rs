//! The catalogue: what the clinic stocks, and where it keeps it.
//!
//! The built-in products are seeded by migration 0014 from REFERENCE §7.9 (ketamine HCl vials:
//! 10 mg/mL × 20 mL, 50 mg/mL × 10 mL, 100 mg/mL × 5 and 10 mL, multiple-dose) and §2.1
//! (SPRAVATO 28 mg / 0.2 mL devices, kits 50458-028-02 of two and -03 of three). Ketamine vial
//! NDCs differ by manufacturer and the reference does not tie one to a strength, so they are left
//! for the clinic to fill in; SPRAVATO's are verified. Both drugs are Schedule III under DEA
//! controlled-substance code 7285, which covers "ketamine, its salts, isomers, and salts of
//! isomers" (REFERENCE §7.1; esketamine is the S-isomer).

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::LocationId;
use crate::register::quantity::{Concentration, Qty};

/// The DEA schedule of everything in this register (REFERENCE §7.1).
pub const DEA_SCHEDULE: &str = "CIII";
/// DEA controlled-substance code of ketamine and its isomers (REFERENCE §7.1).
pub const DEA_DRUG_CODE: &str = "7285";

/// The shape of one container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductForm {
    /// An injectable solution in a vial (drawn by volume).
    Vial,
    /// A single-use nasal spray device (taken whole).
    NasalDevice,
}

impl ProductForm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vial => "vial",
            Self::NasalDevice => "nasal_device",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "vial" => Some(Self::Vial),
            "nasal_device" => Some(Self::NasalDevice),
            _ => None,
        }
    }

    /// A container's label prefix (`V-000012`, `D-000013`).
    pub fn label_prefix(self) -> &'static str {
        match self {
            Self::Vial => "V",
            Self::NasalDevice => "D",
        }
    }
}

/// A National Drug Code as printed on the package: ten digits in three hyphenated segments
/// (4-4-2, 5-3-2 or 5-4-1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ndc(String);

impl Ndc {
    pub fn new(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        let lens: Vec<usize> = raw.split('-').map(str::len).collect();
        let digits = raw.split('-').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        if digits && matches!(lens.as_slice(), [4, 4, 2] | [5, 3, 2] | [5, 4, 1]) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new("ndc", "must be a 10-digit NDC as printed, e.g. 50458-028-02"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Ndc {
    type Error = FieldError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        Self::new(&v)
    }
}

impl From<Ndc> for String {
    fn from(n: Ndc) -> Self {
        n.0
    }
}

/// One product the clinic stocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// A stable slug (`ketamine-50mg-ml-10ml`).
    pub id: String,
    pub name: String,
    pub form: ProductForm,
    pub ndc: Option<Ndc>,
    pub concentration: Concentration,
    /// Content of one container, in microlitres.
    pub container_ul: u64,
    /// Containers per commercial package (3 devices in an 84 mg kit; 1 for a vial).
    pub units_per_package: u32,
    /// A multiple-dose vial gets a beyond-use date after its first puncture.
    pub multi_dose: bool,
    pub active: bool,
}

impl Product {
    /// The full content of one container.
    pub fn container_qty(&self) -> Qty {
        self.concentration.of(self.container_ul)
    }

    /// `50 mg/mL, 10 mL vial`, the DEA "finished form" description.
    pub fn strength(&self) -> String {
        let ml = Qty { ul: self.container_ul, ug: 0 }.ml_decimal();
        match self.form {
            ProductForm::Vial => format!("{}, {ml} mL vial", self.concentration.label()),
            ProductForm::NasalDevice => format!("{} mg per {ml} mL device", self.container_qty().mg_decimal()),
        }
    }

    /// Checks a clinic-added product: a slug id, a name, a sensible container.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.id.is_empty() || self.id.len() > 64 || !self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            errors.push(FieldError::new("id", "must be 1–64 lower-case letters, digits and hyphens"));
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 200 {
            errors.push(FieldError::new("name", "is required (at most 200 characters)"));
        }
        if self.container_ul == 0 || self.container_ul > 1_000_000 {
            errors.push(FieldError::new("container_ml", "must be more than 0 and at most 1000 mL"));
        }
        if self.units_per_package == 0 || self.units_per_package > 1000 {
            errors.push(FieldError::new("units_per_package", "must be between 1 and 1000"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// A place where stock is kept (21 CFR 1301.75(b): a securely locked, substantially constructed
/// cabinet; REFERENCE §7.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub id: LocationId,
    pub name: String,
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndc_shapes() {
        assert!(Ndc::new("50458-028-02").is_ok());
        assert!(Ndc::new("0409-2051-05").is_ok());
        assert!(Ndc::new("50458-0280-2").is_ok());
        for bad in ["", "50458028", "50458-028-002", "5045a-028-02", "50458--02"] {
            assert!(Ndc::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn strength_reads_like_the_label() {
        let p = Product {
            id: "ketamine-50mg-ml-10ml".into(),
            name: "Ketamine HCl injection".into(),
            form: ProductForm::Vial,
            ndc: None,
            concentration: Concentration::new(50_000).unwrap_or_else(|e| panic!("{e}")),
            container_ul: 10_000,
            units_per_package: 1,
            multi_dose: true,
            active: true,
        };
        assert_eq!(p.strength(), "50 mg/mL, 10 mL vial");
        assert_eq!(p.container_qty(), Qty { ul: 10_000, ug: 500_000 });
        assert!(p.validate().is_ok());
    }
}
