//! Geometry of the per-instrument trend chart: a pure function from scored points and severity
//! bands to a view model that `templates/trend_chart.html` renders as an inline `<svg>`.
//!
//! The y axis runs from half a point below the lowest possible total to half a point above the
//! highest, so every whole total sits in the middle of its band's stripe and the stripes tile
//! the plot area without gaps. The x axis is time: the first point at the left, the last at the
//! right, a single point in the middle.

use std::fmt;

use ketaclinic_domain::instruments::Band;

/// Width of the `viewBox`; the SVG scales to its container.
const WIDTH: f64 = 640.0;
/// Height of the `viewBox`.
const HEIGHT: f64 = 260.0;
/// Room for the y tick labels on the left.
const LEFT: f64 = 44.0;
/// Room for the band labels on the right.
const RIGHT: f64 = 136.0;
const TOP: f64 = 12.0;
/// Room for the date labels below.
const BOTTOM: f64 = 40.0;
/// Keeps the first and last markers off the plot edge.
const X_PAD: f64 = 20.0;
/// Date labels closer than this are thinned to the last one.
const MIN_TICK_GAP: f64 = 96.0;

/// A coordinate in `viewBox` units, printed with one decimal.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub(crate) struct Px(pub f64);

impl fmt::Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}", self.0)
    }
}

/// A rectangle in `viewBox` units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x: Px,
    pub y: Px,
    pub w: Px,
    pub h: Px,
}

/// One scored assessment to plot.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    /// Days since any fixed instant (only differences matter).
    pub days: f64,
    pub total: u32,
    /// Short date for the axis, e.g. `2026-11-21`.
    pub date: String,
    /// Tooltip text (date, total, severity).
    pub title: String,
    /// A safety flag was raised: drawn as a ringed marker.
    pub flagged: bool,
}

/// A shaded severity band.
#[derive(Debug, Clone)]
pub(crate) struct BandRect {
    /// The band id (`moderately_severe`), for `data-band`.
    pub id: String,
    /// The id for people (`moderately severe`).
    pub label: String,
    /// Colour step 0 (mildest) … 4 (most severe).
    pub level: usize,
    pub rect: Rect,
    /// Where the label's baseline sits (middle of the stripe).
    pub label_y: Px,
}

/// An axis label.
#[derive(Debug, Clone)]
pub(crate) struct Tick {
    pub at: Px,
    pub label: String,
}

/// A point marker.
#[derive(Debug, Clone)]
pub(crate) struct Mark {
    pub cx: Px,
    pub cy: Px,
    pub title: String,
    pub flagged: bool,
}

/// Everything the template draws.
#[derive(Debug, Clone)]
pub(crate) struct Chart {
    pub width: Px,
    pub height: Px,
    pub plot: Rect,
    /// Right edge of the plot, where band labels start.
    pub label_x: Px,
    /// Baseline of the date labels.
    pub date_y: Px,
    pub bands: Vec<BandRect>,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    /// `points` attribute of the `<polyline>`; empty for a single point.
    pub line: String,
    pub marks: Vec<Mark>,
}

