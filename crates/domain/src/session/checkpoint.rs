//! Due-checkpoint reminders (issue 5): from the modality, the administration timeline and what
//! has been recorded, the next observation that is due and whether it is overdue.
//!
//! Blood pressure:
//! - esketamine: before dosing; **40 min after the first device** (≈ Cmax, SPRAVATO label,
//!   REFERENCE §2.4); then **every 15 min until discharge** [clinic default; the label says
//!   "as clinically warranted"];
//! - IV (and IM) ketamine: before dosing; **every 10 min during the infusion, every 15 min
//!   after** (Emory series, REFERENCE §4.1). IM ketamine has no published schedule in REFERENCE:
//!   it follows the IV one from its administration start to stop [clinic default].
//!
//! MOAA/S and CADSS: before dosing, **~40 min** after dosing starts (peak / end of a 40-min
//! infusion) and **before discharge** (REFERENCE §4.4) — the last one due when the minimum
//! observation ends, the earliest a discharge can happen.
//!
//! A checkpoint is satisfied by a recording made no earlier than [`TOLERANCE`] before it is due
//! (a late one still satisfies it — late); it is **overdue** once [`TOLERANCE`] has passed
//! after it was due with nothing recorded. The schedule is anchored to the dosing times, not to
//! the last reading, so a late reading does not push every later checkpoint back.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// How early a recording may be and still count, and how late a checkpoint becomes overdue:
/// 5 minutes [clinic default] — the recheck interval of the clinic protocol (REFERENCE §4.2,
/// "recheck in 5 min"), and half the shortest interval (10 min), so an early reading can never
/// count for the checkpoint before the one it was taken for.
pub const TOLERANCE: SignedDuration = SignedDuration::from_mins(5);
/// Esketamine: BP at 40 minutes after the first device (label, REFERENCE §2.4).
pub const ESKETAMINE_PEAK: SignedDuration = SignedDuration::from_mins(40);
/// BP every 15 minutes after the peak check (esketamine) or after the infusion (REFERENCE §4.1).
pub const AFTER_INTERVAL: SignedDuration = SignedDuration::from_mins(15);
/// BP every 10 minutes during an infusion (REFERENCE §4.1).
pub const INFUSION_INTERVAL: SignedDuration = SignedDuration::from_mins(10);
/// MOAA/S and CADSS about 40 minutes after dosing starts (REFERENCE §4.4).
pub const ASSESSMENT_PEAK: SignedDuration = SignedDuration::from_mins(40);
/// Most checkpoints looked at (a day of 10-minute checks; a session is hours).
const MAX_STEPS: usize = 144;

/// What is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    BloodPressure,
    Moaas,
    Cadss,
}

/// The facts of a session.
#[derive(Debug, Clone, Default)]
pub struct CheckpointFacts {
    pub esketamine: bool,
    /// When the patient checked in (none: nothing is due yet).
    pub checked_in_at: Option<Timestamp>,
    /// The first device (esketamine) or the administration start (IV/IM).
    pub dosing_started_at: Option<Timestamp>,
    pub administration_stopped_at: Option<Timestamp>,
    /// When the minimum observation ends (the discharge check's `minimum_until`).
    pub minimum_until: Option<Timestamp>,
    /// Discharged or stopped: nothing more is due.
    pub closed: bool,
    /// Times of readings that include a blood pressure.
    pub bp_readings: Vec<Timestamp>,
    /// Times of MOAA/S and CADSS recorded on the session.
    pub moaas: Vec<Timestamp>,
    pub cadss: Vec<Timestamp>,
}

/// The next checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextCheckpoint {
    pub due_at: Timestamp,
    /// Everything due at that time (e.g. BP, MOAA/S and CADSS at 40 minutes).
    pub what: Vec<Item>,
    /// Which checkpoint, in words ("40 min after the first device").
    pub label: String,
    /// More than [`TOLERANCE`] past due with nothing recorded.
    pub overdue: bool,
}

/// One scheduled checkpoint.
#[derive(Debug, Clone)]
struct Due {
    at: Timestamp,
    item: Item,
    label: String,
    /// The pre-dose checkpoint: satisfied by a recording before dosing (or now, if not dosed).
    pre_dose: bool,
}

fn add(t: Timestamp, d: SignedDuration) -> Option<Timestamp> {
    t.checked_add(d).ok()
}

