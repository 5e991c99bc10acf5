//! The clinic's outcome dashboard: per group (modality), how many patients, response and
//! remission at the end of induction, median time to response, and a Kaplan–Meier curve of
//! time to relapse after response.
//!
//! Definitions are those of [`crate::outcome`] (response ≤ 50 % of baseline or in remission;
//! relapse = two consecutive non-response points after response). Until treatment courses
//! exist, a patient's **baseline** is their first assessment of the instrument and the **end of
//! induction** is their last assessment within the group's induction window after it: 21 days
//! for IV/IM ketamine (6 infusions over 2–3 weeks, REFERENCE §1.3) and 28 days for esketamine
//! (evaluate at week 4, REFERENCE §2.3/§6.11) by default — clinic settings. Patients with only a
//! baseline are counted in `patients` but not in the end-of-induction rates.

use jiff::Timestamp;
use serde::Serialize;

use crate::outcome::{Point, outcome};

/// Seconds in a day.
const DAY: i64 = 86_400;

/// One step of a Kaplan–Meier curve: at `day`, `events` relapses among `at_risk` patients
/// (and `censored` leaving follow-up without relapse); `survival` is the share still free of
/// relapse after this day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KmStep {
    pub day: u32,
    pub at_risk: u32,
    pub events: u32,
    pub censored: u32,
    pub survival: f64,
}

/// One patient's follow-up: days observed and whether it ended in the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUp {
    pub days: u32,
    pub event: bool,
}

/// The product-limit (Kaplan–Meier) estimator. Censorings at a day count as at risk on that day
/// (events are taken first), the usual convention.
pub fn kaplan_meier(follow_ups: &[FollowUp]) -> Vec<KmStep> {
    let mut sorted: Vec<FollowUp> = follow_ups.to_vec();
    sorted.sort_by_key(|f| f.days);
    let mut at_risk = u32::try_from(sorted.len()).unwrap_or(u32::MAX);
    let mut survival = 1.0;
    let mut steps = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let day = sorted[i].days;
        let (mut events, mut censored) = (0u32, 0u32);
        while i < sorted.len() && sorted[i].days == day {
            if sorted[i].event {
                events += 1
            } else {
                censored += 1
            }
            i += 1;
        }
        if events > 0 && at_risk > 0 {
            survival *= 1.0 - f64::from(events) / f64::from(at_risk);
        }
        steps.push(KmStep { day, at_risk, events, censored, survival });
        at_risk = at_risk.saturating_sub(events + censored);
    }
    steps
}

/// The median of a list (mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { f64::midpoint(values[mid - 1], values[mid]) } else { values[mid] })
}

/// The summary of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    pub group: String,
    /// Patients with a baseline.
    pub patients: u32,
    /// Patients with an end-of-induction assessment after the baseline.
    pub evaluable: u32,
    pub responders: u32,
    pub remitters: u32,
    /// `responders / evaluable`, percent to one decimal.
    pub response_rate: Option<f64>,
    pub remission_rate: Option<f64>,
    /// Median days from baseline to the first response, over patients who responded.
    pub median_days_to_response: Option<f64>,
    /// Kaplan–Meier curve of days from first response to relapse.
    pub relapse_curve: Vec<KmStep>,
}

/// Accumulates patients of one group.
#[derive(Debug, Clone, Default)]
pub struct GroupAccumulator {
    patients: u32,
    evaluable: u32,
    responders: u32,
    remitters: u32,
    days_to_response: Vec<f64>,
    relapse: Vec<FollowUp>,
}

fn days_between(a: Timestamp, b: Timestamp) -> i64 {
    (b.as_second() - a.as_second()).div_euclid(DAY)
}

impl GroupAccumulator {
    /// Adds one patient's series (time order) with the group's induction window.
    pub fn add(&mut self, points: &[Point], remission_max: Option<u32>, induction_days: i64) {
        let Some(base) = points.first() else { return };
        self.patients += 1;
        let o = outcome(points, remission_max);
        let end = points.iter().skip(1).take_while(|p| days_between(base.at, p.at) <= induction_days).last();
        if let Some(end) = end {
            self.evaluable += 1;
            let remitted = remission_max.is_some_and(|max| end.total <= max);
            if remitted || end.total.saturating_mul(2) <= base.total {
                self.responders += 1;
            }
            if remitted {
                self.remitters += 1;
            }
        }
        if let Some(response_at) = o.response_at {
            #[expect(clippy::cast_precision_loss, reason = "day counts are far below 2^52")]
            self.days_to_response.push(days_between(base.at, response_at) as f64);
            let (until, event) = match (o.relapse_at, o.latest) {
                (Some(relapse), _) => (relapse, true),
                (None, Some(last)) => (last.at, false),
                (None, None) => (response_at, false),
            };
            self.relapse.push(FollowUp { days: u32::try_from(days_between(response_at, until).max(0)).unwrap_or(u32::MAX), event });
        }
    }

