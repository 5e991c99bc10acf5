//! Receipts and the containers they bring in, and the rules about drawing from a container.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{ContainerId, LocationId, ReceiptId, UserId};
use crate::register::ledger::ContainerBalance;
use crate::register::product::Product;

/// Default beyond-use period of an opened multiple-dose vial (issue 6: 28 days after first
/// puncture, a clinic setting).
pub const DEFAULT_BEYOND_USE_DAYS: u32 = 28;

/// A delivery from a supplier (21 CFR 1304.22 receipt record: containers, date of receipt,
/// supplier name, address and DEA registration; REFERENCE §7.6). Schedule III is ordered on an
/// invoice or purchase order, whose number is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: ReceiptId,
    pub supplier_name: String,
    pub supplier_address: String,
    pub supplier_dea: String,
    pub invoice: String,
    pub received_on: Date,
    pub received_at: Timestamp,
    pub received_by: UserId,
    pub product_id: String,
    pub lot: String,
    pub expiry: Date,
    /// Commercial packages received (kits, or vials).
    pub packages: u32,
    pub location_id: LocationId,
}

/// One vial or device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    pub id: ContainerId,
    /// The clinic's running number of containers (assigned when stored; 0 before).
    pub number: u64,
    /// The label written on it (`V-000012`), unique in the clinic.
    pub label: String,
    pub product_id: String,
    pub receipt_id: ReceiptId,
    pub lot: String,
    pub expiry: Date,
}

/// Checks a DEA registration number's shape: two letters and seven digits whose last is the
/// check digit (sum of digits 1, 3, 5 plus twice the sum of 2, 4, 6, last digit).
pub fn check_dea_number(field: &str, raw: &str) -> Result<String, FieldError> {
    let raw = raw.trim().to_ascii_uppercase();
    let bad = || FieldError::new(field, "must be a DEA registration number: 2 letters and 7 digits with a valid check digit");
    let (letters, digits) = raw.split_at_checked(2).ok_or_else(bad)?;
    if !letters.chars().all(|c| c.is_ascii_uppercase()) || digits.len() != 7 {
        return Err(bad());
    }
    let d: Vec<u32> = digits.chars().map(|c| c.to_digit(10)).collect::<Option<_>>().ok_or_else(bad)?;
    let check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10;
    if check == d[6] { Ok(raw) } else { Err(bad()) }
}

/// What stands in the way of drawing from a container today.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawRefusal {
    #[error("the container expired on {0}")]
    Expired(Date),
    #[error("the container is empty")]
    Empty,
}

/// A warning that does not refuse the draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DrawWarning {
    /// An opened multiple-dose vial past its beyond-use date.
    BeyondUse { since: Date },
}

/// The beyond-use date of an opened multiple-dose vial: `days` after its first puncture, in
/// the clinic's calendar (`first_draw_on` is that local date).
pub fn beyond_use_date(product: &Product, first_draw_on: Option<Date>, days: u32) -> Option<Date> {
    if !product.multi_dose {
        return None;
    }
    first_draw_on.and_then(|d| d.checked_add(jiff::Span::new().days(i64::from(days))).ok())
}

/// Whether a draw from `container` may go ahead on local date `today`: expired stock is refused
/// (the label's expiry is the last day of use); an opened vial past its beyond-use date warns.
pub fn check_draw(container: &Container, balance: &ContainerBalance, beyond_use: Option<Date>, today: Date) -> Result<Vec<DrawWarning>, DrawRefusal> {
    if today > container.expiry {
        return Err(DrawRefusal::Expired(container.expiry));
    }
    if balance.remaining.ul == 0 {
        return Err(DrawRefusal::Empty);
    }
    Ok(beyond_use.filter(|bud| today > *bud).map(|since| DrawWarning::BeyondUse { since }).into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::quantity::{Concentration, Qty};
    use jiff::civil::date;

    fn vial() -> (Product, Container) {
        let product = Product {
            id: "k50".into(),
            name: "Ketamine".into(),
            form: crate::register::product::ProductForm::Vial,
            ndc: None,
            concentration: Concentration::new(50_000).unwrap_or_else(|e| panic!("{e}")),
            container_ul: 10_000,
            units_per_package: 1,
            multi_dose: true,
            active: true,
        };
        let container = Container {
            id: ContainerId(uuid::Uuid::nil()),
            number: 1,
            label: "V-000001".into(),
            product_id: "k50".into(),
            receipt_id: ReceiptId(uuid::Uuid::nil()),
            lot: "L1".into(),
            expiry: date(2027, 3, 31),
        };
        (product, container)
    }

    #[test]
    fn dea_numbers() {
        // AB1234563: 1+3+5 = 9, 2*(2+4+6) = 24, 33 → check digit 3.
        assert_eq!(check_dea_number("dea", "ab1234563"), Ok("AB1234563".to_owned()));
        assert!(check_dea_number("dea", "AB1234564").is_err());
        assert!(check_dea_number("dea", "A11234563").is_err());
        assert!(check_dea_number("dea", "AB12345").is_err());
        assert!(check_dea_number("dea", "").is_err());
    }

    #[test]
    fn expiry_refuses_and_beyond_use_warns() {
        let (product, container) = vial();
        let full = ContainerBalance { remaining: Qty { ul: 10_000, ug: 500_000 }, ..ContainerBalance::default() };
        assert_eq!(check_draw(&container, &full, None, date(2027, 3, 31)), Ok(vec![]), "the expiry date itself is usable");
        assert_eq!(check_draw(&container, &full, None, date(2027, 4, 1)), Err(DrawRefusal::Expired(date(2027, 3, 31))));
        let bud = beyond_use_date(&product, Some(date(2026, 11, 1)), DEFAULT_BEYOND_USE_DAYS);
        assert_eq!(bud, Some(date(2026, 11, 29)));
        assert_eq!(check_draw(&container, &full, bud, date(2026, 11, 29)), Ok(vec![]));
        assert_eq!(check_draw(&container, &full, bud, date(2026, 11, 30)), Ok(vec![DrawWarning::BeyondUse { since: date(2026, 11, 29) }]));
        assert_eq!(check_draw(&container, &ContainerBalance::default(), None, date(2026, 11, 30)), Err(DrawRefusal::Empty));
        let single = Product { multi_dose: false, ..product };
        assert_eq!(beyond_use_date(&single, Some(date(2026, 11, 1)), 28), None);
    }
}
