//! The Assessments section of the patient page: per instrument a trend chart (or, for the
//! C-SSRS screener, which has no total, a list of risk levels), the outcome caption, a table of
//! every point, and the confirmation of an assessment just recorded with its safety notice.

use axum::response::Response;
use jiff::Timestamp;
use ketaclinic_app::Permission;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::assessment::Assessment;
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::instruments::{self, FLAG_SUICIDAL_IDEATION, Instrument, RiskLevel, Score};
use ketaclinic_domain::outcome::{self, Outcome, Point, PointState};

use super::Ctx;
use super::trend_chart::{self, Chart, Sample};

/// A badge of the outcome caption.
#[derive(Debug, Clone)]
pub(crate) struct Badge {
    /// `success`, `danger` or `` (neutral).
    pub kind: &'static str,
    pub text: String,
}

/// Baseline → latest, change and response / remission / relapse.
#[derive(Debug, Clone)]
pub(crate) struct Caption {
    pub baseline: String,
    pub latest: String,
    /// `−60 %`; empty with one point or a zero baseline.
    pub change: String,
    pub badges: Vec<Badge>,
}

/// One row of the table fallback (and of the C-SSRS list).
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The assessment's id (for marking it entered in error).
    pub id: String,
    pub when: String,
    pub result: String,
    pub severity: String,
    pub state: &'static str,
    pub flags: String,
}

/// One instrument's part of the section.
#[derive(Debug, Clone)]
pub(crate) struct InstrumentPanel {
    pub id: &'static str,
    pub name: &'static str,
    pub title: &'static str,
    /// `None` for instruments without a total.
    pub chart: Option<Chart>,
    /// What the chart shows, in a sentence (its `aria-label`).
    pub summary: String,
    pub caption: Option<Caption>,
    pub rows: Vec<Row>,
}

/// The confirmation after recording.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub title: String,
    pub text: String,
    /// A suicidal-ideation flag or a C-SSRS risk of moderate or more: tell the prescriber now.
    pub safety: Option<String>,
}

/// The whole section.
#[derive(Debug, Clone)]
pub(crate) struct AssessmentsView {
    pub panels: Vec<InstrumentPanel>,
    pub recorded: Option<Recorded>,
    pub can_record: bool,
    /// Instruments to start: id and name.
    pub choices: Vec<(&'static str, &'static str)>,
}

/// Loads the patient's assessments (one audited read) and builds the section; `recorded` is
/// the id of an assessment just saved, from the redirect.
pub(crate) async fn load(ctx: &Ctx, patient: PatientId, recorded: &str, active: bool) -> Result<AssessmentsView, Response> {
    let grant = ctx.grant::<perm::PatientRead>().await?;
    let list = ctx.state.app.assessments(&grant, patient, None).await.map_err(|e| ctx.fail(e))?;
    let panels = instruments::all()
        .iter()
        .filter_map(|instrument| {
            let mine: Vec<&Assessment> = list.iter().filter(|a| a.instrument == instrument.id).collect();
            (!mine.is_empty()).then(|| panel(ctx, instrument, &mine))
        })
        .collect();
    let recorded = list.iter().find(|a| !recorded.is_empty() && a.id.to_string() == recorded).map(|a| confirmation(ctx, a));
    Ok(AssessmentsView {
        panels,
        recorded,
        can_record: active && ctx.can(Permission::AssessmentRecord),
        choices: instruments::all().iter().map(|i| (i.id, i.name)).collect(),
    })
}

/// `moderately_severe` → `moderately severe`.
pub(crate) fn humanize(id: &str) -> String {
    id.replace('_', " ")
}

fn risk_label(risk: RiskLevel) -> &'static str {
    match risk {
        RiskLevel::None => "none",
        RiskLevel::Low => "low",
        RiskLevel::Moderate => "moderate",
        RiskLevel::High => "high",
    }
}

