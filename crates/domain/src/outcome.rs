//! Outcomes of measurement-based care: baseline, latest, change, response, remission, relapse.
//!
//! Definitions (REFERENCE §6 and issue 4):
//! - **response**: a total at or below 50 % of baseline ("≥ 50 % reduction from baseline",
//!   REFERENCE §6, the convention of ELEKT-D and Phillips/Talati);
//! - **remission**: below the instrument's remission threshold — PHQ-9 < 5 (§6.1), GAD-7 < 5,
//!   QIDS-SR16 ≤ 5 (§6.4, STAR*D), MADRS ≤ 10 (§1.5, KADS; SPRAVATO programmes may use ≤ 12).
//!   Thresholds are clinic protocol settings ([`RemissionThresholds`]) with those defaults;
//! - **relapse**: after response was reached, two consecutive later assessments no longer meet
//!   the response criterion.
//!
//! A point in remission also counts as responding (a remitted patient has not relapsed), so a
//! low baseline that falls into remission with less than 50 % change still counts as response.
//!
//! The rules are pure: the caller chooses the series (one instrument, the current course) and
//! passes it in time order.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Per-instrument remission thresholds: a total at or below the value is remission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemissionThresholds {
    /// PHQ-9 remission is a total below 5, i.e. at most 4.
    pub phq9_max: u32,
    /// GAD-7 remission is a total below 5, i.e. at most 4.
    pub gad7_max: u32,
    /// QIDS-SR16 remission is a total of 5 or less.
    pub qids_sr16_max: u32,
    /// MADRS remission is 10 or less (12 in some SPRAVATO programmes).
    pub madrs_max: u32,
}

impl Default for RemissionThresholds {
    fn default() -> Self {
        Self { phq9_max: 4, gad7_max: 4, qids_sr16_max: 5, madrs_max: 10 }
    }
}

impl RemissionThresholds {
    /// The remission maximum of an instrument, if it has a remission definition.
    pub fn for_instrument(&self, instrument: &str) -> Option<u32> {
        match instrument {
            "phq9" => Some(self.phq9_max),
            "gad7" => Some(self.gad7_max),
            "qids_sr16" => Some(self.qids_sr16_max),
            "madrs" => Some(self.madrs_max),
            _ => None,
        }
    }
}

/// One scored assessment in a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    pub at: Timestamp,
    pub total: u32,
}

/// Where a point stands relative to the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PointState {
    Baseline,
    /// Not (or no longer) meeting the response criterion.
    NoResponse,
    Response,
    Remission,
    /// The second of two consecutive points without response after response was reached.
    Relapse,
}

/// A point with its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeriesPoint {
    pub at: Timestamp,
    pub total: u32,
    pub state: PointState,
}

/// The outcome of a series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub baseline: Option<Point>,
    pub latest: Option<Point>,
    /// `(latest − baseline) / baseline × 100`; `None` without two points or with a zero baseline.
    pub change_percent: Option<f64>,
    /// Response was reached at some point (first time in `response_at`).
    pub response: bool,
    pub response_at: Option<Timestamp>,
    /// Remission was reached at some point (first time in `remission_at`).
    pub remission: bool,
    pub remission_at: Option<Timestamp>,
    /// Relapse after response (first time in `relapse_at`); a relapse proposes a booster.
    pub relapse: bool,
    pub relapse_at: Option<Timestamp>,
    pub series: Vec<SeriesPoint>,
}

