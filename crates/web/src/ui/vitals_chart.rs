//! Geometry of the session page's vital-signs chart: a pure function from a session's readings
//! to what `templates/session_live.html` draws as inline SVG — blood pressure (systolic and
//! diastolic) and heart rate on one panel (40–200), SpO2 on a narrow panel under it (80–100 %),
//! the time since the first event on the x axis, the administration span shaded and the
//! alert lines of the session's thresholds drawn dashed, so a nurse sees the trend and how near
//! it runs to a limit at a glance.

use jiff::Timestamp;
use ketaclinic_domain::session::{Thresholds, VitalReading};

use super::trend_chart::{Px, Rect};

const WIDTH: f64 = 720.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const MAIN_H: f64 = 220.0;
const GAP: f64 = 28.0;
const SPO2_H: f64 = 80.0;
const BOTTOM: f64 = 40.0;
/// Ranges of the two panels (values outside are drawn at the edge).
const MAIN_RANGE: (f64, f64) = (40.0, 200.0);
const SPO2_RANGE: (f64, f64) = (80.0, 100.0);
/// The x axis spans at least this many minutes, so the first readings are not stretched.
const MIN_SPAN_MIN: f64 = 60.0;

/// An axis label.
#[derive(Debug, Clone)]
pub(crate) struct Tick {
    pub at: Px,
    pub label: String,
}

/// A dashed threshold line with its label.
#[derive(Debug, Clone)]
pub(crate) struct Limit {
    pub y: Px,
    pub label: String,
}

/// Everything the template draws.
#[derive(Debug, Clone)]
pub(crate) struct VitalsChart {
    pub width: Px,
    pub height: Px,
    pub main: Rect,
    pub spo2: Rect,
    pub x_ticks: Vec<Tick>,
    pub main_ticks: Vec<Tick>,
    pub spo2_ticks: Vec<Tick>,
    pub x_label_y: Px,
    pub y_label_x: Px,
    /// `points` of the systolic, diastolic, heart-rate and SpO2 polylines (empty when none).
    pub systolic: String,
    pub diastolic: String,
    pub heart_rate: String,
    pub spo2_line: String,
    /// The administration span (infusion or devices).
    pub administration: Option<Rect>,
    pub limits: Vec<Limit>,
    pub spo2_limit: Option<Limit>,
    pub readings: usize,
}

