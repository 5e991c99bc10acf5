//! The administration as recorded, as a pharmacokinetic regimen (issue 9, build item 5), and
//! the dosed sessions of a treatment course for its series of curves.
//!
//! An IV infusion is recorded as events: `administration_started` (payload `dose_mg`, usually
//! `rate_ml_per_hour`, `drawn_volume_ml`, `concentration_mg_per_ml`, and — when the client sends
//! it — `total_volume_ml` or `bag_volume_ml`), then any `administration_paused`,
//! `administration_resumed` and `rate_changed` (payload `rate_ml_per_hour`), and
//! `administration_stopped`. [`infusion_regimen`] turns the running stretches into one
//! `iv_infusion` entry each; [`recorded_infusion`] reads them from a session's events.

use jiff::Timestamp;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::CourseId;
use ketaclinic_domain::session::{Session, SessionEvent, SessionEventRecord};
use ketaclinic_pk::{RegimenEntry, Route};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::ClinicalRead;

/// Longest infusion the model accepts in one entry, minutes (and the latest a stretch may end).
const MAX_MIN: f64 = 1440.0;
/// Stretches shorter than this (minutes) carry no drug worth simulating.
const EPSILON_MIN: f64 = 1e-6;

/// What the infusion was set up with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Infusion {
    /// Drug in the bag, mg.
    pub dose_mg: f64,
    /// Everything in the bag (diluent and drug), mL, when known.
    pub bag_volume_ml: Option<f64>,
    /// Pump rate at the start, mL/h, when recorded.
    pub rate_ml_per_hour: Option<f64>,
}

/// A change of the pump after the start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PumpStep {
    Pause,
    Resume,
    /// The new rate, mL/h.
    Rate(f64),
    /// The drug stops (administration stopped, session stopped early or discharged).
    Stop,
}

/// How the drug was apportioned between the running stretches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Rate × running time × drug per mL of the bag (dose ÷ bag volume); an early stop gives
    /// less than the dose, and the bag empties at the dose.
    PumpVolume,
    /// The bag volume (or a rate) is unknown: the whole dose is spread over the running time,
    /// in proportion to the rate where every rate is known, evenly otherwise.
    SpreadEvenly,
}

/// The regimen of a recorded infusion.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedInfusion {
    /// One `iv_infusion` entry per running stretch, minutes from the start.
    pub entries: Vec<RegimenEntry>,
    pub basis: Basis,
    /// Drug in the entries, mg.
    pub given_mg: f64,
    /// Not stopped yet: with [`Basis::PumpVolume`] the last stretch runs on at the current rate
    /// until the bag is empty (a projection); with [`Basis::SpreadEvenly`] it ends now.
    pub running: bool,
}

/// A running stretch: from, to (`None`: still running), rate (mL/h, `None`: not recorded).
type Stretch = (f64, Option<f64>, Option<f64>);

/// Running stretches in minutes; the last one open (`to = None`) when the pump was still
/// running at the end of `steps`.
fn stretches(start_rate: Option<f64>, steps: &[(f64, PumpStep)]) -> (Vec<Stretch>, bool) {
    let mut out = Vec::new();
    let mut rate = start_rate;
    let mut running_since = Some(0.0);
    let mut ordered: Vec<&(f64, PumpStep)> = steps.iter().filter(|(t, _)| t.is_finite()).collect();
    ordered.sort_by(|a, b| a.0.total_cmp(&b.0));
    for &&(at, step) in &ordered {
        let at = at.max(0.0);
        match step {
            PumpStep::Pause | PumpStep::Stop => {
                if let Some(from) = running_since.take() {
                    out.push((from, Some(at), rate));
                }
                if step == PumpStep::Stop {
                    return (out, false);
                }
            }
            PumpStep::Resume => {
                running_since = running_since.or(Some(at));
            }
            PumpStep::Rate(new) => {
                if let Some(from) = running_since {
                    out.push((from, Some(at), rate));
                    running_since = Some(at);
                }
                rate = Some(new).filter(|r| r.is_finite() && *r > 0.0);
            }
        }
    }
    let open = running_since.is_some();
    if let Some(from) = running_since {
        out.push((from, None, rate));
    }
    (out, open)
}