/// `14 (moderate)`, `risk high`, or `12`.
fn result_text(score: &Score) -> String {
    match (score.total, &score.severity, score.risk_level) {
        (Some(total), Some(severity), _) => format!("{total} ({})", humanize(severity)),
        (Some(total), None, _) => total.to_string(),
        (None, _, Some(risk)) => format!("risk {}", risk_label(risk)),
        (None, _, None) => "not scored".to_owned(),
    }
}

/// The safety message for a score, if it needs one.
pub(crate) fn safety(score: &Score) -> Option<String> {
    let ideation = score.flags.iter().any(|f| f == FLAG_SUICIDAL_IDEATION);
    let risk = score.risk_level.filter(|r| *r >= RiskLevel::Moderate);
    if !ideation && risk.is_none() {
        return None;
    }
    let what = match risk {
        Some(r) => format!("a C-SSRS risk level of {}", risk_label(r)),
        None => "a suicidal-ideation safety flag".to_owned(),
    };
    Some(format!(
        "This assessment raised {what}. Tell the prescriber now, in person or by phone, and stay with the patient until they have been seen; \
         do not rely on an on-screen alert alone."
    ))
}

fn confirmation(ctx: &Ctx, a: &Assessment) -> Recorded {
    let name = instruments::get(&a.instrument).map_or(a.instrument.as_str(), |i| i.name);
    Recorded {
        title: format!("{name} recorded"),
        text: format!("Result {}, administered {}.", result_text(&a.score), ctx.time(a.administered_at)),
        safety: safety(&a.score),
    }
}

fn state_label(state: PointState) -> &'static str {
    match state {
        PointState::Baseline => "baseline",
        PointState::NoResponse => "no response",
        PointState::Response => "response",
        PointState::Remission => "remission",
        PointState::Relapse => "relapse",
    }
}

fn date(ctx: &Ctx, ts: Timestamp) -> String {
    ctx.time(ts).split(' ').next().unwrap_or_default().to_owned()
}

/// `−30 %` / `+12.5 %`.
fn percent(change: f64) -> String {
    let sign = if change < 0.0 {
        "−"
    } else if change > 0.0 {
        "+"
    } else {
        ""
    };
    let digits = format!("{:.1}", change.abs());
    format!("{sign}{} %", digits.trim_end_matches(".0"))
}

fn panel(ctx: &Ctx, instrument: &Instrument, list: &[&Assessment]) -> InstrumentPanel {
    let scored: Vec<&Assessment> = list.iter().copied().filter(|a| a.score.total.is_some()).collect();
    let points: Vec<Point> = scored.iter().filter_map(|a| a.score.total.map(|total| Point { at: a.administered_at, total })).collect();
    let result = outcome::outcome(&points, ctx.state.app.settings().remission.for_instrument(instrument.id));
    let states: Vec<&'static str> = result.series.iter().map(|p| state_label(p.state)).collect();
    let rows = list
        .iter()
        .map(|a| {
            let state = scored.iter().position(|s| s.id == a.id).and_then(|i| states.get(i).copied()).unwrap_or("");
            Row {
                id: a.id.to_string(),
                when: ctx.time(a.administered_at),
                result: a.score.total.map_or_else(|| result_text(&a.score), |t| t.to_string()),
                severity: a.score.severity.as_deref().map(humanize).unwrap_or_default(),
                state,
                flags: a.score.flags.iter().map(|f| humanize(f)).collect::<Vec<_>>().join(", "),
            }
        })
        .collect();
    let first = points.first().map(|p| p.at);
    let samples: Vec<Sample> = scored
        .iter()
        .filter_map(|a| {
            let total = a.score.total?;
            let days = first.map_or(0.0, |f| a.administered_at.duration_since(f).as_secs_f64() / 86_400.0);
            let flagged = safety(&a.score).is_some();
            let mut title = format!("{}: {} {}", ctx.time(a.administered_at), instrument.name, result_text(&a.score));
            if flagged {
                title.push_str(" — safety flag");
            }
            Some(Sample { days, total, date: date(ctx, a.administered_at), title, flagged })
        })
        .collect();
    let chart = (!samples.is_empty()).then(|| {
        let bands = instrument.bands(&ctx.state.app.settings().scoring);
        trend_chart::layout(&samples, &bands, instrument.total_range.map(|r| (r.min, r.max)))
    });
    let caption = caption(ctx, &result);
    InstrumentPanel {
        id: instrument.id,
        name: instrument.name,
        title: instrument.title,
        summary: summary(ctx, instrument, list, &result),
        chart,
        caption,
        rows,
    }
}