/// The BP schedule after dosing, in time order (bounded).
fn bp_schedule(f: &CheckpointFacts, start: Timestamp) -> Vec<Due> {
    let due = |at: Timestamp, label: &str| Due { at, item: Item::BloodPressure, label: label.to_owned(), pre_dose: false };
    let mut out = Vec::new();
    if f.esketamine {
        let Some(peak) = add(start, ESKETAMINE_PEAK) else { return out };
        out.push(due(peak, "40 min after the first device"));
        let mut at = peak;
        while out.len() < MAX_STEPS {
            let Some(next) = add(at, AFTER_INTERVAL) else { break };
            out.push(due(next, "every 15 min until discharge"));
            at = next;
        }
    } else {
        let mut at = start;
        while out.len() < MAX_STEPS {
            let Some(next) = add(at, INFUSION_INTERVAL) else { break };
            if f.administration_stopped_at.is_some_and(|stop| next >= stop) {
                break;
            }
            out.push(due(next, "every 10 min during the infusion"));
            at = next;
        }
        if let Some(stop) = f.administration_stopped_at {
            let mut at = stop;
            while out.len() < MAX_STEPS {
                let Some(next) = add(at, AFTER_INTERVAL) else { break };
                out.push(due(next, "every 15 min after the infusion"));
                at = next;
            }
        }
    }
    out
}