/// Lays out `readings` from `start` to `now` with the administration span `[from, to]` (`to`
/// open while still dosing).
pub(crate) fn layout(
    readings: &[VitalReading],
    thresholds: &Thresholds,
    start: Timestamp,
    now: Timestamp,
    administration: Option<(Timestamp, Option<Timestamp>)>,
) -> VitalsChart {
    let minutes = |t: Timestamp| t.duration_since(start).as_secs_f64() / 60.0;
    let last = readings.iter().map(|r| minutes(r.at)).fold(minutes(now), f64::max);
    let span = last.max(MIN_SPAN_MIN);
    let main = Rect { x: Px(LEFT), y: Px(TOP), w: Px(WIDTH - LEFT - RIGHT), h: Px(MAIN_H) };
    let spo2 = Rect { x: Px(LEFT), y: Px(TOP + MAIN_H + GAP), w: main.w, h: Px(SPO2_H) };
    let x_of = |m: f64| main.x.0 + main.w.0 * m.clamp(0.0, span) / span;
    let y_in = |rect: Rect, (lo, hi): (f64, f64), v: f64| rect.y.0 + rect.h.0 * (1.0 - (v.clamp(lo, hi) - lo) / (hi - lo));

    let mut sorted: Vec<&VitalReading> = readings.iter().collect();
    sorted.sort_by_key(|r| r.at);
    let line = |pick: &dyn Fn(&VitalReading) -> Option<u32>, rect: Rect, range: (f64, f64)| {
        sorted
            .iter()
            .filter_map(|r| pick(r).map(|v| format!("{},{}", Px(x_of(minutes(r.at))), Px(y_in(rect, range, f64::from(v))))))
            .collect::<Vec<_>>()
            .join(" ")
    };

    let step = if span <= 90.0 { 15.0 } else { 30.0 };
    let x_ticks = (0..).map(|i| f64::from(i) * step).take_while(|m| *m <= span + 1e-9).map(|m| Tick { at: Px(x_of(m)), label: format!("{m:.0}") }).collect();
    let main_ticks = [40.0, 80.0, 120.0, 160.0, 200.0].into_iter().map(|v| Tick { at: Px(y_in(main, MAIN_RANGE, v)), label: format!("{v:.0}") }).collect();
    let spo2_ticks = [80.0, 90.0, 100.0].into_iter().map(|v| Tick { at: Px(y_in(spo2, SPO2_RANGE, v)), label: format!("{v:.0}") }).collect();

    let administration = administration.map(|(from, to)| {
        let x = x_of(minutes(from));
        let end = x_of(minutes(to.unwrap_or(now)));
        Rect { x: Px(x), y: main.y, w: Px((end - x).max(2.0)), h: main.h }
    });
    let limit = |v: u32, label: String| Limit { y: Px(y_in(main, MAIN_RANGE, f64::from(v))), label };
    let limits = vec![
        limit(thresholds.alert_systolic, format!("SBP alert > {}", thresholds.alert_systolic)),
        limit(thresholds.alert_hr_high, format!("HR alert > {}", thresholds.alert_hr_high)),
        limit(thresholds.alert_hr_low, format!("HR alert < {}", thresholds.alert_hr_low)),
    ];
    let spo2_limit =
        Some(Limit { y: Px(y_in(spo2, SPO2_RANGE, f64::from(thresholds.alert_spo2_low))), label: format!("SpO2 alert < {}", thresholds.alert_spo2_low) });

    VitalsChart {
        width: Px(WIDTH),
        height: Px(TOP + MAIN_H + GAP + SPO2_H + BOTTOM),
        main,
        spo2,
        x_ticks,
        main_ticks,
        spo2_ticks,
        x_label_y: Px(spo2.y.0 + SPO2_H + 18.0),
        y_label_x: Px(LEFT - 6.0),
        systolic: line(&|r| r.vitals.systolic, main, MAIN_RANGE),
        diastolic: line(&|r| r.vitals.diastolic, main, MAIN_RANGE),
        heart_rate: line(&|r| r.vitals.heart_rate, main, MAIN_RANGE),
        spo2_line: line(&|r| r.vitals.spo2, spo2, SPO2_RANGE),
        administration,
        limits,
        spo2_limit,
        readings: readings.len(),
    }
}

#[cfg(test)]
mod tests {
    use ketaclinic_domain::session::Vitals;

    use super::*;

    fn at(min: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + min * 60).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn reading(min: i64, sbp: u32, spo2: u32) -> VitalReading {
        VitalReading {
            at: at(min),
            device_id: "manual".to_owned(),
            vitals: Vitals { systolic: Some(sbp), diastolic: Some(80), heart_rate: Some(80), spo2: Some(spo2), resp_rate: None },
        }
    }

    #[test]
    fn readings_land_on_their_time_and_value() {
        // 0 and 60 min of a 60-minute window: the left and right edges of the plot.
        let chart = layout(&[reading(60, 200, 100), reading(0, 120, 80)], &Thresholds::default(), at(0), at(30), Some((at(10), Some(at(50)))));
        assert_eq!(chart.systolic, "48.0,122.0 704.0,12.0", "sorted by time; 120 mmHg is half-way up 40–200");
        assert_eq!(chart.spo2_line, "48.0,340.0 704.0,260.0");
        let admin = chart.administration.expect("span");
        assert_eq!((admin.x.0, admin.w.0), (48.0 + 656.0 / 6.0, 656.0 * 40.0 / 60.0));
        assert_eq!(chart.x_ticks.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(), ["0", "15", "30", "45", "60"]);
        assert_eq!(chart.limits[0].label, "SBP alert > 180");
    }

    #[test]
    fn an_open_administration_runs_to_now_and_out_of_range_values_stay_on_the_plot() {
        let chart = layout(&[reading(100, 260, 60)], &Thresholds::default(), at(0), at(120), Some((at(20), None)));
        assert_eq!(chart.x_ticks.last().map(|t| t.label.as_str()), Some("120"));
        assert_eq!(chart.systolic, "594.7,12.0", "260 mmHg drawn at the top edge");
        assert_eq!(chart.spo2_line, "594.7,340.0", "60 % drawn at the bottom edge");
        let admin = chart.administration.expect("span");
        assert!((admin.x.0 + admin.w.0 - 704.0).abs() < 1e-9);
    }
}
