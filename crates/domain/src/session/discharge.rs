//! Discharge criteria (issue 5, item 6), evaluated at any moment and listed as met / unmet:
//! minimum observation elapsed; latest vitals not above the hold thresholds and not alerting;
//! MOAA/S = 5; dissociation resolved (CADSS back to its pre-dose value, or a nurse's
//! attestation); escort confirmed (or a documented alternative).
//!
//! Minimum observation: esketamine **120 min from the first device** (SPRAVATO label / REMS,
//! REFERENCE §2.4 — not overridable); IV/IM ketamine 30 min after administration stops
//! (clinic default, REFERENCE §4.5). The **ready-to-leave time** is the first moment every
//! criterion other than the minimum time was met — the measured answer to the REMS form's
//! "when would the patient have been ready to leave?" (REFERENCE §2.6).

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::thresholds::{PreDoseCheck, Thresholds, Vitals};

/// Esketamine's minimum observation from the first device (label).
pub const ESKETAMINE_MIN_OBSERVATION: SignedDuration = SignedDuration::from_mins(120);

/// One criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    MinimumObservation,
    VitalsAcceptable,
    Moaas5,
    DissociationResolved,
    EscortConfirmed,
}

impl Criterion {
    /// The wire id.
    pub fn id(self) -> &'static str {
        match self {
            Self::MinimumObservation => "minimum_observation",
            Self::VitalsAcceptable => "vitals_acceptable",
            Self::Moaas5 => "moaas_5",
            Self::DissociationResolved => "dissociation_resolved",
            Self::EscortConfirmed => "escort_confirmed",
        }
    }
}

/// What the session knows.
#[derive(Debug, Clone, Default)]
pub struct DischargeFacts {
    pub esketamine: bool,
    pub first_device_at: Option<Timestamp>,
    pub administration_stopped_at: Option<Timestamp>,
    /// IV/IM minimum observation after the stop (clinic setting, default 30 min).
    pub ketamine_min_observation: SignedDuration,
    /// Readings in time order.
    pub vitals: Vec<(Timestamp, Vitals)>,
    /// MOAA/S levels in time order.
    pub moaas: Vec<(Timestamp, u32)>,
    /// CADSS totals in time order; the last one before administration is the baseline.
    pub cadss: Vec<(Timestamp, u32)>,
    pub administration_started_at: Option<Timestamp>,
    pub dissociation_attested_at: Option<Timestamp>,
    pub escort_confirmed_at: Option<Timestamp>,
}

/// The evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DischargeCheck {
    pub ready: bool,
    pub met: Vec<Criterion>,
    /// Each unmet criterion with what is missing, in words.
    pub unmet: Vec<(Criterion, String)>,
    /// When everything but the minimum time was first met (none while something is unmet).
    pub ready_to_leave_at: Option<Timestamp>,
    /// When the minimum observation ends.
    pub minimum_until: Option<Timestamp>,
}

/// Since when the last run of acceptable items lasts (none if the latest is not acceptable).
fn met_since<T: Copy>(items: &[(Timestamp, T)], ok: impl Fn(T) -> bool) -> Option<Timestamp> {
    let mut since = None;
    for (at, v) in items {
        if ok(*v) {
            since.get_or_insert(*at);
        } else {
            since = None;
        }
    }
    since
}

