//! Versioned treatment protocols: the clinic's setting, per modality, of how a course runs.
//!
//! Every default names the REFERENCE section it comes from. Racemic ketamine (IV/IM) is
//! off-label, so its values are clinic-editable defaults; esketamine (SPRAVATO) follows the FDA
//! label and REMS, which are binding (REFERENCE, design note at the top), so validation keeps an
//! esketamine protocol inside the label: 56 mg on day 1 then 56 or 84 mg, twice weekly in
//! induction, weekly to every-other-week maintenance, and exactly 120 minutes of observation
//! from the first device (§2.3–2.4) — any other observation value is refused, never clamped.
//!
//! A modality the clinic has never revised runs on **version 0**: [`ProtocolBody::defaults`].
//! Each revision is a new version with a reason; versions are never changed or deleted, so a
//! course (and a session) can always say which version it followed.
//!
//! Bounds that are not from REFERENCE (the ranges of the vital-sign thresholds, the 52-week
//! racemic maintenance interval) are plausibility guards against typing errors, not clinical
//! rules.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::eligibility::Modality;
use crate::error::{FieldError, ValidationErrors};
use crate::ids::UserId;
use crate::record::ChangeReason;
use crate::session::Thresholds;

/// A weight-based dose, held in micrograms per kilogram so no dose arithmetic runs on floats;
/// on the wire it is mg/kg (API.md: doses in mg), e.g. `0.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MgPerKg(u32);

impl MgPerKg {
    /// From micrograms per kilogram (500 = 0.5 mg/kg).
    pub const fn from_ug_per_kg(ug: u32) -> Self {
        Self(ug)
    }

    /// Micrograms per kilogram.
    pub const fn ug_per_kg(self) -> u32 {
        self.0
    }

    /// mg/kg, for display and the wire.
    pub fn as_mg(self) -> f64 {
        f64::from(self.0) / 1000.0
    }
}

impl Serialize for MgPerKg {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_mg())
    }
}

impl<'de> Deserialize<'de> for MgPerKg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mg = f64::deserialize(d)?;
        if !mg.is_finite() || !(0.0..=100.0).contains(&mg) {
            return Err(serde::de::Error::custom("must be a dose in mg/kg between 0 and 100"));
        }
        // Finite and within 0..=100, so the product fits a u32 comfortably.
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked finite, non-negative and at most 100 000")]
        let ug = (mg * 1000.0).round() as u32;
        Ok(Self(ug))
    }
}

/// How a session's dose is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DoseRule {
    /// Racemic ketamine: mg per kg of body weight, IV over `infusion_minutes`, IM as one
    /// injection (no infusion time).
    WeightBased { mg_per_kg: MgPerKg, infusion_minutes: Option<u32> },
    /// Esketamine nasal spray: `first_dose_mg` on day 1, then `dose_mg` (28 mg devices).
    Fixed { first_dose_mg: u32, dose_mg: u32 },
}

/// The induction series: how many sessions, how many per week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Induction {
    pub sessions: u32,
    pub per_week: u32,
}

impl Induction {
    /// Weeks the series takes at its frequency (6 at 3 a week: 2 weeks).
    pub fn weeks(self) -> u32 {
        if self.per_week == 0 { 0 } else { self.sessions.div_ceil(self.per_week) }
    }
}

/// An interval between maintenance sessions, in weeks (`min` = `max` for a fixed interval).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeekRange {
    pub min: u32,
    pub max: u32,
}

/// One stretch of the maintenance schedule, in treatment weeks counted from the course's first
/// week (week 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceStep {
    pub from_week: u32,
    /// Last week of the step; absent for the open-ended last step.
    pub to_week: Option<u32>,
    /// A session every `min`–`max` weeks; absent for "booster when symptoms return".
    pub every_weeks: Option<WeekRange>,
}

/// Pre-checks a clinic may switch on (the others always apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptionalPrechecks {
    /// A PHQ-9 on the day of each session before dosing (REFERENCE §6.11 lists it before
    /// each dosing session as a recommendation [M]; off unless the clinic asks for it).
    pub pre_session_phq9: bool,
}

/// What the minimum observation is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationFrom {
    /// Esketamine: the first device (label, REFERENCE §2.4 and the REMS form §2.6 item 5).
    FirstDevice,
    /// Racemic ketamine: the end of the infusion or injection (REFERENCE §4.5).
    AdministrationStopped,
}

