//! Predicted plasma curves for the pages (issue 9, build item 5): a regimen simulated with the
//! chosen published model, drawn as a line over a shaded band — the range between every racemic
//! model that can take the route, or, for esketamine (one published model), the 5–95 % band of
//! a simulated population — with a plain-language caption and text alternative. Used by the dose
//! calculator, the session page (the planned dose, then the administration as recorded with its
//! pauses and rate changes) and the course page (the series, `course_series`).

use jiff::Timestamp;
use ketaclinic_app::session_regimen::{Basis, DosedSession, recorded_infusion};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::session::{SessionEvent, SessionEventRecord};
use ketaclinic_pk::{Drug, ModelId, Patient, PopulationSpec, RegimenEntry, Route, SimulationRequest, SimulationResult};

use super::Ctx;
use super::pk_chart::{self, BandEdges, PkChart, SeriesChart, SeriesSession};

/// Shortest simulated horizon and its grid, minutes.
const END_MIN: f64 = 240.0;
const STEP_MIN: f64 = 1.0;
/// Longest horizon drawn (a day).
const MAX_END_MIN: f64 = 1440.0;
/// Esketamine population band: subjects and a fixed seed, so a page shows the same band twice.
const POPULATION: PopulationSpec = PopulationSpec { subjects: 500, seed: 20_210_501 };
/// When no weight was recorded with the dose (the racemic models need one), and the esketamine
/// model's nominal weight (it has no weight covariate): said in the caption.
pub(crate) const NOMINAL_WEIGHT_KG: f64 = 70.0;
/// Every figure says this (the chart itself says "model estimate, not a measured level").
const ESTIMATE: &str = "A model estimate, not a measurement.";
/// The label of issue 9, in every text alternative and the course figure's caption.
const LEVEL: &str = "Model estimate, not a measured level.";

/// The predicted curve under a result, or why there is none.
#[derive(Debug, Clone)]
pub(crate) struct CurveView {
    /// The figure's element id (`pk-curve`, `pk-planned`); ids of its title and desc derive.
    pub id: &'static str,
    pub chart: Option<PkChart>,
    /// `Predicted plasma ketamine concentration` (prefixed `Planned:` for a plan).
    pub title: String,
    /// The chart's text alternative, band included.
    pub desc: String,
    /// Model, Cmax, Tmax, what the band is, and "model estimate, not a measured level".
    pub caption: String,
    /// Why no curve could be drawn; empty when there is one.
    pub problem: String,
}

/// What to simulate and draw.
pub(crate) struct CurveSpec {
    pub id: &'static str,
    /// The chosen model: the line.
    pub model: ModelId,
    pub patient: Patient,
    pub regimen: Vec<RegimenEntry>,
    /// When the drug was running, minutes (shaded columns).
    pub windows: Vec<(f64, f64)>,
    pub planned: bool,
}

/// The citation of a model, as captions name it.
pub(crate) fn model_name(model: ModelId) -> &'static str {
    match model {
        ModelId::Domino1984 => "Domino et al. 1984",
        ModelId::Kamp2020 => "Kamp et al. 2020",
        ModelId::Clements1981 => "Clements et al. 1981",
        ModelId::Hijazi2003 => "Hijazi et al. 2003",
        ModelId::PerezRuixo2021 => "Perez-Ruixo et al. 2021",
    }
}

fn drug_word(model: ModelId) -> &'static str {
    if model == ModelId::PerezRuixo2021 { "esketamine" } else { "ketamine" }
}