/// Computes the outcome of `points` (time order; the first is the baseline).
pub fn outcome(points: &[Point], remission_max: Option<u32>) -> Outcome {
    let baseline = points.first().copied();
    let latest = points.last().copied();
    let mut out = Outcome {
        baseline,
        latest,
        change_percent: None,
        response: false,
        response_at: None,
        remission: false,
        remission_at: None,
        relapse: false,
        relapse_at: None,
        series: Vec::with_capacity(points.len()),
    };
    let Some(base) = baseline else { return out };
    if points.len() > 1 && base.total > 0 {
        let change = (f64::from(latest.map_or(base.total, |l| l.total)) - f64::from(base.total)) / f64::from(base.total) * 100.0;
        out.change_percent = Some((change * 10.0).round() / 10.0);
    }
    let mut misses_since_response = 0;
    for (i, p) in points.iter().enumerate() {
        let state = if i == 0 {
            PointState::Baseline
        } else {
            // Response: at or below half the baseline (2 × total ≤ baseline, in integers).
            let responding = p.total.saturating_mul(2) <= base.total;
            let remitting = remission_max.is_some_and(|max| p.total <= max);
            if responding || remitting {
                misses_since_response = 0;
                if !out.response {
                    out.response = true;
                    out.response_at = Some(p.at);
                }
                if remitting {
                    if !out.remission {
                        out.remission = true;
                        out.remission_at = Some(p.at);
                    }
                    PointState::Remission
                } else {
                    PointState::Response
                }
            } else if out.response {
                misses_since_response += 1;
                if misses_since_response >= 2 {
                    if !out.relapse {
                        out.relapse = true;
                        out.relapse_at = Some(p.at);
                    }
                    PointState::Relapse
                } else {
                    PointState::NoResponse
                }
            } else {
                PointState::NoResponse
            }
        };
        out.series.push(SeriesPoint { at: p.at, total: p.total, state });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(totals: &[u32]) -> Vec<Point> {
        totals
            .iter()
            .enumerate()
            .map(|(day, t)| Point {
                at: Timestamp::from_second(1_790_000_000 + 86_400 * i64::try_from(day).unwrap_or(0)).unwrap_or(Timestamp::UNIX_EPOCH),
                total: *t,
            })
            .collect()
    }

    #[test]
    fn worked_example_from_the_issue() {
        // PHQ-9 20, 8, 4, 12, 14: response (8 ≤ 10), then remission (4 < 5), then relapse (12 and
        // 14 both above 10), change −30 %.
        let points = series(&[20, 8, 4, 12, 14]);
        let o = outcome(&points, RemissionThresholds::default().for_instrument("phq9"));
        let states: Vec<_> = o.series.iter().map(|p| p.state).collect();
        assert_eq!(states, vec![PointState::Baseline, PointState::Response, PointState::Remission, PointState::NoResponse, PointState::Relapse]);
        assert_eq!((o.response, o.remission, o.relapse), (true, true, true));
        assert_eq!(o.response_at, Some(points[1].at));
        assert_eq!(o.remission_at, Some(points[2].at));
        assert_eq!(o.relapse_at, Some(points[4].at));
        assert_eq!(o.change_percent, Some(-30.0));
        assert_eq!(o.baseline.map(|b| b.total), Some(20));
        assert_eq!(o.latest.map(|l| l.total), Some(14));
    }

    #[test]
    fn response_boundary_is_exactly_half() {
        let o = outcome(&series(&[21, 11]), None);
        assert!(!o.response, "11 is above half of 21");
        let o = outcome(&series(&[21, 10]), None);
        assert!(o.response);
        let o = outcome(&series(&[20, 10]), None);
        assert!(o.response, "exactly 50 % is response");
    }

    #[test]
    fn one_miss_is_not_a_relapse() {
        let o = outcome(&series(&[20, 9, 12, 9, 12]), None);
        assert!(!o.relapse, "misses must be consecutive");
        let o = outcome(&series(&[20, 16, 15]), None);
        assert!(!o.relapse, "no relapse without response first");
    }

    #[test]
    fn remission_thresholds_are_settings() {
        let strict = RemissionThresholds::default();
        let spravato = RemissionThresholds { madrs_max: 12, ..strict };
        let points = series(&[30, 12]);
        assert!(!outcome(&points, strict.for_instrument("madrs")).remission);
        assert!(outcome(&points, spravato.for_instrument("madrs")).remission);
        assert_eq!(strict.for_instrument("pcl5"), None);
    }

    #[test]
    fn empty_and_single_series() {
        let o = outcome(&[], None);
        assert_eq!((o.baseline, o.change_percent, o.series.len()), (None, None, 0));
        let o = outcome(&series(&[14]), None);
        assert_eq!((o.change_percent, o.response), (None, false));
        let o = outcome(&series(&[0, 3]), None);
        assert_eq!(o.change_percent, None, "no percentage change from a zero baseline");
    }
}