impl ObservationFrom {
    /// The anchor of `modality`.
    pub fn of(modality: Modality) -> Self {
        if modality.is_esketamine() { Self::FirstDevice } else { Self::AdministrationStopped }
    }
}

/// The esketamine label's observation: at least 2 hours after dosing (REFERENCE §2.4).
pub const ESKETAMINE_OBSERVATION_MINUTES: u32 = 120;

/// A protocol's content (one version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolBody {
    pub dose: DoseRule,
    pub induction: Induction,
    pub maintenance: MaintenanceSteps,
    /// Vital-sign thresholds of the sessions (defaults in [`Thresholds`]).
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Minutes of observation before discharge may be considered.
    pub min_observation_minutes: u32,
    #[serde(default)]
    pub prechecks: OptionalPrechecks,
}

/// The maintenance steps in order: at most [`MAX_MAINTENANCE_STEPS`], held in a fixed array so
/// a body stays `Copy` and a stored body is bounded; on the wire a plain list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MaintenanceSteps {
    steps: [Option<MaintenanceStep>; MAX_MAINTENANCE_STEPS],
}

/// Most maintenance steps a protocol lists.
pub const MAX_MAINTENANCE_STEPS: usize = 4;

impl MaintenanceSteps {
    /// The steps, in order.
    pub fn iter(&self) -> impl Iterator<Item = &MaintenanceStep> {
        self.steps.iter().flatten()
    }

    /// From a list; `Err` when it is longer than [`MAX_MAINTENANCE_STEPS`].
    pub fn from_slice(list: &[MaintenanceStep]) -> Result<Self, FieldError> {
        if list.len() > MAX_MAINTENANCE_STEPS {
            return Err(FieldError::new("maintenance", format!("must list at most {MAX_MAINTENANCE_STEPS} steps")));
        }
        let mut steps = [None; MAX_MAINTENANCE_STEPS];
        for (slot, step) in steps.iter_mut().zip(list) {
            *slot = Some(*step);
        }
        Ok(Self { steps })
    }
}

impl Serialize for MaintenanceSteps {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for MaintenanceSteps {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<MaintenanceStep>::deserialize(d)?;
        Self::from_slice(&list).map_err(|e| serde::de::Error::custom(e.message))
    }
}

impl ProtocolBody {
    /// The built-in protocol of `modality` (version 0), each value with its source.
    pub fn defaults(modality: Modality) -> Self {
        match modality {
            Modality::IvKetamine | Modality::ImKetamine => Self {
                dose: DoseRule::WeightBased {
                    // 0.5 mg/kg (REFERENCE §1.1) …
                    mg_per_kg: MgPerKg::from_ug_per_kg(500),
                    // … over 40 minutes IV (§1.1); IM is one injection (§1.5), no infusion.
                    infusion_minutes: (modality == Modality::IvKetamine).then_some(40),
                },
                // 6 infusions, 3 a week (Mon-Wed-Fri) over ~2 weeks: Murrough 2013 / Zheng 2019,
                // REFERENCE §1.3; "typical community-clinic default: 6 infusions over 2–3 weeks".
                // IM has no series of its own in §1.5, so it starts from the same series.
                induction: Induction { sessions: 6, per_week: 3 },
                maintenance: steps(&[
                    // Responders then 4 once-weekly infusions (Phillips 2019, REFERENCE §1.4) …
                    MaintenanceStep { from_week: 3, to_week: Some(6), every_weeks: Some(WeekRange { min: 1, max: 1 }) },
                    // … then "booster when symptoms return" (§1.4, [L]).
                    MaintenanceStep { from_week: 7, to_week: None, every_weeks: None },
                ]),
                thresholds: Thresholds::default(),
                // Observation ≥ 30 min after the end of the infusion (REFERENCE §4.5, [M]).
                min_observation_minutes: 30,
                prechecks: OptionalPrechecks::default(),
            },
            Modality::EsketamineNasal => Self {
                // Day 1: 56 mg; then 56 or 84 mg (label, REFERENCE §2.3).
                dose: DoseRule::Fixed { first_dose_mg: 56, dose_mg: 56 },
                // Weeks 1–4 twice weekly (§2.3): 8 sessions.
                induction: Induction { sessions: 8, per_week: 2 },
                maintenance: steps(&[
                    // Weeks 5–8 once weekly (§2.3) …
                    MaintenanceStep { from_week: 5, to_week: Some(8), every_weeks: Some(WeekRange { min: 1, max: 1 }) },
                    // … week 9 on every 2 weeks or once weekly (§2.3).
                    MaintenanceStep { from_week: 9, to_week: None, every_weeks: Some(WeekRange { min: 1, max: 2 }) },
                ]),
                thresholds: Thresholds::default(),
                // At least 2 hours after dosing (label §5.1/5.2, REFERENCE §2.4): not editable.
                min_observation_minutes: ESKETAMINE_OBSERVATION_MINUTES,
                prechecks: OptionalPrechecks::default(),
            },
        }
    }