fn entry(from: f64, to: f64, dose_mg: f64) -> RegimenEntry {
    RegimenEntry { route: Route::IvInfusion, dose_mg, start_min: from, duration_min: Some(to - from) }
}

/// The regimen of an infusion from its set-up and pump changes (`steps`: minutes after the
/// start), `now_min` minutes after the start. Pure.
///
/// With the bag volume and every rate known, each stretch carries `rate × time × dose / volume`
/// (capped when the bag runs empty), so a pause moves the end later and an early stop gives less
/// than the dose; a stretch still running is projected at its rate until the bag is empty.
/// Otherwise the dose is spread over the running time up to the stop (or now) — this assumes the
/// whole dose was given, which the caption says.
#[must_use]
pub fn infusion_regimen(infusion: &Infusion, steps: &[(f64, PumpStep)], now_min: f64) -> RecordedInfusion {
    let (spans, running) = stretches(infusion.rate_ml_per_hour, steps);
    let volume = infusion.bag_volume_ml.filter(|v| v.is_finite() && *v > 0.0);
    let all_rates = spans.iter().all(|(_, _, r)| r.is_some());
    let dose = infusion.dose_mg.max(0.0);
    let mut entries = Vec::new();
    let basis = match volume {
        Some(volume) if all_rates => {
            let per_ml = dose / volume;
            let mut left_ml = volume;
            for &(from, to, rate) in &spans {
                let rate = rate.unwrap_or(0.0);
                if left_ml <= 0.0 || from >= MAX_MIN {
                    break;
                }
                let empty_at = from + left_ml / rate * 60.0;
                let to = to.map_or(empty_at, |t| t.min(empty_at)).min(MAX_MIN);
                if to - from > EPSILON_MIN {
                    let ml = rate * (to - from) / 60.0;
                    left_ml -= ml;
                    entries.push(entry(from, to, ml * per_ml));
                }
            }
            Basis::PumpVolume
        }
        _ => {
            let end = |to: Option<f64>, from: f64| to.unwrap_or_else(|| now_min.max(from + 1.0)).min(MAX_MIN);
            let weight = |(from, to, rate): &Stretch| {
                let span = (end(*to, *from) - from).max(0.0);
                if all_rates { span * rate.unwrap_or(1.0) } else { span }
            };
            let total: f64 = spans.iter().map(weight).sum();
            if total > 0.0 {
                for s in spans.iter().filter(|s| s.0 < MAX_MIN) {
                    let to = end(s.1, s.0);
                    if to - s.0 > EPSILON_MIN {
                        entries.push(entry(s.0, to, dose * weight(s) / total));
                    }
                }
            }
            Basis::SpreadEvenly
        }
    };
    let given_mg = entries.iter().map(|e| e.dose_mg).sum();
    RecordedInfusion { entries, basis, given_mg, running }
}

fn number(payload: &serde_json::Value, key: &str) -> Option<f64> {
    payload.get(key).and_then(serde_json::Value::as_f64).filter(|v| v.is_finite() && *v > 0.0)
}

/// The set-up of an infusion from the `administration_started` payload. The bag volume is
/// `total_volume_ml`, or `bag_volume_ml` (the diluent) plus `drawn_volume_ml` (the drug).
#[must_use]
pub fn infusion_of(start_payload: &serde_json::Value) -> Option<Infusion> {
    let dose_mg = number(start_payload, "dose_mg")?;
    let bag_volume_ml = number(start_payload, "total_volume_ml")
        .or_else(|| number(start_payload, "bag_volume_ml").map(|b| b + number(start_payload, "drawn_volume_ml").unwrap_or(0.0)));
    Some(Infusion { dose_mg, bag_volume_ml, rate_ml_per_hour: number(start_payload, "rate_ml_per_hour") })
}

/// The first `administration_started` of a session's events.
#[must_use]
pub fn administration_start(events: &[SessionEventRecord]) -> Option<&SessionEventRecord> {
    events.iter().find(|e| e.event == SessionEvent::AdministrationStarted)
}