/// Evaluates the criteria at `now`.
pub fn evaluate(f: &DischargeFacts, thresholds: &Thresholds, now: Timestamp) -> DischargeCheck {
    let mut met = Vec::new();
    let mut unmet = Vec::new();
    let mut since: Vec<Option<Timestamp>> = Vec::new();

    let minimum_until = if f.esketamine {
        f.first_device_at.and_then(|t| t.checked_add(ESKETAMINE_MIN_OBSERVATION).ok())
    } else {
        f.administration_stopped_at.and_then(|t| t.checked_add(f.ketamine_min_observation).ok())
    };
    match minimum_until {
        Some(until) if now >= until => met.push(Criterion::MinimumObservation),
        Some(until) => unmet.push((Criterion::MinimumObservation, format!("observation continues until {until}"))),
        None => unmet.push((Criterion::MinimumObservation, "administration has not been recorded as given and stopped".to_owned())),
    }

    let vitals_ok = |v: Vitals| thresholds.pre_dose(&v) != PreDoseCheck::Hold && thresholds.alerts(&v).is_empty();
    let after_dose: Vec<(Timestamp, Vitals)> = f.vitals.iter().copied().filter(|(at, _)| f.administration_started_at.is_none_or(|s| *at >= s)).collect();
    let v_since = met_since(&after_dose, vitals_ok);
    match (after_dose.last(), v_since) {
        (Some(_), Some(t)) => {
            met.push(Criterion::VitalsAcceptable);
            since.push(Some(t));
        }
        (Some(_), None) => unmet.push((Criterion::VitalsAcceptable, "the latest vital signs are above the hold thresholds or alerting".to_owned())),
        (None, _) => unmet.push((Criterion::VitalsAcceptable, "no vital signs after dosing".to_owned())),
    }

    let m_since = met_since(&f.moaas, |level| level == 5);
    match (f.moaas.last(), m_since) {
        (Some(_), Some(t)) => {
            met.push(Criterion::Moaas5);
            since.push(Some(t));
        }
        (Some((_, level)), None) => unmet.push((Criterion::Moaas5, format!("latest MOAA/S is {level}, not 5"))),
        (None, _) => unmet.push((Criterion::Moaas5, "no MOAA/S recorded".to_owned())),
    }

    let baseline = f.cadss.iter().rev().find(|(at, _)| f.administration_started_at.is_some_and(|s| *at < s)).map(|(_, t)| *t);
    let post: Vec<(Timestamp, u32)> = f.cadss.iter().copied().filter(|(at, _)| f.administration_started_at.is_some_and(|s| *at >= s)).collect();
    let c_since = baseline.and_then(|b| met_since(&post, |t| t <= b));
    match (c_since, f.dissociation_attested_at) {
        (Some(t), Some(a)) => {
            met.push(Criterion::DissociationResolved);
            since.push(Some(t.min(a)));
        }
        (Some(t), None) | (None, Some(t)) => {
            met.push(Criterion::DissociationResolved);
            since.push(Some(t));
        }
        (None, None) => unmet.push((Criterion::DissociationResolved, "CADSS not back to its pre-dose value and no nurse attestation".to_owned())),
    }

    match f.escort_confirmed_at {
        Some(t) => {
            met.push(Criterion::EscortConfirmed);
            since.push(Some(t));
        }
        None => unmet.push((Criterion::EscortConfirmed, "no escort or documented alternative confirmed".to_owned())),
    }

    let others_met = unmet.iter().all(|(c, _)| *c == Criterion::MinimumObservation);
    let ready_to_leave_at = if others_met { since.into_iter().flatten().max() } else { None };
    DischargeCheck { ready: unmet.is_empty(), met, unmet, ready_to_leave_at, minimum_until }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + min * 60).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn good(sbp: u32) -> Vitals {
        Vitals { systolic: Some(sbp), diastolic: Some(80), heart_rate: Some(80), spo2: Some(98), resp_rate: Some(14) }
    }

    /// An esketamine session, first device at 0 min: BP 170 at 40 min (above hold), 150 at
    /// 55 min, MOAA/S 4 at 40 then 5 at 50, CADSS 2 before, 20 at 40, 2 at 60, escort at −10.
    fn esketamine() -> DischargeFacts {
        DischargeFacts {
            esketamine: true,
            first_device_at: Some(t(0)),
            administration_started_at: Some(t(0)),
            administration_stopped_at: Some(t(10)),
            ketamine_min_observation: SignedDuration::from_mins(30),
            vitals: vec![(t(-5), good(130)), (t(40), good(170)), (t(55), good(150))],
            moaas: vec![(t(40), 4), (t(50), 5)],
            cadss: vec![(t(-5), 2), (t(40), 20), (t(60), 2)],
            dissociation_attested_at: None,
            escort_confirmed_at: Some(t(-10)),
        }
    }

    #[test]
    fn perfect_vitals_do_not_shorten_the_label_minimum() {
        let check = evaluate(&esketamine(), &Thresholds::default(), t(119));
        assert!(!check.ready);
        assert_eq!(check.unmet.iter().map(|(c, _)| *c).collect::<Vec<_>>(), vec![Criterion::MinimumObservation]);
        // Everything else was met from 60 min on (CADSS back to baseline last): the REMS answer.
        assert_eq!(check.ready_to_leave_at, Some(t(60)));
        let later = evaluate(&esketamine(), &Thresholds::default(), t(120));
        assert!(later.ready, "exactly 120 min after the first device");
    }

    #[test]
    fn each_criterion_can_fail() {
        let mut f = esketamine();
        f.vitals.push((t(100), good(165)));
        f.moaas.push((t(100), 3));
        f.cadss.push((t(100), 9));
        f.escort_confirmed_at = None;
        let check = evaluate(&f, &Thresholds::default(), t(130));
        assert_eq!(check.unmet.iter().map(|(c, _)| c.id()).collect::<Vec<_>>(), ["vitals_acceptable", "moaas_5", "dissociation_resolved", "escort_confirmed"]);
        assert_eq!(check.ready_to_leave_at, None);
        // A nurse's attestation resolves dissociation without a CADSS.
        f.dissociation_attested_at = Some(t(110));
        let check = evaluate(&f, &Thresholds::default(), t(130));
        assert!(!check.unmet.iter().any(|(c, _)| *c == Criterion::DissociationResolved));
    }

    #[test]
    fn iv_ketamine_observes_30_minutes_after_the_stop() {
        let mut f = esketamine();
        f.esketamine = false;
        f.first_device_at = None;
        f.administration_stopped_at = Some(t(40));
        assert_eq!(evaluate(&f, &Thresholds::default(), t(69)).minimum_until, Some(t(70)));
        assert!(!evaluate(&f, &Thresholds::default(), t(69)).ready);
        assert!(evaluate(&f, &Thresholds::default(), t(70)).ready);
    }
}