/// The next checkpoint due at `now`, or none (not checked in yet, or the session is closed).
pub fn next_checkpoint(f: &CheckpointFacts, now: Timestamp) -> Option<NextCheckpoint> {
    if f.closed {
        return None;
    }
    let checked_in = f.checked_in_at?;
    let mut dues: Vec<Due> = Vec::new();
    // Before dosing (REFERENCE §2.4, §4.2, §4.4): due from check-in, until dosing starts.
    if f.dosing_started_at.is_none() {
        for item in [Item::BloodPressure, Item::Moaas, Item::Cadss] {
            dues.push(Due { at: checked_in, item, label: "before dosing".to_owned(), pre_dose: true });
        }
    }
    if let Some(start) = f.dosing_started_at {
        dues.extend(bp_schedule(f, start));
        if let Some(peak) = add(start, ASSESSMENT_PEAK) {
            for item in [Item::Moaas, Item::Cadss] {
                dues.push(Due { at: peak, item, label: "about 40 min after dosing".to_owned(), pre_dose: false });
            }
        }
        if let Some(until) = f.minimum_until {
            for item in [Item::Moaas, Item::Cadss] {
                dues.push(Due { at: until, item, label: "before discharge".to_owned(), pre_dose: false });
            }
        }
    }
    let recorded = |item: Item| match item {
        Item::BloodPressure => &f.bp_readings,
        Item::Moaas => &f.moaas,
        Item::Cadss => &f.cadss,
    };
    let satisfied = |d: &Due| {
        let times = recorded(d.item);
        if d.pre_dose {
            // Any recording so far counts before dosing (the nurse may take it at once).
            !times.is_empty()
        } else {
            let from = d.at.checked_sub(TOLERANCE).unwrap_or(d.at);
            times.iter().any(|t| *t >= from)
        }
    };
    let open: Vec<&Due> = dues.iter().filter(|d| !satisfied(d)).collect();
    let first = open.iter().map(|d| d.at).min()?;
    let at_first: Vec<&&Due> = open.iter().filter(|d| d.at == first).collect();
    let mut what: Vec<Item> = at_first.iter().map(|d| d.item).collect();
    what.dedup();
    let label = at_first.first().map(|d| d.label.clone()).unwrap_or_default();
    // Before dosing nothing is overdue: the pre-checks gate dosing on a blood pressure.
    let pre_dose = at_first.iter().all(|d| d.pre_dose);
    let overdue = !pre_dose && add(first, TOLERANCE).is_some_and(|late| now > late);
    Some(NextCheckpoint { due_at: first, what, label, overdue })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 14:00 + `min` minutes on 2026-11-21.
    fn t(min: i64) -> Timestamp {
        Timestamp::from_second(1_795_269_600 + min * 60).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn esketamine() -> CheckpointFacts {
        CheckpointFacts { esketamine: true, checked_in_at: Some(t(0)), ..CheckpointFacts::default() }
    }

    fn next(f: &CheckpointFacts, now: i64) -> Option<(Timestamp, Vec<Item>, bool)> {
        next_checkpoint(f, t(now)).map(|n| (n.due_at, n.what, n.overdue))
    }

    use Item::{BloodPressure as Bp, Cadss, Moaas};

    #[test]
    fn nothing_is_due_before_check_in_or_after_discharge() {
        assert_eq!(next(&CheckpointFacts::default(), 0), None);
        let f = CheckpointFacts { closed: true, ..esketamine() };
        assert_eq!(next(&f, 0), None);
    }

    /// Esketamine, checked in 14:00, first device 14:15: pre-dose BP, MOAA/S and CADSS; then BP,
    /// MOAA/S and CADSS at 14:55 (40 min); BP 15:10, 15:25 …; MOAA/S and CADSS at 16:15 (120 min).
    #[test]
    fn an_esketamine_timeline() {
        let mut f = esketamine();
        assert_eq!(next(&f, 5), Some((t(0), vec![Bp, Moaas, Cadss], false)), "pre-dose, never overdue before dosing");
        f.bp_readings.push(t(5));
        f.moaas.push(t(6));
        f.cadss.push(t(7));
        assert_eq!(next(&f, 8), None, "all pre-dose recordings done, nothing scheduled until dosing");
        f.dosing_started_at = Some(t(15));
        f.minimum_until = Some(t(135));
        let n = next_checkpoint(&f, t(20));
        assert_eq!(n.as_ref().map(|n| (n.due_at, n.label.as_str(), n.overdue)), Some((t(55), "40 min after the first device", false)));
        assert_eq!(n.map(|n| n.what), Some(vec![Bp, Moaas, Cadss]));
        // 15:00 (5 min after 14:55) is not yet overdue; 15:01 is.
        assert!(!next(&f, 60).is_some_and(|n| n.2));
        assert!(next(&f, 61).is_some_and(|n| n.2));
        // A BP at 14:50 (exactly 5 min early) counts; 14:49 would not.
        f.bp_readings.push(t(49));
        assert_eq!(next(&f, 61).map(|n| n.1), Some(vec![Bp, Moaas, Cadss]), "14:49 is too early");
        f.bp_readings.push(t(50));
        assert_eq!(next(&f, 61), Some((t(55), vec![Moaas, Cadss], true)), "BP done, the assessments are overdue");
        f.moaas.push(t(58));
        f.cadss.push(t(58));
        assert_eq!(next(&f, 61), Some((t(70), vec![Bp], false)), "then every 15 min: 15:10");
        // Late for 15:10 (taken 15:18): it still counts, and 15:25 is next.
        f.bp_readings.push(t(78));
        assert_eq!(next(&f, 81), Some((t(85), vec![Bp], false)));
        for m in [85, 100, 115, 130] {
            f.bp_readings.push(t(m));
        }
        assert_eq!(next(&f, 131), Some((t(135), vec![Moaas, Cadss], false)), "before discharge at 120 min");
    }

    /// IV ketamine, start 14:10, stop 14:50: BP 14:20, 14:30, 14:40 during, then 15:05, 15:20 after.
    #[test]
    fn an_iv_infusion_timeline() {
        let mut f = CheckpointFacts { checked_in_at: Some(t(0)), dosing_started_at: Some(t(10)), ..CheckpointFacts::default() };
        f.moaas = vec![t(50)];
        f.cadss = vec![t(50)];
        assert_eq!(next(&f, 12), Some((t(20), vec![Bp], false)));
        f.bp_readings = vec![t(20), t(30)];
        assert_eq!(next(&f, 35), Some((t(40), vec![Bp], false)));
        assert_eq!(next(&f, 55), Some((t(40), vec![Bp], true)), "still infusing, 14:40 missed: overdue");
        f.bp_readings.push(t(40));
        assert_eq!(next(&f, 49), Some((t(50), vec![Bp], false)), "while running, every 10 min");
        f.administration_stopped_at = Some(t(50));
        f.minimum_until = Some(t(80));
        assert_eq!(next(&f, 51), Some((t(65), vec![Bp], false)), "after the stop: every 15 min");
        f.bp_readings.push(t(66));
        assert_eq!(next(&f, 67), Some((t(80), vec![Bp, Moaas, Cadss], false)), "15:20: BP and the before-discharge assessments");
    }
}
