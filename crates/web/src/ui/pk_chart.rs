//! Geometry of the predicted plasma concentration charts (issue 9): pure functions from simulated
//! curves (minutes, ng/mL) to view models that `templates/pk_curve.html` (one regimen: the chosen
//! model's line over a shaded band — the range between models, or a population 5–95 % band —
//! and the shaded dosing windows) and `templates/courses.html` (a course's sessions on one axis
//! in days, see [`series_layout`]) draw as inline `<svg>`. The y axis starts at 0 and ends at a
//! round number above the highest value drawn (line or band).

use super::trend_chart::{Px, Rect};

/// Width of the `viewBox`; the SVG scales to its container.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 280.0;
/// Room for the y tick labels and the unit.
const LEFT: f64 = 60.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
/// Room for the minute labels and the axis title.
const BOTTOM: f64 = 48.0;
/// Minutes between x ticks (60 beyond five hours).
const X_TICK_MIN: f64 = 30.0;

/// An axis label at a position along its axis.
#[derive(Debug, Clone)]
pub(crate) struct AxisTick {
    pub at: Px,
    pub label: String,
}

/// Everything the template draws.
#[derive(Debug, Clone)]
pub(crate) struct PkChart {
    pub width: Px,
    pub height: Px,
    pub plot: Rect,
    /// Baseline of the minute labels.
    pub x_label_y: Px,
    /// Baseline of the x axis title.
    pub x_title_y: Px,
    /// Left edge of the y tick labels' right-aligned text.
    pub y_label_x: Px,
    pub x_ticks: Vec<AxisTick>,
    pub y_ticks: Vec<AxisTick>,
    /// `points` attribute of the `<polyline>`.
    pub line: String,
    /// The peak marker.
    pub peak_x: Px,
    pub peak_y: Px,
    /// The dosing windows (each running stretch of an infusion), shaded; none for injections.
    pub windows: Vec<Rect>,
    /// `points` attribute of the band's `<polygon>` (upper edge forward, lower edge back);
    /// empty when there is no band.
    pub band: String,
}

/// A round upper bound for the y axis and its tick step (1, 2 or 5 × 10ⁿ, about 4–6 ticks).
fn nice_axis(peak: f64) -> (f64, f64) {
    let peak = if peak.is_finite() && peak > 0.0 { peak } else { 1.0 };
    let raw = peak / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    let top = (peak / step).ceil() * step;
    (if top > peak { top } else { top + step }, step)
}

/// A tick value without trailing zeros (`0.5`, `20`).
fn tick_label(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A band around the line: lower and upper values (ng/mL) at the curve's times.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BandEdges<'a> {
    pub lo: &'a [f64],
    pub hi: &'a [f64],
}

/// Lays out the curve `times` (minutes, ascending) / `conc` (ng/mL) up to `end_min`, with the
/// peak at (`tmax`, `cmax`), shaded windows `[from, to]` in minutes and an optional band.
pub(crate) fn layout(times: &[f64], conc: &[f64], end_min: f64, (tmax, cmax): (f64, f64), windows: &[(f64, f64)], band: Option<BandEdges<'_>>) -> PkChart {
    let plot = Rect { x: Px(LEFT), y: Px(TOP), w: Px(WIDTH - LEFT - RIGHT), h: Px(HEIGHT - TOP - BOTTOM) };
    let end = if end_min > 0.0 { end_min } else { 1.0 };
    let band_top = band.map_or(0.0, |b| b.hi.iter().copied().filter(|c| c.is_finite()).fold(0.0, f64::max));
    let peak = conc.iter().copied().filter(|c| c.is_finite()).fold(cmax.max(band_top), f64::max);
    let (top, step) = nice_axis(peak);
    let x_of = |t: f64| plot.x.0 + plot.w.0 * t.clamp(0.0, end) / end;
    let y_of = |c: f64| plot.y.0 + plot.h.0 * (1.0 - c.clamp(0.0, top) / top);

    let line = times
        .iter()
        .zip(conc)
        .filter(|(t, c)| t.is_finite() && c.is_finite())
        .map(|(t, c)| format!("{},{}", Px(x_of(*t)), Px(y_of(*c))))
        .collect::<Vec<_>>()
        .join(" ");
    let band = band.map_or_else(String::new, |b| {
        let edge = |values: &[f64]| -> Vec<String> {
            times.iter().zip(values).filter(|(t, c)| t.is_finite() && c.is_finite()).map(|(t, c)| format!("{},{}", Px(x_of(*t)), Px(y_of(*c)))).collect()
        };
        let mut points = edge(b.hi);
        let mut lower = edge(b.lo);
        lower.reverse();
        points.extend(lower);
        points.join(" ")
    });
    let tick_step = if end > 300.0 { 2.0 * X_TICK_MIN } else { X_TICK_MIN };
    let mut x_ticks = Vec::new();
    let mut t = 0.0;
    while t <= end + 1e-9 {
        x_ticks.push(AxisTick { at: Px(x_of(t)), label: tick_label(t) });
        t += tick_step;
    }
    let mut y_ticks = Vec::new();
    let mut c = 0.0;
    while c <= top + step * 1e-9 {
        y_ticks.push(AxisTick { at: Px(y_of(c)), label: tick_label(c) });
        c += step;
    }
    let windows = windows
        .iter()
        .filter(|(from, to)| to > from)
        .map(|&(from, to)| {
            let x = x_of(from);
            Rect { x: Px(x), y: plot.y, w: Px(x_of(to) - x), h: plot.h }
        })
        .collect();
    PkChart {
        width: Px(WIDTH),
        height: Px(HEIGHT),
        plot,
        x_label_y: Px(TOP + plot.h.0 + 20.0),
        x_title_y: Px(HEIGHT - 6.0),
        y_label_x: Px(LEFT - 8.0),
        x_ticks,
        y_ticks,
        line,
        peak_x: Px(x_of(tmax)),
        peak_y: Px(y_of(cmax)),
        windows,
        band,
    }
}

/// One dosed session of a course, for [`series_layout`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeriesSession<'a> {
    /// When its administration started, in days after the first session's.
    pub day: f64,
    /// The curve, minutes after its own start / ng/mL.
    pub times: &'a [f64],
    pub conc: &'a [f64],
    /// The peak, minutes after its own start / ng/mL.
    pub peak: (f64, f64),
}