/// The recorded infusion of a session (events in time order), minutes from its start; `None`
/// before the start or without a dose. Discharge and an early stop of the session stop the drug.
#[must_use]
pub fn recorded_infusion(events: &[SessionEventRecord], now: Timestamp) -> Option<RecordedInfusion> {
    let start = administration_start(events)?;
    let infusion = infusion_of(&start.payload)?;
    let minutes = |t: Timestamp| t.duration_since(start.at).as_secs_f64() / 60.0;
    let steps: Vec<(f64, PumpStep)> = events
        .iter()
        .filter(|e| e.at >= start.at && e.id != start.id)
        .filter_map(|e| {
            let step = match e.event {
                SessionEvent::AdministrationPaused => PumpStep::Pause,
                SessionEvent::AdministrationResumed => PumpStep::Resume,
                SessionEvent::RateChanged => PumpStep::Rate(number(&e.payload, "rate_ml_per_hour")?),
                SessionEvent::AdministrationStopped | SessionEvent::StoppedEarly | SessionEvent::Discharged => PumpStep::Stop,
                _ => return None,
            };
            Some((minutes(e.at), step))
        })
        .collect();
    Some(infusion_regimen(&infusion, &steps, minutes(now)))
}

/// A session of a course that was dosed, with its events.
#[derive(Debug, Clone)]
pub struct DosedSession {
    pub session: Session,
    pub events: Vec<SessionEventRecord>,
}