    /// Checks the body for `modality`; every refused field is named (`dose.mg_per_kg`,
    /// `maintenance[1].every_weeks.max`, `min_observation_minutes` …).
    pub fn validate(&self, modality: Modality) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        validate_dose(modality, &self.dose, "dose", &mut errors);
        validate_induction(modality, self.induction, "induction", &mut errors);
        validate_maintenance(modality, self.induction, &self.maintenance, &mut errors);
        validate_thresholds(&self.thresholds, &mut errors);
        if modality.is_esketamine() {
            if self.min_observation_minutes != ESKETAMINE_OBSERVATION_MINUTES {
                errors.0.push(FieldError::new(
                    "min_observation_minutes",
                    "is fixed at 120 for esketamine (SPRAVATO label: at least 2 hours after dosing) and cannot be changed",
                ));
            }
        } else if !(1..=240).contains(&self.min_observation_minutes) {
            // The BP rise of ketamine lasts up to ~4 h (REFERENCE §2.4, §4.1).
            errors.0.push(FieldError::new("min_observation_minutes", "must be between 1 and 240"));
        }
        errors.into_result()
    }
}

fn steps(list: &[MaintenanceStep]) -> MaintenanceSteps {
    MaintenanceSteps::from_slice(list).unwrap_or_default()
}

/// Checks a dose rule for `modality` (also used for a course's own dose), fields under `at`.
pub fn validate_dose(modality: Modality, dose: &DoseRule, at: &str, errors: &mut ValidationErrors) {
    match (modality, dose) {
        (Modality::IvKetamine | Modality::ImKetamine, DoseRule::WeightBased { mg_per_kg, infusion_minutes }) => {
            // Literature range 0.1–0.75 mg/kg, ASKP3 up to 1 mg/kg, Fava's 1.0 mg/kg arm (§1.1).
            if !(100..=1000).contains(&mg_per_kg.ug_per_kg()) {
                errors.0.push(FieldError::new(format!("{at}.mg_per_kg"), "must be between 0.1 and 1.0 mg/kg (REFERENCE §1.1)"));
            }
            match (modality, infusion_minutes) {
                // Infusions of 2 to 100 minutes have been used safely (§1.1).
                (Modality::IvKetamine, Some(m)) if !(2..=100).contains(m) => {
                    errors.0.push(FieldError::new(format!("{at}.infusion_minutes"), "must be between 2 and 100 (REFERENCE §1.1)"));
                }
                (Modality::IvKetamine, None) => errors.0.push(FieldError::new(format!("{at}.infusion_minutes"), "is required for an IV infusion")),
                (Modality::ImKetamine, Some(_)) => {
                    errors.0.push(FieldError::new(format!("{at}.infusion_minutes"), "must be absent: an IM dose is one injection"));
                }
                _ => {}
            }
        }
        (Modality::EsketamineNasal, DoseRule::Fixed { first_dose_mg, dose_mg }) => {
            if *first_dose_mg != 56 {
                errors.0.push(FieldError::new(format!("{at}.first_dose_mg"), "must be 56: the label starts at 56 mg on day 1 (REFERENCE §2.3)"));
            }
            if ![56, 84].contains(dose_mg) {
                errors.0.push(FieldError::new(format!("{at}.dose_mg"), "must be 56 or 84 (REFERENCE §2.3)"));
            }
        }
        (Modality::EsketamineNasal, DoseRule::WeightBased { .. }) => {
            errors.0.push(FieldError::new(format!("{at}.kind"), "must be fixed for esketamine (56 or 84 mg, REFERENCE §2.3)"));
        }
        (_, DoseRule::Fixed { .. }) => errors.0.push(FieldError::new(format!("{at}.kind"), "must be weight_based for racemic ketamine (REFERENCE §1.1)")),
    }
}

