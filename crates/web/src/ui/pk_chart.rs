//! Geometry of the predicted plasma concentration chart on the dose calculator: a pure function
//! from a simulated curve (minutes, ng/mL) to a view model that `templates/dosing.html` draws as
//! an inline `<svg>` line chart. The y axis starts at 0 and ends at a round number above the
//! peak; the x axis runs from 0 to the simulated horizon with ticks every 30 minutes.

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
/// Minutes between x ticks.
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
    /// The infusion or dosing window, shaded (width 0 for an injection).
    pub window: Option<Rect>,
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

/// Lays out the curve `times` (minutes, ascending) / `conc` (ng/mL) up to `end_min`, with the
/// peak at (`tmax`, `cmax`) and an optional shaded window `[from, to]` in minutes.
pub(crate) fn layout(times: &[f64], conc: &[f64], end_min: f64, (tmax, cmax): (f64, f64), window: Option<(f64, f64)>) -> PkChart {
    let plot = Rect { x: Px(LEFT), y: Px(TOP), w: Px(WIDTH - LEFT - RIGHT), h: Px(HEIGHT - TOP - BOTTOM) };
    let end = if end_min > 0.0 { end_min } else { 1.0 };
    let peak = conc.iter().copied().filter(|c| c.is_finite()).fold(cmax, f64::max);
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
    let mut x_ticks = Vec::new();
    let mut t = 0.0;
    while t <= end + 1e-9 {
        x_ticks.push(AxisTick { at: Px(x_of(t)), label: tick_label(t) });
        t += X_TICK_MIN;
    }
    let mut y_ticks = Vec::new();
    let mut c = 0.0;
    while c <= top + step * 1e-9 {
        y_ticks.push(AxisTick { at: Px(y_of(c)), label: tick_label(c) });
        c += step;
    }
    let window = window.filter(|(from, to)| to > from).map(|(from, to)| {
        let x = x_of(from);
        Rect { x: Px(x), y: plot.y, w: Px(x_of(to) - x), h: plot.h }
    });
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
        window,
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
        let chart = layout(&times, &conc, 240.0, (40.0, 160.0), Some((0.0, 40.0)));
        assert_eq!(chart.x_ticks.len(), 9);
        assert_eq!(chart.x_ticks[8].label, "240");
        assert_eq!(chart.y_ticks.last().map(|t| t.label.as_str()), Some("200"));
        assert!(chart.line.starts_with("60.0,232.0 "), "{}", &chart.line[..20]);
        assert_eq!(chart.line.split(' ').count(), 241);
        assert!(chart.window.is_some_and(|w| w.w.0 > 0.0));
    }
}
