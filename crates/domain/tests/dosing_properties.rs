//! Property tests of the ketamine dose calculation: the dose never falls when weight or mg/kg
//! rises, and the volumes always match the concentration (to the shown rounding).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

use ketaclinic_domain::dosing::ketamine::{KetamineRequest, WeightBasis, ketamine_exact};
use ketaclinic_domain::person::Sex;
use proptest::prelude::*;

fn req(weight_g: u32, per_kg_ug: u32, conc: u32, bag: u32, basis: WeightBasis) -> KetamineRequest {
    KetamineRequest {
        weight_kg: f64::from(weight_g) / 1000.0,
        height_cm: Some(170.0),
        sex: Some(Sex::Female),
        weight_basis: basis,
        dose_mg_per_kg: f64::from(per_kg_ug) / 1000.0,
        infusion_minutes: Some(40.0),
        vial_concentration_mg_per_ml: f64::from(conc),
        bag_volume_ml: Some(f64::from(bag)),
        max_dose_mg: None,
    }
}

fn basis() -> impl Strategy<Value = WeightBasis> {
    prop_oneof![Just(WeightBasis::Actual), Just(WeightBasis::Ideal), Just(WeightBasis::Adjusted)]
}

proptest! {
    #[test]
    fn dose_is_monotonic_in_weight_and_mg_per_kg(w in 20_000u32..200_000, dw in 0u32..20_000, k in 50u32..2_000, dk in 0u32..500, b in basis()) {
        let d = |w, k| ketamine_exact(&req(w, k, 50, 100, b)).unwrap().0.dose_dmg;
        prop_assert!(d(w + dw, k) >= d(w, k));
        prop_assert!(d(w, k + dk) >= d(w, k));
    }

    #[test]
    fn volumes_match_the_concentration(w in 20_000u32..200_000, k in 50u32..2_000, conc in prop::sample::select(vec![10u32, 50, 100]), bag in 0u32..500) {
        let (e, _) = ketamine_exact(&req(w, k, conc, bag, WeightBasis::Actual)).unwrap();
        // drug (0.01 mL) × concentration (mg/mL) ≈ dose (0.1 mg) within half a hundredth of a mL.
        let mg_x100 = e.drug_cml * u128::from(conc);
        let dose_x100 = e.dose_dmg * 10;
        prop_assert!(mg_x100.abs_diff(dose_x100) * 2 <= u128::from(conc), "drug {} cml at {conc} for {} dmg", e.drug_cml, e.dose_dmg);
        prop_assert_eq!(e.total_cml, u128::from(bag) * 100 + e.drug_cml);
    }
}