/// Checks an induction series for `modality`, fields under `at`.
pub fn validate_induction(modality: Modality, induction: Induction, at: &str, errors: &mut ValidationErrors) {
    if modality.is_esketamine() {
        // Weeks 1–4, twice weekly (label, §2.3).
        if induction.per_week != 2 {
            errors.0.push(FieldError::new(format!("{at}.per_week"), "must be 2: esketamine induction is twice weekly (REFERENCE §2.3)"));
        }
        if !(1..=8).contains(&induction.sessions) {
            errors.0.push(FieldError::new(format!("{at}.sessions"), "must be between 1 and 8 (weeks 1–4 twice weekly, REFERENCE §2.3)"));
        }
    } else {
        // Published series are twice or three times weekly, up to 12 sessions (KetECT, §1.3).
        if !(2..=3).contains(&induction.per_week) {
            errors.0.push(FieldError::new(format!("{at}.per_week"), "must be 2 or 3 (REFERENCE §1.3)"));
        }
        if !(1..=12).contains(&induction.sessions) {
            errors.0.push(FieldError::new(format!("{at}.sessions"), "must be between 1 and 12 (REFERENCE §1.3)"));
        }
    }
}

fn validate_maintenance(modality: Modality, induction: Induction, plan: &MaintenanceSteps, errors: &mut ValidationErrors) {
    let mut previous_end: Option<Option<u32>> = None;
    for (i, step) in plan.iter().enumerate() {
        let at = |f: &str| format!("maintenance[{i}].{f}");
        if step.from_week <= induction.weeks() {
            errors.0.push(FieldError::new(at("from_week"), format!("must come after the induction (week {} or later)", induction.weeks() + 1)));
        }
        match previous_end {
            Some(None) => errors.0.push(FieldError::new(at("from_week"), "follows an open-ended step; only the last step may be open-ended")),
            Some(Some(end)) if step.from_week <= end => {
                errors.0.push(FieldError::new(at("from_week"), format!("must come after week {end}, where the step before ends")))
            }
            _ => {}
        }
        if step.to_week.is_some_and(|to| to < step.from_week) {
            errors.0.push(FieldError::new(at("to_week"), "must not come before from_week"));
        }
        match step.every_weeks {
            Some(r) => {
                // Esketamine: once weekly or every 2 weeks (label, §2.3).
                let max = if modality.is_esketamine() { 2 } else { 52 };
                if !(1..=max).contains(&r.min) {
                    errors.0.push(FieldError::new(at("every_weeks.min"), format!("must be between 1 and {max}")));
                }
                if r.max < r.min || r.max > max {
                    errors.0.push(FieldError::new(at("every_weeks.max"), format!("must be between every_weeks.min and {max}")));
                }
            }
            None if modality.is_esketamine() => {
                errors.0.push(FieldError::new(at("every_weeks"), "is required: esketamine maintenance is weekly or every 2 weeks (REFERENCE §2.3)"));
            }
            None => {}
        }
        previous_end = Some(step.to_week);
    }
}

fn validate_thresholds(t: &Thresholds, errors: &mut ValidationErrors) {
    let mut range = |field: &str, value: u32, min: u32, max: u32| {
        if !(min..=max).contains(&value) {
            errors.0.push(FieldError::new(format!("thresholds.{field}"), format!("must be between {min} and {max}")));
        }
    };
    range("caution_systolic", t.caution_systolic, 90, 250);
    range("hold_systolic", t.hold_systolic, 90, 250);
    range("alert_systolic", t.alert_systolic, 90, 250);
    range("caution_diastolic", t.caution_diastolic, 50, 150);
    range("hold_diastolic", t.hold_diastolic, 50, 150);
    range("alert_diastolic", t.alert_diastolic, 50, 150);
    range("alert_hr_low", t.alert_hr_low, 30, 100);
    range("alert_hr_high", t.alert_hr_high, 60, 200);
    range("alert_spo2_low", t.alert_spo2_low, 80, 100);
    range("alert_rr_low", t.alert_rr_low, 4, 20);
    let mut order = |field: &str, low: u32, high: u32, what: &str| {
        if low > high {
            errors.0.push(FieldError::new(format!("thresholds.{field}"), format!("must not be below {what}")));
        }
    };
    order("hold_systolic", t.caution_systolic, t.hold_systolic, "caution_systolic");
    order("alert_systolic", t.hold_systolic, t.alert_systolic, "hold_systolic");
    order("hold_diastolic", t.caution_diastolic, t.hold_diastolic, "caution_diastolic");
    order("alert_diastolic", t.hold_diastolic, t.alert_diastolic, "hold_diastolic");
    if t.alert_hr_low >= t.alert_hr_high {
        errors.0.push(FieldError::new("thresholds.alert_hr_high", "must be above alert_hr_low"));
    }
}

