//! Vital-sign thresholds of the clinic protocol (issue 5, item 1).
//!
//! Defaults: pre-dose **caution** when SBP > 140 or DBP > 90 (SPRAVATO label, REFERENCE §2.4);
//! pre-dose **hold** when SBP > 160 or DBP > 100 [clinic default]; in-session alerts `bp_high`
//! SBP > 180 or DBP > 110, `hr_high` HR > 120, `hr_low` HR < 50, `spo2_low` SpO2 < 92, `rr_low`
//! RR < 8 [clinic defaults, REFERENCE §4.2]. Every comparison is strict, so the threshold value
//! itself does not alert (SBP 180 → nothing, 181 → `bp_high`).

use serde::{Deserialize, Serialize};

/// One set of readings (any may be missing: a monitor may send BP alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Vitals {
    pub systolic: Option<u32>,
    pub diastolic: Option<u32>,
    pub heart_rate: Option<u32>,
    pub spo2: Option<u32>,
    pub resp_rate: Option<u32>,
}

/// An in-session alert code (API.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VitalAlert {
    BpHigh,
    HrHigh,
    HrLow,
    Spo2Low,
    RrLow,
}

impl VitalAlert {
    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            Self::BpHigh => "bp_high",
            Self::HrHigh => "hr_high",
            Self::HrLow => "hr_low",
            Self::Spo2Low => "spo2_low",
            Self::RrLow => "rr_low",
        }
    }
}

/// The pre-dose verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreDoseCheck {
    Ok,
    /// Above the caution line: weigh the BP rise against the benefit (SPRAVATO label).
    Caution,
    /// Above the hold line: do not dose unless a prescriber overrides.
    Hold,
    /// No blood pressure recorded.
    Missing,
}

/// The clinic's thresholds (all strict "greater than" / "less than").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    pub caution_systolic: u32,
    pub caution_diastolic: u32,
    pub hold_systolic: u32,
    pub hold_diastolic: u32,
    pub alert_systolic: u32,
    pub alert_diastolic: u32,
    pub alert_hr_high: u32,
    pub alert_hr_low: u32,
    pub alert_spo2_low: u32,
    pub alert_rr_low: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            caution_systolic: 140,
            caution_diastolic: 90,
            hold_systolic: 160,
            hold_diastolic: 100,
            alert_systolic: 180,
            alert_diastolic: 110,
            alert_hr_high: 120,
            alert_hr_low: 50,
            alert_spo2_low: 92,
            alert_rr_low: 8,
        }
    }
}

impl Thresholds {
    /// The pre-dose verdict on a blood pressure.
    pub fn pre_dose(&self, v: &Vitals) -> PreDoseCheck {
        let (Some(s), Some(d)) = (v.systolic, v.diastolic) else { return PreDoseCheck::Missing };
        if s > self.hold_systolic || d > self.hold_diastolic {
            PreDoseCheck::Hold
        } else if s > self.caution_systolic || d > self.caution_diastolic {
            PreDoseCheck::Caution
        } else {
            PreDoseCheck::Ok
        }
    }

    /// In-session alerts raised by one set of readings, in code order.
    pub fn alerts(&self, v: &Vitals) -> Vec<VitalAlert> {
        let mut out = Vec::new();
        if v.systolic.is_some_and(|s| s > self.alert_systolic) || v.diastolic.is_some_and(|d| d > self.alert_diastolic) {
            out.push(VitalAlert::BpHigh);
        }
        if v.heart_rate.is_some_and(|h| h > self.alert_hr_high) {
            out.push(VitalAlert::HrHigh);
        }
        if v.heart_rate.is_some_and(|h| h < self.alert_hr_low) {
            out.push(VitalAlert::HrLow);
        }
        if v.spo2.is_some_and(|s| s < self.alert_spo2_low) {
            out.push(VitalAlert::Spo2Low);
        }
        if v.resp_rate.is_some_and(|r| r < self.alert_rr_low) {
            out.push(VitalAlert::RrLow);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bp(s: u32, d: u32) -> Vitals {
        Vitals { systolic: Some(s), diastolic: Some(d), ..Vitals::default() }
    }

    #[test]
    fn pre_dose_boundaries() {
        let t = Thresholds::default();
        assert_eq!(t.pre_dose(&bp(140, 90)), PreDoseCheck::Ok);
        assert_eq!(t.pre_dose(&bp(141, 90)), PreDoseCheck::Caution);
        assert_eq!(t.pre_dose(&bp(140, 91)), PreDoseCheck::Caution);
        assert_eq!(t.pre_dose(&bp(160, 100)), PreDoseCheck::Caution);
        assert_eq!(t.pre_dose(&bp(161, 80)), PreDoseCheck::Hold);
        assert_eq!(t.pre_dose(&bp(120, 101)), PreDoseCheck::Hold);
        assert_eq!(t.pre_dose(&Vitals { systolic: Some(120), ..Vitals::default() }), PreDoseCheck::Missing);
    }

    #[test]
    fn alert_boundaries() {
        let t = Thresholds::default();
        assert!(t.alerts(&bp(180, 110)).is_empty(), "SBP 180 / DBP 110 do not alert");
        assert_eq!(t.alerts(&bp(181, 80)), vec![VitalAlert::BpHigh]);
        assert_eq!(t.alerts(&bp(120, 111)), vec![VitalAlert::BpHigh]);
        let v = |hr, spo2, rr| Vitals { heart_rate: Some(hr), spo2: Some(spo2), resp_rate: Some(rr), ..Vitals::default() };
        assert!(t.alerts(&v(120, 92, 8)).is_empty(), "HR 120, SpO2 92, RR 8 do not alert");
        assert!(t.alerts(&v(50, 99, 14)).is_empty(), "HR 50 does not alert");
        assert_eq!(t.alerts(&v(121, 91, 7)), vec![VitalAlert::HrHigh, VitalAlert::Spo2Low, VitalAlert::RrLow]);
        assert_eq!(t.alerts(&v(49, 98, 12)), vec![VitalAlert::HrLow]);
        assert_eq!(VitalAlert::Spo2Low.code(), "spo2_low");
    }
}