/// Lays out `samples` (time order) over `bands`; `range` is the instrument's total range,
/// falling back to the bands and then to the data.
pub(crate) fn layout(samples: &[Sample], bands: &[Band], range: Option<(u32, u32)>) -> Chart {
    let (lo_total, hi_total) = value_range(samples, bands, range);
    let lo = f64::from(lo_total) - 0.5;
    let hi = f64::from(hi_total) + 0.5;
    let plot = Rect { x: Px(LEFT), y: Px(TOP), w: Px(WIDTH - LEFT - RIGHT), h: Px(HEIGHT - TOP - BOTTOM) };
    let y_of = |value: f64| plot.y.0 + plot.h.0 * (hi - value.clamp(lo, hi)) / (hi - lo);

    let steps = bands.len().saturating_sub(1).max(1);
    let band_rects = bands
        .iter()
        .enumerate()
        .map(|(i, band)| {
            let top = y_of(f64::from(band.max) + 0.5);
            let bottom = y_of(f64::from(band.min) - 0.5);
            BandRect {
                id: band.id.to_owned(),
                label: band.id.replace('_', " "),
                level: if bands.len() == 1 { 0 } else { (i * 4 + steps / 2) / steps },
                rect: Rect { x: plot.x, y: Px(top), w: plot.w, h: Px(bottom - top) },
                label_y: Px((top + bottom) / 2.0 + 4.5),
            }
        })
        .collect();

    let mut tick_values: Vec<u32> = bands.iter().map(|b| b.min).chain([lo_total, hi_total]).filter(|v| (lo_total..=hi_total).contains(v)).collect();
    if bands.is_empty() && hi_total > lo_total + 1 {
        tick_values.push(lo_total + (hi_total - lo_total) / 2);
    }
    tick_values.sort_unstable();
    tick_values.dedup();
    let y_ticks = tick_values.into_iter().map(|v| Tick { at: Px(y_of(f64::from(v)) + 4.5), label: v.to_string() }).collect();

    let xs = x_positions(samples, plot);
    let marks: Vec<Mark> =
        samples.iter().zip(&xs).map(|(s, &x)| Mark { cx: Px(x), cy: Px(y_of(f64::from(s.total))), title: s.title.clone(), flagged: s.flagged }).collect();
    let line = if marks.len() > 1 { marks.iter().map(|m| format!("{},{}", m.cx, m.cy)).collect::<Vec<_>>().join(" ") } else { String::new() };

    Chart {
        width: Px(WIDTH),
        height: Px(HEIGHT),
        plot,
        label_x: Px(plot.x.0 + plot.w.0 + 8.0),
        date_y: Px(plot.y.0 + plot.h.0 + 24.0),
        bands: band_rects,
        y_ticks,
        x_ticks: x_ticks(samples, &xs),
        line,
        marks,
    }
}

/// The totals the y axis spans: the instrument's range, widened to any band or sample outside it.
fn value_range(samples: &[Sample], bands: &[Band], range: Option<(u32, u32)>) -> (u32, u32) {
    let declared = range.or_else(|| Some((bands.iter().map(|b| b.min).min()?, bands.iter().map(|b| b.max).max()?)));
    let (mut lo, mut hi) = declared.unwrap_or((0, 1));
    for v in samples.iter().map(|s| s.total).chain(bands.iter().flat_map(|b| [b.min, b.max])) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    (lo, hi.max(lo + 1))
}

/// x of each sample: linear in time; evenly spaced when all share one instant.
fn x_positions(samples: &[Sample], plot: Rect) -> Vec<f64> {
    let left = plot.x.0 + X_PAD;
    let width = plot.w.0 - 2.0 * X_PAD;
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else { return Vec::new() };
    if samples.len() == 1 {
        return vec![left + width / 2.0];
    }
    let span = last.days - first.days;
    let mut steps = 0.0;
    samples
        .iter()
        .map(|s| {
            if span > 0.0 {
                left + width * ((s.days - first.days) / span).clamp(0.0, 1.0)
            } else {
                // Count up without an integer cast: n−1 equal steps.
                let at = steps;
                steps += 1.0;
                left + width * at / f64::from(u32::try_from(samples.len() - 1).unwrap_or(u32::MAX))
            }
        })
        .collect()
}