/// One session drawn on the course axis.
#[derive(Debug, Clone)]
pub(crate) struct SeriesSpike {
    pub line: String,
    pub peak_x: Px,
    pub peak_y: Px,
    /// Baseline of the peak's label (raised when it would touch the previous one).
    pub label_y: Px,
    /// The predicted peak, ng/mL (`173`).
    pub label: String,
}

/// A course's sessions on one time axis in days.
#[derive(Debug, Clone)]
pub(crate) struct SeriesChart {
    pub width: Px,
    pub height: Px,
    pub plot: Rect,
    pub x_label_y: Px,
    pub x_title_y: Px,
    pub y_label_x: Px,
    pub x_ticks: Vec<AxisTick>,
    pub y_ticks: Vec<AxisTick>,
    pub spikes: Vec<SeriesSpike>,
}

/// Lays out a course's sessions at their dates on one axis in days from the first dose. Each
/// session's curve lasts hours and sessions are days apart, so at this scale each is a narrow
/// spike at its date with its predicted peak written above it: the series (how often, how high,
/// whether the peaks change with dose or weight) reads at a glance, and the table under the
/// figure gives each session's shape in numbers. Ticks every day up to ten days, then weekly,
/// then every four weeks.
pub(crate) fn series_layout(sessions: &[SeriesSession<'_>]) -> SeriesChart {
    const DAY_MIN: f64 = 1440.0;
    let plot = Rect { x: Px(LEFT), y: Px(TOP + 14.0), w: Px(WIDTH - LEFT - RIGHT), h: Px(HEIGHT - TOP - 14.0 - BOTTOM) };
    let last = sessions.iter().map(|s| s.day + s.times.last().copied().unwrap_or(0.0) / DAY_MIN).fold(0.0, f64::max);
    let span = last.max(1.0);
    let tick = if span <= 10.0 {
        1.0
    } else if span <= 70.0 {
        7.0
    } else {
        28.0
    };
    let end = (span / tick).ceil() * tick;
    let peak = sessions.iter().flat_map(|s| s.conc.iter().copied().chain([s.peak.1])).filter(|c| c.is_finite()).fold(0.0, f64::max);
    let (top, step) = nice_axis(peak);
    let x_of = |day: f64| plot.x.0 + plot.w.0 * day.clamp(0.0, end) / end;
    let y_of = |c: f64| plot.y.0 + plot.h.0 * (1.0 - c.clamp(0.0, top) / top);
    let mut spikes: Vec<SeriesSpike> = Vec::new();
    for s in sessions {
        let at = |t: f64| s.day + t / DAY_MIN;
        let line = s
            .times
            .iter()
            .zip(s.conc)
            .filter(|(t, c)| t.is_finite() && c.is_finite())
            .map(|(t, c)| format!("{},{}", Px(x_of(at(*t))), Px(y_of(*c))))
            .collect::<Vec<_>>()
            .join(" ");
        let (peak_x, peak_y) = (x_of(at(s.peak.0)), y_of(s.peak.1));
        let crowded = spikes.last().is_some_and(|p| (peak_x - p.peak_x.0).abs() < 30.0 && (p.label_y.0 - (peak_y - 8.0)).abs() < 14.0);
        let label_y = if crowded { peak_y - 22.0 } else { peak_y - 8.0 };
        spikes.push(SeriesSpike { line, peak_x: Px(peak_x), peak_y: Px(peak_y), label_y: Px(label_y), label: tick_label(s.peak.1.round()) });
    }
    let mut x_ticks = Vec::new();
    let mut d = 0.0;
    while d <= end + 1e-9 {
        x_ticks.push(AxisTick { at: Px(x_of(d)), label: tick_label(d) });
        d += tick;
    }
    let mut y_ticks = Vec::new();
    let mut c = 0.0;
    while c <= top + step * 1e-9 {
        y_ticks.push(AxisTick { at: Px(y_of(c)), label: tick_label(c) });
        c += step;
    }
    SeriesChart {
        width: Px(WIDTH),
        height: Px(HEIGHT),
        plot,
        x_label_y: Px(plot.y.0 + plot.h.0 + 20.0),
        x_title_y: Px(HEIGHT - 6.0),
        y_label_x: Px(LEFT - 8.0),
        x_ticks,
        y_ticks,
        spikes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_round_and_cover_the_peak() {
        assert_eq!(nice_axis(173.0), (200.0, 50.0));
        assert_eq!(nice_axis(100.0), (120.0, 20.0));
        assert_eq!(nice_axis(0.42), (0.5, 0.1));
        assert_eq!(tick_label(0.5), "0.5");
        assert_eq!(tick_label(240.0), "240");
    }

    #[test]
    fn the_curve_spans_the_plot() {
        let times: Vec<f64> = (0..=240).map(f64::from).collect();
        let conc: Vec<f64> = times.iter().map(|t| if *t <= 40.0 { t * 4.0 } else { 160.0 * (-(t - 40.0) / 60.0).exp() }).collect();
        let chart = layout(&times, &conc, 240.0, (40.0, 160.0), &[(0.0, 40.0)], None);
        assert_eq!(chart.x_ticks.len(), 9);
        assert_eq!(chart.x_ticks[8].label, "240");
        assert_eq!(chart.y_ticks.last().map(|t| t.label.as_str()), Some("200"));
        assert!(chart.line.starts_with("60.0,232.0 "), "{}", &chart.line[..20]);
        assert_eq!(chart.line.split(' ').count(), 241);
        assert!(chart.windows.first().is_some_and(|w| w.w.0 > 0.0));
        assert!(chart.band.is_empty());
    }

    #[test]
    fn sessions_sit_at_their_days_with_their_peaks_labelled() {
        let times: Vec<f64> = (0..=240).map(f64::from).collect();
        let conc: Vec<f64> = times.iter().map(|t| if *t <= 40.0 { t * 4.0 } else { 160.0 * (-(t - 40.0) / 60.0).exp() }).collect();
        let sessions: Vec<SeriesSession<'_>> =
            [0.0, 2.0, 4.0, 7.0, 9.0, 11.0].iter().map(|d| SeriesSession { day: *d, times: &times, conc: &conc, peak: (40.0, 160.0) }).collect();
        let chart = series_layout(&sessions);
        assert_eq!(chart.x_ticks.len(), 3, "weekly ticks beyond ten days: 0, 7, 14");
        assert_eq!(chart.spikes.len(), 6);
        assert_eq!(chart.spikes[0].label, "160");
        assert!(chart.spikes[1].peak_x.0 > chart.spikes[0].peak_x.0 + 50.0, "two days apart is far apart");
        assert!(chart.spikes.iter().all(|s| s.line.split(' ').count() == 241));
    }

    #[test]
    fn the_band_is_a_closed_outline_and_widens_the_axis() {
        let times = [0.0, 60.0, 120.0];
        let conc = [0.0, 100.0, 50.0];
        let (lo, hi) = ([0.0, 80.0, 30.0], [0.0, 230.0, 90.0]);
        let chart = layout(&times, &conc, 120.0, (60.0, 100.0), &[], Some(BandEdges { lo: &lo, hi: &hi }));
        assert_eq!(chart.band.split(' ').count(), 6);
        assert_eq!(chart.y_ticks.last().map(|t| t.label.as_str()), Some("250"), "the axis covers the band");
        assert!(chart.band.starts_with("60.0,232.0 "));
        assert!(chart.band.ends_with(" 60.0,232.0"));
    }
}