    /// The group's summary.
    pub fn finish(mut self, group: String) -> GroupSummary {
        let rate = |n: u32| (self.evaluable > 0).then(|| (f64::from(n) * 1000.0 / f64::from(self.evaluable)).round() / 10.0);
        GroupSummary {
            group,
            patients: self.patients,
            evaluable: self.evaluable,
            responders: self.responders,
            remitters: self.remitters,
            response_rate: rate(self.responders),
            remission_rate: rate(self.remitters),
            median_days_to_response: median(&mut self.days_to_response),
            relapse_curve: kaplan_meier(&self.relapse),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + day * DAY).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn series(points: &[(i64, u32)]) -> Vec<Point> {
        points.iter().map(|(d, t)| Point { at: at(*d), total: *t }).collect()
    }

    /// Hand-worked: follow-ups 3 (event), 5 (censored), 5 (event), 8 (event), 10 (censored).
    /// Day 3: 5 at risk, 1 event → 4/5 = 0.8. Day 5: 4 at risk, 1 event, 1 censored →
    /// 0.8 × 3/4 = 0.6. Day 8: 2 at risk, 1 event → 0.3. Day 10: 1 at risk, censored → 0.3.
    #[test]
    fn kaplan_meier_worked_example() {
        let f = |days, event| FollowUp { days, event };
        let steps = kaplan_meier(&[f(8, true), f(3, true), f(5, false), f(10, false), f(5, true)]);
        let got: Vec<(u32, u32, u32, u32, f64)> =
            steps.iter().map(|s| (s.day, s.at_risk, s.events, s.censored, (s.survival * 1000.0).round() / 1000.0)).collect();
        assert_eq!(got, vec![(3, 5, 1, 0, 0.8), (5, 4, 1, 1, 0.6), (8, 2, 1, 0, 0.3), (10, 1, 0, 1, 0.3)]);
        assert!(kaplan_meier(&[]).is_empty());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    /// Three patients, PHQ-9 (remission ≤ 4), 21-day induction:
    /// A 20 → 8 (day 7) → 4 (day 14) → 12 (day 40) → 14 (day 47): responder and remitter at
    ///   end of induction (day 14, total 4); response at day 7; relapse at day 47 (40 days after).
    /// B 18 → 15 (day 10) → 12 (day 20): end of induction 12 > 9: no response.
    /// C 16 alone: counted, not evaluable.
    #[test]
    fn a_group_worked_example() {
        let mut acc = GroupAccumulator::default();
        acc.add(&series(&[(0, 20), (7, 8), (14, 4), (40, 12), (47, 14)]), Some(4), 21);
        acc.add(&series(&[(0, 18), (10, 15), (20, 12)]), Some(4), 21);
        acc.add(&series(&[(0, 16)]), Some(4), 21);
        let s = acc.finish("iv_ketamine".to_owned());
        assert_eq!((s.patients, s.evaluable, s.responders, s.remitters), (3, 2, 1, 1));
        assert_eq!((s.response_rate, s.remission_rate), (Some(50.0), Some(50.0)));
        assert_eq!(s.median_days_to_response, Some(7.0));
        assert_eq!(s.relapse_curve.len(), 1);
        assert_eq!((s.relapse_curve[0].day, s.relapse_curve[0].events, s.relapse_curve[0].survival), (40, 1, 0.0));
    }

    #[test]
    fn the_end_of_induction_is_the_last_point_inside_the_window() {
        let mut acc = GroupAccumulator::default();
        // Responding on day 21 counts; the relapse on day 22 lies outside the window.
        acc.add(&series(&[(0, 20), (21, 10), (22, 18)]), Some(4), 21);
        let s = acc.finish("g".to_owned());
        assert_eq!((s.evaluable, s.responders), (1, 1));
    }
}