/// A number without trailing zeros (`0.5`, `50`).
pub(crate) fn tidy(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A model figure: whole numbers from 10 up, one decimal below.
pub(crate) fn tidy_round(value: f64) -> String {
    if value.abs() >= 10.0 { format!("{value:.0}") } else { tidy(format!("{value:.1}").parse().unwrap_or(value)) }
}

/// "A, B, C and D".
fn and_list(names: &[&str]) -> String {
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The horizon: four hours, or the end of the last dose plus three hours, in whole hours.
fn horizon(regimen: &[RegimenEntry]) -> f64 {
    let last = regimen.iter().map(|e| e.start_min + e.duration_min.unwrap_or(0.0)).fold(0.0, f64::max);
    (((last + 180.0) / 60.0).ceil() * 60.0).clamp(END_MIN, MAX_END_MIN)
}

fn request(model: ModelId, spec: &CurveSpec, end_min: f64, population: Option<PopulationSpec>) -> SimulationRequest {
    SimulationRequest {
        model: model.as_str().to_owned(),
        patient: spec.patient,
        regimen: spec.regimen.clone(),
        end_min,
        step_min: if end_min > 480.0 { 2.0 * STEP_MIN } else { STEP_MIN },
        threshold_ng_ml: None,
        ke0_per_min: None,
        population,
    }
}

/// The band and how to say it: (lower, upper, caption sentence, text-alternative sentence).
type Band = (Vec<f64>, Vec<f64>, String, String);

/// The range of every racemic model that takes every route of the regimen, at each grid time.
fn between_models(ctx: &Ctx, spec: &CurveSpec, chosen: &SimulationResult, end_min: f64) -> Option<Band> {
    let routes: Vec<Route> = spec.regimen.iter().map(|e| e.route).collect();
    let mut names = vec![model_name(spec.model)];
    let mut lo = chosen.plasma_ng_ml.clone();
    let mut hi = chosen.plasma_ng_ml.clone();
    let others =
        ketaclinic_pk::models().into_iter().filter(|m| m.drug == Drug::RacemicKetamine && m.id != spec.model && routes.iter().all(|r| m.routes.contains(r)));
    for info in others {
        let Ok(sim) = ctx.state.app.pk_simulate(&ctx.actor, &request(info.id, spec, end_min, None)) else { continue };
        if sim.plasma_ng_ml.len() != lo.len() {
            continue;
        }
        names.push(model_name(info.id));
        for ((l, h), c) in lo.iter_mut().zip(hi.iter_mut()).zip(&sim.plasma_ng_ml) {
            *l = l.min(*c);
            *h = h.max(*c);
        }
    }
    if names.len() < 2 {
        return None;
    }
    let at = nearest(&chosen.times_min, chosen.tmax_min);
    let top = hi.iter().copied().fold(0.0, f64::max);
    let caption = format!("The shaded band is the range of {} published models ({}); the line is {}.", names.len(), and_list(&names), model_name(spec.model));
    let desc = format!(
        "A shaded band shows the range of {} published models ({}): at {} min it runs from {} to {} ng/mL, and its highest point is {} ng/mL.",
        names.len(),
        and_list(&names),
        tidy_round(chosen.tmax_min),
        tidy_round(lo[at]),
        tidy_round(hi[at]),
        tidy_round(top)
    );
    Some((lo, hi, caption, desc))
}

/// The esketamine population's 5–95 % band (one published model: the spread is between patients).
fn between_patients(chosen: &SimulationResult) -> Option<Band> {
    let p = chosen.population.as_ref()?;
    let at = nearest(&chosen.times_min, chosen.tmax_min);
    let (lo, hi) = (p.p05_ng_ml.get(at)?, p.p95_ng_ml.get(at)?);
    let caption = format!(
        "There is one published esketamine model, so the shaded band is the spread between patients instead: 90 % of {} simulated patients (its published variability, fixed seed) fall inside it; the line is the typical patient.",
        p.subjects
    );
    let desc = format!(
        "A shaded band shows where 90 % of {} simulated patients fall (5th to 95th percentile): at {} min from {} to {} ng/mL.",
        p.subjects,
        tidy_round(chosen.tmax_min),
        tidy_round(*lo),
        tidy_round(*hi)
    );
    Some((p.p05_ng_ml.clone(), p.p95_ng_ml.clone(), caption, desc))
}

fn nearest(times: &[f64], t: f64) -> usize {
    times.iter().position(|x| *x >= t).unwrap_or(times.len().saturating_sub(1))
}

/// Simulates the regimen with the chosen model and its band, and lays out the chart; a model
/// failure leaves the page standing and says why.
pub(crate) fn curve(ctx: &Ctx, spec: &CurveSpec) -> CurveView {
    let drug = drug_word(spec.model);
    let name = model_name(spec.model);
    let plain = format!("Predicted plasma {drug} concentration");
    let title = if spec.planned { format!("Planned: {}", plain.to_lowercase()) } else { plain };
    let end_min = horizon(&spec.regimen);
    let esketamine = spec.model == ModelId::PerezRuixo2021;
    let sim = match ctx.state.app.pk_simulate(&ctx.actor, &request(spec.model, spec, end_min, esketamine.then_some(POPULATION))) {
        Ok(sim) => sim,
        Err(err) => {
            return CurveView {
                id: spec.id,
                chart: None,
                desc: String::new(),
                caption: String::new(),
                title,
                problem: format!("The {name} model could not draw a curve for these values ({err})."),
            };
        }
    };
    let band = if esketamine { between_patients(&sim) } else { between_models(ctx, spec, &sim, end_min) };
    let edges = band.as_ref().map(|(lo, hi, ..)| BandEdges { lo, hi });
    let chart = pk_chart::layout(&sim.times_min, &sim.plasma_ng_ml, end_min, (sim.tmax_min, sim.cmax_ng_ml), &spec.windows, edges);
    let peak = format!("Cmax {} ng/mL at Tmax {} min", tidy_round(sim.cmax_ng_ml), tidy_round(sim.tmax_min));
    let (band_caption, band_desc) = band.map(|(_, _, c, d)| (format!(" {c}"), format!(" {d}"))).unwrap_or_default();
    let planned = if spec.planned { "the planned dose, " } else { "" };
    CurveView {
        id: spec.id,
        chart: Some(chart),
        desc: format!(
            "Line chart of the predicted plasma {drug} concentration in ng/mL ({planned}{name} model) over the first {} minutes; {peak}.{band_desc} {LEVEL}",
            tidy(end_min)
        ),
        caption: format!("{name} model: {peak}. {ESTIMATE}{band_caption}"),
        title,
        problem: String::new(),
    }
}

/// What a session's events say was given, as a curve to draw: the spec and caption notes.
/// Racemic ketamine by infusion (Domino 1984, each running stretch from the pump record) or
/// injection (Clements 1981); esketamine (Perez-Ruixo 2021) one 28 mg intranasal dose per device.
pub(crate) fn recorded_spec(modality: Modality, events: &[SessionEventRecord], now: Timestamp) -> Option<(CurveSpec, String)> {
    let start = events.iter().find(|e| matches!(e.event, SessionEvent::AdministrationStarted | SessionEvent::DeviceAdministered))?;
    let minutes = |t: Timestamp| (t.duration_since(start.at).as_secs_f64() / 60.0).max(0.0);
    if modality.is_esketamine() {
        let devices: Vec<RegimenEntry> = events
            .iter()
            .filter(|e| e.event == SessionEvent::DeviceAdministered)
            .map(|e| RegimenEntry { route: Route::Intranasal, dose_mg: 28.0, start_min: minutes(e.at), duration_min: None })
            .collect();
        let last = devices.last()?.start_min;
        let patient = Patient { weight_kg: NOMINAL_WEIGHT_KG, age_years: None, ancestry: None };
        let windows = if last > 0.0 { vec![(0.0, last)] } else { Vec::new() };
        return Some((CurveSpec { id: "pk-curve", model: ModelId::PerezRuixo2021, patient, regimen: devices, windows, planned: false }, String::new()));
    }
    let weight = start.payload.get("weight_kg").and_then(serde_json::Value::as_f64).filter(|w| (10.0..=300.0).contains(w));
    let patient = Patient { weight_kg: weight.unwrap_or(NOMINAL_WEIGHT_KG), age_years: None, ancestry: None };
    let mut note = if weight.is_none() { format!(" No weight was recorded with the dose: {NOMINAL_WEIGHT_KG} kg assumed.") } else { String::new() };
    if modality == Modality::IvKetamine {
        let infusion = recorded_infusion(events, now)?;
        if infusion.entries.is_empty() {
            return None;
        }
        let windows = infusion.entries.iter().map(|e| (e.start_min, e.start_min + e.duration_min.unwrap_or(0.0))).collect::<Vec<_>>();
        note.push_str(&format!(" The pale columns mark when the pump was running ({} stretch{}).", windows.len(), if windows.len() == 1 { "" } else { "es" }));
        match infusion.basis {
            Basis::PumpVolume => {
                let dose = start.payload.get("dose_mg").and_then(serde_json::Value::as_f64).unwrap_or(infusion.given_mg);
                note.push_str(&format!(
                    " Drug infused: {} mg of the {} mg in the bag, from the pump rates, pauses and running time.",
                    tidy_round(infusion.given_mg),
                    tidy_round(dose)
                ));
                if infusion.running {
                    note.push_str(" The pump is still running: the curve assumes it continues at the current rate until the bag is empty.");
                }
            }
            // The start did not record the bag volume (or a rate), so the drug per mL is unknown.
            Basis::SpreadEvenly => {
                note.push_str(if infusion.running {
                    " The bag volume was not recorded, so the whole dose is spread over the running time up to now (by pump rate where recorded)."
                } else {
                    " The bag volume was not recorded, so the whole dose is spread over the running time (by pump rate where recorded): an early stop is not reflected."
                });
            }
        }
        let spec = CurveSpec { id: "pk-curve", model: ModelId::Domino1984, patient, regimen: infusion.entries, windows, planned: false };
        return Some((spec, note));
    }
    let dose = start.payload.get("dose_mg").and_then(serde_json::Value::as_f64).filter(|d| *d > 0.0)?;
    let regimen = vec![RegimenEntry { route: Route::Im, dose_mg: dose, start_min: 0.0, duration_min: None }];
    Some((CurveSpec { id: "pk-curve", model: ModelId::Clements1981, patient, regimen, windows: Vec::new(), planned: false }, note))
}

/// The session page's curve of the administration as recorded; none before dosing.
pub(crate) fn recorded_curve(ctx: &Ctx, modality: Modality, events: &[SessionEventRecord], now: Timestamp) -> Option<CurveView> {
    let (spec, note) = recorded_spec(modality, events, now)?;
    let mut drawn = curve(ctx, &spec);
    drawn.caption.push_str(&note);
    drawn.caption.push_str(" Minutes from the start of administration.");
    Some(drawn)
}

/// The session page's curve of the dose just calculated, before anything is given: an infusion
/// over `infusion_minutes` (IV), or an injection (IM) without them, labelled "planned".
pub(crate) fn planned_curve(ctx: &Ctx, dose_mg: f64, infusion_minutes: Option<f64>, weight_kg: f64) -> Option<CurveView> {
    if !dose_mg.is_finite() || dose_mg <= 0.0 {
        return None;
    }
    let (model, regimen, windows) = match infusion_minutes {
        Some(m) => (ModelId::Domino1984, vec![RegimenEntry { route: Route::IvInfusion, dose_mg, start_min: 0.0, duration_min: Some(m) }], vec![(0.0, m)]),
        None => (ModelId::Clements1981, vec![RegimenEntry { route: Route::Im, dose_mg, start_min: 0.0, duration_min: None }], Vec::new()),
    };
    let patient = Patient { weight_kg, age_years: None, ancestry: None };
    let mut drawn = curve(ctx, &CurveSpec { id: "pk-planned", model, patient, regimen, windows, planned: true });
    drawn.caption.push_str(" Planned: the dose as calculated, not yet given. Minutes from the start of administration.");
    Some(drawn)
}

/// One session in the course figure's table.
pub(crate) struct SeriesRow {
    pub date: String,
    pub given: String,
    pub peak: String,
    pub tmax: String,
}

/// A course's series of predicted curves.
pub(crate) struct SeriesView {
    pub id: String,
    pub chart: SeriesChart,
    pub title: String,
    pub desc: String,
    pub caption: String,
    pub rows: Vec<SeriesRow>,
}

/// The predicted plasma level of every dosed session of a course at its date, on one axis in
/// days (see `pk_chart::series_layout` for why), with a table of the peaks; the chosen model
/// only (each session's own page shows its band). `None` without a drawable session.
pub(crate) fn course_series(ctx: &Ctx, course_id: &str, modality: Modality, sessions: &[DosedSession]) -> Option<SeriesView> {
    let now = ctx.state.app.now();
    let mut drawn: Vec<(Timestamp, SimulationResult, String)> = Vec::new();
    let mut model = None;
    for s in sessions {
        let Some((spec, _)) = recorded_spec(modality, &s.events, now) else { continue };
        let Some(start) = s.events.iter().find(|e| matches!(e.event, SessionEvent::AdministrationStarted | SessionEvent::DeviceAdministered)) else { continue };
        let Ok(sim) = ctx.state.app.pk_simulate(&ctx.actor, &request(spec.model, &spec, horizon(&spec.regimen), None)) else { continue };
        let given: f64 = spec.regimen.iter().map(|e| e.dose_mg).sum();
        drawn.push((start.at, sim, format!("{} mg", tidy_round(given))));
        model = Some(spec.model);
    }
    let model = model?;
    let first = drawn.first()?.0;
    let series: Vec<SeriesSession<'_>> = drawn
        .iter()
        .map(|(at, sim, _)| SeriesSession {
            day: at.duration_since(first).as_secs_f64() / 86_400.0,
            times: &sim.times_min,
            conc: &sim.plasma_ng_ml,
            peak: (sim.tmax_min, sim.cmax_ng_ml),
        })
        .collect();
    let chart = pk_chart::series_layout(&series);
    let rows: Vec<SeriesRow> = drawn
        .iter()
        .map(|(at, sim, given)| SeriesRow {
            date: ctx.time(*at),
            given: given.clone(),
            peak: format!("{} ng/mL", tidy_round(sim.cmax_ng_ml)),
            tmax: format!("{} min", tidy_round(sim.tmax_min)),
        })
        .collect();
    let peaks: Vec<f64> = drawn.iter().map(|(_, s, _)| s.cmax_ng_ml).collect();
    let (low, high) = peaks.iter().fold((f64::INFINITY, 0.0_f64), |(l, h), p| (l.min(*p), h.max(*p)));
    let drug = drug_word(model);
    let name = model_name(model);
    let count = if drawn.len() == 1 { "1 session".to_owned() } else { format!("{} sessions", drawn.len()) };
    Some(SeriesView {
        id: course_id.to_owned(),
        title: format!("Predicted plasma {drug} concentration across the course"),
        desc: format!(
            "Chart of {count} at their dates, in days from the first dose; each is a narrow peak labelled with its predicted maximum, from {} to {} ng/mL ({name} model). {LEVEL}",
            tidy_round(low),
            tidy_round(high)
        ),
        caption: format!(
            "{count}, each drawn at its date with its predicted peak in ng/mL above it ({name} model, the administration as recorded). Each curve lasts hours and sessions are days apart, so they do not overlap: nothing carries over from one session to the next. {LEVEL}"
        ),
        chart,
        rows,
    })
}