fn caption(ctx: &Ctx, result: &Outcome) -> Option<Caption> {
    let (base, latest) = (result.baseline?, result.latest?);
    let mut badges = Vec::new();
    let on = |ts: Option<Timestamp>| ts.map(|t| format!(" {}", date(ctx, t))).unwrap_or_default();
    if result.response {
        badges.push(Badge { kind: "success", text: format!("Response{}", on(result.response_at)) });
    }
    if result.remission {
        badges.push(Badge { kind: "success", text: format!("Remission{}", on(result.remission_at)) });
    }
    if result.relapse {
        badges.push(Badge { kind: "danger", text: format!("Relapse{}", on(result.relapse_at)) });
    }
    if badges.is_empty() && result.series.len() > 1 {
        badges.push(Badge { kind: "", text: "No response yet".to_owned() });
    }
    Some(Caption {
        baseline: format!("{} on {}", base.total, date(ctx, base.at)),
        latest: format!("{} on {}", latest.total, date(ctx, latest.at)),
        change: result.change_percent.map(percent).unwrap_or_default(),
        badges,
    })
}

fn summary(ctx: &Ctx, instrument: &Instrument, list: &[&Assessment], result: &Outcome) -> String {
    let n = list.len();
    let noun = if n == 1 { "assessment" } else { "assessments" };
    let span = match (list.first(), list.last()) {
        (Some(a), Some(b)) if n > 1 => format!(" from {} to {}", date(ctx, a.administered_at), date(ctx, b.administered_at)),
        (Some(a), _) => format!(" on {}", date(ctx, a.administered_at)),
        _ => String::new(),
    };
    let mut text = format!("{} trend: {n} {noun}{span}", instrument.name);
    if let (Some(first), Some(last)) = (list.first(), list.last()) {
        text.push_str(&format!("; baseline {}, latest {}", result_text(&first.score), result_text(&last.score)));
    }
    if let Some(change) = result.change_percent {
        text.push_str(&format!("; change {}", percent(change)));
    }
    for (reached, word) in [(result.response, "response reached"), (result.remission, "remission reached"), (result.relapse, "relapse")] {
        if reached {
            text.push_str(&format!("; {word}"));
        }
    }
    text.push('.');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(total: Option<u32>, flags: &[&str], risk: Option<RiskLevel>) -> Score {
        Score {
            instrument: "phq9".to_owned(),
            total,
            severity: total.map(|_| "moderately_severe".to_owned()),
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            risk_level: risk,
            domains: None,
        }
    }

    #[test]
    fn safety_notice_for_ideation_or_moderate_risk_only() {
        assert!(safety(&score(Some(3), &[], None)).is_none());
        assert!(safety(&score(Some(3), &["sedation"], None)).is_none());
        assert!(safety(&score(Some(3), &["suicidal_ideation"], None)).unwrap().contains("Tell the prescriber now"));
        assert!(safety(&score(None, &[], Some(RiskLevel::High))).unwrap().contains("risk level of high"));
    }

    #[test]
    fn results_and_percentages_read_well() {
        assert_eq!(result_text(&score(Some(17), &[], None)), "17 (moderately severe)");
        assert_eq!(result_text(&score(None, &[], Some(RiskLevel::Low))), "risk low");
        assert_eq!(percent(-30.0), "−30 %");
        assert_eq!(percent(12.5), "+12.5 %");
        assert_eq!(percent(0.0), "0 %");
    }
}