/// Date labels under the first and last points (one label when they share the date or would
/// collide).
fn x_ticks(samples: &[Sample], xs: &[f64]) -> Vec<Tick> {
    let (Some(first), Some(last), Some(&x0), Some(&x1)) = (samples.first(), samples.last(), xs.first(), xs.last()) else { return Vec::new() };
    let mut ticks = Vec::with_capacity(2);
    if samples.len() > 1 && x1 - x0 >= MIN_TICK_GAP && first.date != last.date {
        ticks.push(Tick { at: Px(x0), label: first.date.clone() });
    }
    ticks.push(Tick { at: Px(x1), label: last.date.clone() });
    ticks
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    const PHQ9: &[Band] = &[
        Band { id: "minimal", min: 0, max: 4 },
        Band { id: "mild", min: 5, max: 9 },
        Band { id: "moderate", min: 10, max: 14 },
        Band { id: "moderately_severe", min: 15, max: 19 },
        Band { id: "severe", min: 20, max: 27 },
    ];

    fn sample(days: f64, total: u32) -> Sample {
        Sample { days, total, date: format!("day {days}"), title: format!("{total}"), flagged: false }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn bands_tile_the_plot_from_top_to_bottom() {
        let chart = layout(&[sample(0.0, 20)], PHQ9, Some((0, 27)));
        let plot = chart.plot;
        // Highest band at the top; each stripe starts where the one above ends; the lowest
        // ends at the bottom of the plot.
        let mut edge = plot.y.0;
        for band in chart.bands.iter().rev() {
            assert!(close(band.rect.y.0, edge), "{} starts at {} not {edge}", band.id, band.rect.y.0);
            assert!(band.rect.h.0 > 0.0);
            assert_eq!((band.rect.x, band.rect.w), (plot.x, plot.w));
            edge = band.rect.y.0 + band.rect.h.0;
        }
        assert!(close(edge, plot.y.0 + plot.h.0));
        let levels: Vec<usize> = chart.bands.iter().map(|b| b.level).collect();
        assert_eq!(levels, [0, 1, 2, 3, 4]);
        assert_eq!(chart.bands[3].label, "moderately severe");
        assert_eq!(chart.bands[3].id, "moderately_severe");
    }

    #[test]
    fn points_map_into_the_plot_and_into_their_band() {
        let samples = [sample(0.0, 27), sample(7.0, 12), sample(28.0, 0)];
        let chart = layout(&samples, PHQ9, Some((0, 27)));
        let p = chart.plot;
        for m in &chart.marks {
            assert!(m.cx.0 > p.x.0 && m.cx.0 < p.x.0 + p.w.0, "x {}", m.cx);
            assert!(m.cy.0 > p.y.0 && m.cy.0 < p.y.0 + p.h.0, "y {}", m.cy);
        }
        // Time runs left to right, proportionally: day 7 is a quarter of the way.
        let (x0, x1, x2) = (chart.marks[0].cx.0, chart.marks[1].cx.0, chart.marks[2].cx.0);
        assert!(x0 < x1 && x1 < x2);
        assert!(close((x1 - x0) / (x2 - x0), 0.25));
        // Higher totals sit higher (smaller y); 12 lies inside the "moderate" stripe.
        assert!(chart.marks[0].cy.0 < chart.marks[1].cy.0 && chart.marks[1].cy.0 < chart.marks[2].cy.0);
        let moderate = &chart.bands[2].rect;
        assert!(chart.marks[1].cy.0 > moderate.y.0 && chart.marks[1].cy.0 < moderate.y.0 + moderate.h.0);
        assert_eq!(chart.line.split(' ').count(), 3);
        let labels: Vec<&str> = chart.x_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["day 0", "day 28"]);
        let y_labels: Vec<&str> = chart.y_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(y_labels, ["0", "5", "10", "15", "20", "27"]);
    }

    #[test]
    fn a_single_point_is_centred_without_a_line() {
        let chart = layout(&[sample(3.0, 9)], PHQ9, Some((0, 27)));
        assert_eq!(chart.marks.len(), 1);
        assert!(close(chart.marks[0].cx.0, chart.plot.x.0 + chart.plot.w.0 / 2.0));
        assert!(chart.line.is_empty());
        assert_eq!(chart.x_ticks.len(), 1);
    }

    #[test]
    fn same_instant_points_spread_evenly_and_out_of_range_totals_are_clamped() {
        let chart = layout(&[sample(1.0, 3), sample(1.0, 4), sample(1.0, 5)], &[], Some((0, 4)));
        let xs: Vec<f64> = chart.marks.iter().map(|m| m.cx.0).collect();
        assert!(close(xs[1] - xs[0], xs[2] - xs[1]) && xs[1] > xs[0]);
        // The range widens to the data, so the total 5 is still inside the plot.
        let bottom = chart.plot.y.0 + chart.plot.h.0;
        assert!(chart.marks.iter().all(|m| m.cy.0 > chart.plot.y.0 && m.cy.0 < bottom));
        assert!(chart.bands.is_empty());
    }

    #[test]
    fn one_date_gets_one_label_and_coordinates_print_short() {
        let same_day = |days, total| Sample { date: "2026-11-21".to_owned(), ..sample(days, total) };
        let chart = layout(&[same_day(0.0, 3), same_day(0.01, 4)], PHQ9, None);
        assert_eq!(chart.x_ticks.len(), 1);
        assert_eq!(Px(12.345).to_string(), "12.3");
        // Without a declared range the bands decide it.
        assert_eq!(chart.y_ticks.last().unwrap().label, "27");
    }
}