impl App {
    /// The sessions of a course with a recorded administration, oldest dose first (an audited
    /// clinical read). Built from existing store reads: the sessions dosed since the course was
    /// drafted (less two days: a dose may be documented after the fact with an earlier time),
    /// kept when booked in this course. (A store read of a course's sessions would avoid
    /// scanning the clinic's other sessions of that period.)
    pub async fn course_dosed_sessions(&self, grant: &Granted<ClinicalRead>, id: CourseId) -> AppResult<Vec<DosedSession>> {
        let course = self.store.course(id).await?.ok_or(AppError::NotFound)?;
        let until = self.now() + jiff::SignedDuration::from_secs(1);
        let mut out = Vec::new();
        let from = course.created_at - jiff::SignedDuration::from_hours(48);
        for session_id in self.store.sessions_dosed_between(from, until).await? {
            let Some(session) = self.store.treatment_session(session_id).await? else { continue };
            if session.course_id != Some(id) {
                continue;
            }
            let events = self.store.session_events(session_id).await?;
            out.push(DosedSession { session, events });
        }
        let first_dose = |s: &DosedSession| {
            s.events.iter().find(|e| matches!(e.event, SessionEvent::AdministrationStarted | SessionEvent::DeviceAdministered)).map(|e| e.at)
        };
        out.sort_by_key(first_dose);
        let mut event = grant.actor().patient_event(self, AuditAction::SessionRead, AuditOutcome::Success, course.patient_id);
        event.resource_type = Some("Course".to_owned());
        event.resource_id = Some(id.to_string());
        event.detail = Some(format!("{} dosed sessions of the course", out.len()));
        self.store.append_audit(vec![event]).await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 40 mg in a 100 mL bag at 150 mL/h: 0.4 mg/mL, 1 mg/min, empty after 40 minutes.
    const BAG: Infusion = Infusion { dose_mg: 40.0, bag_volume_ml: Some(100.0), rate_ml_per_hour: Some(150.0) };

    fn end(r: &RecordedInfusion) -> f64 {
        r.entries.last().map_or(0.0, |e| e.start_min + e.duration_min.unwrap_or(0.0))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn an_uninterrupted_bag_runs_40_minutes() {
        let r = infusion_regimen(&BAG, &[(45.0, PumpStep::Stop)], 60.0);
        assert_eq!(r.basis, Basis::PumpVolume);
        assert_eq!(r.entries.len(), 1);
        assert!(close(r.given_mg, 40.0) && close(end(&r), 40.0), "{r:?}");
        assert!(!r.running);
    }

    #[test]
    fn a_ten_minute_pause_midway_gives_two_entries_and_ends_ten_minutes_later() {
        let steps = [(20.0, PumpStep::Pause), (30.0, PumpStep::Resume), (55.0, PumpStep::Stop)];
        let r = infusion_regimen(&BAG, &steps, 60.0);
        assert_eq!(r.entries.len(), 2, "{r:?}");
        assert!(close(r.entries[0].dose_mg, 20.0) && close(r.entries[1].dose_mg, 20.0));
        assert!(close(r.given_mg, 40.0));
        assert!(close(r.entries[1].start_min, 30.0));
        assert!(close(end(&r), 50.0), "40 minutes without the pause, 50 with it");
        // Still running (no stop yet): projected at the rate until the bag is empty.
        let running = infusion_regimen(&BAG, &steps[..2], 35.0);
        assert!(running.running && close(end(&running), 50.0) && close(running.given_mg, 40.0));
    }

    #[test]
    fn a_rate_change_halves_the_rate_of_the_second_part() {
        let steps = [(20.0, PumpStep::Rate(75.0))];
        let r = infusion_regimen(&BAG, &steps, 25.0);
        assert_eq!(r.entries.len(), 2);
        let rate = |e: &RegimenEntry| e.dose_mg / e.duration_min.unwrap_or(f64::NAN);
        assert!(close(rate(&r.entries[0]), 1.0) && close(rate(&r.entries[1]), 0.5), "{r:?}");
        assert!(close(r.given_mg, 40.0) && close(end(&r), 60.0));
    }

    #[test]
    fn an_early_stop_gives_less_than_the_dose() {
        let r = infusion_regimen(&BAG, &[(30.0, PumpStep::Stop)], 90.0);
        assert!(close(r.given_mg, 30.0) && r.given_mg < 40.0);
        assert!(close(end(&r), 30.0));
        // A resume after the stop changes nothing.
        let r = infusion_regimen(&BAG, &[(30.0, PumpStep::Stop), (40.0, PumpStep::Resume)], 90.0);
        assert!(close(r.given_mg, 30.0));
    }

    #[test]
    fn without_the_bag_volume_the_dose_is_spread_over_the_running_time() {
        let unknown = Infusion { bag_volume_ml: None, ..BAG };
        let steps = [(20.0, PumpStep::Pause), (30.0, PumpStep::Resume), (50.0, PumpStep::Stop)];
        let r = infusion_regimen(&unknown, &steps, 60.0);
        assert_eq!(r.basis, Basis::SpreadEvenly);
        assert!(close(r.given_mg, 40.0) && close(r.entries[0].dose_mg, 20.0) && close(end(&r), 50.0));
        // Rate-weighted when every rate is known: 20 min at 150 then 20 min at 75 mL/h.
        let r = infusion_regimen(&unknown, &[(20.0, PumpStep::Rate(75.0)), (40.0, PumpStep::Stop)], 60.0);
        assert!(close(r.entries[0].dose_mg, 40.0 * 2.0 / 3.0), "{r:?}");
        // Still running: up to now.
        let r = infusion_regimen(&Infusion { rate_ml_per_hour: None, ..unknown }, &[], 25.0);
        assert!(r.running && close(end(&r), 25.0) && close(r.given_mg, 40.0));
    }

    #[test]
    fn the_payload_gives_the_bag() {
        let p = serde_json::json!({"dose_mg": 40, "rate_ml_per_hour": 150.0, "bag_volume_ml": 96, "drawn_volume_ml": 4});
        assert_eq!(infusion_of(&p), Some(BAG));
        let p = serde_json::json!({"dose_mg": 40, "total_volume_ml": 100});
        assert_eq!(infusion_of(&p).and_then(|i| i.bag_volume_ml), Some(100.0));
        assert_eq!(infusion_of(&serde_json::json!({"dose_mg": 40, "drawn_volume_ml": 4})).and_then(|i| i.bag_volume_ml), None);
        assert_eq!(infusion_of(&serde_json::json!({})), None);
    }
}