/// Who revised a protocol version, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub reason: ChangeReason,
    pub by: UserId,
    pub at: Timestamp,
}

/// One version of a modality's protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocol {
    pub modality: Modality,
    /// 0 for the built-in defaults, 1 for the clinic's first revision, and so on.
    pub version: u32,
    pub body: ProtocolBody,
    /// Absent only on version 0.
    pub revision: Option<Revision>,
}

impl Protocol {
    /// Version 0: the built-in defaults.
    pub fn built_in(modality: Modality) -> Self {
        Self { modality, version: 0, body: ProtocolBody::defaults(modality), revision: None }
    }

    /// The next version with `body`, after checking it and the reason (both reported at once).
    pub fn revise(&self, body: ProtocolBody, reason: &str, by: UserId, at: Timestamp) -> Result<Self, ValidationErrors> {
        let mut errors = body.validate(self.modality).err().unwrap_or_default();
        let reason = errors.collect("reason", ChangeReason::parse(reason));
        errors.clone().into_result()?;
        let Some(reason) = reason else { return Err(errors) };
        Ok(Self { modality: self.modality, version: self.version + 1, body, revision: Some(Revision { reason, by, at }) })
    }

    /// What the minimum observation counts from.
    pub fn observation_from(&self) -> ObservationFrom {
        ObservationFrom::of(self.modality)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: &ValidationErrors) -> Vec<&str> {
        e.0.iter().map(|f| f.field.as_str()).collect()
    }

