//! Summary numbers of a curve: peak, time above a threshold, first time below it after the peak.
//!
//! The grid finds the intervals; the exact solution is then re-evaluated inside them (golden
//! section for the peak, bisection for crossings), so results do not depend on the grid step
//! beyond detecting the interval. Two crossings inside one grid interval are not resolved.

/// Peak `(cmax, tmax)`, refined by golden-section search around the highest grid point.
pub(crate) fn peak(times: &[f64], conc: &[f64], eval: &dyn Fn(f64) -> f64) -> (f64, f64) {
    let Some((k, &c)) = conc.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) else {
        return (0.0, 0.0);
    };
    let (mut best_c, mut best_t) = (c, times[k]);
    if k == 0 || k + 1 >= times.len() {
        return (best_c, best_t);
    }
    let inv_phi = (5.0_f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (times[k - 1], times[k + 1]);
    let mut x1 = b - inv_phi * (b - a);
    let mut x2 = a + inv_phi * (b - a);
    let (mut f1, mut f2) = (eval(x1), eval(x2));
    for _ in 0..60 {
        if f1 >= f2 {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - inv_phi * (b - a);
            f1 = eval(x1);
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + inv_phi * (b - a);
            f2 = eval(x2);
        }
        if b - a < 1e-9 {
            break;
        }
    }
    for (t, f) in [(x1, f1), (x2, f2)] {
        if f > best_c {
            best_c = f;
            best_t = t;
        }
    }
    (best_c, best_t)
}

/// Crossing time of `threshold` in `(lo, hi)` where the curve is on different sides at the ends.
fn crossing(mut lo: f64, mut hi: f64, threshold: f64, eval: &dyn Fn(f64) -> f64) -> f64 {
    let above_lo = eval(lo) > threshold;
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if (eval(mid) > threshold) == above_lo {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-7 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// `(time above threshold, first time below it at or after tmax)`.
pub(crate) fn threshold(times: &[f64], conc: &[f64], level: f64, tmax: f64, eval: &dyn Fn(f64) -> f64) -> (f64, Option<f64>) {
    let mut above_total = 0.0;
    let mut first_below = None;
    let Some(&first) = conc.first() else {
        return (0.0, None);
    };
    let mut above_since = (first > level).then_some(times[0]);
    for k in 1..times.len() {
        let (was, is) = (conc[k - 1] > level, conc[k] > level);
        if was == is {
            continue;
        }
        let t = crossing(times[k - 1], times[k], level, eval);
        if is {
            above_since = Some(t);
        } else {
            if let Some(start) = above_since.take() {
                above_total += t - start;
            }
            if first_below.is_none() && t >= tmax {
                first_below = Some(t);
            }
        }
    }
    if let (Some(start), Some(&end)) = (above_since, times.last()) {
        above_total += end - start;
    }
    (above_total, first_below)
}
