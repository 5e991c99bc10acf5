//! `GET /outcomes`: the clinic's outcome dashboard — a table per instrument and a
//! Kaplan–Meier step chart of time to relapse after response, with CSV downloads.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::dashboard::KmStep;
use serde::Deserialize;

use super::forms::PageQuery;
use super::{Ctx, Layout, PageResult, Section};
use crate::api::dashboard::{csv, csv_response};

/// Width and height of the chart's `viewBox`.
const W: f64 = 640.0;
const H: f64 = 260.0;
const PAD_L: f64 = 48.0;
const PAD_B: f64 = 36.0;
const PAD_T: f64 = 12.0;
const PAD_R: f64 = 16.0;

/// One group's curve, drawn.
pub(crate) struct Curve {
    pub group: String,
    /// `points` of the step `<polyline>`.
    pub points: String,
    pub css: &'static str,
    pub last_survival: String,
}

/// One table row.
pub(crate) struct Row {
    pub group: String,
    pub patients: u32,
    pub evaluable: u32,
    pub response: String,
    pub remission: String,
    pub median_days: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "outcomes.html")]
struct Page {
    layout: Layout,
    instrument: String,
    instruments: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    curves: Vec<Curve>,
    x_ticks: Vec<(String, u32)>,
    y_ticks: Vec<(String, u32)>,
    max_day: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Query {
    instrument: String,
    format: String,
    table: String,
}

const COLOURS: [&str; 4] = ["curve--a", "curve--b", "curve--c", "curve--d"];

fn x(day: u32, max_day: u32) -> f64 {
    PAD_L + f64::from(day) / f64::from(max_day.max(1)) * (W - PAD_L - PAD_R)
}

fn y(survival: f64) -> f64 {
    PAD_T + (1.0 - survival.clamp(0.0, 1.0)) * (H - PAD_T - PAD_B)
}

/// Step-function points: flat until each event day, then down.
fn steps(curve: &[KmStep], max_day: u32) -> String {
    let mut pts = vec![format!("{:.1},{:.1}", x(0, max_day), y(1.0))];
    let mut level = 1.0;
    for s in curve {
        pts.push(format!("{:.1},{:.1}", x(s.day, max_day), y(level)));
        level = s.survival;
        pts.push(format!("{:.1},{:.1}", x(s.day, max_day), y(level)));
    }
    if let Some(last) = curve.last() {
        pts.push(format!("{:.1},{:.1}", x(last.day.max(max_day), max_day), y(level)));
    }
    pts.join(" ")
}

fn pct(v: Option<f64>, of: u32, n: u32) -> String {
    v.map_or_else(|| "—".to_owned(), |r| format!("{r:.1} % ({of} of {n})"))
}

/// The page (or a CSV download with `format=csv`).
pub(crate) async fn show(ctx: Ctx, PageQuery(q): PageQuery<Query>) -> PageResult {
    let grant = ctx.grant::<perm::DashboardRead>().await?;
    let instrument = if q.instrument.is_empty() { "phq9" } else { q.instrument.as_str() };
    let d = ctx.state.app.outcome_dashboard(&grant, instrument).await.map_err(|e| ctx.fail(e))?;
    if q.format == "csv" {
        let table = if q.table.is_empty() { "groups" } else { q.table.as_str() };
        let body = csv(&d, table).ok_or_else(|| ctx.not_found())?;
        return Ok(csv_response(body, &format!("ketaclinic-{}-{table}.csv", d.instrument)));
    }
    let max_day = d.groups.iter().flat_map(|g| g.relapse_curve.last().map(|s| s.day)).max().unwrap_or(0).max(7);
    let curves = d
        .groups
        .iter()
        .filter(|g| !g.relapse_curve.is_empty())
        .zip(COLOURS.iter().cycle())
        .map(|(g, css)| Curve {
            group: g.group.replace('_', " "),
            points: steps(&g.relapse_curve, max_day),
            css,
            last_survival: g.relapse_curve.last().map_or_else(String::new, |s| format!("{:.0} %", s.survival * 100.0)),
        })
        .collect();
    let rows = d
        .groups
        .iter()
        .map(|g| Row {
            group: g.group.replace('_', " "),
            patients: g.patients,
            evaluable: g.evaluable,
            response: pct(g.response_rate, g.responders, g.evaluable),
            remission: pct(g.remission_rate, g.remitters, g.evaluable),
            median_days: g.median_days_to_response.map_or_else(|| "—".to_owned(), |m| format!("{m:.1} days")),
        })
        .collect();
    let x_ticks = (0..=4).map(|i| max_day * i / 4).map(|d| (format!("{:.1}", x(d, max_day)), d)).collect();
    let y_ticks = [100u32, 75, 50, 25, 0].into_iter().map(|p| (format!("{:.1}", y(f64::from(p) / 100.0)), p)).collect();
    let page = Page {
        layout: ctx.layout("Outcomes", Section::Outcomes),
        instrument: d.instrument.to_owned(),
        instruments: vec![("phq9", "PHQ-9"), ("gad7", "GAD-7"), ("qids_sr16", "QIDS-SR16"), ("madrs", "MADRS")],
        rows,
        curves,
        x_ticks,
        y_ticks,
        max_day,
    };
    Ok(page.into_response())
}