    fn at() -> Timestamp {
        Timestamp::from_second(1_790_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn defaults_come_from_the_reference_and_pass_validation() {
        let iv = ProtocolBody::defaults(Modality::IvKetamine);
        assert_eq!(iv.dose, DoseRule::WeightBased { mg_per_kg: MgPerKg::from_ug_per_kg(500), infusion_minutes: Some(40) });
        assert_eq!((iv.induction.sessions, iv.induction.per_week, iv.induction.weeks()), (6, 3, 2));
        assert_eq!(iv.min_observation_minutes, 30);
        assert!(!iv.prechecks.pre_session_phq9);
        let im = ProtocolBody::defaults(Modality::ImKetamine);
        assert_eq!(im.dose, DoseRule::WeightBased { mg_per_kg: MgPerKg::from_ug_per_kg(500), infusion_minutes: None });
        let es = ProtocolBody::defaults(Modality::EsketamineNasal);
        assert_eq!(es.dose, DoseRule::Fixed { first_dose_mg: 56, dose_mg: 56 });
        assert_eq!((es.induction.sessions, es.induction.per_week, es.induction.weeks()), (8, 2, 4));
        let weeks: Vec<(u32, Option<u32>)> = es.maintenance.iter().map(|s| (s.from_week, s.to_week)).collect();
        assert_eq!(weeks, vec![(5, Some(8)), (9, None)]);
        assert_eq!(es.min_observation_minutes, 120);
        assert_eq!(es.thresholds, Thresholds::default());
        for m in Modality::ALL {
            assert_eq!(ProtocolBody::defaults(m).validate(m), Ok(()), "{m:?}");
            assert_eq!(Protocol::built_in(m).version, 0);
        }
        assert_eq!(Protocol::built_in(Modality::EsketamineNasal).observation_from(), ObservationFrom::FirstDevice);
        assert_eq!(Protocol::built_in(Modality::IvKetamine).observation_from(), ObservationFrom::AdministrationStopped);
    }

    #[test]
    fn esketamine_minimum_observation_is_not_editable() {
        let mut body = ProtocolBody::defaults(Modality::EsketamineNasal);
        for minutes in [90, 119, 121, 180] {
            body.min_observation_minutes = minutes;
            let err = body.validate(Modality::EsketamineNasal).err().unwrap_or_default();
            assert_eq!(fields(&err), vec!["min_observation_minutes"], "{minutes} refused, not clamped");
        }
        // The racemic default is a clinic setting: 45 minutes is fine.
        let mut iv = ProtocolBody::defaults(Modality::IvKetamine);
        iv.min_observation_minutes = 45;
        assert_eq!(iv.validate(Modality::IvKetamine), Ok(()));
        iv.min_observation_minutes = 0;
        assert_eq!(fields(&iv.validate(Modality::IvKetamine).err().unwrap_or_default()), vec!["min_observation_minutes"]);
    }

    #[test]
    fn field_paths_are_precise() {
        let mut body = ProtocolBody::defaults(Modality::IvKetamine);
        body.dose = DoseRule::WeightBased { mg_per_kg: MgPerKg::from_ug_per_kg(2000), infusion_minutes: Some(1) };
        body.induction = Induction { sessions: 6, per_week: 5 };
        body.maintenance = steps(&[
            MaintenanceStep { from_week: 3, to_week: None, every_weeks: Some(WeekRange { min: 2, max: 1 }) },
            MaintenanceStep { from_week: 9, to_week: None, every_weeks: None },
        ]);
        body.thresholds.hold_systolic = 130;
        let err = body.validate(Modality::IvKetamine).err().unwrap_or_default();
        assert_eq!(
            fields(&err),
            vec![
                "dose.mg_per_kg",
                "dose.infusion_minutes",
                "induction.per_week",
                "maintenance[0].every_weeks.max",
                "maintenance[1].from_week",
                "thresholds.hold_systolic",
            ]
        );
        let mut es = ProtocolBody::defaults(Modality::EsketamineNasal);
        es.dose = DoseRule::Fixed { first_dose_mg: 84, dose_mg: 70 };
        es.induction = Induction { sessions: 10, per_week: 3 };
        let err = es.validate(Modality::EsketamineNasal).err().unwrap_or_default();
        assert_eq!(fields(&err), vec!["dose.first_dose_mg", "dose.dose_mg", "induction.per_week", "induction.sessions"]);
        let im = ProtocolBody::defaults(Modality::IvKetamine);
        assert_eq!(fields(&im.validate(Modality::EsketamineNasal).err().unwrap_or_default())[0], "dose.kind");
    }

    #[test]
    fn a_revision_is_the_next_version_and_needs_a_reason() {
        let v0 = Protocol::built_in(Modality::IvKetamine);
        let mut body = v0.body;
        body.min_observation_minutes = 45;
        let by = UserId(uuid::Uuid::nil());
        let refused = v0.revise(body, "  ", by, at()).err().unwrap_or_default();
        assert_eq!(fields(&refused), vec!["reason"]);
        let v1 =
            v0.revise(body, "longer observation after two late hypotension episodes", by, at()).unwrap_or_else(|_| Protocol::built_in(Modality::ImKetamine));
        assert_eq!((v1.version, v1.body.min_observation_minutes), (1, 45));
        assert_eq!(v1.revision.map(|r| r.reason.as_str().to_owned()).as_deref(), Some("longer observation after two late hypotension episodes"));
    }

    #[test]
    fn the_wire_form_is_mg_per_kg_and_round_trips() {
        let body = ProtocolBody::defaults(Modality::IvKetamine);
        let json = serde_json::to_value(body).unwrap_or_default();
        assert_eq!(json["dose"], serde_json::json!({"kind": "weight_based", "mg_per_kg": 0.5, "infusion_minutes": 40}));
        assert_eq!(json["maintenance"][1], serde_json::json!({"from_week": 7, "to_week": null, "every_weeks": null}));
        let back: Result<ProtocolBody, _> = serde_json::from_value(json);
        assert_eq!(back.ok(), Some(body));
        let unknown = serde_json::json!({"kind": "fixed", "first_dose_mg": 56, "dose_mg": 56, "extra": 1});
        assert!(serde_json::from_value::<DoseRule>(unknown).is_err(), "unknown fields are refused");
        let five: Vec<serde_json::Value> = (0..5).map(|i| serde_json::json!({"from_week": 3 + i, "to_week": 3 + i, "every_weeks": null})).collect();
        let too_many = serde_json::from_value::<MaintenanceSteps>(serde_json::Value::Array(five));
        assert!(too_many.is_err());
    }
}
